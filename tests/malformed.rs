//! Inputs that must never crash the tool: every finding names its file and a position
//! inside that file, and the output is a snapshot.

mod common;

use common::{compact, lint_file, lint_file_with_nodes, rel};

#[test]
fn malformed_inputs_never_crash() {
    insta::glob!("../testdata/malformed", "*.{yaml,json}", |path| {
        let l = lint_file(path);
        // Offsets index the file's bytes (not the lossily decoded text of a file that is not UTF-8).
        let bytes = std::fs::metadata(path).unwrap().len();
        for d in &l.diagnostics {
            assert!(d.span.start <= d.span.end && u64::from(d.span.end) <= bytes, "{}: span out of the file", rel(path));
        }
        // Every format renders without panicking (a long line once broke the graphical one).
        for format in
            [kshape::report::Format::Human, kshape::report::Format::Json, kshape::report::Format::Sarif, kshape::report::Format::Github]
        {
            let _ = l.render_with(format, false, true);
        }
        insta::assert_snapshot!(compact(&l));
    });
}

#[test]
fn malformed_inputs_with_nodes_never_crash() {
    // With a node inventory the scheduling code sums and compares the requests (issue #12).
    insta::glob!("../testdata/malformed", "*.{yaml,json}", |path| {
        let l = lint_file_with_nodes(path);
        for d in &l.diagnostics {
            let f = &l.index.files[d.file];
            assert!(d.span.start <= d.span.end && d.span.end as usize <= f.source.text.len(), "{}: span out of the file", rel(path));
        }
    });
    // Quantities too large to represent are too large for every node, not "no request".
    insta::glob!("../testdata/malformed", "huge-*.yaml", |path| {
        insta::assert_snapshot!(compact(&lint_file_with_nodes(path)));
    });
}

#[test]
fn binary_runs_on_the_whole_folder() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kshape"))
        .args(["--format", "compact", "testdata/malformed"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("kshape runs");
    assert_eq!(out.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines() {
        let mut parts = line.splitn(4, ':');
        let file = parts.next().unwrap_or("");
        let line_no: u32 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let col: u32 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        assert!(file.starts_with("testdata/malformed/") && line_no >= 1 && col >= 1, "no file and position: {line}");
    }
}
