//! [`SelectorTemplateMismatch`](crate::rules::RuleId::SelectorTemplateMismatch): a controller's selector does not select its own pod template.

use crate::index::Index;
use crate::model::selector;
use crate::model::{Typed, WorkloadKind};
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, _) in ix.workloads() {
        let applies = match w.kind {
            WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet | WorkloadKind::ReplicaSet => true,
            WorkloadKind::Job => matches!(&o.typed, Some(Typed::Job(j)) if j.spec.as_ref().and_then(|s| s.manual_selector) == Some(true)),
            _ => false,
        };
        let Some(sel) = w.selector.filter(|s| applies && !selector::is_empty(s)) else { continue };
        let y = ix.file(o);
        let tp = w.template_path();
        // No template at all is [`MissingRequiredField`](crate::rules::RuleId::MissingRequiredField)'s finding.
        if y.lookup(o.root, &tp).is_none_or(|n| y.is_null(n)) {
            continue;
        }
        static NONE: crate::model::selector::Labels = crate::model::selector::Labels::new();
        let labels = w.pod_meta.and_then(|m| m.labels.as_ref()).unwrap_or(&NONE);
        let Err(miss) = selector::check(sel, labels, &|_| false) else { continue };
        let Some(key) = y.lookup_key(o.root, &path!["spec", "selector"]) else { continue };
        let related_path = tp.join(&path!["metadata", "labels"]);
        let related = y.lookup_key(o.root, &related_path).or_else(|| y.lookup_key(o.root, &tp));
        let d = out.report(o.file,
            y.span(key),
            format!("the selector of {} `{}` does not select its own pod template: {}", o.kind, o.name.as_deref().unwrap_or(""), miss.reason),
        )
        .help(format!("make `spec.template.metadata.labels` carry every label of `spec.selector` (here `{}`); the API server rejects the object otherwise, and the selector cannot be changed after creation", miss.key))
        .path(path!["spec", "selector"])
        .object(o);
        if let Some(r) = related {
            d.related(o.file, y.span(r), "the pod template's labels");
        }
    }
}
