//! Identity, selection, storage and replicas rules: objects that refer to each other across the
//! files of a run (and `--context` files), resolved by namespace.
//!
//! Files under a kustomize directory are inputs of `kustomize build`: their names, namespaces
//! and labels may still change, so the rules that follow a reference between objects do not
//! report on them (see docs/architecture.md); rules about one object alone still do.
//!
//! Objects captured from a cluster ([`Object::export`]: `kubectl get -o yaml` output, other
//! tools' test data) are not manifests to apply: the rules that relate objects do not judge
//! them, and they are not one side of a conflict, but they still count as what exists (a
//! Service, a Pod, a workload a reference names), as `--context` files do.

pub mod hpa_target_not_found;
pub mod overlapping_selectors;
pub mod replicas_missing;
pub mod replicas_with_hpa;
pub mod selector_template_mismatch;
pub mod service_selects_nothing;
pub mod service_target_port_missing;
pub mod shared_rwo_claim;
pub mod statefulset_partition_stalls_rollout;
pub mod statefulset_pvc_deleted;
pub mod statefulset_service_name_missing;
pub mod statefulset_service_not_found;
pub mod statefulset_service_not_headless;
pub mod statefulset_service_selector_mismatch;
pub mod unused_volume_claim_template;
pub mod volume_mount_undefined;

use crate::index::Index;
use crate::model::{Object, Typed};
use k8s_openapi::api::core::v1::Service;
use std::collections::HashMap;

/// Whether cross-object references of this object can be judged soundly: it is not a
/// kustomize input whose names and labels may still change, nor an export from a cluster.
pub(crate) fn resolvable(ix: &Index, o: &Object) -> bool {
    !ix.files[o.file].source.kustomize && !o.export
}

/// Services by (namespace, name).
pub(crate) fn services(ix: &Index) -> HashMap<(&str, &str), (&Object, &Service)> {
    let mut m = HashMap::new();
    for o in &ix.objects {
        if let (Some(Typed::Service(s)), Some(name)) = (&o.typed, o.name.as_deref()) {
            m.entry((ix.namespace_of(o), name)).or_insert((o, s.as_ref()));
        }
    }
    m
}

/// Whether the HPAs or KEDA ScaledObjects of the run target this workload.
pub(crate) fn autoscalers(ix: &Index) -> HashMap<(&str, &str, &str), &Object> {
    let mut m = HashMap::new();
    for o in &ix.objects {
        let scaler =
            (o.kind == "HorizontalPodAutoscaler" && o.group() == "autoscaling") || (o.kind == "ScaledObject" && o.group() == "keda.sh");
        if !scaler {
            continue;
        }
        let y = ix.file(o);
        let Some(r) = y.get(o.root, "spec").and_then(|s| y.get(s, "scaleTargetRef")) else { continue };
        let kind = y.get_str(r, "kind").unwrap_or("Deployment");
        if let Some(name) = y.get_str(r, "name") {
            m.insert((ix.namespace_of(o), kind, name), o);
        }
    }
    m
}

/// The directory of the file an object came from: the unit `kubectl apply -f dir/` applies.
pub(crate) fn dir_of<'a>(ix: &'a Index, o: &Object) -> &'a str {
    let name = &ix.files[o.file].source.name;
    name.rsplit_once(['/', '\\']).map(|(d, _)| d).unwrap_or("")
}

/// A count as a message writes it: `1,999`.
pub(crate) fn thousands(n: usize) -> String {
    crate::util::thousands(u64::try_from(n).unwrap_or(u64::MAX))
}
