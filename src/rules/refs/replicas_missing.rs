//! [`ReplicasMissing`](crate::rules::RuleId::ReplicasMissing): a workload that serves with a
//! single pod because it sets no replica count and no autoscaler targets it.

use super::{autoscalers, dir_of, dir_of_name, resolvable, Selecting, SelectorKind};
use crate::classify::Shape;
use crate::index::Index;
use crate::model::selector::Pairs;
use crate::model::{Object, Typed, Workload, WorkloadKind};
use crate::path;
use crate::rules::{About, Findings, Parts, Relation};
use crate::world::World;
use crate::yaml::Span;
use foldhash::HashSet;

/// Arguments and variables of controllers that elect a leader: one replica is their design.
const LEADER_ELECTION: &[&str] = &["--leader-elect", "--leader-election", "--enable-leader-election", "--leader-elect=true"];

/// Why one replica is by design: `Recreate` with a claim (two pods cannot share a
/// ReadWriteOnce volume), a host port (one pod per node), a leader-elected controller.
fn singleton_by_design(o: &Object, w: &Workload) -> bool {
    let Some(spec) = w.pod_spec else { return false };
    let recreate = match &o.typed {
        Some(Typed::Deployment(d)) => d.spec.strategy.as_ref().and_then(|s| s.type_.as_deref()) == Some("Recreate"),
        _ => false,
    };
    let recreate_with_claim = recreate && spec.volumes.iter().flatten().any(|v| v.persistent_volume_claim.is_some());
    let host_port = spec.containers.iter().flat_map(|c| c.ports.iter().flatten()).any(|p| p.host_port.is_some_and(|h| h > 0));
    let leader = spec.containers.iter().any(|c| {
        c.command.iter().chain(c.args.iter()).flatten().any(|a| LEADER_ELECTION.iter().any(|l| a.starts_with(l)) && !a.ends_with("=false"))
    });
    recreate_with_claim || host_port || leader
}

pub struct Rule;

/// A Deployment, StatefulSet or ReplicaSet that sets no replica count and is no singleton by
/// design.
pub struct Subject {
    file: usize,
    about: About,
    namespace: String,
    dir: String,
    labels: Option<Pairs>,
    serves_model: bool,
    span: Span,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        for (o, w, c) in ix.workloads() {
            // A patch leaves the count to its base; a template, to what renders it.
            if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet)
                || w.replicas.is_some()
                || o.completion.is_some()
            {
                continue;
            }
            if !resolvable(ix, o) || singleton_by_design(o, &w) {
                continue;
            }
            let y = ix.file(o);
            let Some(key) = y.lookup_key(o.root, &path!["spec"]) else { continue };
            out.push(Subject {
                file: o.file,
                about: About::of(o),
                namespace: ix.namespace_of(o).to_string(),
                dir: dir_of(ix, o).to_string(),
                labels: w.pod_meta.and_then(|m| m.labels.as_ref()).map(Pairs::of),
                serves_model: c.has(Shape::InferenceServer),
                span: y.span(key),
            });
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        if subjects.is_empty() {
            return;
        }
        let scalers = autoscalers(world);
        let selecting = Selecting::of(world);
        // The directories (a build's stream is one) where some Deployment, StatefulSet or
        // ReplicaSet runs two pods or more: only there is one that sets no count likely an
        // oversight. Where none does (no count, or `replicas: 1`), one pod is the repository's
        // choice (demos, samples, single-user tools, bases whose overlays scale them).
        let deliberate: HashSet<&str> =
            world.facts().filter(|f| f.many_replicas).map(|f| dir_of_name(&world.file(f.file).source.name)).collect();
        for s in subjects {
            let (ns, kind, name) = (s.namespace.as_str(), s.about.object.kind.as_str(), s.about.name());
            if scalers.contains_key(&(ns, kind, name)) || !deliberate.contains(s.dir.as_str()) {
                continue;
            }
            // One pod is an outage only where something depends on it being there.
            let labels = s.labels.as_ref();
            let evidence = if let Some(svc) = labels.and_then(|l| selecting.first(ns, l, SelectorKind::Service)) {
                format!("Service `{}` routes traffic to it", svc.name().unwrap_or(""))
            } else if let Some(pdb) = labels.and_then(|l| selecting.first(ns, l, SelectorKind::Budget)) {
                format!("PodDisruptionBudget `{}` expects its pods to stay available", pdb.name().unwrap_or(""))
            } else if s.serves_model {
                "it serves a model".to_string()
            } else {
                continue;
            };
            out.report(
                s.file,
                s.span,
                format!(
                    "{kind} `{name}` sets no `replicas` and no autoscaler targets it, so it runs a single pod, but {evidence}: a node failure, drain or rollout takes it offline"
                ),
            )
            .help("set `spec.replicas` to 2 or more (with a PodDisruptionBudget), or add a HorizontalPodAutoscaler that targets it; write `replicas: 1` if one pod is intended")
            .path(path!["spec", "replicas"])
            .about(&s.about);
        }
    }
}
