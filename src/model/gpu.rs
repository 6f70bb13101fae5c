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

/// The node-label requirements of a pod's required node affinity that select nodes *with* a
/// label (not `DoesNotExist` or `NotIn`).
fn required_node_labels(spec: &PodSpec) -> impl Iterator<Item = &k8s_openapi::api::core::v1::NodeSelectorRequirement> {
    spec.affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| n.required_during_scheduling_ignored_during_execution.as_ref())
        .map_or(&[][..], |r| r.node_selector_terms.as_slice())
        .iter()
        .flat_map(|t| t.match_expressions.iter().flatten())
        .filter(|e| e.operator != "DoesNotExist" && e.operator != "NotIn")
}

/// Whether a pod is kept to some nodes by a nodeSelector or required node affinity on anything
/// but the operating system and architecture (which every node of a pool shares).
pub fn restricted_to_some_nodes(spec: &PodSpec) -> bool {
    let generic = |k: &str| matches!(k, "kubernetes.io/os" | "kubernetes.io/arch" | "beta.kubernetes.io/os" | "beta.kubernetes.io/arch");
    spec.node_selector.iter().flatten().any(|(k, _)| !generic(k))
        || required_node_labels(spec).any(|e| !generic(&e.key))
        || spec.node_name.as_deref().is_some_and(|n| !n.is_empty())
}

/// A GPU node label the pod requires (`nvidia.com/gpu.present` in its nodeSelector or required affinity).
pub fn gpu_node_label(spec: &PodSpec) -> Option<String> {
    let is_gpu = |k: &str| GPU_LABEL_PREFIXES.iter().any(|p| k.starts_with(p));
    if let Some((k, v)) = spec.node_selector.iter().flatten().find(|(k, _)| is_gpu(k)) {
        return Some(format!("{k}={v}"));
    }
    required_node_labels(spec).find(|e| is_gpu(&e.key)).map(|e| format!("{} {}", e.key, e.operator))
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

/// Every accelerator limit and request ([`is_gpu_resource`]) of every container (and init
/// container) of a pod spec (the others are not looked at: no path is made for them).
pub fn gpu_resource_entries<'a>(w: &Workload<'a>) -> Vec<ResourceEntry<'a>> {
    let mut out = Vec::new();
    let Some(spec) = w.pod_spec else { return out };
    for (_, idx, ctr) in containers(spec) {
        let Some(res) = &ctr.resources else { continue };
        for (part, map) in [("limits", &res.limits), ("requests", &res.requests)] {
            for (name, q) in map.iter().flatten().filter(|(name, _)| is_gpu_resource(name)) {
                let path = w.container_path(idx).key("resources").key(part).key(name);
                out.push(ResourceEntry { container: ctr, part, name, quantity: &q.0, path });
            }
        }
    }
    out
}

/// An accelerator node pool: how its nodes are labelled, what its pods request, how its nodes
/// are usually tainted.
#[derive(Debug, PartialEq, Eq)]
pub struct AcceleratorPool {
    /// What messages call it (`NVIDIA GPU`).
    pub name: &'static str,
    /// The taint its nodes usually carry, as a fix adds it (`None`: no common default).
    pub taint: Option<&'static str>,
    /// Taint keys or key prefixes (ending in `/`) of the pool.
    pub taint_keys: &'static [&'static str],
    /// Node label key prefixes that select the pool.
    pub labels: &'static [&'static str],
    /// Substrings of a vendor-neutral accelerator label's value (`k8s.amazonaws.com/accelerator: vgpu`).
    pub values: &'static [&'static str],
    /// Resource name prefixes its pods request.
    pub resources: &'static [&'static str],
    /// Substrings of its agents' image repositories.
    pub images: &'static [&'static str],
}

/// Known accelerator pools, most specific first.
pub const ACCELERATOR_POOLS: &[AcceleratorPool] = &[
    AcceleratorPool {
        name: "AWS virtual GPU",
        taint: Some("k8s.amazonaws.com/vgpu"),
        taint_keys: &["k8s.amazonaws.com/vgpu"],
        labels: &[],
        values: &["vgpu"],
        resources: &["k8s.amazonaws.com/vgpu"],
        images: &["aws-virtual-gpu"],
    },
    AcceleratorPool {
        name: "AMD GPU",
        taint: Some("amd.com/gpu"),
        taint_keys: &["amd.com/gpu"],
        labels: &["amd.com/", "beta.amd.com/", "feature.node.kubernetes.io/pci-1002"],
        values: &["amd", "radeon", "instinct"],
        resources: &["amd.com/gpu"],
        images: &["amdgpu", "rocm"],
    },
    AcceleratorPool {
        name: "Intel GPU",
        taint: None,
        taint_keys: &["gpu.intel.com/"],
        labels: &["gpu.intel.com/", "intel.feature.node.kubernetes.io/gpu"],
        values: &["intel"],
        resources: &["gpu.intel.com/"],
        images: &["intel-gpu"],
    },
    AcceleratorPool {
        name: "Habana Gaudi",
        taint: Some("habana.ai/gaudi"),
        taint_keys: &["habana.ai/"],
        labels: &["habana.ai/"],
        values: &["gaudi", "habana"],
        resources: &["habana.ai/"],
        images: &["habana", "gaudi"],
    },
    AcceleratorPool {
        name: "AWS Neuron",
        taint: Some("aws.amazon.com/neuron"),
        taint_keys: &["aws.amazon.com/neuron"],
        labels: &["aws.amazon.com/neuron"],
        values: &["inferentia", "trainium", "neuron"],
        resources: &["aws.amazon.com/neuron"],
        images: &["neuron"],
    },
    AcceleratorPool {
        name: "Google TPU",
        taint: Some("google.com/tpu"),
        taint_keys: &["google.com/tpu"],
        labels: &["cloud.google.com/gke-tpu"],
        values: &["tpu"],
        resources: &["google.com/tpu"],
        images: &[],
    },
    AcceleratorPool {
        name: "NVIDIA GPU",
        taint: Some("nvidia.com/gpu"),
        taint_keys: &["nvidia.com/gpu"],
        // GKE's accelerator label names NVIDIA GPUs (TPUs have their own labels).
        labels: &["nvidia.com/", "feature.node.kubernetes.io/pci-10de", "cloud.google.com/gke-accelerator"],
        values: &["nvidia", "tesla"],
        resources: &["nvidia.com/gpu", "nvidia.com/mig-"],
        images: &["nvidia", "dcgm", "gpu-feature-discovery", "k8s-device-plugin", "k8s-mig-manager"],
    },
];

/// Labels that name an accelerator without naming its vendor in the key.
const NEUTRAL_ACCELERATOR_LABELS: &[&str] = &["k8s.amazonaws.com/accelerator", "accelerator"];

/// Labels of pools the platform taints itself (GKE taints its GPU and TPU node pools): there the
/// platform's taint is the one to tolerate, and a custom one is not enough.
pub fn platform_tainted_pool(spec: &PodSpec) -> bool {
    let platform = |k: &str| k.starts_with("cloud.google.com/gke-accelerator") || k.starts_with("cloud.google.com/gke-tpu");
    spec.node_selector.iter().flatten().any(|(k, _)| platform(k)) || required_node_labels(spec).any(|e| platform(&e.key))
}

/// Taint keys that mark a GPU pool of any vendor (AKS's `sku=gpu`).
const NEUTRAL_GPU_TAINTS: &[&str] = &["sku"];

fn key_matches(key: &str, patterns: &[&str]) -> bool {
    patterns.iter().any(|p| if p.ends_with('/') { key.starts_with(p) } else { key == *p || key.starts_with(p) })
}

/// The accelerator pools a pod targets: by the node labels it requires (nodeSelector and
/// required node affinity), the accelerators it requests, and its images.
pub fn targeted_pools(spec: &PodSpec) -> Vec<&'static AcceleratorPool> {
    let mut labels: Vec<(&str, Vec<&str>)> = spec.node_selector.iter().flatten().map(|(k, v)| (k.as_str(), vec![v.as_str()])).collect();
    for e in required_node_labels(spec) {
        labels.push((e.key.as_str(), e.values.iter().flatten().map(String::as_str).collect()));
    }
    let resources: Vec<&str> = containers(spec)
        .filter_map(|(_, _, c)| c.resources.as_ref())
        .flat_map(|r| r.limits.iter().flatten().chain(r.requests.iter().flatten()))
        .map(|(k, _)| k.as_str())
        .collect();
    let images: Vec<String> = containers(spec).filter_map(|(_, _, c)| c.image.as_deref()).map(str::to_ascii_lowercase).collect();
    let by =
        |f: &dyn Fn(&AcceleratorPool) -> bool| -> Vec<&'static AcceleratorPool> { ACCELERATOR_POOLS.iter().filter(|p| f(p)).collect() };
    // What the pod selects decides; its requests next; its images only when nothing else does.
    let selected = by(&|p| {
        labels.iter().any(|(k, vs)| {
            key_matches(k, p.labels)
                || (NEUTRAL_ACCELERATOR_LABELS.contains(k)
                    && vs.iter().any(|v| p.values.iter().any(|x| v.to_ascii_lowercase().contains(x))))
        })
    });
    if !selected.is_empty() {
        return selected;
    }
    let requested = by(&|p| resources.iter().any(|r| key_matches(r, p.resources)));
    if !requested.is_empty() {
        return requested;
    }
    by(&|p| images.iter().any(|i| p.images.iter().any(|x| i.split('@').next().unwrap_or("").contains(x))))
}

/// What a taint key (with its value) says about the nodes that carry it: the accelerator pool
/// whose taint it is (an index into [`ACCELERATOR_POOLS`]), a taint of GPU nodes of any vendor
/// (AKS's `sku=gpu`, a custom `dedicated=gpu`), or nothing about accelerators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaintClass {
    Pool(usize),
    AnyAccelerator,
}

/// Classifies a taint (or a toleration's key and value) as in [`TaintClass`].
pub fn classify_taint(key: &str, value: Option<&str>) -> Option<TaintClass> {
    if key.is_empty() {
        return None;
    }
    if let Some(i) = ACCELERATOR_POOLS.iter().position(|p| key_matches(key, p.taint_keys)) {
        return Some(TaintClass::Pool(i));
    }
    if NEUTRAL_GPU_TAINTS.contains(&key) {
        return Some(TaintClass::AnyAccelerator);
    }
    let words = ["gpu", "accelerator", "nvidia", "neuron", "habana", "gaudi"];
    let named = |s: &str| {
        let s = s.to_ascii_lowercase();
        words.iter().any(|w| s.contains(w))
    };
    (named(key) || value.is_some_and(named)).then_some(TaintClass::AnyAccelerator)
}

/// Whether a toleration lets a pod onto the nodes of the given pools (any accelerator pool when
/// `pools` is empty): a taint key of one of them, a vendor-neutral GPU taint (`sku`), a custom
/// taint that names an accelerator (`dedicated=gpu`, unless `custom` is false), or every taint.
pub fn tolerates_pool_taint(t: &Toleration, pools: &[&AcceleratorPool], custom: bool) -> bool {
    let effect_ok = t.effect.as_deref().is_none_or(|e| e.is_empty() || e == "NoSchedule");
    if !effect_ok {
        return false;
    }
    let key = t.key.as_deref().unwrap_or("");
    if key.is_empty() {
        return t.operator.as_deref() == Some("Exists");
    }
    if NEUTRAL_GPU_TAINTS.contains(&key) {
        return true;
    }
    let known = ACCELERATOR_POOLS.iter().find(|p| key_matches(key, p.taint_keys));
    match known {
        Some(p) => pools.is_empty() || pools.contains(&p),
        None => {
            let words = ["gpu", "accelerator", "nvidia", "neuron", "habana", "gaudi"];
            let named = |s: &str| {
                let s = s.to_ascii_lowercase();
                words.iter().any(|w| s.contains(w))
            };
            custom && (named(key) || t.value.as_deref().is_some_and(named))
        }
    }
}
