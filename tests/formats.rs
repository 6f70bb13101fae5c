//! The three output formats on the shipped examples, as snapshots.

mod common;

use common::{lint_file, root};
use kshape::report::Format;

fn examples() -> kshape::Lint {
    let mut files = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(root().join("testdata/examples")).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths {
        let l = lint_file(&p);
        files.extend(l.index.files.into_iter().map(|f| f.source));
    }
    kshape::lint(files, "default")
}

#[test]
fn compact_format() {
    insta::assert_snapshot!(examples().render(Format::Compact, false));
}

#[test]
fn json_format() {
    let out = examples().render(Format::Json, false);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "kshape");
    insta::assert_snapshot!(out.replace(env!("CARGO_PKG_VERSION"), "[version]"));
}

#[test]
fn human_format() {
    insta::assert_snapshot!(examples().render(Format::Human, false));
}
