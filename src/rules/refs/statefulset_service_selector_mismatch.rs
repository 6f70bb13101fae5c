//! [`StatefulsetServiceSelectorMismatch`](crate::rules::RuleId::StatefulsetServiceSelectorMismatch): the governing Service does not select the pods.

use super::{resolvable, services};
use crate::index::Index;
use crate::model::selector::{check_map, Labels};
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    let svcs = services(ix);
    for (o, w, _) in ix.workloads() {
        let Some(crate::model::Typed::StatefulSet(s)) = &o.typed else { continue };
        let Some(name) = s.spec.service_name.as_deref().filter(|n| !n.is_empty()) else { continue };
        let Some((so, svc)) = svcs.get(&(ix.namespace_of(o), name)) else { continue };
        if !resolvable(ix, o) || !resolvable(ix, so) {
            continue;
        }
        let Some(sel) = svc.spec.as_ref().and_then(|s| s.selector.as_ref()).filter(|s| !s.is_empty()) else { continue };
        let sel: Labels = sel.clone();
        let labels = w.pod_labels(&sel);
        let Err(miss) = check_map(&sel, &labels, &|_| false) else { continue };
        let y = ix.file(o);
        let Some(node) = y.lookup(o.root, &path!["spec", "serviceName"]) else { continue };
        let sy = ix.file(so);
        let rel = sy.lookup_key(so.root, &path!["spec", "selector"]).map(|n| sy.span(n)).unwrap_or_else(|| sy.span(so.root));
        out.report(o.file,
                y.span(node),
                format!("governing Service `{name}` does not select the pods of StatefulSet `{}` ({}): the pods run, but their DNS names never resolve", o.name.as_deref().unwrap_or(""), miss.reason),
            )
            .help(format!("make the Service's selector match the pod template's labels (`{}`)", miss.key))
            .path(path!["spec", "serviceName"])
            .object(o)
            .related(so.file, rel, format!("the selector of Service `{name}`"));
    }
}
