//! [`GpuDaemonsetMissingToleration`](crate::rules::RuleId::GpuDaemonsetMissingToleration): a DaemonSet for GPU nodes that cannot land on them.

use super::{gpu_agent_image, tolerations_or_spec};
use crate::fix::Fix;
use crate::index::Index;
use crate::model::gpu::{
    classify_taint, gpu_node_label, platform_tainted_pool, targeted_pools, tolerates_gpu_taint, tolerates_pool_taint, TaintClass,
    ACCELERATOR_POOLS,
};
use crate::model::{Object, Workload, WorkloadKind};
use crate::rules::{About, Findings, Parts, Relation};
use crate::world::World;
use crate::yaml::{FieldPath, NodeKind, Span};

/// Why the DaemonSet's pool is known to be tainted. Not every pool is: EKS managed node groups
/// and AMD pools carry no taint unless their owners add one, and there a DaemonSet without
/// tolerations runs everywhere it should. The rule reports only with evidence.
enum Tainted {
    /// `gpu-taints` in the configuration.
    Configured,
    /// GKE taints its GPU and TPU pools itself (with this taint).
    Platform(&'static str),
    /// The DaemonSet tolerates another pool's taint: its author expects tainted GPU nodes.
    OwnOtherPool(String),
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
/// node-pool objects (Karpenter's NodePool, eksctl's ClusterConfig), as the run's facts list
/// them ([`crate::world::Fact::taints`]). Tolerations are no evidence: NVIDIA's own manifests
/// tolerate `nvidia.com/gpu` whether or not a node carries it.
struct Evidence {
    pools: Vec<Option<Seen>>,
    any: Option<Seen>,
}

impl Evidence {
    fn collect(world: &World) -> Evidence {
        let mut ev = Evidence { pools: vec![None; ACCELERATOR_POOLS.len()], any: None };
        for f in world.facts() {
            for t in f.taints() {
                let slot = match t.class {
                    TaintClass::Pool(i) => match ev.pools.get_mut(i) {
                        Some(s) => s,
                        None => continue,
                    },
                    TaintClass::AnyAccelerator => &mut ev.any,
                };
                if slot.is_none() {
                    *slot = Some(Seen { key: t.key.clone(), file: f.file, span: t.span });
                }
            }
        }
        ev
    }

    /// Where the inputs show a taint of one of `pools` (of any accelerator pool when empty).
    fn of(&self, pools: &[&str]) -> Option<&Seen> {
        let pool = self.pools.iter().enumerate().find_map(|(i, s)| {
            let s = s.as_ref()?;
            (pools.is_empty() || pools.iter().any(|p| *p == ACCELERATOR_POOLS[i].name)).then_some(s)
        });
        pool.or(self.any.as_ref())
    }
}

pub struct Rule;

/// A DaemonSet for GPU nodes that tolerates no taint of its pool, with the finding prepared;
/// whether the pool is known to be tainted may wait for the run's facts.
pub struct Subject {
    file: usize,
    about: About,
    span: Span,
    path: FieldPath,
    why: String,
    pool_name: &'static str,
    /// Pools it targets (by name), for the inputs' evidence.
    pools: Vec<&'static str>,
    /// Why the pool is tainted, when known without the other objects.
    tainted: Option<Tainted>,
    help: String,
    fix: Option<Fix>,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
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
            let pool = pools.first();
            let tainted = if !ix.settings.gpu_taints.is_empty() {
                Some(Tainted::Configured)
            } else if platform {
                Some(Tainted::Platform(pool.and_then(|p| p.taint).unwrap_or("nvidia.com/gpu")))
            } else {
                other_pool.map(Tainted::OwnOtherPool)
            };
            let y = ix.file(o);
            let Some((span, path)) = tolerations_or_spec(y, o.root, &w) else { continue };
            let key = match ix.settings.gpu_taints.first() {
                Some(k) => Some(k.as_str()),
                None => pool.map_or(Some("nvidia.com/gpu"), |p| p.taint),
            };
            let help = match key {
                Some(k) => format!("add to the pod template's tolerations the taint its nodes carry: `- {{key: {k}, operator: Exists, effect: NoSchedule}}` (`sku` on AKS)"),
                None => "add to the pod template's tolerations the taint its nodes carry (`- {key: <taint key>, operator: Exists, effect: NoSchedule}`)".to_string(),
            };
            out.push(Subject {
                file: o.file,
                about: About::of(o),
                span,
                path,
                why,
                pool_name: pool.map_or("GPU", |p| p.name),
                pools: pools.iter().map(|p| p.name).collect(),
                tainted,
                help,
                fix: key.and_then(|key| add_toleration(ix, o, &w, key)),
            });
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        let mut evidence: Option<Evidence> = None;
        for s in subjects {
            let (because, seen) = match &s.tainted {
                Some(Tainted::Configured) => ("the configuration says GPU pools are tainted (`gpu-taints`)".to_string(), None),
                Some(Tainted::Platform(key)) => (format!("GKE taints these node pools itself (`{key}=present:NoSchedule`)"), None),
                Some(Tainted::OwnOtherPool(k)) => (format!("its only GPU toleration, `{k}`, is another pool's taint"), None),
                None => match evidence.get_or_insert_with(|| Evidence::collect(world)).of(&s.pools) {
                    Some(seen) => (format!("the inputs taint those nodes `{}`", seen.key), Some(seen.clone())),
                    None => continue,
                },
            };
            let reported = out
                .report(
                    s.file,
                    s.span,
                    format!(
                        "DaemonSet `{}` {} but tolerates no taint of the {} pool, and {because}: it never runs on those nodes and they go without it",
                        s.about.name(),
                        s.why,
                        s.pool_name
                    ),
                )
                .help(s.help.clone())
                .path(s.path.clone())
                .about(&s.about)
                .fix(s.fix.clone());
            if let Some(seen) = seen {
                reported.related(seen.file, seen.span, format!("the `{}` taint, declared here", seen.key));
            }
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
