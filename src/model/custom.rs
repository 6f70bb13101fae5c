//! Custom resources that own pods (Argo Rollouts, LeaderWorkerSet, JobSet, Kubeflow jobs,
//! KubeRay): where each keeps its pod templates, and which labels its controller adds.

use super::selector::Labels;
use super::Object;
use crate::yaml::{NodeId, YamlFile};

/// A pod template of a custom workload kshape knows (Argo Rollout, LeaderWorkerSet, JobSet,
/// Kubeflow jobs, KubeRay), with the label prefixes its controller adds to the pods.
pub struct CustomTemplate<'a> {
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
pub fn builtin_group(g: &str) -> bool {
    g.is_empty() || g == "extensions" || g == "apps" || g == "batch" || g == "autoscaling" || g == "policy" || g.ends_with(".k8s.io")
}

/// Labels found at `path` (keys; `*` walks every value of a mapping, `[]` every list item).
fn labels_at(y: &YamlFile, node: NodeId, path: &[&str], out: &mut Vec<Labels>) {
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
pub fn known_custom<'a>(y: &YamlFile, o: &'a Object) -> Option<Vec<CustomTemplate<'a>>> {
    let g = o.group();
    if g.is_empty() && o.kind == "ReplicationController" {
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
    let mut found = Vec::new();
    for p in &paths {
        labels_at(y, o.root, p, &mut found);
    }
    if paths.is_empty() {
        found.push(Labels::new());
    }
    Some(found.into_iter().map(|labels| CustomTemplate { object: o, labels, controller_prefixes: prefixes }).collect())
}
