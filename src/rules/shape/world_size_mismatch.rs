//! [`WorldSizeMismatch`](crate::rules::RuleId::WorldSizeMismatch): WORLD_SIZE or `--nnodes` that disagree with the number of pods.

use super::span_within;
use crate::classify::{nonzero_quantity, Shape};
use crate::index::Index;
use crate::model::workload::containers;
use crate::rules::Findings;
use k8s_openapi::api::core::v1::Container;
use regex::Regex;
use std::num::IntErrorKind;
use std::sync::OnceLock;

struct Patterns {
    nnodes: Regex,
    nproc: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    P.get_or_init(|| {
        Some(Patterns {
            nnodes: Regex::new(r"--nnodes(?:=|\s+)([0-9]+)(?::([0-9]+))?\b").ok()?,
            nproc: Regex::new(r"--nproc[_-]per[_-]node(?:=|\s+)([0-9]+)\b").ok()?,
        })
    })
    .as_ref()
}

/// A count the patterns matched as digits. The only way such a parse fails is a number beyond
/// i64: it saturates, since any count that large still disagrees with the pod count (dropping it
/// would drop the finding).
fn count(digits: &str) -> i64 {
    digits.parse().unwrap_or(i64::MAX)
}

/// Matched digits without leading zeros (what `count` gives, unless it saturated).
fn as_written(m: Option<regex::Match>) -> String {
    let t = m.map_or("", |m| m.as_str()).trim_start_matches('0');
    if t.is_empty() {
        "0".to_string()
    } else {
        t.to_string()
    }
}

/// Processes per pod: torchrun's literal `--nproc_per_node`, else the GPU limit, else 1.
fn procs_per_pod(c: &Container, p: &Patterns) -> i64 {
    let line = crate::classify::command_line(c);
    if let Some(n) = p.nproc.captures(&line).and_then(|m| m.get(1)).map(|m| count(m.as_str())) {
        return n;
    }
    let gpus = c.resources.as_ref().and_then(|r| r.limits.as_ref()).and_then(|l| {
        l.iter()
            .find(|(k, q)| (k.as_str() == "nvidia.com/gpu" || k.as_str() == "amd.com/gpu") && nonzero_quantity(&q.0))
            .and_then(|(_, q)| q.0.parse::<i64>().ok())
    });
    gpus.unwrap_or(1)
}

pub fn check(ix: &Index, out: &mut Findings) {
    let Some(p) = patterns() else { return };
    for (o, w, c) in ix.workloads() {
        if !c.has(Shape::DistributedTraining) {
            continue;
        }
        let (Some(spec), Some(pods)) = (w.pod_spec, w.pod_count()) else { continue };
        let y = ix.file(o);
        let what = match w.kind {
            crate::model::WorkloadKind::Job | crate::model::WorkloadKind::CronJob => "pods (parallelism/completions)",
            _ => "replicas",
        };
        for (_, idx, ctr) in containers(spec) {
            let base = w.container_path(idx);
            let procs = procs_per_pod(ctr, p);
            // pods (from an i32) times procs (an i64) cannot overflow an i128.
            let total = i128::from(pods) * i128::from(procs);
            for (i, e) in ctr.env.iter().flatten().enumerate() {
                if e.name != "WORLD_SIZE" {
                    continue;
                }
                let Some(text) = e.value.as_deref().map(str::trim) else { continue };
                // A WORLD_SIZE beyond i128 is still a number that matches no pod count: it is
                // reported as written, not dropped.
                let ws = match text.parse::<i128>() {
                    Ok(ws) if ws == i128::from(pods) || ws == total => continue,
                    Ok(ws) => ws.to_string(),
                    Err(err) if matches!(err.kind(), IntErrorKind::PosOverflow | IntErrorKind::NegOverflow) => text.to_string(),
                    Err(_) => continue,
                };
                let path = base.clone().key("env").index(i).key("value");
                let Some(node) = y.lookup(o.root, &path) else { continue };
                let expected =
                    if procs > 1 { format!("{pods} (pods) or {total} (pods x {procs} processes per pod)") } else { format!("{pods}") };
                out.report(
                    o.file,
                    y.span(node),
                    format!(
                        "WORLD_SIZE is {ws}, but {} `{}` runs {pods} {what}: rendezvous waits for ranks that never come",
                        o.kind,
                        o.name.as_deref().unwrap_or("")
                    ),
                )
                .help(format!("set WORLD_SIZE to {expected}, or derive it from the replica count so the two cannot drift"))
                .path(path)
                .object(o);
            }
            for (field, items) in [("command", ctr.command.as_ref()), ("args", ctr.args.as_ref())] {
                for (i, item) in items.into_iter().flatten().enumerate() {
                    // `--nnodes 4` may be one item or two.
                    let (text, at) = if item == "--nnodes" {
                        match items.and_then(|all| all.get(i + 1)) {
                            Some(next) => (format!("--nnodes={next}"), i),
                            None => continue,
                        }
                    } else {
                        (item.clone(), i)
                    };
                    let Some(cap) = p.nnodes.captures(&text) else { continue };
                    let Some(min) = cap.get(1).map(|m| count(m.as_str())) else { continue };
                    let max = cap.get(2).map(|m| count(m.as_str())).unwrap_or(min);
                    if (min..=max).contains(&pods) {
                        continue;
                    }
                    let path = base.clone().key(field).index(at);
                    let Some(node) = y.lookup(o.root, &path) else { continue };
                    let shown = cap.get(0).map(|m| m.as_str()).unwrap_or("--nnodes");
                    // The counts as written for the message: a saturated one is not its value.
                    let (min, max) = (as_written(cap.get(1)), as_written(cap.get(2).or(cap.get(1))));
                    let span = if item == "--nnodes" { y.span(node) } else { span_within(ix, o, node, shown) };
                    out.report(
                        o.file,
                        span,
                        format!(
                            "`{shown}` expects {} node(s), but {} `{}` runs {pods} {what}: rendezvous waits for nodes that never come",
                            if min == max { min.to_string() } else { format!("{min} to {max}") },
                            o.kind,
                            o.name.as_deref().unwrap_or("")
                        ),
                    )
                    .help(format!("make `--nnodes` equal the number of pods ({pods}), or change the pod count to match"))
                    .path(path)
                    .object(o);
                }
            }
        }
    }
}
