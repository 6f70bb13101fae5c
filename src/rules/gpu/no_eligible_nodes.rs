//! [`NoEligibleNodes`](crate::rules::RuleId::NoEligibleNodes): a workload whose node selector and affinity match no node of the inventory.

use crate::index::Index;
use crate::model::scheduling::selects;
use crate::rules::Findings;
use std::collections::BTreeSet;

pub fn check(ix: &Index, out: &mut Findings) {
    let Some(nodes) = &ix.nodes else { return };
    for (o, w, _) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        let has_affinity = spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.as_ref())
            .and_then(|n| n.required_during_scheduling_ignored_during_execution.as_ref())
            .is_some();
        let has_selector = spec.node_selector.as_ref().is_some_and(|s| !s.is_empty());
        if !(has_selector || has_affinity) || nodes.iter().any(|n| selects(spec, n)) {
            continue;
        }
        // Which values of the wanted labels the nodes do carry.
        let mut wanted: Vec<(String, String)> = spec.node_selector.iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect();
        for t in spec
            .affinity
            .iter()
            .filter_map(|a| a.node_affinity.as_ref())
            .filter_map(|n| n.required_during_scheduling_ignored_during_execution.as_ref())
            .flat_map(|r| &r.node_selector_terms)
        {
            for e in t.match_expressions.iter().flatten() {
                wanted.push((e.key.clone(), format!("{} {}", e.operator, e.values.as_deref().unwrap_or(&[]).join(","))));
            }
        }
        let mut hints = Vec::new();
        for (k, v) in &wanted {
            let have: BTreeSet<&str> = nodes.iter().filter_map(|n| n.labels.get(k).map(String::as_str)).collect();
            if have.is_empty() {
                hints.push(format!("no node has a `{k}` label (wanted {v})"));
            } else if !have.contains(v.as_str()) {
                let shown: Vec<String> = have.iter().take(5).map(|h| format!("{k}={h}")).collect();
                hints.push(format!("nodes have {}", shown.join(", ")));
            }
        }
        let y = ix.file(o);
        let mut base = w.pod_spec_path();
        let key = if has_selector { "nodeSelector" } else { "affinity" };
        base.push(key);
        let Some(k) = y.lookup_key(o.root, &base) else { continue };
        let hint = if hints.is_empty() { String::new() } else { format!(": {}", hints.join("; ")) };
        out.report(o.file,
                y.span(k),
                format!("{} `{}` selects no node of the inventory ({} nodes){hint}", o.kind, o.name.as_deref().unwrap_or(""), nodes.len()),
            )
            .help("make the nodeSelector or node affinity match labels the nodes carry (`kubectl get nodes --show-labels`); its pods stay Pending otherwise")
            .path(base)
            .object(o);
    }
}
