//! [`DatabaseAsDeployment`](crate::rules::RuleId::DatabaseAsDeployment): a replicated database in a Deployment.

use super::{at_kind, because};
use crate::classify::Shape;
use crate::index::Index;
use crate::model::WorkloadKind;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        let replicas = w.replicas.unwrap_or(1);
        if w.kind != WorkloadKind::Deployment || !c.has(Shape::Database) || replicas < 2 {
            continue;
        }
        at_kind(out, ix, o,
            format!(
                "Deployment `{}` runs {replicas} replicas of a database ({}): the replicas share one identity and, with a claim, one volume, so they cannot form a cluster or keep their own data",
                o.name.as_deref().unwrap_or(""),
                because(c, Shape::Database)
            ),
            "use a StatefulSet with a headless Service (stable member names for replication) and volumeClaimTemplates (a volume per member), or the database's operator".into(),
        );
    }
}
