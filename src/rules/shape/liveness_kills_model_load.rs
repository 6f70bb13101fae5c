//! [`LivenessKillsModelLoad`](crate::rules::RuleId::LivenessKillsModelLoad): a liveness probe that gives up before the model has loaded.

use crate::classify::Shape;
use crate::index::Index;
use crate::model::serving::Serving;
use crate::rules::Findings;

/// Seconds a model server gets before the first liveness failure can kill it.
pub const MIN_GRACE_SECONDS: i64 = 300;
/// Enough for a model of a few billion parameters or fewer, which loads in seconds.
pub const SMALL_MODEL_GRACE_SECONDS: i64 = 60;
/// Billions of parameters up to which a model counts as small (Phi-3-mini, Llama-3.2-3B:
/// under 8 GB of weights in 16 bits).
const SMALL_MODEL_BILLIONS: f64 = 4.0;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        let labels = w.pod_meta.and_then(|m| m.labels.as_ref());
        for (i, ctr) in spec.containers.iter().enumerate() {
            let (server, gpu) = (c.container_has(Shape::InferenceServer, i), c.container_has(Shape::GpuConsumer, i));
            // (What the container runs is read only for a container that may be judged.)
            let Some(probe) = ctr.liveness_probe.as_ref().filter(|_| (server || gpu) && ctr.startup_probe.is_none()) else { continue };
            let serving = Serving::of(ctr, labels);
            // A model server, or a GPU container that names the model it loads; not a server
            // that loads models on demand (Ollama answers at once).
            let loads = server || (gpu && serving.model.is_some());
            if !loads || serving.lazy_loading {
                continue;
            }
            let delay = i64::from(probe.initial_delay_seconds.unwrap_or(0));
            let failures = i64::from(probe.failure_threshold.unwrap_or(3));
            let period = i64::from(probe.period_seconds.unwrap_or(10));
            let grace = delay + failures * period;
            let small = serving.params_billion.is_some_and(|b| b <= SMALL_MODEL_BILLIONS);
            if grace >= MIN_GRACE_SECONDS || (small && grace >= SMALL_MODEL_GRACE_SECONDS) {
                continue;
            }
            let y = ix.file(o);
            let path = w.container_path(i).key("livenessProbe");
            let Some(key) = y.lookup_key(o.root, &path) else { continue };
            let what = if c.container_has(Shape::InferenceServer, i) { "inference server" } else { "GPU container" };
            out.report(o.file,
                    y.span(key),
                    format!(
                        "the livenessProbe of {what} `{}` kills it after {grace}s ({delay}s initial delay + {failures} failures x {period}s) and there is no startupProbe: loading large model weights takes longer, and the kubelet restarts the pod in a loop",
                        ctr.name
                    ),
                )
                .help("add a startupProbe that allows the whole load time (e.g. `failureThreshold: 60, periodSeconds: 10` for 10 minutes); the livenessProbe only starts after it succeeds")
                .path(path)
                .object(o);
        }
    }
}
