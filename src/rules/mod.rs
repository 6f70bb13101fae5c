//! The registry: one table of every rule, its metadata (embedded from `rules/<id>.yaml`)
//! and its check. A check is a pure function of what it reads: most rules judge one object
//! (or one file) alone and run where the file is read ([`Check::Object`]); rules that relate
//! objects across the run find their subjects there and judge them against the run's facts
//! ([`Check::Run`], [`crate::world`]) once every file is read, so no typed object outlives its
//! file.

pub mod docs;
pub mod gpu;
pub mod refs;
pub mod schema;
pub mod shape;
mod unused_suppression;

mod diag;

pub use diag::{About, Diagnostic, Findings, ObjectRef, Related, Reported, Severity};

use crate::index::Index;
use crate::world::World;
use serde::Deserialize;
use std::any::Any;
use std::sync::OnceLock;

/// How a rule judges, reporting through findings bound to its rule.
#[derive(Clone, Copy)]
pub enum Check {
    /// Judges objects one by one (or a file's objects together): a pure function of an index
    /// that may hold one file alone, run where that file is read.
    Object(fn(&Index, &mut Findings)),
    /// Relates objects across the run ([`Relation`]).
    Run(Relational),
}

/// A [`Relation`] with its types erased, as the registry holds it.
#[derive(Clone, Copy)]
pub struct Relational {
    /// None when the index holds no subject of the rule.
    pub subjects: fn(&Index) -> Option<Subjects>,
    pub judge: fn(&World, Vec<Subjects>, &mut Findings) -> Spent,
    /// [`Relation::POD_INDEX`].
    pub pod_index: bool,
}

/// One file's (or index's) subjects of one relational rule, type-erased.
pub type Subjects = Box<dyn Any + Send>;

/// A relational rule's subjects once judged, handed back to [`settle`]'s caller to free (or,
/// as the command line does on exit, not to): freeing them one by one was up to half of a
/// rule's time in a large run.
pub type Spent = Box<dyn Any + Send + Sync>;

/// A rule that relates objects across the run. `subjects` reads an index (one file's, where
/// it is read) and keeps, for each object the rule judges, what the judgement needs of it as
/// owned data (names, spans, a prepared fix); `judge` decides with the run's facts
/// ([`World`]), once for all subjects of the run, in input order. Nothing of an index is kept.
pub trait Relation {
    type Subject: Send + Sync + 'static;
    /// Reads the run's pod-template index ([`World::pods`]), which [`settle`] builds first.
    const POD_INDEX: bool = false;
    fn subjects(ix: &Index, out: &mut Vec<Self::Subject>);
    fn judge(world: &World, subjects: &Parts<Self::Subject>, out: &mut Findings);
}

/// A relational rule's subjects of the whole run, in input order, left in the lists each
/// file's judgement made: gathering them into one list would hold a second copy of them
/// all while the run's other tables are built (the peak of a large run).
pub struct Parts<'a, S>(&'a [Vec<S>]);

impl<'a, S> Parts<'a, S> {
    /// The subjects of one list (of a file, or of an index judged at once).
    pub fn of(list: &'a [Vec<S>]) -> Parts<'a, S> {
        Parts(list)
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }

    /// How many subjects there are in all.
    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    pub fn iter(&self) -> std::iter::Flatten<std::slice::Iter<'a, Vec<S>>> {
        self.0.iter().flatten()
    }
}

impl<'a, S> IntoIterator for &Parts<'a, S> {
    type Item = &'a S;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<S>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The registry's form of a [`Relation`].
pub const fn relation<R: Relation>() -> Relational {
    Relational { subjects: erased_subjects::<R>, judge: erased_judge::<R>, pod_index: R::POD_INDEX }
}

fn erased_subjects<R: Relation>(ix: &Index) -> Option<Subjects> {
    let mut v: Vec<R::Subject> = Vec::new();
    R::subjects(ix, &mut v);
    if v.is_empty() {
        return None;
    }
    v.shrink_to_fit();
    Some(Box::new(v))
}

fn erased_judge<R: Relation>(world: &World, parts: Vec<Subjects>, out: &mut Findings) -> Spent {
    // Each part was made by `erased_subjects::<R>` for this very rule; only the lists'
    // headers move (out of their boxes, which are handed back with them).
    let mut boxes: Vec<Box<Vec<R::Subject>>> = parts.into_iter().filter_map(|p| p.downcast::<Vec<R::Subject>>().ok()).collect();
    let lists: Vec<Vec<R::Subject>> = boxes.iter_mut().map(|b| std::mem::take(&mut **b)).collect();
    R::judge(world, &Parts::of(&lists), out);
    Box::new((lists, boxes))
}

/// What a rule is about; `--select`/`--ignore` and `.kshape.yaml` accept these names too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Schema,
    Controller,
    Shape,
    Identity,
    Selection,
    Storage,
    Replicas,
    Gpu,
    Suppression,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Schema,
        Category::Controller,
        Category::Shape,
        Category::Identity,
        Category::Selection,
        Category::Storage,
        Category::Replicas,
        Category::Gpu,
        Category::Suppression,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Schema => "schema",
            Category::Controller => "controller",
            Category::Shape => "shape",
            Category::Identity => "identity",
            Category::Selection => "selection",
            Category::Storage => "storage",
            Category::Replicas => "replicas",
            Category::Gpu => "gpu",
            Category::Suppression => "suppression",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One rule as declared: identity, default severity and category (typed from its metadata
/// file at build time, see build.rs), the metadata text itself and the check.
pub struct Declaration {
    pub id: RuleId,
    pub severity: Severity,
    /// The severity when the run names its target Kubernetes version (`severity-with-target`):
    /// a finding that depends on the cluster's release is certain only then.
    pub targeted_severity: Option<Severity>,
    /// The severity when the run has a node inventory (`severity-with-nodes`): a finding that
    /// depends on the cluster's nodes is certain only when they are known.
    pub inventory_severity: Option<Severity>,
    pub category: Category,
    /// `rules/<id>.yaml`, embedded.
    pub metadata: &'static str,
    pub check: Check,
}

/// Declares every rule once. Each line gives the rule's typed identity, its kebab-case id (the
/// only place the id is written in `src/`; `rules/<id>.yaml` must exist and say the same id)
/// and its check. The macro derives the [`RuleId`] enum, its string form and the registry; the
/// order of the lines is the order of `kshape rules`, the docs index and SARIF's rule list.
macro_rules! declare_rules {
    ($($variant:ident = $id:literal => $scope:ident $check:path,)*) => {
        /// Every rule kshape has.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RuleId {
            $($variant,)*
        }

        impl RuleId {
            /// Every rule, in declaration order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            /// The rule's id as users write it (`--select`, suppressions, JSON `rule`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)*
                }
            }
        }

        /// The registry: one declaration per rule, in [`RuleId::ALL`] order.
        pub static RULES: &[Declaration] = &[$(
            Declaration {
                id: RuleId::$variant,
                severity: include!(concat!(env!("OUT_DIR"), "/rule-kinds/", $id, ".rs")).0,
                category: include!(concat!(env!("OUT_DIR"), "/rule-kinds/", $id, ".rs")).1,
                targeted_severity: include!(concat!(env!("OUT_DIR"), "/rule-kinds/", $id, ".rs")).2,
                inventory_severity: include!(concat!(env!("OUT_DIR"), "/rule-kinds/", $id, ".rs")).3,
                metadata: include_str!(concat!("../../rules/", $id, ".yaml")),
                check: check!($scope $check),
            },
        )*];
    };
}

/// A declaration's scope word and check as a [`Check`].
macro_rules! check {
    (object $c:path) => {
        Check::Object($c)
    };
    (run $c:path) => {
        Check::Run(relation::<$c>())
    };
}

declare_rules! {
    YamlSyntax = "yaml-syntax" => object schema::yaml_syntax::check,
    InputTooLarge = "input-too-large" => object schema::input_too_large::check,
    DuplicateKey = "duplicate-key" => object schema::duplicate_key::check,
    UnknownField = "unknown-field" => object schema::unknown_field::check,
    InvalidFieldType = "invalid-field-type" => object schema::invalid_field_type::check,
    InvalidFieldValue = "invalid-field-value" => object schema::invalid_field_value::check,
    MissingRequiredField = "missing-required-field" => object schema::missing_required_field::check,
    RemovedApiVersion = "removed-api-version" => object schema::removed_api_version::check,
    DeprecatedApiVersion = "deprecated-api-version" => object schema::deprecated_api_version::check,
    DuplicateObject = "duplicate-object" => run schema::duplicate_object::Rule,
    DaemonsetReplicas = "daemonset-replicas" => object schema::daemonset_replicas::check,
    InferenceAsStatefulset = "inference-as-statefulset" => object shape::inference_as_statefulset::check,
    TrainingAsDeployment = "training-as-deployment" => object shape::training_as_deployment::check,
    NodeAgentAsDeployment = "node-agent-as-deployment" => object shape::node_agent_as_deployment::check,
    RunToCompletionAsDeployment = "run-to-completion-as-deployment" => object shape::run_to_completion_as_deployment::check,
    DatabaseAsDeployment = "database-as-deployment" => object shape::database_as_deployment::check,
    BarePod = "bare-pod" => run shape::bare_pod::Rule,
    BareReplicaset = "bare-replicaset" => object shape::bare_replicaset::check,
    MasterAddrMismatch = "master-addr-mismatch" => run shape::master_addr_mismatch::Rule,
    HostNetworkDns = "host-network-dns" => run shape::host_network_dns::Rule,
    WorldSizeMismatch = "world-size-mismatch" => object shape::world_size_mismatch::check,
    MultinodeInferenceAsDeployment = "multinode-inference-as-deployment" => object shape::multinode_inference_as_deployment::check,
    MissingDshm = "missing-dshm" => object shape::missing_dshm::check,
    InferenceMissingReadinessProbe = "inference-missing-readiness-probe" => run shape::inference_missing_readiness_probe::Rule,
    LivenessKillsModelLoad = "liveness-kills-model-load" => object shape::liveness_kills_model_load::check,
    SelectorTemplateMismatch = "selector-template-mismatch" => object refs::selector_template_mismatch::check,
    StatefulsetServiceNameMissing = "statefulset-service-name-missing" => object refs::statefulset_service_name_missing::check,
    StatefulsetServiceNotFound = "statefulset-service-not-found" => run refs::statefulset_service_not_found::Rule,
    StatefulsetServiceNotHeadless = "statefulset-service-not-headless" => run refs::statefulset_service_not_headless::Rule,
    StatefulsetServiceSelectorMismatch = "statefulset-service-selector-mismatch" => run refs::statefulset_service_selector_mismatch::Rule,
    ServiceSelectsNothing = "service-selects-nothing" => run refs::service_selects_nothing::Rule,
    ServiceTargetPortMissing = "service-target-port-missing" => run refs::service_target_port_missing::Rule,
    OverlappingSelectors = "overlapping-selectors" => object refs::overlapping_selectors::check,
    VolumeMountUndefined = "volume-mount-undefined" => object refs::volume_mount_undefined::check,
    UnusedVolumeClaimTemplate = "unused-volume-claim-template" => object refs::unused_volume_claim_template::check,
    SharedRwoClaim = "shared-rwo-claim" => run refs::shared_rwo_claim::Rule,
    StatefulsetPartitionStallsRollout = "statefulset-partition-stalls-rollout" => object refs::statefulset_partition_stalls_rollout::check,
    StatefulsetPvcDeleted = "statefulset-pvc-deleted" => object refs::statefulset_pvc_deleted::check,
    ReplicasMissing = "replicas-missing" => run refs::replicas_missing::Rule,
    ReplicasWithHpa = "replicas-with-hpa" => run refs::replicas_with_hpa::Rule,
    HpaTargetNotFound = "hpa-target-not-found" => run refs::hpa_target_not_found::Rule,
    SelectorIncludesVersion = "selector-includes-version" => object refs::selector_includes_version::check,
    GpuDaemonsetMissingToleration = "gpu-daemonset-missing-toleration" => run gpu::gpu_daemonset_missing_toleration::Rule,
    GpuTolerationPinsValue = "gpu-toleration-pins-value" => object gpu::gpu_toleration_pins_value::check,
    UniversalToleration = "universal-toleration" => object gpu::universal_toleration::check,
    GpuAgentRequestsGpu = "gpu-agent-requests-gpu" => object gpu::gpu_agent_requests_gpu::check,
    GpuAgentOnEveryNode = "gpu-agent-on-every-node" => object gpu::gpu_agent_on_every_node::check,
    DevicePluginSocketMissing = "device-plugin-socket-missing" => object gpu::device_plugin_socket_missing::check,
    GpuLimitMissing = "gpu-limit-missing" => object gpu::gpu_limit_missing::check,
    GpuFractional = "gpu-fractional" => object gpu::gpu_fractional::check,
    InferenceMissingGpu = "inference-missing-gpu" => object gpu::inference_missing_gpu::check,
    NoEligibleNodes = "no-eligible-nodes" => object gpu::no_eligible_nodes::check,
    TaintNotTolerated = "taint-not-tolerated" => object gpu::taint_not_tolerated::check,
    RequestsExceedAllocatable = "requests-exceed-allocatable" => object gpu::requests_exceed_allocatable::check,
    UnusedSuppression = "unused-suppression" => object unused_suppression::check,
    BuildFailed = "build-failed" => object schema::build_failed::check,
}

impl RuleId {
    /// The rule with this id, as a user writes it.
    pub fn parse(id: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.as_str() == id)
    }

    pub fn declaration(self) -> &'static Declaration {
        // RULES is generated from the same list as ALL, in the same order.
        &RULES[self as usize]
    }

    pub fn meta(self) -> &'static Meta {
        &metas()[self as usize]
    }

    pub fn default_severity(self) -> Severity {
        self.declaration().severity
    }

    /// The severity the rule reports with when nothing configures it: `severity-with-target`
    /// when the run names a target Kubernetes version and the rule has one, `severity-with-nodes`
    /// when the run has a node inventory and the rule has one.
    pub fn severity_for(self, targeted: bool, inventory: bool) -> Severity {
        let d = self.declaration();
        match (d.targeted_severity, d.inventory_severity) {
            (Some(s), _) if targeted => s,
            (_, Some(s)) if inventory => s,
            _ => d.severity,
        }
    }

    pub fn category(self) -> Category {
        self.declaration().category
    }

    /// Where the rule's documentation lives, relative to the repository root.
    pub fn docs_path(self) -> String {
        format!("docs/rules/{}.md", self.as_str())
    }

    /// The rule's documentation on the web: the `repository` of Cargo.toml (the one place the
    /// project's address is written, so a fork changes it there) and [`RuleId::docs_path`].
    pub fn docs_url(self) -> String {
        format!("{}/blob/main/{}", REPOSITORY, self.docs_path())
    }
}

/// The project's repository (Cargo.toml's `repository`).
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// Rules order by their id, as users read them (findings at one position, `--statistics`).
impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Rule documentation, as written in `rules/<id>.yaml` (`severity` and `category` are typed
/// at build time into the [`Declaration`]).
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
    /// The rule judges workloads against a node inventory (`--nodes`) and is silent without one.
    #[serde(default, rename = "needs-nodes")]
    pub needs_nodes: bool,
    /// The rule judges what `kustomize build` or `helm template` make of a directory: its
    /// examples are kustomizations, built with the tool on PATH (`origin`, `render`).
    #[serde(default, rename = "needs-build")]
    pub needs_build: bool,
    /// The Kubernetes version (`kubernetes-version`) its examples and fixtures are linted at,
    /// for rules that judge against a target version other than the latest.
    #[serde(default, rename = "examples-target")]
    pub examples_target: Option<String>,
    /// The severity when the run names a target Kubernetes version (typed at build time into
    /// [`Declaration::targeted_severity`]).
    #[serde(default, rename = "severity-with-target")]
    pub severity_with_target: Option<String>,
    /// The severity when the run has a node inventory (typed at build time into
    /// [`Declaration::inventory_severity`]).
    #[serde(default, rename = "severity-with-nodes")]
    pub severity_with_nodes: Option<String>,
}

/// Every rule's metadata, parsed once. The files are embedded and tested, so a parse
/// failure here is a build defect; it still degrades to a placeholder rather than panicking.
pub fn metas() -> &'static [Meta] {
    static METAS: OnceLock<Vec<Meta>> = OnceLock::new();
    METAS.get_or_init(|| {
        RULES
            .iter()
            .map(|r| {
                serde_yaml::from_str::<Meta>(r.metadata).unwrap_or_else(|e| Meta {
                    id: r.id.as_str().to_string(),
                    severity: r.severity.as_str().into(),
                    category: r.category.as_str().into(),
                    summary: format!("metadata does not parse: {e}"),
                    why: String::new(),
                    fix: String::new(),
                    bad: String::new(),
                    good: String::new(),
                    references: Vec::new(),
                    autofix: None,
                    needs_nodes: false,
                    needs_build: false,
                    examples_target: None,
                    severity_with_target: None,
                    severity_with_nodes: None,
                })
            })
            .collect()
    })
}

/// The metadata of the rule with this id, as a user writes it.
pub fn meta(id: &str) -> Option<&'static Meta> {
    RuleId::parse(id).map(RuleId::meta)
}

/// A name in `select` or `ignore`: a rule or a whole category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    Rule(RuleId),
    Category(Category),
}

impl Selector {
    /// A rule id or a category name, as users write them.
    pub fn parse(name: &str) -> Option<Selector> {
        RuleId::parse(name).map(Selector::Rule).or_else(|| Category::parse(name).map(Selector::Category))
    }

    pub fn matches(self, rule: RuleId) -> bool {
        match self {
            Selector::Rule(r) => r == rule,
            Selector::Category(c) => c == rule.category(),
        }
    }
}

/// The effective rule selection of a run: configuration, then command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these (all rules when empty).
    pub select: Vec<Selector>,
    /// Never these.
    pub ignore: Vec<Selector>,
    /// Per-rule severity; None turns the rule off.
    pub severity: std::collections::BTreeMap<RuleId, Option<Severity>>,
    /// The run names its target Kubernetes version (rules with `severity-with-target` report
    /// at that severity).
    pub targeted: bool,
    /// The run has a node inventory (`--nodes`; rules with `severity-with-nodes` report at that
    /// severity). Set by the entry points that take the inventory.
    pub inventory: bool,
}

impl Selection {
    /// Only `rule`, at its default severity (how a rule's own fixtures are run).
    pub fn only(rule: RuleId) -> Selection {
        Selection { select: vec![Selector::Rule(rule)], ..Selection::default() }
    }

    /// This selection for a run that has, or has not, a node inventory (how the entry points
    /// that take one set [`Selection::inventory`]).
    pub fn with_inventory(&self, inventory: bool) -> Selection {
        Selection { inventory, ..self.clone() }
    }

    /// The severity `rule` reports with, or None when it is off.
    pub fn level(&self, rule: RuleId) -> Option<Severity> {
        if let Some(s) = self.severity.get(&rule) {
            return *s;
        }
        let named = |list: &[Selector]| list.iter().any(|x| x.matches(rule));
        if (!self.select.is_empty() && !named(&self.select)) || named(&self.ignore) {
            return None;
        }
        Some(rule.severity_for(self.targeted, self.inventory))
    }
}

/// Runs the rules `selection` enables; findings on `--context` files are dropped (unless
/// `Settings::related_context` and a place they name is in an input); the result
/// is sorted. Rules with `severity-with-nodes` take it when the index has a node inventory.
pub fn run(ix: &Index, selection: &Selection) -> Vec<Diagnostic> {
    let selection = selection.with_inventory(ix.nodes.is_some());
    run_only(ix, |r| selection.level(r))
}

/// Runs the rules `level` enables, at the severity it gives them (a rule's fixtures run it
/// alone this way), over an index that holds the whole run.
pub fn run_only(ix: &Index, level: impl Fn(RuleId) -> Option<Severity>) -> Vec<Diagnostic> {
    let threads = threads(ix);
    let judged = judge(ix, &level, threads);
    let mut all = judged.found;
    if relational(&level) {
        let facts = [crate::world::facts(ix)];
        let world = World::new(&facts, ix);
        all.extend(settle(&world, &level, judged.subjects, threads, None));
    }
    finish(ix, &level, all)
}

fn threads(ix: &Index) -> usize {
    if ix.settings.threads == 0 {
        crate::util::default_threads()
    } else {
        ix.settings.threads
    }
}

/// What the rules found in an index before the run's facts are known: the findings of the
/// rules that judge objects alone, and the subjects of the relational ones.
#[derive(Default)]
pub struct Judged {
    /// At their rule's default severity until [`finish`].
    pub found: Vec<Diagnostic>,
    pub subjects: Vec<(RuleId, Subjects)>,
}

/// Runs the rules `level` enables over an index (the whole run, or one file where it is read):
/// each rule on its own thread when `threads` allows.
pub fn judge(ix: &Index, level: &dyn Fn(RuleId) -> Option<Severity>, threads: usize) -> Judged {
    let mut judged = Judged::default();
    let one = |rule: &Declaration| match rule.check {
        Check::Object(check) => {
            let mut out = Findings::new(rule.id);
            check(ix, &mut out);
            Ok(out.into_vec())
        }
        Check::Run(r) => Err((r.subjects)(ix).map(|s| (rule.id, s))),
    };
    let mut add = |r: Result<Vec<Diagnostic>, Option<(RuleId, Subjects)>>| match r {
        // (Most rules find nothing in most files.)
        Ok(found) if found.is_empty() => {}
        Ok(found) => judged.found.extend(found),
        Err(subjects) => judged.subjects.extend(subjects),
    };
    let enabled = RULES.iter().filter(|r| level(r.id).is_some());
    if threads <= 1 {
        // One file where it is read: no thread, no list of the rules.
        enabled.for_each(|rule| add(one(rule)));
    } else {
        // Rules are independent pure functions of the index: run them in parallel; the findings
        // are sorted afterwards, so the order they finish in does not matter.
        let rules: Vec<&Declaration> = enabled.collect();
        crate::util::par_map(rules, threads, |_, rule| one(rule)).into_iter().for_each(&mut add);
    }
    judged
}

/// Whether `level` enables a rule that relates objects (and so needs the run's facts).
pub fn relational(level: &dyn Fn(RuleId) -> Option<Severity>) -> bool {
    RULES.iter().any(|r| matches!(r.check, Check::Run(_)) && level(r.id).is_some())
}

/// Judges the subjects of the relational rules `level` enables against the run's facts: each
/// rule once, with its subjects of every file in input order (a rule may judge the facts
/// alone, with no subject). The subjects judged are handed back in `spent`, or, without one,
/// freed by the thread that judged them.
pub fn settle(
    world: &World,
    level: &dyn Fn(RuleId) -> Option<Severity>,
    subjects: Vec<(RuleId, Subjects)>,
    threads: usize,
    mut spent: Option<&mut Vec<Spent>>,
) -> Vec<Diagnostic> {
    let mut by_rule: Vec<(RuleId, Vec<Subjects>)> =
        RULES.iter().filter(|r| matches!(r.check, Check::Run(_)) && level(r.id).is_some()).map(|r| (r.id, Vec::new())).collect();
    for (rule, part) in subjects {
        match by_rule.iter_mut().find(|(r, _)| *r == rule) {
            Some((_, parts)) => parts.push(part),
            None => by_rule.push((rule, vec![part])),
        }
    }
    // The pod-template index is built first, on one thread, while the others start on rules
    // that do not read it; the rules that read it (the heaviest: every Service against every
    // pod template) come next, so that none of them waits for it or ends the phase alone.
    let reads_pods = |rule: RuleId| matches!(rule.declaration().check, Check::Run(r) if r.pod_index);
    let (pods, others): (Vec<_>, Vec<_>) = by_rule.into_iter().partition(|(rule, _)| reads_pods(*rule));
    let mut tasks: Vec<Option<(RuleId, Vec<Subjects>)>> = Vec::with_capacity(pods.len() + others.len() + 1);
    let mut others = others.into_iter();
    // (Only when some Service may read it: a run without one does not build it.)
    if !pods.is_empty() && world.facts().any(|f| f.service.is_some()) {
        tasks.push(None);
        tasks.extend(others.by_ref().take(threads.saturating_sub(1)).map(Some));
    }
    tasks.extend(pods.into_iter().map(Some));
    tasks.extend(others.map(Some));
    let keep = spent.is_some();
    let results = crate::util::par_map(tasks, threads, |_, task| {
        let Some((rule, parts)) = task else {
            world.pods();
            return (Vec::new(), None);
        };
        let mut out = Findings::new(rule);
        let judged = match rule.declaration().check {
            Check::Run(r) => Some((r.judge)(world, parts, &mut out)),
            Check::Object(_) => None,
        };
        (out.into_vec(), judged.filter(|_| keep))
    });
    let mut found = Vec::new();
    for (f, s) in results {
        found.extend(f);
        if let Some(spent) = spent.as_deref_mut() {
            spent.extend(s);
        }
    }
    found
}

/// The run's findings as reported: at the severity `level` gives their rule, those on
/// `--context` files dropped (unless `Settings::related_context` and a place they name is in
/// an input), sorted, each once.
pub fn finish(ix: &Index, level: &dyn Fn(RuleId) -> Option<Severity>, found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut all = Vec::with_capacity(found.len());
    for mut d in found {
        let Some(sev) = level(d.rule()) else { continue };
        d.severity = sev;
        if let Some(src) = &d.source {
            d.message = format!("{} (in {src})", d.message);
        }
        all.push(d);
    }
    let input = |file: usize| ix.get_parsed(file).is_some_and(|f| !f.source.context);
    all.retain(|d| input(d.file) || (ix.settings.related_context && d.related.iter().any(|r| input(r.file))));
    sort(ix, &mut all);
    // A finding inside an anchored block is reached once per alias: report it once.
    all.dedup_by(|b, a| a.file == b.file && a.span == b.span && a.rule() == b.rule() && a.message == b.message);
    all
}

/// Findings that follow from another one on the same object are dropped, so the cause is
/// reported alone: a misspelt key ([`RuleId::UnknownField`] with its one did-you-mean) hides
/// findings about the key it was meant to be (`replica: 3` is not also a missing replica
/// count); a value of the wrong type ([`RuleId::InvalidFieldType`]) hides other findings on
/// that field or below it (a `name` that is an unrendered `{{ }}` mapping is not also
/// missing). A node inventory's [`RuleId::TaintNotTolerated`] and the static
/// [`RuleId::GpuDaemonsetMissingToleration`] on the same span become one finding with both
/// reasons (and the static one's fix). Runs after suppressions (a suppression of a follow-on
/// is still used), over findings grouped by object: linear.
pub fn drop_follow_ons(all: &mut Vec<Diagnostic>) {
    use crate::yaml::FieldPath;
    use foldhash::{HashMap, HashSet};
    type Key = (usize, Option<crate::yaml::NodeId>);
    // Per object: paths whose findings are follow-ons.
    let mut causes: HashMap<Key, Vec<(RuleId, FieldPath)>> = HashMap::default();
    for d in all.iter() {
        let Some(path) = &d.path else { continue };
        let meant = match d.rule() {
            RuleId::UnknownField => match d.fix.as_ref().map(|f| f.edits.as_slice()) {
                Some([e]) if !e.text.is_empty() && !e.text.contains(char::is_whitespace) => path.parent().map(|p| p.key(e.text.clone())),
                _ => None,
            },
            RuleId::InvalidFieldType => Some(path.clone()),
            _ => None,
        };
        if let Some(p) = meant {
            causes.entry((d.file, d.object_root)).or_default().push((d.rule(), p));
        }
    }
    if !causes.is_empty() {
        all.retain(|d| {
            let Some(path) = &d.path else { return true };
            let Some(list) = causes.get(&(d.file, d.object_root)) else { return true };
            !list.iter().any(|(rule, p)| *rule != d.rule() && path.steps().starts_with(p.steps()))
        });
    }
    // The inventory's finding and the static one on one span: one finding, both reasons.
    let statics: HashMap<(usize, u32, u32), usize> = all
        .iter()
        .enumerate()
        .filter(|(_, d)| d.rule() == RuleId::GpuDaemonsetMissingToleration)
        .map(|(i, d)| ((d.file, d.span.start, d.span.end), i))
        .collect();
    if statics.is_empty() {
        return;
    }
    let mut merged = HashSet::default();
    for i in 0..all.len() {
        if all[i].rule() != RuleId::TaintNotTolerated {
            continue;
        }
        let Some(&j) = statics.get(&(all[i].file, all[i].span.start, all[i].span.end)) else { continue };
        let (message, fix, severity) = (all[j].message.clone(), all[j].fix.clone(), all[j].severity);
        let d = &mut all[i];
        d.message = format!("{}; and {message}", d.message);
        d.severity = d.severity.max(severity);
        if d.fix.is_none() {
            d.fix = fix;
        }
        merged.insert(j);
    }
    let mut i = 0;
    all.retain(|_| {
        i += 1;
        !merged.contains(&(i - 1))
    });
}

/// By file (as named), then position, then rule, then message.
pub fn sort(ix: &Index, diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let fa = ix.get_parsed(a.file).map_or("", |f| f.source.name.as_str());
        let fb = ix.get_parsed(b.file).map_or("", |f| f.source.name.as_str());
        fa.cmp(fb)
            .then(a.file.cmp(&b.file))
            .then(a.span.start.cmp(&b.span.start))
            .then(a.rule().cmp(&b.rule()))
            .then(a.span.end.cmp(&b.span.end))
            .then(a.message.cmp(&b.message))
    });
}
