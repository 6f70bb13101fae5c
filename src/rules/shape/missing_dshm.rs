//! [`MissingDshm`](crate::rules::RuleId::MissingDshm): a GPU training or inference container with the default 64Mi /dev/shm.

use crate::classify::Shape;
use crate::index::Index;
use crate::model::serving::Serving;
use crate::model::workload::containers;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        if spec.host_ipc == Some(true) {
            continue;
        }
        let memory_volumes: Vec<&str> = spec
            .volumes
            .iter()
            .flatten()
            .filter(|v| v.empty_dir.as_ref().is_some_and(|e| e.medium.as_deref() == Some("Memory")))
            .map(|v| v.name.as_str())
            .collect();
        let labels = w.pod_meta.and_then(|m| m.labels.as_ref());
        for (_, idx, ctr) in containers(spec) {
            let training = c.container_has(Shape::DistributedTraining, idx);
            let ml = c.container_has(Shape::InferenceServer, idx) || training;
            if !ml || !c.container_has(Shape::GpuConsumer, idx) {
                continue;
            }
            // An inference server on one GPU is one process: no NCCL between processes, no
            // DataLoader workers. Shared memory matters once the model spans several GPUs.
            let gpus = Serving::of(ctr, labels).gpus;
            if !training && gpus <= 1 {
                continue;
            }
            let has_shm = ctr
                .volume_mounts
                .iter()
                .flatten()
                .any(|m| m.mount_path.trim_end_matches('/') == "/dev/shm" && memory_volumes.contains(&m.name.as_str()));
            if has_shm {
                continue;
            }
            let y = ix.file(o);
            let path = w.container_path(idx).key("name");
            let Some(node) = y.lookup(o.root, &path) else { continue };
            let message = if training {
                format!("GPU training container `{}` has the default 64Mi /dev/shm: PyTorch DataLoader workers and NCCL use shared memory and fail with bus errors", ctr.name)
            } else {
                format!("GPU inference container `{}` spreads its model over {gpus} GPUs with the default 64Mi /dev/shm: the NCCL processes of tensor and pipeline parallelism exchange data through shared memory and fail with bus errors", ctr.name)
            };
            out.report(o.file, y.span(node), message)
                .help("add a memory-backed emptyDir and mount it at /dev/shm: `volumes: [{name: dshm, emptyDir: {medium: Memory, sizeLimit: 16Gi}}]` and `volumeMounts: [{name: dshm, mountPath: /dev/shm}]`")
                .path(path)
                .object(o);
        }
    }
}
