//! `statefulset-service-not-found`: the governing Service is not among the inputs.

use super::{resolvable, services};
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::model::Typed;
use crate::yaml::P;

pub fn check(ix: &Index, out: &mut Vec<Diagnostic>) {
    let svcs = services(ix);
    for o in &ix.objects {
        let Some(Typed::StatefulSet(s)) = &o.typed else { continue };
        let Some(svc) = s.spec.service_name.as_deref().filter(|n| !n.is_empty()) else { continue };
        let ns = ix.namespace_of(o);
        if svcs.contains_key(&(ns, svc)) || !resolvable(ix, o) {
            continue;
        }
        let y = ix.file(o);
        let Some(node) = y.lookup(o.root, &[P::K("spec"), P::K("serviceName")]) else { continue };
        let labels = s
            .spec
            .selector
            .match_labels
            .clone()
            .filter(|m| !m.is_empty())
            .or_else(|| s.spec.template.metadata.as_ref().and_then(|m| m.labels.clone()))
            .unwrap_or_default();
        let mut manifest = format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {svc}\n");
        if let Some(n) = &o.namespace {
            manifest.push_str(&format!("  namespace: {n}\n"));
        }
        manifest.push_str("spec:\n  clusterIP: None\n  selector:\n");
        for (k, v) in &labels {
            manifest.push_str(&format!("    {k}: {v}\n"));
        }
        let ports: Vec<(String, i32)> = s
            .spec
            .template
            .spec
            .iter()
            .flat_map(|p| p.containers.iter())
            .flat_map(|c| c.ports.iter().flatten())
            .map(|p| (p.name.clone().unwrap_or_default(), p.container_port))
            .collect();
        if !ports.is_empty() {
            manifest.push_str("  ports:\n");
            for (name, port) in ports {
                if name.is_empty() {
                    manifest.push_str(&format!("    - port: {port}\n"));
                } else {
                    manifest.push_str(&format!("    - name: {name}\n      port: {port}\n"));
                }
            }
        }
        out.push(
            Diagnostic::new(
                "statefulset-service-not-found",
                o.file,
                y.span(node),
                format!("StatefulSet `{}` names governing Service `{svc}`, but no Service `{svc}` is in namespace `{ns}` among the inputs: its pods get no DNS names and peers cannot find each other", o.name.as_deref().unwrap_or("")),
            )
            .help(format!("add a headless Service (or pass the file that defines it with `--context`):\n---\n{manifest}"))
            .path("spec.serviceName")
            .object(o),
        );
    }
}
