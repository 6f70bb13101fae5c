//! [`DuplicateObject`](crate::rules::RuleId::DuplicateObject): the same group/kind/namespace/name twice in the input. Applied
//! together, the later one silently replaces the earlier one.
//!
//! The unit that is applied together is a file (a rendered stream on stdin included) or a
//! directory (`kubectl apply -f dir/`): copies in sibling directories are usually alternative
//! environments or separate examples (`overlays/staging`, `overlays/prod`), not a conflict.
//! Within a directory, two files of which one defines only objects the other defines too are
//! alternatives of each other (`nccl-test-a3.yaml`, `nccl-test-a4.yaml`; `serve.yaml`,
//! `serve-v5e.yaml`), meant to be applied one at a time: their copies are not reported. A copy
//! inside one file is always reported; across files only when the two definitions differ (an
//! identical Namespace or Secret in several files applies the same object twice, harmlessly).

use crate::index::Index;
use crate::path;
use crate::rules::Findings;
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

type Key<'a> = (&'a str, &'a str, &'a str, &'a str);

pub fn check(ix: &Index, out: &mut Findings) {
    // The objects each file defines, to recognise files that are alternatives of each other.
    let mut per_file: HashMap<usize, std::collections::HashSet<Key>> = HashMap::new();
    for o in &ix.objects {
        if let Some(name) = o.name.as_deref() {
            let ns = if is_cluster_scoped(&o.kind) { "" } else { ix.namespace_of(o) };
            per_file.entry(o.file).or_default().insert((o.group(), o.kind.as_str(), ns, name));
        }
    }
    // Whether two files are alternatives, decided once per pair of files: the subset test
    // costs the smaller file's size, and a run of copies asks it once per copy.
    let mut alternatives_memo: HashMap<(usize, usize), bool> = HashMap::new();
    let mut alternatives = |a: usize, b: usize| -> bool {
        if a == b {
            return false;
        }
        *alternatives_memo.entry((a.min(b), a.max(b))).or_insert_with(|| match (per_file.get(&a), per_file.get(&b)) {
            (Some(x), Some(y)) => x.is_subset(y) || y.is_subset(x),
            _ => false,
        })
    };
    // The first definition's canonical text, written once however many copies it has.
    let mut first_canonical: HashMap<usize, String> = HashMap::new();
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
        if alternatives(first.file, o.file) {
            continue;
        }
        let y = ix.file(o);
        if first.file != o.file {
            let first_text = first_canonical.entry(first_idx).or_insert_with(|| ix.file(first).canonical(first.root, &mut 100_000));
            if *first_text == y.canonical(o.root, &mut 100_000) {
                continue;
            }
        }
        let Some(node) = y.lookup(o.root, &path!["metadata", "name"]) else {
            continue;
        };
        let fy = ix.file(first);
        let first_span = fy.lookup(first.root, &path!["metadata", "name"]).map(|n| fy.span(n)).unwrap_or_else(|| fy.span(first.root));
        let ff = &ix.files[first.file];
        let (line, _) = ff.line_col(first_span.start);
        let where_ns = if ns.is_empty() { String::new() } else { format!(" in namespace `{ns}`") };
        out.report(
            o.file,
            y.span(node),
            format!("{} `{name}`{where_ns} is defined twice; the first is at {}:{line}", o.kind, ff.source.name),
        )
        .help("rename one of them or remove the copy: applied together, the later definition silently replaces the earlier one")
        .path(path!["metadata", "name"])
        .object(o)
        .related(first.file, first_span, "first definition");
    }
}
