//! What the scheduler's filters would decide, from a node inventory (`kubectl get nodes -o yaml`):
//! node selectors, required node affinity, taints and tolerations, cordoned nodes, and whether
//! the pod's requests fit a node's allocatable resources.

use super::quantity::{add, parse_nanos};
use k8s_openapi::api::core::v1::{Node, NodeSelectorRequirement, PodSpec, Taint, Toleration};
use std::collections::BTreeMap;

/// One node of the inventory.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    /// Allocatable resources in nano-units.
    pub allocatable: BTreeMap<String, i128>,
}

impl NodeInfo {
    pub fn from_node(n: &Node) -> NodeInfo {
        let spec = n.spec.as_ref();
        NodeInfo {
            name: n.metadata.name.clone().unwrap_or_default(),
            labels: n.metadata.labels.clone().unwrap_or_default(),
            taints: spec.and_then(|s| s.taints.clone()).unwrap_or_default(),
            unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
            allocatable: n
                .status
                .as_ref()
                .and_then(|s| s.allocatable.as_ref().or(s.capacity.as_ref()))
                .map(|m| m.iter().filter_map(|(k, q)| Some((k.clone(), parse_nanos(&q.0)?))).collect())
                .unwrap_or_default(),
        }
    }
}

/// Taints the DaemonSet controller tolerates by itself.
pub const DAEMONSET_TOLERATED: &[&str] = &[
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "node.kubernetes.io/disk-pressure",
    "node.kubernetes.io/memory-pressure",
    "node.kubernetes.io/pid-pressure",
    "node.kubernetes.io/unschedulable",
    "node.kubernetes.io/network-unavailable",
];

/// Whether a node satisfies the pod's nodeSelector and required node affinity.
pub fn selects(spec: &PodSpec, node: &NodeInfo) -> bool {
    for (k, v) in spec.node_selector.iter().flatten() {
        if node.labels.get(k) != Some(v) {
            return false;
        }
    }
    let Some(required) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| na.required_during_scheduling_ignored_during_execution.as_ref())
    else {
        return true;
    };
    // Terms are ORed; an empty list of terms selects nothing.
    required.node_selector_terms.iter().any(|t| {
        let exprs = t.match_expressions.iter().flatten().all(|e| requirement(e, node.labels.get(&e.key).map(String::as_str)));
        let fields = t.match_fields.iter().flatten().all(|e| e.key != "metadata.name" || requirement(e, Some(&node.name)));
        let empty = t.match_expressions.as_ref().is_none_or(|v| v.is_empty()) && t.match_fields.as_ref().is_none_or(|v| v.is_empty());
        !empty && exprs && fields
    })
}

/// Why a pod's nodeSelector or required node affinity does not select a node: the first
/// nodeSelector label the node lacks or has with another value, else the affinity.
fn unselected_by(spec: &PodSpec, node: &NodeInfo) -> String {
    for (k, v) in spec.node_selector.iter().flatten() {
        match node.labels.get(k) {
            None => return format!("no label `{k}` (nodeSelector wants `{k}={v}`)"),
            Some(h) if h != v => return format!("`{k}={h}` (nodeSelector wants `{v}`)"),
            Some(_) => {}
        }
    }
    "the required node affinity".to_string()
}

fn requirement(e: &NodeSelectorRequirement, have: Option<&str>) -> bool {
    let values = e.values.as_deref().unwrap_or(&[]);
    let num = |s: &str| s.parse::<i64>().ok();
    match e.operator.as_str() {
        "In" => have.is_some_and(|h| values.iter().any(|v| v == h)),
        "NotIn" => have.is_none_or(|h| !values.iter().any(|v| v == h)),
        "Exists" => have.is_some(),
        "DoesNotExist" => have.is_none(),
        "Gt" => matches!((have.and_then(num), values.first().and_then(|v| num(v))), (Some(h), Some(v)) if h > v),
        "Lt" => matches!((have.and_then(num), values.first().and_then(|v| num(v))), (Some(h), Some(v)) if h < v),
        _ => false,
    }
}

/// Whether a toleration tolerates a taint.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = t.effect.as_deref().filter(|e| !e.is_empty()) {
        if effect != taint.effect {
            return false;
        }
    }
    let key = t.key.as_deref().unwrap_or("");
    let exists = t.operator.as_deref() == Some("Exists");
    if key.is_empty() {
        return exists;
    }
    key == taint.key && (exists || t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""))
}

/// The NoSchedule/NoExecute taints of a node that the pod does not tolerate.
pub fn untolerated<'a>(spec: &PodSpec, node: &'a NodeInfo, daemonset: bool) -> Vec<&'a Taint> {
    untolerated_with(spec, node, daemonset, false)
}

/// [`untolerated`], where `extended` says the cluster's ExtendedResourceToleration admission
/// plugin adds a toleration (`key: <resource>`, `Exists`) for each extended resource the pod
/// requests (`nvidia.com/gpu`): GKE enables it, so its GPU taints never keep GPU pods away.
pub fn untolerated_with<'a>(spec: &PodSpec, node: &'a NodeInfo, daemonset: bool, extended: bool) -> Vec<&'a Taint> {
    let requested = if extended { pod_requests(spec) } else { BTreeMap::new() };
    let admitted = |key: &str| requested.get(key).is_some_and(|&v| v > 0) && is_extended_resource(key);
    node.taints
        .iter()
        .filter(|taint| taint.effect == "NoSchedule" || taint.effect == "NoExecute")
        .filter(|taint| !(daemonset && DAEMONSET_TOLERATED.contains(&taint.key.as_str())))
        .filter(|taint| !spec.tolerations.iter().flatten().any(|t| tolerates(t, taint)))
        .filter(|taint| !admitted(&taint.key))
        .collect()
}

/// An extended resource: a resource name with a domain that is not kubernetes.io's
/// (`nvidia.com/gpu`, `amd.com/gpu`), as the admission plugin defines it.
fn is_extended_resource(name: &str) -> bool {
    match name.split_once('/') {
        Some((domain, _)) => {
            !domain.is_empty() && domain != "kubernetes.io" && !domain.ends_with(".kubernetes.io") && !name.starts_with("requests.")
        }
        None => false,
    }
}

/// `key=value:Effect`
pub fn show_taint(t: &Taint) -> String {
    match t.value.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => format!("{}={v}:{}", t.key, t.effect),
        None => format!("{}:{}", t.key, t.effect),
    }
}

/// The pod's effective requests: the sum over containers, or the largest init container's
/// request if bigger, plus overhead (nano-units per resource). A container's limit stands in
/// for a missing request, as the API server defaults it.
pub fn pod_requests(spec: &PodSpec) -> BTreeMap<String, i128> {
    let of = |c: &k8s_openapi::api::core::v1::Container| -> BTreeMap<String, i128> {
        let mut m = BTreeMap::new();
        if let Some(r) = &c.resources {
            for (k, q) in r.limits.iter().flatten() {
                if let Some(v) = parse_nanos(&q.0) {
                    m.insert(k.clone(), v);
                }
            }
            for (k, q) in r.requests.iter().flatten() {
                if let Some(v) = parse_nanos(&q.0) {
                    m.insert(k.clone(), v);
                }
            }
        }
        m
    };
    // Sums saturate at the quantity limit (quantity::add): a request too large to represent
    // stays too large for every node, so the fit checks still report it.
    let mut total: BTreeMap<String, i128> = BTreeMap::new();
    for c in &spec.containers {
        for (k, v) in of(c) {
            let e = total.entry(k).or_default();
            *e = add(*e, v);
        }
    }
    for c in spec.init_containers.iter().flatten() {
        // Sidecars (restartPolicy Always) run beside the containers.
        let sidecar = c.restart_policy.as_deref() == Some("Always");
        for (k, v) in of(c) {
            let e = total.entry(k).or_default();
            if sidecar {
                *e = add(*e, v);
            } else if v > *e {
                *e = v;
            }
        }
    }
    for (k, q) in spec.overhead.iter().flatten() {
        if let Some(v) = parse_nanos(&q.0) {
            let e = total.entry(k.clone()).or_default();
            *e = add(*e, v);
        }
    }
    total
}

/// The first resource the node cannot hold: (resource, requested, allocatable).
pub fn misfit(requests: &BTreeMap<String, i128>, node: &NodeInfo) -> Option<(String, i128, i128)> {
    // An inventory without allocatable figures says nothing about fit.
    if node.allocatable.is_empty() {
        return None;
    }
    for (k, need) in requests {
        if *need <= 0 {
            continue;
        }
        let extended = k.contains('/') || k.starts_with("hugepages-");
        let have = match node.allocatable.get(k) {
            Some(h) => *h,
            // A node without the extended resource has none of it.
            None if extended => 0,
            None => continue,
        };
        let tracked = matches!(k.as_str(), "cpu" | "memory" | "ephemeral-storage") || extended;
        if tracked && *need > have {
            return Some((k.clone(), *need, have));
        }
    }
    None
}

/// How many nodes of the inventory the pod's pods can run on: what [`coverage`] counts as
/// eligible, without its rows, and with the cluster's ExtendedResourceToleration admission
/// (`extended`, as in [`untolerated_with`]) where the configuration says it is on (`kshape
/// nodes` does not read it).
pub fn eligible_count(spec: &PodSpec, daemonset: bool, nodes: &[NodeInfo], extended: bool) -> usize {
    let requests = pod_requests(spec);
    nodes
        .iter()
        .filter(|n| {
            selects(spec, n)
                && (daemonset || !n.unschedulable)
                && untolerated_with(spec, n, daemonset, extended).is_empty()
                && misfit(&requests, n).is_none()
        })
        .count()
}

/// The node label every node carries with its own name.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// The one node the pod is pinned to by name, if it is: a nodeSelector on
/// `kubernetes.io/hostname`, `spec.nodeName`, or a required node affinity each of whose terms
/// admits one and the same host name (by that label or by `metadata.name`).
pub fn pinned_node(spec: &PodSpec) -> Option<&str> {
    if let Some(n) = spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        return Some(n);
    }
    if let Some(h) = spec.node_selector.as_ref().and_then(|s| s.get(HOSTNAME_LABEL)) {
        return Some(h);
    }
    let required = spec.affinity.as_ref()?.node_affinity.as_ref()?.required_during_scheduling_ignored_during_execution.as_ref()?;
    let mut host: Option<&str> = None;
    for t in &required.node_selector_terms {
        // The term's single host: an `In` with one value on the host name label or the name field.
        let by_label = t.match_expressions.iter().flatten().filter(|e| e.key == HOSTNAME_LABEL);
        let by_field = t.match_fields.iter().flatten().filter(|e| e.key == "metadata.name");
        let one = by_label.chain(by_field).find_map(|e| match (e.operator.as_str(), e.values.as_deref()) {
            ("In", Some([v])) => Some(v.as_str()),
            _ => None,
        })?;
        if host.is_some_and(|h| h != one) {
            return None;
        }
        host = Some(one);
    }
    host
}

/// Where one workload's pods could run, node by node.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Coverage {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub file: String,
    /// Nodes its pods can run on (selected, tolerated, schedulable, and they fit).
    pub eligible: usize,
    /// Nodes its nodeSelector and required affinity select.
    pub selected: usize,
    pub nodes: Vec<NodeCoverage>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NodeCoverage {
    pub name: String,
    /// Why it is not selected (the label the node lacks), when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unselected_by: Option<String>,
    pub selected: bool,
    pub tolerated: bool,
    pub untolerated_taints: Vec<String>,
    pub schedulable: bool,
    pub fits: bool,
    /// `memory: requests 8Gi, allocatable 7Gi` when it does not fit.
    pub misfit: Option<String>,
}

impl NodeCoverage {
    pub fn runs(&self) -> bool {
        self.selected && self.tolerated && self.schedulable && self.fits
    }

    /// One phrase for the human table.
    pub fn status(&self) -> String {
        if !self.selected {
            match &self.unselected_by {
                Some(why) => format!("not selected: {why}"),
                None => "not selected".into(),
            }
        } else if !self.tolerated {
            format!("taint {} not tolerated", self.untolerated_taints.join(", "))
        } else if !self.schedulable {
            "cordoned".into()
        } else if let Some(m) = &self.misfit {
            format!("does not fit: {m}")
        } else {
            "runs".into()
        }
    }
}

/// The coverage of one pod spec over an inventory.
pub fn coverage(spec: &PodSpec, daemonset: bool, nodes: &[NodeInfo]) -> (usize, usize, Vec<NodeCoverage>) {
    let requests = pod_requests(spec);
    let rows: Vec<NodeCoverage> = nodes
        .iter()
        .map(|n| {
            let untol: Vec<String> = untolerated(spec, n, daemonset).iter().map(|t| show_taint(t)).collect();
            let mis = misfit(&requests, n);
            let selected = selects(spec, n);
            NodeCoverage {
                name: n.name.clone(),
                unselected_by: (!selected).then(|| unselected_by(spec, n)),
                selected,
                tolerated: untol.is_empty(),
                untolerated_taints: untol,
                schedulable: daemonset || !n.unschedulable,
                fits: mis.is_none(),
                misfit: mis.map(|(r, need, have)| {
                    format!("{r}: requests {}, allocatable {}", super::quantity::display(need, &r), super::quantity::display(have, &r))
                }),
            }
        })
        .collect();
    let eligible = rows.iter().filter(|r| r.runs()).count();
    let selected = rows.iter().filter(|r| r.selected).count();
    (eligible, selected, rows)
}

/// Single-node environments: where a manifest is written for one of them, every pod lands on
/// the one node.
const SINGLE_NODE_ENVIRONMENTS: &[&str] = &["minikube", "kind", "k3d", "microk8s", "codespaces", "docker-desktop", "devcontainer"];

/// The single-node environment a file says it is written for, if any: a directory of its path
/// named after one (`k8s/minikube/`, `deploy/codespaces/`), or a comment line of the file (`text`)
/// that names one or says "single-node". Problems that need a second node (a ReadWriteOnce
/// volume attached on two nodes) do not arise there. Reads the text: call it for findings, not
/// for every object.
pub fn single_node_target(path: &str, text: &str) -> Option<&'static str> {
    let dirs = path.split(['/', '\\']).rev().skip(1);
    for d in dirs {
        let d = d.to_ascii_lowercase();
        let d = d.trim_start_matches('.');
        if let Some(env) = SINGLE_NODE_ENVIRONMENTS.iter().find(|e| **e == d) {
            return Some(env);
        }
    }
    text.lines().filter_map(|l| l.trim_start().strip_prefix('#')).find_map(|c| {
        let t = c.to_ascii_lowercase();
        if t.contains("single-node") || t.contains("single node") {
            return Some("a single-node cluster");
        }
        // `kind` is an ordinary word (and a manifest key): only the tool names that are not.
        SINGLE_NODE_ENVIRONMENTS.iter().filter(|e| **e != "kind").find(|e| t.contains(**e)).copied()
    })
}

/// Storage classes of node-local provisioners (k3s/kind/Rancher local-path, MicroK8s, OpenEBS,
/// static local volumes).
pub const NODE_LOCAL_CLASSES: &[&str] = &["local-path", "hostpath", "microk8s-hostpath", "openebs-hostpath", "local-storage", "local"];

/// Provisioners whose volumes live on one node (a StorageClass of the inputs that uses one is
/// node-local whatever its name).
pub const NODE_LOCAL_PROVISIONERS: &[&str] = &[
    "rancher.io/local-path",
    "microk8s.io/hostpath",
    "k8s.io/minikube-hostpath",
    "docker.io/hostpath",
    "kubernetes.io/no-provisioner",
    "openebs.io/local",
];

#[cfg(test)]
mod single_node_tests {
    use super::single_node_target;

    #[test]
    fn directories_and_comments_name_single_node_environments() {
        assert_eq!(single_node_target("k8s/codespaces/deployment.yaml", ""), Some("codespaces"));
        assert_eq!(single_node_target("deploy/kind/app.yaml", ""), Some("kind"));
        assert_eq!(single_node_target(".devcontainer/k8s.yaml", ""), Some("devcontainer"));
        // A file named after one, or a word containing one, is not a directory of that name.
        assert_eq!(single_node_target("k8s/minikube.yaml", ""), None);
        assert_eq!(single_node_target("deploy/kindness/app.yaml", ""), None);
        assert_eq!(single_node_target("app.yaml", "# for a single-node k3s box\nkind: Pod\n"), Some("a single-node cluster"));
        assert_eq!(single_node_target("app.yaml", "  # kind of a hack\nkind: Pod\n"), None);
        assert_eq!(single_node_target("app.yaml", "a: 1\n  # tested on minikube\n"), Some("minikube"));
        // Only comments: a value that names one is not the author's word about the target.
        assert_eq!(single_node_target("app.yaml", "image: minikube/storage-provisioner\n"), None);
    }
}

#[cfg(test)]
mod pinned_node_tests {
    use super::pinned_node;
    use k8s_openapi::api::core::v1::PodSpec;

    fn spec(yaml: &str) -> PodSpec {
        serde_yaml::from_str(yaml).expect("test pod spec")
    }

    fn affinity(terms: &str) -> String {
        format!("containers: []\naffinity:\n  nodeAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n      nodeSelectorTerms:\n{terms}")
    }

    #[test]
    fn by_name_selector_or_one_host_affinity() {
        assert_eq!(pinned_node(&spec("containers: []\nnodeName: n1")), Some("n1"));
        assert_eq!(pinned_node(&spec("containers: []\nnodeSelector: {kubernetes.io/hostname: n2}")), Some("n2"));
        let one = "        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n3]}]\n";
        assert_eq!(pinned_node(&spec(&affinity(one))), Some("n3"));
        let field = "        - matchFields: [{key: metadata.name, operator: In, values: [n4]}]\n";
        assert_eq!(pinned_node(&spec(&affinity(field))), Some("n4"));
        // Two terms (ORed) admitting the same host still pin it.
        assert_eq!(pinned_node(&spec(&affinity(&format!("{one}{one}")))), Some("n3"));
    }

    #[test]
    fn not_pinned() {
        assert_eq!(pinned_node(&spec("containers: []")), None);
        assert_eq!(pinned_node(&spec("containers: []\nnodeName: ''")), None);
        assert_eq!(pinned_node(&spec("containers: []\nnodeSelector: {node-role: gpu}")), None);
        let two_values = "        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1, n2]}]\n";
        assert_eq!(pinned_node(&spec(&affinity(two_values))), None);
        let not_in = "        - matchExpressions: [{key: kubernetes.io/hostname, operator: NotIn, values: [n1]}]\n";
        assert_eq!(pinned_node(&spec(&affinity(not_in))), None);
        let a = "        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n1]}]\n";
        let b = "        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n2]}]\n";
        assert_eq!(pinned_node(&spec(&affinity(&format!("{a}{b}")))), None, "either of two hosts");
        let other = "        - matchExpressions: [{key: gpu, operator: Exists}]\n";
        assert_eq!(pinned_node(&spec(&affinity(&format!("{a}{other}")))), None, "a term without a host");
        assert_eq!(pinned_node(&spec(&affinity("        []\n").replace("nodeSelectorTerms:\n        []", "nodeSelectorTerms: []"))), None);
    }
}
