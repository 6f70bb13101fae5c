//! [`GpuLimitMissing`](crate::rules::RuleId::GpuLimitMissing): an extended resource requested without an equal limit.

use crate::fix::Fix;
use crate::index::Index;
use crate::model::gpu::is_gpu_resource;
use crate::model::quantity::parse_nanos;
use crate::model::workload::containers;
use crate::model::Object;
use crate::rules::Findings;
use crate::yaml::{NodeKind, Step};

/// Extended resources: a domain-prefixed name outside kubernetes.io (nvidia.com/gpu, ...).
pub fn is_extended(name: &str) -> bool {
    match name.split_once('/') {
        Some((domain, _)) => !(domain == "kubernetes.io" || domain.ends_with(".kubernetes.io")),
        None => false,
    }
}

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, c) in ix.workloads() {
        // A node agent should not hold a GPU at all ([`GpuAgentRequestsGpu`](crate::rules::RuleId::GpuAgentRequestsGpu)): no limit to add.
        let agent = super::is_agent_daemonset(&w, c);
        let Some(spec) = w.pod_spec else { continue };
        let y = ix.file(o);
        for (_, idx, ctr) in containers(spec) {
            let Some(res) = &ctr.resources else { continue };
            for (name, q) in res.requests.iter().flatten() {
                if !is_extended(name) {
                    continue;
                }
                let limit = res.limits.as_ref().and_then(|l| l.get(name));
                let (Some(req), lim) = (parse_nanos(&q.0), limit.map(|l| parse_nanos(&l.0))) else { continue };
                let problem = match lim {
                    None => format!("requests `{name}: {}` but sets no limit for it", q.0),
                    Some(Some(l)) if l != req => {
                        format!("requests `{name}: {}` but limits it to `{}`", q.0, limit.map(|l| l.0.as_str()).unwrap_or(""))
                    }
                    _ => continue,
                };
                let path = w.container_path(idx).key("resources").key("requests").key(name);
                let Some(key) = y.lookup_key(o.root, &path) else { continue };
                // A missing limit gets the request's value; a different one is the author's to settle.
                let fix = if lim.is_none() && !(agent && is_gpu_resource(name)) { add_limit(ix, o, &path, name) } else { None };
                out.report(o.file,
                        y.span(key),
                        format!("container `{}` {problem}: extended resources cannot be overcommitted, so the API server rejects a request without an equal limit", ctr.name),
                    )
                    .help(format!("set `limits: {{{name}: {}}}` (or give only the limit: the request defaults to it)", q.0))
                    .path(path)
                    .object(o)
                    .fix(fix);
            }
        }
    }
}

/// Adds `limits: {NAME: <the request as written>}` beside the requests.
fn add_limit(ix: &Index, o: &Object, request_path: &[Step], name: &str) -> Option<Fix> {
    let y = ix.file(o);
    let ed = ix.editor(o);
    let request = y.lookup(o.root, request_path)?;
    let span = y.span(request);
    let value = ix.parsed(o.file).source.text.get(span.start as usize..span.end as usize)?;
    if !matches!(y.node(request).kind, NodeKind::Scalar { .. }) || value.contains('\n') || value.starts_with(['|', '>']) {
        return None;
    }
    let resources = y.lookup(o.root, request_path.get(..request_path.len().checked_sub(2)?)?)?;
    let key = crate::fix::scalar(name);
    let edit = match y.get(resources, "limits") {
        Some(l) if ed.is_flow(l) => ed.append_flow_entry(l, &format!("{key}: {value}"))?,
        Some(l) if matches!(y.node(l).kind, NodeKind::Map(_)) => ed.append_entry(l, &[format!("{key}: {value}")])?,
        Some(_) => return None,
        None if ed.is_flow(resources) => ed.append_flow_entry(resources, &format!("limits: {{{key}: {value}}}"))?,
        None => {
            let (step, _) = ed.style(resources);
            ed.append_entry(resources, &["limits:".to_string(), format!("{}{key}: {value}", " ".repeat(step))])?
        }
    };
    Some(Fix { description: format!("set the `{name}` limit to the request, {value}"), edits: vec![edit] })
}
