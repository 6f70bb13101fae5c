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

/// A URI reference for a file name as given (relative paths stay relative).
pub fn uri(name: &str) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = match (cwd, std::path::Path::new(name).is_absolute()) {
        (Some(c), true) => {
            std::path::Path::new(name).strip_prefix(&c).map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|_| name.to_string())
        }
        _ => name.to_string(),
    };
    let mut out = String::new();
    for ch in rel.replace('\\', "/").chars() {
        match ch {
            'A'..='Z'
            | 'a'..='z'
            | '0'..='9'
            | '-'
            | '.'
            | '_'
            | '~'
            | '/'
            | ':'
            | '@'
            | '!'
            | '$'
            | '&'
            | '\''
            | '('
            | ')'
            | '*'
            | '+'
            | ','
            | ';'
            | '=' => out.push(ch),
            _ => {
                let mut buf = [0u8; 4];
                for b in ch.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

fn region(f: &SourceView, span: crate::yaml::Span) -> Value {
    let (a, b) = range(f, span);
    json!({"startLine": a.line, "startColumn": a.column, "endLine": b.line, "endColumn": b.column.max(a.column)})
}

pub fn render(files: &[SourceView], diags: &[Diagnostic]) -> String {
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
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kshape", "version": env!("CARGO_PKG_VERSION"), "informationUri": DOCS_BASE_URL.trim_end_matches("blob/main/"), "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
