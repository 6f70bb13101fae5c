//! [`HpaTargetNotFound`](crate::rules::RuleId::HpaTargetNotFound): an autoscaler whose target is not among the inputs.
//!
//! The subjects are the run's autoscalers as their facts describe them
//! ([`crate::world::Fact::scaler`]): nothing else of them is needed.

use super::dir_of_name;
use crate::index::Index;
use crate::path;
use crate::rules::{Findings, Parts, Relation};
use crate::world::World;
use std::collections::HashSet;

pub struct Rule;

impl Relation for Rule {
    type Subject = ();

    fn subjects(_: &Index, _: &mut Vec<()>) {}

    fn judge(world: &World, _: &Parts<()>, out: &mut Findings) {
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
        for f in world.facts().filter(|f| f.resolvable) {
            let Some(scaler) = &f.scaler else { continue };
            let (Some(name), Some(span)) = (scaler.target_name.as_deref(), scaler.name_span) else { continue };
            let (ns, kind) = (f.namespace.as_str(), scaler.target_kind.as_str());
            let dir = dir_of_name(&world.file(f.file).source.name);
            if !workloads_at.contains(&(ns, dir)) || may_create.contains(ns) || objects.contains(&(ns, kind, name)) {
                continue;
            }
            out.report(
                f.file,
                span,
                format!(
                    "{} `{}` scales {kind} `{name}`, which is not in namespace `{ns}` among the inputs: it scales nothing",
                    f.kind(),
                    f.name().unwrap_or("")
                ),
            )
            .help(
                "fix scaleTargetRef (kind, name and apiVersion of the workload), or pass the file that defines the target with `--context`",
            )
            .path(path!["spec", "scaleTargetRef", "name"])
            .about(&f.about);
        }
    }
}
