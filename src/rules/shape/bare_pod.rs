//! [`BarePod`](crate::rules::RuleId::BarePod): a Pod that no controller owns.

use super::suggested_controller;
use crate::classify::Shape;
use crate::index::Index;
use crate::model::selector::Pairs;
use crate::model::WorkloadKind;
use crate::rules::refs::{Selecting, SelectorKind};
use crate::rules::{About, Findings, Parts, Relation};
use crate::world::World;
use crate::yaml::Span;

pub struct Rule;

/// A long-running Pod without a controller, with the finding prepared.
pub struct Subject {
    file: usize,
    about: About,
    namespace: String,
    span: Span,
    labels: Option<Pairs>,
    /// It serves without a Service: a model or a database.
    serves: bool,
    message: String,
    help: String,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        for (o, w, c) in ix.workloads() {
            if w.kind != WorkloadKind::Pod || w.meta.owner_references.as_ref().is_some_and(|r| !r.is_empty()) {
                continue;
            }
            // A static pod (a kubelet manifest: kube-system, host network) is owned by the kubelet.
            let static_pod = ix.namespace_of(o) == "kube-system" && w.pod_spec.and_then(|s| s.host_network).unwrap_or(false);
            // A pod template an operator turns into its pods (Spark's driver and executor
            // templates), a patch of a pod: not a pod that runs as it is.
            if static_pod || o.completion.is_some() {
                continue;
            }
            // A test suite's fixture (a local S3 server for one e2e run) lives as long as its
            // test. (Read for bare Pods only: it looks for the repository's `.git`.)
            if crate::util::in_test_directory(crate::util::within_repository(&ix.parsed(o.file).source.name)) {
                continue;
            }
            // A pod that runs to completion (a test, a benchmark, a one-off task) is at most a hint
            // to use a Job; an exec, debug or demo pod that nothing depends on is deliberate. A
            // long-running server as a bare Pod is the risk: a Service routes traffic to it (a
            // headless one only names it), or it serves a model or a database.
            let completes = w.pod_spec.and_then(|s| s.restart_policy.as_deref()).is_some_and(|p| p == "Never" || p == "OnFailure");
            if completes {
                continue;
            }
            // A client pod with a database image that only idles (`sleep infinity`) waits for `kubectl
            // exec`: it serves nothing even when its image is a server's.
            let idles = w.pod_spec.is_some_and(|s| s.containers.iter().all(idle));
            let serves = !idles && (c.has(Shape::InferenceServer) || c.has(Shape::Database));
            let suggestion = suggested_controller(c, completes);
            let shape = c.evidence.first().map(|e| format!(" ({})", e.describe())).unwrap_or_default();
            out.push(Subject {
                file: o.file,
                about: About::of(o),
                namespace: ix.namespace_of(o).to_string(),
                span: ix.kind_span(o),
                labels: w.pod_meta.and_then(|m| m.labels.as_ref()).map(Pairs::of),
                serves,
                message: match o.name.as_deref().filter(|n| !n.is_empty()) {
                    Some(n) => format!("Pod `{n}` has no controller: nothing recreates it when its node fails, is drained or upgraded"),
                    None => "this Pod has no controller: nothing recreates it when its node fails, is drained or upgraded".to_string(),
                },
                help: format!("run it under {suggestion}{shape}, which recreates its pods"),
            });
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        if subjects.is_empty() {
            return;
        }
        let selecting = Selecting::of(world);
        for s in subjects {
            let routed = s.labels.as_ref().and_then(|l| selecting.first(&s.namespace, l, SelectorKind::Service));
            if routed.is_none() && !s.serves {
                continue;
            }
            out.report(s.file, s.span, s.message.clone()).help(s.help.clone()).path(crate::path!["kind"]).about(&s.about);
        }
    }
}

/// A container whose process only waits: `sleep infinity`, `sleep 3600`, `tail -f /dev/null`.
fn idle(c: &k8s_openapi::api::core::v1::Container) -> bool {
    let line: Vec<&str> = c.command.iter().chain(c.args.iter()).flatten().flat_map(|a| a.split_whitespace()).collect();
    let shell = line.first().is_some_and(|w| w.ends_with("sh"));
    // `exec` (the shell's, as in `sh -c "exec tail -f /dev/null"`) runs the command after it.
    let first = line.iter().position(|w| !w.starts_with('-') && !w.ends_with("sh") && *w != "exec").and_then(|i| line.get(i));
    let waits = |w: &str| matches!(w, "sleep" | "/bin/sleep" | "/usr/bin/sleep" | "pause" | "/pause");
    first.is_some_and(|w| waits(w) || (*w == "tail" && line.contains(&"/dev/null")))
        || (shell && line.iter().any(|w| waits(w)) && line.len() <= 6)
}
