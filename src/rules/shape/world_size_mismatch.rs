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
    if let Some(n) = line.contains("--nproc").then(|| p.nproc.captures(&line)).flatten().and_then(|m| m.get(1)).map(|m| count(m.as_str())) {
        return n;
    }
    let gpus = c.resources.as_ref().and_then(|r| r.limits.as_ref()).and_then(|l| {
        l.iter()
            .find(|(k, q)| (k.as_str() == "nvidia.com/gpu" || k.as_str() == "amd.com/gpu") && nonzero_quantity(&q.0))
            .and_then(|(_, q)| q.0.parse::<i64>().ok())
    });
    gpus.unwrap_or(1)
}

/// GPUs a container's limits give it (`nvidia.com/gpu`, `amd.com/gpu`); None when it gets
/// none, or accelerators counted another way (MIG slices, Neuron cores, DRA claims).
fn gpus_of(c: &Container) -> Option<i64> {
    let limits = c.resources.as_ref()?.limits.as_ref()?;
    let mut gpus = None;
    for (k, q) in limits {
        match k.as_str() {
            "nvidia.com/gpu" | "amd.com/gpu" => gpus = q.0.trim().parse::<i64>().ok().filter(|n| *n > 0),
            other if crate::model::gpu::is_gpu_resource(other) => return None,
            _ => {}
        }
    }
    gpus
}

pub fn check(ix: &Index, out: &mut Findings) {
    let Some(p) = patterns() else { return };
    let mut procs_reported = foldhash::HashSet::default();
    for (o, w, c) in ix.workloads() {
        let y = ix.file(o);
        procs_per_pod_field(ix, o, &w, &mut procs_reported, out);
        parallel_over_gpus(ix, o, &w, c, out);
        if !c.has(Shape::DistributedTraining) {
            continue;
        }
        let (Some(spec), Some(own)) = (w.pod_spec, w.pod_count()) else { continue };
        // A custom resource's templates form one job together (a PyTorchJob's Master and
        // Workers, a LeaderWorkerSet group): either count is one a launcher may mean.
        let group = w.custom.and_then(|(cp, _)| cp.group_pods(y, o.root)).unwrap_or(own);
        let pods = group.max(own);
        let what = match w.kind {
            crate::model::WorkloadKind::Job | crate::model::WorkloadKind::CronJob => "pods (parallelism/completions)",
            crate::model::WorkloadKind::Custom => "pods",
            _ => "replicas",
        };
        nproc_over_gpus(ix, o, &w, spec, p, out);
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
                    Ok(ws)
                        if ws == i128::from(pods) || ws == total || ws == i128::from(own) || ws == i128::from(own) * i128::from(procs) =>
                    {
                        continue
                    }
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
                    // (The pattern starts with `--nnodes`: an item without it is not read further.)
                    if !item.contains("--nnodes") {
                        continue;
                    }
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
                    if (min..=max).contains(&pods) || (min..=max).contains(&own) {
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

/// `--nproc_per_node N` above the GPUs the container gets: N processes share fewer GPUs, and
/// NCCL stops with "Duplicate GPU detected".
fn nproc_over_gpus(
    ix: &Index,
    o: &crate::model::Object,
    w: &crate::model::Workload,
    spec: &k8s_openapi::api::core::v1::PodSpec,
    p: &Patterns,
    out: &mut Findings,
) {
    let y = ix.file(o);
    for (_, idx, ctr) in containers(spec) {
        let Some(gpus) = gpus_of(ctr) else { continue };
        for (field, items) in [("command", ctr.command.as_ref()), ("args", ctr.args.as_ref())] {
            for (i, item) in items.into_iter().flatten().enumerate() {
                // (The pattern starts with `--nproc`: an item without it is not read further.)
                if !item.contains("--nproc") {
                    continue;
                }
                let (text, at) = if item == "--nproc_per_node" || item == "--nproc-per-node" {
                    match items.and_then(|all| all.get(i + 1)) {
                        Some(next) => (format!("--nproc_per_node={next}"), i),
                        None => continue,
                    }
                } else {
                    (item.clone(), i)
                };
                let Some(cap) = p.nproc.captures(&text) else { continue };
                let Some(n) = cap.get(1).map(|m| count(m.as_str())) else { continue };
                if n <= gpus {
                    continue;
                }
                let path = w.container_path(idx).key(field).index(at);
                let Some(node) = y.lookup(o.root, &path) else { continue };
                let shown = cap.get(0).map(|m| m.as_str()).unwrap_or("--nproc_per_node");
                let span = if item.starts_with("--nproc") && !item.contains('=') { y.span(node) } else { span_within(ix, o, node, shown) };
                out.report(
                    o.file,
                    span,
                    format!(
                        "`{shown}` starts {} processes in each pod of {}, but container `{}` gets {gpus} GPU(s): ranks share a GPU and NCCL stops with \"Duplicate GPU detected\"",
                        as_written(cap.get(1)),
                        w.describe(),
                        ctr.name
                    ),
                )
                .help(format!("start one process per GPU (`--nproc_per_node={gpus}`), or give the container {} GPUs", as_written(cap.get(1))))
                .path(path)
                .object(o);
            }
        }
    }
}

/// A launcher's processes per pod set in the resource (PyTorchJob `spec.nprocPerNode`) above
/// the GPUs each pod gets. Reported once per resource.
fn procs_per_pod_field<'a>(
    ix: &'a Index,
    o: &'a crate::model::Object,
    w: &crate::model::Workload,
    reported: &mut foldhash::HashSet<*const crate::model::Object>,
    out: &mut Findings,
) {
    let Some(field) = w.custom_kind().and_then(|k| k.procs_per_pod.as_deref()) else { return };
    let Some(spec) = w.pod_spec else { return };
    if reported.contains(&(o as *const _)) {
        return;
    }
    let y = ix.file(o);
    let path: crate::yaml::FieldPath =
        crate::yaml::FieldPath::from_steps(field.split('.').map(|k| crate::yaml::Step::Key(k.to_string().into())).collect());
    let Some(node) = y.lookup(o.root, &path) else { return };
    let Some(n) = y.scalar(node).and_then(|t| t.trim().parse::<i64>().ok()) else { return };
    let Some((ctr, gpus)) = containers(spec).find_map(|(_, _, c)| Some((c, gpus_of(c)?))) else { return };
    if n <= gpus {
        return;
    }
    reported.insert(o as *const _);
    let pods = w.custom.and_then(|(cp, _)| cp.group_pods(y, o.root));
    let total = pods.map(|p| format!(" ({} ranks on {} GPUs)", p.saturating_mul(n), p.saturating_mul(gpus))).unwrap_or_default();
    out.report(
        o.file,
        y.span(node),
        format!(
            "`{field}: {n}` starts {n} processes in each pod, but container `{}` of {} gets {gpus} GPU(s){total}: ranks share a GPU and NCCL stops with \"Duplicate GPU detected\"",
            ctr.name,
            w.describe()
        ),
    )
    .help(format!("set `{}: {gpus}` (one process per GPU), or give each pod {n} GPUs", field.rsplit('.').next().unwrap_or(field)))
    .path(path)
    .object(o);
}

/// Flags that set a model-parallel size: tensor parallel, pipeline parallel.
const TP_FLAGS: &[&str] = &["--tensor-parallel-size", "--tensor_parallel_size", "-tp", "--tp", "--tp-size", "--num-shard"];
const PP_FLAGS: &[&str] = &["--pipeline-parallel-size", "--pipeline_parallel_size", "-pp", "--pp", "--pp-size"];

/// An inference server whose tensor-parallel x pipeline-parallel size needs more GPUs than its
/// pod (or its group: a LeaderWorkerSet group, a Ray cluster) gets: the engine waits for GPUs
/// that are not there and never serves.
fn parallel_over_gpus(
    ix: &Index,
    o: &crate::model::Object,
    w: &crate::model::Workload,
    c: &crate::classify::Classification,
    out: &mut Findings,
) {
    let Some(spec) = w.pod_spec else { return };
    let y = ix.file(o);
    for (idx, ctr) in spec.containers.iter().enumerate() {
        if !c.container_has(Shape::InferenceServer, idx) {
            continue;
        }
        let per_pod = i64::from(crate::model::serving::gpu_count(ctr));
        if per_pod == 0 {
            continue; // no GPU at all, or counted another way: other rules judge that
        }
        let tp = crate::classify::flag_number(ctr, TP_FLAGS).or_else(|| {
            let i = ctr.env.iter().flatten().position(|e| e.name == "NUM_SHARD")?;
            let n = ctr.env.as_ref()?.get(i)?.value.as_deref()?.trim().parse::<i64>().ok()?;
            Some((n, "env", i, "NUM_SHARD".to_string()))
        });
        let pp = crate::classify::flag_number(ctr, PP_FLAGS);
        let Some(first) = tp.as_ref().or(pp.as_ref()) else { continue };
        let need = tp.as_ref().map_or(1, |t| t.0).saturating_mul(pp.as_ref().map_or(1, |p| p.0));
        // A multi-node group pools its pods' GPUs (LeaderWorkerSet `size`, a Ray cluster's
        // workers); another workload's pods may join through Ray, which this cannot see.
        // SGLang and others say how many nodes (pods) one engine spans: `--nnodes 2`.
        let nodes = crate::classify::flag_number(ctr, &["--nnodes", "--num-nodes"]).map(|n| n.0);
        let group = w.custom.and_then(|(cp, _)| cp.group_pods(y, o.root)).or(nodes).unwrap_or(1).max(1);
        let have = per_pod.saturating_mul(group);
        let joins_ray = crate::classify::command_line(ctr).contains("ray");
        if need <= have || (group == 1 && joins_ray) {
            continue;
        }
        let (_, field, at, flag) = first;
        let path = if *field == "env" {
            w.container_path(idx).key("env").index(*at).key("value")
        } else {
            w.container_path(idx).key(*field).index(*at)
        };
        let Some(node) = y.lookup(o.root, &path) else { continue };
        let sizes = match (&tp, &pp) {
            (Some(t), Some(p)) => format!("tensor parallel {} x pipeline parallel {}", t.0, p.0),
            (Some(t), None) => format!("tensor parallel {}", t.0),
            (None, Some(p)) => format!("pipeline parallel {}", p.0),
            (None, None) => String::new(),
        };
        let gets =
            if group > 1 { format!("{per_pod} GPU(s) in each of its {group} pods ({have} in all)") } else { format!("{per_pod} GPU(s)") };
        out.report(
            o.file,
            span_within(ix, o, node, flag),
            format!(
                "inference server `{}` of {} shards its model over {need} GPUs ({sizes}) but gets {gets}: the engine cannot place its shards (it stops at start, or waits for GPUs that never come) and never serves",
                ctr.name,
                w.describe()
            ),
        )
        .help(format!("make the parallel sizes multiply to the GPUs it gets ({have}), or request {need} GPUs (`nvidia.com/gpu: {need}` per pod, or more pods in the group)"))
        .path(path)
        .object(o);
    }
}
