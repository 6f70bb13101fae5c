//! The JSON output, version 1. Its shape is a contract (docs/json-output.md,
//! docs/json-output.schema.json): editors and CI read it.

use super::{range, SourceView, Summary};
use crate::rules::{Diagnostic, ObjectRef};
use crate::source::ReadError;
use serde::Serialize;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    diagnostics: Vec<Item<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Vec<Item<'a>>>,
    /// Inputs that were not read; absent when every input was.
    #[serde(rename = "notRead", skip_serializing_if = "<[_]>::is_empty")]
    not_read: &'a [ReadError],
}

impl Serialize for ReadError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("NotRead", 2)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("reason", &self.reason)?;
        st.end()
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Item<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    help: &'a str,
    file: &'a str,
    range: Range,
    object: Option<&'a ObjectRef>,
    path: Option<String>,
    related: Vec<RelatedItem<'a>>,
    docs: String,
    source: Option<&'a str>,
    #[serde(rename = "suppressedBy", skip_serializing_if = "Option::is_none")]
    suppressed_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixItem<'a>>,
}

#[derive(Serialize)]
struct FixItem<'a> {
    description: &'a str,
    edits: Vec<EditItem<'a>>,
}

#[derive(Serialize)]
struct EditItem<'a> {
    range: Range,
    text: &'a str,
}

#[derive(Serialize)]
struct RelatedItem<'a> {
    file: &'a str,
    range: Range,
    message: &'a str,
}

#[derive(Serialize)]
struct Range {
    start: Pos,
    end: Pos,
}

#[derive(Serialize)]
struct Pos {
    line: u32,
    column: u32,
    offset: u32,
    /// The column in bytes, for editors that count bytes.
    #[serde(rename = "byteColumn")]
    byte_column: u32,
}

impl serde::Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Summary", 7)?;
        st.serialize_field("files", &self.files)?;
        st.serialize_field("documents", &self.documents)?;
        st.serialize_field("objects", &self.objects)?;
        st.serialize_field("errors", &self.errors)?;
        st.serialize_field("warnings", &self.warnings)?;
        st.serialize_field("infos", &self.infos)?;
        if self.not_read > 0 {
            st.serialize_field("notRead", &self.not_read)?;
        }
        if self.hidden > 0 {
            st.serialize_field("hidden", &self.hidden)?;
        }
        st.end()
    }
}

fn to_range(f: &SourceView, span: crate::yaml::Span) -> Range {
    let (a, b) = range(f, span);
    let p = |x: super::Pos| Pos { line: x.line, column: x.column, offset: x.offset, byte_column: x.byte_column };
    Range { start: p(a), end: p(b) }
}

fn item<'a>(files: &'a [SourceView], d: &'a Diagnostic, by: Option<&'a str>) -> Option<Item<'a>> {
    let f = files.get(d.file)?;
    Some(Item {
        rule: d.rule().as_str(),
        severity: d.severity.as_str(),
        message: &d.message,
        help: &d.help,
        file: f.name,
        range: to_range(f, d.span),
        object: d.object.as_deref(),
        path: d.path.as_ref().map(ToString::to_string),
        related: d
            .related
            .iter()
            .filter_map(|r| {
                let rf = files.get(r.file)?;
                Some(RelatedItem { file: rf.name, range: to_range(rf, r.span), message: &r.message })
            })
            .collect(),
        docs: d.rule().docs_path(),
        source: d.source.as_deref(),
        suppressed_by: by,
        fix: d.fix.as_ref().map(|x| FixItem {
            description: &x.description,
            edits: x.edits.iter().map(|e| EditItem { range: to_range(f, e.span), text: &e.text }).collect(),
        }),
    })
}

/// `suppressed`: with `--show-suppressed`, the silenced findings and what silenced them.
/// `not_read`: the inputs that were not read (listed, and counted in the summary).
pub fn render(
    files: &[SourceView],
    diags: &[Diagnostic],
    summary: &Summary,
    suppressed: Option<&[crate::suppress::Suppressed]>,
    not_read: &[ReadError],
) -> String {
    let items = diags.iter().filter_map(|d| item(files, d, None)).collect();
    let suppressed = suppressed.map(|s| s.iter().filter_map(|x| item(files, &x.diagnostic, Some(&x.by))).collect());
    let out = Output {
        version: 1,
        tool: Tool { name: "kshape", version: env!("CARGO_PKG_VERSION") },
        summary: *summary,
        diagnostics: items,
        suppressed,
        not_read,
    };
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
