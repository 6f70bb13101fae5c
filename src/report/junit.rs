//! JUnit XML, as GitLab's and Jenkins' test report readers take it: one `<testsuite>` for the
//! run; one `<testcase>` per finding at or above `--fail-on` (default: errors and warnings;
//! failed, its class is the file, its name the rule and position), one per linted file without
//! such findings (passed), and one per input that was not read (an `<error>`). Each testcase
//! holds at most one `<failure>` or `<error>`, which every reader accepts. Findings below
//! `--fail-on` do not fail the run and are left out.

use super::{pos, SourceView};
use crate::rules::{Diagnostic, Severity};
use std::fmt::Write;

/// XML text and attribute values: the five predefined entities, and characters XML 1.0 does not
/// allow (control characters other than tab and line ends) shown as U+FFFD, so a message
/// still shows that something was there.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `linted`: the files of the run (reported on), so that clean files are passed testcases.
/// `fail_on`: the findings at or above it are failures (as they fail the run: `--fail-on`).
/// `not_read`: inputs that were not read, each a testcase with an `<error>` (exit code 2).
pub fn render(
    files: &[SourceView],
    linted: &[usize],
    diags: &[Diagnostic],
    fail_on: Severity,
    not_read: &[crate::source::ReadError],
) -> String {
    let failing: Vec<&Diagnostic> = diags.iter().filter(|d| d.severity >= fail_on && files.get(d.file).is_some()).collect();
    let with_findings: std::collections::BTreeSet<usize> = failing.iter().map(|d| d.file).collect();
    let clean: Vec<usize> = linted.iter().copied().filter(|i| !with_findings.contains(i)).collect();
    let tests = failing.len() + clean.len();
    let mut cases = String::new();
    for d in &failing {
        let f = &files[d.file];
        let p = pos(f, d.span.start);
        let kind = d.severity.as_str();
        let mut body = format!("{}:{}:{}: {kind} [{}] {}", f.name, p.line, p.column, d.rule(), d.message);
        if !d.help.is_empty() {
            body.push_str("\nhelp: ");
            body.push_str(&d.help);
        }
        let _ = write!(
            cases,
            "    <testcase classname=\"{}\" name=\"{} at {}:{}\" file=\"{}\" line=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
            esc(f.name),
            d.rule(),
            p.line,
            p.column,
            esc(f.name),
            p.line,
            kind,
            esc(&format!("[{}] {}", d.rule(), d.message)),
            esc(&body)
        );
    }
    for &i in &clean {
        if let Some(f) = files.get(i) {
            let _ = writeln!(cases, "    <testcase classname=\"{}\" name=\"no findings\" file=\"{}\"/>", esc(f.name), esc(f.name));
        }
    }
    for e in not_read {
        let _ = writeln!(
            cases,
            "    <testcase classname=\"{}\" name=\"read\" file=\"{}\">\n      <error type=\"not read\" message=\"{}\"/>\n    </testcase>",
            esc(&e.file),
            esc(&e.file),
            esc(&e.to_string())
        );
    }
    let tests = tests + not_read.len();
    let errors = not_read.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let n = failing.len();
    let _ = writeln!(out, "<testsuites name=\"kshape\" tests=\"{tests}\" failures=\"{n}\" errors=\"{errors}\">");
    let _ = writeln!(out, "  <testsuite name=\"kshape\" tests=\"{tests}\" failures=\"{n}\" errors=\"{errors}\" skipped=\"0\">");
    out.push_str(&cases);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(super::esc("a<b & \"c\" 'd'>\u{1}\t"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}\t");
    }
}
