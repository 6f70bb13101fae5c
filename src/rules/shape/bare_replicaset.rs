//! [`BareReplicaset`](crate::rules::RuleId::BareReplicaset): a ReplicaSet that no Deployment owns.

use super::at_kind;
use crate::index::Index;
use crate::model::WorkloadKind;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, _) in ix.workloads() {
        if w.kind != WorkloadKind::ReplicaSet || w.meta.owner_references.as_ref().is_some_and(|r| !r.is_empty()) {
            continue;
        }
        at_kind(out, ix, o,
            format!("ReplicaSet `{}` has no Deployment: changing its pod template does not replace running pods, and there is no rollout or rollback", o.name.as_deref().unwrap_or("")),
            "use a Deployment with the same selector and template: it manages ReplicaSets for you, with rolling updates and `kubectl rollout undo`".into(),
        );
    }
}
