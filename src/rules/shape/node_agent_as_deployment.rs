//! [`NodeAgentAsDeployment`](crate::rules::RuleId::NodeAgentAsDeployment): a per-node agent run as a Deployment.

use super::{at_kind, because};
use crate::classify::Shape;
use crate::index::Index;
use crate::model::WorkloadKind;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        if w.kind != WorkloadKind::Deployment || !c.has(Shape::NodeAgent) {
            continue;
        }
        at_kind(out, ix, o,
            format!(
                "Deployment `{}` runs a per-node agent ({}): a Deployment counts replicas, not nodes, so some nodes run two agents and new nodes get none",
                o.name.as_deref().unwrap_or(""),
                because(c, Shape::NodeAgent)
            ),
            "use a DaemonSet: it runs exactly one pod on every eligible node, including nodes added later (drop `replicas`; select nodes with nodeSelector, affinity and tolerations)".into(),
        );
    }
}
