//! `gpu-fractional`: a GPU count that is not a whole number.

use super::is_gpu_resource;
use crate::classify::containers;
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::model::quantity::{parse_nanos, NANO};
use crate::rules::shape::container_path;
use crate::yaml::P;

pub fn check(ix: &Index, out: &mut Vec<Diagnostic>) {
    for (o, w, _) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        let y = ix.file(o);
        for (_, idx, ctr) in containers(spec) {
            let Some(res) = &ctr.resources else { continue };
            for (part, map) in [("limits", &res.limits), ("requests", &res.requests)] {
                for (name, q) in map.iter().flatten() {
                    let Some(v) = parse_nanos(&q.0) else { continue };
                    if !is_gpu_resource(name) || v % NANO == 0 {
                        continue;
                    }
                    let mut path = container_path(&w, idx);
                    path.extend([P::K("resources"), P::K(part), P::K(name)]);
                    let Some(node) = y.lookup(o.root, &path) else { continue };
                    out.push(
                        Diagnostic::new(
                            "gpu-fractional",
                            o.file,
                            y.span(node),
                            format!("`{name}: {}` in container `{}` is not a whole number of GPUs: the API server rejects fractional extended resources", q.0, ctr.name),
                        )
                        .help("request whole GPUs; to share one, use MIG slices (nvidia.com/mig-1g.10gb), time-slicing or MPS configured in the device plugin")
                        .path(crate::yaml::render_path(&path))
                        .object(o),
                    );
                }
            }
        }
    }
}
