//! Workload-shape rules: the wrong controller for what the workload is, and the mistakes
//! each kind of workload invites.

pub mod bare_pod;
pub mod bare_replicaset;
pub mod database_as_deployment;
pub mod host_network_dns;
pub mod inference_as_statefulset;
pub mod inference_missing_readiness_probe;
pub mod liveness_kills_model_load;
pub mod master_addr_mismatch;
pub mod missing_dshm;
pub mod multinode_inference_as_deployment;
pub mod node_agent_as_deployment;
pub mod run_to_completion_as_deployment;
pub mod training_as_deployment;
pub mod world_size_mismatch;

use crate::classify::{Classification, Shape};
use crate::index::Index;
use crate::model::Object;
use crate::path;
use crate::rules::Findings;

/// A finding at the object's `kind` value (the span of every wrong-controller rule).
pub(crate) fn at_kind(out: &mut Findings, ix: &Index, o: &Object, message: String, help: String) {
    out.report(o.file, ix.kind_span(o), message).help(help).path(path!["kind"]).object(o);
}

/// "image `vllm/vllm-openai:v0.6.3` matches inference-server"
pub(crate) fn because(c: &Classification, s: Shape) -> String {
    c.first(s).map(|e| e.describe()).unwrap_or_else(|| s.id().to_string())
}

/// The controller the classifier suggests for a workload of this shape.
pub(crate) fn suggested_controller(c: &Classification, run_to_completion: bool) -> &'static str {
    if c.is_multi_node_inference() {
        "a LeaderWorkerSet (or a StatefulSet with a headless Service)"
    } else if c.has(Shape::InferenceServer) {
        "a Deployment"
    } else if c.is_training() {
        "an Indexed Job or JobSet (or a StatefulSet with a headless Service for long-running ranks)"
    } else if c.has(Shape::NodeAgent) {
        "a DaemonSet"
    } else if c.has(Shape::Database) {
        "a StatefulSet with a headless Service and volumeClaimTemplates"
    } else if run_to_completion {
        "a Job"
    } else {
        "a Deployment"
    }
}

/// The span of `needle` inside a scalar node when the source holds it verbatim (a word in an
/// `sh -c` script); the whole node otherwise.
pub(crate) fn span_within(ix: &Index, o: &Object, node: crate::yaml::NodeId, needle: &str) -> crate::yaml::Span {
    let y = ix.file(o);
    let span = y.span(node);
    let text = &ix.parsed(o.file).source.text;
    match text.get(span.start as usize..span.end as usize).and_then(|s| s.find(needle)) {
        Some(at) if !needle.is_empty() => {
            let start = span.start as usize + at;
            crate::yaml::Span::new(start, start + needle.len())
        }
        _ => span,
    }
}
