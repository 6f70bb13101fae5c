//! Findings of kustomize builds, reported where the user fixes them.
//!
//! Each build (`render`) is linted on its own, with every rule: an overlay is one set of objects
//! applied together, and two overlays of one base are alternatives (both would otherwise be
//! "duplicates"). Each finding is then moved to the file that defines its object, read from the
//! object's `config.kubernetes.io/origin` annotation: at the same field when that file has it,
//! else at the object (a field an overlay's patch added). A finding several overlays share is
//! reported once, naming them all; one the run's own lint of that file already has (the same
//! rule at the same place) is not repeated. The files a build names must be in the index: the
//! driver reads them (`render::sources_for`).

use crate::index::{Index, Settings};
use crate::render::{Build, Built};
use crate::rules::{Diagnostic, Findings, RuleId, Selection};
use crate::source::SourceFile;
use crate::yaml::{NodeId, Span, Step, YamlFile};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// The annotation `buildMetadata: [originAnnotations]` writes.
const ORIGIN: &str = "config.kubernetes.io/origin";

/// The findings of every successful kustomize build, moved onto the files of `ix`, with the
/// overlays that produced each.
pub fn kustomize_findings(
    ix: &Index,
    builds: &[Build],
    namespace: &str,
    settings: &Settings,
    selection: &Selection,
) -> Vec<(Diagnostic, Vec<String>)> {
    let files = FileIndex::new(ix);
    // By directory: a finding several overlays share takes the first one's names and
    // namespace, whatever the order the overlays were named in.
    let mut built: Vec<(&Build, &Built)> = builds.iter().filter(|b| !b.helm).filter_map(|b| Some((b, b.output.as_ref().ok()?))).collect();
    built.sort_by(|a, b| a.0.root.cmp(&b.0.root));
    // Builds are linted in parallel (each alone); their findings are merged in build order.
    let threads = if settings.threads == 0 { crate::util::default_threads() } else { settings.threads };
    let moved = crate::util::par_map(built, threads, |_, (b, built)| {
        let (bix, diags) = lint_build(b, built, namespace, ix.nodes.clone(), settings, selection);
        let patches: Vec<usize> = b.patches.iter().filter_map(|p| files.get(&crate::source::normalize(&files.cwd.join(p)))).collect();
        let moved: Vec<Diagnostic> = diags.iter().filter_map(|d| files.map(ix, built, &patches, d, &bix)).collect();
        (b, moved)
    });
    let mut out: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    let mut at: HashMap<(usize, u32, RuleId), usize> = HashMap::new();
    for (b, moved) in moved {
        for d in moved {
            if ix.files[d.file].source.context {
                continue;
            }
            match at.get(&(d.file, d.span.start, d.rule())) {
                Some(&i) => {
                    if !out[i].1.contains(&b.root) {
                        out[i].1.push(b.root.clone());
                    }
                }
                None => {
                    at.insert((d.file, d.span.start, d.rule()), out.len());
                    out.push((d, vec![b.root.clone()]));
                }
            }
        }
    }
    out
}

/// Adds the builds' findings to the run's own, leaving out those it already has, and names the
/// overlays in each message.
pub fn merge(diags: &mut Vec<Diagnostic>, built: Vec<(Diagnostic, Vec<String>)>) {
    let have: HashSet<(usize, u32, RuleId)> = diags.iter().map(|d| (d.file, d.span.start, d.rule())).collect();
    for (mut d, roots) in built {
        if have.contains(&(d.file, d.span.start, d.rule())) {
            continue;
        }
        d.message = format!("{} (in the kustomize build of {})", d.message, roots.join(", "));
        diags.push(d);
    }
}

/// A build's index and findings.
/// With the run's node inventory, if it has one: the scheduling rules judge the build too.
fn lint_build(
    b: &Build,
    built: &Built,
    namespace: &str,
    nodes: Option<std::sync::Arc<Vec<crate::model::scheduling::NodeInfo>>>,
    settings: &Settings,
    selection: &Selection,
) -> (Index, Vec<Diagnostic>) {
    let file = SourceFile::new(format!("{}{}", b.root, crate::util::KUSTOMIZE_BUILD_SUFFIX), built.text.clone());
    let mut bix = Index::build_with(vec![file], namespace, Settings { threads: 1, ..settings.clone() });
    bix.nodes = nodes;
    let diags = crate::rules::run(&bix, selection);
    (bix, diags)
}

/// The index's files by absolute path as named (no system call per file), and, for a path
/// that is not found so, by resolved path.
struct FileIndex {
    named: HashMap<PathBuf, usize>,
    /// By resolved path, computed once when a path is not found by name.
    resolved: std::sync::OnceLock<HashMap<PathBuf, usize>>,
    cwd: PathBuf,
}

impl FileIndex {
    fn new(ix: &Index) -> FileIndex {
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut named = HashMap::new();
        for (i, f) in ix.files.iter().enumerate() {
            named.entry(crate::source::normalize(&cwd.join(&f.source.name))).or_insert(i);
        }
        FileIndex { named, resolved: std::sync::OnceLock::new(), cwd }
    }

    /// The file at `path` (absolute, as an origin annotation resolves).
    fn get(&self, path: &std::path::Path) -> Option<usize> {
        if let Some(&i) = self.named.get(path) {
            return Some(i);
        }
        // The index may name it through a symbolic link: compare resolved paths.
        let canon = std::fs::canonicalize(path).ok()?;
        let resolved =
            self.resolved.get_or_init(|| self.named.iter().filter_map(|(p, &i)| Some((std::fs::canonicalize(p).ok()?, i))).collect());
        resolved.get(&canon).copied()
    }

    /// `d`, found in a build, moved to the file that defines its object (or to the patch, among
    /// `patches`, that set the value it is about); None when that file is not in the index (a
    /// remote base, a generated object).
    fn map(&self, ix: &Index, built: &Built, patches: &[usize], d: &Diagnostic, bix: &Index) -> Option<Diagnostic> {
        let by = bix.files.first()?;
        let obj = object_at(bix, d)?;
        let origin = origin_path(by.yaml(), obj.root)?;
        let fi = self.get(&crate::source::normalize(&built.origin_base.join(origin)))?;
        let target = source_object(ix, fi, obj)?;
        let mut out = d.clone();
        out.fix = None;
        out.object_root = Some(target);
        (out.file, out.span) = locate(by.yaml(), obj, d.span, ix, fi, target, patches);
        out.related = d
            .related
            .iter()
            .filter_map(|r| {
                let o = bix.objects.iter().find(|o| contains(by.yaml().span(o.root), r.span.start))?;
                let rf = self.get(&crate::source::normalize(&built.origin_base.join(origin_path(by.yaml(), o.root)?)))?;
                let t = source_object(ix, rf, o)?;
                let (file, span) = locate(by.yaml(), o, r.span, ix, rf, t, patches);
                Some(crate::rules::Related { file, span, message: r.message.clone() })
            })
            .collect();
        Some(out)
    }
}

/// Where a span of a built object is: the same field in its source object (file `fi`, root
/// `target`) when the source has it with the built value; else in the first patch that sets
/// it to that value (a strategic-merge patch of the same kind, or a JSON 6902 operation on its
/// path); else the start of the source object.
fn locate(
    by: &YamlFile,
    obj: &crate::model::Object,
    span: Span,
    ix: &Index,
    fi: usize,
    target: NodeId,
    patches: &[usize],
) -> (usize, Span) {
    let object = (fi, Span::at(ix.files[fi].yaml().span(target).start as usize));
    let Some((steps, at_key)) = path_at(by, obj.root, span) else { return object };
    if let Found::At(s) = follow(by, obj.root, &steps, at_key, ix.files[fi].yaml(), target) {
        return (fi, s);
    }
    for &pf in patches {
        let y = ix.files[pf].yaml();
        for doc in &y.docs {
            let Some(root) = doc.root else { continue };
            if let Some(ops) = y.seq_items(root) {
                if let Some(s) = json6902(y, ops, &steps) {
                    return (pf, s);
                }
                continue;
            }
            if y.get_str(root, "kind").is_some_and(|k| k != obj.kind) {
                continue;
            }
            if let Found::At(s) = follow(by, obj.root, &steps, at_key, y, root) {
                return (pf, s);
            }
        }
    }
    object
}

/// The operation of a JSON 6902 patch (`- op: replace`, `path: /spec/replicas`) that sets the
/// field at `steps` or a field above it: its `value`, else the operation itself.
fn json6902(y: &YamlFile, ops: &[NodeId], steps: &[Step]) -> Option<Span> {
    let mut pointer = String::new();
    let mut pointers = Vec::new();
    for s in steps {
        pointer.push('/');
        match s {
            Step::Key(k) => pointer.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => pointer.push_str(&i.to_string()),
        }
        pointers.push(pointer.clone());
    }
    // The deepest operation wins: `/spec/template/spec/containers/0/image` over `/spec`.
    for p in pointers.iter().rev() {
        for &op in ops {
            if y.get_str(op, "path") == Some(p.as_str()) && y.get_str(op, "op") != Some("remove") {
                return Some(y.get(op, "value").map(|v| y.span(v)).unwrap_or_else(|| y.span(op)));
            }
        }
    }
    None
}

/// Whether `offset` is in the span (half-open: a block's span ends where the next key starts).
fn contains(s: Span, offset: u32) -> bool {
    s.start <= offset && (offset < s.end || s.start == s.end)
}

/// The built object a finding is about.
fn object_at<'a>(bix: &'a Index, d: &Diagnostic) -> Option<&'a crate::model::Object> {
    if let Some(root) = d.object_root {
        if let Some(o) = bix.objects.iter().find(|o| o.root == root) {
            return Some(o);
        }
    }
    let y = bix.files.first()?.yaml();
    bix.objects.iter().find(|o| contains(y.span(o.root), d.span.start))
}

/// The `path:` of an object's origin annotation.
fn origin_path(y: &YamlFile, root: NodeId) -> Option<String> {
    let n = y.lookup(root, &[Step::key("metadata"), Step::key("annotations"), Step::Key(ORIGIN.into())])?;
    let text = y.scalar(n)?;
    if text.lines().any(|l| l.trim_start().starts_with("repo:")) {
        return None;
    }
    text.lines().find_map(|l| l.trim().strip_prefix("path:")).map(|p| p.trim().trim_matches(['"', '\'']).to_string())
}

/// The object of file `fi` that a built object came from: the same kind, and the same name or
/// one the overlay extended (`namePrefix`, `nameSuffix`); the only one of its kind otherwise.
fn source_object(ix: &Index, fi: usize, built: &crate::model::Object) -> Option<NodeId> {
    let same_kind: Vec<&crate::model::Object> = ix.objects.iter().filter(|o| o.file == fi && o.kind == built.kind).collect();
    let name = built.name.as_deref().unwrap_or("");
    let by = |f: &dyn Fn(&str) -> bool| same_kind.iter().find(|o| o.name.as_deref().is_some_and(f)).map(|o| o.root);
    by(&|n| n == name)
        .or_else(|| by(&|n| !n.is_empty() && name.starts_with(n)))
        .or_else(|| by(&|n| !n.is_empty() && name.ends_with(n)))
        .or_else(|| by(&|n| !n.is_empty() && name.contains(n)))
        .or_else(|| (same_kind.len() == 1).then(|| same_kind[0].root))
}

/// Whether a source (or patch) object has the field at `steps` with the built value.
enum Found {
    At(Span),
    /// It has not, or with another value (a patch changed it).
    No,
}

/// The field at `steps` (key or value, as `at_key` says) in the object at `root` of `y`, when it
/// holds what the built object (`by`, `broot`) holds there.
fn follow(by: &YamlFile, broot: NodeId, steps: &[Step], at_key: bool, y: &YamlFile, root: NodeId) -> Found {
    let mut cur = root;
    let mut bcur = broot;
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        match step {
            Step::Key(k) => {
                let Some((key, value)) = y.get_entry(cur, k) else { return Found::No };
                let Some(bv) = by.get(bcur, k) else { return Found::No };
                // At the key of a value the build changed (a patched selector): not here.
                if last && at_key && !differs(y, value, by, bv) {
                    return Found::At(y.span(key));
                }
                if last && at_key {
                    return Found::No;
                }
                cur = value;
                bcur = bv;
            }
            Step::Index(n) => {
                let Some(bitem) = by.seq_items(bcur).and_then(|s| s.get(*n)).copied() else { return Found::No };
                let items = y.seq_items(cur).unwrap_or(&[]);
                // A list of named entries (containers, ports) is matched by name: a patch may
                // have added entries before it.
                let item = match by.get_str(bitem, "name") {
                    Some(name) => items.iter().copied().find(|&it| y.get_str(it, "name") == Some(name)),
                    None => items.get(*n).copied(),
                };
                let Some(item) = item else { return Found::No };
                cur = item;
                bcur = bitem;
            }
        }
    }
    // A value the overlay changed (a patch's `replicas: 2` over the base's `0`) is not in this
    // file: point at the object, not at a value the build does not have.
    if differs(y, cur, by, bcur) {
        Found::No
    } else {
        Found::At(y.span(cur))
    }
}

/// Whether a source value differs from the built one: another scalar, or a mapping whose
/// scalars (a selector, labels) the build has with other values, at any depth.
fn differs(y: &YamlFile, a: NodeId, by: &YamlFile, b: NodeId) -> bool {
    match (y.scalar(a), by.scalar(b)) {
        (Some(x), Some(z)) => x != z,
        _ => match y.map_entries(a) {
            Some(entries) => entries.iter().any(|&(k, v)| {
                let Some(k) = y.scalar(k) else { return false };
                by.get(b, k).is_some_and(|bv| differs(y, v, by, bv))
            }),
            None => false,
        },
    }
}

/// The field path of the deepest node of a built object whose span holds `span`, and whether
/// `span` is that entry's key.
fn path_at(y: &YamlFile, root: NodeId, span: Span) -> Option<(Vec<Step>, bool)> {
    let mut steps = Vec::new();
    let mut cur = root;
    'down: loop {
        if let Some(entries) = y.map_entries(cur) {
            for &(k, v) in entries {
                let ks = y.span(k);
                if ks.start == span.start {
                    steps.push(Step::Key(y.scalar(k)?.to_string().into()));
                    return Some((steps, true));
                }
                let vs = y.span(v);
                if contains(Span { start: ks.start, end: vs.end.max(ks.end) }, span.start)
                    && !(vs.start == span.start && vs.end == span.end)
                {
                    steps.push(Step::Key(y.scalar(k)?.to_string().into()));
                    cur = v;
                    continue 'down;
                }
                if vs.start == span.start && vs.end == span.end {
                    steps.push(Step::Key(y.scalar(k)?.to_string().into()));
                    return Some((steps, false));
                }
            }
        } else if let Some(items) = y.seq_items(cur) {
            for (i, &it) in items.iter().enumerate() {
                if contains(y.span(it), span.start) {
                    steps.push(Step::Index(i));
                    cur = it;
                    continue 'down;
                }
            }
        }
        return Some((steps, false));
    }
}

/// Findings for builds that failed: at the kustomization (or `Chart.yaml`), at the entry the
/// message names when the file has it. Failures that may not be mistakes (`Failure::note`) are left
/// to a note.
pub fn failures(ix: &Index, builds: &[Build], selection: &Selection) -> Vec<Diagnostic> {
    let Some(sev) = selection.level(RuleId::BuildFailed) else { return Vec::new() };
    let mut out = Findings::new(RuleId::BuildFailed);
    for b in builds {
        let Err(f) = &b.output else { continue };
        if f.note.is_some() {
            continue;
        }
        let canon = |n: &str| std::fs::canonicalize(n).ok();
        let want = canon(&b.file);
        let Some(fi) = ix.files.iter().position(|x| x.source.name == b.file || (want.is_some() && canon(&x.source.name) == want)) else {
            continue;
        };
        if ix.files[fi].source.context {
            continue;
        }
        let text = &ix.files[fi].source.text;
        let span = named_entry(&f.message, text).or_else(|| named_key(&f.message, text)).unwrap_or(Span::at(0));
        let (tool, what) = if b.helm { ("helm template", "chart") } else { ("kustomize", "kustomization") };
        out.report(fi, span, format!("{tool} cannot build this {what}: {}", crate::util::ellipsize(&f.message, 600)))
            .help(format!("run `{} {}` to see the error; nothing it would build was checked", b.command, b.root));
    }
    out.into_vec()
        .into_iter()
        .map(|mut d| {
            d.severity = sev;
            d
        })
        .collect()
}

/// The first `'…'`-quoted word of a message (kustomize quotes the paths it could not load)
/// that the kustomization holds outside its comments.
fn named_entry(m: &str, text: &str) -> Option<Span> {
    m.split('\'').filter(|q| q.len() > 1 && !q.contains(char::is_whitespace)).find_map(|q| find_in_code(text, q))
}

/// The key of the list a message is about (a patch that matches nothing: `patches:`).
fn named_key(m: &str, text: &str) -> Option<Span> {
    let keys: &[&str] = if m.contains("patch") {
        &["patches:", "patchesStrategicMerge:", "patchesJson6902:"]
    } else if m.contains("accumulating resources") {
        &["resources:", "bases:"]
    } else {
        &[]
    };
    keys.iter()
        .find_map(|k| find_in_code(text, k).filter(|s| text[..s.start as usize].ends_with('\n') || s.start == 0))
        .map(|s| Span::new(s.start as usize, s.end as usize - 1))
}

/// The first occurrence of `needle` in `text` that is not in a comment.
fn find_in_code(text: &str, needle: &str) -> Option<Span> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let code = line.find('#').map_or(line, |i| &line[..i]);
        if let Some(i) = code.find(needle) {
            return Some(Span::new(at + i, at + i + needle.len()));
        }
        at += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_entry_a_message_names() {
        let m = "accumulating resources: accumulation err='accumulating resources from '../../bse': evalsymlink failure on '/tmp/kz/bse' : lstat";
        let text = "resources:\n  - ../../bse\n";
        assert_eq!(super::named_entry(m, text), Some(crate::yaml::Span::new(15, 24)));
    }
}
