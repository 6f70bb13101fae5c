//! [`InvalidFieldType`](crate::rules::RuleId::InvalidFieldType): a value of the wrong type (`replicas: "three"`, `containers:` as a
//! mapping, an unquoted number where the API wants a string).

use crate::index::Index;
use crate::rules::Findings;
use crate::yaml::de::IssueKind;
use crate::yaml::scalar::Resolved;
use crate::yaml::{is_placeholder, NodeKind, Step};

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        let y = ix.file(o);
        for issue in &o.issues {
            let IssueKind::WrongType { expected } = issue.kind else {
                continue;
            };
            let node = y.node(issue.node);
            if y.scalar(issue.node).is_some_and(is_placeholder) {
                continue;
            }
            let found = match &node.kind {
                NodeKind::Map(_) => "a mapping".to_string(),
                NodeKind::Seq(_) => "a list".to_string(),
                NodeKind::Scalar { text, resolved } => {
                    let quoted = &text.quoted();
                    let text = y.text(*text);
                    let d = resolved.describe(text);
                    if *quoted {
                        format!("the quoted string `{}`", crate::util::ellipsize(text, 40))
                    } else {
                        d
                    }
                }
            };
            // The last key of the path: a list item is named by its list (`containers`).
            let field = issue.path.iter().rev().find_map(Step::as_key).unwrap_or("");
            let field = if field.is_empty() { "this value" } else { field };
            let help = match (&node.kind, expected) {
                (NodeKind::Scalar { text, resolved: Resolved::Int(_) | Resolved::Float(_) | Resolved::Bool(_) }, "a string") => {
                    let text = y.text(*text);
                    format!("quote it: `\"{text}\"`. kubectl reads an unquoted `{text}` as a {}, and the API server rejects it for a string field", if matches!(node.kind, NodeKind::Scalar { resolved: Resolved::Bool(_), .. }) { "boolean" } else { "number" })
                }
                (NodeKind::Scalar { .. }, e) if e.starts_with("an integer") => "write a whole number without quotes".to_string(),
                (NodeKind::Scalar { .. }, "a boolean (true or false)") => "write `true` or `false` without quotes".to_string(),
                (_, "a list") => format!("write `{field}` as a list: each item on its own line starting with `- `"),
                (_, "a mapping") => format!("write `{field}` as a mapping of `key: value` lines"),
                _ => format!("write {expected} here"),
            };
            out.report(o.file, y.span(issue.node), format!("`{field}` must be {expected}, found {found}"))
                .help(help)
                .path(issue.path.clone())
                .object(o);
        }
    }
}
