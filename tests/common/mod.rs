//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the repository root, with `/` separators (stable snapshot names).
pub fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

/// Lints one file as the CLI would read it, named by its path relative to the repository.
pub fn lint_file(p: &Path) -> kshape::Lint {
    let bytes = std::fs::read(p).expect("fixture is readable");
    let name = rel(p);
    let (text, bad) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(e.utf8_error().valid_up_to())),
    };
    let file =
        kshape::source::SourceFile { is_json: name.ends_with(".json"), name, text, context: false, invalid_utf8_at: bad, kustomize: false };
    kshape::lint(vec![file], "default")
}

pub fn compact(l: &kshape::Lint) -> String {
    l.render(kshape::cli::Format::Compact, false)
}
