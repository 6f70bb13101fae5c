//! [`StatefulsetServiceNameMissing`](crate::rules::RuleId::StatefulsetServiceNameMissing): a StatefulSet without a governing Service.

use crate::index::Index;
use crate::model::Typed;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        let Some(Typed::StatefulSet(s)) = &o.typed else { continue };
        if s.spec.service_name.as_deref().is_some_and(|n| !n.is_empty()) {
            continue;
        }
        let y = ix.file(o);
        let Some(key) = y.lookup_key(o.root, &path!["spec"]) else { continue };
        let name = o.name.as_deref().unwrap_or("");
        out.report(o.file,
                y.span(key),
                format!("StatefulSet `{name}` has no `serviceName`: without a governing Service its pods get no stable DNS names (`{name}-0.<service>`), which is the reason to use a StatefulSet"),
            )
            .help(format!("set `spec.serviceName` to a headless Service (clusterIP: None) that selects the pods, e.g. `serviceName: {name}`"))
            .path(path!["spec", "serviceName"])
            .object(o);
    }
}
