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

pub fn render(files: &[SourceView], diags: &[Diagnostic]) -> String {
    let mut out = String::new();
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
