//! [`StatefulsetPartitionStallsRollout`](crate::rules::RuleId::StatefulsetPartitionStallsRollout): a rollout partition that updates no pod.

use crate::index::Index;
use crate::model::Typed;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        let Some(Typed::StatefulSet(s)) = &o.typed else { continue };
        let Some(us) = &s.spec.update_strategy else { continue };
        if us.type_.as_deref().is_some_and(|t| t != "RollingUpdate") {
            continue;
        }
        let Some(partition) = us.rolling_update.as_ref().and_then(|r| r.partition) else { continue };
        let replicas = s.spec.replicas.unwrap_or(1);
        if partition < replicas {
            continue;
        }
        let y = ix.file(o);
        let path = path!["spec", "updateStrategy", "rollingUpdate", "partition"];
        let Some(node) = y.lookup(o.root, &path) else { continue };
        out.report(o.file,
                y.span(node),
                format!("partition {partition} is not below replicas ({replicas}): only ordinals >= {partition} take a new template, so no pod of StatefulSet `{}` is updated", o.name.as_deref().unwrap_or("")),
            )
            .help(format!("lower the partition to stage the rollout (e.g. `partition: {}` updates the last pod first), and to 0 to finish it", (replicas - 1).max(0)))
            .path(path)
            .object(o);
    }
}
