//! [`TaintNotTolerated`](crate::rules::RuleId::TaintNotTolerated): a DaemonSet that selected nodes repel by a taint.

use super::tolerations_or_spec;
use crate::index::Index;
use crate::model::scheduling::{selects, show_taint, untolerated_with};
use crate::model::WorkloadKind;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    let Some(nodes) = &ix.nodes else { return };
    for (o, w, _) in ix.workloads() {
        if w.kind != WorkloadKind::DaemonSet {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        let selected: Vec<_> = nodes.iter().filter(|n| selects(spec, n)).collect();
        let repelled: Vec<(String, Vec<String>)> = selected
            .iter()
            .filter_map(|n| {
                let t = untolerated_with(spec, n, true, ix.settings.extended_resource_toleration);
                (!t.is_empty()).then(|| (n.name.clone(), t.iter().map(|t| show_taint(t)).collect()))
            })
            .collect();
        if repelled.is_empty() {
            continue;
        }
        let y = ix.file(o);
        let Some((span, path)) = tolerations_or_spec(y, o.root, &w) else { continue };
        let mut taints: Vec<String> = repelled.iter().flat_map(|(_, t)| t.clone()).collect();
        taints.sort();
        taints.dedup();
        let names: Vec<String> = repelled.iter().take(8).map(|(n, t)| format!("{n} ({})", t.join(", "))).collect();
        let more = if repelled.len() > 8 { format!(" and {} more", repelled.len() - 8) } else { String::new() };
        out.report(o.file,
                span,
                format!(
                    "DaemonSet `{}` selects {} nodes but {} of them repel it by a taint it does not tolerate: {}{more}",
                    o.name.as_deref().unwrap_or(""),
                    selected.len(),
                    repelled.len(),
                    names.join(", ")
                ),
            )
            .help(format!("add tolerations for {}, e.g. `{{key: <key>, operator: Exists, effect: <effect>}}`, or exclude those nodes with the nodeSelector", taints.join(", ")))
            .path(path)
            .object(o);
    }
}
