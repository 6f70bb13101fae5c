//! [`InferenceAsStatefulset`](crate::rules::RuleId::InferenceAsStatefulset): a StatefulSet serving a model that needs no identity.

use super::{at_kind, because};
use crate::classify::Shape;
use crate::index::Index;
use crate::model::{Typed, WorkloadKind};
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        if w.kind != WorkloadKind::StatefulSet || !c.has(Shape::InferenceServer) || c.is_multi_node_inference() {
            continue;
        }
        let rwo_claims = match &o.typed {
            Some(Typed::StatefulSet(s)) => s
                .spec
                .volume_claim_templates
                .iter()
                .flatten()
                .filter(|t| {
                    t.spec.as_ref().and_then(|s| s.access_modes.as_ref()).is_some_and(|m| m.iter().any(|a| a.starts_with("ReadWriteOnce")))
                })
                .filter_map(|t| t.metadata.name.clone())
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let mut help = "use a Deployment: its replicas roll and scale in parallel. Keep model weights on a shared ReadOnlyMany/ReadWriteMany volume, an image, or a node-local cache".to_string();
        if !rwo_claims.is_empty() {
            help.push_str(&format!(
                ". The ReadWriteOnce claim `{}` is the usual reason for a StatefulSet here: with a single-replica Deployment and one claim, set `strategy: {{type: Recreate}}` so the new pod can mount it",
                rwo_claims.join("`, `")
            ));
        }
        at_kind(out, ix, o,
            format!(
                "StatefulSet `{}` runs a stateless inference server ({}): its replicas are interchangeable, so ordered one-by-one rollout only slows scale-up and stable pod names are never used",
                o.name.as_deref().unwrap_or(""),
                because(c, Shape::InferenceServer)
            ),
            help,
        );
    }
}
