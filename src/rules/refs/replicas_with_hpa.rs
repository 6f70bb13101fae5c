//! [`ReplicasWithHpa`](crate::rules::RuleId::ReplicasWithHpa): a replica count that fights the autoscaler.

use super::{autoscalers, resolvable};
use crate::index::Index;
use crate::path;
use crate::rules::{About, Findings, Parts, Relation};
use crate::world::World;
use crate::yaml::Span;
use foldhash::HashMap;

pub struct Rule;

/// A workload that sets its replica count.
pub struct Subject {
    file: usize,
    about: About,
    namespace: String,
    dir: String,
    replicas: i32,
    span: Span,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        for (o, w, _) in ix.workloads() {
            // A custom resource's replica count is its own `spec.replicas` (a LeaderWorkerSet's
            // groups), read once for the resource, not per pod template.
            let replicas = match w.custom {
                Some((c, p)) => {
                    if !c.pods.first().is_some_and(|first| std::ptr::eq(first, p)) {
                        continue;
                    }
                    let y = ix.file(o);
                    y.lookup(o.root, &path!["spec", "replicas"]).and_then(|n| y.scalar(n)).and_then(|t| t.trim().parse::<i32>().ok())
                }
                None => w.replicas,
            };
            let Some(replicas) = replicas else { continue };
            // `${deployment_name}` in both templates says nothing about what they become: the
            // script that fills them may name them apart, or render only one of them.
            if crate::yaml::is_placeholder(o.name.as_deref().unwrap_or("")) || !resolvable(ix, o) {
                continue;
            }
            let y = ix.file(o);
            let Some(node) = y.lookup(o.root, &path!["spec", "replicas"]) else { continue };
            out.push(Subject {
                file: o.file,
                about: About::of(o),
                namespace: ix.namespace_of(o).to_string(),
                dir: super::dir_of(ix, o).to_string(),
                replicas,
                span: y.span(node),
            });
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        if subjects.is_empty() {
            return;
        }
        let scalers = autoscalers(world);
        // How many objects share each kind and name: several are alternative variants of one
        // sample (`lws.yaml`, `lws-restart-policy.yaml`), and an autoscaler in another file is no
        // evidence for any one of them. Counted for the names an autoscaler in another file
        // targets only.
        let mut names: HashMap<(&str, &str, &str), usize> = HashMap::default();
        for s in subjects {
            let key = (s.namespace.as_str(), s.about.object.kind.as_str(), s.about.name());
            if scalers.get(&key).is_some_and(|hpa| hpa.file != s.file) {
                names.insert(key, 0);
            }
        }
        if !names.is_empty() {
            for f in world.facts() {
                if let Some(count) = f.name().and_then(|n| names.get_mut(&(f.namespace.as_str(), f.kind(), n))) {
                    *count += 1;
                }
            }
        }
        for s in subjects {
            let (ns, kind, name) = (s.namespace.as_str(), s.about.object.kind.as_str(), s.about.name());
            let Some(hpa) = scalers.get(&(ns, kind, name)) else { continue };
            // Names repeat across a repository's independent samples (`leaderworkerset-sample`):
            // an autoscaler is evidence for its target in its own file or directory only.
            let hpa_dir = super::dir_of_name(&world.file(hpa.file).source.name);
            if hpa.file != s.file && !(near(hpa_dir, &s.dir) && names.get(&(ns, kind, name)) == Some(&1)) {
                continue;
            }
            let replicas = s.replicas;
            let rel = hpa.scaler.as_ref().and_then(|x| x.ref_span).unwrap_or(hpa.kind_span);
            out.report(s.file,
                    s.span,
                    format!("{kind} `{name}` sets `replicas: {replicas}` but {} `{}` scales it: every apply resets the count to {replicas}, undoing the autoscaler until it reacts again", hpa.kind(), hpa.name().unwrap_or("")),
                )
                .help("remove `spec.replicas` from the manifest and let the autoscaler own it (set its minReplicas instead)")
                .path(path!["spec", "replicas"])
                .about(&s.about)
                .related(hpa.file, rel, format!("{} `{}` targets it", hpa.kind(), hpa.name().unwrap_or("")));
        }
    }
}

/// Whether two directories are one, or one holds the other (`app/` and `app/hpa/`).
fn near(a: &str, b: &str) -> bool {
    let within =
        |inner: &str, outer: &str| outer.is_empty() || inner == outer || inner.strip_prefix(outer).is_some_and(|r| r.starts_with('/'));
    within(a, b) || within(b, a)
}
