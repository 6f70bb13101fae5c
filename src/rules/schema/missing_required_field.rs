//! [`MissingRequiredField`](crate::rules::RuleId::MissingRequiredField): a field the API server requires is absent (or empty).
//! k8s-openapi silently defaults missing required fields, so this looks at the node tree.

use crate::index::Index;
use crate::model::{is_builtin_kind, WorkloadKind};
use crate::path;
use crate::rules::Findings;
use crate::yaml::{FieldPath, NodeId, Span, Step, YamlFile};

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        let y = ix.file(o);
        let mut emit = |span: Span, path: &FieldPath, message: String, help: &str| {
            out.report(o.file, span, message).help(help).path(path.clone()).object(o);
        };
        let doc_start = Span::at(y.span(o.root).start as usize);
        if y.get_str(o.root, "apiVersion").is_none_or(str::is_empty) {
            emit(
                doc_start,
                &path!["apiVersion"],
                format!("{} has no `apiVersion`", o.kind),
                "add `apiVersion` (e.g. `apps/v1` for a Deployment, `v1` for a Service): the API server cannot read the object without it",
            );
        }
        let meta = y.get(o.root, "metadata");
        if meta.is_some() || is_builtin_kind(&o.kind) {
            let has = |k: &str| meta.and_then(|m| y.get_str(m, k)).is_some_and(|s| !s.is_empty());
            if !has("name") && !has("generateName") {
                let span = y.missing_span(o.root, &path!["metadata", "name"]);
                emit(
                    span,
                    &path!["metadata", "name"],
                    format!("{} has no `metadata.name`", o.kind),
                    "add `metadata.name` (or `metadata.generateName` for objects created with `kubectl create`)",
                );
            }
        }
        let Some(w) = o.workload() else { continue };
        if looks_like_patch(y, o.root, &w) {
            continue;
        }
        let needs_selector =
            matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet | WorkloadKind::ReplicaSet);
        if needs_selector {
            let spec = y.get(o.root, "spec").filter(|s| y.map_entries(*s).is_some());
            if spec.is_none() {
                emit(
                    y.missing_span(o.root, &path!["spec"]),
                    &path!["spec"],
                    format!("{} has no `spec`", o.kind),
                    "add a `spec` with a `selector` and a pod `template`",
                );
                continue;
            }
            if o.removed.is_none() && !present(y, o.root, &path!["spec", "selector"]) {
                let p = path!["spec", "selector"];
                emit(y.missing_span(o.root, &p), &p, format!("{} has no `spec.selector`", o.kind), "add `selector.matchLabels` with the labels of the pod template (`spec.template.metadata.labels`); apps/v1 requires it and it cannot be changed later");
            }
            if !present(y, o.root, &path!["spec", "template"]) {
                let p = path!["spec", "template"];
                emit(
                    y.missing_span(o.root, &p),
                    &p,
                    format!("{} has no pod `spec.template`", o.kind),
                    "add `template` with `metadata.labels` and a pod `spec` listing the containers",
                );
                continue;
            }
        }
        if matches!(w.kind, WorkloadKind::CronJob) && !present(y, o.root, &path!["spec", "jobTemplate"]) {
            let p = path!["spec", "jobTemplate"];
            emit(
                y.missing_span(o.root, &p),
                &p,
                "CronJob has no `spec.jobTemplate`".into(),
                "add `jobTemplate` with the Job's spec and pod template",
            );
            continue;
        }
        let ps = w.pod_spec_path();
        // A template that exists without a pod spec, or a pod spec without containers.
        let template_exists = !w.has_template() || present(y, o.root, &w.template_path());
        if !template_exists {
            continue;
        }
        let cp = ps.clone().key("containers");
        let containers = y.lookup(o.root, &cp);
        let empty = containers.map(|c| y.seq_items(c).is_some_and(|s| s.is_empty()) || y.is_null(c)).unwrap_or(true);
        if empty {
            let span = match containers {
                Some(_) => y.lookup_key(o.root, &cp).map(|k| y.span(k)).unwrap_or(doc_start),
                None => y.missing_span(o.root, &cp),
            };
            emit(
                span,
                &cp,
                format!("the pod spec of {} has no containers", o.kind),
                "add at least one container with a `name` and an `image` under `containers`",
            );
        }
        for list in ["containers", "initContainers"] {
            let lp = ps.clone().key(list);
            let Some(items) = y.lookup(o.root, &lp).and_then(|l| y.seq_items(l)) else {
                continue;
            };
            for (i, &item) in items.iter().enumerate() {
                if y.map_entries(item).is_none() {
                    continue; // a type error, reported by [`InvalidFieldType`](crate::rules::RuleId::InvalidFieldType)
                }
                for field in ["name", "image"] {
                    if y.get_str(item, field).is_some_and(|s| !s.is_empty()) {
                        continue;
                    }
                    let p = lp.clone().index(i).key(field);
                    let which = y
                        .get_str(item, "name")
                        .filter(|n| !n.is_empty())
                        .map(|n| format!("container `{n}`"))
                        .unwrap_or_else(|| format!("{list}[{i}]"));
                    let help = if field == "name" {
                        "add a `name` (a DNS label, unique within the pod)"
                    } else {
                        "add the `image` to run, pinned to a tag or digest"
                    };
                    emit(item_span(y, item), &p, format!("{which} has no `{field}`"), help);
                }
            }
        }
    }
}

fn present(y: &YamlFile, root: NodeId, path: &[Step]) -> bool {
    y.lookup(root, path).is_some_and(|n| !y.is_null(n))
}

/// A list item has no key of its own: point at its first key.
fn item_span(y: &YamlFile, item: NodeId) -> Span {
    y.map_entries(item).and_then(|e| e.first()).map(|(k, _)| y.span(*k)).unwrap_or_else(|| y.span(item))
}

/// A workload with no selector and either no container image or no pod labels is a
/// strategic-merge patch (kustomize overlays, `kubectl patch` files) that no kustomization
/// beside it names: partial by design, so its missing fields are not findings. A whole
/// manifest that forgot its selector still labels its pods.
pub(crate) fn looks_like_patch(y: &YamlFile, root: NodeId, w: &crate::model::Workload) -> bool {
    let has_selector = present(y, root, &path!["spec", "selector"]);
    let needs_selector =
        matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet | WorkloadKind::ReplicaSet);
    if has_selector || !needs_selector {
        return false;
    }
    let labels = w.template_path().join(&path!["metadata", "labels"]);
    if w.has_template() && !present(y, root, &labels) {
        return true;
    }
    let p = w.pod_spec_path().key("containers");
    match y.lookup(root, &p).and_then(|c| y.seq_items(c)) {
        Some(items) => !items.is_empty() && items.iter().all(|&c| y.get_str(c, "image").is_none_or(str::is_empty)),
        // No containers at all: a patch of other pod fields (nodeSelector, tolerations, replicas).
        None => true,
    }
}
