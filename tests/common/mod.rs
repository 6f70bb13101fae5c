//! Helpers shared by the integration tests.
#![allow(dead_code)]

use kshape::rules::RuleId;
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

/// Reads a fixture as the CLI would (invalid UTF-8 kept, with where it starts), named by its
/// path relative to the repository.
pub fn source_file(p: &Path) -> kshape::source::SourceFile {
    let bytes = std::fs::read(p).expect("fixture is readable");
    let name = rel(p);
    let (text, bad) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(e.utf8_error().valid_up_to())),
    };
    kshape::source::SourceFile { invalid_utf8_at: bad, ..kshape::source::SourceFile::new(name, text) }
}

pub fn text_file(name: &str, text: &str) -> kshape::source::SourceFile {
    kshape::source::SourceFile::new(name, text)
}

/// Lints one file with every rule, as the CLI would.
pub fn lint_file(p: &Path) -> kshape::Lint {
    kshape::lint(vec![source_file(p)], "default")
}

/// Whether a rule needs a node inventory (its metadata's `needs-nodes`): its fixtures and
/// examples are linted with testdata/nodes/inventory.yaml.
pub fn needs_nodes(rule: RuleId) -> bool {
    rule.meta().needs_nodes
}

pub fn inventory() -> Vec<kshape::model::scheduling::NodeInfo> {
    let p = root().join("testdata/nodes/inventory.yaml");
    let text = std::fs::read_to_string(&p).expect("inventory is readable");
    let file = kshape::source::SourceFile { context: true, ..kshape::source::SourceFile::new(rel(&p), text) };
    kshape::read_nodes(file).expect("inventory has nodes")
}

/// Lints one file with the node inventory.
pub fn lint_file_with_nodes(p: &Path) -> kshape::Lint {
    kshape::lint_with(vec![source_file(p)], "default", Some(inventory()))
}

/// Whether a rule judges builds (its metadata's `needs-build`): its examples are
/// kustomizations, and its fixtures directories that kustomize builds.
pub fn needs_build(rule: RuleId) -> bool {
    rule.meta().needs_build
}

/// Writes `files` (by their base names) into a directory of their own under the test target
/// directory and lints it as `kshape DIR` does, with kubectl's kustomize; the files are shown
/// by their base names again, so that snapshots do not hold the directory.
pub fn lint_built_files(files: &[kshape::source::SourceFile], selection: &kshape::rules::Selection) -> kshape::Lint {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in files {
        (&f.name, &f.text).hash(&mut h);
    }
    // A directory per call: tests run in parallel, and two may lint the same fixture.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("built-{:016x}-{n}", h.finish()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // An example is one text: the kustomization itself.
    let one = files.len() == 1;
    for f in files {
        let base = if one { "kustomization.yaml".as_ref() } else { Path::new(&f.name).file_name().unwrap() };
        std::fs::write(dir.join(base), &f.text).unwrap();
    }
    let shown = dir.to_string_lossy().into_owned();
    let (mut l, _) = kshape::lint_paths(std::slice::from_ref(&shown), kshape::render::Mode::Always, &Default::default(), selection)
        .expect("kubectl is on PATH");
    let _ = std::fs::remove_dir_all(&dir);
    for d in &mut l.diagnostics {
        d.help = d.help.replace(&shown, "DIR");
    }
    let marker = format!("/built-{:016x}-{n}/", h.finish());
    for f in &mut l.index.files {
        if let Some(i) = f.source.name.find(&marker) {
            f.source.name = f.source.name[i + marker.len()..].to_string();
        }
    }
    l
}

/// The settings a rule's examples and fixtures are linted with: its metadata's
/// `examples-target` as the target Kubernetes version.
pub fn settings_for(rule: RuleId) -> kshape::index::Settings {
    let kubernetes_version = rule.meta().examples_target.as_deref().and_then(kshape::model::parse_version);
    kshape::index::Settings { kubernetes_version, ..Default::default() }
}

/// Lints a text with every rule, with the inventory when `rule` needs one.
pub fn lint_example(rule: RuleId, name: &str, text: &str) -> kshape::Lint {
    if needs_build(rule) {
        return lint_built_files(&[text_file("kustomization.yaml", text)], &kshape::rules::Selection::default());
    }
    let nodes = needs_nodes(rule).then(inventory);
    kshape::lint_full(vec![text_file(name, text)], "default", nodes, settings_for(rule), &kshape::rules::Selection::default())
}

/// Lints with `rule` alone enabled (and the inventory when it needs one): a rule's fixtures
/// never show another rule's findings.
///
/// `unused-suppression` judges whether the other rules' findings used a suppression, so they
/// run too for its fixtures; only its own findings are kept.
pub fn lint_only(rule: RuleId, file: kshape::source::SourceFile) -> kshape::Lint {
    lint_only_files(rule, vec![file])
}

/// [`lint_only`] over several files linted as one run.
pub fn lint_only_files(rule: RuleId, files: Vec<kshape::source::SourceFile>) -> kshape::Lint {
    if needs_build(rule) {
        return lint_built_files(&files, &kshape::rules::Selection::only(rule));
    }
    let nodes = needs_nodes(rule).then(inventory);
    if rule == RuleId::UnusedSuppression {
        let mut l = kshape::lint_with(files, "default", nodes);
        l.diagnostics.retain(|d| d.rule() == rule);
        return l;
    }
    kshape::lint_full(files, "default", nodes, settings_for(rule), &kshape::rules::Selection::only(rule))
}

/// Every finding in full, as a reader sees it: position and span, severity, rule, message,
/// help, field path, related places, and the fix as the diff it makes.
pub fn render_full(l: &kshape::Lint) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for d in &l.diagnostics {
        let f = &l.index.files[d.file];
        let (a, b) = (f.line_col(d.span.start), f.line_col(d.span.end));
        let _ = writeln!(out, "{}:{}:{}-{}:{}: {} [{}] {}", f.source.name, a.0, a.1, b.0, b.1, d.severity.as_str(), d.rule(), d.message);
        if !d.help.is_empty() {
            let _ = writeln!(out, "  help: {}", d.help);
        }
        if let Some(p) = &d.path {
            let _ = writeln!(out, "  path: {p}");
        }
        for r in &d.related {
            let rf = &l.index.files[r.file];
            let (line, col) = rf.line_col(r.span.start);
            let _ = writeln!(out, "  related: {}:{line}:{col}: {}", rf.source.name, r.message);
        }
        if let Some(fix) = &d.fix {
            let _ = writeln!(out, "  fix: {}", fix.description);
            match kshape::fix::apply(&f.source.text, &fix.edits) {
                Some(fixed) => {
                    for line in kshape::fix::unified_diff(&f.source.name, &f.source.text, &fixed).lines() {
                        let _ = writeln!(out, "    {line}");
                    }
                }
                None => out.push_str("    (the edits overlap)\n"),
            }
        }
    }
    out
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
        // A run that stops before reading its input (a usage error, exit 2) closes the pipe.
        let _ = child.stdin.take().unwrap().write_all(s.as_bytes());
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

/// Each finding as `line:col rule message`, in order.
pub fn positions(lint: &kshape::Lint) -> Vec<String> {
    lint.diagnostics
        .iter()
        .map(|d| {
            let (line, col) = lint.index.files[d.file].line_col(d.span.start);
            format!("{line}:{col} {} {}", d.rule(), d.message)
        })
        .collect()
}

/// Asserts a finding of `rule` at `at` (`line:col`) among [`positions`].
pub fn has(found: &[String], at: &str, rule: &str) {
    assert!(found.iter().any(|f| f.starts_with(&format!("{at} {rule}"))), "no {rule} at {at} in {found:#?}");
}
