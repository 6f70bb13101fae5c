//! SARIF 2.1.0, as GitHub code scanning reads it.

use super::{range, SourceView};
use crate::rules::{Diagnostic, Severity};
use serde_json::{json, Value};

/// Where the rule documentation is published (helpUri must be absolute).
pub const DOCS_BASE_URL: &str = "https://github.com/kshape/kshape/blob/main/";

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

fn region(f: &SourceView, span: crate::yaml::Span) -> Value {
    let (a, b) = range(f, span);
    json!({"startLine": a.line, "startColumn": a.column, "endLine": b.line, "endColumn": b.column.max(a.column)})
}

/// `not_read`: inputs that were not read, each a notification of a failed invocation (SARIF's
/// place for what kept a tool from analysing something).
pub fn render(files: &[SourceView], diags: &[Diagnostic], not_read: &[crate::source::ReadError]) -> String {
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
                "helpUri": format!("{DOCS_BASE_URL}{}", r.docs_path()),
                "defaultConfiguration": {"level": level(r.default_severity())},
                "properties": {"category": r.category().as_str()}
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .filter_map(|d| {
            let f = files.get(d.file)?;
            let index = crate::rules::RuleId::ALL.iter().position(|&r| r == d.rule());
            let mut text = d.message.clone();
            if !d.help.is_empty() {
                text.push_str(". ");
                text.push_str(&d.help);
            }
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let rf = files.get(r.file)?;
                    Some(json!({"id": i, "message": {"text": r.message}, "physicalLocation": {"artifactLocation": {"uri": uri(rf.name)}, "region": region(rf, r.span)}}))
                })
                .collect();
            let mut v = json!({
                "ruleId": d.rule().as_str(),
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(f.name)}, "region": region(f, d.span)}}]
            });
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
                    "artifactChanges": [{"artifactLocation": {"uri": uri(f.name)}, "replacements": replacements}]
                }]);
            }
            Some(v)
        })
        .collect();
    let mut doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kshape", "version": env!("CARGO_PKG_VERSION"), "informationUri": DOCS_BASE_URL.trim_end_matches("blob/main/"), "rules": rules}},
            "columnKind": "unicodeCodePoints",
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
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(&e.file)}}}]
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
