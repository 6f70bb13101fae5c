//! [`ServiceSelectsNothing`](crate::rules::RuleId::ServiceSelectsNothing): a Service whose selector matches no pods in its namespace.

use super::resolvable;
use crate::index::Index;
use crate::model::custom::known_custom;
use crate::model::selector::{check_map, Labels};
use crate::model::{Object, Typed, Workload};
use crate::path;
use crate::rules::Findings;
use crate::yaml::FieldPath;
use std::collections::HashMap;

/// Pods some object of the run will create.
pub(crate) struct Candidate<'a> {
    pub object: &'a Object,
    pub workload: Option<Workload<'a>>,
    pub labels: Labels,
    pub prefixes: &'static [&'static str],
}

impl Candidate<'_> {
    pub fn labels_for(&self, wanted: &Labels) -> Labels {
        match &self.workload {
            Some(w) => w.pod_labels(wanted),
            None => self.labels.clone(),
        }
    }

    pub fn satisfied(&self, key: &str) -> bool {
        self.prefixes.iter().any(|p| key.starts_with(p))
    }
}

#[derive(Default)]
pub(crate) struct Namespace<'a> {
    pub pods: Vec<Candidate<'a>>,
    /// Candidates by one `key=value` pod label they carry (template or controller-added).
    by_label: HashMap<(String, String), Vec<usize>>,
    /// Candidates whose controller adds labels that vary per pod (checked against every selector).
    always: Vec<usize>,
    /// A custom resource kshape does not know may own pods here.
    pub unknown_owner: bool,
    /// Some object here is a kustomize input whose labels may still change.
    pub kustomize: bool,
}

/// Every namespace's pod templates: workloads, and known custom workloads.
pub(crate) fn namespaces(ix: &Index) -> HashMap<&str, Namespace<'_>> {
    let mut m: HashMap<&str, Namespace> = HashMap::new();
    for o in &ix.objects {
        let ns = m.entry(ix.namespace_of(o)).or_default();
        if !resolvable(ix, o) {
            ns.kustomize = true;
        }
        if let Some(w) = o.workload() {
            let labels = w.pod_labels(&Labels::new());
            ns.push(Candidate { object: o, workload: Some(w), labels, prefixes: &[] });
        } else if o.typed.is_none() {
            match known_custom(ix.file(o), o) {
                Some(templates) => {
                    for t in templates {
                        ns.push(Candidate { object: t.object, workload: None, labels: t.labels, prefixes: t.controller_prefixes });
                    }
                }
                None => ns.unknown_owner = true,
            }
        }
    }
    m
}

impl<'a> Namespace<'a> {
    fn push(&mut self, c: Candidate<'a>) {
        let i = self.pods.len();
        for (k, v) in &c.labels {
            self.by_label.entry((k.clone(), v.clone())).or_default().push(i);
        }
        if !c.prefixes.is_empty() {
            // A custom workload's controller adds labels by prefix: checked against every selector.
            self.always.push(i);
        }
        self.pods.push(c);
    }

    /// The candidates a selector selects, found through the label index by one of the
    /// selector's labels that no controller varies per pod.
    pub fn selected(&self, sel: &Labels) -> Vec<&Candidate<'a>> {
        let per_pod = |k: &str| {
            matches!(k, "pod-template-hash" | "controller-revision-hash" | "pod-template-generation" | "controller-uid")
                || k.starts_with("statefulset.kubernetes.io/")
                || k.starts_with("apps.kubernetes.io/")
                || k.starts_with("batch.kubernetes.io/")
        };
        let mut idx: Vec<usize> = match sel.iter().find(|(k, _)| !per_pod(k)) {
            Some((k, v)) => self.by_label.get(&(k.clone(), v.clone())).cloned().unwrap_or_default(),
            None => (0..self.pods.len()).collect(),
        };
        idx.extend(self.always.iter().copied());
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter().map(|i| &self.pods[i]).filter(|c| check_map(sel, &c.labels_for(sel), &|k| c.satisfied(k)).is_ok()).collect()
    }
}

/// How many of the selector's pairs a candidate misses.
fn misses(sel: &Labels, c: &Candidate) -> usize {
    let labels = c.labels_for(sel);
    sel.iter().filter(|(k, v)| labels.get(*k) != Some(*v) && !c.satisfied(k)).count()
}

pub fn check(ix: &Index, out: &mut Findings) {
    let spaces = namespaces(ix);
    for o in &ix.objects {
        let Some(Typed::Service(svc)) = &o.typed else { continue };
        let Some(spec) = &svc.spec else { continue };
        let Some(sel) = spec.selector.as_ref().filter(|s| !s.is_empty()) else { continue };
        if spec.type_.as_deref() == Some("ExternalName") || !resolvable(ix, o) {
            continue;
        }
        // kube-system's Services usually select add-ons the cluster runs (CoreDNS, metrics-server).
        if ix.namespace_of(o) == "kube-system" {
            continue;
        }
        let Some(ns) = spaces.get(ix.namespace_of(o)) else { continue };
        if ns.pods.is_empty() || ns.unknown_owner || ns.kustomize {
            continue;
        }
        // Only when the Service comes with workloads (the same directory: one apply unit); a
        // Service for pods that another installation runs is not ours to judge.
        let dir = super::dir_of(ix, o);
        if !ns.pods.iter().any(|c| super::dir_of(ix, c.object) == dir) {
            continue;
        }
        if !ns.selected(sel).is_empty() {
            continue;
        }
        let closest = ns.pods.iter().min_by_key(|c| (misses(sel, c), c.object.name.clone()));
        let hint = closest
            .and_then(|c| {
                let miss = check_map(sel, &c.labels_for(sel), &|k| c.satisfied(k)).err()?;
                Some(format!("; closest: {} `{}` ({})", c.object.kind, c.object.name.as_deref().unwrap_or(""), miss.reason))
            })
            .unwrap_or_default();
        let y = ix.file(o);
        let Some(key) = y.lookup_key(o.root, &path!["spec", "selector"]) else { continue };
        let shown: Vec<String> = sel.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let d = out.report(o.file,
            y.span(key),
            format!(
                "Service{} selects `{}`, which no pod template in namespace `{}` carries{hint}",
                o.name.as_deref().filter(|n| !n.is_empty()).map(|n| format!(" `{n}`")).unwrap_or_default(),
                shown.join(", "),
                ix.namespace_of(o)
            ),
        )
        .help("make the selector match the labels of the pods it should route to (spec.template.metadata.labels of their workload); a Service without endpoints refuses every connection")
        .path(path!["spec", "selector"])
        .object(o);
        if let Some(c) = closest {
            let cy = ix.file(c.object);
            let labels_path: FieldPath = match &c.workload {
                Some(w) => w.template_path().key("metadata").key("labels"),
                None => FieldPath::new(),
            };
            let span = cy.lookup_key(c.object.root, &labels_path).map(|n| cy.span(n)).unwrap_or_else(|| ix.kind_span(c.object));
            d.related(c.object.file, span, format!("closest: {} `{}`", c.object.kind, c.object.name.as_deref().unwrap_or("")));
        }
    }
}
