//! [`OverlappingSelectors`](crate::rules::RuleId::OverlappingSelectors): two controllers in one namespace whose selectors claim each other's pods.
//!
//! Only workloads known to be applied together are compared: those of one file (or stdin
//! stream). Files side by side in a directory are as often alternatives applied one at a time
//! (`daemonset-preloaded.yaml` / `daemonset-latest.yaml`, `deploy-triple.yaml` /
//! `deploy-dual-moe.yaml`, a Deployment and a DaemonSet flavour of one agent) as parts of one
//! `kubectl apply -f dir/`; the inputs of a kustomization, which would be evidence, are not
//! judged at all (their labels may still change). Two copies of one object are
//! [`DuplicateObject`](crate::rules::RuleId::DuplicateObject)'s finding. Objects captured from a
//! cluster ([`Object::export`]) are not compared: a ReplicaSet exported beside its Deployment
//! selects the same pods by design.
//!
//! Two workloads overlap when the selector of either selects the other's pod template. A
//! workload is reported once, when it overlaps a workload defined before it (so a pair gives
//! one finding, on the later of the two), with how many workloads it overlaps in all and the
//! first few of them: N copies of one workload give N − 1 findings, not N·(N − 1)/2.
//!
//! Linear in the run (n log n with the sorting), never comparing all pairs:
//! - workloads with equal selectors in one namespace and file form a *class*, and each
//!   class's selector is checked once against the pod templates it may select, found through
//!   the label index by the selector's rarest requirement (a `matchLabels` pair, an `In` or
//!   `Exists` expression), so workloads that share a common label but differ in another are
//!   not compared with each other;
//! - the count of a workload's overlaps is summed per class (with the pairs counted twice
//!   subtracted), and only its first few are listed;
//! - the pairs that are not compared (a workload and its owner, two copies, variants across
//!   files) are found through the name and owner indexes.
//!
//! Two bounds keep adversarial input linear: the selector checks of a file stop at
//! [`CHECKS_PER_WORKLOAD`] per workload of the file (plus [`CHECKS_FLOOR`]), the cheapest classes first, so
//! only many distinct selectors made of labels most templates share lose their findings; and
//! at most [`NAMESAKES`] workloads of one name or owner are examined per workload, so with
//! more copies than that of one name (each a [`DuplicateObject`](crate::rules::RuleId::DuplicateObject) finding) the count may
//! include some of them, though none is named.

use crate::index::Index;
use crate::model::selector::{self, Labels};
use crate::model::{Object, Typed, Workload, WorkloadKind};
use crate::path;
use crate::rules::Findings;
use foldhash::HashMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// Other workloads a finding names (in its message and its related places).
const SHOWN: usize = 3;
/// Selector checks per workload of a file, for all its classes together.
pub const CHECKS_PER_WORKLOAD: usize = 64;
/// Selector checks every file may make, however few its workloads.
pub const CHECKS_FLOOR: usize = 1 << 16;
/// Workloads of one name, or owned by one object, examined per workload.
pub const NAMESAKES: usize = 64;

static NO_LABELS: Labels = Labels::new();

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

struct Item<'a> {
    o: &'a Object,
    w: Workload<'a>,
    sel: &'a LabelSelector,
    labels: &'a Labels,
    scope: usize,
    class: usize,
}

/// Equal selectors are one key: matchLabels (sorted) and expressions (as written).
type SelectorKey<'a> = (usize, Vec<(&'a str, &'a str)>, Vec<(&'a str, &'a str, Option<&'a [String]>)>);

fn selector_key(scope: usize, sel: &LabelSelector) -> SelectorKey<'_> {
    (
        scope,
        sel.match_labels.iter().flatten().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        sel.match_expressions.iter().flatten().map(|e| (e.key.as_str(), e.operator.as_str(), e.values.as_deref())).collect(),
    )
}

/// Pod templates by label, per scope (namespace and file).
#[derive(Default)]
struct Templates<'a> {
    by_pair: HashMap<(usize, &'a str, &'a str), Vec<usize>>,
    by_key: HashMap<(usize, &'a str), Vec<usize>>,
    by_scope: HashMap<usize, Vec<usize>>,
}

impl<'a> Templates<'a> {
    /// The fewest templates a selector may select: those carrying its rarest requirement.
    fn candidates(&self, scope: usize, sel: &'a LabelSelector) -> Vec<&[usize]> {
        let pair = |k: &'a str, v: &'a str| self.by_pair.get(&(scope, k, v)).map_or(&[][..], Vec::as_slice);
        let mut options: Vec<Vec<&[usize]>> = Vec::new();
        for (k, v) in sel.match_labels.iter().flatten() {
            options.push(vec![pair(k, v)]);
        }
        for e in sel.match_expressions.iter().flatten() {
            match e.operator.as_str() {
                "In" => {
                    let mut values: Vec<&str> = e.values.iter().flatten().map(String::as_str).collect();
                    values.sort_unstable();
                    values.dedup();
                    // A template has one value per key: these lists are disjoint.
                    options.push(values.into_iter().map(|v| pair(&e.key, v)).collect());
                }
                "Exists" => options.push(vec![self.by_key.get(&(scope, e.key.as_str())).map_or(&[][..], Vec::as_slice)]),
                _ => {}
            }
        }
        let size = |o: &Vec<&[usize]>| o.iter().map(|l| l.len()).sum::<usize>();
        options.into_iter().min_by_key(size).unwrap_or_else(|| vec![self.by_scope.get(&scope).map_or(&[][..], Vec::as_slice)])
    }
}

/// "A, B and 3 more": the named workloads, and how many are not named.
fn listing(names: &[String], total: usize) -> String {
    let rest = total.saturating_sub(names.len());
    match (names, rest) {
        ([], _) => String::new(),
        ([one], 0) => one.clone(),
        (all, 0) => format!("{} and {}", all[..all.len() - 1].join(", "), all[all.len() - 1]),
        (all, n) => format!("{} and {} more", all.join(", "), super::thousands(n)),
    }
}

/// Everything the run knows about its workloads' selectors, built once.
struct Run<'a> {
    ws: Vec<Item<'a>>,
    /// Members of each class, in input order.
    members: Vec<Vec<usize>>,
    /// Members of each class per file, and those of them its selector selects.
    per_file: HashMap<(usize, usize), Vec<usize>>,
    self_matching: HashMap<(usize, usize), Vec<usize>>,
    /// Workloads by name, and by the owners their ownerReferences name, per scope.
    by_name: HashMap<(usize, Option<&'a str>), Vec<usize>>,
    owned_by: HashMap<(usize, &'a str, &'a str), Vec<usize>>,
    /// Per workload: the classes whose selector selects its template (sorted), and whether
    /// its own does.
    over: Vec<Vec<usize>>,
    self_match: Vec<bool>,
    /// Per class: the templates of other classes its selector selects (sorted), and how many
    /// of them belong to each other class (`mutual[(selecting, selected)]`).
    others_selected: Vec<Vec<usize>>,
    mutual: HashMap<(usize, usize), usize>,
}

/// What one workload overlaps.
struct Overlap {
    /// Others it overlaps in all: with the same selector, and with another one.
    same: usize,
    other: usize,
    /// The first of them, in input order (at most [`SHOWN`]).
    shown: Vec<usize>,
}

impl<'a> Run<'a> {
    fn new(ix: &'a Index) -> Run<'a> {
        let mut scopes: HashMap<(&str, usize), usize> = HashMap::default();
        let mut classes: HashMap<SelectorKey, usize> = HashMap::default();
        let mut ws: Vec<Item> = Vec::new();
        for o in &ix.objects {
            let Some(w) = o.workload() else { continue };
            let Some(sel) = w.selector else { continue };
            if !controls_pods(o, &w) || selector::is_empty(sel) || !super::resolvable(ix, o) {
                continue;
            }
            let labels = w.pod_meta.and_then(|m| m.labels.as_ref()).unwrap_or(&NO_LABELS);
            let n = scopes.len();
            let scope = *scopes.entry((ix.namespace_of(o), o.file)).or_insert(n);
            let n = classes.len();
            let class = *classes.entry(selector_key(scope, sel)).or_insert(n);
            ws.push(Item { o, w, sel, labels, scope, class });
        }
        let mut run = Run {
            members: vec![Vec::new(); classes.len()],
            per_file: HashMap::default(),
            self_matching: HashMap::default(),
            by_name: HashMap::default(),
            owned_by: HashMap::default(),
            over: vec![Vec::new(); ws.len()],
            self_match: vec![false; ws.len()],
            others_selected: vec![Vec::new(); classes.len()],
            mutual: HashMap::default(),
            ws,
        };
        let templates = run.index();
        run.select(&templates);
        run
    }

    /// Members, names, owners and the template index.
    fn index(&mut self) -> Templates<'a> {
        let mut templates = Templates::default();
        for (i, it) in self.ws.iter().enumerate() {
            self.members[it.class].push(i);
            self.per_file.entry((it.class, it.o.file)).or_default().push(i);
            for (k, v) in it.labels {
                templates.by_pair.entry((it.scope, k, v)).or_default().push(i);
                templates.by_key.entry((it.scope, k)).or_default().push(i);
            }
            templates.by_scope.entry(it.scope).or_default().push(i);
            self.by_name.entry((it.scope, it.o.name.as_deref())).or_default().push(i);
            let mut owners: Vec<(&str, &str)> =
                it.w.meta.owner_references.iter().flatten().map(|r| (r.kind.as_str(), r.name.as_str())).collect();
            owners.sort_unstable();
            owners.dedup();
            for (kind, name) in owners {
                self.owned_by.entry((it.scope, kind, name)).or_default().push(i);
            }
        }
        templates
    }

    /// The templates each class's selector selects, cheapest classes first, within the budget.
    fn select(&mut self, templates: &Templates<'a>) {
        let ws = &self.ws;
        let mut order: Vec<(usize, usize, &LabelSelector, Vec<&[usize]>)> = self
            .members
            .iter()
            .enumerate()
            .filter_map(|(c, m)| {
                let it = &ws[*m.first()?];
                let lists = templates.candidates(it.scope, it.sel);
                Some((lists.iter().map(|l| l.len()).sum(), c, it.sel, lists))
            })
            .collect();
        order.sort_by_key(|(size, c, _, _)| (*size, *c));
        // A budget per file (scopes never cross files): a file is judged the same alone, as
        // where it is read, and among the run's other files.
        let mut budgets: HashMap<usize, usize> = HashMap::default();
        for it in ws.iter() {
            let b = budgets.entry(it.o.file).or_insert(CHECKS_FLOOR);
            *b = b.saturating_add(CHECKS_PER_WORKLOAD);
        }
        let mut selected: Vec<Vec<usize>> = vec![Vec::new(); self.members.len()];
        for (size, c, sel, lists) in order {
            let Some(budget) = self.members[c].first().and_then(|m| budgets.get_mut(&ws[*m].o.file)) else { continue };
            // Cheapest first: the classes of this file after one past its budget are past it too.
            if size > *budget {
                continue;
            }
            *budget -= size;
            let mut t: Vec<usize> =
                lists.into_iter().flatten().copied().filter(|&y| selector::check(sel, ws[y].labels, &|_| false).is_ok()).collect();
            t.sort_unstable();
            selected[c] = t;
        }
        for (c, t) in selected.into_iter().enumerate() {
            for y in t {
                self.over[y].push(c);
                if ws[y].class == c {
                    self.self_match[y] = true;
                } else {
                    self.others_selected[c].push(y);
                    *self.mutual.entry((c, ws[y].class)).or_default() += 1;
                }
            }
        }
        let self_match = &self.self_match;
        self.self_matching = self.per_file.iter().map(|(k, v)| (*k, v.iter().copied().filter(|&y| self_match[y]).collect())).collect();
    }

    /// Whether `x` and `y` overlap, as counted: by class, file and selection.
    fn overlaps(&self, x: usize, y: usize) -> bool {
        let (xi, yi) = (&self.ws[x], &self.ws[y]);
        if yi.class == xi.class {
            // Equal selectors count only in one file (across files they are variants).
            yi.o.file == xi.o.file && (self.self_match[x] || self.self_match[y])
        } else {
            self.over[x].binary_search(&yi.class).is_ok() || self.others_selected[xi.class].binary_search(&y).is_ok()
        }
    }

    /// Pairs that are not compared: owner and owned, copies, variants across files.
    fn not_compared(&self, x: usize, y: usize) -> bool {
        let (xi, yi) = (&self.ws[x], &self.ws[y]);
        let (a, b) = (xi.o, yi.o);
        owns(a, &yi.w)
            || owns(b, &xi.w)
            || (a.kind == b.kind && a.name == b.name)
            || (a.file != b.file && (a.name == b.name || xi.sel == yi.sel))
    }

    /// The overlapping workloads of `x` that are not compared with it, found through the name
    /// and owner indexes (at most [`NAMESAKES`] of each).
    fn skipped(&self, x: usize) -> Vec<usize> {
        let it = &self.ws[x];
        let namesakes = self.by_name.get(&(it.scope, it.o.name.as_deref())).into_iter().flatten().take(NAMESAKES);
        let owners =
            it.w.meta
                .owner_references
                .iter()
                .flatten()
                .flat_map(|r| self.by_name.get(&(it.scope, Some(r.name.as_str()))).into_iter().flatten().take(NAMESAKES));
        let owned =
            it.o.name.as_deref().and_then(|n| self.owned_by.get(&(it.scope, it.o.kind.as_str(), n))).into_iter().flatten().take(NAMESAKES);
        let mut skipped: Vec<usize> =
            namesakes.chain(owners).chain(owned).copied().filter(|&y| y != x && self.not_compared(x, y) && self.overlaps(x, y)).collect();
        skipped.sort_unstable();
        skipped.dedup();
        skipped
    }

    /// What `x` overlaps, counted per class (never pair by pair), with the first few named.
    fn overlap(&self, x: usize) -> Option<Overlap> {
        let it = &self.ws[x];
        let (xc, file) = (it.class, it.o.file);
        // Same class: only pairs of which one selects the other's template.
        let lists = if self.self_match[x] { &self.per_file } else { &self.self_matching };
        let same: &[usize] = lists.get(&(xc, file)).map_or(&[], Vec::as_slice);
        let mut same_count = same.len().saturating_sub(usize::from(self.self_match[x]));
        // Other classes: those selecting this template, and the templates this one's selects;
        // members of a class on both sides are counted once.
        let over_other: Vec<usize> = self.over[x].iter().copied().filter(|&c| c != xc).collect();
        let mut other_count = self.others_selected[xc].len();
        for &c in &over_other {
            other_count += self.members[c].len().saturating_sub(self.mutual.get(&(xc, c)).copied().unwrap_or(0));
        }
        if same_count + other_count == 0 {
            return None;
        }
        let skipped = self.skipped(x);
        for &y in &skipped {
            if self.ws[y].class == xc {
                same_count = same_count.saturating_sub(1);
            } else {
                other_count = other_count.saturating_sub(1);
            }
        }
        // The first few in input order: enough of the head of each list to pass over `x` and
        // the pairs not compared.
        let head = SHOWN + skipped.len() + 1;
        let mut first: Vec<usize> = same.iter().take(head).copied().collect();
        first.extend(self.others_selected[xc].iter().take(head));
        for &c in &over_other {
            first.extend(self.members[c].iter().take(head));
        }
        first.sort_unstable();
        first.dedup();
        // Beyond NAMESAKES a pair not compared may remain among them: never named.
        let shown: Vec<usize> =
            first.into_iter().filter(|&y| y != x && skipped.binary_search(&y).is_err() && !self.not_compared(x, y)).take(SHOWN).collect();
        (same_count + other_count > 0).then_some(Overlap { same: same_count, other: other_count, shown })
    }

    fn message(&self, x: usize, ov: &Overlap) -> String {
        let it = &self.ws[x];
        let name = |o: &Object| format!("{} `{}`", o.kind, o.name.as_deref().unwrap_or(""));
        let total = ov.same + ov.other;
        if total == 1 {
            let fi = &self.ws[ov.shown[0]];
            let selects = |a: &Item, b: &Item| selector::check(a.sel, b.labels, &|_| false).is_ok();
            return match (selects(fi, it), selects(it, fi)) {
                (true, false) => format!(
                    "the selector of {} also selects the pods of {}: it counts them as its own, so it scales and replaces them",
                    name(fi.o),
                    name(it.o)
                ),
                (false, true) => format!(
                    "the selector of {} also selects the pods of {}: it counts them as its own, so it scales and replaces them",
                    name(it.o),
                    name(fi.o)
                ),
                _ => format!(
                    "the selectors of {} and {} overlap: each controller counts the other's pods as its own, so they scale and replace each other's pods",
                    name(fi.o),
                    name(it.o)
                ),
            };
        }
        let names: Vec<String> = ov.shown.iter().map(|&s| name(self.ws[s].o)).collect();
        let (count, list) = (super::thousands(total), listing(&names, total));
        if ov.other == 0 {
            format!(
                "{} has the same selector as {count} other workloads in this file ({list}): each of their controllers counts all of their pods as its own, so they scale and replace each other's pods",
                name(it.o)
            )
        } else {
            format!(
                "the selector of {} overlaps those of {count} other workloads ({list}): a controller counts every pod its selector selects as its own, so they scale and replace each other's pods",
                name(it.o)
            )
        }
    }
}

pub fn check(ix: &Index, out: &mut Findings) {
    // An overlap takes two workloads with selectors: most files have one (no index to build).
    if ix.objects.iter().filter(|o| o.workload().is_some_and(|w| w.selector.is_some())).nth(1).is_none() {
        return;
    }
    let run = Run::new(ix);
    for (x, it) in run.ws.iter().enumerate() {
        let Some(ov) = run.overlap(x) else { continue };
        // Reported on the later workload of each pair: only when one of them comes before it.
        if ov.shown.first().is_none_or(|&y| y > x) {
            continue;
        }
        let so = it.o;
        let y = ix.file(so);
        let Some(key) = y.lookup_key(so.root, &path!["spec", "selector"]) else { continue };
        let mut d = out
            .report(so.file, y.span(key), run.message(x, &ov))
            .help("give each workload a label the other's pods do not have (e.g. `app.kubernetes.io/component`), and put it in both its selector and its template")
            .path(path!["spec", "selector"])
            .object(so);
        for &s in &ov.shown {
            let fo = run.ws[s].o;
            let fy = ix.file(fo);
            let fspan = fy.lookup_key(fo.root, &path!["spec", "selector"]).map(|n| fy.span(n)).unwrap_or_else(|| ix.kind_span(fo));
            d = d.related(fo.file, fspan, format!("the selector of {} `{}`", fo.kind, fo.name.as_deref().unwrap_or("")));
        }
    }
}
