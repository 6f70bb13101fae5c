//! GPUs and other accelerators: how pods ask for them, and how GPU nodes are labelled and
//! tainted.

use super::workload::{containers, Workload};
use crate::yaml::FieldPath;
use k8s_openapi::api::core::v1::{Container, PodSpec, Toleration};

/// Taint keys GPU node pools carry (NVIDIA's and AMD's device plugins, AKS's `sku=gpu`).
pub const GPU_TAINT_KEYS: &[&str] = &["nvidia.com/gpu", "amd.com/gpu", "sku"];

/// Node label prefixes that select GPU nodes.
pub const GPU_LABEL_PREFIXES: &[&str] = &[
    "nvidia.com/gpu",
    "feature.node.kubernetes.io/pci-10de",
    "cloud.google.com/gke-accelerator",
    "k8s.amazonaws.com/accelerator",
    "amd.com/gpu",
];

/// Whether a resource name is a GPU (or another accelerator counted like one).
pub fn is_gpu_resource(name: &str) -> bool {
    name == "nvidia.com/gpu"
        || name.starts_with("nvidia.com/mig-")
        || name == "amd.com/gpu"
        || name.starts_with("gpu.intel.com/")
        || name == "habana.ai/gaudi"
        || name.starts_with("aws.amazon.com/neuron")
}

/// A GPU node label the pod requires (`nvidia.com/gpu.present` in its nodeSelector or required affinity).
pub fn gpu_node_label(spec: &PodSpec) -> Option<String> {
    let is_gpu = |k: &str| GPU_LABEL_PREFIXES.iter().any(|p| k.starts_with(p));
    if let Some((k, v)) = spec.node_selector.iter().flatten().find(|(k, _)| is_gpu(k)) {
        return Some(format!("{k}={v}"));
    }
    let terms = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| n.required_during_scheduling_ignored_during_execution.as_ref())
        .map(|r| r.node_selector_terms.as_slice())
        .unwrap_or(&[]);
    terms
        .iter()
        .flat_map(|t| t.match_expressions.iter().flatten())
        .find(|e| is_gpu(&e.key) && e.operator != "DoesNotExist" && e.operator != "NotIn")
        .map(|e| format!("{} {}", e.key, e.operator))
}

/// A toleration that lets a pod onto GPU-tainted nodes.
pub fn tolerates_gpu_taint(t: &Toleration, keys: &[&str]) -> bool {
    let effect_ok = t.effect.as_deref().is_none_or(|e| e.is_empty() || e == "NoSchedule");
    let key = t.key.as_deref().unwrap_or("");
    if key.is_empty() {
        return t.operator.as_deref() == Some("Exists") && effect_ok;
    }
    keys.contains(&key) && effect_ok
}

/// One resource entry of one container: `resources.<part>.<name>: <quantity>`.
pub struct ResourceEntry<'a> {
    pub container: &'a Container,
    /// `limits` or `requests`.
    pub part: &'static str,
    pub name: &'a str,
    pub quantity: &'a str,
    /// Field path of the entry.
    pub path: FieldPath,
}

/// Every resource limit and request of every container (and init container) of a pod spec.
pub fn resource_entries<'a>(w: &Workload<'a>) -> Vec<ResourceEntry<'a>> {
    let mut out = Vec::new();
    let Some(spec) = w.pod_spec else { return out };
    for (_, idx, ctr) in containers(spec) {
        let Some(res) = &ctr.resources else { continue };
        for (part, map) in [("limits", &res.limits), ("requests", &res.requests)] {
            for (name, q) in map.iter().flatten() {
                let path = w.container_path(idx).key("resources").key(part).key(name);
                out.push(ResourceEntry { container: ctr, part, name, quantity: &q.0, path });
            }
        }
    }
    out
}
