//! [`BarePod`](crate::rules::RuleId::BarePod): a Pod that no controller owns.

use super::{at_kind, suggested_controller};
use crate::index::Index;
use crate::model::WorkloadKind;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        if w.kind != WorkloadKind::Pod || w.meta.owner_references.as_ref().is_some_and(|r| !r.is_empty()) {
            continue;
        }
        // A static pod (a kubelet manifest: kube-system, host network) is owned by the kubelet.
        let static_pod = ix.namespace_of(o) == "kube-system" && w.pod_spec.and_then(|s| s.host_network).unwrap_or(false);
        // A pod template an operator turns into its pods (Spark's driver and executor
        // templates), a patch of a pod: not a pod that runs as it is.
        if static_pod || o.completion.is_some() {
            continue;
        }
        let completes = w.pod_spec.and_then(|s| s.restart_policy.as_deref()).is_some_and(|p| p == "Never" || p == "OnFailure");
        let suggestion = suggested_controller(c, completes);
        let shape = c.evidence.first().map(|e| format!(" ({})", e.describe())).unwrap_or_default();
        at_kind(
            out,
            ix,
            o,
            match o.name.as_deref().filter(|n| !n.is_empty()) {
                Some(n) => format!("Pod `{n}` has no controller: nothing recreates it when its node fails, is drained or upgraded"),
                None => "this Pod has no controller: nothing recreates it when its node fails, is drained or upgraded".to_string(),
            },
            format!("run it under {suggestion}{shape}, which recreates its pods"),
        );
    }
}
