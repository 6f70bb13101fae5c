//! Real manifests written by other people (../shared/corpus/files, one folder per project).
//! Skips with a message when the corpus is absent. Asserts: no panic, every document is
//! accounted for, and no `unknown-field` / `invalid-field-type` finding outside the
//! linters' own fixture repositories that has not been reviewed as a true positive
//! (testdata/corpus-reviewed.tsv names each one and why).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Repositories whose files break rules on purpose (the corpus README lists them).
const FIXTURE_REPOS: &[&str] = &[
    "stackrox__kube-linter",
    "zegl__kube-score",
    "FairwindsOps__polaris",
    "bridgecrewio__checkov",
    "datreeio__datree",
    "yannh__kubeconform",
];

fn corpus() -> Option<PathBuf> {
    let p = common::root().join("../shared/corpus/files");
    p.is_dir().then_some(p)
}

fn project_files(dir: &Path) -> Vec<kshape::source::SourceFile> {
    let mut paths: Vec<PathBuf> = walkdir_files(dir);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let ext = p.extension()?.to_str()?.to_ascii_lowercase();
            if !matches!(ext.as_str(), "yaml" | "yml" | "json") {
                return None;
            }
            let bytes = std::fs::read(&p).ok()?;
            let name = format!("{}/{}", dir.file_name()?.to_string_lossy(), p.strip_prefix(dir).ok()?.to_string_lossy());
            let (text, bad) = match String::from_utf8(bytes) {
                Ok(t) => (t, None),
                Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(e.utf8_error().valid_up_to())),
            };
            Some(kshape::source::SourceFile { is_json: ext == "json", name, text, context: false, invalid_utf8_at: bad, kustomize: false })
        })
        .collect()
}

fn walkdir_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn corpus_never_panics_accounts_for_every_document_and_has_no_unreviewed_schema_alarms() {
    let Some(root) = corpus() else {
        eprintln!("skipping: ../shared/corpus/files is not present");
        return;
    };
    let reviewed_text = std::fs::read_to_string(common::root().join("testdata/corpus-reviewed.tsv")).unwrap_or_default();
    let reviewed: BTreeSet<(String, String)> = reviewed_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut parts = l.split('\t');
            Some((parts.next()?.to_string(), parts.next()?.to_string()))
        })
        .collect();
    let mut projects: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    projects.sort();
    let mut unreviewed = Vec::new();
    let mut seen = BTreeSet::new();
    let (mut files, mut documents) = (0, 0);
    for project in projects {
        let sources = project_files(&project);
        files += sources.len();
        let repo = project.file_name().unwrap().to_string_lossy().into_owned();
        let result = std::panic::catch_unwind(|| kshape::lint(sources, "default"));
        let l = result.unwrap_or_else(|_| panic!("kshape panicked on {repo}"));
        let s = l.index.stats;
        documents += s.documents;
        assert_eq!(s.documents, s.empty + s.not_objects + s.object_documents, "{repo}: documents not accounted for: {s:?}");
        assert!(s.objects >= s.object_documents, "{repo}: {s:?}");
        if FIXTURE_REPOS.contains(&repo.as_str()) {
            continue;
        }
        let views = l.views();
        for d in &l.diagnostics {
            if d.rule().as_str() != "unknown-field" && d.rule().as_str() != "invalid-field-type" {
                continue;
            }
            let f = &views[d.file];
            let p = kshape::report::pos(f, d.span.start);
            let key = (d.rule().as_str().to_string(), format!("{}:{}:{}", f.name, p.line, p.column));
            seen.insert(key.clone());
            if !reviewed.contains(&key) {
                unreviewed.push(format!("{}\t{}\t{}", key.0, key.1, d.message));
            }
        }
    }
    eprintln!("corpus: {files} files, {documents} documents");
    assert!(
        unreviewed.is_empty(),
        "schema findings not reviewed (false alarms, or add to testdata/corpus-reviewed.tsv with why):\n{}",
        unreviewed.join("\n")
    );
    let stale: Vec<_> = reviewed.difference(&seen).collect();
    assert!(stale.is_empty(), "reviewed findings no longer reported (update testdata/corpus-reviewed.tsv): {stale:?}");
}
