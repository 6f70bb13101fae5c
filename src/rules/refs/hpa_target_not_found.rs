//! [`HpaTargetNotFound`](crate::rules::RuleId::HpaTargetNotFound): an autoscaler whose target is not among the inputs.

use super::{dir_of, dir_of_name, resolvable};
use crate::index::Index;
use crate::path;
use crate::rules::{About, Findings, Relation};
use crate::world::World;
use crate::yaml::Span;
use std::collections::HashSet;

pub struct Rule;

/// An autoscaler, with its target.
pub struct Subject {
    file: usize,
    about: About,
    namespace: String,
    dir: String,
    target_kind: String,
    target_name: String,
    span: Span,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        for o in &ix.objects {
            let scaler =
                (o.kind == "HorizontalPodAutoscaler" && o.group() == "autoscaling") || (o.kind == "ScaledObject" && o.group() == "keda.sh");
            if !scaler || !resolvable(ix, o) {
                continue;
            }
            let y = ix.file(o);
            let Some(target) = y.get(o.root, "spec").and_then(|s| y.get(s, "scaleTargetRef")) else { continue };
            let kind = y.get_str(target, "kind").unwrap_or("Deployment");
            let Some(name) = y.get_str(target, "name") else { continue };
            let Some(node) = y.lookup(o.root, &path!["spec", "scaleTargetRef", "name"]) else { continue };
            out.push(Subject {
                file: o.file,
                about: About::of(o),
                namespace: ix.namespace_of(o).to_string(),
                dir: dir_of(ix, o).to_string(),
                target_kind: kind.to_string(),
                target_name: name.to_string(),
                span: y.span(node),
            });
        }
    }

    fn judge(world: &World, subjects: &[Subject], out: &mut Findings) {
        if subjects.is_empty() {
            return;
        }
        let mut objects: HashSet<(&str, &str, &str)> = HashSet::new();
        // (namespace, directory) pairs that hold workloads; namespaces where a custom resource may
        // create the target (a KServe InferenceService creates `<name>-predictor`).
        let mut workloads_at: HashSet<(&str, &str)> = HashSet::new();
        let mut may_create: HashSet<&str> = HashSet::new();
        for f in world.facts() {
            if let Some(name) = f.name() {
                objects.insert((f.namespace.as_str(), f.kind(), name));
            }
            if f.workload {
                workloads_at.insert((f.namespace.as_str(), dir_of_name(&world.file(f.file).source.name)));
            } else if f.may_create {
                may_create.insert(f.namespace.as_str());
            }
        }
        for s in subjects {
            let (ns, kind, name) = (s.namespace.as_str(), s.target_kind.as_str(), s.target_name.as_str());
            if !workloads_at.contains(&(ns, s.dir.as_str())) || may_create.contains(ns) || objects.contains(&(ns, kind, name)) {
                continue;
            }
            out.report(
                s.file,
                s.span,
                format!(
                    "{} `{}` scales {kind} `{name}`, which is not in namespace `{ns}` among the inputs: it scales nothing",
                    s.about.object.kind,
                    s.about.name()
                ),
            )
            .help(
                "fix scaleTargetRef (kind, name and apiVersion of the workload), or pass the file that defines the target with `--context`",
            )
            .path(path!["spec", "scaleTargetRef", "name"])
            .about(&s.about);
        }
    }
}
