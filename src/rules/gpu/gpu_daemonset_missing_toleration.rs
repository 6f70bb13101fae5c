//! `gpu-daemonset-missing-toleration`: a DaemonSet for GPU nodes that cannot land on them.

use super::{gpu_agent_image, gpu_node_label, tolerates_gpu_taint, tolerations_or_spec};
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::model::WorkloadKind;

pub fn check(ix: &Index, out: &mut Vec<Diagnostic>) {
    for (o, w, _) in ix.workloads() {
        if w.kind != WorkloadKind::DaemonSet {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        let why = match (gpu_agent_image(spec), gpu_node_label(spec)) {
            (Some(image), _) => format!("runs the GPU node agent `{image}`"),
            (None, Some(label)) => format!("selects GPU nodes (`{label}`)"),
            (None, None) => continue,
        };
        let keys = ix.settings.gpu_taint_keys();
        if spec.tolerations.iter().flatten().any(|t| tolerates_gpu_taint(t, &keys)) {
            continue;
        }
        let y = ix.file(o);
        let Some((span, path)) = tolerations_or_spec(y, o.root, &w) else { continue };
        out.push(
            Diagnostic::new(
                "gpu-daemonset-missing-toleration",
                o.file,
                span,
                format!(
                    "DaemonSet `{}` {why} but tolerates no GPU-pool taint: GPU node pools are usually tainted (nvidia.com/gpu, amd.com/gpu, sku=gpu), so it never runs there and the GPU nodes go without it",
                    o.name.as_deref().unwrap_or("")
                ),
            )
            .help("add to the pod template's tolerations: `- {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}` (amd.com/gpu on AMD pools, `sku` on AKS)")
            .path(path)
            .object(o),
        );
    }
}
