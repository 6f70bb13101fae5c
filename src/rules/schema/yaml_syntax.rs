//! [`YamlSyntax`](crate::rules::RuleId::YamlSyntax): the file does not parse as YAML (or is not
//! UTF-8). Size limits are not syntax errors: [`InputTooLarge`](crate::rules::RuleId::InputTooLarge).

use crate::index::Index;
use crate::rules::Findings;
use crate::yaml::Span;

pub fn check(ix: &Index, out: &mut Findings) {
    for (i, f) in ix.numbered_files() {
        for e in &f.yaml().errors {
            let at = e.offset as usize;
            // A build-time placeholder on the line (`{SERVICE_IP_PREFIX}`, filled in by make or
            // envsubst-like scripts) makes the file a template, not YAML to apply as it is.
            if placeholder_on_line(&f.source.text, at) {
                continue;
            }
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

/// Whether the line holding `at` has a single-brace placeholder that a person or a script
/// replaces before applying: `{UPPER_CASE}` anywhere (`{SERVICE_IP_PREFIX}`), or `{name}` glued
/// to the rest of a value (`image: {docker_username}/iris-classifier`).
fn placeholder_on_line(text: &str, at: usize) -> bool {
    let start = text.get(..at).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let end = text.get(at..).and_then(|t| t.find('\n')).map_or(text.len(), |i| at + i);
    let Some(line) = text.get(start..end) else { return false };
    line.split('{').skip(1).any(|rest| {
        let Some((word, after)) = rest.split_once('}') else { return false };
        let identifier =
            word.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let upper = word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        let glued = after.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | ':' | '-'));
        identifier && (upper || glued)
    })
}
