//! [`ReplicasWithHpa`](crate::rules::RuleId::ReplicasWithHpa): a replica count that fights the autoscaler.

use super::{autoscalers, resolvable};
use crate::index::Index;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    let scalers = autoscalers(ix);
    // How many objects share each kind and name: several are alternative variants of one
    // sample (`lws.yaml`, `lws-restart-policy.yaml`), and an autoscaler in another file is no
    // evidence for any one of them.
    let mut names: std::collections::HashMap<(&str, &str, &str), usize> = std::collections::HashMap::new();
    for o in &ix.objects {
        if let Some(n) = o.name.as_deref() {
            *names.entry((ix.namespace_of(o), o.kind.as_str(), n)).or_default() += 1;
        }
    }
    for (o, w, _) in ix.workloads() {
        // A custom resource's replica count is its own `spec.replicas` (a LeaderWorkerSet's
        // groups), read once for the resource, not per pod template.
        let replicas = match w.custom {
            Some((c, p)) => {
                if !c.pods.first().is_some_and(|first| std::ptr::eq(first, p)) {
                    continue;
                }
                let y = ix.file(o);
                y.lookup(o.root, &path!["spec", "replicas"]).and_then(|n| y.scalar(n)).and_then(|t| t.trim().parse::<i32>().ok())
            }
            None => w.replicas,
        };
        let Some(replicas) = replicas else { continue };
        let name = o.name.as_deref().unwrap_or("");
        // `${deployment_name}` in both templates says nothing about what they become: the
        // script that fills them may name them apart, or render only one of them.
        if crate::yaml::is_placeholder(name) {
            continue;
        }
        let Some(hpa) = scalers.get(&(ix.namespace_of(o), o.kind.as_str(), name)) else { continue };
        // Names repeat across a repository's independent samples (`leaderworkerset-sample`):
        // an autoscaler is evidence for its target in its own file or directory only.
        if hpa.file != o.file
            && !(near(super::dir_of(ix, hpa), super::dir_of(ix, o)) && names.get(&(ix.namespace_of(o), o.kind.as_str(), name)) == Some(&1))
        {
            continue;
        }
        if !resolvable(ix, o) {
            continue;
        }
        let y = ix.file(o);
        let Some(node) = y.lookup(o.root, &path!["spec", "replicas"]) else { continue };
        let hy = ix.file(hpa);
        let rel = hy.lookup_key(hpa.root, &path!["spec", "scaleTargetRef"]).map(|n| hy.span(n)).unwrap_or_else(|| ix.kind_span(hpa));
        out.report(o.file,
                y.span(node),
                format!("{} `{name}` sets `replicas: {replicas}` but {} `{}` scales it: every apply resets the count to {replicas}, undoing the autoscaler until it reacts again", o.kind, hpa.kind, hpa.name.as_deref().unwrap_or("")),
            )
            .help("remove `spec.replicas` from the manifest and let the autoscaler own it (set its minReplicas instead)")
            .path(path!["spec", "replicas"])
            .object(o)
            .related(hpa.file, rel, format!("{} `{}` targets it", hpa.kind, hpa.name.as_deref().unwrap_or("")));
    }
}

/// Whether two directories are one, or one holds the other (`app/` and `app/hpa/`).
fn near(a: &str, b: &str) -> bool {
    let within =
        |inner: &str, outer: &str| outer.is_empty() || inner == outer || inner.strip_prefix(outer).is_some_and(|r| r.starts_with('/'));
    within(a, b) || within(b, a)
}
