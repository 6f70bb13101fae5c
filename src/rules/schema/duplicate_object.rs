//! `duplicate-object`: the same group/kind/namespace/name twice in the input. Applied
//! together, the later one silently replaces the earlier one.
//!
//! The unit that is applied together is a file (a rendered stream on stdin included) or a
//! directory (`kubectl apply -f dir/`): copies in sibling directories are usually alternative
//! environments or separate examples (`overlays/staging`, `overlays/prod`), not a conflict.

use crate::diag::Diagnostic;
use crate::index::Index;
use crate::yaml::P;
use std::collections::HashMap;

/// Built-in kinds that have no namespace.
pub fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "PersistentVolume"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "StorageClass"
            | "CustomResourceDefinition"
            | "PriorityClass"
            | "RuntimeClass"
            | "IngressClass"
            | "CSIDriver"
            | "CSINode"
            | "VolumeAttachment"
            | "APIService"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "PodSecurityPolicy"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "ClusterIssuer"
            | "ClusterPolicy"
    )
}

pub fn check(ix: &Index, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(&str, &str, &str, &str, &str), usize> = HashMap::new();
    for (i, o) in ix.objects.iter().enumerate() {
        let Some(name) = o.name.as_deref() else {
            continue;
        };
        let ns = if is_cluster_scoped(&o.kind) { "" } else { ix.namespace_of(o) };
        let file = &ix.files[o.file].source.name;
        let dir = file.rsplit_once(['/', '\\']).map(|(d, _)| d).unwrap_or("");
        let key = (dir, o.group(), o.kind.as_str(), ns, name);
        let Some(&first_idx) = seen.get(&key) else {
            seen.insert(key, i);
            continue;
        };
        let first = &ix.objects[first_idx];
        let y = ix.file(o);
        let Some(node) = y.lookup(o.root, &[P::K("metadata"), P::K("name")]) else {
            continue;
        };
        let fy = ix.file(first);
        let first_span =
            fy.lookup(first.root, &[P::K("metadata"), P::K("name")]).map(|n| fy.span(n)).unwrap_or_else(|| fy.span(first.root));
        let ff = &ix.files[first.file];
        let (line, _) = ff.lines.line_col(&ff.source.text, first_span.start);
        let where_ns = if ns.is_empty() { String::new() } else { format!(" in namespace `{ns}`") };
        out.push(
            Diagnostic::new(
                "duplicate-object",
                o.file,
                y.span(node),
                format!("{} `{name}`{where_ns} is defined twice; the first is at {}:{line}", o.kind, ff.source.name),
            )
            .help("rename one of them or remove the copy: applied together, the later definition silently replaces the earlier one")
            .path("metadata.name")
            .object(o)
            .related(first.file, first_span, "first definition"),
        );
    }
}
