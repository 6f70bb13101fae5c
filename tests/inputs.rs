//! Input defects (issue #13), through the binary: line ends, encodings, JSON that is or is not a
//! manifest, size limits, and files the run could not read.

mod common;

#[path = "common/schema.rs"]
mod schema;

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

#[test]
fn offsets_on_invalid_utf8_index_the_files_bytes() {
    for f in ["testdata/malformed/not-utf8.yaml", "testdata/malformed/not-utf8-at-end.yaml"] {
        let bytes = std::fs::read(common::root().join(f)).unwrap();
        let bad = match std::str::from_utf8(&bytes) {
            Ok(_) => panic!("{f} is UTF-8"),
            Err(e) => e.valid_up_to(),
        };
        for format in ["json", "sarif", "compact", "github"] {
            let out = kshape(&["--format", format, f]);
            assert_eq!(out.status.code(), Some(1), "{f} {format}");
        }
        let v = json(&kshape(&["--format", "json", f]));
        let d = &v["diagnostics"][0];
        assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1, "{v:#}");
        assert_eq!(d["rule"], "yaml-syntax");
        assert_eq!(d["range"]["start"]["offset"], bad, "{f}: at the first bad byte");
        assert_eq!(d["range"]["end"]["offset"], bad + 1, "{f}: that byte, as the file holds it");
        assert!(d["range"]["end"]["offset"].as_u64().unwrap() <= bytes.len() as u64);
        // The column counts characters (the bad byte is one, shown as U+FFFD).
        let line_start = bytes[..bad].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = std::str::from_utf8(&bytes[line_start..bad]).unwrap().chars().count() + 1;
        assert_eq!(d["range"]["start"]["column"], column);
        assert_eq!(d["range"]["end"]["column"], column + 1);
    }
}

/// A file named explicitly, or standard input, is linted: its syntax errors are reported, JSON
/// or not. Walking a directory, a `.json` file without `"kind"` is not a manifest and is left
/// out silently (package.json, tsconfig.json with its comments).
#[test]
fn json_syntax_errors_are_reported_when_named_and_on_stdin_not_when_found_walking() {
    let fixture = common::root().join("testdata/malformed/broken-json-without-kind.json");
    let text = std::fs::read_to_string(&fixture).unwrap();
    assert!(!text.contains("\"kind\""));
    let dir = common::tmp("inputs-json");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/broken.json"), &text).unwrap();
    std::fs::write(dir.join("tsconfig.json"), "{\n  // comments are not JSON\n  \"compilerOptions\": {\"strict\": true,}\n}\n").unwrap();
    std::fs::write(dir.join("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n").unwrap();

    let walked = common::run_in(&dir, &["--format", "json"], None);
    assert_eq!(walked.status.code(), Some(0), "{}", String::from_utf8_lossy(&walked.stdout));
    let v = json(&walked);
    assert_eq!(v["summary"]["files"], 1, "only cm.yaml is a manifest: {v:#}");

    let named = common::run_in(&dir, &["--format", "json", "sub/broken.json"], None);
    assert_eq!(named.status.code(), Some(1));
    let named = json(&named);
    assert_eq!(places(&named), [("yaml-syntax".to_string(), 1, 34)], "{named:#}");

    let stdin = common::run_in(&dir, &["--format", "json", "--stdin-filename", "sub/broken.json", "-"], Some(&text));
    assert_eq!(stdin.status.code(), Some(1));
    assert_eq!(json(&stdin)["diagnostics"], named["diagnostics"], "standard input named like the file is read like it");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A size limit is not a syntax error: it has its own rule, and says which limit was hit.
#[test]
fn size_limits_are_reported_as_limits_not_syntax_errors() {
    let out = kshape(&["--format", "json", "testdata/malformed/alias-bomb-typed.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let d = &v["diagnostics"][0];
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1, "{v:#}");
    assert_eq!(d["rule"], "input-too-large");
    assert_eq!(
        d["message"],
        "the object expands to more than 1,000,000 values through aliases that repeat its nodes; it is not checked against its schema"
    );
    assert_eq!(d["object"]["name"], "bomb");
    let rules = String::from_utf8(kshape(&["rules"]).stdout).unwrap();
    assert!(rules.lines().any(|l| l.starts_with("input-too-large ") && l.contains("error") && l.contains("schema")), "{rules}");
}

/// A file found by walking a directory is read where it is judged, once: one that is over
/// `--max-file-size` (or cannot be read) there is an input not read, reported as one found
/// too large while walking was (standard error, `notRead`, exit code 2), and not counted as
/// linted; the other files of the directory are linted.
#[test]
fn walked_files_not_read_where_they_are_judged_are_inputs_not_read() {
    let dir = std::env::temp_dir().join(format!("kshape-walked-not-read-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let big = format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata: {{a: \"{}\"}}\n", "x".repeat(300));
    std::fs::write(dir.join("a-big.yaml"), &big).unwrap();
    std::fs::write(dir.join("b-small.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: small}\n").unwrap();
    let d = dir.to_string_lossy().into_owned();
    let out = kshape(&["--no-config", "--format", "json", "--max-file-size", "200", &d]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let why = format!("the file is {} bytes, more than --max-file-size 200", big.len());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("cannot read {d}/a-big.yaml: {why}")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["notRead"], serde_json::json!([{"file": format!("{d}/a-big.yaml"), "reason": why}]));
    assert_eq!((v["summary"]["files"].as_u64(), v["summary"]["notRead"].as_u64()), (Some(1), Some(1)), "{v:#}");
    // A file the user may not read (not a test when run as root, who may read anything).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.join("c-locked.yaml");
        std::fs::write(&locked, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: locked}\n").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&locked).is_err() {
            let out = kshape(&["--no-config", "--format", "json", &d]);
            assert_eq!(out.status.code(), Some(2));
            let v = json(&out);
            assert_eq!(v["notRead"][0]["file"], format!("{d}/c-locked.yaml"), "{v:#}");
            assert!(v["notRead"][0]["reason"].as_str().is_some_and(|r| r.contains("ermission") && !r.contains("again")), "{v:#}");
            assert_eq!(v["summary"]["files"], 2);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file skipped by `--max-file-size` is in the report, not only on standard error: a CI step
/// that reads only the JSON or SARIF report must not see the run as clean.
#[test]
fn files_over_max_file_size_are_in_the_json_and_sarif_reports() {
    let args = |format: &'static str| {
        ["--format", format, "--max-file-size", "50000", "testdata/malformed/long-line.yaml", "testdata/examples/inference.yaml"]
    };
    let out = kshape(&args("json"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("cannot read testdata/malformed/long-line.yaml: the file is 200066 bytes, more than --max-file-size 50000"));
    let v = json(&out);
    assert_eq!(v["summary"]["notRead"], 1);
    assert_eq!(v["summary"]["files"], 1, "inference.yaml is linted");
    assert_eq!(
        v["notRead"],
        serde_json::json!([{"file": "testdata/malformed/long-line.yaml", "reason": "the file is 200066 bytes, more than --max-file-size 50000"}])
    );

    let out = kshape(&args("sarif"));
    assert_eq!(out.status.code(), Some(2));
    let sarif = json(&out);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{sarif:#}");
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "error");
    assert_eq!(note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "testdata/malformed/long-line.yaml");
    assert!(note["message"]["text"].as_str().unwrap().contains("more than --max-file-size 50000"));
    let path = common::root().join("../shared/schemas/sarif-schema-2.1.0.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let errors = schema::errors_of(&serde_json::from_str(&text).unwrap(), &sarif);
        assert!(errors.is_empty(), "{errors:#?}");
    }

    // Standard input past the limit is listed under its name too.
    let out = common::run_in(
        &common::root(),
        &["--format", "json", "--max-file-size", "10", "--stdin-filename", "in.yaml", "-"],
        Some("apiVersion: v1\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["notRead"], serde_json::json!([{"file": "in.yaml", "reason": "more than --max-file-size 10 bytes"}]));
}
