//! [`StatefulsetPvcDeleted`](crate::rules::RuleId::StatefulsetPvcDeleted): claims deleted with the StatefulSet or on scale-down.

use crate::index::Index;
use crate::model::Typed;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        let Some(Typed::StatefulSet(s)) = &o.typed else { continue };
        let Some(policy) = &s.spec.persistent_volume_claim_retention_policy else { continue };
        for (field, value, when) in
            [("whenDeleted", &policy.when_deleted, "the StatefulSet is deleted"), ("whenScaled", &policy.when_scaled, "it is scaled down")]
        {
            if value.as_deref() != Some("Delete") {
                continue;
            }
            let y = ix.file(o);
            let path = path!["spec", "persistentVolumeClaimRetentionPolicy", field];
            let Some(node) = y.lookup(o.root, &path) else { continue };
            out.report(o.file,
                    y.span(node),
                    format!("StatefulSet `{}` deletes its pods' claims when {when}: per-ordinal data (checkpoints, database files) is destroyed with them", o.name.as_deref().unwrap_or("")),
                )
                .help(format!("keep `{field}: Retain` (the default) unless the data is disposable; retained claims are reattached when the ordinals come back"))
                .path(path)
                .object(o);
        }
    }
}
