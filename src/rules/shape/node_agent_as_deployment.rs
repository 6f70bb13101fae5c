//! `node-agent-as-deployment`: a per-node agent run as a Deployment.

use super::{at_kind, because};
use crate::classify::Shape;
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::model::WorkloadKind;

pub fn check(ix: &Index, out: &mut Vec<Diagnostic>) {
    for (o, w, c) in ix.workloads() {
        if w.kind != WorkloadKind::Deployment || !c.has(Shape::NodeAgent) {
            continue;
        }
        out.push(at_kind(
            ix,
            "node-agent-as-deployment",
            o,
            format!(
                "Deployment `{}` runs a per-node agent ({}): a Deployment counts replicas, not nodes, so some nodes run two agents and new nodes get none",
                o.name.as_deref().unwrap_or(""),
                because(c, Shape::NodeAgent)
            ),
            "use a DaemonSet: it runs exactly one pod on every eligible node, including nodes added later (drop `replicas`; select nodes with nodeSelector, affinity and tolerations)".into(),
        ));
    }
}
