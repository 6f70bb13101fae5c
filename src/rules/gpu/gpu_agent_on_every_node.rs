//! [`GpuAgentOnEveryNode`](crate::rules::RuleId::GpuAgentOnEveryNode): a GPU agent DaemonSet that needs a GPU to start, not kept to GPU nodes.

use crate::classify::{command_line, image_repository};
use crate::index::Index;
use crate::model::gpu::restricted_to_some_nodes;
use crate::model::WorkloadKind;
use crate::rules::Findings;
use k8s_openapi::api::core::v1::Container;

/// Agents that exit when a node has no GPU (NVML or the driver fails to initialize), so they
/// crash-loop on every CPU node: the DCGM exporter, NVIDIA's MIG manager, AMD's device metrics
/// exporter, and GPU feature discovery unless told not to fail (`--fail-on-init-error=false`).
/// Device plugins are not among them: NVIDIA's and AMD's idle where there are no devices.
fn needs_gpu(c: &Container) -> Option<&'static str> {
    let image = c.image.as_deref()?;
    let (name, _) = image_repository(image);
    let line = command_line(c);
    match name.to_ascii_lowercase().as_str() {
        "dcgm-exporter" => Some("the DCGM exporter"),
        "k8s-mig-manager" => Some("the MIG manager"),
        "device-metrics-exporter" => Some("AMD's device metrics exporter"),
        "gpu-feature-discovery" => {
            let tolerant = line.contains("--fail-on-init-error=false")
                || c.env.iter().flatten().any(|e| e.name.ends_with("FAIL_ON_INIT_ERROR") && e.value.as_deref() == Some("false"));
            (!tolerant).then_some("GPU feature discovery")
        }
        _ => None,
    }
}

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, _) in ix.workloads() {
        if w.kind != WorkloadKind::DaemonSet || o.completion.is_some() || o.export {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        if restricted_to_some_nodes(spec) {
            continue;
        }
        for (idx, ctr) in spec.containers.iter().enumerate() {
            let Some(what) = needs_gpu(ctr) else { continue };
            let y = ix.file(o);
            let path = w.container_path(idx).key("image");
            let Some(node) = y.lookup(o.root, &path) else { continue };
            out.report(
                o.file,
                y.span(node),
                format!(
                    "DaemonSet `{}` runs {what} on every node: it needs a GPU to start, so on each CPU node it fails to initialize NVML and restarts forever (CrashLoopBackOff)",
                    o.name.as_deref().unwrap_or("")
                ),
            )
            .help("keep it to GPU nodes with a nodeSelector, e.g. `nodeSelector: {nvidia.com/gpu.present: \"true\"}` (set by GPU feature discovery), or your pool's label (`cloud.google.com/gke-accelerator`, `node.kubernetes.io/instance-type`, a node group label)")
            .path(path)
            .object(o);
            break;
        }
    }
}
