//! Every rule: its declaration and metadata, its fixtures (the bad and good examples of its
//! documentation, and testdata/rules/<id>/ bad*, good*, near-miss*) run with that rule alone and
//! snapshotted in full, and its generated documentation.

mod common;

use common::{compact, lint_only_files, rel, render_full, root, source_file, text_file};
use kshape::rules::{self, RuleId, RULES};
use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn declarations_match_metadata_files() {
    let mut declared = BTreeSet::new();
    for (i, d) in RULES.iter().enumerate() {
        let m = d.id.meta();
        assert_eq!(RuleId::ALL[i], d.id, "RULES and RuleId::ALL are in the same order");
        assert_eq!(m.id, d.id.as_str(), "rules/{}.yaml has id {}", d.id, m.id);
        assert_eq!(m.severity, d.severity.as_str(), "{}: severity typed at build time differs", d.id);
        assert_eq!(m.category, d.category.as_str(), "{}: category typed at build time differs", d.id);
        assert!(!m.summary.trim().is_empty() && !m.why.trim().is_empty() && !m.fix.trim().is_empty(), "{}: empty docs", d.id);
        assert!(!m.bad.trim().is_empty() && !m.good.trim().is_empty(), "{}: no examples", d.id);
        assert!(d.id.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{} is not kebab-case", d.id);
        assert_eq!(RuleId::parse(d.id.as_str()), Some(d.id));
        assert!(declared.insert(d.id.as_str().to_string()), "{} declared twice", d.id);
    }
    let mut files = BTreeSet::new();
    for e in std::fs::read_dir(root().join("rules")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(id) = name.strip_suffix(".yaml").filter(|id| *id != "signatures" && *id != "custom-workloads" && *id != "crd-schemas") {
            files.insert(id.to_string());
        }
    }
    assert_eq!(declared, files, "every rules/<id>.yaml is declared and every declared rule has one");
}

/// Boundary-aware occurrences of `id` in `text` (`bare-pod` is not in `bare-pods` or `x-bare-pod`).
fn occurrences(text: &str, id: &str) -> usize {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    text.match_indices(id).filter(|(i, _)| !word(text[..*i].chars().next_back()) && !word(text[i + id.len()..].chars().next())).count()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A rule's id is written once in the source, in its declaration: everything else uses the
/// typed identity, so a renamed or misspelt id is a compile error, not a silent mismatch.
#[test]
fn each_rule_id_is_written_once_in_src() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let texts: Vec<(String, String)> = files.iter().map(|p| (rel(p), std::fs::read_to_string(p).unwrap())).collect();
    for r in RuleId::ALL {
        let places: Vec<String> =
            texts.iter().flat_map(|(name, t)| std::iter::repeat_n(name.clone(), occurrences(t, r.as_str()))).collect();
        assert_eq!(places, ["src/rules/mod.rs"], "`{r}` must be written once in src/ (its declaration), found in {places:?}");
    }
    assert_eq!(occurrences("a bare-pods b bare-pod\n`bare-pod`", "bare-pod"), 2);
}

/// The documentation's examples with the whole pipeline: the bad one fires its rule, the good
/// one is clean for every rule (a reader copies it).
#[test]
fn documented_bad_example_triggers_and_good_example_is_clean() {
    for &r in RuleId::ALL {
        let m = r.meta();
        let bad = common::lint_example(r, "bad.yaml", &m.bad);
        assert!(bad.diagnostics.iter().any(|d| d.rule() == r), "bad example of {r} does not trigger it:\n{}", compact(&bad));
        let good = common::lint_example(r, "good.yaml", &m.good);
        assert!(good.diagnostics.is_empty(), "good example of {r} has findings:\n{}", compact(&good));
    }
}

/// A rule's fixtures: the examples of its documentation and testdata/rules/<id>/*. A fixture
/// is a file, or a directory whose files are linted together as one run (objects of several
/// files: variants side by side, inputs of one kustomization). A `kustomization.yaml` in such a
/// directory is not linted: it marks the directory's other files as kustomize inputs, as
/// `kustomize.rs` does for a real directory.
fn fixtures(r: RuleId) -> Vec<(String, Vec<kshape::source::SourceFile>)> {
    let m = r.meta();
    let mut v = vec![
        ("example-bad.yaml".to_string(), vec![text_file("example-bad.yaml", &m.bad)]),
        ("example-good.yaml".to_string(), vec![text_file("example-good.yaml", &m.good)]),
    ];
    let manifest = |p: &Path| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json");
    let dir = root().join("testdata/rules").join(r.as_str());
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|_| panic!("no fixtures for {r}"))
        .map(|e| e.unwrap().path())
        .filter(|p| manifest(p) || (p.is_dir() && p.file_name().is_some_and(|n| n != "snapshots")))
        .collect();
    paths.sort();
    for p in paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            let mut inner: Vec<_> = std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()).filter(|f| manifest(f)).collect();
            inner.sort();
            let kustomized = inner.iter().any(|f| f.file_name().is_some_and(|n| n == "kustomization.yaml"));
            // A rule that judges builds gets the kustomization too: kustomize builds the directory.
            let files = inner
                .iter()
                .filter(|f| common::needs_build(r) || f.file_name().is_some_and(|n| n != "kustomization.yaml"))
                .map(|f| kshape::source::SourceFile { kustomize: kustomized, ..source_file(f) })
                .collect();
            v.push((name, files));
        } else {
            v.push((name, vec![source_file(&p)]));
        }
    }
    v
}

/// A rule documented as needing a node inventory is silent without one (its bad example fires
/// only with `--nodes`); every other rule's bad example fires without one.
#[test]
fn needs_nodes_is_true_of_exactly_the_inventory_rules() {
    // A rule that judges builds has a kustomization for its example, not a manifest.
    for &r in RuleId::ALL.iter().filter(|&&r| !common::needs_build(r)) {
        let without = kshape::lint_full(
            vec![common::text_file("bad.yaml", &r.meta().bad)],
            "default",
            None,
            common::settings_for(r),
            &kshape::rules::Selection::default(),
        );
        let fires = without.diagnostics.iter().any(|d| d.rule() == r);
        assert_eq!(
            fires,
            !common::needs_nodes(r),
            "{r}: needs-nodes is {} but its bad example fires without nodes: {fires}",
            common::needs_nodes(r)
        );
    }
}

/// A rule with `severity-with-nodes` reports at that severity when the run has a node
/// inventory, and at its default severity without one.
#[test]
fn severity_with_nodes_applies_with_an_inventory() {
    let with_nodes: Vec<RuleId> = RuleId::ALL.iter().copied().filter(|r| r.meta().severity_with_nodes.is_some()).collect();
    assert!(!with_nodes.is_empty());
    for r in with_nodes {
        let run = |nodes| {
            kshape::lint_full(
                vec![text_file("bad.yaml", &r.meta().bad)],
                "default",
                nodes,
                common::settings_for(r),
                &rules::Selection::only(r),
            )
        };
        let without = run(None);
        assert!(without.diagnostics.iter().all(|d| d.severity.as_str() == r.meta().severity), "{r} without nodes:\n{}", compact(&without));
        let with = run(Some(common::inventory()));
        assert!(!with.diagnostics.is_empty(), "{r}: its bad example does not fire with the inventory");
        let wanted = r.meta().severity_with_nodes.as_deref();
        assert!(with.diagnostics.iter().all(|d| Some(d.severity.as_str()) == wanted), "{r} with nodes:\n{}", compact(&with));
    }
}

/// shared-rwo-claim with an inventory: the pods' eligible nodes decide. The documented bad
/// Deployment can run on the inventory's two untainted, schedulable CPU nodes (an error that
/// says so); on an inventory of one of them alone, or pinned to one host, it is not reported.
#[test]
fn shared_rwo_claim_counts_the_nodes_the_pods_can_run_on() {
    let r = RuleId::SharedRwoClaim;
    let bad = &r.meta().bad;
    let run = |text: &str, nodes| {
        kshape::lint_full(vec![text_file("bad.yaml", text)], "default", nodes, Default::default(), &rules::Selection::only(r))
    };
    let all = run(bad, Some(common::inventory()));
    assert_eq!(all.diagnostics.len(), 1, "{}", compact(&all));
    assert!(all.diagnostics[0].message.contains("its pods can run on 2 nodes of the inventory"), "{}", compact(&all));
    let one: Vec<_> = common::inventory().into_iter().filter(|n| n.name == "cpu-1").collect();
    assert_eq!(one.len(), 1);
    let single = run(bad, Some(one));
    assert!(single.diagnostics.is_empty(), "one eligible node, no second attach:\n{}", compact(&single));
    let pinned = bad.replace("    spec:\n      containers:", "    spec:\n      nodeName: cpu-1\n      containers:");
    assert_ne!(&pinned, bad);
    let p = run(&pinned, None);
    assert!(p.diagnostics.is_empty(), "pinned by nodeName:\n{}", compact(&p));
}

/// bare-pod: a Pod in a test suite's directory (`test/`, `tests/`, `e2e/`) is what a test applies
/// for its run; the same Pod elsewhere is reported. (Fixtures are files of one directory, so the
/// path is given here.)
#[test]
fn bare_pod_in_a_test_directory_is_a_fixture() {
    let r = RuleId::BarePod;
    let run = |name: &str| common::lint_only(r, text_file(name, &r.meta().bad));
    for name in ["test/e2e/s3-model/pod.yaml", "tests/pod.yaml", "e2e/pod.yaml"] {
        let l = run(name);
        assert!(l.diagnostics.is_empty(), "{name}:\n{}", compact(&l));
    }
    for name in ["deploy/pod.yaml", "latest/pod.yaml", "testdata/pod.yaml"] {
        assert_eq!(run(name).diagnostics.len(), 1, "{name}");
    }
}

/// service-selects-nothing: a patch's pod template makes its own directory's Services
/// unjudgeable (the whole object is made elsewhere), not those of another directory of the
/// namespace. (Fixtures are files of one directory, so the paths are given here.)
#[test]
fn service_selects_nothing_a_patch_counts_in_its_own_directory() {
    let r = RuleId::ServiceSelectsNothing;
    let patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a-manager\nspec:\n  template:\n    metadata:\n      labels: {tier: backend}\n    spec:\n      containers:\n        - name: manager\n          args: [--verbose]\n";
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api, tier: backend}\n    spec:\n      containers:\n        - {name: api, image: ghcr.io/example/api:1.0}\n";
    let service =
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector: {app: apii, tier: backend}\n  ports:\n    - port: 80\n";
    let run = |patch_dir: &str| {
        let files = vec![
            text_file(&format!("{patch_dir}/manager_patch.yaml"), patch),
            text_file("app/deploy.yaml", deploy),
            text_file("app/service.yaml", service),
        ];
        lint_only_files(r, files)
    };
    let elsewhere = run("other");
    assert_eq!(elsewhere.diagnostics.len(), 1, "a patch in another directory:\n{}", compact(&elsewhere));
    let beside = run("app");
    assert!(beside.diagnostics.is_empty(), "a patch beside the Service:\n{}", compact(&beside));
    // A patch that names no namespace (kustomize sets it) still stands for its directory.
    let namespaced = |text: &str| text.replacen("metadata:\n  name: api\n", "metadata:\n  name: api\n  namespace: web\n", 1);
    let files = vec![
        text_file("app/manager_patch.yaml", patch),
        text_file("app/deploy.yaml", &namespaced(deploy)),
        text_file("app/service.yaml", &namespaced(service)),
    ];
    let other_namespace = lint_only_files(r, files);
    assert!(other_namespace.diagnostics.is_empty(), "a patch without a namespace beside the Service:\n{}", compact(&other_namespace));
}

/// Every snapshot belongs to a fixture: a renamed or deleted fixture leaves none behind.
#[test]
fn no_snapshot_without_its_fixture() {
    for &r in RuleId::ALL {
        let names: BTreeSet<String> = fixtures(r).into_iter().map(|(n, _)| format!("{n}.snap")).collect();
        let dir = root().join("testdata/rules").join(r.as_str()).join("snapshots");
        for e in std::fs::read_dir(&dir).unwrap_or_else(|_| panic!("{r}: no snapshots")) {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(names.contains(&name), "testdata/rules/{r}/snapshots/{name} belongs to no fixture");
        }
    }
}

#[test]
fn every_rule_has_a_near_miss_fixture() {
    for &r in RuleId::ALL {
        let names: Vec<String> = fixtures(r).into_iter().map(|(n, _)| n).collect();
        assert!(names.iter().any(|n| n.starts_with("near-miss")), "{r}: no near-miss fixture in testdata/rules/{r}/");
    }
}

/// Each fixture runs with its rule alone. bad*: the rule fires; good* and near-miss*: it does
/// not. The snapshot holds every finding in full (message, span, help, path, related places,
/// the fix's diff) and lives beside the fixtures, so a rule's change touches only its own
/// snapshots.
#[test]
fn fixtures_run_with_their_rule_alone() {
    for &r in RuleId::ALL {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root().join("testdata/rules").join(r.as_str()).join("snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| {
            for (name, files) in fixtures(r) {
                let shown = files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(" + ");
                let l = lint_only_files(r, files);
                let out = render_full(&l);
                assert!(l.diagnostics.iter().all(|d| d.rule() == r), "{r}/{name}: another rule ran:\n{out}");
                let stem = name.strip_prefix("example-").unwrap_or(&name);
                if stem.starts_with("bad") {
                    assert!(!l.diagnostics.is_empty(), "{shown} does not trigger {r}");
                } else if stem.starts_with("good") || stem.starts_with("near-miss") {
                    assert!(l.diagnostics.is_empty(), "{shown} triggers {r}:\n{out}");
                } else {
                    panic!("fixture {shown} must be named bad*, good* or near-miss*");
                }
                insta::assert_snapshot!(name, out);
            }
        });
    }
}

/// Which rules carry a fix comes from their metadata (`autofix:`): a fixable rule's bad
/// fixtures include one with a fix, and no other rule attaches one.
#[test]
fn fixes_come_from_rules_documented_as_fixable() {
    for &r in RuleId::ALL {
        let fixed: usize =
            fixtures(r).into_iter().map(|(_, f)| lint_only_files(r, f).diagnostics.iter().filter(|d| d.fix.is_some()).count()).sum();
        match &r.meta().autofix {
            Some(_) => assert!(fixed > 0, "{r} is documented as fixable but no fixture gets a fix"),
            None => assert_eq!(fixed, 0, "{r} attaches fixes but its metadata has no `autofix:`"),
        }
    }
}

#[test]
fn generated_docs_are_up_to_date() {
    for (name, content) in rules::docs::expected() {
        let path = root().join("docs/rules").join(&name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(current == content, "docs/rules/{name} is stale: run `cargo run -- generate-docs`");
    }
}
