//! [`MultinodeInferenceAsDeployment`](crate::rules::RuleId::MultinodeInferenceAsDeployment): one model-serving engine spread over a Deployment
//! and another workload.

use super::at_kind;
use crate::classify::{command_line, Shape};
use crate::index::Index;
use crate::model::workload::containers;
use crate::model::WorkloadKind;
use crate::rules::Findings;
use regex::Regex;
use std::sync::OnceLock;

struct Patterns {
    ray_join: Regex,
    parallel: Regex,
    ray_or_rank: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    P.get_or_init(|| {
        Some(Patterns {
            ray_join: Regex::new(r"\bray\s+start\b[^;&|\n]*--address\b").ok()?,
            parallel: Regex::new(r"(--pipeline-parallel-size|--nnodes)[=\s]+0*([2-9]|[1-9][0-9]+)\b").ok()?,
            ray_or_rank: Regex::new(r"\bray\b|--node-rank\b|--node_rank\b|--dist-init-addr\b").ok()?,
        })
    })
    .as_ref()
}

pub fn check(ix: &Index, out: &mut Findings) {
    let Some(p) = patterns() else { return };
    for (o, w, c) in ix.workloads() {
        if w.kind != WorkloadKind::Deployment || !c.has(Shape::InferenceServer) {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        let reason = containers(spec).find_map(|(_, _, ctr)| {
            let line = command_line(ctr);
            if let Some(m) = p.ray_join.find(&line) {
                return Some(format!("`{}` joins a Ray cluster run by another workload", crate::util::ellipsize(m.as_str(), 60)));
            }
            match (p.parallel.find(&line), p.ray_or_rank.find(&line)) {
                (Some(par), Some(with)) => {
                    Some(format!("`{}` with `{}` spreads one engine over several pods", par.as_str(), with.as_str()))
                }
                _ => None,
            }
        });
        let Some(reason) = reason else { continue };
        at_kind(out, ix, o,
            format!(
                "Deployment `{}` is one part of a multi-node inference engine ({reason}): Deployments have independent lifecycles, so restarting or scaling one part breaks the whole engine",
                o.name.as_deref().unwrap_or("")
            ),
            "run the group as one unit: a LeaderWorkerSet (leader + workers restarted together), a KubeRay RayService, or a StatefulSet with a headless Service".into(),
        );
    }
}
