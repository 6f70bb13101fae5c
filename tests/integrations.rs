//! Configuration, suppressions, SARIF, GitHub annotations, Helm provenance.

mod common;
#[path = "common/schema.rs"]
mod schema;

use common::{run_in, tmp};
use std::process::Output;

fn compact(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const TWO: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replica: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          imagePullPolicy: always
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replica: 3
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports: [{port: 80}]
---
# Runs two pods: the file scales what matters, so web and api leaving the count out is news.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache
spec:
  replicas: 2
  selector:
    matchLabels: {app: cache}
  template:
    metadata:
      labels: {app: cache}
    spec:
      containers:
        - name: cache
          image: redis:7.4
";

fn rules(s: &str) -> Vec<String> {
    s.lines().filter_map(|l| l.split('[').nth(1)?.split(']').next().map(|r| format!("{}:{r}", l.split(':').nth(1).unwrap_or("")))).collect()
}

#[test]
fn annotation_silences_exactly_the_named_rule_on_exactly_that_object() {
    let d = tmp("annot");
    // On the object's metadata.
    let text = TWO.replacen(
        "  name: web\n",
        "  name: web\n  annotations:\n    kshape.io/ignore: unknown-field\n    kshape.io/ignore-reason: migrating\n",
        1,
    );
    std::fs::write(d.join("m.yaml"), &text).unwrap();
    let s = compact(&run_in(&d, &["--format", "compact", "m.yaml"], None));
    let r = rules(&s);
    assert!(!r.contains(&"9:unknown-field".to_string()), "web's unknown-field is suppressed:\n{s}");
    assert!(r.contains(&"19:invalid-field-value".to_string()), "web's other rules are not:\n{s}");
    assert!(r.contains(&"26:unknown-field".to_string()), "api's unknown-field is not:\n{s}");
    // On the pod template's metadata.
    let text = TWO.replacen(
        "      labels: {app: web}\n",
        "      labels: {app: web}\n      annotations: {kshape.io/ignore: \"replicas-missing,invalid-field-value\"}\n",
        1,
    );
    std::fs::write(d.join("m.yaml"), &text).unwrap();
    let s = compact(&run_in(&d, &["--format", "compact", "m.yaml"], None));
    assert!(!s.contains("[invalid-field-value]") && !s.contains("Deployment `web` sets no"), "{s}");
    // api's own findings stay (its missing count follows from its `replica` typo: not reported).
    assert!(s.contains("m.yaml:24:3: error [unknown-field]"), "{s}");
    // The suppression was used: not reported as stale, though the finding is a follow-on.
    assert!(!s.contains("[unused-suppression]"), "{s}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn comments_silence_their_line_and_the_next_and_files() {
    let d = tmp("comments");
    let text = TWO.replacen("  replica: 3\n", "  # kshape: ignore[unknown-field]\n  replica: 3\n", 1).replacen(
        "          imagePullPolicy: always\n",
        "          imagePullPolicy: always # kshape: ignore[invalid-field-value]\n",
        1,
    );
    std::fs::write(d.join("m.yaml"), &text).unwrap();
    let out = run_in(&d, &["--format", "compact", "--show-suppressed", "m.yaml"], None);
    let s = compact(&out);
    assert!(s.contains("m.yaml:7:3: suppressed [unknown-field]") && s.contains("(by comment on line 6)"), "{s}");
    assert!(s.contains("suppressed [invalid-field-value]"), "{s}");
    assert!(s.contains("m.yaml:24:3: error [unknown-field]"), "the other object's finding stays:\n{s}");
    // ignore-file, and a stale suppression.
    let text = format!("# kshape: ignore-file[unknown-field, replicas-missing]\n{TWO}").replacen(
        "    spec:\n",
        "    spec: # kshape: ignore[bare-pod]\n",
        1,
    );
    std::fs::write(d.join("m.yaml"), &text).unwrap();
    let s = compact(&run_in(&d, &["--format", "compact", "m.yaml"], None));
    assert!(!s.contains("[unknown-field]") && !s.contains("[replicas-missing]"), "{s}");
    assert!(s.contains("info [unused-suppression] this suppression of `bare-pod`"), "{s}");
    std::fs::remove_dir_all(&d).ok();
}

/// A suppression of a rule that is off in this run suppresses nothing because the rule did not
/// run, not because it is stale: it is not reported as unused.
#[test]
fn suppressing_a_disabled_rule_is_not_unused() {
    let d = tmp("suppress-disabled");
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    kshape.io/ignore: bare-pod\nspec:\n  containers:\n    - name: c # kshape: ignore[bare-pod]\n      image: busybox:1.36\n";
    std::fs::write(d.join("pod.yaml"), pod).unwrap();
    let s = compact(&run_in(&d, &["--format", "compact", "pod.yaml"], None));
    assert!(s.contains("[unused-suppression]"), "the comment is unused while the rule runs:\n{s}");
    let s = compact(&run_in(&d, &["--format", "compact", "--ignore", "bare-pod", "pod.yaml"], None));
    assert!(!s.contains("[unused-suppression]"), "{s}");
    let s = compact(&run_in(&d, &["--format", "compact", "--select", "unknown-field", "--select", "unused-suppression", "pod.yaml"], None));
    assert!(!s.contains("[unused-suppression]"), "{s}");
    std::fs::write(d.join(".kshape.yaml"), "rules:\n  severity: {bare-pod: off}\n").unwrap();
    let s = compact(&run_in(&d, &["--format", "compact", "pod.yaml"], None));
    assert!(!s.contains("[unused-suppression]"), "{s}");
    // A misspelt rule is still reported.
    std::fs::write(d.join("pod.yaml"), pod.replace("ignore[bare-pod]", "ignore[bare-pods]")).unwrap();
    let s = compact(&run_in(&d, &["--format", "compact", "pod.yaml"], None));
    assert!(s.contains("`bare-pods` in this suppression"), "{s}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn configuration_selects_rules_and_reports_bad_keys_with_position() {
    let d = tmp("config");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/m.yaml"), TWO).unwrap();
    std::fs::write(
        d.join(".kshape.yaml"),
        "rules:\n  ignore: [replicas-missing]\n  severity:\n    unknown-field: warning\nfail-on: error\nexclude: [skip.yaml]\n",
    )
    .unwrap();
    std::fs::write(d.join("sub/skip.yaml"), "kind: [\n").unwrap();
    // Found from a subdirectory; excludes relative to the config file.
    let out = run_in(&d.join("sub"), &["--format", "compact", "."], None);
    let s = compact(&out);
    assert!(!s.contains("replicas-missing") && s.contains("warning [unknown-field]") && !s.contains("skip.yaml"), "{s}");
    assert_eq!(out.status.code(), Some(1), "invalid-field-value is still an error");
    // Command line over configuration.
    let out = run_in(&d.join("sub"), &["--format", "compact", "--select", "unknown-field", "m.yaml"], None);
    assert_eq!(out.status.code(), Some(0), "only warnings, fail-on error:\n{}", compact(&out));
    let out = run_in(&d.join("sub"), &["--format", "compact", "--no-config", "--severity", "unknown-field=off", "m.yaml"], None);
    let s = compact(&out);
    assert!(!s.contains("unknown-field") && s.contains("replicas-missing"), "{s}");
    // Bad configuration: exit 2 with the file's line and column.
    std::fs::write(d.join(".kshape.yaml"), "rules:\n  ignore: [replicas-missing]\n  sevrity: {}\n").unwrap();
    let out = run_in(&d.join("sub"), &["m.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains(".kshape.yaml:3:3") && e.contains("sevrity"), "{e}");
    std::fs::write(d.join(".kshape.yaml"), "rules:\n  severity:\n    unknown-field: loud\n").unwrap();
    let out = run_in(&d.join("sub"), &["m.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".kshape.yaml:3:20"), "{}", String::from_utf8_lossy(&out.stderr));
    // A word of the error inside a comment is not where the error is.
    std::fs::write(d.join(".kshape.yaml"), "# we used to ignore bare-pods\nrules:\n  ignore: [bare-pods]\n").unwrap();
    let out = run_in(&d.join("sub"), &["m.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains(".kshape.yaml:3:12: unknown rule or category `bare-pods`; did you mean `bare-pod`?"), "{e}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn init_writes_every_rule_and_refuses_to_overwrite() {
    let d = tmp("init");
    let out = run_in(&d, &["init"], None);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(d.join(".kshape.yaml")).unwrap();
    for m in kshape::rules::metas() {
        assert!(text.contains(&format!("# {}: {}", m.id, m.severity)), "{} missing", m.id);
    }
    assert_eq!(run_in(&d, &["init"], None).status.code(), Some(2));
    // The written file is a valid configuration.
    std::fs::write(d.join("m.yaml"), TWO).unwrap();
    assert_eq!(run_in(&d, &["m.yaml"], None).status.code(), Some(1));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn sarif_output_passes_the_sarif_2_1_0_schema() {
    let path = common::root().join("../shared/schemas/sarif-schema-2.1.0.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: {} is not present", path.display());
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let out = run_in(
        &common::root(),
        &[
            "--format",
            "sarif",
            "testdata/examples",
            "testdata/rules/duplicate-object/bad.yaml",
            "testdata/rules/daemonset-replicas/bad-dcgm.yaml",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = schema::errors_of(&schema, &v);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 5);
    let r = &results[0];
    assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().starts_with("testdata/"));
    assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1);
    // A fix is a SARIF fix: the deleted region (here the whole `replicas: 3` line) and the new text.
    let fix = results
        .iter()
        .find(|r| {
            r["ruleId"] == "daemonset-replicas"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "testdata/rules/daemonset-replicas/bad-dcgm.yaml"
        })
        .map(|r| &r["fixes"][0])
        .expect("daemonset-replicas result");
    assert_eq!(fix["description"]["text"], "remove `replicas: 3`");
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "testdata/rules/daemonset-replicas/bad-dcgm.yaml");
    assert_eq!(
        change["replacements"][0],
        serde_json::json!({"deletedRegion": {"startLine": 6, "startColumn": 1, "endLine": 7, "endColumn": 1}, "insertedContent": {"text": ""}})
    );
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), kshape::rules::RULES.len());
    assert!(rules.iter().all(|r| r["helpUri"].as_str().unwrap().ends_with(&format!("docs/rules/{}.md", r["id"].as_str().unwrap()))));
    // A broken document fails the same validation (the check is not vacuous).
    let mut broken = v.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!schema::errors_of(&schema, &broken).is_empty());
    // `format` is asserted too: a helpUri must be an absolute URI.
    let mut broken = v.clone();
    broken["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = serde_json::json!("docs/rules/x.md");
    assert!(!schema::errors_of(&schema, &broken).is_empty());
    let mut broken = v.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = serde_json::json!("a b#c#d.yaml");
    assert!(!schema::errors_of(&schema, &broken).is_empty());
}

#[test]
fn github_annotations() {
    let out = run_in(&common::root(), &["--format", "github", "testdata/examples/inference.yaml"], None);
    let s = compact(&out);
    assert!(
        s.lines().any(|l| l.starts_with(
            "::error file=testdata/examples/inference.yaml,line=10,col=3,endLine=10,endColumn=10,title=kshape unknown-field::unknown field"
        )),
        "{s}"
    );
    assert!(s.lines().any(|l| l.starts_with("::notice file=")), "{s}");
    assert!(s.lines().all(|l| l.starts_with("::")), "one command per line (newlines escaped):\n{s}");
}

#[test]
fn helm_template_output_names_the_template() {
    let rendered = "---\n# Source: llm/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: llm\nspec:\n  selector: {app: llm}\n---\n# Source: llm/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: llm\nspec:\n  replica: 2\n  selector:\n    matchLabels: {app: llm}\n  template:\n    metadata:\n      labels: {app: llm}\n    spec:\n      containers:\n        - name: llm\n          image: ghcr.io/example/api:1.4.2\n";
    let out = run_in(&common::root(), &["--format", "json", "-"], Some(rendered));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "unknown-field").unwrap();
    assert_eq!(d["source"], "llm/templates/deployment.yaml");
    assert!(d["message"].as_str().unwrap().ends_with("(in llm/templates/deployment.yaml)"));
}

#[test]
fn statistics_count_per_rule() {
    let out = run_in(&common::root(), &["--format", "compact", "--statistics", "testdata/examples"], None);
    let s = compact(&out);
    assert!(s.lines().any(|l| l.trim_start().starts_with("2  invalid-field-value")), "{s}");
    assert!(s.lines().any(|l| l.trim_start().starts_with("1  missing-dshm")), "{s}");
}
