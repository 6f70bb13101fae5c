//! [`ReplicasMissing`](crate::rules::RuleId::ReplicasMissing): a scalable workload with no replica count and no autoscaler.

use super::{autoscalers, resolvable};
use crate::index::Index;
use crate::model::WorkloadKind;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    let scalers = autoscalers(ix);
    for (o, w, _) in ix.workloads() {
        // A patch leaves the count to its base; a template, to what renders it.
        if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet)
            || w.replicas.is_some()
            || o.completion.is_some()
        {
            continue;
        }
        let name = o.name.as_deref().unwrap_or("");
        if !resolvable(ix, o) || scalers.contains_key(&(ix.namespace_of(o), o.kind.as_str(), name)) {
            continue;
        }
        let y = ix.file(o);
        let Some(key) = y.lookup_key(o.root, &path!["spec"]) else { continue };
        out.report(o.file,
                y.span(key),
                format!("{} `{name}` sets no `replicas` and no autoscaler targets it: it silently runs a single pod, with no redundancy during node failures or rollouts", o.kind),
            )
            .help("set `spec.replicas` explicitly (2 or more for anything that serves traffic), or add a HorizontalPodAutoscaler that targets it")
            .path(path!["spec", "replicas"])
            .object(o);
    }
}
