//! [`ReplicasWithHpa`](crate::rules::RuleId::ReplicasWithHpa): a replica count that fights the autoscaler.

use super::{autoscalers, resolvable};
use crate::index::Index;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    let scalers = autoscalers(ix);
    for (o, w, _) in ix.workloads() {
        let Some(replicas) = w.replicas else { continue };
        let name = o.name.as_deref().unwrap_or("");
        // `${deployment_name}` in both templates says nothing about what they become: the
        // script that fills them may name them apart, or render only one of them.
        if crate::yaml::is_placeholder(name) {
            continue;
        }
        let Some(hpa) = scalers.get(&(ix.namespace_of(o), o.kind.as_str(), name)) else { continue };
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
