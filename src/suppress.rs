//! Suppressions: `kshape.io/ignore` annotations on an object (or its pod template), and
//! `# kshape: ignore[rule, ...]` (this line and the next) / `# kshape: ignore-file[rule, ...]`
//! comments. A suppression that suppresses nothing is itself reported ([`UnusedSuppression`](crate::rules::RuleId::UnusedSuppression)).

use crate::index::Index;
use crate::path;
use crate::rules::{Diagnostic, Findings, RuleId, Selection};
use crate::yaml::Span;
use regex::Regex;
use std::sync::OnceLock;

pub const ANNOTATION: &str = "kshape.io/ignore";

/// A finding that was suppressed, and by what.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub diagnostic: Diagnostic,
    pub by: String,
}

enum Scope {
    /// Findings starting on this 1-based line or the next.
    Line(u32),
    File,
    /// Findings about the object with this root node.
    Object(crate::yaml::NodeId),
}

/// A suppression read from a file: a comment or an annotation.
pub struct Directive {
    file: usize,
    scope: Scope,
    rules: Vec<String>,
    used: Vec<bool>,
    span: Span,
    what: String,
}

impl Directive {
    fn matches(&mut self, ix: &Index, d: &Diagnostic) -> bool {
        if d.file != self.file {
            return false;
        }
        let in_scope = match self.scope {
            Scope::File => true,
            Scope::Object(root) => d.object_root == Some(root),
            Scope::Line(line) => {
                let f = &ix.parsed(d.file);
                let (l, _) = f.line_col(d.span.start);
                l == line || l == line + 1
            }
        };
        if !in_scope {
            return false;
        }
        for (i, r) in self.rules.iter().enumerate() {
            if r == "all" || r == d.rule().as_str() {
                self.used[i] = true;
                return true;
            }
        }
        false
    }
}

fn directive_re() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^\s*kshape:\s*(ignore|ignore-file)\s*\[([^\]]*)\]").ok()).as_ref()
}

fn split_rules(s: &str) -> Vec<String> {
    s.split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect()
}

/// The suppressions of the files of an index (one file's, where it is read).
pub fn directives(ix: &Index) -> Vec<Directive> {
    let mut out = Vec::new();
    let re = directive_re();
    // Context files too: a finding there can be reported (`Settings::related_context`), and
    // their suppressions then apply; unused ones are reported only in inputs.
    for (fi, f) in ix.numbered_files() {
        for c in &f.yaml().comments {
            let Some(cap) = re.and_then(|r| r.captures(&c.text)) else { continue };
            let rules = split_rules(cap.get(2).map(|m| m.as_str()).unwrap_or(""));
            let (line, _) = f.line_col(c.offset);
            let scope = if cap.get(1).map(|m| m.as_str()) == Some("ignore-file") { Scope::File } else { Scope::Line(line) };
            let span = Span::new(c.offset as usize, c.offset as usize + 1 + c.text.trim_end().len());
            out.push(Directive { file: fi, used: vec![false; rules.len()], rules, scope, span, what: format!("comment on line {line}") });
        }
    }
    // Only a file with the annotation's key among its scalars can have it: asked once per file
    // (most have none), not by looking up each object's annotations.
    static KEY: crate::util::Needle = crate::util::Needle::new(ANNOTATION);
    let has = |y: &crate::yaml::YamlFile| KEY.is_in(y.scalar_texts());
    let mut annotated: Vec<Option<bool>> = vec![None; ix.files.len()];
    for o in &ix.objects {
        let y = ix.file(o);
        let slot = o.file.checked_sub(ix.first_file).and_then(|i| annotated.get_mut(i));
        let maybe = match slot {
            Some(Some(known)) => *known,
            Some(slot) => *slot.insert(has(y)),
            None => has(y),
        };
        if !maybe {
            continue;
        }
        let mut paths = vec![path!["metadata", "annotations", ANNOTATION]];
        if let Some(w) = o.workload().filter(|w| w.has_template()) {
            paths.push(w.template_path().key("metadata").key("annotations").key(ANNOTATION));
        }
        for p in paths {
            let Some(node) = y.lookup(o.root, &p) else { continue };
            let Some(value) = y.scalar(node) else { continue };
            let rules = split_rules(value);
            let what = format!("annotation {ANNOTATION} on {} `{}`", o.kind, o.name.as_deref().unwrap_or(""));
            out.push(Directive {
                file: o.file,
                used: vec![false; rules.len()],
                rules,
                scope: Scope::Object(o.root),
                span: y.span(node),
                what,
            });
        }
    }
    out
}

/// Splits findings into kept and suppressed, and adds [`UnusedSuppression`](crate::rules::RuleId::UnusedSuppression)
/// findings at the level `selection` gives that rule.
pub fn apply(ix: &Index, diags: Vec<Diagnostic>, selection: &Selection) -> (Vec<Diagnostic>, Vec<Suppressed>) {
    apply_with(ix, directives(ix), diags, selection)
}

/// [`apply`] with the suppressions read earlier ([`directives`], where each file was read).
pub fn apply_with(
    ix: &Index,
    mut dirs: Vec<Directive>,
    diags: Vec<Diagnostic>,
    selection: &Selection,
) -> (Vec<Diagnostic>, Vec<Suppressed>) {
    if dirs.is_empty() {
        return (diags, Vec::new());
    }
    let mut kept = Vec::with_capacity(diags.len());
    let mut suppressed = Vec::new();
    // The directives of each file: a finding is matched against its own file's only.
    let mut by_file: foldhash::HashMap<usize, Vec<usize>> = foldhash::HashMap::default();
    for (i, dir) in dirs.iter().enumerate() {
        by_file.entry(dir.file).or_default().push(i);
    }
    for d in diags {
        let here = by_file.get(&d.file).map_or(&[][..], Vec::as_slice);
        match here.iter().find_map(|&i| dirs[i].matches(ix, &d).then(|| dirs[i].what.clone())) {
            Some(by) => suppressed.push(Suppressed { diagnostic: d, by }),
            None => kept.push(d),
        }
    }
    if let Some(sev) = selection.level(RuleId::UnusedSuppression) {
        let mut out = Findings::new(RuleId::UnusedSuppression);
        for dir in dirs.iter().filter(|d| ix.get_parsed(d.file).is_some_and(|f| !f.source.context)) {
            for (rule, used) in dir.rules.iter().zip(&dir.used) {
                // A rule that is off in this run finds nothing to suppress; the suppression
                // still matters in runs where it is on (ruff's RUF100 does the same).
                if *used || RuleId::parse(rule).is_some_and(|r| selection.level(r).is_none()) {
                    continue;
                }
                let known = rule == "all" || RuleId::parse(rule).is_some();
                let message = if known {
                    format!("this suppression of `{rule}` ({}) suppresses nothing", dir.what)
                } else {
                    let ids = RuleId::ALL.iter().map(|r| r.as_str());
                    let hint = crate::util::did_you_mean(rule, ids).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                    format!("`{rule}` in this suppression ({}) names no rule{hint}", dir.what)
                };
                out.report(dir.file, dir.span, message)
                    .help("remove it (or fix the rule name): a stale suppression would hide the next real finding there");
            }
        }
        kept.extend(out.into_vec().into_iter().map(|mut d| {
            d.severity = sev;
            d
        }));
        crate::rules::sort(ix, &mut kept);
    }
    (kept, suppressed)
}
