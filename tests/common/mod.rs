//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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

/// Rules that need a node inventory; their fixtures and examples are linted with
/// testdata/nodes/inventory.yaml.
pub const INVENTORY_RULES: &[&str] = &["no-eligible-nodes", "taint-not-tolerated", "requests-exceed-allocatable"];

pub fn inventory() -> Vec<kshape::model::scheduling::NodeInfo> {
    let p = root().join("testdata/nodes/inventory.yaml");
    let text = std::fs::read_to_string(&p).expect("inventory is readable");
    let file = kshape::source::SourceFile { name: rel(&p), text, is_json: false, context: true, invalid_utf8_at: None, kustomize: false };
    kshape::read_nodes(file).expect("inventory has nodes")
}

/// Lints one file with the node inventory.
pub fn lint_file_with_nodes(p: &Path) -> kshape::Lint {
    let l = lint_file(p);
    let files = l.index.files.into_iter().map(|f| f.source).collect();
    kshape::lint_with(files, "default", Some(inventory()))
}

/// Lints a text, with the inventory when the rule needs one.
pub fn lint_example(rule: &str, name: &str, text: &str) -> kshape::Lint {
    if INVENTORY_RULES.contains(&rule) {
        let file = kshape::source::SourceFile {
            name: name.into(),
            text: text.into(),
            is_json: false,
            context: false,
            invalid_utf8_at: None,
            kustomize: false,
        };
        kshape::lint_with(vec![file], "default", Some(inventory()))
    } else {
        kshape::lint_str(name, text)
    }
}

pub fn compact(l: &kshape::Lint) -> String {
    l.render(kshape::report::Format::Compact, false)
}

/// Runs the built binary in `dir`, with `stdin` piped in when given.
pub fn run_in(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kshape"));
    // Colour must be off because the output is piped, not because the environment says so.
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("kshape starts");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// A fresh directory under the system temp dir, marked as a repository root.
pub fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("kshape-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::create_dir_all(d.join(".git")).unwrap(); // a repository root: config lookup stops here
    d
}
