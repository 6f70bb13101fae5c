//! Custom resources that own pods (Argo Rollouts, LeaderWorkerSet, JobSet, Kubeflow jobs,
//! KubeRay): where each keeps its pod templates, and which labels its controller adds.

use super::selector::Labels;
use super::Object;
use crate::yaml::de::{self, Issue, IssueKind, StructSeen};
use crate::yaml::{NodeId, Step, YamlFile};
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// A pod template of a custom workload kshape knows (`rules/custom-workloads.yaml`), with the
/// label keys and prefixes its controller adds to the pods.
pub struct CustomTemplate<'a> {
    pub object: &'a Object,
    pub labels: Labels,
    pub controller_prefixes: &'static [String],
}

/// A custom resource that owns pods, as `rules/custom-workloads.yaml` describes it.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CustomKind {
    pub group: String,
    pub kinds: Vec<String>,
    /// The API versions whose layout the table describes: only their templates are typed.
    pub versions: Vec<String>,
    /// Where the pods are described: PodTemplateSpecs, or pod specs with the operator's own
    /// fields beside them.
    #[serde(deserialize_with = "templates")]
    pub templates: Vec<Template>,
    pub controller_labels: Vec<String>,
    /// Labels the controller sets on every pod, with their values (`{name}` is the resource's
    /// name): a Service may select on them.
    #[serde(default)]
    pub pod_labels: std::collections::BTreeMap<String, String>,
    /// The pods run to completion (a training job) rather than serve forever.
    #[serde(default)]
    pub completes: bool,
    /// Pods that form one distributed instance (LeaderWorkerSet: a group), a path from the
    /// resource's root; otherwise all pods of the resource together.
    #[serde(default)]
    pub group_size: Option<String>,
    /// Processes the launcher starts in each pod (PyTorchJob `spec.nprocPerNode`).
    #[serde(default)]
    pub procs_per_pod: Option<String>,
    /// What the operator adds to every pod, so rules neither miss nor false-alarm.
    #[serde(default)]
    pub adds: Adds,
    /// Paths to the names of claim templates whose volumes the controller adds to the pods
    /// (a LeaderWorkerSet's `volumeClaimTemplates`, a JobSet's `volumeClaimPolicies`).
    #[serde(default)]
    pub volume_claims: Vec<String>,
}

/// The table's templates, each a path or a mapping.
fn templates<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Template>, D::Error> {
    let entries: Vec<TemplateEntry> = serde::Deserialize::deserialize(d)?;
    Ok(entries.into_iter().map(Template::from).collect())
}

/// What an operator adds to the pods it creates.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Adds {
    /// A memory-backed /dev/shm (KubeRay).
    #[serde(default)]
    pub dev_shm: bool,
    /// Readiness and liveness probes of the model server (KServe, Knative).
    #[serde(default)]
    pub probes: bool,
    /// Environment variables it injects (MASTER_ADDR, WORLD_SIZE, RANK, LWS_LEADER_ADDRESS).
    #[serde(default)]
    pub env: Vec<String>,
    /// Names the pods or their Services resolve as, with `{name}` (the resource), `{role}`
    /// (the template's role, lower case) and `{n}` (an index): the addresses peers may use.
    #[serde(default)]
    pub hostnames: Vec<String>,
    /// Volumes it adds (the MPI operator's `mpi-job-config` and `ssh-auth`).
    #[serde(default)]
    pub volumes: Vec<String>,
}

/// Where one kind of pod is described, as the table writes it: a path to a PodTemplateSpec, or
/// a mapping ([`Template`]).
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum TemplateEntry {
    Path(String),
    Full(Template),
}

impl From<TemplateEntry> for Template {
    fn from(e: TemplateEntry) -> Template {
        match e {
            TemplateEntry::Path(path) => Template { path, ..Template::default() },
            TemplateEntry::Full(t) => t,
        }
    }
}

/// One place a custom resource describes pods.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Template {
    /// Dotted path; `*` every value of a mapping, `[]` every list item.
    pub path: String,
    /// The path reaches a pod spec (containers, volumes...) with `extra-fields` of the
    /// operator beside it, not a PodTemplateSpec.
    #[serde(default)]
    pub pod_spec: bool,
    /// The operator's fields beside the pod spec's (KServe's `minReplicas`, Knative's
    /// `containerConcurrency`): not unknown fields.
    #[serde(default)]
    pub extra_fields: Vec<String>,
    /// How many pods it makes: a product of paths relative to the template (`..` is the
    /// parent), each 1 when absent, optionally minus a number (`../../size - 1`).
    #[serde(default)]
    pub pods: Option<String>,
    /// Required fields the operator fills in when they are absent (KServe names the container
    /// and may build it from `model`): not missing.
    #[serde(default)]
    pub defaulted: Vec<String>,
    /// A key beside the pod spec that holds one more container (KServe's `model`: a container
    /// with the model's fields), which the operator adds to the pod.
    #[serde(default)]
    pub model_container: Option<ModelContainer>,
}

/// See [`Template::model_container`].
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelContainer {
    pub key: String,
    /// Its own fields beside the container's (`storageUri`, `modelFormat`, `runtime`).
    pub extra_fields: Vec<String>,
}

/// The number a count expression gives for a template at `at` (`../replicas * ../../size - 1`):
/// None when a term is present but not a whole number (a template, a variable).
pub fn eval_count(y: &YamlFile, root: NodeId, at: &[Step], expr: &str) -> Option<i64> {
    let (product, minus) = match expr.split_once(" - ") {
        Some((p, m)) => (p, m.trim().parse::<i64>().ok()?),
        None => (expr, 0),
    };
    let mut total: i64 = 1;
    for term in product.split('*').map(str::trim) {
        let value = if let Ok(n) = term.parse::<i64>() { Some(n) } else { lookup_relative(y, root, at, term) };
        let n = match value {
            Some(n) => n,
            None if relative_present(y, root, at, term) => return None,
            None => 1,
        };
        total = total.checked_mul(n)?;
    }
    Some(total.saturating_sub(minus).max(0))
}

fn relative_node(y: &YamlFile, root: NodeId, at: &[Step], rel: &str) -> Option<NodeId> {
    let mut steps: Vec<Step> = at.to_vec();
    let mut rest = rel;
    if let Some(absolute) = rel.strip_prefix('/') {
        steps.clear();
        rest = absolute;
    }
    for part in rest.split('/') {
        match part {
            ".." => {
                steps.pop()?;
            }
            "" | "." => {}
            key => steps.push(Step::Key(key.to_string().into())),
        }
    }
    y.lookup(root, &steps)
}

fn relative_present(y: &YamlFile, root: NodeId, at: &[Step], rel: &str) -> bool {
    relative_node(y, root, at, rel).is_some_and(|n| !y.is_null(n))
}

fn lookup_relative(y: &YamlFile, root: NodeId, at: &[Step], rel: &str) -> Option<i64> {
    let n = relative_node(y, root, at, rel)?;
    y.scalar(n)?.trim().parse::<i64>().ok()
}

/// The pod templates of a custom resource, typed.
#[derive(Debug, Clone)]
pub struct CustomPods {
    pub metadata: ObjectMeta,
    pub def: &'static CustomKind,
    pub pods: Vec<CustomPod>,
}

/// One pod template of a custom resource.
#[derive(Debug, Clone)]
pub struct CustomPod {
    /// Its role: the replica type (`Worker`), the group or job name, or the template's key
    /// (`leaderTemplate`).
    pub role: String,
    pub template_steps: Vec<Step>,
    pub pod_spec_steps: Vec<Step>,
    /// Whether it is a PodTemplateSpec (a pod spec with the operator's fields otherwise).
    pub is_template: bool,
    pub meta: Option<ObjectMeta>,
    pub spec: Option<PodSpec>,
    /// Pods made from it, when the count is a number (see [`Template::pods`]).
    pub pods: Option<i64>,
    /// The operator's container written beside the pod spec (KServe's `model`): its number
    /// among the pod spec's containers (it is appended to them) and its field path.
    pub model: Option<(usize, Vec<Step>)>,
}

impl CustomPods {
    /// The volumes the controller adds to every pod: its own, and one per claim template.
    pub fn added_volumes(&self, y: &YamlFile, root: NodeId) -> Vec<String> {
        let mut names = self.def.adds.volumes.clone();
        for pattern in &self.def.volume_claims {
            for (_, n) in template_nodes(y, root, pattern) {
                if let Some(v) = y.scalar(n) {
                    names.push(v.to_string());
                }
            }
        }
        names
    }

    /// Pods that form one distributed instance: the group size where the kind has groups
    /// (LeaderWorkerSet), else every pod of the resource.
    pub fn group_pods(&self, y: &YamlFile, root: NodeId) -> Option<i64> {
        if let Some(path) = &self.def.group_size {
            return eval_count(y, root, &[], &format!("/{}", path.replace('.', "/")));
        }
        self.pods.iter().try_fold(0i64, |sum, p| sum.checked_add(p.pods?))
    }
}

/// Types every pod template of a custom resource: the templates, their schema findings with
/// their paths in the resource, and the structs walked (for indentation hints).
pub fn type_templates(y: &YamlFile, root: NodeId, c: &'static CustomKind) -> (Vec<CustomPod>, Vec<Issue>, Vec<StructSeen>) {
    let mode = de::Mode { skip_type_keys: false, ..crate::model::kinds::MODE };
    let (mut pods, mut issues, mut structs) = (Vec::new(), Vec::new(), Vec::new());
    for entry in &c.templates {
        for (at, node) in template_nodes(y, root, &entry.path) {
            if y.map_entries(node).is_none() {
                continue;
            }
            let count = match entry.pods.as_deref() {
                Some(expr) => eval_count(y, root, &at, expr),
                None => Some(1),
            };
            let role = role_of(y, root, &at);
            let (meta, spec, found, seen) = if entry.pod_spec {
                let out = de::from_node_with::<PodSpec>(y, node, mode);
                (None, out.value, out.issues, out.structs)
            } else {
                let out = de::from_node_with::<PodTemplateSpec>(y, node, mode);
                let (meta, spec) = out.value.map(|t| (t.metadata, t.spec)).unwrap_or((None, None));
                (meta, spec, out.issues, out.structs)
            };
            // The operator's own fields beside the pod's are not unknown.
            let extra = &entry.extra_fields;
            let found = found.into_iter().filter(|i| {
                !(matches!(i.kind, IssueKind::UnknownField { .. })
                    && i.path.len() == 1
                    && i.path.last_key().is_some_and(|k| extra.iter().any(|e| e == k)))
            });
            let defaulted = &entry.defaulted;
            let found = found
                .into_iter()
                .filter(|i| !matches!(i.kind, IssueKind::MissingField { field, .. } if defaulted.iter().any(|d| d == field)));
            issues.extend(found.into_iter().map(|mut i| {
                i.path = at.join(i.path.steps());
                i
            }));
            let mut spec = spec;
            let mut model = None;
            if let (Some(mc), Some(s)) = (entry.model_container.as_ref(), spec.as_mut()) {
                if let Some(m) = y.get(node, &mc.key).filter(|m| y.map_entries(*m).is_some()) {
                    let out = de::from_node_with::<k8s_openapi::api::core::v1::Container>(y, m, mode);
                    let path = at.clone().key(mc.key.clone());
                    // Its own fields, and the name KServe gives it, are not the container's issues.
                    issues.extend(
                        out.issues
                            .into_iter()
                            .filter(|i| {
                                let own = matches!(i.kind, IssueKind::UnknownField { .. })
                                    && i.path.len() == 1
                                    && i.path.last_key().is_some_and(|k| mc.extra_fields.iter().any(|e| e == k));
                                let named = matches!(i.kind, IssueKind::MissingField { field: "name", .. });
                                !(own || named)
                            })
                            .map(|mut i| {
                                i.path = path.join(i.path.steps());
                                i
                            }),
                    );
                    structs.extend(out.structs);
                    if let Some(mut c) = out.value {
                        if c.name.is_empty() {
                            c.name = "kserve-container".to_string(); // the name KServe gives it
                        }
                        model = Some((s.containers.len(), path.to_vec()));
                        s.containers.push(c);
                    }
                }
            }
            structs.extend(seen);
            let pod_spec_steps = if entry.pod_spec { at.to_vec() } else { at.clone().key("spec").to_vec() };
            pods.push(CustomPod {
                role,
                template_steps: at.to_vec(),
                pod_spec_steps,
                is_template: !entry.pod_spec,
                meta,
                spec,
                pods: count,
                model,
            });
        }
    }
    (pods, issues, structs)
}

/// A template's role from its path: the mapping key it sits under (`Worker` of
/// `pytorchReplicaSpecs.Worker.template`), the `name` or `groupName` of the list item it sits
/// in, or its own key (`leaderTemplate`).
fn role_of(y: &YamlFile, root: NodeId, at: &[Step]) -> String {
    let mut steps = at.to_vec();
    while let Some(last) = steps.last() {
        match last {
            Step::Key(k) if matches!(k.as_ref(), "template" | "spec") && steps.len() > 1 => {
                steps.pop();
            }
            Step::Key(k) => return k.to_string(),
            Step::Index(i) => {
                let i = *i;
                let item = y.lookup(root, &steps);
                let name = item.and_then(|n| y.get(n, "name").or_else(|| y.get(n, "groupName"))).and_then(|n| y.scalar(n));
                return name.map(str::to_string).unwrap_or_else(|| i.to_string());
            }
        }
    }
    String::new()
}

/// The table, embedded.
pub const CUSTOM_WORKLOADS: &str = include_str!("../../rules/custom-workloads.yaml");

/// The custom resources that own pods (parsed once; the file is embedded and tested, so a
/// parse failure is a build defect, and degrades to knowing none).
pub fn custom_kinds() -> &'static [CustomKind] {
    static KINDS: std::sync::OnceLock<Vec<CustomKind>> = std::sync::OnceLock::new();
    KINDS.get_or_init(|| serde_yaml::from_str(CUSTOM_WORKLOADS).unwrap_or_default())
}

/// The entry of the table for an object's group and kind.
pub fn custom_kind(group: &str, kind: &str) -> Option<&'static CustomKind> {
    custom_kinds().iter().find(|c| c.group == group && c.kinds.iter().any(|k| k == kind))
}

/// The nodes a dotted template path reaches below `root`, each with its concrete field path.
pub fn template_nodes(y: &YamlFile, root: NodeId, pattern: &str) -> Vec<(crate::yaml::FieldPath, NodeId)> {
    let mut at = vec![(crate::yaml::FieldPath::new(), root)];
    for part in pattern.split('.') {
        let mut next = Vec::new();
        for (p, n) in at {
            match part {
                "*" => {
                    for &(k, v) in y.map_entries(n).into_iter().flatten() {
                        if let Some(key) = y.scalar(k) {
                            next.push((p.clone().key(key.to_string()), v));
                        }
                    }
                }
                "[]" => {
                    for (i, &item) in y.seq_items(n).into_iter().flatten().enumerate() {
                        next.push((p.clone().index(i), item));
                    }
                }
                key => {
                    if let Some(v) = y.get(n, key) {
                        next.push((p.key(key.to_string()), v));
                    }
                }
            }
        }
        at = next;
    }
    at
}

/// Groups whose objects never own pods (monitoring, certificates, routing, queues, scaling).
const NON_POD_GROUPS: &[&str] = &[
    "monitoring.coreos.com",
    "cert-manager.io",
    "gateway.networking.k8s.io",
    "networking.istio.io",
    "security.istio.io",
    "telemetry.istio.io",
    "keda.sh",
    "kueue.x-k8s.io",
    "inference.networking.x-k8s.io",
    "external-secrets.io",
    "kustomize.config.k8s.io",
];

/// Whether an object's API group is one of Kubernetes' own.
pub fn builtin_group(g: &str) -> bool {
    g.is_empty() || g == "extensions" || g == "apps" || g == "batch" || g == "autoscaling" || g == "policy" || g.ends_with(".k8s.io")
}

/// The pod templates of a known custom workload, or None when the kind is not one kshape
/// knows (Some(empty) for kinds that own no pods).
pub fn known_custom<'a>(y: &YamlFile, o: &'a Object) -> Option<Vec<CustomTemplate<'a>>> {
    let g = o.group();
    if g.is_empty() && o.kind == "ReplicationController" {
        let Some(t) = y.get(o.root, "spec").and_then(|s| y.get(s, "template")) else { return Some(Vec::new()) };
        let labels = labels_of(y, y.get(t, "metadata").and_then(|m| y.get(m, "labels")));
        return Some(vec![CustomTemplate { object: o, labels, controller_prefixes: &[] }]);
    }
    if builtin_group(g) || NON_POD_GROUPS.contains(&g) {
        return Some(Vec::new());
    }
    let c = custom_kind(g, &o.kind)?;
    let mut found = Vec::new();
    for t in &c.templates {
        for (_, node) in template_nodes(y, o.root, &t.path) {
            let labels_at = if t.pod_spec { None } else { y.get(node, "metadata").and_then(|m| y.get(m, "labels")) };
            // A template without labels still has pods.
            let mut labels = labels_of(y, labels_at);
            for (k, v) in &c.pod_labels {
                labels.entry(k.clone()).or_insert_with(|| v.replace("{name}", o.name.as_deref().unwrap_or("")));
            }
            found.push(labels);
        }
    }
    if c.templates.is_empty() {
        found.push(Labels::new());
    }
    Some(found.into_iter().map(|labels| CustomTemplate { object: o, labels, controller_prefixes: &c.controller_labels }).collect())
}

fn labels_of(y: &YamlFile, map: Option<NodeId>) -> Labels {
    map.and_then(|m| y.map_entries(m))
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((y.scalar(*k)?.to_string(), y.scalar(*v)?.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_parses_and_names_each_kind_once() {
        let parsed: Result<Vec<super::CustomKind>, _> = serde_yaml::from_str(super::CUSTOM_WORKLOADS);
        let kinds = parsed.expect("rules/custom-workloads.yaml parses");
        assert!(kinds.len() >= 14, "{}", kinds.len());
        let mut seen = std::collections::HashSet::new();
        for k in &kinds {
            for kind in &k.kinds {
                assert!(seen.insert((k.group.clone(), kind.clone())), "{}/{kind} twice", k.group);
            }
        }
        assert!(super::custom_kind("leaderworkerset.x-k8s.io", "LeaderWorkerSet").is_some());
    }
}
