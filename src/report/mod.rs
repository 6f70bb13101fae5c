//! Reporters: one file per format. They see diagnostics and source text, never objects.

pub mod compact;
pub mod github;
pub mod human;
pub mod json;
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
}

impl Format {
    pub const ALL: [Format; 5] = [Format::Human, Format::Compact, Format::Json, Format::Sarif, Format::Github];

    /// The name the command line and configuration use.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Compact => "compact",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
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
        format!("{found} in {}, {}", plural(self.files, "file", "files"), plural(self.objects, "object", "objects"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
}

pub fn pos(f: &SourceView, offset: u32) -> Pos {
    let (line, column) = f.line_col(offset);
    Pos { line, column, offset }
}

pub fn range(f: &SourceView, span: Span) -> (Pos, Pos) {
    (pos(f, span.start), pos(f, span.end))
}

/// Counts per rule, most frequent first (`--statistics`).
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
