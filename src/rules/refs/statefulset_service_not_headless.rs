//! [`StatefulsetServiceNotHeadless`](crate::rules::RuleId::StatefulsetServiceNotHeadless): the governing Service has a cluster IP.

use super::{identity_need, resolvable, services};
use crate::index::Index;
use crate::model::Typed;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    let svcs = services(ix);
    for (o, w, c) in ix.workloads() {
        let Some(Typed::StatefulSet(s)) = &o.typed else { continue };
        let Some(name) = s.spec.service_name.as_deref().filter(|n| !n.is_empty()) else { continue };
        let Some((so, svc)) = svcs.get(&(ix.namespace_of(o), name)) else { continue };
        if !resolvable(ix, o) || !resolvable(ix, so) {
            continue;
        }
        let spec = svc.spec.as_ref();
        if spec.and_then(|s| s.cluster_ip.as_deref()) == Some("None") || spec.and_then(|s| s.type_.as_deref()) == Some("ExternalName") {
            continue;
        }
        // A ClusterIP Service as `serviceName` is harmless when no one uses the pods' DNS names.
        let Some(need) = identity_need(o, &w, s, c) else { continue };
        let y = ix.file(o);
        let Some(node) = y.lookup(o.root, &path!["spec", "serviceName"]) else { continue };
        let sy = ix.file(so);
        let rel = sy
            .lookup(so.root, &path!["spec", "clusterIP"])
            .or_else(|| sy.lookup_key(so.root, &path!["spec"]))
            .map(|n| sy.span(n))
            .unwrap_or_else(|| sy.span(so.root));
        out.report(o.file,
                y.span(node),
                format!("governing Service `{name}` of StatefulSet `{}` is not headless, but {need}: only a headless Service (clusterIP: None) creates the per-pod DNS records (`{}-0.{name}`), so those names do not resolve and the members cannot reach each other", o.name.as_deref().unwrap_or(""), o.name.as_deref().unwrap_or("")),
            )
            .help(format!("set `clusterIP: None` on Service `{name}` (the cluster IP cannot be changed in place: delete and recreate it), or add a separate headless Service and name it in `serviceName`; keep the ClusterIP Service for clients"))
            .path(path!["spec", "serviceName"])
            .object(o)
            .related(so.file, rel, format!("Service `{name}` has a cluster IP"));
    }
}
