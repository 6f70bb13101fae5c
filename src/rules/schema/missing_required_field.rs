//! [`MissingRequiredField`](crate::rules::RuleId::MissingRequiredField): a field the API server requires is absent (or empty).
//! k8s-openapi silently defaults missing required fields, so this looks at the node tree.

use crate::index::Index;
use crate::model::{is_builtin_kind, Object, Workload, WorkloadKind};
use crate::path;
use crate::rules::Findings;
use crate::yaml::de::IssueKind;
use crate::yaml::{FieldPath, NodeId, Span, Step, YamlFile};

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        // A patch or a template an operator completes is partial by design.
        if o.completion.is_some() {
            continue;
        }
        let y = ix.file(o);
        let mut cx = Cx { out, o, y, doc_start: Span::at(y.span(o.root).start as usize), emitted: Vec::new() };
        cx.identity();
        if let Some(w) = o.workload() {
            // A template that exists without a pod spec, or a pod spec without containers.
            if cx.controller_spec(&w) && (!w.has_template() || present(y, o.root, &w.template_path())) {
                cx.containers(&w);
            }
        }
        cx.schema();
    }
}

/// One object being checked, and where its findings go.
struct Cx<'a> {
    out: &'a mut Findings,
    o: &'a Object,
    y: &'a YamlFile,
    /// Where a finding about the whole object points.
    doc_start: Span,
    /// The paths reported by the checks above: the schema's own findings skip them.
    emitted: Vec<FieldPath>,
}

impl Cx<'_> {
    fn emit(&mut self, span: Span, path: &FieldPath, message: String, help: &str) {
        self.out.report(self.o.file, span, message).help(help).path(path.clone()).object(self.o);
        self.emitted.push(path.clone());
    }

    /// Every other field the schema requires (k8s-openapi's non-optional fields, found while
    /// typing the object): a `roleRef` of a RoleBinding, the `verbs` of a rule, a
    /// `containerPort`, an Ingress path's `pathType`. Not under `status`, which the API server
    /// writes, and not where a check above reported the same place.
    fn schema(&mut self) {
        let (o, y) = (self.o, self.y);
        for issue in &o.issues {
            let IssueKind::MissingField { ty, field } = issue.kind else { continue };
            if issue.path.steps().first().and_then(|s| s.as_key()) == Some("status") {
                continue;
            }
            if self.emitted.iter().any(|e| e.starts_with(issue.path.steps()) || issue.path.starts_with(e.steps())) {
                continue;
            }
            // `pytorchReplicaSpec:` beside the missing `pytorchReplicaSpecs`: the typo is the
            // finding (with its "did you mean"), not a second one for the same key.
            let parent_path = issue.path.parent();
            let typo = o.issues.iter().any(|u| {
                matches!(u.kind, IssueKind::UnknownField { .. })
                    && u.path.parent() == parent_path
                    && y.scalar(u.node)
                        .is_some_and(|k| crate::util::did_you_mean(k, [field]).is_some() || field.starts_with(k) || k.starts_with(field))
            });
            if typo {
                continue;
            }
            // A list item has no key of its own: point at its first key; else where the field
            // would go.
            let parent = issue.path.parent().filter(|p| !p.is_empty());
            let span = match parent.as_ref().map(|p| (p, p.steps().last())) {
                Some((p, Some(Step::Index(_)))) => {
                    y.lookup(o.root, p).map_or_else(|| y.missing_span(o.root, &issue.path), |n| item_span(y, n))
                }
                _ => y.missing_span(o.root, &issue.path),
            };
            let within = parent.as_ref().map_or_else(|| o.kind.clone(), |p| format!("`{p}` ({ty})"));
            self.out
                .report(o.file, span, format!("{within} has no `{field}`, which the API server requires"))
                .help(format!("add `{field}` to the {ty}: the API server rejects the object without it"))
                .path(issue.path.clone())
                .object(o);
        }
    }

    /// `apiVersion` and `metadata.name` (or `generateName`).
    fn identity(&mut self) {
        let (o, y) = (self.o, self.y);
        if y.get_str(o.root, "apiVersion").is_none_or(str::is_empty) {
            self.emit(
                self.doc_start,
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
                self.emit(
                    span,
                    &path!["metadata", "name"],
                    format!("{} has no `metadata.name`", o.kind),
                    "add `metadata.name` (or `metadata.generateName` for objects created with `kubectl create`)",
                );
            }
        }
    }

    /// A controller's `spec`, `selector` and `template`, a CronJob's `jobTemplate`. False when
    /// there is no pod template to look into.
    fn controller_spec(&mut self, w: &Workload) -> bool {
        let (o, y) = (self.o, self.y);
        let needs_selector =
            matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet | WorkloadKind::ReplicaSet);
        if needs_selector {
            let spec = y.get(o.root, "spec").filter(|s| y.map_entries(*s).is_some());
            if spec.is_none() {
                self.emit(
                    y.missing_span(o.root, &path!["spec"]),
                    &path!["spec"],
                    format!("{} has no `spec`", o.kind),
                    "add a `spec` with a `selector` and a pod `template`",
                );
                return false;
            }
            if o.removed.is_none() && !present(y, o.root, &path!["spec", "selector"]) {
                let p = path!["spec", "selector"];
                self.emit(y.missing_span(o.root, &p), &p, format!("{} has no `spec.selector`", o.kind), "add `selector.matchLabels` with the labels of the pod template (`spec.template.metadata.labels`); apps/v1 requires it and it cannot be changed later");
            }
            if !present(y, o.root, &path!["spec", "template"]) {
                let p = path!["spec", "template"];
                self.emit(
                    y.missing_span(o.root, &p),
                    &p,
                    format!("{} has no pod `spec.template`", o.kind),
                    "add `template` with `metadata.labels` and a pod `spec` listing the containers",
                );
                return false;
            }
        }
        if matches!(w.kind, WorkloadKind::CronJob) && !present(y, o.root, &path!["spec", "jobTemplate"]) {
            let p = path!["spec", "jobTemplate"];
            self.emit(
                y.missing_span(o.root, &p),
                &p,
                "CronJob has no `spec.jobTemplate`".into(),
                "add `jobTemplate` with the Job's spec and pod template",
            );
            return false;
        }
        true
    }

    /// At least one container, and a `name` and an `image` for each container and init container.
    fn containers(&mut self, w: &Workload) {
        let (o, y) = (self.o, self.y);
        let ps = w.pod_spec_path();
        let cp = ps.clone().key("containers");
        let containers = y.lookup(o.root, &cp);
        let empty = containers.is_none_or(|c| y.seq_items(c).is_some_and(<[NodeId]>::is_empty) || y.is_null(c));
        if empty {
            let span = match containers {
                Some(_) => y.lookup_key(o.root, &cp).map_or(self.doc_start, |k| y.span(k)),
                None => y.missing_span(o.root, &cp),
            };
            self.emit(
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
                        .map_or_else(|| format!("{list}[{i}]"), |n| format!("container `{n}`"));
                    let help = if field == "name" {
                        "add a `name` (a DNS label, unique within the pod)"
                    } else {
                        "add the `image` to run, pinned to a tag or digest"
                    };
                    self.emit(item_span(y, item), &p, format!("{which} has no `{field}`"), help);
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
