//! Reporters: one file per format. They see diagnostics and source text, never objects.

pub mod compact;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use crate::rules::{Diagnostic, Severity};
use crate::yaml::{LineIndex, Span};

/// An output format of a lint run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Compact,
    Json,
    Sarif,
    Github,
    Junit,
}

impl Format {
    pub const ALL: [Format; 6] = [Format::Human, Format::Compact, Format::Json, Format::Sarif, Format::Github, Format::Junit];

    /// The name the command line and configuration use.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Compact => "compact",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// How a report is shown (the command line's display options).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub color: bool,
    /// Also list what suppressions silenced (human, compact, JSON, SARIF).
    pub show_suppressed: bool,
    /// Human output wraps at this width ([`human::width`]).
    pub width: usize,
    /// `--statistics`, placed in human and compact output (before the summary).
    pub statistics: Option<String>,
    /// `--quiet`: findings only, no summary line.
    pub quiet: bool,
    /// How many findings `--min-severity` left out (the summaries say so).
    pub hidden: usize,
    /// The `--fail-on` level: JUnit's failures are the findings at or above it.
    pub fail_on: Option<crate::rules::Severity>,
}

/// What a reporter may know about a file.
pub struct SourceView<'a> {
    pub name: &'a str,
    pub text: &'a str,
    /// Filled on first use: most files of a run have no finding.
    pub lines: &'a std::sync::OnceLock<LineIndex>,
}

impl SourceView<'_> {
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        self.index().line_col(self.text, offset)
    }

    pub fn index(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.text))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Inputs that were not read (JSON: `notRead`, present when not zero).
    pub not_read: usize,
    /// Findings `--min-severity` left out (JSON: `hidden`, present when not zero).
    pub hidden: usize,
}

impl Summary {
    pub fn count(&mut self, diags: &[Diagnostic]) {
        for d in diags {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }

    /// "3 errors, 1 warning in 12 files, 48 objects"
    pub fn line(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if self.errors > 0 {
            parts.push(plural(self.errors, "error", "errors"));
        }
        if self.warnings > 0 {
            parts.push(plural(self.warnings, "warning", "warnings"));
        }
        if self.infos > 0 {
            parts.push(plural(self.infos, "info", "infos"));
        }
        let found = if parts.is_empty() { "no problems".to_string() } else { parts.join(", ") };
        let hidden = if self.hidden > 0 { format!(" ({} more below --min-severity)", self.hidden) } else { String::new() };
        format!("{found}{hidden} in {}, {}", plural(self.files, "file", "files"), plural(self.objects, "object", "objects"))
    }
}

/// A position as every format gives it: 1-based line, 1-based column counting characters
/// (Unicode scalar values), and the byte offset in the file. `byte_column` (1-based, counting
/// bytes from the line's start) is for editors that count bytes (Vim, Neovim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
    pub byte_column: u32,
}

pub fn pos(f: &SourceView, offset: u32) -> Pos {
    let (line, column) = f.line_col(offset);
    let start = f.index().line_bounds(f.text, offset as usize).0;
    let byte_column = u32::try_from((offset as usize).saturating_sub(start)).unwrap_or(u32::MAX).saturating_add(1);
    Pos { line, column, offset, byte_column }
}

pub fn range(f: &SourceView, span: Span) -> (Pos, Pos) {
    (pos(f, span.start), pos(f, span.end))
}

/// Counts per rule, most frequent first (`--statistics`).
/// What `--statistics` says about the inputs: how many pod specs the pod-level rules read
/// (and how many of them sit in custom resources), and how many custom resources were checked
/// against a CRD of the inputs, had only their pod templates typed, or had no schema at all
/// (those get no schema findings).
pub fn input_statistics(ix: &crate::index::Index) -> String {
    use crate::model::custom::{builtin_group, custom_kind};
    let (mut pods, mut custom_pods) = (0usize, 0usize);
    let crds = crate::model::crd::collect(&|f| ix.get_parsed(f).map(|p| p.yaml()), &ix.objects);
    let (mut resources, mut with_crd, mut templates_only, mut schemaless) = (0usize, 0usize, 0usize, 0usize);
    for o in ix.objects.iter().filter(|o| !o.context) {
        for w in o.workloads().filter(|w| w.pod_spec.is_some()) {
            pods += 1;
            if w.custom.is_some() && !builtin_group(o.group()) {
                custom_pods += 1;
            }
        }
        let group = o.group();
        if builtin_group(group) || o.api_version.is_none() {
            continue;
        }
        resources += 1;
        let version = o.api_version.as_deref().and_then(|v| v.rsplit_once('/')).map(|(_, v)| v).unwrap_or("");
        if crds
            .get(&(group, o.kind.as_str()))
            .is_some_and(|cs| cs.iter().any(|c| c.versions.iter().any(|v| v.name == version && v.schema.is_some())))
        {
            with_crd += 1;
        } else if custom_kind(group, &o.kind).is_some_and(|c| c.versions.iter().any(|v| v == version)) {
            templates_only += 1;
        } else {
            schemaless += 1;
        }
    }
    let n = |v: usize| crate::util::thousands(u64::try_from(v).unwrap_or(u64::MAX));
    format!(
        "pod specs linted: {} ({} in custom resources)\ncustom resources: {} (checked against a CRD of the inputs: {}; pod templates typed: {}; no schema, so no schema findings: {})\n",
        n(pods),
        n(custom_pods),
        n(resources),
        n(with_crd),
        n(templates_only),
        n(schemaless)
    )
}

pub fn statistics(diags: &[Diagnostic]) -> String {
    let mut counts: std::collections::BTreeMap<&str, (usize, &str)> = std::collections::BTreeMap::new();
    for d in diags {
        let e = counts.entry(d.rule().as_str()).or_insert((0, d.severity.as_str()));
        e.0 += 1;
    }
    let mut rows: Vec<(&str, usize, &str)> = counts.into_iter().map(|(r, (n, s))| (r, n, s)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    rows.iter().map(|(r, n, s)| format!("{n:6}  {r:width$}  {s}\n")).collect()
}
