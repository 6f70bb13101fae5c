//! [`HpaTargetNotFound`](crate::rules::RuleId::HpaTargetNotFound): an autoscaler whose target is not among the inputs.
//!
//! The subjects are the run's autoscalers as their facts describe them
//! ([`crate::world::Fact::scaler`]): nothing else of them is needed.

use super::dir_of_name;
use crate::index::Index;
use crate::path;
use crate::rules::{Findings, Parts, Relation};
use crate::world::World;
use foldhash::{HashMap, HashSet};

pub struct Rule;

impl Relation for Rule {
    type Subject = ();

    fn subjects(_: &Index, _: &mut Vec<()>) {}

    fn judge(world: &World, _: &Parts<()>, out: &mut Findings) {
        // The autoscalers first (few), then which of their targets and directories the run
        // holds: tables of what is looked up, not of every object.
        let mut scalers = Vec::new();
        for f in world.facts().filter(|f| f.resolvable) {
            let Some(scaler) = &f.scaler else { continue };
            let (Some(name), Some(span)) = (scaler.target_name.as_deref(), scaler.name_span) else { continue };
            let (ns, kind) = (f.namespace.as_str(), scaler.target_kind.as_str());
            scalers.push((f, ns, kind, name, dir_of_name(&world.file(f.file).source.name), span));
        }
        if scalers.is_empty() {
            return;
        }
        let mut defined: HashMap<(&str, &str, &str), bool> = scalers.iter().map(|s| ((s.1, s.2, s.3), false)).collect();
        // (namespace, directory) pairs that hold workloads; namespaces where a custom resource may
        // create the target (a KServe InferenceService creates `<name>-predictor`).
        let mut workloads_at: HashMap<(&str, &str), bool> = scalers.iter().map(|s| ((s.1, s.4), false)).collect();
        let mut may_create: HashSet<&str> = HashSet::default();
        for f in world.facts() {
            if let Some(seen) = f.name().and_then(|name| defined.get_mut(&(f.namespace.as_str(), f.kind(), name))) {
                *seen = true;
            }
            if f.workload {
                if let Some(seen) = workloads_at.get_mut(&(f.namespace.as_str(), dir_of_name(&world.file(f.file).source.name))) {
                    *seen = true;
                }
            } else if f.may_create {
                may_create.insert(f.namespace.as_str());
            }
        }
        for (f, ns, kind, name, dir, span) in scalers {
            if workloads_at.get(&(ns, dir)) != Some(&true) || may_create.contains(ns) || defined.get(&(ns, kind, name)) == Some(&true) {
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
