//! GPU scheduling rules, and with a node inventory (`--nodes`), where each workload can run.

pub mod device_plugin_socket_missing;
pub mod gpu_agent_on_every_node;
pub mod gpu_agent_requests_gpu;
pub mod gpu_daemonset_missing_toleration;
pub mod gpu_fractional;
pub mod gpu_limit_missing;
pub mod gpu_toleration_pins_value;
pub mod inference_missing_gpu;
pub mod no_eligible_nodes;
pub mod requests_exceed_allocatable;
pub mod taint_not_tolerated;
pub mod universal_toleration;

use crate::classify::image_repository;
use crate::model::workload::containers;
use crate::model::Workload;
use crate::yaml::{FieldPath, Span, YamlFile};
use k8s_openapi::api::core::v1::PodSpec;

/// Images of agents that run on GPU nodes.
const GPU_AGENT_IMAGES: &[&str] = &[
    "dcgm-exporter",
    "k8s-device-plugin",
    "nvidia-device-plugin",
    "gpu-feature-discovery",
    "dcgm",
    "k8s-mig-manager",
    "amdgpu-device-plugin",
    "device-metrics-exporter",
];

/// The GPU agent image a pod runs, if any.
pub fn gpu_agent_image(spec: &PodSpec) -> Option<&str> {
    containers(spec).find_map(|(_, _, c)| {
        let image = c.image.as_deref()?;
        let (name, _) = image_repository(image);
        GPU_AGENT_IMAGES.iter().any(|a| a.eq_ignore_ascii_case(name)).then_some(image)
    })
}

/// A node agent DaemonSet, known by its image (a burn-in or test DaemonSet that mounts host
/// paths may claim the devices on purpose): a GPU it requests is the mistake.
pub fn is_agent_daemonset(w: &Workload, c: &crate::classify::Classification) -> bool {
    let agent_image = c.evidence.iter().any(|e| e.shape == crate::classify::Shape::NodeAgent && e.field.last_key() == Some("image"));
    w.kind == crate::model::WorkloadKind::DaemonSet && (agent_image || w.pod_spec.and_then(gpu_agent_image).is_some())
}

/// The span of the pod template's `tolerations` key, or of its `spec` key.
pub fn tolerations_or_spec(y: &YamlFile, root: crate::yaml::NodeId, w: &Workload) -> Option<(Span, FieldPath)> {
    let ps = w.pod_spec_path();
    let tp = ps.clone().key("tolerations");
    if let Some(k) = y.lookup_key(root, &tp) {
        return Some((y.span(k), tp));
    }
    let k = y.lookup_key(root, &ps)?;
    Some((y.span(k), ps))
}
