//! Identity, selection, storage and replicas rules: objects that refer to each other across the
//! files of a run (and `--context` files), resolved by namespace.
//!
//! Files under a kustomize directory are inputs of `kustomize build`: their names, namespaces
//! and labels may still change, so the rules that follow a reference between objects do not
//! report on them (see docs/architecture.md); rules about one object alone still do.

pub mod hpa_target_not_found;
pub mod overlapping_selectors;
pub mod replicas_missing;
pub mod replicas_with_hpa;
pub mod selector_template_mismatch;
pub mod service_selects_nothing;
pub mod service_target_port_missing;
pub mod shared_rwo_claim;
pub mod statefulset_partition_stalls_rollout;
pub mod statefulset_pvc_deleted;
pub mod statefulset_service_name_missing;
pub mod statefulset_service_not_found;
pub mod statefulset_service_not_headless;
pub mod statefulset_service_selector_mismatch;
pub mod unused_volume_claim_template;
pub mod volume_mount_undefined;

use crate::index::Index;
use crate::model::selector::Labels;
use crate::model::{Object, Typed, Workload, WorkloadKind};
use k8s_openapi::api::core::v1::Service;
use std::collections::HashMap;

/// Whether cross-object references of this object can be judged soundly.
pub(crate) fn resolvable(ix: &Index, o: &Object) -> bool {
    !ix.files[o.file].source.kustomize
}

/// Services by (namespace, name).
pub(crate) fn services(ix: &Index) -> HashMap<(&str, &str), (&Object, &Service)> {
    let mut m = HashMap::new();
    for o in &ix.objects {
        if let (Some(Typed::Service(s)), Some(name)) = (&o.typed, o.name.as_deref()) {
            m.entry((ix.namespace_of(o), name)).or_insert((o, s.as_ref()));
        }
    }
    m
}

/// The labels a workload's pods carry: its template's, plus those its controller adds.
/// `wanted` supplies values for labels that differ from pod to pod (a StatefulSet's pod name).
pub(crate) fn pod_labels(w: &Workload, wanted: &Labels) -> Labels {
    let mut labels: Labels = w.pod_meta.and_then(|m| m.labels.clone()).unwrap_or_default();
    let name = w.meta.name.clone().unwrap_or_default();
    match w.kind {
        WorkloadKind::Job | WorkloadKind::CronJob => {
            if w.kind == WorkloadKind::Job {
                labels.entry("job-name".into()).or_insert(name.clone());
                labels.entry("batch.kubernetes.io/job-name".into()).or_insert(name.clone());
            }
            for key in ["controller-uid", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index"] {
                if let Some(v) = wanted.get(key) {
                    labels.entry(key.into()).or_insert(v.clone());
                }
            }
        }
        WorkloadKind::StatefulSet => {
            let replicas = i64::from(w.replicas.unwrap_or(1));
            if let Some(v) = wanted.get("statefulset.kubernetes.io/pod-name") {
                let ok = v.strip_prefix(&format!("{name}-")).and_then(|n| n.parse::<i64>().ok()).is_some_and(|i| i < replicas);
                if ok {
                    labels.entry("statefulset.kubernetes.io/pod-name".into()).or_insert(v.clone());
                }
            }
            if let Some(v) = wanted.get("apps.kubernetes.io/pod-index") {
                if v.parse::<i64>().is_ok_and(|i| (0..replicas).contains(&i)) {
                    labels.entry("apps.kubernetes.io/pod-index".into()).or_insert(v.clone());
                }
            }
            if let Some(v) = wanted.get("controller-revision-hash") {
                labels.entry("controller-revision-hash".into()).or_insert(v.clone());
            }
        }
        WorkloadKind::Deployment | WorkloadKind::ReplicaSet => {
            if let Some(v) = wanted.get("pod-template-hash") {
                labels.entry("pod-template-hash".into()).or_insert(v.clone());
            }
        }
        WorkloadKind::DaemonSet => {
            for key in ["controller-revision-hash", "pod-template-generation"] {
                if let Some(v) = wanted.get(key) {
                    labels.entry(key.into()).or_insert(v.clone());
                }
            }
        }
        WorkloadKind::Pod => {}
    }
    labels
}

/// Whether the HPAs or KEDA ScaledObjects of the run target this workload.
pub(crate) fn autoscalers<'a>(ix: &'a Index) -> HashMap<(&'a str, &'a str, &'a str), &'a Object> {
    let mut m = HashMap::new();
    for o in &ix.objects {
        let scaler =
            (o.kind == "HorizontalPodAutoscaler" && o.group() == "autoscaling") || (o.kind == "ScaledObject" && o.group() == "keda.sh");
        if !scaler {
            continue;
        }
        let y = ix.file(o);
        let Some(r) = y.get(o.root, "spec").and_then(|s| y.get(s, "scaleTargetRef")) else { continue };
        let kind = y.get_str(r, "kind").unwrap_or("Deployment");
        if let Some(name) = y.get_str(r, "name") {
            m.insert((ix.namespace_of(o), kind, name), o);
        }
    }
    m
}

/// A pod template of a custom workload kshape knows (Argo Rollout, LeaderWorkerSet, JobSet,
/// Kubeflow jobs, KubeRay), with the label prefixes its controller adds to the pods.
pub(crate) struct CustomTemplate<'a> {
    pub object: &'a Object,
    pub labels: Labels,
    pub controller_prefixes: &'static [&'static str],
}

/// Groups whose objects never own pods (monitoring, certificates, routing, queues, scaling).
const NON_POD_GROUPS: &[&str] = &[
    "monitoring.coreos.com",
    "cert-manager.io",
    "gateway.networking.k8s.io",
    "networking.istio.io",
    "security.istio.io",
    "telemetry.istio.io",
    "keda.sh",
    "kueue.x-k8s.io",
    "inference.networking.x-k8s.io",
    "external-secrets.io",
    "kustomize.config.k8s.io",
];

/// Whether an object's API group is one of Kubernetes' own.
pub(crate) fn builtin_group(g: &str) -> bool {
    g.is_empty() || g == "extensions" || g == "apps" || g == "batch" || g == "autoscaling" || g == "policy" || g.ends_with(".k8s.io")
}

/// Labels found at `path` (keys; `*` walks every value of a mapping, `[]` every list item).
fn labels_at(y: &crate::yaml::YamlFile, node: crate::yaml::NodeId, path: &[&str], out: &mut Vec<Labels>) {
    let Some((first, rest)) = path.split_first() else {
        let labels: Labels = y
            .map_entries(node)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((y.scalar(*k)?.to_string(), y.scalar(*v)?.to_string())))
            .collect();
        out.push(labels);
        return;
    };
    match *first {
        "*" => {
            for (_, v) in y.map_entries(node).into_iter().flatten() {
                labels_at(y, *v, rest, out);
            }
        }
        "[]" => {
            for &i in y.seq_items(node).into_iter().flatten() {
                labels_at(y, i, rest, out);
            }
        }
        k => {
            if let Some(v) = y.get(node, k) {
                labels_at(y, v, rest, out);
            } else if rest.is_empty() {
                out.push(Labels::new()); // a template without labels still has pods
            }
        }
    }
}

/// The pod templates of a known custom workload, or None when the kind is not one kshape
/// knows (Some(empty) for kinds that own no pods).
pub(crate) fn known_custom<'a>(ix: &'a Index, o: &'a Object) -> Option<Vec<CustomTemplate<'a>>> {
    let g = o.group();
    if g.is_empty() && o.kind == "ReplicationController" {
        let y = ix.file(o);
        let mut found = Vec::new();
        labels_at(y, o.root, &["spec", "template", "metadata", "labels"], &mut found);
        return Some(found.into_iter().map(|labels| CustomTemplate { object: o, labels, controller_prefixes: &[] }).collect());
    }
    if builtin_group(g) || NON_POD_GROUPS.contains(&g) {
        return Some(Vec::new());
    }
    const T: &[&str] = &["template", "metadata", "labels"];
    let (paths, prefixes): (Vec<Vec<&str>>, &'static [&'static str]) = match (g, o.kind.as_str()) {
        ("argoproj.io", "Rollout") => (vec![vec!["spec", "template", "metadata", "labels"]], &["rollouts-pod-template-hash"]),
        ("leaderworkerset.x-k8s.io", "LeaderWorkerSet") => (
            vec![
                vec!["spec", "leaderWorkerTemplate", "leaderTemplate", "metadata", "labels"],
                vec!["spec", "leaderWorkerTemplate", "workerTemplate", "metadata", "labels"],
            ],
            &["leaderworkerset.sigs.k8s.io/", "statefulset.kubernetes.io/", "apps.kubernetes.io/", "controller-revision-hash"],
        ),
        ("jobset.x-k8s.io", "JobSet") => (
            vec![vec!["spec", "replicatedJobs", "[]", "template", "spec", "template", "metadata", "labels"]],
            &["jobset.sigs.k8s.io/", "batch.kubernetes.io/", "job-name", "controller-uid"],
        ),
        ("kubeflow.org", "PyTorchJob" | "MPIJob" | "TFJob" | "XGBoostJob" | "PaddleJob" | "JAXJob") => {
            let field = match o.kind.as_str() {
                "PyTorchJob" => "pytorchReplicaSpecs",
                "MPIJob" => "mpiReplicaSpecs",
                "TFJob" => "tfReplicaSpecs",
                "XGBoostJob" => "xgbReplicaSpecs",
                "PaddleJob" => "paddleReplicaSpecs",
                _ => "jaxReplicaSpecs",
            };
            (
                vec![[&["spec", field, "*"][..], T].concat()],
                &["training.kubeflow.org/", "job-name", "replica-type", "replica-index", "group-name"],
            )
        }
        ("trainer.kubeflow.org", "TrainJob") => {
            (Vec::new(), &["trainer.kubeflow.org/", "jobset.sigs.k8s.io/", "batch.kubernetes.io/", "job-name"])
        }
        ("ray.io", "RayCluster" | "RayJob" | "RayService") => {
            let base: &[&str] = match o.kind.as_str() {
                "RayCluster" => &["spec"],
                "RayJob" => &["spec", "rayClusterSpec"],
                _ => &["spec", "rayClusterConfig"],
            };
            (vec![[base, &["headGroupSpec"], T].concat(), [base, &["workerGroupSpecs", "[]"], T].concat()], &["ray.io/"])
        }
        _ => return None,
    };
    let y = ix.file(o);
    let mut found = Vec::new();
    for p in &paths {
        labels_at(y, o.root, p, &mut found);
    }
    if paths.is_empty() {
        found.push(Labels::new());
    }
    Some(found.into_iter().map(|labels| CustomTemplate { object: o, labels, controller_prefixes: prefixes }).collect())
}

/// The directory of the file an object came from: the unit `kubectl apply -f dir/` applies.
pub(crate) fn dir_of<'a>(ix: &'a Index, o: &Object) -> &'a str {
    let name = &ix.files[o.file].source.name;
    name.rsplit_once(['/', '\\']).map(|(d, _)| d).unwrap_or("")
}
