//! [`OverlappingSelectors`](crate::rules::RuleId::OverlappingSelectors): two controllers in one namespace whose selectors claim each other's pods.
//!
//! Only workloads applied together are compared: those of one directory (or file, or stdin
//! stream), as for [`DuplicateObject`](crate::rules::RuleId::DuplicateObject). Two copies of one object are [`DuplicateObject`](crate::rules::RuleId::DuplicateObject)'s finding.
//! Across files, two workloads with the same name or the same selector are variants of one
//! component (`daemonset-preloaded.yaml` / `daemonset-latest.yaml`, a Deployment and a
//! DaemonSet flavour of one agent) meant to be applied one at a time; in one file they are not.
//!
//! Linear in the run: workloads are indexed by (namespace, label, value) of one of their
//! selector's matchLabels, and each pod template is checked only against the selectors that
//! index one of its labels, never against every pair.

use super::dir_of;
use crate::index::Index;
use crate::model::selector::{self, Labels};
use crate::model::{Object, Typed, Workload, WorkloadKind};
use crate::path;
use crate::rules::Findings;
use std::collections::HashMap;

fn controls_pods(o: &Object, w: &Workload) -> bool {
    match w.kind {
        WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet | WorkloadKind::ReplicaSet => true,
        WorkloadKind::Job => matches!(&o.typed, Some(Typed::Job(j)) if j.spec.as_ref().and_then(|s| s.manual_selector) == Some(true)),
        _ => false,
    }
}

/// `a` owns `b` (a Deployment and its ReplicaSet, as exported from a cluster).
fn owns(a: &Object, b: &Workload) -> bool {
    b.meta.owner_references.iter().flatten().any(|r| Some(&r.name) == a.name.as_ref() && r.kind == a.kind)
}

pub fn check(ix: &Index, out: &mut Findings) {
    let ws: Vec<(usize, &Object, Workload, Labels)> = ix
        .objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let w = o.workload()?;
            let sel = w.selector?;
            if !controls_pods(o, &w) || selector::is_empty(sel) || !super::resolvable(ix, o) {
                return None;
            }
            let labels = w.pod_meta.and_then(|m| m.labels.clone()).unwrap_or_default();
            Some((i, o, w, labels))
        })
        .collect();
    // Selector index: a selector is found through its first matchLabels pair; selectors with
    // only expressions are checked against every template of their namespace (rare).
    let mut by_label: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
    let mut expression_only: HashMap<&str, Vec<usize>> = HashMap::new();
    for (n, (_, o, w, _)) in ws.iter().enumerate() {
        let ns = ix.namespace_of(o);
        match w.selector.and_then(|s| s.match_labels.as_ref()).and_then(|m| m.iter().next()) {
            Some((k, v)) => by_label.entry((ns, k.as_str(), v.as_str())).or_default().push(n),
            None => expression_only.entry(ns).or_default().push(n),
        }
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (b, (_, o, _, labels)) in ws.iter().enumerate() {
        let ns = ix.namespace_of(o);
        let mut cands: Vec<usize> =
            labels.iter().filter_map(|(k, v)| by_label.get(&(ns, k.as_str(), v.as_str()))).flatten().copied().collect();
        cands.extend(expression_only.get(ns).into_iter().flatten().copied());
        cands.sort_unstable();
        cands.dedup();
        for a in cands {
            if a == b {
                continue;
            }
            let (_, ao, aw, _) = &ws[a];
            let (_, _, bw, _) = &ws[b];
            if owns(ao, bw) || owns(ws[b].1, aw) {
                continue;
            }
            let bo = ws[b].1;
            if dir_of(ix, ao) != dir_of(ix, bo) || (ao.kind == bo.kind && ao.name == bo.name) {
                continue;
            }
            if ao.file != bo.file && (ao.name == bo.name || aw.selector == ws[b].2.selector) {
                continue;
            }
            if aw.selector.is_some_and(|s| selector::check(s, labels, &|_| false).is_ok()) {
                // Report each pair once, on the later of the two objects.
                pairs.push((a.min(b), a.max(b)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    for (first, second) in pairs {
        let (_, fo, _, _) = &ws[first];
        let (_, so, _, _) = &ws[second];
        let y = ix.file(so);
        let Some(key) = y.lookup_key(so.root, &path!["spec", "selector"]) else { continue };
        let fy = ix.file(fo);
        let fspan = fy.lookup_key(fo.root, &path!["spec", "selector"]).map(|n| fy.span(n)).unwrap_or_else(|| ix.kind_span(fo));
        out.report(so.file,
                y.span(key),
                format!(
                    "the selectors of {} `{}` and {} `{}` overlap: each controller counts the other's pods as its own, so they scale and replace each other's pods",
                    fo.kind,
                    fo.name.as_deref().unwrap_or(""),
                    so.kind,
                    so.name.as_deref().unwrap_or("")
                ),
            )
            .help("give each workload a label the other's pods do not have (e.g. `app.kubernetes.io/component`), and put it in both its selector and its template")
            .path(path!["spec", "selector"])
            .object(so)
            .related(fo.file, fspan, format!("the selector of {} `{}`", fo.kind, fo.name.as_deref().unwrap_or("")));
    }
}
