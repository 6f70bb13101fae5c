//! [`StatefulsetServiceNameMissing`](crate::rules::RuleId::StatefulsetServiceNameMissing): a StatefulSet whose pods need
//! stable DNS names but that names no governing Service.

use super::identity_need;
use crate::index::Index;
use crate::model::Typed;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        let Some(Typed::StatefulSet(s)) = &o.typed else { continue };
        if s.spec.service_name.as_deref().is_some_and(|n| !n.is_empty()) {
            continue;
        }
        // `serviceName` is optional: only pods that need their DNS names need the Service.
        let Some(need) = identity_need(o, &w, s, c) else { continue };
        let y = ix.file(o);
        let Some(key) = y.lookup_key(o.root, &path!["spec"]) else { continue };
        let name = o.name.as_deref().unwrap_or("");
        out.report(o.file,
                y.span(key),
                format!("StatefulSet `{name}` has no `serviceName`, but {need}: per-pod DNS names (`{name}-0.<service>`) exist only under a headless governing Service, so without it those names do not resolve and the members cannot reach each other"),
            )
            .help(format!("set `spec.serviceName` to a headless Service (clusterIP: None) that selects the pods, e.g. `serviceName: {name}`"))
            .path(path!["spec", "serviceName"])
            .object(o);
    }
}
