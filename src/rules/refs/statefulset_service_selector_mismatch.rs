//! [`StatefulsetServiceSelectorMismatch`](crate::rules::RuleId::StatefulsetServiceSelectorMismatch): the governing Service does not select the pods.

use super::{governed, Governed};
use crate::index::Index;
use crate::model::selector::check_map;
use crate::model::workload::PodLabeler;
use crate::path;
use crate::rules::{Findings, Parts, Relation};
use crate::world::World;

pub struct Rule;

/// A StatefulSet that names a governing Service, with how its pods are labelled.
pub struct Subject {
    set: Governed,
    pods: PodLabeler,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        out.extend(governed(ix).map(|(set, _, w, _, _)| Subject { set, pods: w.labeler() }));
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        let svcs = world.services();
        for Subject { set: s, pods } in subjects {
            let name = s.service.as_str();
            let Some(so) = svcs.get(&(s.namespace.as_str(), name)) else { continue };
            let Some(sel) = so.service.as_ref().filter(|_| so.resolvable).and_then(|svc| svc.selector.as_ref()) else { continue };
            let sel = sel.to_labels();
            let labels = pods.labels(&sel);
            let Err(miss) = check_map(&sel, &labels, &|_| false) else { continue };
            let span = so.service.as_ref().map(|svc| svc.selector_span).unwrap_or(so.kind_span);
            out.report(s.file,
                    s.span,
                    format!("governing Service `{name}` does not select the pods of StatefulSet `{}` ({}): the pods run, but their DNS names never resolve", s.about.name(), miss.reason),
                )
                .help(format!("make the Service's selector match the pod template's labels (`{}`)", miss.key))
                .path(path!["spec", "serviceName"])
                .about(&s.about)
                .related(so.file, span, format!("the selector of Service `{name}`"));
        }
    }
}
