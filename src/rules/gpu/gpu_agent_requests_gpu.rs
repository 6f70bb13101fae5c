//! [`GpuAgentRequestsGpu`](crate::rules::RuleId::GpuAgentRequestsGpu): a node agent that takes a GPU for itself.

use crate::classify::nonzero_quantity;
use crate::index::Index;
use crate::model::gpu::gpu_resource_entries;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        if !super::is_agent_daemonset(&w, c) {
            continue;
        }
        let y = ix.file(o);
        for e in gpu_resource_entries(&w) {
            if !nonzero_quantity(e.quantity) {
                continue;
            }
            let Some(key) = y.lookup_key(o.root, &e.path) else { continue };
            out.report(o.file,
                    y.span(key),
                    format!(
                        "node agent DaemonSet `{}` {} `{}: {}` in container `{}`: it takes a whole GPU away from workloads on every node (and a device plugin that requests the GPU it advertises never schedules)",
                        o.name.as_deref().unwrap_or(""),
                        e.part,
                        e.name,
                        e.quantity,
                        e.container.name
                    ),
                )
                .help("remove the GPU resource: monitoring agents reach GPUs through the device files (e.g. with `NVIDIA_VISIBLE_DEVICES=all` or hostPath /dev), not through the scheduler")
                .path(e.path)
                .object(o);
        }
    }
}
