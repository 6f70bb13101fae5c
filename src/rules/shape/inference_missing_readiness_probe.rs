//! [`InferenceMissingReadinessProbe`](crate::rules::RuleId::InferenceMissingReadinessProbe): an inference server that is sent traffic while it loads.

use crate::classify::Shape;
use crate::index::Index;
use crate::model::serving::Serving;
use crate::model::WorkloadKind;
use crate::rules::refs::{Selecting, SelectorKind};
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    let mut services: Option<Selecting> = None;
    for (o, w, c) in ix.workloads() {
        // Jobs run to completion; KServe and Knative give the server its probes.
        if w.completes() || w.custom_kind().is_some_and(|k| k.adds.probes) {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        let labels = w.pod_meta.and_then(|m| m.labels.as_ref());
        // The labels the pods carry, with those the controller sets (a LeaderWorkerSet's name).
        let pod_labels = (w.kind == WorkloadKind::Custom).then(|| w.pod_labels(&Default::default()));
        let selected = pod_labels.as_ref().or(labels);
        for (i, ctr) in spec.containers.iter().enumerate() {
            if !c.container_has(Shape::InferenceServer, i) || ctr.readiness_probe.is_some() {
                continue;
            }
            // A server that loads models on demand (Ollama) answers within a second of starting:
            // there is no loading window for a probe to cover.
            if Serving::of(ctr, labels).lazy_loading {
                continue;
            }
            // Readiness decides whether a Service sends the pod requests: without a Service of
            // the inputs that selects it (a bare Pod without labels, a server reached by port
            // forwarding) the probe gates nothing.
            let Some(service) = selected
                .and_then(|l| services.get_or_insert_with(|| Selecting::of(ix)).first(ix.namespace_of(o), l, SelectorKind::Service))
            else {
                break;
            };
            let y = ix.file(o);
            let path = w.container_path(i).key("name");
            let Some(node) = y.lookup(o.root, &path) else { continue };
            out.report(o.file,
                    y.span(node),
                    format!(
                    "inference server container `{}` has no readinessProbe: Service `{}` sends requests to replicas still loading model weights, and they fail",
                    ctr.name,
                    service.name.as_deref().unwrap_or("")
                ),
                )
                .help("add a readinessProbe on the server's health endpoint, e.g. `readinessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 5}` for vLLM (`/v2/health/ready` for Triton)")
                .path(path)
                .object(o);
        }
    }
}
