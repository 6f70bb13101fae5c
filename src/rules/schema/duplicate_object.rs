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
use crate::rules::{Findings, Parts, Relation};
use crate::world::{Fact, World};
use foldhash::HashMap;
use std::collections::hash_map::Entry;
use std::hash::BuildHasher;

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

/// The namespace that tells two objects apart: none for cluster-scoped kinds.
fn ns_of(f: &Fact) -> &str {
    if is_cluster_scoped(f.kind()) {
        ""
    } else {
        f.namespace.as_str()
    }
}

/// Judges the run's facts alone: every object is a subject.
/// An object's directory, group, kind, namespace and name; None for an export or a nameless object.
type PlacedKey<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

fn placed_key<'a>(world: &World<'a>, f: &'a Fact) -> Option<PlacedKey<'a>> {
    let name = f.name().filter(|_| !f.export)?;
    Some((crate::util::dir_of_name(&world.file(f.file).source.name), f.group.as_str(), f.kind(), ns_of(f), name))
}

/// Values by a digest of their key (16 bytes an entry, where a key may be 80), the key compared
/// on a hit; a key whose digest another key took first is kept by itself.
struct ByDigest<K, V, S> {
    hasher: S,
    first: HashMap<u64, V>,
    clashing: HashMap<K, V>,
}

impl<K: std::hash::Hash + Eq, V: Copy, S: BuildHasher> ByDigest<K, V, S> {
    fn new(hasher: S, capacity: usize) -> Self {
        ByDigest { hasher, first: HashMap::with_capacity_and_hasher(capacity, Default::default()), clashing: HashMap::default() }
    }

    /// The value stored first under `key` (`key_of` gives a stored value's key); None when
    /// there was none, and `value` is stored.
    fn first_or_insert(&mut self, key: K, value: V, key_of: impl Fn(V) -> Option<K>) -> Option<V> {
        let slot = match self.first.entry(self.hasher.hash_one(&key)) {
            Entry::Vacant(e) => {
                e.insert(value);
                return None;
            }
            Entry::Occupied(e) if key_of(*e.get()).as_ref() == Some(&key) => return Some(*e.get()),
            Entry::Occupied(_) => self.clashing.entry(key),
        };
        match slot {
            Entry::Vacant(e) => {
                e.insert(value);
                None
            }
            Entry::Occupied(e) => Some(*e.get()),
        }
    }
}

pub struct Rule;

impl Relation for Rule {
    type Subject = ();

    fn subjects(_: &Index, _: &mut Vec<()>) {}

    fn judge(world: &World, _: &Parts<()>, out: &mut Findings) {
        // Each object after the first of its key (directory, group, kind, namespace, name) that
        // may be a copy applied with it: one file, or inputs of one kustomization.
        // Sized at once: growing it to every object of a large run rehashed it a dozen times.
        let mut seen = ByDigest::new(foldhash::fast::RandomState::default(), world.fact_count());
        let mut copies: Vec<(&Fact, &Fact)> = Vec::new();
        for f in world.facts() {
            let Some(key) = placed_key(world, f) else { continue };
            let Some(first) = seen.first_or_insert(key, f, |g| placed_key(world, g)) else { continue };
            // Across files, only inputs of one kustomization are known to be applied together.
            if first.file != f.file && !(first.kustomize && f.kustomize) {
                continue;
            }
            copies.push((first, f));
        }
        if copies.is_empty() {
            return;
        }
        // The objects each file with a copy in another file defines, to recognise files that
        // are alternatives of each other (only those files: most runs have none).
        let mut per_file: HashMap<usize, foldhash::HashSet<Key>> = copies
            .iter()
            .filter(|(a, b)| a.file != b.file)
            .flat_map(|(a, b)| [(a.file, Default::default()), (b.file, Default::default())])
            .collect();
        if !per_file.is_empty() {
            for f in world.facts().filter(|f| !f.export) {
                if let (Some(set), Some(name)) = (per_file.get_mut(&f.file), f.name()) {
                    set.insert((f.group.as_str(), f.kind(), ns_of(f), name));
                }
            }
        }
        // Whether two files are alternatives, decided once per pair of files: the subset test
        // costs the smaller file's size, and a run of copies asks it once per copy.
        let mut alternatives_memo: HashMap<(usize, usize), bool> = HashMap::default();
        let mut alternatives = |a: usize, b: usize| -> bool {
            if a == b {
                return false;
            }
            *alternatives_memo.entry((a.min(b), a.max(b))).or_insert_with(|| match (per_file.get(&a), per_file.get(&b)) {
                (Some(x), Some(y)) => x.is_subset(y) || y.is_subset(x),
                _ => false,
            })
        };
        for (first, f) in copies {
            let (ns, name) = (ns_of(f), f.name().unwrap_or(""));
            if alternatives(first.file, f.file) {
                continue;
            }
            if first.file != f.file && first.canonical() == f.canonical() {
                continue;
            }
            let Some(span) = f.name_span else {
                continue;
            };
            let first_span = first.name_span.unwrap_or(first.root_span);
            let ff = world.file(first.file);
            let (line, _) = ff.line_col(first_span.start);
            let where_ns = if ns.is_empty() { String::new() } else { format!(" in namespace `{ns}`") };
            out.report(f.file, span, format!("{} `{name}`{where_ns} is defined twice; the first is at {}:{line}", f.kind(), ff.source.name))
                .help(if first.file == f.file {
                    "rename one of them or remove the copy: applied together, the later definition silently replaces the earlier one"
                } else {
                    "rename one of them or remove the copy: both files are inputs of the kustomization here, and `kustomize build` refuses two objects with one id (list only one of the files if they are alternatives)"
                })
                .path(path!["metadata", "name"])
                .about(&f.about)
                .related(first.file, first_span, "first definition");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ByDigest;

    /// A hasher that gives every key one digest: every key after the first clashes.
    #[derive(Default)]
    struct OneDigest;
    impl std::hash::Hasher for OneDigest {
        fn finish(&self) -> u64 {
            7
        }
        fn write(&mut self, _: &[u8]) {}
    }

    #[test]
    fn keys_that_share_a_digest_are_told_apart() {
        let keys = ["a", "b", "a", "c", "b"];
        let mut m = ByDigest::new(std::hash::BuildHasherDefault::<OneDigest>::default(), 0);
        let firsts: Vec<Option<usize>> = (0..keys.len()).map(|i| m.first_or_insert(keys[i], i, |j| keys.get(j).copied())).collect();
        assert_eq!(firsts, [None, None, Some(0), None, Some(1)]);
        let mut real = ByDigest::new(std::collections::hash_map::RandomState::new(), 0);
        let same: Vec<Option<usize>> = (0..keys.len()).map(|i| real.first_or_insert(keys[i], i, |j| keys.get(j).copied())).collect();
        assert_eq!(same, firsts);
    }
}
