//! [`GpuDaemonsetMissingToleration`](crate::rules::RuleId::GpuDaemonsetMissingToleration): a DaemonSet for GPU nodes that cannot land on them.

use super::{gpu_agent_image, tolerations_or_spec};
use crate::fix::Fix;
use crate::index::Index;
use crate::model::gpu::{gpu_node_label, tolerates_gpu_taint};
use crate::model::{Object, Workload, WorkloadKind};
use crate::rules::Findings;
use crate::yaml::NodeKind;

pub fn check(ix: &Index, out: &mut Findings) {
    for (o, w, _) in ix.workloads() {
        if w.kind != WorkloadKind::DaemonSet {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        let why = match (gpu_agent_image(spec), gpu_node_label(spec)) {
            (Some(image), _) => format!("runs the GPU node agent `{image}`"),
            (None, Some(label)) => format!("selects GPU nodes (`{label}`)"),
            (None, None) => continue,
        };
        let keys = ix.settings.gpu_taint_keys();
        if spec.tolerations.iter().flatten().any(|t| tolerates_gpu_taint(t, &keys)) {
            continue;
        }
        let y = ix.file(o);
        let Some((span, path)) = tolerations_or_spec(y, o.root, &w) else { continue };
        let amd = gpu_agent_image(spec).is_some_and(|i| i.contains("amd") || i.contains("rocm"))
            || gpu_node_label(spec).is_some_and(|l| l.starts_with("amd.com"));
        let key = match keys.first() {
            Some(k) if !ix.settings.gpu_taints.is_empty() => k,
            _ if amd => "amd.com/gpu",
            _ => "nvidia.com/gpu",
        };
        let fix = add_toleration(ix, o, &w, key);
        out.report(o.file,
                span,
                format!(
                    "DaemonSet `{}` {why} but tolerates no GPU-pool taint: GPU node pools are usually tainted (nvidia.com/gpu, amd.com/gpu, sku=gpu), so it never runs there and the GPU nodes go without it",
                    o.name.as_deref().unwrap_or("")
                ),
            )
            .help("add to the pod template's tolerations: `- {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}` (amd.com/gpu on AMD pools, `sku` on AKS)")
            .path(path)
            .object(o)
            .fix(fix);
    }
}

/// Adds `{key: KEY, operator: Exists, effect: NoSchedule}` to the pod template's tolerations,
/// creating `tolerations:` in the pod spec's own indentation style when there is none.
fn add_toleration(ix: &Index, o: &Object, w: &Workload, key: &str) -> Option<Fix> {
    let y = ix.file(o);
    let ed = ix.editor(o);
    let ps_path = w.pod_spec_path();
    let ps = y.lookup(o.root, &ps_path)?;
    let key = crate::fix::scalar(key);
    let flow = format!("{{key: {key}, operator: Exists, effect: NoSchedule}}");
    let item = |dash: usize| {
        let pad = " ".repeat(dash);
        vec![format!("{pad}- key: {key}"), format!("{pad}  operator: Exists"), format!("{pad}  effect: NoSchedule")]
    };
    let edit = match y.get(ps, "tolerations") {
        Some(t) if ed.is_flow(t) => ed.append_flow_item(t, &flow)?,
        Some(t) if matches!(y.node(t).kind, NodeKind::Seq(_)) => ed.append_item(t, &item(0))?,
        Some(_) => return None,
        None if ed.is_flow(ps) => ed.append_flow_entry(ps, &format!("tolerations: [{flow}]"))?,
        None => {
            let (_, dash) = ed.style(ps);
            let mut lines = vec!["tolerations:".to_string()];
            lines.extend(item(dash));
            ed.append_entry(ps, &lines)?
        }
    };
    Some(Fix { description: format!("tolerate the `{key}` taint (operator Exists, effect NoSchedule)"), edits: vec![edit] })
}
