//! The run's facts: for every object, a compact record of what the rules that relate objects
//! look up (kind, namespace, name, labels, selectors, ports, the names it refers to) with the
//! spans their findings point at. Facts are taken where a file is read ([`facts`]), so the
//! typed objects and node trees of a file are dropped once its own rules ran; the relational
//! rules ([`crate::rules::Relation`]) judge their subjects against a [`World`] of them.

use crate::index::{Index, ParsedFile};
use crate::model::custom::known_custom;
use crate::model::selector::{Labels, Pairs};
use crate::model::workload::PodLabeler;
use crate::model::{Object, Typed, WorkloadKind};
use crate::path;
use crate::yaml::Span;
use foldhash::HashMap;
use std::sync::OnceLock;

pub use crate::model::ObjectRef;

pub mod pods;

/// What a finding says of the object it is about, owned: kept for relational rules, which
/// judge after the object itself is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About {
    /// Shared with the object's other findings and facts (see [`crate::model::Object::reference`]).
    pub object: std::sync::Arc<ObjectRef>,
    pub root: crate::yaml::NodeId,
    pub source: Option<String>,
}

impl About {
    pub fn of(o: &crate::model::Object) -> About {
        About {
            object: o
                .reference
                .get_or_init(|| {
                    std::sync::Arc::new(ObjectRef {
                        api_version: o.api_version.clone(),
                        kind: o.kind.clone(),
                        namespace: o.namespace.clone(),
                        name: o.name.clone(),
                    })
                })
                .clone(),
            root: o.root,
            source: o.source.clone(),
        }
    }

    pub fn name(&self) -> &str {
        self.object.name.as_deref().unwrap_or("")
    }
}

/// One object of the run, as the relational rules see it.
#[derive(Debug, Clone)]
pub struct Fact {
    pub file: usize,
    pub about: About,
    /// The API group (`""` for the core group).
    pub group: String,
    /// Its namespace, or the run's default.
    pub namespace: String,
    /// Where wrong-controller findings point: the `kind` value.
    pub kind_span: Span,
    /// Captured from a cluster ([`Object::export`]).
    pub export: bool,
    /// From a `--context` file.
    pub context: bool,
    /// From a file that is an input of `kustomize build`.
    pub kustomize: bool,
    /// Its references can be judged: not a kustomize input (whose names and labels may still
    /// change), not an export.
    pub resolvable: bool,
    pub service: Option<Box<ServiceFact>>,
    /// A HorizontalPodAutoscaler or KEDA ScaledObject.
    pub scaler: Option<Box<Scaler>>,
    /// A built-in workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod).
    pub workload: bool,
    /// A Deployment, StatefulSet or ReplicaSet that runs two pods or more (and is no patch or
    /// template).
    pub many_replicas: bool,
    /// A custom resource that may create workloads (one kshape does not know, or one that
    /// owns pods).
    pub may_create: bool,
    /// The pod templates whose pods the object's controller creates: a built-in workload's,
    /// or a known custom resource's ([`crate::model::custom::known_custom`]).
    pub pods: Vec<PodFact>,
    /// A custom resource kshape does not know: it may own pods.
    pub unknown_owner: bool,
    /// Completed elsewhere: a patch, or an object an operator or a script renders
    /// ([`crate::model::completion::Completion`]); its pods' labels are not all here.
    pub completed: bool,
    /// A PersistentVolumeClaim's access modes and storage class.
    pub claim: Option<Box<ClaimFact>>,
    /// The `metadata.name` value.
    pub name_span: Option<Span>,
    /// The whole object.
    pub root_span: Span,
    /// What few objects have, kept apart (read through the accessors of the same names), so
    /// that the fact of an object that has none of it stays small.
    rare: Option<Box<Rare>>,
}

/// The parts of a [`Fact`] that few objects have.
#[derive(Debug, Clone, Default)]
struct Rare {
    budget_selector: Option<Pairs>,
    hosts: Vec<HostFact>,
    service_name: Option<String>,
    storage_class: Option<(bool, bool)>,
    taints: Vec<TaintFact>,
    canonical: Option<u128>,
}

impl Rare {
    fn boxed(self) -> Option<Box<Rare>> {
        let none = self.budget_selector.is_none()
            && self.hosts.is_empty()
            && self.service_name.is_none()
            && self.storage_class.is_none()
            && self.taints.is_empty()
            && self.canonical.is_none();
        (!none).then(|| Box::new(self))
    }
}

/// What one workload of an object tells about the names its pods have.
#[derive(Debug, Clone)]
pub struct HostFact {
    pub kind: WorkloadKind,
    /// The pod spec's `hostname` and `subdomain`.
    pub hostname: Option<(String, String)>,
    /// How many pods it runs, when a fixed number.
    pub pods: Option<i64>,
    /// Hostname patterns the operator gives the pods of a custom resource, with the role.
    pub operator: Vec<(&'static str, String)>,
}

/// A PersistentVolumeClaim's part in the run.
#[derive(Debug, Clone)]
pub struct ClaimFact {
    pub access_modes: Vec<String>,
    pub storage_class: Option<String>,
    /// The `accessModes` key, else the `kind` value.
    pub modes_span: Span,
}

/// A taint a node or node pool of the inputs declares, of an accelerator pool.
#[derive(Debug, Clone)]
pub struct TaintFact {
    pub class: crate::model::gpu::TaintClass,
    pub key: String,
    pub span: Span,
}

/// An autoscaler and its target.
#[derive(Debug, Clone)]
pub struct Scaler {
    /// A ScaledObject with `autoscaling.keda.sh/paused: "true"`: KEDA leaves the count alone.
    pub paused: bool,
    /// `scaleTargetRef.kind` (Deployment when absent).
    pub target_kind: String,
    pub target_name: Option<String>,
    /// The `scaleTargetRef` key.
    pub ref_span: Option<Span>,
    /// The `scaleTargetRef.name` value.
    pub name_span: Option<Span>,
}

/// Pods an object's controller creates from one template.
#[derive(Debug, Clone)]
pub struct PodFact {
    /// The labels the pods carry, with those the controller adds (none varying per pod).
    pub labels: Pairs,
    /// A built-in workload's labels with those that vary per pod ([`PodLabeler`]).
    pub labeler: Option<PodLabeler>,
    /// Prefixes of labels a custom resource's controller adds to each pod.
    pub prefixes: &'static [String],
    /// The template's `labels` key, else the object's `kind`.
    pub labels_span: Span,
    /// The containers' ports; None when the pod spec is not known (a custom resource's).
    pub ports: Option<Ports>,
}

impl PodFact {
    /// Of the labels the pods carry, those `wanted` names, with the values of `wanted` for
    /// those that vary per pod. Only the wanted keys: callers compare a selector's pairs, and
    /// copying every label of a template for each selector would cost labels × selectors.
    pub fn labels_for(&self, wanted: &Labels) -> Labels {
        let mut out: Labels = wanted.keys().filter_map(|k| Some((k.clone(), self.labels.get(k)?.to_string()))).collect();
        if let Some(l) = self.labeler.as_ref().filter(|_| wanted.keys().any(|k| pods::per_pod(k))) {
            // The values that vary per pod, as the controller gives them (the template's own
            // value of such a label stays first).
            l.add_controller_labels(&mut out, wanted);
            out.retain(|k, _| wanted.contains_key(k));
        }
        out
    }

    /// Whether the controller adds label `key` to each pod.
    pub fn satisfied(&self, key: &str) -> bool {
        self.prefixes.iter().any(|p| key.starts_with(p))
    }
}

/// The ports a pod's containers declare, and the numbers their command lines and environment
/// mention (`--metrics-bind-address=:8443`, `PORT=9000`).
#[derive(Debug, Clone, Default)]
pub struct Ports {
    /// Sorted, each once.
    pub names: Vec<Box<str>>,
    /// Sorted, each once.
    pub numbers: Vec<i32>,
    /// Sorted, each once.
    pub mentioned: Vec<i32>,
}

/// Every run of digits in `text` that is a port number.
fn numbers_in(text: &str, out: &mut Vec<i32>) {
    for run in text.split(|c: char| !c.is_ascii_digit()).filter(|r| !r.is_empty() && r.len() <= 5) {
        if let Ok(n) = run.parse::<i32>() {
            if (1..=65535).contains(&n) {
                out.push(n);
            }
        }
    }
}

impl Ports {
    fn of(spec: &k8s_openapi::api::core::v1::PodSpec) -> Ports {
        let mut ports = Ports::default();
        for ctr in spec.containers.iter().chain(spec.init_containers.iter().flatten()) {
            for text in ctr.command.iter().chain(ctr.args.iter()).flatten() {
                numbers_in(text, &mut ports.mentioned);
            }
            for e in ctr.env.iter().flatten() {
                numbers_in(e.value.as_deref().unwrap_or(""), &mut ports.mentioned);
            }
            // Port 0 stands for a value that did not type (a placeholder): not a real port.
            for p in ctr.ports.iter().flatten().filter(|p| p.container_port != 0) {
                ports.numbers.push(p.container_port);
                if let Some(n) = &p.name {
                    ports.names.push(n.as_str().into());
                }
            }
        }
        for v in [&mut ports.numbers, &mut ports.mentioned] {
            v.sort_unstable();
            v.dedup();
        }
        ports.names.sort_unstable();
        ports.names.dedup();
        ports.names.shrink_to_fit();
        ports.numbers.shrink_to_fit();
        ports.mentioned.shrink_to_fit();
        ports
    }
}

/// A Service's part in the run.
#[derive(Debug, Clone)]
pub struct ServiceFact {
    /// `clusterIP: None`.
    pub headless: bool,
    /// `type: ExternalName`.
    pub external_name: bool,
    /// Its selector, when it has a non-empty one.
    pub selector: Option<Pairs>,
    /// The `clusterIP` value, else the `spec` key, else the object.
    pub cluster_ip_span: Span,
    /// The `selector` key, else the object.
    pub selector_span: Span,
}

impl Fact {
    /// A PodDisruptionBudget's `matchLabels`, when non-empty.
    pub fn budget_selector(&self) -> Option<&Pairs> {
        self.rare.as_ref()?.budget_selector.as_ref()
    }

    /// The names its pods can be reached or called by, for the workloads whose pods have
    /// names of their own.
    pub fn hosts(&self) -> &[HostFact] {
        self.rare.as_ref().map_or(&[], |r| &r.hosts)
    }

    /// A StatefulSet's `serviceName` (empty when it has none).
    pub fn service_name(&self) -> Option<&str> {
        self.rare.as_ref()?.service_name.as_deref()
    }

    /// A StorageClass: whether its provisioner keeps volumes on one node, and whether it is
    /// the cluster's default.
    pub fn storage_class(&self) -> Option<(bool, bool)> {
        self.rare.as_ref()?.storage_class
    }

    /// The accelerator-pool taints it declares (`taints` of Nodes and node-pool objects), in
    /// the order a walk of its nodes meets them.
    pub fn taints(&self) -> &[TaintFact] {
        self.rare.as_ref().map_or(&[], |r| &r.taints)
    }

    /// A digest of the object written out (`YamlFile::canonical`, [`crate::util::hash128`]),
    /// for objects of kustomize inputs: two equal definitions there apply the same object
    /// twice, harmlessly.
    pub fn canonical(&self) -> Option<u128> {
        self.rare.as_ref()?.canonical
    }

    pub fn name(&self) -> Option<&str> {
        self.about.object.name.as_deref()
    }

    pub fn kind(&self) -> &str {
        &self.about.object.kind
    }
}

/// The facts of every object of an index (one file's where it is read), in order.
pub fn facts(ix: &Index) -> Vec<Fact> {
    // Nodes reached twice through aliases are walked once (an alias bomb is exponential).
    let mut seen = foldhash::HashSet::default();
    // Only a file that says `taints` can declare one (asked once per file).
    let mut says_taints: HashMap<usize, bool> = HashMap::default();
    ix.objects
        .iter()
        .map(|o| {
            let mut f = fact(ix, o);
            if *says_taints.entry(o.file).or_insert_with(|| ix.parsed(o.file).source.text.contains("taints")) {
                let found = taints(ix, o, &mut seen);
                if !found.is_empty() {
                    f.rare.get_or_insert_with(Box::default).taints = found;
                }
            }
            f
        })
        .collect()
}

/// The accelerator-pool taints under an object, in the order the walk meets them (each node
/// once per file: `seen`).
fn taints(ix: &Index, o: &Object, seen: &mut foldhash::HashSet<(usize, crate::yaml::NodeId)>) -> Vec<TaintFact> {
    use crate::model::gpu::classify_taint;
    let y = ix.file(o);
    let mut out = Vec::new();
    let mut stack = vec![o.root];
    while let Some(n) = stack.pop() {
        if !seen.insert((o.file, n)) {
            continue;
        }
        if let Some(entries) = y.map_entries(n) {
            for &(k, v) in entries {
                if y.scalar(k) == Some("taints") {
                    let mut found: Vec<(String, Option<String>, Span)> = Vec::new();
                    if let Some(items) = y.seq_items(v) {
                        for &item in items {
                            let Some(key) = y.get(item, "key") else { continue };
                            let effect = y.get_str(item, "effect").unwrap_or("");
                            // A preference does not keep pods off the nodes.
                            if effect == "PreferNoSchedule" {
                                continue;
                            }
                            if let Some(k) = y.str_value(key) {
                                found.push((k.to_string(), y.get_str(item, "value").map(str::to_string), y.span(key)));
                            }
                        }
                    } else if let Some(entries) = y.map_entries(v) {
                        // eksctl's older form: `taints: {nvidia.com/gpu: "true:NoSchedule"}`.
                        for &(k, v) in entries {
                            if let Some(key) = y.str_value(k) {
                                found.push((key.to_string(), y.str_value(v).map(str::to_string), y.span(k)));
                            }
                        }
                    }
                    for (key, value, span) in found {
                        if let Some(class) = classify_taint(&key, value.as_deref()) {
                            out.push(TaintFact { class, key, span });
                        }
                    }
                }
                stack.push(v);
            }
        } else if let Some(items) = y.seq_items(n) {
            stack.extend_from_slice(items);
        }
    }
    out
}

fn fact(ix: &Index, o: &Object) -> Fact {
    let y = ix.file(o);
    let root_span = y.span(o.root);
    let kustomize = ix.parsed(o.file).source.kustomize;
    let workload = o.workload();
    let custom = workload.is_none() && o.typed.as_ref().is_none_or(|t| matches!(t, Typed::Custom(_)));
    let known = if custom { known_custom(y, o) } else { None };
    Fact {
        file: o.file,
        about: About::of(o),
        group: o.group().to_string(),
        namespace: ix.namespace_of(o).to_string(),
        kind_span: ix.kind_span(o),
        export: o.export,
        context: o.context,
        kustomize,
        resolvable: !kustomize && !o.export,
        service: service_fact(ix, o, root_span).map(Box::new),
        scaler: scaler(ix, o).map(Box::new),
        workload: workload.is_some(),
        many_replicas: o.workloads().any(|w| {
            matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet)
                && w.replicas.is_some_and(|r| r >= 2)
                && o.completion.is_none()
        }),
        may_create: custom && known.as_ref().is_none_or(|t| !t.is_empty()),
        pods: pods(ix, o, workload.as_ref(), known.as_deref().unwrap_or(&[])),
        unknown_owner: custom && known.is_none(),
        completed: o.completion.is_some(),
        claim: match &o.typed {
            Some(Typed::PersistentVolumeClaim(c)) => Some(Box::new(ClaimFact {
                access_modes: c.spec.as_ref().and_then(|s| s.access_modes.clone()).unwrap_or_default(),
                storage_class: c.spec.as_ref().and_then(|s| s.storage_class_name.clone()),
                modes_span: y.lookup_key(o.root, &path!["spec", "accessModes"]).map(|n| y.span(n)).unwrap_or_else(|| ix.kind_span(o)),
            })),
            _ => None,
        },
        name_span: y.lookup(o.root, &path!["metadata", "name"]).map(|n| y.span(n)),
        root_span,
        rare: rare(ix, o, y, kustomize),
    }
}

/// What few objects have: a budget's selector, pods with names of their own, a StatefulSet's
/// `serviceName`, a StorageClass, a kustomize input's digest.
fn rare(ix: &Index, o: &Object, y: &crate::yaml::YamlFile, kustomize: bool) -> Option<Box<Rare>> {
    Rare {
        budget_selector: match &o.typed {
            Some(Typed::PodDisruptionBudget(p)) => p
                .spec
                .as_ref()
                .and_then(|s| s.selector.as_ref())
                .and_then(|s| s.match_labels.as_ref())
                .filter(|s| !s.is_empty())
                .map(Pairs::of),
            _ => None,
        },
        hosts: hosts(o),
        service_name: match &o.typed {
            Some(Typed::StatefulSet(s)) => Some(s.spec.service_name.clone().unwrap_or_default()),
            _ => None,
        },
        storage_class: storage_class(ix, o),
        taints: Vec::new(),
        canonical: kustomize.then(|| crate::util::hash128(&[&y.canonical(o.root, &mut 100_000)])),
    }
    .boxed()
}

fn service_fact(ix: &Index, o: &Object, root_span: Span) -> Option<ServiceFact> {
    let Some(Typed::Service(s)) = &o.typed else { return None };
    let y = ix.file(o);
    let spec = s.spec.as_ref();
    let cluster_ip_span = y
        .lookup(o.root, &path!["spec", "clusterIP"])
        .or_else(|| y.lookup_key(o.root, &path!["spec"]))
        .map(|n| y.span(n))
        .unwrap_or(root_span);
    let selector_span = y.lookup_key(o.root, &path!["spec", "selector"]).map(|n| y.span(n)).unwrap_or(root_span);
    Some(ServiceFact {
        headless: spec.and_then(|s| s.cluster_ip.as_deref()) == Some("None"),
        external_name: spec.and_then(|s| s.type_.as_deref()) == Some("ExternalName"),
        selector: spec.and_then(|s| s.selector.as_ref()).filter(|s| !s.is_empty()).map(Pairs::of),
        cluster_ip_span,
        selector_span,
    })
}

fn scaler(ix: &Index, o: &Object) -> Option<Scaler> {
    let is_scaler =
        (o.kind == "HorizontalPodAutoscaler" && o.group() == "autoscaling") || (o.kind == "ScaledObject" && o.group() == "keda.sh");
    if !is_scaler {
        return None;
    }
    let y = ix.file(o);
    let paused = o.kind == "ScaledObject"
        && y.lookup(o.root, &path!["metadata", "annotations", "autoscaling.keda.sh/paused"]).and_then(|n| y.scalar(n)) == Some("true");
    let target = y.get(o.root, "spec").and_then(|s| y.get(s, "scaleTargetRef"));
    Some(Scaler {
        paused,
        target_kind: target.and_then(|t| y.get_str(t, "kind")).unwrap_or("Deployment").to_string(),
        target_name: target.and_then(|t| y.get_str(t, "name")).map(str::to_string),
        ref_span: y.lookup_key(o.root, &path!["spec", "scaleTargetRef"]).map(|n| y.span(n)),
        name_span: y.lookup(o.root, &path!["spec", "scaleTargetRef", "name"]).map(|n| y.span(n)),
    })
}

/// The pod templates of a built-in workload, or of a known custom resource.
fn pods(ix: &Index, o: &Object, workload: Option<&crate::model::Workload>, known: &[crate::model::custom::CustomTemplate]) -> Vec<PodFact> {
    let y = ix.file(o);
    let mut pods = Vec::with_capacity(usize::from(workload.is_some()) + known.len());
    if let Some(w) = workload {
        let labels_span = y.lookup_key(o.root, &w.template_path().key("metadata").key("labels")).map(|n| y.span(n));
        // (`Workload::pod_labels`, with the labeler made once.)
        let mut labeler = w.labeler();
        let labels = Pairs::of(&labeler.labels(&Labels::new()));
        if labeler.template == labels {
            // Most controllers add no label common to all their pods: one list for both.
            labeler.template = labels.clone();
        }
        pods.push(PodFact {
            labels,
            labeler: Some(labeler),
            prefixes: &[],
            labels_span: labels_span.unwrap_or_else(|| ix.kind_span(o)),
            ports: w.pod_spec.map(Ports::of),
        });
    }
    for t in known {
        // A custom resource's templates are not located: findings name the resource's kind.
        let labels_span = y.lookup_key(o.root, &crate::yaml::FieldPath::new()).map(|n| y.span(n)).unwrap_or_else(|| ix.kind_span(o));
        pods.push(PodFact { labels: Pairs::of(&t.labels), labeler: None, prefixes: t.controller_prefixes, labels_span, ports: None });
    }
    pods
}

/// The workloads whose pods have names of their own: bare Pods, StatefulSet and Job members,
/// pods with `hostname` and `subdomain`, pods an operator names (a Deployment's pods have
/// none, and keep no record).
fn hosts(o: &Object) -> Vec<HostFact> {
    o.workloads()
        .map(|w| HostFact {
            kind: w.kind,
            hostname: w.pod_spec.and_then(|s| Some((s.hostname.clone()?, s.subdomain.clone()?))),
            pods: w.pod_count(),
            operator: match (w.custom, w.custom_kind()) {
                (Some((_, pod)), Some(def)) => def.adds.hostnames.iter().map(|p| (p.as_str(), pod.role.clone())).collect(),
                _ => Vec::new(),
            },
        })
        .filter(|h| {
            matches!(h.kind, WorkloadKind::Pod | WorkloadKind::StatefulSet | WorkloadKind::Job)
                || h.hostname.is_some()
                || !h.operator.is_empty()
        })
        .collect()
}

fn storage_class(ix: &Index, o: &Object) -> Option<(bool, bool)> {
    if o.kind != "StorageClass" || o.group() != "storage.k8s.io" {
        return None;
    }
    let y = ix.file(o);
    let local = y.get_str(o.root, "provisioner").is_some_and(|p| crate::model::scheduling::NODE_LOCAL_PROVISIONERS.contains(&p));
    let is_default = y
        .get(o.root, "metadata")
        .and_then(|m| y.get(m, "annotations"))
        .and_then(|a| y.get_str(a, "storageclass.kubernetes.io/is-default-class"))
        == Some("true");
    Some((local, is_default))
}

/// The facts of a whole run, with the tables the relational rules share, built on first use.
pub struct World<'a> {
    /// The facts of each file (or index), in input order.
    facts: &'a [Vec<Fact>],
    files: &'a Index,
    services: OnceLock<HashMap<(&'a str, &'a str), &'a Fact>>,
    pods: OnceLock<HashMap<&'a str, pods::Namespace<'a>>>,
}

impl<'a> World<'a> {
    /// `facts` holds the facts of each file (or index) of the run, in input order; `files`
    /// numbers the run's files as the facts do (its objects are not read: where the run
    /// streams, they are gone). The facts stay where each file's judgement put them: no copy
    /// of all of them is made.
    pub fn new(facts: &'a [Vec<Fact>], files: &'a Index) -> World<'a> {
        World { facts, files, services: OnceLock::new(), pods: OnceLock::new() }
    }

    /// Every object of the run, in input order.
    pub fn facts(&self) -> impl Iterator<Item = &'a Fact> + Clone {
        self.facts.iter().flatten()
    }

    /// How many facts the run has (to size a table of them once).
    pub fn fact_count(&self) -> usize {
        self.facts.iter().map(Vec::len).sum()
    }

    /// File number `file` of the run.
    pub fn file(&self, file: usize) -> &'a ParsedFile {
        self.files.parsed(file)
    }

    /// Every namespace's pod templates, indexed by label (shared by the rules that judge
    /// selectors: one table at the run's peak, not one per rule).
    pub fn pods(&self) -> &HashMap<&'a str, pods::Namespace<'a>> {
        self.pods.get_or_init(|| pods::namespaces(self))
    }

    /// Services by (namespace, name): the first of each.
    pub fn services(&self) -> &HashMap<(&'a str, &'a str), &'a Fact> {
        self.services.get_or_init(|| {
            let mut m = HashMap::default();
            for f in self.facts() {
                if let (Some(_), Some(name)) = (&f.service, f.name()) {
                    m.entry((f.namespace.as_str(), name)).or_insert(f);
                }
            }
            m
        })
    }
}
