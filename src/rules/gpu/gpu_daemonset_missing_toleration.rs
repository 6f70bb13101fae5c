//! [`GpuDaemonsetMissingToleration`](crate::rules::RuleId::GpuDaemonsetMissingToleration): a DaemonSet for GPU nodes that cannot land on them.

use super::{gpu_agent_image, tolerations_or_spec};
use crate::fix::Fix;
use crate::index::Index;
use crate::model::gpu::{
    classify_taint, gpu_node_label, platform_tainted_pool, targeted_pools, tolerates_gpu_taint, tolerates_pool_taint, AcceleratorPool,
    TaintClass, ACCELERATOR_POOLS,
};
use crate::model::{Object, Workload, WorkloadKind};
use crate::rules::Findings;
use crate::yaml::{NodeId, NodeKind, Span, YamlFile};

/// Why the DaemonSet's pool is known to be tainted. Not every pool is: EKS managed node groups
/// and AMD pools carry no taint unless their owners add one, and there a DaemonSet without
/// tolerations runs everywhere it should. The rule reports only with evidence.
enum Tainted {
    /// `gpu-taints` in the configuration.
    Configured,
    /// GKE taints its GPU and TPU pools itself.
    Platform,
    /// The DaemonSet tolerates another pool's taint: its author expects tainted GPU nodes.
    OwnOtherPool(String),
    /// Another object of the inputs declares the pool's taint.
    Inputs(Seen),
}

/// A taint key the inputs declare, and where.
#[derive(Clone)]
struct Seen {
    key: String,
    file: usize,
    span: Span,
}

/// The first place the inputs declare each pool's taint ([`ACCELERATOR_POOLS`] order), and a
/// taint of GPU nodes of any vendor (`sku=gpu`, `dedicated=gpu`): `taints` on Nodes and
/// node-pool objects (Karpenter's NodePool, eksctl's ClusterConfig). Tolerations are no
/// evidence: NVIDIA's own manifests tolerate `nvidia.com/gpu` whether or not a node carries it.
/// One walk over the objects' nodes, so the rule stays linear.
struct Evidence {
    pools: Vec<Option<Seen>>,
    any: Option<Seen>,
}

impl Evidence {
    fn collect(ix: &Index) -> Evidence {
        let mut ev = Evidence { pools: vec![None; ACCELERATOR_POOLS.len()], any: None };
        // Each node once: aliases make the tree a graph (and an alias bomb an exponential one).
        let mut seen = std::collections::HashSet::new();
        for o in &ix.objects {
            let y = ix.file(o);
            let mut stack = vec![o.root];
            while let Some(n) = stack.pop() {
                if !seen.insert((o.file, n)) {
                    continue;
                }
                if let Some(entries) = y.map_entries(n) {
                    for &(k, v) in entries {
                        if y.scalar(k) == Some("taints") {
                            ev.note(o.file, y, v);
                        }
                        stack.push(v);
                    }
                } else if let Some(items) = y.seq_items(n) {
                    stack.extend_from_slice(items);
                }
            }
        }
        ev
    }

    fn note(&mut self, file: usize, y: &YamlFile, list: NodeId) {
        let mut found: Vec<(String, Option<String>, Span)> = Vec::new();
        if let Some(items) = y.seq_items(list) {
            for &item in items {
                let Some(key) = y.get(item, "key") else { continue };
                let effect = y.get_str(item, "effect").unwrap_or("");
                // A preference does not keep pods off the nodes.
                if effect == "PreferNoSchedule" {
                    continue;
                }
                if let Some(k) = y.str_value(key) {
                    found.push((k.to_string(), y.get_str(item, "value").map(str::to_string), y.span(key)));
                }
            }
        } else if let Some(entries) = y.map_entries(list) {
            // eksctl's older form: `taints: {nvidia.com/gpu: "true:NoSchedule"}`.
            for &(k, v) in entries {
                if let Some(key) = y.str_value(k) {
                    found.push((key.to_string(), y.str_value(v).map(str::to_string), y.span(k)));
                }
            }
        }
        for (key, value, span) in found {
            let slot = match classify_taint(&key, value.as_deref()) {
                Some(TaintClass::Pool(i)) => &mut self.pools[i],
                Some(TaintClass::AnyAccelerator) => &mut self.any,
                None => continue,
            };
            if slot.is_none() {
                *slot = Some(Seen { key, file, span });
            }
        }
    }

    /// Where the inputs show a taint of one of `pools` (of any accelerator pool when empty).
    fn of(&self, pools: &[&AcceleratorPool]) -> Option<&Seen> {
        let pool = self.pools.iter().enumerate().find_map(|(i, s)| {
            let s = s.as_ref()?;
            (pools.is_empty() || pools.iter().any(|p| p.name == ACCELERATOR_POOLS[i].name)).then_some(s)
        });
        pool.or(self.any.as_ref())
    }
}

pub fn check(ix: &Index, out: &mut Findings) {
    let mut evidence: Option<Evidence> = None;
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
        let platform = platform_tainted_pool(spec);
        let tolerated = if ix.settings.gpu_taints.is_empty() {
            // On GKE the platform taints the pool itself (`nvidia.com/gpu`): a custom taint's
            // toleration does not let the pods onto it.
            tolerations.clone().any(|t| tolerates_pool_taint(t, &pools, !platform))
        } else {
            let keys = ix.settings.gpu_taint_keys();
            tolerations.clone().any(|t| tolerates_gpu_taint(t, &keys))
        };
        if tolerated {
            continue;
        }
        let other_pool = tolerations.clone().find_map(|t| {
            let key = t.key.as_deref()?;
            matches!(classify_taint(key, t.value.as_deref()), Some(TaintClass::Pool(_))).then(|| key.to_string())
        });
        let tainted = if !ix.settings.gpu_taints.is_empty() {
            Tainted::Configured
        } else if platform {
            Tainted::Platform
        } else if let Some(key) = other_pool {
            Tainted::OwnOtherPool(key)
        } else {
            match evidence.get_or_insert_with(|| Evidence::collect(ix)).of(&pools) {
                Some(seen) => Tainted::Inputs(seen.clone()),
                None => continue,
            }
        };
        let y = ix.file(o);
        let Some((span, path)) = tolerations_or_spec(y, o.root, &w) else { continue };
        let pool = pools.first();
        let key = match ix.settings.gpu_taints.first() {
            Some(k) => Some(k.as_str()),
            None => pool.map_or(Some("nvidia.com/gpu"), |p| p.taint),
        };
        let pool_name = pool.map_or("GPU", |p| p.name);
        let because = match &tainted {
            Tainted::Configured => "the configuration says GPU pools are tainted (`gpu-taints`)".to_string(),
            Tainted::Platform => format!(
                "GKE taints these node pools itself (`{}=present:NoSchedule`)",
                pool.and_then(|p| p.taint).unwrap_or("nvidia.com/gpu")
            ),
            Tainted::OwnOtherPool(k) => format!("its only GPU toleration, `{k}`, is another pool's taint"),
            Tainted::Inputs(seen) => format!("the inputs taint those nodes `{}`", seen.key),
        };
        let fix = key.and_then(|key| add_toleration(ix, o, &w, key));
        let reported = out
            .report(
                o.file,
                span,
                format!(
                    "DaemonSet `{}` {why} but tolerates no taint of the {pool_name} pool, and {because}: it never runs on those nodes and they go without it",
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
        if let Tainted::Inputs(seen) = tainted {
            reported.related(seen.file, seen.span, format!("the `{}` taint, declared here", seen.key));
        }
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
