//! SARIF 2.1.0, as GitHub code scanning reads it.

use super::{range, SourceView};
use crate::rules::{Diagnostic, Severity};
use serde_json::{json, Value};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A URI reference for a file name as given (relative paths stay relative; an absolute path
/// outside the current directory is a `file:` URI, so a Windows drive is not read as a scheme).
pub fn uri(name: &str) -> String {
    let path = std::path::Path::new(name);
    let mut rel = std::borrow::Cow::Borrowed(name);
    if path.is_absolute() {
        match std::env::current_dir().ok().and_then(|c| path.strip_prefix(c).ok().map(|p| p.to_string_lossy().into_owned())) {
            Some(p) => rel = p.into(),
            None => return crate::util::path_to_file_uri(path),
        }
    }
    crate::util::encode_uri_path(&rel.replace('\\', "/"))
}

/// The run's directory as a `file://` URI ending in `/` (SARIF requires the slash).
fn srcroot() -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut u = crate::util::path_to_file_uri(&cwd);
    if !u.ends_with('/') {
        u.push('/');
    }
    u
}

fn region(f: &SourceView, span: crate::yaml::Span) -> Value {
    let (a, b) = range(f, span);
    json!({"startLine": a.line, "startColumn": a.column, "endLine": b.line, "endColumn": b.column.max(a.column)})
}

/// The base every relative artifact URI is resolved against: the directory kshape ran in.
const SRCROOT: &str = "%SRCROOT%";

/// An artifact location: a relative reference with `uriBaseId` (resolved against the run's
/// directory), or an absolute `file://` URI for a file outside it.
fn location(name: &str) -> Value {
    let u = uri(name);
    if u.starts_with("file:") {
        json!({"uri": u})
    } else {
        json!({"uri": u, "uriBaseId": SRCROOT})
    }
}

/// `not_read`: inputs that were not read, each a notification of a failed invocation (SARIF's
/// place for what kept a tool from analysing something). `suppressed` (`--show-suppressed`):
/// findings a suppression silenced, as results with an in-source suppression and its reason.
/// A finding's message and its help are separate: `message.text` and `properties.help`.
pub fn render(
    files: &[SourceView],
    diags: &[Diagnostic],
    not_read: &[crate::source::ReadError],
    suppressed: Option<&[crate::suppress::Suppressed]>,
) -> String {
    let rules: Vec<Value> = crate::rules::RuleId::ALL
        .iter()
        .map(|&r| {
            let m = r.meta();
            json!({
                "id": m.id,
                "name": m.id,
                "shortDescription": {"text": m.summary.trim()},
                "fullDescription": {"text": m.why.trim()},
                "help": {"text": m.fix.trim()},
                "helpUri": r.docs_url(),
                "defaultConfiguration": {"level": level(r.default_severity())},
                "properties": {"category": r.category().as_str()}
            })
        })
        .collect();
    let silenced = suppressed.unwrap_or(&[]).iter().map(|s| (&s.diagnostic, Some(s.by.as_str())));
    let results: Vec<Value> = diags
        .iter()
        .map(|d| (d, None))
        .chain(silenced)
        .filter_map(|(d, by)| {
            let f = files.get(d.file)?;
            let index = crate::rules::RuleId::ALL.iter().position(|&r| r == d.rule());
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let rf = files.get(r.file)?;
                    Some(json!({"id": i, "message": {"text": r.message}, "physicalLocation": {"artifactLocation": location(rf.name), "region": region(rf, r.span)}}))
                })
                .collect();
            let mut v = json!({
                "ruleId": d.rule().as_str(),
                "level": level(d.severity),
                "message": {"text": d.message},
                "locations": [{"physicalLocation": {"artifactLocation": location(f.name), "region": region(f, d.span)}}]
            });
            if !d.help.is_empty() {
                v["properties"] = json!({"help": d.help});
            }
            if let Some(by) = by {
                v["suppressions"] = json!([{"kind": "inSource", "justification": format!("by {by}")}]);
            }
            if let Some(i) = index {
                v["ruleIndex"] = json!(i);
            }
            if !related.is_empty() {
                v["relatedLocations"] = json!(related);
            }
            if let Some(fix) = &d.fix {
                // An empty deleted region inserts; SARIF viewers offer these as quick fixes.
                let replacements: Vec<Value> =
                    fix.edits.iter().map(|e| json!({"deletedRegion": region(f, e.span), "insertedContent": {"text": e.text}})).collect();
                v["fixes"] = json!([{
                    "description": {"text": fix.description},
                    "artifactChanges": [{"artifactLocation": location(f.name), "replacements": replacements}]
                }]);
            }
            Some(v)
        })
        .collect();
    let mut doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kshape", "version": env!("CARGO_PKG_VERSION"), "informationUri": crate::rules::REPOSITORY, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {SRCROOT: {"uri": srcroot()}},
            "results": results
        }]
    });
    if !not_read.is_empty() {
        let notifications: Vec<Value> = not_read
            .iter()
            .map(|e| {
                json!({
                    "level": "error",
                    "message": {"text": e.to_string()},
                    "locations": [{"physicalLocation": {"artifactLocation": location(&e.file)}}]
                })
            })
            .collect();
        doc["runs"][0]["invocations"] = json!([{"executionSuccessful": false, "toolExecutionNotifications": notifications}]);
    }
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_are_references_relative_to_the_current_directory() {
        assert_eq!(uri("testdata/a b/ü#1.yaml"), "testdata/a%20b/%C3%BC%231.yaml");
        assert_eq!(uri("dir\\x.yaml"), "dir/x.yaml");
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(uri(&cwd.join("x 1.yaml").to_string_lossy()), "x%201.yaml");
        // Outside it, a file URI: a bare `C:/x` would read as a URI with the scheme `c`.
        if cfg!(unix) {
            assert_eq!(uri("/nonexistent-root/x.yaml"), "file:///nonexistent-root/x.yaml");
        }
        assert_eq!(uri("C:/x.yaml"), if cfg!(windows) { "file:///C:/x.yaml" } else { "C%3A/x.yaml" });
    }
}
