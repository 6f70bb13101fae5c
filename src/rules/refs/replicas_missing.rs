//! [`ReplicasMissing`](crate::rules::RuleId::ReplicasMissing): a workload that serves with a
//! single pod because it sets no replica count and no autoscaler targets it.

use super::{autoscalers, dir_of, resolvable, Selecting, SelectorKind};
use crate::classify::Shape;
use crate::index::Index;
use crate::model::{Object, Typed, Workload, WorkloadKind};
use crate::path;
use crate::rules::Findings;

/// Arguments and variables of controllers that elect a leader: one replica is their design.
const LEADER_ELECTION: &[&str] = &["--leader-elect", "--leader-election", "--enable-leader-election", "--leader-elect=true"];

/// Why one replica is by design: `Recreate` with a claim (two pods cannot share a
/// ReadWriteOnce volume), a host port (one pod per node), a leader-elected controller.
fn singleton_by_design(o: &Object, w: &Workload) -> bool {
    let Some(spec) = w.pod_spec else { return false };
    let recreate = match &o.typed {
        Some(Typed::Deployment(d)) => d.spec.strategy.as_ref().and_then(|s| s.type_.as_deref()) == Some("Recreate"),
        _ => false,
    };
    let recreate_with_claim = recreate && spec.volumes.iter().flatten().any(|v| v.persistent_volume_claim.is_some());
    let host_port = spec.containers.iter().flat_map(|c| c.ports.iter().flatten()).any(|p| p.host_port.is_some_and(|h| h > 0));
    let leader = spec.containers.iter().any(|c| {
        c.command.iter().chain(c.args.iter()).flatten().any(|a| LEADER_ELECTION.iter().any(|l| a.starts_with(l)) && !a.ends_with("=false"))
    });
    recreate_with_claim || host_port || leader
}

/// The directories (a build's stream is one) where some Deployment, StatefulSet or ReplicaSet
/// runs two pods or more: only there is one that sets no count likely an oversight. Where none
/// does (no count, or `replicas: 1`), one pod is the repository's choice (demos, samples,
/// single-user tools, bases whose overlays scale them).
fn dirs_that_set_replicas(ix: &Index) -> std::collections::HashSet<&str> {
    ix.workloads()
        .filter(|(o, w, _)| {
            matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet)
                && w.replicas.is_some_and(|r| r >= 2)
                && o.completion.is_none()
        })
        .map(|(o, _, _)| dir_of(ix, o))
        .collect()
}

pub fn check(ix: &Index, out: &mut Findings) {
    let scalers = autoscalers(ix);
    let selecting = Selecting::of(ix);
    let deliberate = dirs_that_set_replicas(ix);
    for (o, w, c) in ix.workloads() {
        // A patch leaves the count to its base; a template, to what renders it.
        if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet)
            || w.replicas.is_some()
            || o.completion.is_some()
        {
            continue;
        }
        let name = o.name.as_deref().unwrap_or("");
        let ns = ix.namespace_of(o);
        if !resolvable(ix, o)
            || scalers.contains_key(&(ns, o.kind.as_str(), name))
            || singleton_by_design(o, &w)
            || !deliberate.contains(dir_of(ix, o))
        {
            continue;
        }
        // One pod is an outage only where something depends on it being there.
        let labels = w.pod_meta.and_then(|m| m.labels.as_ref());
        let evidence = if let Some(svc) = labels.and_then(|l| selecting.first(ns, l, SelectorKind::Service)) {
            format!("Service `{}` routes traffic to it", svc.name.as_deref().unwrap_or(""))
        } else if let Some(pdb) = labels.and_then(|l| selecting.first(ns, l, SelectorKind::Budget)) {
            format!("PodDisruptionBudget `{}` expects its pods to stay available", pdb.name.as_deref().unwrap_or(""))
        } else if c.has(Shape::InferenceServer) {
            "it serves a model".to_string()
        } else {
            continue;
        };
        let y = ix.file(o);
        let Some(key) = y.lookup_key(o.root, &path!["spec"]) else { continue };
        out.report(
            o.file,
            y.span(key),
            format!(
                "{} `{name}` sets no `replicas` and no autoscaler targets it, so it runs a single pod, but {evidence}: a node failure, drain or rollout takes it offline",
                o.kind
            ),
        )
        .help("set `spec.replicas` to 2 or more (with a PodDisruptionBudget), or add a HorizontalPodAutoscaler that targets it; write `replicas: 1` if one pod is intended")
        .path(path!["spec", "replicas"])
        .object(o);
    }
}
