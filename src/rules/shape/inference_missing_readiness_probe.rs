//! [`InferenceMissingReadinessProbe`](crate::rules::RuleId::InferenceMissingReadinessProbe): an inference server that is sent traffic while it loads.

use crate::classify::Shape;
use crate::index::Index;
use crate::model::serving::Serving;
use crate::model::WorkloadKind;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        if matches!(w.kind, WorkloadKind::Job | WorkloadKind::CronJob) {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        let labels = w.pod_meta.and_then(|m| m.labels.as_ref());
        for (i, ctr) in spec.containers.iter().enumerate() {
            if !c.container_has(Shape::InferenceServer, i) || ctr.readiness_probe.is_some() {
                continue;
            }
            // A server that loads models on demand (Ollama) answers within a second of starting:
            // there is no loading window for a probe to cover.
            if Serving::of(ctr, labels).lazy_loading {
                continue;
            }
            let y = ix.file(o);
            let path = w.container_path(i).key("name");
            let Some(node) = y.lookup(o.root, &path) else { continue };
            out.report(o.file,
                    y.span(node),
                    format!("inference server container `{}` has no readinessProbe: the Service sends requests to replicas still loading model weights, and they fail", ctr.name),
                )
                .help("add a readinessProbe on the server's health endpoint, e.g. `readinessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 5}` for vLLM (`/v2/health/ready` for Triton)")
                .path(path)
                .object(o);
        }
    }
}
