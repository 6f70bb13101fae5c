//! [`InputTooLarge`](crate::rules::RuleId::InputTooLarge): a document or object is past one of
//! kshape's size limits, so it is not (fully) linted. Valid YAML can be past them: they are not
//! syntax errors, and each message names the limit that was hit.

use crate::index::Index;
use crate::rules::Findings;
use crate::util::thousands;
use crate::yaml::de::{IssueKind, BUDGET};
use crate::yaml::Span;

pub fn check(ix: &Index, out: &mut Findings) {
    for (i, f) in ix.numbered_files() {
        if let Some(limit) = &f.yaml().limit {
            out.report(i, Span::at(limit.offset as usize), limit.message.clone())
                .help("split the file into smaller ones; nothing in it past this point is checked");
        }
    }
    for o in &ix.objects {
        if o.issues.iter().any(|issue| issue.kind == IssueKind::TooLarge) {
            let span = ix.file(o).span(o.root);
            out.report(
                o.file,
                Span::at(span.start as usize),
                format!(
                    "the object expands to more than {} values through aliases that repeat its nodes; it is not checked against its schema",
                    thousands(BUDGET)
                ),
            )
            .help("write the object out without nested aliases (each alias of an alias multiplies what kubectl must read)")
            .object(o);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::index::{Index, ParsedFile};
    use crate::rules::{RuleId, Severity};
    use crate::source::SourceFile;

    #[test]
    fn the_node_limit_is_reported_as_a_limit_where_reading_stopped() {
        // A small limit stands for MAX_NODES (a file that passes it takes ~10 MB).
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {k: v}\n";
        let yaml = crate::yaml::parse_limited(text, false, 12);
        let source = SourceFile::new("big.yaml", text);
        let mut ix = Index::build(Vec::new(), "default");
        ix.files.push(ParsedFile::new(source, yaml));
        let found = crate::rules::run_only(&ix, |r| matches!(r, RuleId::InputTooLarge | RuleId::YamlSyntax).then_some(Severity::Error));
        let found: Vec<(RuleId, u32, &str)> = found.iter().map(|d| (d.rule(), d.span.start, d.message.as_str())).collect();
        let at = u32::try_from(text.find("---").unwrap()).unwrap();
        let message = "the file has more than 12 YAML nodes: this document and the rest of the file are not read";
        assert_eq!(found, [(RuleId::InputTooLarge, at, message)]);
    }
}
