//! Custom resources that own pods (Argo Rollouts, LeaderWorkerSet, JobSet, Kubeflow jobs,
//! KubeRay): where each keeps its pod templates, and which labels its controller adds.

use super::selector::Labels;
use super::Object;
use crate::yaml::{NodeId, YamlFile};

/// A pod template of a custom workload kshape knows (`rules/custom-workloads.yaml`), with the
/// label keys and prefixes its controller adds to the pods.
pub struct CustomTemplate<'a> {
    pub object: &'a Object,
    pub labels: Labels,
    pub controller_prefixes: &'static [String],
}

/// A custom resource that owns pods, as `rules/custom-workloads.yaml` describes it.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CustomKind {
    pub group: String,
    pub kinds: Vec<String>,
    /// The API versions whose layout the table describes: only their templates are typed.
    pub versions: Vec<String>,
    /// Dotted paths to PodTemplateSpecs; `*` every value of a mapping, `[]` every list item.
    pub templates: Vec<String>,
    pub controller_labels: Vec<String>,
}

/// The table, embedded.
pub const CUSTOM_WORKLOADS: &str = include_str!("../../rules/custom-workloads.yaml");

/// The custom resources that own pods (parsed once; the file is embedded and tested, so a
/// parse failure is a build defect, and degrades to knowing none).
pub fn custom_kinds() -> &'static [CustomKind] {
    static KINDS: std::sync::OnceLock<Vec<CustomKind>> = std::sync::OnceLock::new();
    KINDS.get_or_init(|| serde_yaml::from_str(CUSTOM_WORKLOADS).unwrap_or_default())
}

/// The entry of the table for an object's group and kind.
pub fn custom_kind(group: &str, kind: &str) -> Option<&'static CustomKind> {
    custom_kinds().iter().find(|c| c.group == group && c.kinds.iter().any(|k| k == kind))
}

/// The nodes a dotted template path reaches below `root`, each with its concrete field path.
pub fn template_nodes(y: &YamlFile, root: NodeId, pattern: &str) -> Vec<(crate::yaml::FieldPath, NodeId)> {
    let mut at = vec![(crate::yaml::FieldPath::new(), root)];
    for part in pattern.split('.') {
        let mut next = Vec::new();
        for (p, n) in at {
            match part {
                "*" => {
                    for &(k, v) in y.map_entries(n).into_iter().flatten() {
                        if let Some(key) = y.scalar(k) {
                            next.push((p.clone().key(key.to_string()), v));
                        }
                    }
                }
                "[]" => {
                    for (i, &item) in y.seq_items(n).into_iter().flatten().enumerate() {
                        next.push((p.clone().index(i), item));
                    }
                }
                key => {
                    if let Some(v) = y.get(n, key) {
                        next.push((p.key(key.to_string()), v));
                    }
                }
            }
        }
        at = next;
    }
    at
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

/// The pod templates of a known custom workload, or None when the kind is not one kshape
/// knows (Some(empty) for kinds that own no pods).
pub fn known_custom<'a>(y: &YamlFile, o: &'a Object) -> Option<Vec<CustomTemplate<'a>>> {
    let g = o.group();
    if g.is_empty() && o.kind == "ReplicationController" {
        let Some(t) = y.get(o.root, "spec").and_then(|s| y.get(s, "template")) else { return Some(Vec::new()) };
        let labels = labels_of(y, y.get(t, "metadata").and_then(|m| y.get(m, "labels")));
        return Some(vec![CustomTemplate { object: o, labels, controller_prefixes: &[] }]);
    }
    if builtin_group(g) || NON_POD_GROUPS.contains(&g) {
        return Some(Vec::new());
    }
    let c = custom_kind(g, &o.kind)?;
    let mut found = Vec::new();
    for t in &c.templates {
        for (_, node) in template_nodes(y, o.root, t) {
            // A template without labels still has pods.
            found.push(labels_of(y, y.get(node, "metadata").and_then(|m| y.get(m, "labels"))));
        }
    }
    if c.templates.is_empty() {
        found.push(Labels::new());
    }
    Some(found.into_iter().map(|labels| CustomTemplate { object: o, labels, controller_prefixes: &c.controller_labels }).collect())
}

fn labels_of(y: &YamlFile, map: Option<NodeId>) -> Labels {
    map.and_then(|m| y.map_entries(m))
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((y.scalar(*k)?.to_string(), y.scalar(*v)?.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_parses_and_names_each_kind_once() {
        let parsed: Result<Vec<super::CustomKind>, _> = serde_yaml::from_str(super::CUSTOM_WORKLOADS);
        let kinds = parsed.expect("rules/custom-workloads.yaml parses");
        assert!(kinds.len() >= 14, "{}", kinds.len());
        let mut seen = std::collections::HashSet::new();
        for k in &kinds {
            for kind in &k.kinds {
                assert!(seen.insert((k.group.clone(), kind.clone())), "{}/{kind} twice", k.group);
            }
        }
        assert!(super::custom_kind("leaderworkerset.x-k8s.io", "LeaderWorkerSet").is_some());
    }
}
