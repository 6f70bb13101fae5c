//! Every namespace's pod templates, indexed by label: which templates a selector selects
//! ([`World::pods`]), for the rules that judge Services' selectors and ports. Built once per
//! run, on first use, for all of them.

use super::{Fact, PodFact, World};
use crate::model::selector::{check_pairs, Labels, Pairs};
use foldhash::{HashMap, HashSet};

/// Pods some object of the run will create: one pod template of an object.
#[derive(Clone, Copy)]
pub struct Candidate<'a> {
    pub object: &'a Fact,
    pub pod: &'a PodFact,
}

impl Candidate<'_> {
    pub fn labels_for(&self, wanted: &Pairs) -> Labels {
        self.pod.labels_for(&wanted.to_labels())
    }

    pub fn satisfied(&self, key: &str) -> bool {
        self.pod.satisfied(key)
    }
}

#[derive(Default)]
pub struct Namespace<'a> {
    pub pods: Vec<Candidate<'a>>,
    /// Candidates by one `key=value` pod label they carry (template or controller-added).
    /// Sorted, with `label_pods` beside it: one entry per label of each candidate, no
    /// table per label (filled in `push` in candidate order, sorted by `seal`).
    label_keys: Vec<(&'a str, &'a str)>,
    label_pods: Vec<usize>,
    /// Each label's run in `label_keys` and `label_pods` (start, length), filled by `seal`:
    /// every selector asks for its labels' candidates, and a binary search comparing strings
    /// (scattered over the run's facts) was most of the Service rules' time.
    postings: HashMap<(&'a str, &'a str), (usize, usize)>,
    /// Every label value some candidate carries, sorted, each once (filled by `seal`).
    label_values: Vec<&'a str>,
    /// Prefixes of the labels custom workloads' controllers add, each once.
    added_prefixes: Vec<&'static str>,
    /// Candidates whose controller adds labels that vary per pod (checked against every selector).
    pub(crate) always: Vec<usize>,
    /// The first candidate of the smallest name (the closest of those that share no label).
    pub(crate) first_by_name: Option<usize>,
    /// Directories the candidates come from.
    dirs: HashSet<&'a str>,
    /// A custom resource kshape does not know may own pods here.
    pub unknown_owner: bool,
    /// Some object here is a kustomize input whose labels may still change.
    pub kustomize: bool,
}

/// Every namespace's pod templates: workloads, and known custom workloads.
pub(super) fn namespaces<'a>(world: &World<'a>) -> HashMap<&'a str, Namespace<'a>> {
    let mut m: HashMap<&str, Namespace> = HashMap::default();
    for f in world.facts() {
        let ns = m.entry(f.namespace.as_str()).or_default();
        if f.kustomize {
            ns.kustomize = true;
        }
        if f.unknown_owner {
            ns.unknown_owner = true;
        }
        if f.pods.is_empty() {
            continue;
        }
        let dir = crate::util::dir_of_name(&world.file(f.file).source.name);
        for pod in &f.pods {
            ns.push(dir, Candidate { object: f, pod });
        }
    }
    m.values_mut().for_each(Namespace::seal);
    m
}

/// Labels a controller gives each pod its own value of: a selector is not looked up by them.
pub fn per_pod(k: &str) -> bool {
    matches!(k, "pod-template-hash" | "controller-revision-hash" | "pod-template-generation" | "controller-uid")
        || k.starts_with("statefulset.kubernetes.io/")
        || k.starts_with("apps.kubernetes.io/")
        || k.starts_with("batch.kubernetes.io/")
}

impl<'a> Namespace<'a> {
    fn push(&mut self, dir: &'a str, c: Candidate<'a>) {
        let i = self.pods.len();
        for (k, v) in c.pod.labels.iter() {
            self.label_keys.push((k, v));
            self.label_pods.push(i);
        }
        if !c.pod.prefixes.is_empty() {
            // A custom workload's controller adds labels by prefix: checked against every selector.
            self.always.push(i);
            for p in c.pod.prefixes {
                if !self.added_prefixes.contains(&p.as_str()) {
                    self.added_prefixes.push(p);
                }
            }
        }
        if self.first_by_name.is_none_or(|f| c.object.name() < self.pods[f].object.name()) {
            self.first_by_name = Some(i);
        }
        self.dirs.insert(dir);
        self.pods.push(c);
    }

    /// Whether some candidate comes from this directory.
    pub fn has_pods_in(&self, dir: &str) -> bool {
        self.dirs.contains(dir)
    }

    /// The candidates carrying label `k`, whatever its value (in label order).
    pub(crate) fn carrying_key(&self, k: &str) -> &[usize] {
        let lo = self.label_keys.partition_point(|p| p.0 < k);
        let n = self.label_keys.get(lo..).map_or(0, |rest| rest.partition_point(|p| p.0 == k));
        self.label_pods.get(lo..lo + n).unwrap_or_default()
    }

    pub(crate) fn posting(&self, k: &str, v: &str) -> &[usize] {
        self.postings.get(&(k, v)).and_then(|&(start, n)| self.label_pods.get(start..start + n)).unwrap_or_default()
    }

    /// Sorts the label index by label (each label's candidates stay in input order).
    fn seal(&mut self) {
        let mut entries: Vec<((&'a str, &'a str), usize)> =
            std::mem::take(&mut self.label_keys).into_iter().zip(std::mem::take(&mut self.label_pods)).collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        (self.label_keys, self.label_pods) = entries.into_iter().unzip();
        let mut start = 0;
        for run in self.label_keys.chunk_by(|a, b| a == b) {
            if let Some(&label) = run.first() {
                self.postings.insert(label, (start, run.len()));
            }
            start += run.len();
        }
        self.label_values = self.label_keys.iter().map(|(_, v)| *v).collect();
        self.label_values.sort_unstable();
        self.label_values.dedup();
    }

    /// Whether the selector looks written for pods of these candidates: one of them carries one
    /// of its keys (with another value: a typo, a renamed value) or one of its values (under
    /// another key: a renamed key), or the key is one a controller adds (a built-in
    /// controller's per-pod label, or a custom workload's prefix of this namespace). A selector that shares nothing with any of them selects pods
    /// installed some other way (an operator's, a chart's), not mistyped ones.
    pub fn resembles(&self, sel: &Pairs) -> bool {
        sel.iter().any(|(k, v)| {
            !self.carrying_key(k).is_empty()
                || self.label_values.binary_search(&v).is_ok()
                || per_pod(k)
                || self.added_prefixes.iter().any(|p| k.starts_with(p))
        })
    }

    /// The candidates carrying the selector's rarest label that no controller varies per pod
    /// (None: every candidate may be selected).
    fn rarest(&self, sel: &Pairs) -> Option<&[usize]> {
        sel.iter().filter(|(k, _)| !per_pod(k)).map(|(k, v)| self.posting(k, v)).min_by_key(|l| l.len())
    }

    fn selects(&self, sel: &Pairs, i: usize) -> bool {
        let c = &self.pods[i];
        if c.pod.prefixes.is_empty() && !sel.iter().any(|(k, _)| per_pod(k)) {
            // Without labels that vary per pod, the candidate's labels are all there is to compare.
            return check_pairs(sel.iter(), &c.pod.labels, &|_| false).is_ok();
        }
        check_pairs(sel.iter(), &c.labels_for(sel), &|k| c.satisfied(k)).is_ok()
    }

    /// The candidates a selector selects, found through the label index by the selector's
    /// rarest label that no controller varies per pod.
    pub fn selected(&self, sel: &Pairs) -> Vec<&Candidate<'a>> {
        let mut idx: Vec<usize> = match self.rarest(sel) {
            Some(l) => l.to_vec(),
            None => (0..self.pods.len()).collect(),
        };
        idx.extend(self.always.iter().copied());
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter().filter(|&i| self.selects(sel, i)).map(|i| &self.pods[i]).collect()
    }

    /// Whether a selector selects any candidate (stops at the first).
    pub fn selects_any(&self, sel: &Pairs) -> bool {
        let found = match self.rarest(sel) {
            Some(l) => l.iter().any(|&i| self.selects(sel, i)),
            None => (0..self.pods.len()).any(|i| self.selects(sel, i)),
        };
        found || self.always.iter().any(|&i| self.selects(sel, i))
    }
}
