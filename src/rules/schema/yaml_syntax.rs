//! [`YamlSyntax`](crate::rules::RuleId::YamlSyntax): the file does not parse as YAML (or is not
//! UTF-8). Size limits are not syntax errors: [`InputTooLarge`](crate::rules::RuleId::InputTooLarge).

use crate::index::Index;
use crate::rules::Findings;
use crate::yaml::Span;

pub fn check(ix: &Index, out: &mut Findings) {
    for (i, f) in ix.files.iter().enumerate() {
        for e in &f.yaml.errors {
            let at = e.offset as usize;
            // The text of a file that is not UTF-8 is decoded lossily (a bad byte becomes U+FFFD,
            // three bytes): the finding covers the first bad byte as the file holds it, so its
            // offsets index the file's bytes and never pass its end.
            let end = if f.source.invalid_utf8_at == Some(at) { at + 1 } else { next_char_end(&f.source.text, at) };
            out.report(i, Span::new(at, end), format!("invalid YAML: {}", e.message))
                .help("fix the syntax at this position; the other documents of the file are still linted");
        }
    }
}

fn next_char_end(text: &str, at: usize) -> usize {
    match text.get(at..).and_then(|s| s.chars().next()) {
        Some(c) if c != '\n' && c != '\r' => at + c.len_utf8(),
        _ => at,
    }
}
