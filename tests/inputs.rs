//! Input defects (issue #13), through the binary: line ends, encodings, JSON that is or is not a
//! manifest, size limits, and files the run could not read.

mod common;

use serde_json::Value;
use std::process::Output;

/// The binary, run in the repository root.
fn kshape(args: &[&str]) -> Output {
    common::run_in(&common::root(), args, None)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// (rule, line, column) of each finding of a JSON report.
fn places(v: &Value) -> Vec<(String, u64, u64)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = &d["range"]["start"];
            (d["rule"].as_str().unwrap().to_string(), s["line"].as_u64().unwrap(), s["column"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn lone_carriage_returns_are_line_breaks_in_every_format() {
    let f = "testdata/malformed/cr-only.yaml";
    let v = json(&kshape(&["--format", "json", f]));
    let want = [("invalid-field-type".to_string(), 19, 28), ("yaml-syntax".to_string(), 26, 6)];
    assert_eq!(places(&v), want, "{v:#}");
    let compact = String::from_utf8(kshape(&["--format", "compact", f]).stdout).unwrap();
    assert!(compact.contains("cr-only.yaml:19:28: error [invalid-field-type]"), "{compact}");
    // miette's header and snippet agree: the line is shown alone, without a raw CR.
    let human = String::from_utf8(kshape(&["--color", "never", f]).stdout).unwrap();
    assert!(human.contains("[testdata/malformed/cr-only.yaml:19:28]"), "{human}");
    assert!(human.contains(" 19 │           imagePullPolicy: 3\n"), "{human}");
    assert!(!human.contains('\r'), "{human}");
    let sarif: Value = serde_json::from_slice(&kshape(&["--format", "sarif", f]).stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 19);
}
