//! [`DaemonsetReplicas`](crate::rules::RuleId::DaemonsetReplicas): `replicas` under a DaemonSet spec.

use crate::fix::Fix;
use crate::index::Index;
use crate::model::Typed;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        if !matches!(o.typed, Some(Typed::DaemonSet(_))) {
            continue;
        }
        let y = ix.file(o);
        let Some(key) = y.lookup_key(o.root, &path!["spec", "replicas"]) else {
            continue;
        };
        let value_node = y.lookup(o.root, &path!["spec", "replicas"]);
        let value = value_node.and_then(|v| y.scalar(v)).unwrap_or("");
        let fix = y.lookup(o.root, &path!["spec"]).zip(value_node).and_then(|(spec, v)| {
            let edit = ix.editor(o).remove_entry(spec, key, v)?;
            Some(Fix { description: format!("remove `replicas: {value}`"), edits: vec![edit] })
        });
        out.report(o.file,
                y.span(key),
                format!("a DaemonSet has no `replicas` (found `replicas: {value}`): it runs one pod on every eligible node"),
            )
            .help("remove `replicas`; to change where the pods run, use a nodeSelector, node affinity or tolerations. If you need a fixed number of pods, use a Deployment (or a StatefulSet for members with identity)")
            .path(path!["spec", "replicas"])
            .object(o)
            .fix(fix);
    }
}
