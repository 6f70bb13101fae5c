//! [`HpaTargetNotFound`](crate::rules::RuleId::HpaTargetNotFound): an autoscaler whose target is not among the inputs.

use super::resolvable;
use crate::index::Index;
use crate::path;
use crate::rules::Findings;
use std::collections::HashSet;

pub fn check(ix: &Index, out: &mut Findings) {
    let mut objects: HashSet<(&str, &str, &str)> = HashSet::new();
    // (namespace, directory) pairs that hold workloads; namespaces where a custom resource may
    // create the target (a KServe InferenceService creates `<name>-predictor`).
    let mut workloads_at: HashSet<(&str, &str)> = HashSet::new();
    let mut may_create: HashSet<&str> = HashSet::new();
    for o in &ix.objects {
        if let Some(name) = o.name.as_deref() {
            objects.insert((ix.namespace_of(o), o.kind.as_str(), name));
        }
        if o.workload().is_some() {
            workloads_at.insert((ix.namespace_of(o), super::dir_of(ix, o)));
        } else if o.typed.as_ref().is_none_or(|t| matches!(t, crate::model::Typed::Custom(_)))
            && crate::model::custom::known_custom(ix.file(o), o).is_none_or(|t| !t.is_empty())
        {
            may_create.insert(ix.namespace_of(o));
        }
    }
    for o in &ix.objects {
        let scaler =
            (o.kind == "HorizontalPodAutoscaler" && o.group() == "autoscaling") || (o.kind == "ScaledObject" && o.group() == "keda.sh");
        if !scaler || !resolvable(ix, o) {
            continue;
        }
        let ns = ix.namespace_of(o);
        if !workloads_at.contains(&(ns, super::dir_of(ix, o))) || may_create.contains(ns) {
            continue;
        }
        let y = ix.file(o);
        let Some(target) = y.get(o.root, "spec").and_then(|s| y.get(s, "scaleTargetRef")) else { continue };
        let kind = y.get_str(target, "kind").unwrap_or("Deployment");
        let Some(name) = y.get_str(target, "name") else { continue };
        if objects.contains(&(ns, kind, name)) {
            continue;
        }
        let Some(node) = y.lookup(o.root, &path!["spec", "scaleTargetRef", "name"]) else { continue };
        out.report(
            o.file,
            y.span(node),
            format!(
                "{} `{}` scales {kind} `{name}`, which is not in namespace `{ns}` among the inputs: it scales nothing",
                o.kind,
                o.name.as_deref().unwrap_or("")
            ),
        )
        .help("fix scaleTargetRef (kind, name and apiVersion of the workload), or pass the file that defines the target with `--context`")
        .path(path!["spec", "scaleTargetRef", "name"])
        .object(o);
    }
}
