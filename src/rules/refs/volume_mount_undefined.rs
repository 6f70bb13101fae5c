//! [`VolumeMountUndefined`](crate::rules::RuleId::VolumeMountUndefined): a volumeMount naming no volume of the pod.

use crate::index::Index;
use crate::model::workload::containers;
use crate::model::Typed;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, _) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        let mut defined: Vec<&str> = spec.volumes.iter().flatten().map(|v| v.name.as_str()).collect();
        if let Some(Typed::StatefulSet(s)) = &o.typed {
            defined.extend(s.spec.volume_claim_templates.iter().flatten().filter_map(|t| t.metadata.name.as_deref()));
        }
        let y = ix.file(o);
        // Volumes the operator adds: claim templates, its own assets.
        let added = w.custom.map(|(c, _)| c.added_volumes(y, o.root)).unwrap_or_default();
        defined.extend(added.iter().map(String::as_str));
        // A strategic-merge patch adds mounts whose volumes the base defines; an operator adds
        // the volumes of its assets.
        if o.completion.is_some() {
            continue;
        }
        for (_, idx, ctr) in containers(spec) {
            for (i, m) in ctr.volume_mounts.iter().flatten().enumerate() {
                if m.name.is_empty() || defined.contains(&m.name.as_str()) {
                    continue;
                }
                let path = w.container_path(idx).key("volumeMounts").index(i).key("name");
                let Some(node) = y.lookup(o.root, &path) else { continue };
                // `# corresponding volumes are injected by the operator` above the mount.
                let text = &ix.parsed(o.file).source.text;
                let item = y.lookup(o.root, &w.container_path(idx).key("volumeMounts").index(i)).unwrap_or(node);
                if crate::model::completion::comment_says_completed(text, y.span(item).start as usize) {
                    continue;
                }
                let known = if defined.is_empty() {
                    "the pod defines no volumes".to_string()
                } else {
                    format!("defined: {}", defined.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", "))
                };
                let suggestion = crate::util::did_you_mean(&m.name, defined.iter().copied())
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                out.report(o.file,
                        y.span(node),
                        format!("container `{}` mounts volume `{}`, which the pod does not define ({known})", ctr.name, m.name),
                    )
                    .help(format!("{suggestion}add a volume named `{}` under the pod's `volumes` (or a volumeClaimTemplate for a StatefulSet); the API server rejects the pod otherwise", m.name))
                    .path(path)
                    .object(o);
            }
        }
    }
}
