//! [`RequestsExceedAllocatable`](crate::rules::RuleId::RequestsExceedAllocatable): pod requests that fit on none of the nodes the pod may use.

use crate::index::Index;
use crate::model::quantity::display;
use crate::model::scheduling::{misfit, pod_requests, selects, show_taint, untolerated_with};
use crate::model::WorkloadKind;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    let Some(nodes) = &ix.nodes else { return };
    for (o, w, _) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        let ds = w.kind == WorkloadKind::DaemonSet;
        let ext = ix.settings.extended_resource_toleration;
        let usable: Vec<_> = nodes
            .iter()
            .filter(|n| selects(spec, n) && untolerated_with(spec, n, ds, ext).is_empty() && (ds || !n.unschedulable))
            .collect();
        if usable.is_empty() {
            continue; // [`NoEligibleNodes`](crate::rules::RuleId::NoEligibleNodes) or taints say why
        }
        let requests = pod_requests(spec);
        let misfits: Vec<(&str, (String, i128, i128))> =
            usable.iter().filter_map(|n| misfit(&requests, n).map(|m| (n.name.as_str(), m))).collect();
        let reported = if ds { !misfits.is_empty() } else { misfits.len() == usable.len() };
        if !reported {
            continue;
        }
        // Point at the resources of the container that asks most of the first missing resource.
        let res_name = &misfits[0].1 .0;
        let biggest = spec
            .containers
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| {
                c.resources
                    .as_ref()
                    .and_then(|r| r.requests.as_ref().or(r.limits.as_ref()))
                    .and_then(|m| m.get(res_name))
                    .and_then(|q| crate::model::quantity::parse_nanos(&q.0))
                    .unwrap_or(0)
            })
            .map(|(i, _)| i)
            .unwrap_or(0);
        let y = ix.file(o);
        let path = w.container_path(biggest).key("resources");
        let key = y.lookup_key(o.root, &path).or_else(|| y.lookup_key(o.root, &w.container_path(biggest)));
        let Some(key) = key else { continue };
        let (node, (res, need, _)) = &misfits[0];
        let largest = usable.iter().map(|n| (n.allocatable.get(res).copied().unwrap_or(0), n.name.as_str())).max();
        let detail = match largest {
            Some((have, name)) => format!("requests {} {res}; largest allocatable {} on {name}", display(*need, res), display(have, res)),
            None => format!("requests {} {res}", display(*need, res)),
        };
        let message = if ds {
            let names: Vec<&str> = misfits.iter().take(8).map(|(n, _)| *n).collect();
            format!(
                "DaemonSet `{}` does not fit on {} of the {} nodes it runs on ({}): {detail}",
                o.name.as_deref().unwrap_or(""),
                misfits.len(),
                usable.len(),
                names.join(", ")
            )
        } else {
            let _ = node;
            // Nodes it selects and would fit on that a taint keeps it off (the GPU nodes, for a
            // GPU pod without the toleration): say so, or "none of the 2 nodes it may use"
            // hides the cause.
            let tainted: Vec<String> = nodes
                .iter()
                .filter(|n| selects(spec, n) && misfit(&requests, n).is_none())
                .filter_map(|n| {
                    let t = untolerated_with(spec, n, ds, ext);
                    (!t.is_empty()).then(|| format!("{} ({})", n.name, t.iter().map(|t| show_taint(t)).collect::<Vec<_>>().join(", ")))
                })
                .collect();
            let excluded = if tainted.is_empty() {
                String::new()
            } else {
                let more = if tainted.len() > 6 { format!(" and {} more", tainted.len() - 6) } else { String::new() };
                format!(
                    "; left out because it does not tolerate their taint: {}{more}. Add the toleration (clusters with the ExtendedResourceToleration admission plugin, as GKE, add it for requested GPUs: set `nodes: {{extended_resource_toleration: true}}` in .kshape.yaml)",
                    tainted.iter().take(6).cloned().collect::<Vec<_>>().join(", ")
                )
            };
            format!(
                "{} `{}` fits on none of the {} nodes it may use: {detail}{excluded}",
                o.kind,
                o.name.as_deref().unwrap_or(""),
                usable.len()
            )
        };
        out.report(o.file, y.span(key), message)
                .help("lower the requests below the nodes' allocatable resources (capacity minus system reservations), or add nodes that can hold the pod; it stays Pending otherwise")
                .path(path)
                .object(o);
    }
}
