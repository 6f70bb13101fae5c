//! [`StatefulsetServiceNotHeadless`](crate::rules::RuleId::StatefulsetServiceNotHeadless): the governing Service has a cluster IP.

use super::{governed, Governed, Identity};
use crate::index::Index;
use crate::path;
use crate::rules::{Findings, Parts, Relation};
use crate::world::World;

pub struct Rule;

/// A StatefulSet whose pods need the DNS names of their governing Service.
pub struct Subject {
    set: Governed,
    /// Whether (and why) its pods need their DNS names: asked only of a Service with a cluster IP.
    identity: Identity,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        for (set, o, w, c, s) in governed(ix) {
            if let Some(identity) = Identity::of(o, &w, s, c) {
                out.push(Subject { set, identity });
            }
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        let svcs = world.services();
        for Subject { set: s, identity } in subjects {
            let name = s.service.as_str();
            let Some(so) = svcs.get(&(s.namespace.as_str(), name)) else { continue };
            let Some(svc) = so.service.as_ref().filter(|_| so.resolvable) else { continue };
            if svc.headless || svc.external_name {
                continue;
            }
            // A ClusterIP Service as `serviceName` is harmless when no one uses the pods' DNS names.
            let Some(need) = identity.need() else { continue };
            let set = s.about.name();
            out.report(s.file,
                    s.span,
                    format!("governing Service `{name}` of StatefulSet `{set}` is not headless, but {}: only a headless Service (clusterIP: None) creates the per-pod DNS records (`{set}-0.{name}`), so those names do not resolve and the members cannot reach each other", need),
                )
                .help(format!("set `clusterIP: None` on Service `{name}` (the cluster IP cannot be changed in place: delete and recreate it), or add a separate headless Service and name it in `serviceName`; keep the ClusterIP Service for clients"))
                .path(path!["spec", "serviceName"])
                .about(&s.about)
                .related(so.file, svc.cluster_ip_span, format!("Service `{name}` has a cluster IP"));
        }
    }
}
