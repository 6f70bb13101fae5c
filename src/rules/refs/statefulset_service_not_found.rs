//! [`StatefulsetServiceNotFound`](crate::rules::RuleId::StatefulsetServiceNotFound): the governing Service is not among the inputs.

use super::{governed, Governed, Identity};
use crate::fix::scalar;
use crate::fix::Fix;
use crate::index::Index;
use crate::model::selector;
use crate::path;
use crate::rules::{Findings, Parts, Relation};
use crate::world::World;
use k8s_openapi::api::apps::v1::StatefulSet;
use std::collections::BTreeMap;

pub struct Rule;

/// A StatefulSet that names a governing Service its pods need, with the finding prepared.
pub struct Subject {
    set: Governed,
    /// Whether (and why) its pods need their DNS names: asked only when the Service is missing.
    identity: Identity,
    manifest: String,
    consistent: bool,
    fix: Option<Fix>,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        // A Service of the same file is among the inputs whatever the other files hold: the
        // StatefulSets it governs need no subject (most keep their Service beside them).
        let mut here: Option<foldhash::HashSet<(&str, &str)>> = None;
        for (set, o, w, c, s) in governed(ix) {
            let here = here.get_or_insert_with(|| {
                ix.objects
                    .iter()
                    .filter(|x| matches!(x.typed, Some(crate::model::Typed::Service(_))))
                    .filter_map(|x| Some((ix.namespace_of(x), x.name.as_deref()?)))
                    .collect()
            });
            if here.contains(&(set.namespace.as_str(), set.service.as_str())) {
                continue;
            }
            let Some(identity) = Identity::of(o, &w, s, c) else { continue };
            let svc = set.service.as_str();
            let template_labels = s.spec.template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
            let labels = s.spec.selector.match_labels.clone().filter(|m| !m.is_empty()).unwrap_or_else(|| template_labels.clone());
            let manifest = headless_service(svc, o.namespace.as_deref(), &labels, s);
            // While the selector does not select the template
            // ([`SelectorTemplateMismatch`](crate::rules::RuleId::SelectorTemplateMismatch)), which of
            // the two labels the pods should carry is the author's call: a Service for either is a
            // guess, and one for the selector's would select no pod.
            let consistent = selector::check(&s.spec.selector, &template_labels, &|_| false).is_ok();
            let fix = (!labels.is_empty() && consistent).then(|| ix.editor(o).append_document(&manifest)).flatten().map(|edit| Fix {
                description: format!("add a headless Service `{svc}` selecting the StatefulSet's pods"),
                edits: vec![edit],
            });
            out.push(Subject { set, identity, manifest, consistent, fix });
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        let svcs = world.services();
        for s in subjects {
            let (ns, svc) = (s.set.namespace.as_str(), s.set.service.as_str());
            if svcs.contains_key(&(ns, svc)) {
                continue;
            }
            // A Service defined elsewhere is likely; its absence matters when the pods need their DNS names.
            let Some(need) = s.identity.need() else { continue };
            out.report(s.set.file,
                    s.set.span,
                    format!("StatefulSet `{}` names governing Service `{svc}`, and {}, but no Service `{svc}` is in namespace `{ns}` among the inputs: without it the per-pod DNS names do not resolve and the members cannot reach each other", s.set.about.name(), need),
                )
                .help(if s.consistent {
                    format!("add a headless Service (or pass the file that defines it with `--context`):\n---\n{}", s.manifest)
                } else {
                    format!(
                        "make the selector select the pod template first ({}); then add a headless Service (or pass the file that defines it with `--context`):\n---\n{}",
                        crate::rules::RuleId::SelectorTemplateMismatch, s.manifest
                    )
                })
                .path(path!["spec", "serviceName"])
                .about(&s.set.about)
                .fix(s.fix.clone());
        }
    }
}

/// The governing Service a StatefulSet needs: headless, selecting its pods, with its ports.
fn headless_service(name: &str, namespace: Option<&str>, labels: &BTreeMap<String, String>, s: &StatefulSet) -> String {
    let mut m = format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {}\n", scalar(name));
    if let Some(n) = namespace {
        m.push_str(&format!("  namespace: {}\n", scalar(n)));
    }
    m.push_str("spec:\n  clusterIP: None\n  selector:\n");
    for (k, v) in labels {
        m.push_str(&format!("    {}: {}\n", scalar(k), scalar(v)));
    }
    // Only ports that are valid as Service ports (an invalid one is reported on the container).
    let valid_name = |n: &str| {
        n.len() <= 15
            && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && n.bytes().any(|b| b.is_ascii_lowercase())
            && !n.starts_with('-')
            && !n.ends_with('-')
            && !n.contains("--")
    };
    let ports: Vec<_> = s
        .spec
        .template
        .spec
        .iter()
        .flat_map(|p| p.containers.iter())
        .flat_map(|c| c.ports.iter().flatten())
        .filter(|p| (1..=65535).contains(&p.container_port) && p.name.as_deref().is_none_or(valid_name))
        .collect();
    // Several ports must all be named, uniquely; a headless Service may also have none.
    let mut names: Vec<&str> = ports.iter().filter_map(|p| p.name.as_deref()).collect();
    let mut numbers: Vec<(i32, &str)> = ports.iter().map(|p| (p.container_port, p.protocol.as_deref().unwrap_or("TCP"))).collect();
    names.sort_unstable();
    names.dedup();
    numbers.sort_unstable();
    numbers.dedup();
    let usable = ports.len() == 1 || (names.len() == ports.len() && numbers.len() == ports.len());
    if usable && !ports.is_empty() {
        m.push_str("  ports:\n");
        for p in ports {
            let mut first = true;
            let mut field = |k: &str, v: String| {
                m.push_str(if first { "    - " } else { "      " });
                m.push_str(&format!("{k}: {v}\n"));
                first = false;
            };
            if let Some(n) = p.name.as_deref().filter(|n| !n.is_empty()) {
                field("name", scalar(n));
            }
            field("port", p.container_port.to_string());
            if let Some(proto) = p.protocol.as_deref().filter(|x| *x != "TCP" && !x.is_empty()) {
                field("protocol", scalar(proto));
            }
        }
    }
    m
}
