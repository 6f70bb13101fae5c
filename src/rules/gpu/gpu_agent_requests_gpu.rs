//! `gpu-agent-requests-gpu`: a node agent that takes a GPU for itself.

use super::is_gpu_resource;
use crate::classify::{containers, nonzero_quantity, Shape};
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::model::WorkloadKind;
use crate::rules::shape::container_path;
use crate::yaml::P;

pub fn check(ix: &Index, out: &mut Vec<Diagnostic>) {
    for (o, w, c) in ix.workloads() {
        // An agent by its image: a burn-in or test DaemonSet that mounts host paths may claim
        // the devices on purpose.
        let agent_image = c.evidence.iter().any(|e| e.shape == Shape::NodeAgent && e.field.ends_with(".image"));
        if w.kind != WorkloadKind::DaemonSet || !(agent_image || w.pod_spec.and_then(super::gpu_agent_image).is_some()) {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        let y = ix.file(o);
        for (_, idx, ctr) in containers(spec) {
            let Some(res) = &ctr.resources else { continue };
            for (part, map) in [("limits", &res.limits), ("requests", &res.requests)] {
                for (name, q) in map.iter().flatten() {
                    if !is_gpu_resource(name) || !nonzero_quantity(&q.0) {
                        continue;
                    }
                    let mut path = container_path(&w, idx);
                    path.extend([P::K("resources"), P::K(part), P::K(name)]);
                    let Some(key) = y.lookup_key(o.root, &path) else { continue };
                    out.push(
                        Diagnostic::new(
                            "gpu-agent-requests-gpu",
                            o.file,
                            y.span(key),
                            format!(
                                "node agent DaemonSet `{}` {} `{name}: {}` in container `{}`: it takes a whole GPU away from workloads on every node (and a device plugin that requests the GPU it advertises never schedules)",
                                o.name.as_deref().unwrap_or(""),
                                if part == "limits" { "limits" } else { "requests" },
                                q.0,
                                ctr.name
                            ),
                        )
                        .help("remove the GPU resource: monitoring agents reach GPUs through the device files (e.g. with `NVIDIA_VISIBLE_DEVICES=all` or hostPath /dev), not through the scheduler")
                        .path(crate::yaml::render_path(&path))
                        .object(o),
                    );
                }
            }
        }
    }
}
