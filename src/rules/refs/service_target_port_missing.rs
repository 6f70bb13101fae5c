//! [`ServiceTargetPortMissing`](crate::rules::RuleId::ServiceTargetPortMissing): a Service port that no selected container listens on.

use super::resolvable;
use super::service_selects_nothing::namespaces;
use crate::index::Index;
use crate::model::selector::Labels;
use crate::model::Typed;
use crate::path;
use crate::rules::Findings;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::{BTreeSet, HashMap};

/// Declared ports a message lists.
const LISTED: usize = 16;

/// The ports the containers of a selector's pods declare, and the numbers their command lines
/// and environment mention (`--metrics-bind-address=:8443`, `PORT=9000`).
struct Ports<'a> {
    names: BTreeSet<&'a str>,
    numbers: BTreeSet<i32>,
    mentioned: BTreeSet<i32>,
}

/// Every run of digits in `text` that is a port number.
fn numbers_in(text: &str, out: &mut BTreeSet<i32>) {
    for run in text.split(|c: char| !c.is_ascii_digit()).filter(|r| !r.is_empty() && r.len() <= 5) {
        if let Ok(n) = run.parse::<i32>() {
            if (1..=65535).contains(&n) {
                out.insert(n);
            }
        }
    }
}

impl<'a> Ports<'a> {
    /// None when the selector selects no pod, a custom workload (its containers are unknown),
    /// or only containers that declare no ports.
    fn of(ns: &super::service_selects_nothing::Namespace<'a>, sel: &Labels) -> Option<Ports<'a>> {
        let mut ports = Ports { names: BTreeSet::new(), numbers: BTreeSet::new(), mentioned: BTreeSet::new() };
        let mut selected = false;
        for c in ns.selected(sel) {
            selected = true;
            let spec = c.workload.as_ref().and_then(|w| w.pod_spec)?;
            for ctr in spec.containers.iter().chain(spec.init_containers.iter().flatten()) {
                for text in ctr.command.iter().chain(ctr.args.iter()).flatten() {
                    numbers_in(text, &mut ports.mentioned);
                }
                for e in ctr.env.iter().flatten() {
                    numbers_in(e.value.as_deref().unwrap_or(""), &mut ports.mentioned);
                }
                // Port 0 stands for a value that did not type (a placeholder): not a real port.
                for p in ctr.ports.iter().flatten().filter(|p| p.container_port != 0) {
                    ports.numbers.insert(p.container_port);
                    if let Some(n) = &p.name {
                        ports.names.insert(n);
                    }
                }
            }
        }
        (selected && !ports.numbers.is_empty()).then_some(ports)
    }
}

pub fn check(ix: &Index, out: &mut Findings) {
    let spaces = namespaces(ix);
    let mut memo: HashMap<(&str, &Labels), Option<Ports>> = HashMap::new();
    for o in &ix.objects {
        let Some(Typed::Service(svc)) = &o.typed else { continue };
        let Some(spec) = &svc.spec else { continue };
        let Some(sel) = spec.selector.as_ref().filter(|s| !s.is_empty()) else { continue };
        if !resolvable(ix, o) {
            continue;
        }
        let Some(ns) = spaces.get(ix.namespace_of(o)) else { continue };
        if ns.kustomize {
            continue;
        }
        // Containers of the selected pods, gathered once per selector (Services that share
        // one, a Service per port or per tenant, do not walk the pods again).
        let Some(ports) = memo.entry((ix.namespace_of(o), sel)).or_insert_with(|| Ports::of(ns, sel)) else { continue };
        let (names, numbers) = (&ports.names, &ports.numbers);
        // `containerPort` is informational: a process may listen on a port it does not declare.
        // A number is judged only where the declarations look complete: one port declared, and
        // no argument or environment value of the containers names the number.
        let number_missing = |n: i32| !numbers.contains(&n) && numbers.len() == 1 && !ports.mentioned.contains(&n);
        let y = ix.file(o);
        for (i, port) in spec.ports.iter().flatten().enumerate() {
            let (missing, field, shown) = match &port.target_port {
                Some(IntOrString::String(name)) if name.parse::<i32>().is_err() => {
                    (!names.contains(name.as_str()), "targetPort", format!("named port `{name}`"))
                }
                Some(IntOrString::String(n)) => (number_missing(n.parse().unwrap_or(0)), "targetPort", format!("port {n}")),
                Some(IntOrString::Int(n)) => (number_missing(*n), "targetPort", format!("port {n}")),
                None => (number_missing(port.port), "port", format!("port {}", port.port)),
            };
            if !missing {
                continue;
            }
            let path = path!["spec", "ports", i, field];
            let Some(node) = y.lookup(o.root, &path) else { continue };
            // A placeholder, or a name that is not a valid port name, is not ours to resolve.
            let text = y.scalar(node).unwrap_or("");
            if crate::yaml::is_placeholder(text) || text.chars().any(|c| c.is_ascii_uppercase()) {
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
            out.report(o.file,
                    y.span(node),
                    format!("Service `{}` sends traffic to {shown}, which no container of the selected pods declares (they declare {listed})", o.name.as_deref().unwrap_or("")),
                )
                .help("point targetPort at a containerPort (by number, or by the port's name) of the selected containers; connections to an undeclared port usually fail")
                .path(path)
                .object(o);
        }
    }
}
