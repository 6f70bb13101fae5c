//! The registry: one table of every rule, its metadata (embedded from `rules/<id>.yaml`)
//! and its check function. A check is a pure function of the index.

pub mod docs;
pub mod gpu;
pub mod refs;
pub mod schema;
pub mod shape;

use crate::diag::{Diagnostic, Severity};
use crate::index::Index;
use serde::Deserialize;
use std::sync::OnceLock;

pub type Check = fn(&Index, &mut Vec<Diagnostic>);

pub struct Rule {
    pub id: &'static str,
    pub metadata: &'static str,
    pub check: Check,
}

/// Rule documentation and defaults, as written in `rules/<id>.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub id: String,
    pub severity: String,
    pub category: String,
    pub summary: String,
    pub why: String,
    pub fix: String,
    pub bad: String,
    pub good: String,
    #[serde(default)]
    pub references: Vec<String>,
    /// What `kshape --fix` (and the editor's quick fix) does, for rules that have a fix.
    #[serde(default)]
    pub autofix: Option<String>,
}

macro_rules! rule {
    ($id:literal, $check:path) => {
        Rule { id: $id, metadata: include_str!(concat!("../../rules/", $id, ".yaml")), check: $check }
    };
}

pub static RULES: &[Rule] = &[
    rule!("yaml-syntax", schema::yaml_syntax::check),
    rule!("duplicate-key", schema::duplicate_key::check),
    rule!("unknown-field", schema::unknown_field::check),
    rule!("invalid-field-type", schema::invalid_field_type::check),
    rule!("invalid-field-value", schema::invalid_field_value::check),
    rule!("missing-required-field", schema::missing_required_field::check),
    rule!("removed-api-version", schema::removed_api_version::check),
    rule!("duplicate-object", schema::duplicate_object::check),
    rule!("daemonset-replicas", schema::daemonset_replicas::check),
    rule!("inference-as-statefulset", shape::inference_as_statefulset::check),
    rule!("training-as-deployment", shape::training_as_deployment::check),
    rule!("node-agent-as-deployment", shape::node_agent_as_deployment::check),
    rule!("database-as-deployment", shape::database_as_deployment::check),
    rule!("bare-pod", shape::bare_pod::check),
    rule!("bare-replicaset", shape::bare_replicaset::check),
    rule!("master-addr-mismatch", shape::master_addr_mismatch::check),
    rule!("world-size-mismatch", shape::world_size_mismatch::check),
    rule!("multinode-inference-as-deployment", shape::multinode_inference_as_deployment::check),
    rule!("missing-dshm", shape::missing_dshm::check),
    rule!("inference-missing-readiness-probe", shape::inference_missing_readiness_probe::check),
    rule!("liveness-kills-model-load", shape::liveness_kills_model_load::check),
    rule!("selector-template-mismatch", refs::selector_template_mismatch::check),
    rule!("statefulset-service-name-missing", refs::statefulset_service_name_missing::check),
    rule!("statefulset-service-not-found", refs::statefulset_service_not_found::check),
    rule!("statefulset-service-not-headless", refs::statefulset_service_not_headless::check),
    rule!("statefulset-service-selector-mismatch", refs::statefulset_service_selector_mismatch::check),
    rule!("service-selects-nothing", refs::service_selects_nothing::check),
    rule!("service-target-port-missing", refs::service_target_port_missing::check),
    rule!("overlapping-selectors", refs::overlapping_selectors::check),
    rule!("volume-mount-undefined", refs::volume_mount_undefined::check),
    rule!("unused-volume-claim-template", refs::unused_volume_claim_template::check),
    rule!("shared-rwo-claim", refs::shared_rwo_claim::check),
    rule!("statefulset-partition-stalls-rollout", refs::statefulset_partition_stalls_rollout::check),
    rule!("statefulset-pvc-deleted", refs::statefulset_pvc_deleted::check),
    rule!("replicas-missing", refs::replicas_missing::check),
    rule!("replicas-with-hpa", refs::replicas_with_hpa::check),
    rule!("hpa-target-not-found", refs::hpa_target_not_found::check),
    rule!("gpu-daemonset-missing-toleration", gpu::gpu_daemonset_missing_toleration::check),
    rule!("gpu-toleration-pins-value", gpu::gpu_toleration_pins_value::check),
    rule!("universal-toleration", gpu::universal_toleration::check),
    rule!("gpu-agent-requests-gpu", gpu::gpu_agent_requests_gpu::check),
    rule!("gpu-limit-missing", gpu::gpu_limit_missing::check),
    rule!("gpu-fractional", gpu::gpu_fractional::check),
    rule!("no-eligible-nodes", gpu::no_eligible_nodes::check),
    rule!("taint-not-tolerated", gpu::taint_not_tolerated::check),
    rule!("requests-exceed-allocatable", gpu::requests_exceed_allocatable::check),
    rule!("unused-suppression", unused_suppression),
];

/// `unused-suppression` findings come from the suppression stage (src/suppress.rs), which runs
/// after every rule; the registry holds its metadata, selection and severity.
fn unused_suppression(_: &Index, _: &mut Vec<Diagnostic>) {}

/// Every rule's metadata, parsed once. The files are embedded and tested, so a parse
/// failure here is a build defect; it still degrades to a placeholder rather than panicking.
pub fn metas() -> &'static [Meta] {
    static METAS: OnceLock<Vec<Meta>> = OnceLock::new();
    METAS.get_or_init(|| {
        RULES
            .iter()
            .map(|r| {
                serde_yaml::from_str::<Meta>(r.metadata).unwrap_or_else(|e| Meta {
                    id: r.id.to_string(),
                    severity: "error".into(),
                    category: "internal".into(),
                    summary: format!("metadata does not parse: {e}"),
                    why: String::new(),
                    fix: String::new(),
                    bad: String::new(),
                    good: String::new(),
                    references: Vec::new(),
                    autofix: None,
                })
            })
            .collect()
    })
}

pub fn meta(id: &str) -> Option<&'static Meta> {
    metas().iter().find(|m| m.id == id)
}

pub fn default_severity(id: &str) -> Severity {
    meta(id).and_then(|m| Severity::parse(&m.severity)).unwrap_or(Severity::Error)
}

/// Where a rule's documentation lives, relative to the repository root.
pub fn docs_path(id: &str) -> String {
    format!("docs/rules/{id}.md")
}

/// Runs every rule; findings on `--context` files are dropped; the result is sorted.
pub fn run(ix: &Index) -> Vec<Diagnostic> {
    let threads = if ix.settings.threads == 0 { crate::index::default_threads() } else { ix.settings.threads };
    // Rules are independent pure functions of the index: run them in parallel; the findings
    // are sorted afterwards, so the order they finish in does not matter.
    let enabled: Vec<(&Rule, Severity)> = RULES
        .iter()
        .filter_map(|r| {
            let m = meta(r.id)?;
            Some((r, ix.settings.selection.level(r.id, &m.category, default_severity(r.id))?))
        })
        .collect();
    let results = crate::index::par_map(enabled, threads, |_, (rule, sev)| {
        let mut out = Vec::new();
        (rule.check)(ix, &mut out);
        (sev, out)
    });
    let mut all = Vec::new();
    for (sev, out) in results {
        for mut d in out {
            d.severity = sev;
            if let Some(src) = &d.source {
                d.message = format!("{} (in {src})", d.message);
            }
            all.push(d);
        }
    }
    all.retain(|d| ix.files.get(d.file).map(|f| !f.source.context).unwrap_or(false));
    sort(ix, &mut all);
    // A finding inside an anchored block is reached once per alias: report it once.
    all.dedup_by(|b, a| a.file == b.file && a.span == b.span && a.rule == b.rule && a.message == b.message);
    all
}

/// By file (as named), then position, then rule, then message.
pub fn sort(ix: &Index, diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let fa = ix.files.get(a.file).map(|f| f.source.name.as_str()).unwrap_or("");
        let fb = ix.files.get(b.file).map(|f| f.source.name.as_str()).unwrap_or("");
        fa.cmp(fb)
            .then(a.file.cmp(&b.file))
            .then(a.span.start.cmp(&b.span.start))
            .then(a.rule.cmp(b.rule))
            .then(a.span.end.cmp(&b.span.end))
            .then(a.message.cmp(&b.message))
    });
}
