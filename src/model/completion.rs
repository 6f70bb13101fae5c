//! Objects that are not whole by design: patches overlaid on a base object, and templates an
//! operator or a script completes before anything reaches the API server. Rules that judge an
//! object as a whole (a required field missing, a volume no one defines, a replica count) do
//! not judge these; the evidence is kept so a rule or its docs can say why.
//!
//! A missing field alone is no evidence: a whole Deployment that forgot its `spec.selector` is
//! rejected by `kubectl apply`, and is reported. Evidence is something beside the gap: a name
//! only a patch has, a path or file name that says "patch" or "template", a whole object of the
//! same kind and name among the inputs, an operator's asset directory or placeholder.

use super::{Object, WorkloadKind};
use crate::path;
use crate::yaml::{NodeId, YamlFile};

/// Why an object is not judged as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// A strategic-merge patch: another object among the inputs (or in the cluster) is its base.
    Patch(PatchEvidence),
    /// Filled in by an operator or a script before it is applied.
    Rendered(RenderEvidence),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchEvidence {
    /// `metadata.name: "*"`: applied by a kustomize target selector to every match.
    WildcardName,
    /// Partial, and a whole object of the same kind and name is among the inputs.
    SameNameAsWhole,
    /// Partial, and under a `patches/` directory or in a file named `*patch*`.
    PatchPath,
    /// A controller with no selector and no container image (or no containers): only the
    /// fields it changes.
    NoSelectorNoImage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderEvidence {
    /// In an operator's asset directory (`assets/state-*`, `manifests/state-*`) or holding its
    /// placeholder (`FILLED BY THE OPERATOR`): the operator sets images, namespaces and volumes.
    OperatorAsset,
    /// A partial pod in a file named `*template*`, or a Spark driver/executor pod template:
    /// the operator (Spark, EMR) adds the image and the rest.
    PodTemplate,
    /// The name holds a placeholder a script substitutes (`REPLACE_ME`, `__INDEX__`, `<name>`).
    ScriptPlaceholder,
    /// A controller without a selector in a kustomize base: with no pod labels either under a
    /// kustomization, or with a base's signs (kubebuilder's namespace `system`, a name that is
    /// only the kind as in `name: deployment`, a `kustomize.*` pod label). The kustomization's
    /// `commonLabels` (or `labels` with `includeSelectors`) adds the selector.
    KustomizeLabels,
}

impl Completion {
    pub fn is_patch(self) -> bool {
        matches!(self, Completion::Patch(_))
    }

    /// How a finding or a note can name the evidence.
    pub fn describe(self) -> &'static str {
        match self {
            Completion::Patch(PatchEvidence::WildcardName) => "a patch applied by a kustomize target selector (`name: \"*\"`)",
            Completion::Patch(PatchEvidence::SameNameAsWhole) => "a patch of a whole object of the same kind and name",
            Completion::Patch(PatchEvidence::PatchPath) => "a patch (its path says so)",
            Completion::Patch(PatchEvidence::NoSelectorNoImage) => "a patch (no selector and no container image)",
            Completion::Rendered(RenderEvidence::OperatorAsset) => "an operator's asset, completed by the operator",
            Completion::Rendered(RenderEvidence::PodTemplate) => "a pod template the operator completes",
            Completion::Rendered(RenderEvidence::ScriptPlaceholder) => "a template a script fills in",
            Completion::Rendered(RenderEvidence::KustomizeLabels) => "a kustomize input whose selector and labels the kustomization adds",
        }
    }
}

fn present(y: &YamlFile, root: NodeId, p: &[crate::yaml::Step]) -> bool {
    y.lookup(root, p).is_some_and(|n| !y.is_null(n))
}

fn needs_selector(kind: WorkloadKind) -> bool {
    matches!(kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet | WorkloadKind::ReplicaSet)
}

/// The containers of a workload's pod spec (regular and init), as nodes; None when the pod
/// spec has no container list.
fn container_nodes(y: &YamlFile, o: &Object) -> Option<Vec<NodeId>> {
    let w = o.workload()?;
    let spec = y.lookup(o.root, w.pod_spec_steps())?;
    let mut out: Option<Vec<NodeId>> = None;
    for list in ["containers", "initContainers"] {
        if let Some(items) = y.get(spec, list).and_then(|l| y.seq_items(l)) {
            out.get_or_insert_with(Vec::new).extend_from_slice(items);
        }
    }
    out
}

/// Whether a required part is absent: the name, a field the schema requires, a controller's
/// selector or template, the containers, a container's image.
pub fn is_partial(y: &YamlFile, o: &Object) -> bool {
    let meta = y.get(o.root, "metadata");
    let has = |k: &str| meta.and_then(|m| y.get_str(m, k)).is_some_and(|s| !s.is_empty());
    if !has("name") && !has("generateName") {
        return true;
    }
    // A field the schema requires is absent (outside `status`): a CustomResourceDefinition
    // patch with only `spec.conversion`, a RoleBinding without `roleRef`.
    let missing = |i: &crate::yaml::de::Issue| {
        matches!(i.kind, crate::yaml::de::IssueKind::MissingField { .. })
            && i.path.steps().first().and_then(|s| s.as_key()) != Some("status")
    };
    if o.issues.iter().any(missing) {
        return true;
    }
    let Some(w) = o.workload() else { return false };
    if needs_selector(w.kind) && !present(y, o.root, &path!["spec", "selector"]) {
        return true;
    }
    if w.has_template() && !present(y, o.root, &w.template_path()) {
        return true;
    }
    match container_nodes(y, o) {
        None => true,
        Some(items) => {
            items.is_empty() || items.iter().any(|&c| y.map_entries(c).is_some() && y.get_str(c, "image").is_none_or(str::is_empty))
        }
    }
}

/// Evidence an object itself (and its file's path) gives; the evidence that needs the other
/// inputs ([`PatchEvidence::SameNameAsWhole`]) is added by the index.
/// `operator_text`: [`may_hold_operator_placeholder`] of the file.
pub fn local(file_name: &str, kustomize: bool, y: &YamlFile, o: &Object, partial: bool, operator_text: bool) -> Option<Completion> {
    if o.name.as_deref() == Some("*") {
        return Some(Completion::Patch(PatchEvidence::WildcardName));
    }
    let parts = || file_name.split(['/', '\\']).filter(|p| !p.is_empty() && *p != ".");
    // `assets/state-*/` or `manifests/state-*/` (directories: a part followed by another).
    let mut it = parts();
    let (mut a, mut b) = (it.next(), it.next());
    let mut operator_dir = false;
    for c in it {
        operator_dir |= a.is_some_and(|a| matches!(a, "assets" | "manifests")) && b.is_some_and(|b| b.starts_with("state-"));
        (a, b) = (b, Some(c));
    }
    if operator_dir || (operator_text && has_operator_placeholder(y, o.root)) {
        return Some(Completion::Rendered(RenderEvidence::OperatorAsset));
    }
    if o.name.as_deref().is_some_and(has_script_placeholder) {
        return Some(Completion::Rendered(RenderEvidence::ScriptPlaceholder));
    }
    if !partial {
        return None;
    }
    // The path's parts, read only for a partial object (most objects are whole).
    let parts: Vec<&str> = parts().collect();
    let (dirs, base) = match parts.split_last() {
        Some((b, d)) => (d, b.to_ascii_lowercase()),
        None => (&[][..], String::new()),
    };
    let stem = base.rsplit_once('.').map_or(base.as_str(), |(s, _)| s);
    // `overlays/<name>/x.yaml`: a partial object in a kustomize overlay patches the base.
    let overlay = dirs.len() >= 2 && dirs[dirs.len() - 2].eq_ignore_ascii_case("overlays");
    if stem.contains("patch") || overlay || dirs.iter().any(|d| d.eq_ignore_ascii_case("patches")) {
        return Some(Completion::Patch(PatchEvidence::PatchPath));
    }
    let w = o.workload()?;
    let spark = container_nodes(y, o)
        .unwrap_or_default()
        .iter()
        .any(|&c| y.get_str(c, "name").is_some_and(|n| matches!(n, "spark-kubernetes-driver" | "spark-kubernetes-executor")));
    if spark || (stem.contains("template") && matches!(w.kind, WorkloadKind::Pod | WorkloadKind::Job)) {
        return Some(Completion::Rendered(RenderEvidence::PodTemplate));
    }
    if needs_selector(w.kind) && !present(y, o.root, &path!["spec", "selector"]) {
        let labels = w.template_path().join(&path!["metadata", "labels"]);
        if (kustomize && !present(y, o.root, &labels)) || kustomize_base(y, o, &labels) {
            return Some(Completion::Rendered(RenderEvidence::KustomizeLabels));
        }
        // Only the fields it changes: no container to run at all, or none with an image.
        let p = w.pod_spec_path().key("containers");
        let no_image = match y.lookup(o.root, &p).and_then(|c| y.seq_items(c)) {
            Some(items) => !items.is_empty() && items.iter().all(|&c| y.get_str(c, "image").is_none_or(str::is_empty)),
            None => true,
        };
        if no_image {
            return Some(Completion::Patch(PatchEvidence::NoSelectorNoImage));
        }
    }
    None
}

/// Signs of a kustomize base whose kustomization adds the selector (`commonLabels`, or `labels`
/// with `includeSelectors`) and the name's prefix: kubebuilder's namespace `system`, a name that
/// is only the kind (`name: deployment`, completed by `namePrefix`), a `kustomize.*` pod label.
fn kustomize_base(y: &YamlFile, o: &Object, labels: &[crate::yaml::Step]) -> bool {
    if o.namespace.as_deref() == Some("system") || o.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&o.kind)) {
        return true;
    }
    y.lookup(o.root, labels)
        .and_then(|l| y.map_entries(l))
        .is_some_and(|e| e.iter().any(|(k, _)| y.scalar(*k).is_some_and(|k| k.starts_with("kustomize."))))
}

/// A string value anywhere in the object that is an operator's placeholder
/// (`"FILLED BY THE OPERATOR"`, `FILLED_BY_OPERATOR`). Bounded: looks at the first 10,000 nodes.
/// Whether some scalar of a file may hold an operator's placeholder (see
/// [`has_operator_placeholder`]): asked once per file, of all its scalars' text at once, so that
/// the objects of a file without one (nearly every file) are not walked scalar by scalar.
pub fn may_hold_operator_placeholder(y: &YamlFile) -> bool {
    let texts = y.scalar_texts();
    find_loosely(texts, b"FILLED BY") && find_loosely(texts, b"OPERATOR")
}

/// [`contains_loosely`] for a long text: only where the needle's last letter is (found by
/// `memchr`, many bytes at a time) is the rest compared.
fn find_loosely(text: &str, needle: &[u8]) -> bool {
    let (Some(&last), Some(before)) = (needle.last(), needle.len().checked_sub(1)) else { return true };
    let t = text.as_bytes();
    memchr::memchr2_iter(last, last.to_ascii_lowercase(), t)
        .any(|end| end >= before && t.get(end - before..=end).is_some_and(|w| contains_loosely_bytes(w, needle)))
}

fn has_operator_placeholder(y: &YamlFile, root: NodeId) -> bool {
    // Room for a manifest's usual breadth without growing.
    let mut stack = Vec::with_capacity(32);
    stack.push(root);
    let mut seen = 0usize;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > 10_000 {
            return false;
        }
        if let Some(entries) = y.map_entries(n) {
            stack.extend(entries.iter().map(|(_, v)| *v));
        } else if let Some(items) = y.seq_items(n) {
            stack.extend_from_slice(items);
        } else if let Some(s) = y.scalar(n) {
            if contains_loosely(s, b"FILLED BY") && contains_loosely(s, b"OPERATOR") {
                return true;
            }
        }
    }
    false
}

/// Whether `text` contains `needle` (upper-case ASCII, spaces) ignoring ASCII case and reading
/// `_` as a space; no allocation (this runs on every scalar of every object).
fn contains_loosely(text: &str, needle: &[u8]) -> bool {
    contains_loosely_bytes(text.as_bytes(), needle)
}

fn contains_loosely_bytes(text: &[u8], needle: &[u8]) -> bool {
    let norm = |b: u8| if b == b'_' { b' ' } else { b.to_ascii_uppercase() };
    text.len() >= needle.len() && text.windows(needle.len()).any(|w| w.iter().zip(needle).all(|(&a, &b)| norm(a) == b))
}

/// A name holding a placeholder a script substitutes: an upper-case token with an underscore
/// (`REPLACE_JOB_ID`, `MODEL_NAME`, `__INDEX__`) or an `<angle-bracketed>` part. An upper-case
/// letter alone (`BI-V100-pod`) is a mistake the API server rejects, not a placeholder.
pub fn has_script_placeholder(name: &str) -> bool {
    if name.contains('<') && name.contains('>') {
        return true;
    }
    name.split(['-', '.']).any(|t| {
        t.contains('_')
            && t.chars().any(|c| c.is_ascii_uppercase())
            && t.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    }) || name.split(['-', '.']).any(|t| t.len() > 4 && t.starts_with("__") && t.ends_with("__"))
}

/// Whether the comment lines right above the line holding `offset` say that something
/// completes it (`# corresponding volumes are dynamically injected by the operator`): "inject",
/// "filled by", "added by", "provided by", "generated by". Reads at most five comment lines.
pub fn comment_says_completed(text: &str, offset: usize) -> bool {
    let Some(before) = text.get(..offset.min(text.len())) else { return false };
    // The start of the line holding `offset`, then the lines above it.
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let mut lines = text[..line_start].lines().rev();
    for _ in 0..5 {
        let Some(line) = lines.next() else { return false };
        let t = line.trim_start();
        let Some(comment) = t.strip_prefix('#') else { return false };
        let c = comment.to_ascii_lowercase();
        if ["inject", "filled by", "added by", "provided by", "generated by", "set by the operator"].iter().any(|w| c.contains(w)) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{contains_loosely, find_loosely, may_hold_operator_placeholder};

    #[test]
    fn operator_placeholders_are_found_in_any_case_and_with_underscores() {
        assert!(contains_loosely("FILLED BY THE OPERATOR", b"FILLED BY"));
        assert!(contains_loosely("image: filled_by_operator", b"FILLED BY"));
        assert!(contains_loosely("Filled By The Operator", b"OPERATOR"));
        assert!(!contains_loosely("FILLED-BY", b"FILLED BY"));
        assert!(!contains_loosely("OPERAT", b"OPERATOR"));
        assert!(!contains_loosely("", b"OPERATOR"));
    }

    /// The once-per-file search finds what the scalar-by-scalar one does, and more only where
    /// scalars meet (it is a filter, not the answer).
    #[test]
    fn a_file_may_hold_a_placeholder_where_a_scalar_does() {
        for text in ["FILLED BY THE OPERATOR", "image: filled_by_operator", "x filled by y", "FILLED-BY", "OPERATOR", "", "y", "filled byy"]
        {
            for needle in [&b"FILLED BY"[..], b"OPERATOR"] {
                assert_eq!(find_loosely(text, needle), contains_loosely(text, needle), "{text} {needle:?}");
            }
        }
        let file = |text: &str| may_hold_operator_placeholder(&crate::yaml::parse(text));
        assert!(file("a: 1\nimage: FILLED_BY_THE_OPERATOR\n"));
        assert!(file("a: [filled by, the operator]\n"), "in two scalars: the objects are walked");
        assert!(!file("apiVersion: v1\nkind: ConfigMap\ndata: {by: filled, operator: x}\n"));
    }
}
