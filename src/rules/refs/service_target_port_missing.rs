//! [`ServiceTargetPortMissing`](crate::rules::RuleId::ServiceTargetPortMissing): a Service port that no selected container listens on.

use super::{selecting_services, SelectingService};
use crate::index::Index;
use crate::model::selector::Pairs;
use crate::path;
use crate::rules::{Findings, Parts, Relation};
use crate::world::World;
use crate::yaml::Span;
use foldhash::HashMap;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Declared ports a message lists.
const LISTED: usize = 16;

/// The ports the containers of a selector's pods declare, and the numbers their command lines
/// and environment mention (`--metrics-bind-address=:8443`, `PORT=9000`): each sorted, each
/// value once (vectors: a run keeps one per selector, and B-tree sets allocate a node each).
struct Ports<'a> {
    names: Vec<&'a str>,
    numbers: Vec<i32>,
    mentioned: Vec<i32>,
}

impl<'a> Ports<'a> {
    /// None when the selector selects no pod, a custom workload (its containers are unknown),
    /// or only containers that declare no ports.
    fn of(ns: &crate::world::pods::Namespace<'a>, sel: &Pairs) -> Option<Ports<'a>> {
        let mut ports = Ports { names: Vec::new(), numbers: Vec::new(), mentioned: Vec::new() };
        let mut selected = false;
        for c in ns.selected(sel) {
            selected = true;
            let p = c.pod.ports.as_ref()?;
            ports.names.extend(p.names.iter().map(|n| n.as_ref()));
            ports.numbers.extend(&p.numbers);
            ports.mentioned.extend(&p.mentioned);
        }
        if !selected || ports.numbers.is_empty() {
            return None;
        }
        for v in [&mut ports.numbers, &mut ports.mentioned] {
            v.sort_unstable();
            v.dedup();
        }
        ports.names.sort_unstable();
        ports.names.dedup();
        Some(ports)
    }

    fn declares_name(&self, name: &str) -> bool {
        self.names.binary_search(&name).is_ok()
    }

    fn declares_number(&self, n: i32) -> bool {
        self.numbers.binary_search(&n).is_ok()
    }

    fn mentions(&self, n: i32) -> bool {
        self.mentioned.binary_search(&n).is_ok()
    }
}

/// Where a Service port sends traffic.
enum Target {
    Named(Box<str>),
    /// A number, and how the manifest writes it when as a string.
    Number(i32, Option<Box<str>>),
}

/// A Service port as the rule judges it: its target, and where it is written (port `index`,
/// its `targetPort` or, without one, its `port`).
struct Port {
    target: Target,
    index: usize,
    field: &'static str,
    span: Span,
}

impl Port {
    /// How a message names the target.
    fn shown(&self) -> String {
        match &self.target {
            Target::Named(name) => format!("named port `{name}`"),
            Target::Number(_, Some(text)) => format!("port {text}"),
            Target::Number(n, None) => format!("port {n}"),
        }
    }
}

pub struct Rule;

/// A Service that selects pods, with its ports.
pub struct Subject {
    service: SelectingService,
    ports: Vec<Port>,
}

impl Relation for Rule {
    type Subject = Subject;
    const POD_INDEX: bool = true;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        for (service, o, spec) in selecting_services(ix) {
            let y = ix.file(o);
            let mut ports = Vec::new();
            for (i, port) in spec.ports.iter().flatten().enumerate() {
                let (target, field) = match &port.target_port {
                    Some(IntOrString::String(name)) if name.parse::<i32>().is_err() => (Target::Named(name.as_str().into()), "targetPort"),
                    Some(IntOrString::String(n)) => (Target::Number(n.parse().unwrap_or(0), Some(n.as_str().into())), "targetPort"),
                    Some(IntOrString::Int(n)) => (Target::Number(*n, None), "targetPort"),
                    None => (Target::Number(port.port, None), "port"),
                };
                let path = path!["spec", "ports", i, field];
                let Some(node) = y.lookup(o.root, &path) else { continue };
                // A placeholder, or a name that is not a valid port name, is not ours to resolve.
                let text = y.scalar(node).unwrap_or("");
                if crate::yaml::is_placeholder(text) || text.chars().any(|c| c.is_ascii_uppercase()) {
                    continue;
                }
                ports.push(Port { target, index: i, field, span: y.span(node) });
            }
            ports.shrink_to_fit();
            if !ports.is_empty() {
                out.push(Subject { service, ports });
            }
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        if subjects.is_empty() {
            return;
        }
        let spaces = world.pods();
        // Sized first: grown Service by Service, it was rehashed a dozen times at 50,000 files.
        let mut memo: HashMap<(&str, &Pairs), Option<Ports>> = HashMap::with_capacity_and_hasher(subjects.len(), Default::default());
        for Subject { service: s, ports: service_ports } in subjects {
            let Some(ns) = spaces.get(s.namespace.as_str()) else { continue };
            if ns.kustomize {
                continue;
            }
            // Containers of the selected pods, gathered once per selector (Services that share
            // one, a Service per port or per tenant, do not walk the pods again).
            let Some(ports) = memo.entry((s.namespace.as_str(), &s.selector)).or_insert_with(|| Ports::of(ns, &s.selector)) else {
                continue;
            };
            let (names, numbers) = (&ports.names, &ports.numbers);
            // `containerPort` is informational: a process may listen on a port it does not declare.
            // A number is judged only where the declarations look complete: one port declared, and
            // no argument or environment value of the containers names the number.
            let number_missing = |n: i32| !ports.declares_number(n) && numbers.len() == 1 && !ports.mentions(n);
            for port in service_ports {
                let missing = match &port.target {
                    Target::Named(name) => !ports.declares_name(name),
                    Target::Number(n, _) => number_missing(*n),
                };
                if !missing {
                    continue;
                }
                let mut listed: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
                listed.extend(names.iter().map(|n| format!("`{n}`")));
                listed.sort();
                let more = listed.len().saturating_sub(LISTED);
                listed.truncate(LISTED);
                let mut listed = listed.join(", ");
                if more > 0 {
                    listed.push_str(&format!(" and {} more", super::thousands(more)));
                }
                out.report(s.file,
                        port.span,
                        format!("Service `{}` sends traffic to {}, which no container of the selected pods declares (they declare {listed})", s.about.name(), port.shown()),
                    )
                    .help("point targetPort at a containerPort (by number, or by the port's name) of the selected containers; connections to an undeclared port usually fail")
                    .path(path!["spec", "ports", port.index, port.field])
                    .about(&s.about);
            }
        }
    }
}
