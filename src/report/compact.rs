//! `FILE:LINE:COL: SEVERITY [RULE] MESSAGE`, one line per finding (quickfix lists, grep).

use super::{pos, SourceView};
use crate::rules::Diagnostic;
use std::fmt::Write;

pub fn render(files: &[SourceView], diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let Some(f) = files.get(d.file) else { continue };
        let p = pos(f, d.span.start);
        let _ = writeln!(out, "{}:{}:{}: {} [{}] {}", f.name, p.line, p.column, d.severity.as_str(), d.rule(), d.message);
    }
    out
}
