//! [`UnusedVolumeClaimTemplate`](crate::rules::RuleId::UnusedVolumeClaimTemplate): a StatefulSet claim template no container mounts.

use crate::index::Index;
use crate::model::workload::containers;
use crate::model::Typed;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        let Some(Typed::StatefulSet(s)) = &o.typed else { continue };
        let mounted: Vec<&str> = s
            .spec
            .template
            .spec
            .iter()
            .flat_map(|p| containers(p).flat_map(|(_, _, c)| c.volume_mounts.iter().flatten().map(|m| m.name.as_str())))
            .collect();
        let y = ix.file(o);
        for (i, t) in s.spec.volume_claim_templates.iter().flatten().enumerate() {
            let Some(name) = t.metadata.name.as_deref() else { continue };
            if mounted.contains(&name) {
                continue;
            }
            let path = path!["spec", "volumeClaimTemplates", i, "metadata", "name"];
            let Some(node) = y.lookup(o.root, &path) else { continue };
            out.report(o.file,
                    y.span(node),
                    format!("volumeClaimTemplate `{name}` of StatefulSet `{}` is mounted by no container: every pod gets a claim (and a disk) that nothing uses, and the data you meant to keep is written to the container's filesystem", o.name.as_deref().unwrap_or("")),
                )
                .help(format!("mount it: `volumeMounts: [{{name: {name}, mountPath: /data}}]` in the container that writes the data, or remove the template"))
                .path(path)
                .object(o);
        }
    }
}
