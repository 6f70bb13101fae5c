//! miette's graphical reports: the source snippet with a label at the span, the rule id,
//! the help and where the rule's documentation is.

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
    /// ` (at FILE:LINE:COL)`, shown when there is no snippet.
    location: String,
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
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)?;
        if self.src.is_none() {
            f.write_str(&self.location)?;
        }
        Ok(())
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.d.rule().as_str()))
    }
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

pub fn render(files: &[SourceView], diags: &[Diagnostic], summary: &Summary, color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false).with_urls(false);
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
        help.push_str(&format!("docs: {}", d.rule().docs_path()));
        let p = pos(f, d.span.start);
        let location = format!(" (at {}:{}:{})", f.name, p.line, p.column);
        let src = (longest_line(f, d.span.start as usize, d.span.end as usize) <= MAX_SNIPPET_LINE).then(|| NamedSource::new(f.name, text));
        let report = Report { d, src, labels, help, location };
        let _ = handler.render_report(&mut out, &report);
        out.push('\n');
    }
    out.push_str(&summary.line());
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

fn label_for(d: &Diagnostic) -> String {
    match &d.path {
        Some(p) => format!("{} ({p})", d.rule()),
        None => d.rule().to_string(),
    }
}
