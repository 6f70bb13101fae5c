//! GitHub Actions workflow commands: findings become annotations on pull requests.

use super::{range, SourceView};
use crate::rules::{Diagnostic, Severity};
use std::fmt::Write;

fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// How many annotations of one kind GitHub shows per step; the rest are dropped silently.
const SHOWN_PER_KIND: usize = 10;

pub fn render(files: &[SourceView], diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    let (e, w, i) = (count(Severity::Error), count(Severity::Warning), count(Severity::Info));
    if e.max(w).max(i) > SHOWN_PER_KIND {
        // First, so that it is not among the notices GitHub drops.
        let _ = writeln!(
            out,
            "::notice title=kshape::{}",
            data(&format!(
                "kshape found {e} errors, {w} warnings and {i} infos; GitHub shows only the first {SHOWN_PER_KIND} annotations of each kind per step. Upload `kshape --format sarif` to code scanning, or read `kshape --format compact`, for all of them."
            ))
        );
    }
    for d in diags {
        let Some(f) = files.get(d.file) else { continue };
        let (a, b) = range(f, d.span);
        let cmd = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = d.message.clone();
        if !d.help.is_empty() {
            message.push('\n');
            message.push_str(&d.help);
        }
        let _ = writeln!(
            out,
            "::{cmd} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(f.name),
            a.line,
            a.column,
            b.line,
            b.column.max(a.column),
            property(&format!("kshape {}", d.rule())),
            data(&message)
        );
    }
    out
}
