//! [`GpuFractional`](crate::rules::RuleId::GpuFractional): a GPU count that is not a whole number.

use crate::index::Index;
use crate::model::gpu::gpu_resource_entries;
use crate::model::quantity::{parse_nanos, NANO};
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, _) in ix.workloads() {
        let y = ix.file(o);
        for e in gpu_resource_entries(&w) {
            let Some(v) = parse_nanos(e.quantity) else { continue };
            if v % NANO == 0 {
                continue;
            }
            let Some(node) = y.lookup(o.root, &e.path) else { continue };
            out.report(o.file,
                    y.span(node),
                    format!("`{}: {}` in container `{}` is not a whole number of GPUs: the API server rejects fractional extended resources", e.name, e.quantity, e.container.name),
                )
                .help("request whole GPUs; to share one, use MIG slices (nvidia.com/mig-1g.10gb), time-slicing or MPS configured in the device plugin")
                .path(e.path)
                .object(o);
        }
    }
}
