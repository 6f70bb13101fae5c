//! `hpa-target-not-found`: an autoscaler whose target is not among the inputs.

use super::resolvable;
use crate::diag::Diagnostic;
use crate::index::Index;
use crate::yaml::P;
use std::collections::HashSet;

pub fn check(ix: &Index, out: &mut Vec<Diagnostic>) {
    let mut objects: HashSet<(&str, &str, &str)> = HashSet::new();
    let mut namespaces_with_workloads: HashSet<&str> = HashSet::new();
    for o in &ix.objects {
        if let Some(name) = o.name.as_deref() {
            objects.insert((ix.namespace_of(o), o.kind.as_str(), name));
        }
        if o.workload().is_some() {
            namespaces_with_workloads.insert(ix.namespace_of(o));
        }
    }
    for o in &ix.objects {
        let scaler =
            (o.kind == "HorizontalPodAutoscaler" && o.group() == "autoscaling") || (o.kind == "ScaledObject" && o.group() == "keda.sh");
        if !scaler || !resolvable(ix, o) {
            continue;
        }
        let ns = ix.namespace_of(o);
        if !namespaces_with_workloads.contains(ns) {
            continue;
        }
        let y = ix.file(o);
        let Some(target) = y.get(o.root, "spec").and_then(|s| y.get(s, "scaleTargetRef")) else { continue };
        let kind = y.get_str(target, "kind").unwrap_or("Deployment");
        let Some(name) = y.get_str(target, "name") else { continue };
        if objects.contains(&(ns, kind, name)) {
            continue;
        }
        let Some(node) = y.lookup(o.root, &[P::K("spec"), P::K("scaleTargetRef"), P::K("name")]) else { continue };
        out.push(
            Diagnostic::new(
                "hpa-target-not-found",
                o.file,
                y.span(node),
                format!(
                    "{} `{}` scales {kind} `{name}`, which is not in namespace `{ns}` among the inputs: it scales nothing",
                    o.kind,
                    o.name.as_deref().unwrap_or("")
                ),
            )
            .help(
                "fix scaleTargetRef (kind, name and apiVersion of the workload), or pass the file that defines the target with `--context`",
            )
            .path("spec.scaleTargetRef.name")
            .object(o),
        );
    }
}
