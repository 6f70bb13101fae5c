//! [`UniversalToleration`](crate::rules::RuleId::UniversalToleration): a toleration that tolerates every taint, outside node agents.

use crate::classify::Shape;
use crate::index::Index;
use crate::model::WorkloadKind;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        // A DaemonSet runs one pod per node by design (installers, agents): tolerating every
        // taint is how such pods are written. So is a static pod (kube-system, host network).
        if c.has(Shape::NodeAgent) || w.kind == WorkloadKind::DaemonSet {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        if w.kind == WorkloadKind::Pod && ix.namespace_of(o) == "kube-system" && spec.host_network == Some(true) {
            continue;
        }
        let y = ix.file(o);
        for (i, t) in spec.tolerations.iter().flatten().enumerate() {
            if t.key.as_deref().is_some_and(|k| !k.is_empty()) || t.operator.as_deref() != Some("Exists") {
                continue;
            }
            let path = w.pod_spec_path().join(&path!["tolerations", i, "operator"]);
            let Some(node) = y.lookup(o.root, &path) else { continue };
            let effect = t.effect.as_deref().filter(|e| !e.is_empty()).map(|e| format!(" {e}")).unwrap_or_default();
            out.report(o.file,
                    y.span(node),
                    format!(
                        "{} `{}` tolerates every{effect} taint (a toleration with no key and `operator: Exists`): its pods may land on control-plane nodes, dedicated pools and nodes being drained",
                        o.kind,
                        o.name.as_deref().unwrap_or("")
                    ),
                )
                .help("tolerate only the taints you mean, by key (e.g. `{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}`); a universal toleration is for node agents that must run everywhere")
                .path(path)
                .object(o);
        }
    }
}
