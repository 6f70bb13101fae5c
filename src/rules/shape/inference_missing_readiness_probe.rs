//! [`InferenceMissingReadinessProbe`](crate::rules::RuleId::InferenceMissingReadinessProbe): an inference server that is sent traffic while it loads.

use crate::classify::Shape;
use crate::index::Index;
use crate::model::selector::Pairs;
use crate::model::serving::Serving;
use crate::model::WorkloadKind;
use crate::rules::refs::{Selecting, SelectorKind};
use crate::rules::{About, Findings, Parts, Relation};
use crate::world::World;
use crate::yaml::{FieldPath, Span};

pub struct Rule;

/// A pod template with inference server containers that have no readiness probe.
pub struct Subject {
    file: usize,
    about: About,
    namespace: String,
    /// The labels its pods carry (with those the controller sets, for a custom resource).
    labels: Option<Pairs>,
    /// Each container without a probe: its name, and the place and path of its `name`.
    containers: Vec<(String, Span, FieldPath)>,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        for (o, w, c) in ix.workloads() {
            // Jobs run to completion; KServe and Knative give the server its probes.
            if w.completes() || w.custom_kind().is_some_and(|k| k.adds.probes) {
                continue;
            }
            let Some(spec) = w.pod_spec else { continue };
            let labels = w.pod_meta.and_then(|m| m.labels.as_ref());
            let mut containers = Vec::new();
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
                // Without a place for the finding, the containers after it are still judged.
                let span = y.lookup(o.root, &path).map(|n| y.span(n));
                containers.push((ctr.name.clone(), span.unwrap_or_default(), if span.is_some() { path } else { FieldPath::new() }));
            }
            if containers.is_empty() {
                continue;
            }
            // The labels the pods carry, with those the controller sets (a LeaderWorkerSet's name).
            let selected =
                if w.kind == WorkloadKind::Custom { Some(Pairs::of(&w.pod_labels(&Default::default()))) } else { labels.map(Pairs::of) };
            out.push(Subject {
                file: o.file,
                about: About::of(o),
                namespace: ix.namespace_of(o).to_string(),
                labels: selected,
                containers,
            });
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        if subjects.is_empty() {
            return;
        }
        let services = Selecting::of(world);
        for s in subjects {
            // Readiness decides whether a Service sends the pod requests: without a Service of
            // the inputs that selects it (a bare Pod without labels, a server reached by port
            // forwarding) the probe gates nothing.
            let Some(service) = s.labels.as_ref().and_then(|l| services.first(&s.namespace, l, SelectorKind::Service)) else {
                continue;
            };
            for (name, span, path) in &s.containers {
                if path.is_empty() {
                    continue;
                }
                out.report(s.file,
                        *span,
                        format!(
                        "inference server container `{name}` has no readinessProbe: Service `{}` sends requests to replicas still loading model weights, and they fail",
                        service.name().unwrap_or("")
                    ),
                    )
                    .help("add a readinessProbe on the server's health endpoint, e.g. `readinessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 5}` for vLLM (`/v2/health/ready` for Triton)")
                    .path(path.clone())
                    .about(&s.about);
            }
        }
    }
}
