//! [`TrainingAsDeployment`](crate::rules::RuleId::TrainingAsDeployment): distributed training in a Deployment or ReplicaSet.

use super::{at_kind, because};
use crate::classify::Shape;
use crate::index::Index;
use crate::model::WorkloadKind;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::ReplicaSet) || !c.is_training() {
            continue;
        }
        let replicas = w.replicas.unwrap_or(1);
        let kind = &o.kind;
        let name = o.name.as_deref().unwrap_or("");
        let evidence = because(c, Shape::DistributedTraining);
        let (message, help) = if replicas > 1 {
            (
                format!("{kind} `{name}` runs distributed training ({evidence}) in {replicas} interchangeable replicas: ranks need stable peer hostnames and rank 0 as a fixed coordinator, which a {kind} never gives"),
                "use a StatefulSet with a headless Service (stable names `<name>-0.<service>`, rank from the ordinal), or for run-to-completion training an Indexed Job, a JobSet or a Kubeflow PyTorchJob".to_string(),
            )
        } else {
            (
                format!("{kind} `{name}` runs training ({evidence}): a {kind} restarts its pod whenever it exits, so finished training starts over forever"),
                "use a Job (restartPolicy OnFailure or Never) so the run completes once; for several ranks, an Indexed Job or a JobSet".to_string(),
            )
        };
        at_kind(out, ix, o, message, help);
    }
}
