//! [`RequestsExceedAllocatable`](crate::rules::RuleId::RequestsExceedAllocatable): pod requests that fit on none of the nodes the pod may use.

use crate::index::Index;
use crate::model::quantity::display;
use crate::model::scheduling::{misfit, pod_requests, selects, untolerated};
use crate::model::WorkloadKind;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    let Some(nodes) = &ix.nodes else { return };
    for (o, w, _) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        let ds = w.kind == WorkloadKind::DaemonSet;
        let usable: Vec<_> =
            nodes.iter().filter(|n| selects(spec, n) && untolerated(spec, n, ds).is_empty() && (ds || !n.unschedulable)).collect();
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
            format!("{} `{}` fits on none of the {} nodes it may use: {detail}", o.kind, o.name.as_deref().unwrap_or(""), usable.len())
        };
        out.report(o.file, y.span(key), message)
                .help("lower the requests below the nodes' allocatable resources (capacity minus system reservations), or add nodes that can hold the pod; it stays Pending otherwise")
                .path(path)
                .object(o);
    }
}
