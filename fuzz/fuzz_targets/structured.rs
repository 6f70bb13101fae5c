//! Structured input: the fuzzer's bytes choose a small, well-formed training or inference
//! workload and a node inventory, so the rules and the scheduling code see typed objects with
//! extreme numbers (quantities like `1e2147483647`, `--nproc_per_node=<u64>`, WORLD_SIZE beyond
//! i64, replicas of any i32) instead of the parse errors raw bytes mostly produce. Any panic is a
//! bug (issue #12); so is a span outside the file.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::fmt::Write;

/// A number as digits: small, near a type's limit, or long.
fn number(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=4)? {
        0 => u.int_in_range(0u8..=16)?.to_string(),
        1 => u.arbitrary::<u32>()?.to_string(),
        2 => u.arbitrary::<u64>()?.to_string(),
        3 => u.arbitrary::<u128>()?.to_string(),
        _ => {
            let n = u.int_in_range(1..=60)?;
            (0..n).map(|_| u.int_in_range(b'0'..=b'9').map(char::from)).collect::<Result<String>>()?
        }
    })
}

/// A quantity by the apimachinery grammar, with any exponent; now and then a near miss.
fn quantity(u: &mut Unstructured) -> Result<String> {
    let mut q = String::new();
    q.push_str(u.choose(&["", "", "+", "-"])?);
    q.push_str(&number(u)?);
    if u.ratio(1, 4)? {
        q.push('.');
        q.push_str(&number(u)?);
    }
    match u.int_in_range(0..=3)? {
        0 => {}
        1 => q.push_str(u.choose(&["n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"])?),
        2 => {
            q.push_str(u.choose(&["e", "E", "e-", "e+"])?);
            q.push_str(&u.arbitrary::<i64>()?.unsigned_abs().to_string());
        }
        _ => q.push_str(u.choose(&["MB", "Gi ", "e", "eEi", "e18Ei", ".", "i"])?),
    }
    Ok(q)
}

fn resources(u: &mut Unstructured, out: &mut String, pad: &str) -> Result<()> {
    for part in ["requests", "limits"] {
        if u.arbitrary()? {
            let _ = writeln!(out, "{pad}{part}:");
            for _ in 0..u.int_in_range(1..=3)? {
                let name = u.choose(&["cpu", "memory", "nvidia.com/gpu", "amd.com/gpu", "ephemeral-storage", "hugepages-2Mi"])?;
                let _ = writeln!(out, "{pad}  {name}: \"{}\"", quantity(u)?);
            }
        }
    }
    Ok(())
}

fn container(u: &mut Unstructured, out: &mut String, i: usize, sidecar: bool) -> Result<()> {
    let image = u.choose(&["pytorch/pytorch:2.4.0", "vllm/vllm-openai:v0.6.3", "nginx:1.27", "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8"])?;
    let _ = writeln!(out, "  - name: c{i}\n    image: {image}");
    if sidecar {
        out.push_str("    restartPolicy: Always\n");
    }
    if u.arbitrary()? {
        let nnodes = if u.arbitrary()? { number(u)? } else { format!("{}:{}", number(u)?, number(u)?) };
        let nproc = number(u)?;
        let _ = writeln!(out, "    command: [\"torchrun\"]\n    args: [\"--nnodes={nnodes}\", \"--nproc_per_node={nproc}\", \"train.py\"]");
    }
    if u.arbitrary()? {
        let sign = u.choose(&["", "-", "+"])?;
        let _ = writeln!(out, "    env:\n      - name: WORLD_SIZE\n        value: \"{sign}{}\"", number(u)?);
    }
    if u.arbitrary()? {
        out.push_str("    resources:\n");
        resources(u, out, "      ")?;
    }
    Ok(())
}

fn manifest(u: &mut Unstructured) -> Result<String> {
    let kind = *u.choose(&["Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"])?;
    let mut pod = String::new();
    if u.arbitrary()? {
        pod.push_str("tolerations:\n  - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}\n");
    }
    if u.arbitrary()? {
        let _ = writeln!(pod, "overhead:\n  cpu: \"{}\"\n  memory: \"{}\"", quantity(u)?, quantity(u)?);
    }
    if u.arbitrary()? {
        pod.push_str("initContainers:\n");
        for i in 0..u.int_in_range(1..=2)? {
            let sidecar = u.arbitrary()?;
            container(u, &mut pod, i, sidecar)?;
        }
    }
    pod.push_str("containers:\n");
    for i in 0..u.int_in_range(1..=3)? {
        container(u, &mut pod, i, false)?;
    }
    let indent = |by: usize| pod.lines().map(|l| format!("{}{l}\n", " ".repeat(by))).collect::<String>();
    let replicas: i32 = u.arbitrary()?;
    Ok(match kind {
        "Pod" => format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{}", indent(2)),
        "Job" => format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: p\nspec:\n  completionMode: Indexed\n  completions: {replicas}\n  parallelism: {}\n  template:\n    spec:\n      restartPolicy: Never\n{}",
            u.arbitrary::<i32>()?,
            indent(6)
        ),
        k => format!(
            "apiVersion: apps/v1\nkind: {k}\nmetadata:\n  name: p\nspec:\n  replicas: {replicas}\n  serviceName: p\n  selector:\n    matchLabels: {{app: p}}\n  template:\n    metadata:\n      labels: {{app: p}}\n    spec:\n{}",
            indent(6)
        ),
    })
}

fn inventory(u: &mut Unstructured) -> Result<String> {
    let mut out = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..u.int_in_range(1..=3)? {
        let _ = writeln!(out, "  - apiVersion: v1\n    kind: Node\n    metadata:\n      name: n{i}");
        if u.arbitrary()? {
            out.push_str("    spec:\n      taints:\n        - {key: nvidia.com/gpu, effect: NoSchedule}\n");
        }
        out.push_str("    status:\n");
        resources(u, &mut out, "      ")?;
        out = out.replace("      requests:\n", "      allocatable:\n").replace("      limits:\n", "      capacity:\n");
    }
    Ok(out)
}

fn file(name: &str, text: String, context: bool) -> kshape::source::SourceFile {
    kshape::source::SourceFile { name: name.into(), text, is_json: false, context, invalid_utf8_at: None, kustomize: false }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let (Ok(text), Ok(nodes)) = (manifest(&mut u), inventory(&mut u)) else { return };
    let nodes = kshape::read_nodes(file("nodes.yaml", nodes, true)).ok();
    // One thread, as in the fix target (LeakSanitizer and glibc's thread-exit allocations).
    let settings = kshape::index::Settings { threads: 1, ..Default::default() };
    let lint = kshape::lint_full(vec![file("fuzz.yaml", text.clone(), false)], "default", nodes, settings, &Default::default());
    for format in [kshape::report::Format::Compact, kshape::report::Format::Json, kshape::report::Format::Human] {
        let _ = lint.render_with(format, false, true);
    }
    for d in &lint.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end as usize <= text.len(), "span outside the file: {d:?}\n{text}");
    }
});
