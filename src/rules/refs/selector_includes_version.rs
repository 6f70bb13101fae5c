//! [`SelectorIncludesVersion`](crate::rules::RuleId::SelectorIncludesVersion): a controller's selector that names a label which changes with every release.

use crate::index::Index;
use crate::model::WorkloadKind;
use crate::path;
use crate::rules::Findings;
use crate::yaml::is_placeholder;

/// Whether a label value reads as a release (`4.8.2`, `v1.2.0-rc1`, `1.0`): not a variant name
/// such as Istio's `version: v1`, which stays fixed for its Deployment.
fn release_like(v: &str) -> bool {
    let t = v.trim_start_matches(['v', 'V']);
    let head: String = t.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    head.contains('.') && head.split('.').filter(|p| !p.is_empty()).count() >= 2
}

/// Whether a version is a part of an image tag, between its start or end and `-`:
/// `3.6.1` in `3.3.9-3.6.1-ubuntu22.04`, `1.0` in `v1.0-cpu`.
fn in_tag(tag: &str, version: &str) -> bool {
    let tag = tag.trim_start_matches(['v', 'V']);
    if version.is_empty() {
        return false;
    }
    tag.match_indices(version).any(|(at, _)| {
        let end = at + version.len();
        let before = at == 0 || tag[..at].ends_with(['-', 'v', 'V']);
        let after = end == tag.len() || tag[end..].starts_with('-');
        before && after
    })
}

/// An image tag a label value can move with: two characters or more, with a digit, not `latest`.
fn tag_like(t: &str) -> bool {
    t.len() >= 2 && t != "latest" && t.chars().any(|c| c.is_ascii_digit())
}

/// A Helm chart label: `name-1.2.3`.
fn chart_like(v: &str) -> bool {
    v.rsplit_once('-').is_some_and(|(_, version)| release_like(version))
}

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, _) in ix.workloads() {
        if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet | WorkloadKind::ReplicaSet) {
            continue;
        }
        let Some(labels) = w.selector.and_then(|s| s.match_labels.as_ref()) else { continue };
        // The image tags of the pod: a selector value equal to one moves with the image (read
        // only for a value that could be one, or that looks like a release).
        let tags = std::cell::OnceCell::new();
        let tags = || -> &Vec<&str> {
            tags.get_or_init(|| {
                w.pod_spec
                    .into_iter()
                    .flat_map(crate::model::workload::containers)
                    .filter_map(|(_, _, c)| c.image.as_deref())
                    .filter_map(|i| i.split('@').next()?.rsplit_once(':'))
                    .filter(|(repo, _)| !repo.ends_with('/') && !repo.contains("//"))
                    .map(|(_, tag)| tag)
                    .filter(|t| tag_like(t))
                    .collect()
            })
        };
        let y = ix.file(o);
        let name = o.name.as_deref().unwrap_or("");
        for (k, v) in labels {
            // `fluentd-es-v2.0.4` selecting `version: v2.0.4`: each release is a new object of
            // a new name (the old add-on manager's pattern), so no selector ever changes.
            if is_placeholder(v) || v.is_empty() || name.contains(v.as_str()) {
                continue;
            }
            // A version label counts when the release moves it: it is (part of) an image tag,
            // as in the upstream DCGM exporter's `4.8.2` beside `dcgm-exporter:4.8.2-4.5.0`. A
            // version beside an untagged image is nobody's release number.
            let bare = v.trim_start_matches(['v', 'V']);
            let tied = release_like(v) && tags().iter().any(|t| in_tag(t, bare));
            let why = match k.as_str() {
                "app.kubernetes.io/version" | "version" | "app.version" if tied => Some("the release in the image tag"),
                "helm.sh/chart" => Some("the chart's name and version"),
                "chart" if chart_like(v) => Some("the chart's name and version"),
                _ if tag_like(v) && tags().contains(&v.as_str()) => Some("the image tag"),
                _ => None,
            };
            let Some(why) = why else { continue };
            let p = path!["spec", "selector", "matchLabels", k.clone()];
            let Some(node) = y.lookup_key(o.root, &p) else { continue };
            out.report(
                o.file,
                y.span(node),
                format!(
                    "the selector of {} `{}` includes `{k}: {v}`, {why}, which changes with each release: a selector is immutable, so the next release's `kubectl apply` fails with `field is immutable`",
                    o.kind,
                    o.name.as_deref().unwrap_or("")
                ),
            )
            .help(format!(
                "select on labels that never change (`app.kubernetes.io/name`, `app.kubernetes.io/instance`) and keep `{k}` in the pod template's labels only; an existing {} must be deleted and recreated to change its selector",
                o.kind
            ))
            .path(p)
            .object(o);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn releases_and_variants() {
        for v in ["4.8.2", "v1.2.0", "1.0", "v0.16.2-rc1"] {
            assert!(super::release_like(v), "{v}");
        }
        for v in ["v1", "v2", "stable", "canary", "2024", ""] {
            assert!(!super::release_like(v), "{v}");
        }
        assert!(super::chart_like("dcgm-exporter-4.8.2"));
        assert!(super::in_tag("3.3.9-3.6.1-ubuntu22.04", "3.6.1"));
        assert!(super::in_tag("2.1.8-2.4.0-rc.2-ubuntu18.04", "2.4.0-rc.2"));
        assert!(super::in_tag("4.8.2-4.5.0-ubuntu22.04", "4.8.2"));
        assert!(!super::in_tag("13.6.10", "3.6.1"));
        assert!(!super::chart_like("dcgm-exporter"));
    }
}
