//! [`MissingDshm`](crate::rules::RuleId::MissingDshm): a GPU training or inference container with the default 64Mi /dev/shm.

use crate::classify::Shape;
use crate::index::Index;
use crate::model::serving::Serving;
use crate::model::workload::containers;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        // KubeRay mounts a memory-backed /dev/shm in every Ray pod.
        if spec.host_ipc == Some(true) || w.custom_kind().is_some_and(|k| k.adds.dev_shm) {
            continue;
        }
        let memory_volumes: Vec<&str> = spec
            .volumes
            .iter()
            .flatten()
            .filter(|v| v.empty_dir.as_ref().is_some_and(|e| e.medium.as_deref() == Some("Memory")))
            .map(|v| v.name.as_str())
            .collect();
        let host_shm: Vec<&str> = spec
            .volumes
            .iter()
            .flatten()
            .filter(|v| v.host_path.as_ref().is_some_and(|h| h.path.trim_end_matches('/') == "/dev/shm"))
            .map(|v| v.name.as_str())
            .collect();
        let labels = w.pod_meta.and_then(|m| m.labels.as_ref());
        for (_, idx, ctr) in containers(spec) {
            // A memory-backed volume named for shared memory, mounted somewhere else: /dev/shm
            // stays at 64Mi whatever the workload is.
            let at_shm = ctr.volume_mounts.iter().flatten().any(|m| m.mount_path.trim_end_matches('/') == "/dev/shm");
            if !at_shm {
                let misplaced = ctr.volume_mounts.iter().flatten().enumerate().find(|(_, m)| {
                    memory_volumes.contains(&m.name.as_str()) && shm_named(&m.name) && m.sub_path.as_deref().is_none_or(str::is_empty)
                });
                if let Some((i, m)) = misplaced {
                    let y = ix.file(o);
                    let path = w.container_path(idx).key("volumeMounts").index(i).key("mountPath");
                    if let Some(node) = y.lookup(o.root, &path) {
                        out.report(
                            o.file,
                            y.span(node),
                            format!(
                                "container `{}` mounts its shared-memory volume `{}` at `{}`, not at /dev/shm: /dev/shm stays at the default 64Mi, and processes that share memory through it (NCCL, DataLoader workers, multi-GPU servers) fail with bus errors",
                                ctr.name, m.name, m.mount_path
                            ),
                        )
                        .help(format!("mount `{}` at /dev/shm: `volumeMounts: [{{name: {}, mountPath: /dev/shm}}]` (give the other path a volume of its own)", m.name, m.name))
                        .path(path)
                        .object(o);
                        continue;
                    }
                }
            }
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
            // A trainer with one GPU and one process shares no memory between ranks; its
            // DataLoader uses shared memory only with worker processes (PyTorch's default is none).
            // Other accelerators (Neuron, TPU) have their own collectives: the NCCL reasoning
            // does not apply to them.
            let devices = gpu_devices(ctr);
            if training && (devices == 0 || (devices <= 1 && procs_per_pod(ctr) <= 1)) && !loader_workers(ctr) {
                continue;
            }
            // Any volume at /dev/shm replaces the 64Mi default: a memory-backed emptyDir, or the
            // node's own /dev/shm through a hostPath.
            let has_shm = ctr.volume_mounts.iter().flatten().any(|m| {
                m.mount_path.trim_end_matches('/') == "/dev/shm"
                    && (memory_volumes.contains(&m.name.as_str()) || host_shm.contains(&m.name.as_str()))
            });
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

/// NVIDIA or AMD GPUs in a container's limits or requests (the devices NCCL and RCCL connect through
/// shared memory inside a pod).
fn gpu_devices(c: &k8s_openapi::api::core::v1::Container) -> i64 {
    let Some(r) = c.resources.as_ref() else { return 0 };
    r.limits
        .iter()
        .flatten()
        .chain(r.requests.iter().flatten())
        .filter(|(k, _)| matches!(k.as_str(), "nvidia.com/gpu" | "amd.com/gpu"))
        .filter_map(|(_, q)| q.0.trim().parse::<i64>().ok())
        .max()
        .unwrap_or(0)
}

/// Processes a launcher starts in the pod (`--nproc_per_node`), 1 when it says nothing.
fn procs_per_pod(c: &k8s_openapi::api::core::v1::Container) -> i64 {
    crate::classify::flag_number(c, &["--nproc_per_node", "--nproc-per-node"]).map_or(1, |f| f.0)
}

/// Whether the command says it starts DataLoader worker processes (`--workers 4`,
/// `--num_workers=8`).
fn loader_workers(c: &k8s_openapi::api::core::v1::Container) -> bool {
    crate::classify::flag_number(c, &["--workers", "--num_workers", "--num-workers", "--dataloader_num_workers"]).is_some_and(|f| f.0 > 0)
}

/// A volume name that says it is meant as shared memory (`dshm`, `shm`, `shared-memory`,
/// `shm-volume`, `devshm`).
fn shm_named(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(n.as_str(), "dshm" | "shm" | "devshm" | "dev-shm" | "shared-memory" | "sharedmemory" | "shm-volume" | "shmem")
}
