//! [`GpuDaemonsetMissingToleration`](crate::rules::RuleId::GpuDaemonsetMissingToleration): a DaemonSet for GPU nodes that cannot land on them.

use super::{gpu_agent_image, tolerations_or_spec};
use crate::fix::Fix;
use crate::index::Index;
use crate::model::gpu::{gpu_node_label, platform_tainted_pool, targeted_pools, tolerates_gpu_taint, tolerates_pool_taint};
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
        // The pool the DaemonSet targets decides which taint it must tolerate: an agent for AWS
        // virtual GPUs tolerates `k8s.amazonaws.com/vgpu`, not `nvidia.com/gpu`.
        let pools = targeted_pools(spec);
        let tolerations = spec.tolerations.iter().flatten();
        let tolerated = if ix.settings.gpu_taints.is_empty() {
            // On GKE the platform taints the pool itself (`nvidia.com/gpu`): a custom taint's
            // toleration does not let the pods onto it.
            let custom = !platform_tainted_pool(spec);
            tolerations.clone().any(|t| tolerates_pool_taint(t, &pools, custom))
        } else {
            let keys = ix.settings.gpu_taint_keys();
            tolerations.clone().any(|t| tolerates_gpu_taint(t, &keys))
        };
        if tolerated {
            continue;
        }
        let y = ix.file(o);
        let Some((span, path)) = tolerations_or_spec(y, o.root, &w) else { continue };
        let pool = pools.first();
        let key = match ix.settings.gpu_taints.first() {
            Some(k) => Some(k.as_str()),
            None => pool.map_or(Some("nvidia.com/gpu"), |p| p.taint),
        };
        let pool_name = pool.map_or("GPU", |p| p.name);
        let usual = match pool.and_then(|p| p.taint) {
            Some(t) => format!("`{t}`, or `sku=gpu` on AKS"),
            None => "nvidia.com/gpu, amd.com/gpu, sku=gpu".to_string(),
        };
        let fix = key.and_then(|key| add_toleration(ix, o, &w, key));
        out.report(o.file,
                span,
                format!(
                    "DaemonSet `{}` {why} but tolerates no taint of the {pool_name} pool: such node pools are usually tainted ({usual}), so it never runs there and the nodes go without it",
                    o.name.as_deref().unwrap_or("")
                ),
            )
            .help(match key {
                Some(k) => format!("add to the pod template's tolerations the taint its nodes carry: `- {{key: {k}, operator: Exists, effect: NoSchedule}}` (`sku` on AKS)"),
                None => "add to the pod template's tolerations the taint its nodes carry (`- {key: <taint key>, operator: Exists, effect: NoSchedule}`)".to_string(),
            })
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
