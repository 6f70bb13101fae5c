//! [`MasterAddrMismatch`](crate::rules::RuleId::MasterAddrMismatch): a distributed trainer whose MASTER_ADDR cannot reach rank 0.

use super::span_within;
use crate::classify::Shape;
use crate::index::Index;
use crate::model::workload::containers;
use crate::model::{Typed, WorkloadKind};
use crate::rules::{About, Findings, Parts, Relation};
use crate::world::World;
use crate::yaml::{FieldPath, NodeId, Span};
use foldhash::{HashMap, HashSet};
use regex::Regex;
use std::sync::OnceLock;

fn master_arg() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"--master[_-]addr(?:=|\s+)([^\s;&|'`]+)").ok()).as_ref()
}

/// A literal address: not `$(VAR)`, `${VAR}`, `$VAR` or a template.
fn literal(v: &str) -> bool {
    !v.is_empty() && !v.contains('$') && !v.contains("{{")
}

fn is_ip(v: &str) -> bool {
    v.parse::<std::net::IpAddr>().is_ok()
}

/// The names a pod can resolve in each namespace of the run: Services, pod hostnames under a
/// Service subdomain, and the pod names StatefulSets and Jobs give their pods.
struct Names<'a> {
    services: HashSet<(&'a str, &'a str)>,
    namespaces_with_services: HashSet<&'a str>,
    hostnames: HashSet<(&'a str, &'a str)>,
    /// How many pods each StatefulSet and Job names `<name>-0`, `<name>-1`... (at most 64).
    pod_names: HashMap<(&'a str, &'a str), u32>,
    /// Bare Pods by name: a Pod's own name is no DNS name for its peers.
    bare_pods: HashSet<(&'a str, &'a str)>,
    /// Names operators give the pods of custom resources (`<job>-master-0`, a JobSet's
    /// `<jobset>-<job>-0-0.<jobset>`), by namespace.
    operator_hosts: Vec<(&'a str, Regex)>,
}

/// A pattern of `adds.hostnames` as a regex for one resource and role.
fn host_regex(pattern: &str, name: &str, role: &str) -> Option<Regex> {
    let mut re = String::from("^");
    let mut rest = pattern;
    while let Some(i) = rest.find('{') {
        re.push_str(&regex::escape(&rest[..i]));
        let Some(j) = rest[i..].find('}') else { break };
        re.push_str(
            match &rest[i + 1..i + j] {
                "name" => regex::escape(name),
                "role" => regex::escape(&role.to_ascii_lowercase()),
                "n" => "[0-9]+".to_string(),
                _ => ".*".to_string(),
            }
            .as_str(),
        );
        rest = &rest[i + j + 1..];
    }
    re.push_str(&regex::escape(rest));
    re.push_str(r"(\.|$)");
    Regex::new(&re).ok()
}

impl<'a> Names<'a> {
    /// Whether `addr` is `<name>-<i>`, the name of pod `i` of a StatefulSet or Job here.
    fn is_pod_name(&self, ns: &str, addr: &str) -> bool {
        let Some((name, i)) = addr.rsplit_once('-') else { return false };
        let Ok(n) = i.parse::<u32>() else { return false };
        // As the pod is named: no sign, no leading zero.
        i == n.to_string() && self.pod_names.get(&(ns, name)).is_some_and(|&pods| n < pods)
    }

    fn of(world: &World<'a>) -> Names<'a> {
        let mut services: HashSet<(&str, &str)> = HashSet::default();
        let mut namespaces_with_services: HashSet<&str> = HashSet::default();
        for f in world.facts() {
            if let (Some(_), Some(name)) = (&f.service, f.name()) {
                services.insert((f.namespace.as_str(), name));
                namespaces_with_services.insert(f.namespace.as_str());
            }
        }
        let mut hostnames: HashSet<(&str, &str)> = HashSet::default();
        let mut pod_names: HashMap<(&str, &str), u32> = HashMap::default();
        let mut bare_pods: HashSet<(&str, &str)> = HashSet::default();
        let mut operator_hosts = Vec::new();
        for f in world.facts() {
            let ns = f.namespace.as_str();
            for h in f.hosts() {
                if let Some(name) = f.name() {
                    for (pattern, role) in &h.operator {
                        if let Some(re) = host_regex(pattern, name, role) {
                            operator_hosts.push((ns, re));
                        }
                    }
                }
                if let Some((host, sub)) = &h.hostname {
                    if services.contains(&(ns, sub.as_str())) {
                        hostnames.insert((ns, host.as_str()));
                    }
                }
                if let (WorkloadKind::Pod, Some(name)) = (h.kind, f.name()) {
                    bare_pods.insert((ns, name));
                }
                if let (WorkloadKind::StatefulSet | WorkloadKind::Job, Some(name)) = (h.kind, f.name()) {
                    let n = u32::try_from(h.pods.unwrap_or(1).clamp(1, 64)).unwrap_or(1);
                    let most = pod_names.entry((ns, name)).or_insert(n);
                    *most = (*most).max(n);
                }
            }
        }
        Names { services, namespaces_with_services, hostnames, pod_names, bare_pods, operator_hosts }
    }
}

pub struct Rule;

/// What the judgement reads of the workload that sets MASTER_ADDR.
pub struct Workload0 {
    file: usize,
    about: About,
    namespace: String,
    /// Its own `metadata.namespace`.
    own_namespace: Option<String>,
    /// A bare Pod (which resolves its own name).
    pod: bool,
    /// A StatefulSet's `serviceName` and replica count.
    statefulset: Option<(Option<String>, i64)>,
    /// Its pods together (a custom resource's templates form one job).
    pods: Option<i64>,
    training: bool,
}

/// One MASTER_ADDR (env value or `--master_addr` argument) of a workload.
pub struct Subject {
    workload: std::sync::Arc<Workload0>,
    addr: String,
    span: Span,
    path: FieldPath,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        for (o, w, c) in ix.workloads() {
            // A workload that sets MASTER_ADDR without other evidence of distributed training
            // (`python train.py` reading it) is judged only where the name is certain not to
            // resolve: a bare Pod's name.
            let training = c.has(Shape::DistributedTraining);
            let sets_master =
                w.pod_spec.is_some_and(|p| containers(p).any(|(_, _, k)| k.env.iter().flatten().any(|e| e.name == "MASTER_ADDR")));
            // An export from a cluster is not a manifest to correct; it still names pods and
            // Services for the others (see `Object::export`).
            if (!training && !sets_master) || o.export {
                continue;
            }
            let Some(spec) = w.pod_spec else { continue };
            let y = ix.file(o);
            let mut shared: Option<std::sync::Arc<Workload0>> = None;
            for (_, idx, ctr) in containers(spec) {
                let base = w.container_path(idx);
                // MASTER_ADDR from env values, then --master_addr arguments.
                let mut found: Vec<(String, NodeId, FieldPath)> = Vec::new();
                for (i, e) in ctr.env.iter().flatten().enumerate() {
                    if e.name == "MASTER_ADDR" {
                        if let Some(v) = e.value.as_deref().filter(|v| literal(v)) {
                            let p = base.clone().key("env").index(i).key("value");
                            if let Some(n) = y.lookup(o.root, &p) {
                                found.push((v.to_string(), n, p));
                            }
                        }
                    }
                }
                if let Some(re) = master_arg() {
                    for (field, items) in [("command", ctr.command.as_ref()), ("args", ctr.args.as_ref())] {
                        for (i, item) in items.into_iter().flatten().enumerate() {
                            let value = if let Some(cap) = re.captures(item) {
                                cap.get(1).map(|m| m.as_str().trim_matches(['"', '\'']).to_string())
                            } else if item == "--master_addr" || item == "--master-addr" {
                                items.and_then(|all| all.get(i + 1)).cloned()
                            } else {
                                None
                            };
                            let Some(v) = value.filter(|v| literal(v)) else { continue };
                            let at = if item.contains(&v) { i } else { i + 1 };
                            let q = base.clone().key(field).index(at);
                            if let Some(n) = y.lookup(o.root, &q) {
                                found.push((v, n, q));
                            }
                        }
                    }
                }
                for (addr, node, path) in found {
                    let workload = shared
                        .get_or_insert_with(|| {
                            let statefulset = match &o.typed {
                                Some(Typed::StatefulSet(s)) => Some((s.spec.service_name.clone(), i64::from(s.spec.replicas.unwrap_or(1)))),
                                _ => None,
                            };
                            std::sync::Arc::new(Workload0 {
                                file: o.file,
                                about: About::of(o),
                                namespace: ix.namespace_of(o).to_string(),
                                own_namespace: o.namespace.clone(),
                                pod: matches!(o.typed, Some(Typed::Pod(_))),
                                statefulset,
                                pods: w.custom.and_then(|(c, _)| c.group_pods(y, o.root)).or(w.pod_count()),
                                training,
                            })
                        })
                        .clone();
                    out.push(Subject { workload, span: span_within(ix, o, node, &addr), addr, path });
                }
            }
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        if subjects.is_empty() {
            return;
        }
        let names = Names::of(world);
        for s in subjects {
            let w = &s.workload;
            let judged = if w.training { judge(w, &s.addr, &names) } else { bare_pod(w, &s.addr, &addr_labels(&s.addr), &names) };
            if let Some((message, help)) = judged {
                out.report(w.file, s.span, message).help(help).path(s.path.clone()).about(&w.about);
            }
        }
    }
}

/// Whether `addr` reaches rank 0 of workload `o`: a message and help when it cannot.
fn judge(w: &Workload0, addr: &str, names: &Names) -> Option<(String, String)> {
    let name = w.about.name();
    let kind = &w.about.object.kind;
    let ns = w.namespace.as_str();
    let pods = w.pods;
    if names.operator_hosts.iter().any(|(n, re)| *n == ns && re.is_match(addr)) {
        return None; // a name the operator gives a pod or its Service
    }
    let sts = w.statefulset.as_ref();
    let rank0 = match sts {
        Some((svc, _)) => format!("`{name}-0.{}`", svc.as_deref().unwrap_or("<serviceName>")),
        None => "the DNS name of rank 0's pod (a headless Service and pod hostname/subdomain, or a StatefulSet's `<name>-0.<service>`)"
            .to_string(),
    };
    if matches!(addr, "localhost" | "127.0.0.1" | "::1" | "0.0.0.0") {
        if pods.is_some_and(|p| p <= 1) {
            return None;
        }
        let count = pods.map(|p| format!("{p} pods")).unwrap_or_else(|| "one pod per node".into());
        return Some((
            format!("MASTER_ADDR is `{addr}` but {kind} `{name}` runs {count}: each pod rendezvouses with itself and the ranks never meet",),
            format!("point MASTER_ADDR at rank 0: {rank0}"),
        ));
    }
    if is_ip(addr) {
        return None; // a pinned IP is fragile, but it may be right
    }
    let labels = addr_labels(addr);
    if let (Some((svc, replicas)), true) = (sts, labels.len() >= 2) {
        let (svc, replicas) = (svc.as_deref().unwrap_or(""), *replicas);
        let (pod, service) = (labels[0], labels[1]);
        // Only names of the form <pod>.<service>[.<ns>[.svc[.cluster.local]]] are pod DNS names.
        let tail_ok = labels.len() <= 3 || labels[3] == "svc";
        if !tail_ok {
            return None;
        }
        if let Some(ordinal) = pod.strip_prefix(&format!("{name}-")).and_then(|n| n.parse::<i64>().ok()) {
            if ordinal >= replicas {
                return Some((
                    format!("MASTER_ADDR `{addr}` names pod ordinal {ordinal}, but StatefulSet `{name}` has {replicas} replicas (ordinals 0 to {})", replicas - 1),
                    format!("use rank 0: `{name}-0.{svc}`"),
                ));
            }
        } else {
            return Some((
                format!("MASTER_ADDR `{addr}` does not name a pod of StatefulSet `{name}`: its pods are `{name}-0`, `{name}-1`, ..."),
                format!("use rank 0: `{name}-0.{svc}`"),
            ));
        }
        if service != svc {
            return Some((
                format!("MASTER_ADDR `{addr}` uses Service `{service}`, but StatefulSet `{name}` is governed by `{svc}` (spec.serviceName): pod DNS names exist only under the governing Service"),
                format!("use `{name}-0.{svc}`"),
            ));
        }
        if let (Some(addr_ns), Some(obj_ns)) = (labels.get(2), w.own_namespace.as_deref()) {
            if *addr_ns != obj_ns {
                return Some((
                    format!("MASTER_ADDR `{addr}` is in namespace `{addr_ns}`, but StatefulSet `{name}` is in `{obj_ns}`"),
                    format!("use `{name}-0.{svc}.{obj_ns}`"),
                ));
            }
        }
        return None;
    }
    if let Some(found) = bare_pod(w, addr, &labels, names) {
        return Some(found);
    }
    if labels.len() == 1 {
        if names.services.contains(&(ns, addr)) || names.hostnames.contains(&(ns, addr)) {
            return None;
        }
        let is_pod_name = names.is_pod_name(ns, addr);
        if !is_pod_name && !names.namespaces_with_services.contains(ns) {
            return None; // the Services are not among the inputs: nothing to judge against
        }
        let why = if is_pod_name {
            "it is a pod name, and pod names alone are not DNS names"
        } else {
            "no Service or pod hostname of that name is among the inputs"
        };
        return Some((format!("MASTER_ADDR `{addr}` does not resolve: {why}; peers wait forever for rank 0"), format!("use {rank0}")));
    }
    None
}

/// MASTER_ADDR naming a bare Pod (`pytorch-master`, or `pytorch-master.<namespace>[.svc...]`):
/// no Service of that name is among the inputs, and a Pod's name is no DNS name. A Pod is
/// reachable by name only through a Service, or as `<hostname>.<subdomain>` under a headless
/// Service named by its subdomain.
fn bare_pod(w: &Workload0, addr: &str, labels: &[&str], names: &Names) -> Option<(String, String)> {
    let ns = w.namespace.as_str();
    let pod = *labels.first()?;
    // `<pod>` or `<pod>.<namespace>[.svc[.cluster.local]]`: the forms a Service name takes.
    let (pod_ns, tail_ok) = match labels.len() {
        1 => (ns, true),
        _ => (labels[1], labels.get(2).is_none_or(|l| *l == "svc")),
    };
    if !tail_ok || pod_ns != ns || !names.bare_pods.contains(&(ns, pod)) {
        return None;
    }
    if names.services.contains(&(ns, pod)) || (labels.len() == 1 && names.hostnames.contains(&(ns, pod))) {
        return None;
    }
    // The Pod itself finds its own name in /etc/hosts; only its peers cannot.
    if w.pod && w.about.object.name.as_deref() == Some(pod) {
        return None;
    }
    let name = w.about.name();
    let kind = &w.about.object.kind;
    Some((
        format!(
            "MASTER_ADDR `{addr}` names the bare Pod `{pod}`, but a Pod's name is no DNS name and no Service `{pod}` is among the inputs: {kind} `{name}` cannot resolve rank 0 and the rendezvous never starts",
        ),
        format!(
            "give rank 0 a DNS name: a headless Service `{pod}` (clusterIP: None) selecting the Pod, or set the Pod's `hostname` and `subdomain` with a headless Service named by the subdomain and use `<hostname>.<subdomain>`; or run every rank in one Indexed Job with a headless Service as its pods' subdomain and use `<job>-0.<subdomain>`"
        ),
    ))
}

/// The DNS labels of an address (`a.b.svc.` -> `a`, `b`, `svc`).
fn addr_labels(addr: &str) -> Vec<&str> {
    addr.trim_end_matches('.').split('.').collect()
}

#[cfg(test)]
mod tests {
    use super::Names;
    use foldhash::HashSet;

    #[test]
    fn pod_names_are_the_ordinals_a_controller_gives() {
        let names = Names {
            services: HashSet::default(),
            namespaces_with_services: HashSet::default(),
            hostnames: HashSet::default(),
            pod_names: [(("ml", "trainer"), 2), (("ml", "trainer-1"), 1)].into_iter().collect(),
            bare_pods: HashSet::default(),
            operator_hosts: Vec::new(),
        };
        assert!(names.is_pod_name("ml", "trainer-0") && names.is_pod_name("ml", "trainer-1"));
        // `trainer-1`'s own pod, not pod 10 of `trainer`.
        assert!(names.is_pod_name("ml", "trainer-1-0"));
        for not in ["trainer-2", "trainer-01", "trainer-+1", "trainer-", "trainer", "trainer-1-1", "other-0"] {
            assert!(!names.is_pod_name("ml", not), "{not}");
        }
        assert!(!names.is_pod_name("default", "trainer-0"), "another namespace");
    }
}
