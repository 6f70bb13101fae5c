//! Every rule: its documented examples, its fixtures (bad, good, near-miss) with snapshots,
//! its registration and its generated documentation.

mod common;

use common::{compact, lint_file, rel, root};
use kshape::rules::{self, RULES};
use std::collections::BTreeSet;

#[test]
fn documented_bad_example_triggers_and_good_example_is_clean() {
    for m in rules::metas() {
        let bad = common::lint_example(&m.id, "bad.yaml", &m.bad);
        assert!(bad.diagnostics.iter().any(|d| d.rule == m.id), "bad example of {} does not trigger it:\n{}", m.id, compact(&bad));
        let good = common::lint_example(&m.id, "good.yaml", &m.good);
        assert!(good.diagnostics.is_empty(), "good example of {} has findings:\n{}", m.id, compact(&good));
    }
}

#[test]
fn registry_matches_rule_files() {
    let mut ids = BTreeSet::new();
    for (rule, meta) in RULES.iter().zip(rules::metas()) {
        assert_eq!(rule.id, meta.id, "rules/{}.yaml has id {}", rule.id, meta.id);
        assert!(["error", "warning", "info"].contains(&meta.severity.as_str()), "{}: bad severity {}", meta.id, meta.severity);
        assert!(!meta.summary.trim().is_empty() && !meta.why.trim().is_empty() && !meta.fix.trim().is_empty(), "{}: empty docs", meta.id);
        assert!(meta.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{} is not kebab-case", meta.id);
        assert!(ids.insert(rule.id), "{} registered twice", rule.id);
    }
    let mut files = BTreeSet::new();
    for e in std::fs::read_dir(root().join("rules")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(id) = name.strip_suffix(".yaml") {
            if id != "signatures" {
                files.insert(id.to_string());
            }
        }
    }
    let ids: BTreeSet<String> = ids.into_iter().map(str::to_string).collect();
    assert_eq!(ids, files, "every rules/<id>.yaml is registered and every rule has one");
}

#[test]
fn every_rule_has_bad_and_good_fixtures() {
    for rule in RULES {
        let dir = root().join("testdata/rules").join(rule.id);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("no fixtures for {}", rule.id))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().any(|n| n.starts_with("bad")), "{}: no bad fixture", rule.id);
        assert!(names.iter().any(|n| n.starts_with("good")), "{}: no good fixture", rule.id);
        assert!(names.iter().any(|n| n.starts_with("near-miss")), "{}: no near-miss fixture", rule.id);
    }
}

/// bad*: the rule of the folder fires; good*: nothing fires; near-miss*: the folder's rule
/// stays silent. The exact output of each is a snapshot.
#[test]
fn fixtures() {
    insta::glob!("../testdata/rules", "*/*.{yaml,json}", |path| {
        let rule = path.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        let l = if common::INVENTORY_RULES.contains(&rule.as_str()) { common::lint_file_with_nodes(path) } else { lint_file(path) };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let out = compact(&l);
        if name.starts_with("bad") {
            assert!(l.diagnostics.iter().any(|d| d.rule == rule), "{} does not trigger {rule}:\n{out}", rel(path));
        } else if name.starts_with("good") {
            assert!(l.diagnostics.is_empty(), "{} has findings:\n{out}", rel(path));
        } else if name.starts_with("near-miss") {
            assert!(!l.diagnostics.iter().any(|d| d.rule == rule), "{} triggers {rule}:\n{out}", rel(path));
        } else {
            panic!("fixture {} must be named bad*, good* or near-miss*", rel(path));
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn generated_docs_are_up_to_date() {
    for (name, content) in kshape::rules::docs::expected() {
        let path = root().join("docs/rules").join(&name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(current == content, "docs/rules/{name} is stale: run `cargo run -- generate-docs`");
    }
}
