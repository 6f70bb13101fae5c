//! Human output: a header that names the severity and the rule in words, as rustc and ruff
//! write it (`error[RULE]: MESSAGE`), then miette's
//! snippet with a label at the span (the field path), the help, the fix, and the rule's
//! documentation (its URL and `kshape explain`). Wrapped at the terminal's width, or at 100
//! columns when the output is not a terminal. Columns are characters, as in every format:
//! miette's snippet header counts bytes, so it is given the character column.

use super::{pos, SourceView, Summary};
use crate::rules::{Diagnostic, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;
use std::sync::Arc;

struct Report<'a> {
    d: &'a Diagnostic,
    /// None when the lines are too long to show (the position goes into the message instead).
    src: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    help: String,
}

/// Lines longer than this are not shown as a snippet: the renderer pads to the column, and a
/// minified or generated line can be megabytes long.
const MAX_SNIPPET_LINE: usize = 1000;

/// The length in bytes of the longest line that holds a span's start or end.
fn longest_line(f: &SourceView, start: usize, end: usize) -> usize {
    let line_of = |at: usize| {
        let (from, to) = f.index().line_bounds(f.text, at);
        to.saturating_sub(from)
    };
    line_of(start).max(line_of(end))
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Report<'_> {
    /// Empty: the header is written before miette's report, and its line is dropped.
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.src.as_ref()?;
        Some(Box::new(self.labels.clone().into_iter()))
    }
}

fn span(s: crate::yaml::Span) -> SourceSpan {
    SourceSpan::new((s.start as usize).into(), (s.end.saturating_sub(s.start)) as usize)
}

/// The width human output wraps at: the terminal's when standard output is one, else 100.
pub fn width() -> usize {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
            return usize::from(w).clamp(40, 400);
        }
    }
    100
}

/// `error[rule]: message`, wrapped at `width` with the continuation lines indented.
fn header(d: &Diagnostic, location: &str, width: usize, color: bool) -> String {
    let (word, ansi) = match d.severity {
        Severity::Error => ("error", "\x1b[1;31m"),
        Severity::Warning => ("warning", "\x1b[1;33m"),
        Severity::Info => ("info", "\x1b[1;36m"),
    };
    let plain = format!("{word}[{}]: {}{location}", d.rule(), d.message);
    let opts = textwrap::Options::new(width.max(20)).subsequent_indent("  ").break_words(false);
    let mut lines: Vec<String> = textwrap::wrap(&plain, opts).into_iter().map(|l| l.into_owned()).collect();
    if color {
        if let Some(first) = lines.first_mut() {
            let tag = format!("{word}[{}]", d.rule());
            if let Some(rest) = first.strip_prefix(&tag) {
                *first = format!("{ansi}{tag}\x1b[0m\x1b[1m{rest}\x1b[0m");
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The findings, each with its header and snippet (the summary is the caller's, last).
pub fn render(files: &[SourceView], diags: &[Diagnostic], color: bool, width: usize) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    // Words are not broken: a documentation URL stays one clickable word in a log.
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false).with_urls(false).with_break_words(false);
    let mut sources: Vec<Option<Arc<str>>> = vec![None; files.len()];
    let mut out = String::new();
    for d in diags {
        let Some(f) = files.get(d.file) else { continue };
        let text = sources[d.file].get_or_insert_with(|| Arc::from(miette_text(f.text).as_ref())).clone();
        let mut labels = vec![LabeledSpan::new_primary_with_span(Some(label_for(d)), span(d.span))];
        let mut help = d.help.clone();
        for r in &d.related {
            if r.file == d.file {
                labels.push(LabeledSpan::new_with_span(Some(r.message.clone()), span(r.span)));
            } else if let Some(rf) = files.get(r.file) {
                let p = pos(rf, r.span.start);
                help.push_str(&format!("\n{}: {}:{}:{}", r.message, rf.name, p.line, p.column));
            }
        }
        if !help.is_empty() {
            help.push('\n');
        }
        if let Some(fix) = &d.fix {
            help.push_str(&format!("fix: {} (`kshape --fix`)\n", fix.description));
        }
        help.push_str(&format!("docs: {}\n      `kshape explain {}`", d.rule().docs_url(), d.rule()));
        let p = pos(f, d.span.start);
        let snippet = longest_line(f, d.span.start as usize, d.span.end as usize) <= MAX_SNIPPET_LINE;
        let location = if snippet { String::new() } else { format!(" (at {}:{}:{})", f.name, p.line, p.column) };
        out.push_str(&header(d, &location, width, color));
        let src = snippet.then(|| NamedSource::new(f.name, text));
        let report = Report { d, src, labels, help };
        let mut body = String::new();
        let _ = handler.render_report(&mut body, &report);
        // miette's first line holds its (empty) message: the header above replaces it.
        let body = body.split_once('\n').map_or("", |(_, rest)| rest);
        // miette counts the snippet header's column in bytes; every format counts characters.
        let (line, from) = (p.line, f.index().line_bounds(f.text, d.span.start as usize).0);
        let bytes = (d.span.start as usize).saturating_sub(from) + 1;
        let body = body.replacen(&format!("{}:{line}:{bytes}]", f.name), &format!("{}:{line}:{}]", f.name, p.column), 1);
        out.push_str(&body);
        out.push('\n');
    }
    out
}

/// The summary line: `3 errors, 1 warning in 12 files, 48 objects; 2 fixable …`.
pub fn summary(summary: &Summary, diags: &[Diagnostic]) -> String {
    let mut out = summary.line();
    let fixable = diags.iter().filter(|d| d.fix.is_some()).count();
    if fixable > 0 {
        out.push_str(&format!("; {fixable} fixable with `kshape --fix` (`--diff` to preview)"));
    }
    out.push('\n');
    out
}

/// The text as miette reads it: miette breaks lines only at `\n`, so a lone `\r` (classic Mac
/// OS line ends, a line break in YAML) becomes `\n`. Same length: every span stays valid, and
/// the snippet's lines and header agree with the other formats.
fn miette_text(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\r') {
        return text.into();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        out.push(if c == '\r' && bytes.get(i + 1) != Some(&b'\n') { '\n' } else { c });
    }
    out.into()
}

/// The label at the span: the field path (the header already names the rule).
fn label_for(d: &Diagnostic) -> String {
    match &d.path {
        Some(p) => p.to_string(),
        None => "here".to_string(),
    }
}
