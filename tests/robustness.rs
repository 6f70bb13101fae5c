//! Hostile inputs end quickly with a clear message; output does not depend on threads.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn kshape(dir: &std::path::Path, args: &[&str]) -> (std::process::Output, Duration) {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kshape")).args(args).current_dir(dir).stdin(Stdio::null()).output().expect("kshape runs");
    (out, start.elapsed())
}

/// Debug builds are several times slower than the release builds the targets are for.
const LIMIT: Duration = Duration::from_secs(if cfg!(debug_assertions) { 5 } else { 1 });

#[test]
fn deep_nesting_and_alias_bombs_end_with_a_diagnostic_quickly() {
    let root = common::root();
    // (file, exit code, a finding the output must hold; None: the output must be empty)
    for (file, code, expect) in [
        ("testdata/malformed/deep-100k-flow.yaml", 1, Some("[yaml-syntax] invalid YAML: recursion limit exceeded")),
        ("testdata/malformed/deep-100k-mapping.yaml", 1, Some("[yaml-syntax] invalid YAML: recursion limit exceeded")),
        // A ConfigMap is typed: its top-level keys are unknown fields, found at their keys
        // without expanding the aliases beneath them.
        ("testdata/malformed/billion-laughs.yaml", 1, Some("5:1: error [unknown-field] unknown field `x0` in ConfigMap")),
        // Typed, each alias level is one type error at its anchor (the deepest one included),
        // not 10^8 values.
        ("testdata/malformed/billion-laughs-typed.yaml", 1, Some("14:13: error [invalid-field-type] `x8` must be a string, found a list")),
        // Typed and valid: the expansion budget stops it.
        ("testdata/malformed/alias-bomb-typed.yaml", 1, Some("[input-too-large] the object expands to more than 1,000,000 values")),
    ] {
        let (out, took) = kshape(&root, &["--format", "compact", file]);
        assert!(took < LIMIT, "{file} took {took:?}");
        assert_eq!(out.status.code(), Some(code), "{file}: {}", String::from_utf8_lossy(&out.stderr));
        let s = String::from_utf8_lossy(&out.stdout);
        match expect {
            Some(expect) => assert!(s.lines().any(|l| l.starts_with(file) && l.contains(expect)), "{file}: no `{expect}` in:\n{s}"),
            None => assert!(s.is_empty(), "{file}:\n{s}"),
        }
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_special_files_are_reported_and_skipped() {
    let dir = std::env::temp_dir().join(format!("kshape-walk-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("a/loop")).unwrap();
    std::fs::write(dir.join("a/ok.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata: {}\n").unwrap();
    let fifo = dir.join("a/pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    let (out, took) = kshape(&dir, &["--format", "json", "."]);
    assert!(took < LIMIT, "took {took:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("symbolic link loop"), "{err}");
    if made {
        assert!(err.contains("pipe.yaml: not a regular file"), "{err}");
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["files"], 1, "only ok.yaml is read");
    assert_eq!(out.status.code(), Some(0));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn oversized_files_are_reported_and_the_rest_linted() {
    let root = common::root();
    let (out, _) = kshape(
        &root,
        &["--format", "compact", "--max-file-size", "50000", "testdata/malformed/long-line.yaml", "testdata/examples/inference.yaml"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than --max-file-size 50000"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("inference.yaml"));
}

#[test]
fn the_largest_max_file_size_reads_stdin() {
    // One byte past the limit is read to detect an oversized stdin: it must not overflow.
    let out = common::run_in(
        &common::root(),
        &["--format", "compact", "--max-file-size", "18446744073709551615", "-"],
        Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let root = common::root();
    let mut paths = vec!["testdata".to_string()];
    let corpus = root.join("../shared/corpus/files");
    if corpus.is_dir() {
        paths.push(corpus.to_string_lossy().into_owned());
    }
    for p in paths {
        let one = kshape(&root, &["--format", "json", "--threads", "1", &p]).0;
        let many = kshape(&root, &["--format", "json", "--threads", "4", &p]).0;
        assert!(!one.stdout.is_empty());
        assert!(one.stdout == many.stdout, "{p}: output differs between 1 and 4 threads");
    }
}
