//! Real manifests written by other people, in their repositories' layout
//! (../shared/corpus/tree/<owner>__<repo>/<original path>). Each project folder is linted as one
//! run of the built binary from inside it, as a user lints a checkout. Skips with a message when
//! the corpus is absent.
//!
//! Asserts: no crash; every document of the library's run is accounted for; no finding judged
//! wrong in testdata/corpus-reviewed.tsv comes back (but for rules lowered to `info` because of
//! such findings, whose docs say so) and none judged right disappears; every
//! `unknown-field` / `invalid-field-type` finding outside other tools' test data is reviewed;
//! docs/precision.md's table is the one the review and this run give (scripts/precision.py
//! writes it).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Repositories that are other tools' test data: they break rules on purpose. Their findings
/// are counted apart.
const TEST_DATA_REPOS: &[&str] = &[
    "stackrox__kube-linter",
    "zegl__kube-score",
    "FairwindsOps__polaris",
    "bridgecrewio__checkov",
    "datreeio__datree",
    "yannh__kubeconform",
    "kubescape__kubescape",
    "kubescape__regolibrary",
    "instrumenta__kubeval",
    "aquasecurity__trivy",
];

/// Other tools' test data: the repositories above, and `testdata` folders elsewhere (Argo CD's).
pub fn is_test_data(project: &str, path: &str) -> bool {
    TEST_DATA_REPOS.contains(&project) || path.split('/').any(|c| c == "testdata" || c == "test-data")
}

fn corpus() -> Option<PathBuf> {
    let p = common::root().join("../shared/corpus/tree");
    p.is_dir().then_some(p)
}

/// One finding as the review names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    rule: String,
    /// `project/path:line:col`
    at: String,
}

struct Review {
    verdict: String,
}

fn review() -> BTreeMap<Key, Review> {
    let text = std::fs::read_to_string(common::root().join("testdata/corpus-reviewed.tsv")).unwrap_or_default();
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('\t').collect();
        assert!(parts.len() >= 4, "testdata/corpus-reviewed.tsv:{}: rule, place, verdict, reason", n + 1);
        assert!(["right", "wrong", "debatable"].contains(&parts[2]), "testdata/corpus-reviewed.tsv:{}: verdict `{}`", n + 1, parts[2]);
        assert!(kshape::rules::RuleId::parse(parts[0]).is_some(), "testdata/corpus-reviewed.tsv:{}: no rule `{}`", n + 1, parts[0]);
        let key = Key { rule: parts[0].to_string(), at: parts[1].to_string() };
        assert!(
            out.insert(key, Review { verdict: parts[2].to_string() }).is_none(),
            "testdata/corpus-reviewed.tsv:{}: listed twice",
            n + 1
        );
    }
    out
}

/// The findings of one project, run as a user runs it: `kshape --format json .` inside it.
fn lint_project(dir: &Path) -> Vec<(Key, bool)> {
    let project = dir.file_name().unwrap().to_string_lossy().into_owned();
    let out = common::run_in(dir, &["--no-config", "--format", "json", "."], None);
    let code = out.status.code();
    assert!(matches!(code, Some(0..=2)), "{project}: exit {code:?}\n{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{project}: JSON: {e}"));
    let mut found = Vec::new();
    for d in v["diagnostics"].as_array().into_iter().flatten() {
        let file = d["file"].as_str().unwrap_or("");
        let (line, col) = (d["range"]["start"]["line"].as_u64().unwrap_or(0), d["range"]["start"]["column"].as_u64().unwrap_or(0));
        let key = Key { rule: d["rule"].as_str().unwrap_or("").to_string(), at: format!("{project}/{file}:{line}:{col}") };
        found.push((key, is_test_data(&project, file)));
    }
    found
}

fn projects(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

/// Per rule: findings in real repositories, findings in test data, and the review's verdicts on
/// the real ones (right, wrong, debatable).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    real: usize,
    test_data: usize,
    right: usize,
    wrong: usize,
    debatable: usize,
}

#[test]
fn corpus_findings_match_the_review() {
    let Some(root) = corpus() else {
        eprintln!("skipping: ../shared/corpus/tree is not present");
        return;
    };
    let reviewed = review();
    let mut rows: BTreeMap<String, Row> = kshape::rules::RuleId::ALL.iter().map(|r| (r.as_str().to_string(), Row::default())).collect();
    let mut seen = BTreeSet::new();
    let (mut came_back, mut unreviewed) = (Vec::new(), Vec::new());
    for project in projects(&root) {
        for (key, test_data) in lint_project(&project) {
            let row = rows.entry(key.rule.clone()).or_default();
            seen.insert(key.clone());
            if test_data {
                row.test_data += 1;
                continue;
            }
            row.real += 1;
            match reviewed.get(&key).map(|r| r.verdict.as_str()) {
                Some("right") => row.right += 1,
                Some("wrong") => {
                    row.wrong += 1;
                    // A rule lowered to `info` because of its false alarms (its docs say so)
                    // keeps them as hints; any other rule's false alarm must not come back.
                    let hint_only =
                        kshape::rules::RuleId::parse(&key.rule).is_some_and(|r| r.default_severity() == kshape::rules::Severity::Info);
                    if !hint_only {
                        came_back.push(format!("{}\t{}", key.rule, key.at));
                    }
                }
                Some(_) => row.debatable += 1,
                None if key.rule == "unknown-field" || key.rule == "invalid-field-type" => {
                    unreviewed.push(format!("{}\t{}", key.rule, key.at))
                }
                None => {}
            }
        }
    }
    assert!(came_back.is_empty(), "findings judged wrong are reported again:\n{}", came_back.join("\n"));
    assert!(unreviewed.is_empty(), "schema findings not reviewed (add them to testdata/corpus-reviewed.tsv):\n{}", unreviewed.join("\n"));
    let gone: Vec<String> =
        reviewed.iter().filter(|(k, r)| r.verdict == "right" && !seen.contains(*k)).map(|(k, _)| format!("{}\t{}", k.rule, k.at)).collect();
    assert!(gone.is_empty(), "findings judged right are no longer reported:\n{}", gone.join("\n"));
    let table = precision_table(&rows);
    let doc = std::fs::read_to_string(common::root().join("docs/precision.md")).unwrap_or_default();
    assert!(doc.contains(&table), "docs/precision.md is stale: run `python3 scripts/precision.py` (expected table:\n{table})");
}

/// The table of docs/precision.md, between its markers (scripts/precision.py writes the same).
fn precision_table(rows: &BTreeMap<String, Row>) -> String {
    let mut t =
        String::from("| Rule | Severity | Findings | Other tools' test data | Reviewed | Right | Wrong | Debatable | Precision |\n");
    t.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in kshape::rules::RuleId::ALL {
        let row = rows.get(r.as_str()).copied().unwrap_or_default();
        let reviewed = row.right + row.wrong + row.debatable;
        let precision = (row.right * 100).checked_div(reviewed).map_or_else(|| "-".to_string(), |p| format!("{p}%"));
        let meta = r.meta();
        let severity = match (&meta.severity_with_target, &meta.severity_with_nodes) {
            (Some(t), _) => format!("{} ({t} with a target)", meta.severity),
            (_, Some(n)) => format!("{} ({n} with nodes)", meta.severity),
            _ => meta.severity.clone(),
        };
        t.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r, severity, row.real, row.test_data, reviewed, row.right, row.wrong, row.debatable, precision
        ));
    }
    t
}

/// The library's own accounting on the same files: no crash, every document is empty, not an
/// object, or holds objects.
#[test]
fn corpus_documents_are_accounted_for() {
    let Some(root) = corpus() else {
        eprintln!("skipping: ../shared/corpus/tree is not present");
        return;
    };
    for project in projects(&root) {
        let mut files = Vec::new();
        walk(&project, &mut files);
        files.sort();
        let sources: Vec<_> = files
            .iter()
            .filter(|p| {
                p.extension().and_then(|x| x.to_str()).is_some_and(|x| matches!(x.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
            })
            .map(|p| common::source_file(p))
            .collect();
        let repo = project.file_name().unwrap().to_string_lossy().into_owned();
        let l = std::panic::catch_unwind(|| kshape::lint(sources, "default")).unwrap_or_else(|_| panic!("kshape panicked on {repo}"));
        let s = l.index.stats;
        assert_eq!(s.documents, s.empty + s.not_objects + s.object_documents, "{repo}: documents not accounted for: {s:?}");
        assert!(s.objects >= s.object_documents, "{repo}: {s:?}");
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}
