//! `gpu-limit-missing`: an extended resource requested without an equal limit.

use crate::classify::containers;
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::model::quantity::parse_nanos;
use crate::rules::shape::container_path;
use crate::yaml::P;

/// Extended resources: a domain-prefixed name outside kubernetes.io (nvidia.com/gpu, ...).
pub fn is_extended(name: &str) -> bool {
    match name.split_once('/') {
        Some((domain, _)) => !(domain == "kubernetes.io" || domain.ends_with(".kubernetes.io")),
        None => false,
    }
}

pub fn check(ix: &Index, out: &mut Vec<Diagnostic>) {
    for (o, w, _) in ix.workloads() {
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
                let mut path = container_path(&w, idx);
                path.extend([P::K("resources"), P::K("requests"), P::K(name)]);
                let Some(key) = y.lookup_key(o.root, &path) else { continue };
                out.push(
                    Diagnostic::new(
                        "gpu-limit-missing",
                        o.file,
                        y.span(key),
                        format!("container `{}` {problem}: extended resources cannot be overcommitted, so the API server rejects a request without an equal limit", ctr.name),
                    )
                    .help(format!("set `limits: {{{name}: {}}}` (or give only the limit: the request defaults to it)", q.0))
                    .path(crate::yaml::render_path(&path))
                    .object(o),
                );
            }
        }
    }
}
