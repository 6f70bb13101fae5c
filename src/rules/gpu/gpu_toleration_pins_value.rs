//! [`GpuTolerationPinsValue`](crate::rules::RuleId::GpuTolerationPinsValue): a GPU-taint toleration that matches one taint value only.

use crate::index::Index;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    let keys = ix.settings.gpu_taint_keys();
    for (o, w, _) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        // GKE taints its GPU pools `nvidia.com/gpu=present` and adds the toleration to pods
        // that request GPUs: a pod that selects a GKE accelerator runs on no other pools.
        if spec.node_selector.as_ref().is_some_and(|s| s.contains_key("cloud.google.com/gke-accelerator")) {
            continue;
        }
        let y = ix.file(o);
        for (i, t) in spec.tolerations.iter().flatten().enumerate() {
            let key = t.key.as_deref().unwrap_or("");
            let equal = t.operator.as_deref().is_none_or(|op| op.is_empty() || op == "Equal");
            let Some(value) = t.value.as_deref().filter(|v| !v.is_empty()) else { continue };
            // AKS always taints `sku=gpu`: pinning that value is the documented toleration.
            if !keys.contains(&key) || key == "sku" || !equal {
                continue;
            }
            let path = w.pod_spec_path().join(&path!["tolerations", i, "value"]);
            let Some(node) = y.lookup(o.root, &path) else { continue };
            out.report(o.file,
                    y.span(node),
                    format!("the toleration for `{key}` only matches the value `{value}`: installers taint GPU pools with `present`, `true` or no value, so pools tainted another way still repel the pod"),
                )
                .help(format!("use `operator: Exists` and drop the value: `{{key: {key}, operator: Exists, effect: NoSchedule}}`"))
                .path(path)
                .object(o);
        }
    }
}
