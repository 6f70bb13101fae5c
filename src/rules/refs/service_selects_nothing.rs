//! [`ServiceSelectsNothing`](crate::rules::RuleId::ServiceSelectsNothing): a Service whose selector matches no pods in its namespace.

use crate::index::Index;
use crate::model::selector::{check_pairs, Pairs};
use crate::path;
use crate::rules::{Findings, Parts, Relation};
use crate::world::pods::{per_pod, Candidate, Namespace};
use crate::world::{Fact, World};
use crate::yaml::Span;
use foldhash::HashMap;
use std::collections::hash_map::Entry;

/// Candidates examined for the closest pod template of a selector that selects none: those
/// sharing the selector's rarest labels first. Beyond it the hint may name a farther one.
pub(crate) const CLOSEST_CANDIDATES: usize = 256;

impl<'a> Namespace<'a> {
    /// The candidate that misses the fewest of the selector's pairs (then the one that carries
    /// most of its keys, then the smallest name, then the first). Only candidates sharing a
    /// pair with the selector can miss fewer than all, and only those carrying one of its keys
    /// can carry more keys, so those are examined (at most [`CLOSEST_CANDIDATES`]), with the
    /// first of the smallest name for when none does.
    ///
    /// Selectors that differ only in pairs whose key no candidate carries have one closest
    /// candidate: `memo` holds it per selector without those pairs.
    fn closest(&self, sel: &Pairs, memo: &mut HashMap<Pairs, Option<usize>>) -> Option<&Candidate<'a>> {
        if !self.always.is_empty() || sel.iter().any(|(k, _)| per_pod(k)) {
            return self.closest_of(sel).map(|i| &self.pods[i]);
        }
        let carried = sel.filtered(|k, _| !self.carrying_key(k).is_empty());
        let i = match memo.entry(carried) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let i = self.closest_of(e.key());
                *e.insert(i)
            }
        };
        i.map(|i| &self.pods[i])
    }

    fn closest_of(&self, sel: &Pairs) -> Option<usize> {
        let mut idx: Vec<usize> = Vec::new();
        if sel.iter().any(|(k, _)| per_pod(k)) {
            idx.extend(0..self.pods.len().min(CLOSEST_CANDIDATES));
        } else {
            let mut lists: Vec<&[usize]> = sel.iter().map(|(k, v)| self.posting(k, v)).collect();
            lists.sort_by_key(|l| l.len());
            for l in lists {
                idx.extend(l.iter().take(CLOSEST_CANDIDATES.saturating_sub(idx.len())));
            }
            // Then those that carry one of its keys with another value (a typo's target).
            for (k, _) in sel.iter() {
                idx.extend(self.carrying_key(k).iter().take(CLOSEST_CANDIDATES.saturating_sub(idx.len())));
            }
        }
        idx.extend(self.always.iter().take(CLOSEST_CANDIDATES));
        idx.extend(self.first_by_name);
        idx.sort_unstable();
        idx.dedup();
        let keys = |c: &Candidate| sel.iter().filter(|(k, _)| c.pod.labels.get(k).is_some()).count();
        idx.into_iter()
            .map(|i| (misses(sel, &self.pods[i]), std::cmp::Reverse(keys(&self.pods[i])), i))
            .min_by(|(ma, ka, a), (mb, kb, b)| {
                ma.cmp(mb).then(ka.cmp(kb)).then_with(|| self.pods[*a].object.name().cmp(&self.pods[*b].object.name()))
            })
            .map(|(_, _, i)| i)
    }
}

/// How many of the selector's pairs a candidate misses.
fn misses(sel: &Pairs, c: &Candidate) -> usize {
    if c.pod.prefixes.is_empty() && !sel.iter().any(|(k, _)| per_pod(k)) {
        // Without labels that vary per pod, the candidate's labels are all there is to compare.
        return sel.iter().filter(|(k, v)| c.pod.labels.get(k) != Some(*v)).count();
    }
    let labels = c.labels_for(sel);
    sel.iter().filter(|(k, v)| labels.get(*k).map(String::as_str) != Some(*v) && !c.satisfied(k)).count()
}

pub struct Rule;

/// The Services the rule judges, read from the facts: a non-empty selector, not ExternalName,
/// references that can be judged, and not in kube-system (whose Services usually select
/// add-ons the cluster runs: CoreDNS, metrics-server).
fn judged_services<'a>(world: &World<'a>) -> impl Iterator<Item = (&'a Fact, &'a Pairs, Span)> {
    world.facts().filter_map(|f| {
        let service = f.service.as_deref()?;
        let selector = service.selector.as_ref()?;
        (f.resolvable && !service.external_name && f.namespace != "kube-system").then_some((f, selector, service.selector_span))
    })
}

impl Relation for Rule {
    /// Judged from the facts alone.
    type Subject = ();
    const POD_INDEX: bool = true;

    fn subjects(_: &Index, _: &mut Vec<()>) {}

    fn judge(world: &World, _: &Parts<()>, out: &mut Findings) {
        let mut services = judged_services(world).peekable();
        if services.peek().is_none() {
            return;
        }
        let spaces = world.pods();
        // Directories with a pod template of a patch or a rendered object: the whole object,
        // and its pods' labels, are made elsewhere (whatever namespace each names: kustomize
        // patches usually name none).
        let completed: foldhash::HashSet<&str> = world
            .facts()
            .filter(|f| f.completed && !f.pods.is_empty())
            .map(|f| super::dir_of_name(&world.file(f.file).source.name))
            .collect();
        // Per namespace and selector: None when it selects a candidate, else the closest one.
        type Closest<'a, 'b> = Option<Option<&'b Candidate<'a>>>;
        let mut memo: HashMap<(&str, &Pairs), Closest> = HashMap::default();
        let mut closest_memo: HashMap<&str, HashMap<Pairs, Option<usize>>> = HashMap::default();
        for (s, sel, span) in services {
            let namespace = s.namespace.as_str();
            let Some(ns) = spaces.get(namespace) else { continue };
            if ns.pods.is_empty() || ns.unknown_owner || ns.kustomize {
                continue;
            }
            // Only when the Service comes with workloads (the same directory: one apply unit); a
            // Service for pods that another installation runs is not ours to judge. Nor when a
            // patch or rendered workload comes with it: its labels are made elsewhere.
            let dir = super::dir_of_name(&world.file(s.file).source.name);
            if !ns.has_pods_in(dir) || completed.contains(dir) {
                continue;
            }
            // Services with one selector (one per port, per tenant...) share the answer.
            let closest = match memo.entry((namespace, sel)) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    let found = (!ns.selects_any(sel)).then(|| ns.closest(sel, closest_memo.entry(namespace).or_default()));
                    *e.insert(found)
                }
            };
            let Some(closest) = closest else { continue };
            if !ns.resembles(sel) {
                continue;
            }
            let hint = closest
                .and_then(|c| {
                    let miss = check_pairs(sel.iter(), &c.labels_for(sel), &|k| c.satisfied(k)).err()?;
                    Some(format!("; closest: {} `{}` ({})", c.object.kind(), c.object.name().unwrap_or(""), miss.reason))
                })
                .unwrap_or_default();
            let shown: Vec<String> = sel.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let d = out.report(s.file,
                span,
                format!(
                    "Service{} selects `{}`, which no pod template in namespace `{namespace}` carries{hint}",
                    Some(s.about.name()).filter(|n| !n.is_empty()).map(|n| format!(" `{n}`")).unwrap_or_default(),
                    shown.join(", "),
                ),
            )
            .help("make the selector match the labels of the pods it should route to (spec.template.metadata.labels of their workload); a Service without endpoints refuses every connection")
            .path(path!["spec", "selector"])
            .about(&s.about);
            if let Some(c) = closest {
                d.related(c.object.file, c.pod.labels_span, format!("closest: {} `{}`", c.object.kind(), c.object.name().unwrap_or("")));
            }
        }
    }
}
