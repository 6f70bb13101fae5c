//! The streamed run ([`kshape::lint_stream`]: each file judged where it is read, its objects
//! dropped, relational rules judged against the run's facts) finds exactly what a run that
//! keeps every object finds ([`kshape::lint_full`]), finding for finding, with the same
//! messages, places, fixes and suppressions: on every fixture directory of the project as one
//! run, and on every project of the real corpus (../shared/corpus/tree, skipped when absent),
//! with one thread and with several.

mod common;

use kshape::index::Settings;
use kshape::report::Format;
use kshape::rules::Selection;
use std::path::Path;

/// The sources of `dir` as the command line reads them (no excludes); with `defer`, as a
/// streamed run reads them: each text read again where its file is judged.
fn sources(dir: &Path, defer: bool) -> Vec<kshape::source::SourceFile> {
    let mut sources = kshape::source::Sources::default();
    let path = dir.to_string_lossy().into_owned();
    let opts = kshape::source::Options { defer, ..kshape::source::Options::plain() };
    kshape::kustomize::collect(&[path], &opts, false, &mut sources).expect("the directory is readable");
    sources.files
}

/// The JSON report (findings with fixes and related places, suppressed ones too).
fn report(l: &kshape::Lint) -> String {
    l.render_with(Format::Json, false, true)
}

fn compare(dir: &Path, selection: &Selection) -> usize {
    let files = sources(dir, false);
    let deferred = sources(dir, true);
    let settings = |threads| Settings { threads, ..Settings::default() };
    let kept = kshape::lint_full(files.clone(), "default", None, settings(2), selection);
    let expected = report(&kept);
    for threads in [1, 2] {
        // As the command line runs it: texts let go once judged and read again for the report.
        let settings = Settings { reread: true, ..settings(threads) };
        let streamed = kshape::lint_stream(deferred.clone(), "default", None, settings, selection);
        let got = report(&streamed);
        if got != expected {
            let compact = |l: &kshape::Lint| l.render(Format::Compact, false);
            let (e, g) = (compact(&kept), compact(&streamed));
            let only = |a: &str, b: &str| a.lines().filter(|l| !b.lines().any(|m| m == *l)).map(|l| format!("  {l}\n")).collect::<String>();
            panic!(
                "{}: the streamed run ({threads} threads) differs from the one that keeps every object;\nonly kept:\n{}only streamed:\n{}",
                common::rel(dir),
                only(&e, &g),
                only(&g, &e)
            );
        }
        assert_eq!(streamed.summary(), kept.summary(), "{}: summaries", common::rel(dir));
        // Snippets too: the texts read again are the ones judged.
        assert!(streamed.render(Format::Human, false) == kept.render(Format::Human, false), "{}: human reports differ", common::rel(dir));
    }
    kept.diagnostics.len()
}

#[test]
fn streaming_finds_what_keeping_every_object_finds_on_the_fixtures() {
    let mut dirs = vec![common::root().join("testdata")];
    for sub in ["testdata/rules", "testdata/examples", "testdata/custom-resources", "testdata/malformed"] {
        let Ok(entries) = std::fs::read_dir(common::root().join(sub)) else { continue };
        let mut more: Vec<_> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
        more.sort();
        dirs.extend(more);
    }
    let mut findings = 0;
    for d in &dirs {
        findings += compare(d, &Selection::default());
    }
    assert!(findings > 100, "the fixtures have findings to compare ({findings})");
}

#[test]
fn streaming_finds_what_keeping_every_object_finds_on_the_corpus() {
    let tree = common::root().join("../shared/corpus/tree");
    let Ok(entries) = std::fs::read_dir(&tree) else {
        eprintln!("skipped: ../shared/corpus/tree is absent");
        return;
    };
    let mut projects: Vec<_> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    projects.sort();
    let mut findings = 0;
    for p in &projects {
        findings += compare(p, &Selection::default());
    }
    assert!(findings > 100, "the corpus has findings to compare ({findings})");
}

#[test]
fn a_crd_spelt_with_escapes_still_checks_the_resources_of_other_files() {
    // The streamed run finds the CRDs by parsing every file, not by its text: this one spells
    // the kind with a JSON escape, and the custom resource of another file is still checked
    // against it (that file, whose text names an API version no built-in kind has, is judged
    // once every file was read).
    let crd = r#"{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResource\u0044efinition",
 "metadata": {"name": "widgets.example.com"},
 "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"}, "scope": "Namespaced",
  "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object",
   "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}}}]}}
"#;
    let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1, colour: red}\n";
    let files = vec![common::text_file("a-widget.yaml", widget), common::text_file("b-crd.json", crd)];
    let settings = || Settings { threads: 2, ..Settings::default() };
    let kept = kshape::lint_full(files.clone(), "default", None, settings(), &Selection::default());
    let streamed = kshape::lint_stream(files, "default", None, settings(), &Selection::default());
    assert!(report(&kept).contains("unknown field `colour`"), "the CRD is read: {}", report(&kept));
    assert_eq!(report(&streamed), report(&kept));

    // The same files on disk, streamed as the command line does (texts let go once judged,
    // walked files read where they are judged): the run made again reads every text again.
    let dir = std::env::temp_dir().join(format!("kshape-escaped-crd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("a-widget.yaml"), widget).expect("write");
    std::fs::write(dir.join("b-crd.json"), crd).expect("write");
    let kept = kshape::lint_full(sources(&dir, false), "default", None, settings(), &Selection::default());
    let settings = Settings { reread: true, ..settings() };
    let streamed = kshape::lint_stream(sources(&dir, true), "default", None, settings, &Selection::default());
    let _ = std::fs::remove_dir_all(&dir);
    assert!(report(&kept).contains("unknown field `colour`"), "the CRD is read: {}", report(&kept));
    assert_eq!(report(&streamed), report(&kept));
    assert_eq!(streamed.render(Format::Human, false), kept.render(Format::Human, false));
}

/// What a streamed run keeps for the custom resources of other files, and what it does when a
/// file shows its custom resources only once parsed: the same findings as a run that keeps
/// every object, with one thread and two.
#[test]
fn custom_resources_the_text_does_not_show_and_crds_beside_their_resources() {
    let crd = |group: &str, kind: &str, pad: usize| {
        format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: {kind}s.{group}\n  annotations: {{pad: \"{}\"}}\nspec:\n  group: {group}\n  names: {{kind: {kind}, plural: {kind}s}}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec: {{type: object, properties: {{size: {{type: integer}}}}}}\n",
            "x".repeat(pad)
        )
    };
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        // The apiVersion has a tag: the text does not show the group; parsed, the file waits.
        ("tagged", vec![
            ("a-widget.yaml", "apiVersion: !!str example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1, colour: red}\n".into()),
            ("b-crd.yaml", crd("example.com", "Widget", 0)),
        ]),
        // A CRD and a resource of it in one file; a large CRD (its tree kept) and a small one
        // (its text kept and parsed again).
        ("beside", vec![
            ("a-both.yaml", format!("{}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w}}\nspec: {{size: x}}\n", crd("example.com", "Widget", 0))),
            ("b-gadget.yaml", "apiVersion: big.example.com/v1\nkind: Gadget\nmetadata: {name: g}\nspec: {size: 2, shape: round}\n".into()),
            ("c-big-crd.yaml", crd("big.example.com", "Gadget", 20_000)),
        ]),
        // A CRD whose kind is spelt with an escape, in a file whose text names a custom API
        // version (so it is judged last): found only then, so the run is made again.
        ("escaped", vec![
            ("a-widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1, colour: red}\n".into()),
            ("b-crd.yaml", crd("example.com", "Widget", 0).replace("kind: CustomResourceDefinition", "kind: \"CustomResource\\u0044efinition\"") + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: v}\nspec: {size: 2}\n"),
        ]),
        // A CRD of a built-in kind: the files judged where they were read were not checked
        // against it, so the run is made again keeping every object.
        ("built-in", vec![
            ("a-deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec: {containers: [{name: d, image: \"d:1\"}]}\n".into()),
            ("b-crd.yaml", crd("apps", "Deployment", 0).replace("spec: {type: object, properties: {size: {type: integer}}}", "spec: {type: string}")),
        ]),
    ];
    for (name, files) in cases {
        let dir = std::env::temp_dir().join(format!("kshape-streamed-crds-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (f, text) in &files {
            std::fs::write(dir.join(f), text).expect("write");
        }
        let kept = kshape::lint_full(sources(&dir, false), "default", None, Settings::default(), &Selection::default());
        for threads in [1, 2] {
            let settings = Settings { reread: true, threads, ..Settings::default() };
            let streamed = kshape::lint_stream(sources(&dir, true), "default", None, settings, &Selection::default());
            assert_eq!(report(&streamed), report(&kept), "{name}, {threads} threads");
            assert_eq!(streamed.render(Format::Human, false), kept.render(Format::Human, false), "{name}");
        }
        let _ = std::fs::remove_dir_all(&dir);
        let expected: &[&str] = match name {
            "tagged" => &["unknown field `colour`"],
            "beside" => &["unknown field `shape`", "`x`"],
            "escaped" => &["unknown field `colour`"],
            _ => &["`spec` must be a string"],
        };
        for e in expected {
            assert!(report(&kept).contains(e), "{name}: {e}: {}", report(&kept));
        }
    }
}
