//! [`DuplicateObject`](crate::rules::RuleId::DuplicateObject): the same group/kind/namespace/name twice in the input. Applied
//! together, the later one silently replaces the earlier one.
//!
//! Only copies known to be applied together are reported. A copy inside one file (a rendered
//! stream on stdin included) is certain. Across files, a directory is no such evidence: files
//! side by side are as often alternatives applied one at a time (`basic.yaml` and
//! `basic-vllm.yaml`, an install into one namespace or another, mutually exclusive GPU
//! layouts) as parts of one `kubectl apply -f dir/`. A kustomization is: two files of one
//! directory under a kustomization are inputs of one `kustomize build`, which fails on the
//! copy. Even there, two files of which one defines only objects the other defines too are
//! alternatives of each other (`nccl-test-a3.yaml`, `nccl-test-a4.yaml`), and two identical
//! definitions apply the same object twice, harmlessly: neither is reported.
//!
//! Objects captured from a cluster ([`Object::export`](crate::model::Object::export)) are
//! the state of an object, not a definition: they are not compared.

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
    for o in ix.objects.iter().filter(|o| !o.export) {
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
        let Some(name) = o.name.as_deref().filter(|_| !o.export) else {
            continue;
        };
        let ns = if is_cluster_scoped(&o.kind) { "" } else { ix.namespace_of(o) };
        let file = &ix.parsed(o.file).source.name;
        let dir = file.rsplit_once(['/', '\\']).map(|(d, _)| d).unwrap_or("");
        let key = (dir, o.group(), o.kind.as_str(), ns, name);
        let Some(&first_idx) = seen.get(&key) else {
            seen.insert(key, i);
            continue;
        };
        let first = &ix.objects[first_idx];
        // Across files, only inputs of one kustomization are known to be applied together.
        let together = |f: usize| ix.parsed(f).source.kustomize;
        if first.file != o.file && !(together(first.file) && together(o.file)) {
            continue;
        }
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
        let ff = &ix.parsed(first.file);
        let (line, _) = ff.line_col(first_span.start);
        let where_ns = if ns.is_empty() { String::new() } else { format!(" in namespace `{ns}`") };
        out.report(
            o.file,
            y.span(node),
            format!("{} `{name}`{where_ns} is defined twice; the first is at {}:{line}", o.kind, ff.source.name),
        )
        .help(if first.file == o.file {
            "rename one of them or remove the copy: applied together, the later definition silently replaces the earlier one"
        } else {
            "rename one of them or remove the copy: both files are inputs of the kustomization here, and `kustomize build` refuses two objects with one id (list only one of the files if they are alternatives)"
        })
        .path(path!["metadata", "name"])
        .object(o)
        .related(first.file, first_span, "first definition");
    }
}
