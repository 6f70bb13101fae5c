//! The small contracts editors and CI rely on (issue #19): display options, JUnit, SARIF and
//! GitHub details, `kshape rules --format json`, `kshape nodes` formats and exit codes,
//! `kshape lsp --stdio`, did-you-mean for rule names, follow-on findings.

mod common;

use common::{run_in, tmp};

fn out(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A Deployment with a misspelt `replicas`, an error; a sibling that runs 3 pods, so the
/// misspelt one's missing count would be news; an info-level finding on a Service.
const MIXED: &str = "apiVersion: apps/v1
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
  name: api
spec:
  selector: {app: api}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata:
  name: orphan
spec:
  selector: {app: nothing-has-this}
  ports: [{port: 80}]
";

#[test]
fn a_misspelt_key_hides_the_finding_it_causes() {
    let d = tmp("follow-on");
    std::fs::write(d.join("m.yaml"), MIXED).unwrap();
    let s = out(&run_in(&d, &["--format", "compact", "m.yaml"], None));
    assert!(s.contains("m.yaml:6:3: error [unknown-field]"), "{s}");
    assert!(!s.contains("replicas-missing"), "the missing count follows from the typo:\n{s}");
    // Fixed, the count is really missing: then it is reported.
    std::fs::write(d.join("m.yaml"), MIXED.replacen("  replica: 3\n", "", 1)).unwrap();
    let s = out(&run_in(&d, &["--format", "compact", "m.yaml"], None));
    assert!(s.contains("[replicas-missing] Deployment `api`"), "{s}");
    // A value of the wrong type hides the other findings on that field: an unrendered name is
    // not also a missing one.
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  ports: [{port: 80}]\n";
    let s = out(&run_in(&d, &["--format", "compact", "-"], Some(svc)));
    assert_eq!(s, "<stdin>:4:9: error [invalid-field-type] `name` must be a string, found a mapping\n");
}

#[test]
fn quiet_min_severity_and_empty_input() {
    let d = tmp("display");
    std::fs::write(d.join("m.yaml"), MIXED).unwrap();
    let all = run_in(&d, &["m.yaml"], None);
    assert!(out(&all).contains("info[service-selects-nothing]"), "{}", out(&all));
    let errors = run_in(&d, &["--min-severity", "error", "m.yaml"], None);
    assert!(!out(&errors).contains("info[") && out(&errors).contains("error[unknown-field]"), "{}", out(&errors));
    // The summaries say what was left out.
    assert!(out(&errors).contains("1 error (1 more below --min-severity) in 1 file"), "{}", out(&errors));
    let json: serde_json::Value =
        serde_json::from_slice(&run_in(&d, &["--format", "json", "--min-severity", "error", "m.yaml"], None).stdout).unwrap();
    assert_eq!((json["summary"]["infos"].as_u64(), json["summary"]["hidden"].as_u64()), (Some(0), Some(1)));
    // The display filter does not change the exit code: --fail-on does.
    let info = run_in(&d, &["--min-severity", "error", "--fail-on", "info", "--select", "service-selects-nothing", "m.yaml"], None);
    assert_eq!(info.status.code(), Some(1));
    let quiet = run_in(&d, &["--quiet", "--statistics", "m.yaml"], None);
    assert!(!out(&quiet).contains(" in 1 file, "), "no summary:\n{}", out(&quiet));
    // Statistics come before the summary, which is last.
    let stats = out(&run_in(&d, &["--statistics", "m.yaml"], None));
    let lines: Vec<&str> = stats.trim_end().lines().collect();
    assert!(lines.last().unwrap().contains(" in 1 file, 4 objects"), "{stats}");
    assert!(lines.iter().any(|l| l.contains(" unknown-field ") && l.ends_with(" error")), "{stats}");
    // Nothing to lint: a warning, and with --fail-on-empty exit 1.
    std::fs::write(d.join("values.yaml"), "replicas: 3\n").unwrap();
    let empty = run_in(&d, &["values.yaml"], None);
    assert_eq!(empty.status.code(), Some(0));
    assert!(err(&empty).contains("warning: no Kubernetes objects in the inputs"), "{}", err(&empty));
    assert_eq!(run_in(&d, &["--fail-on-empty", "values.yaml"], None).status.code(), Some(1));
    assert_eq!(run_in(&d, &["--fail-on-empty", "--exclude", "*.yaml", "."], None).status.code(), Some(1));
    assert_eq!(run_in(&d, &["--fail-on-empty", "-"], Some("")).status.code(), Some(1));
}

#[test]
fn rule_names_get_did_you_mean_everywhere() {
    let d = tmp("dym");
    let e = err(&run_in(&d, &["explain", "master-adr-mismatch"], None));
    assert!(e.contains("did you mean `master-addr-mismatch`"), "{e}");
    for args in [["--select", "unknwn-field"], ["--ignore", "unknwn-field"], ["--severity", "unknwn-field=off"]] {
        let o = run_in(&d, &[args[0], args[1], "-"], Some("kind: ConfigMap\n"));
        assert_eq!(o.status.code(), Some(2));
        assert!(err(&o).contains("did you mean `unknown-field`"), "{args:?}: {}", err(&o));
    }
    std::fs::write(d.join(".kshape.yaml"), "rules:\n  ignore: [unknwn-field]\n").unwrap();
    let o = run_in(&d, &["-"], Some("kind: ConfigMap\n"));
    assert!(err(&o).contains("did you mean `unknown-field`"), "{}", err(&o));
}

#[test]
fn junit_has_a_testcase_per_finding_and_per_clean_file() {
    let d = tmp("junit");
    std::fs::write(d.join("m.yaml"), MIXED).unwrap();
    std::fs::write(d.join("clean.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: {a: \"<&>\"}\n").unwrap();
    let o = run_in(&d, &["--format", "junit", "."], None);
    let x = out(&o);
    assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"), "{x}");
    // One failed testcase for the error (the info finding is not a failure), one passed for clean.yaml.
    assert!(x.contains("<testsuite name=\"kshape\" tests=\"2\" failures=\"1\""), "{x}");
    assert!(x.contains("<testcase classname=\"m.yaml\" name=\"unknown-field at 6:3\" file=\"m.yaml\" line=\"6\">"), "{x}");
    assert!(x.contains("<failure type=\"error\" message=\"[unknown-field] unknown field `replica`"), "{x}");
    assert!(x.contains("<testcase classname=\"clean.yaml\" name=\"no findings\" file=\"clean.yaml\"/>"), "{x}");
    assert_eq!(x.matches("<testcase").count(), 2);
    assert_eq!(x.matches("<failure").count(), x.matches("</failure>").count());
    assert_eq!(o.status.code(), Some(1));
    // The failures are what fails the run: with --fail-on info, info findings too.
    let x = out(&run_in(&d, &["--format", "junit", "--fail-on", "info", "m.yaml"], None));
    assert!(x.contains("failures=\"2\"") && x.contains("name=\"service-selects-nothing at 46:3\""), "{x}");
    // An input that was not read is an error testcase (exit 2).
    let o = run_in(&d, &["--format", "junit", "clean.yaml", "missing.yaml"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        out(&o).contains("errors=\"1\"") && out(&o).contains("<error type=\"not read\" message=\"cannot read missing.yaml"),
        "{}",
        out(&o)
    );
}

#[test]
fn sarif_carries_suppressions_base_uris_and_help_apart() {
    let d = tmp("sarif");
    let text = MIXED.replacen("  replica: 3\n", "  replica: 3 # kshape: ignore[unknown-field] migrating\n", 1);
    std::fs::write(d.join("m.yaml"), text).unwrap();
    let o = run_in(&d, &["--format", "sarif", "--show-suppressed", "m.yaml"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let run = &v["runs"][0];
    assert!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap().starts_with("file:///"));
    let results = run["results"].as_array().unwrap();
    let silenced = results.iter().find(|r| r["ruleId"] == "unknown-field").expect("the suppressed finding is listed");
    assert_eq!(silenced["suppressions"][0]["kind"], "inSource");
    let loc = &silenced["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!((loc["uri"].as_str(), loc["uriBaseId"].as_str()), (Some("m.yaml"), Some("%SRCROOT%")));
    assert!(!silenced["message"]["text"].as_str().unwrap().contains("rename"), "help is apart");
    assert!(silenced["properties"]["help"].as_str().unwrap().contains("rename `replica` to `replicas`"));
    // Without --show-suppressed it is not there.
    let o = run_in(&d, &["--format", "sarif", "m.yaml"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["runs"][0]["results"].as_array().unwrap().iter().all(|r| r["ruleId"] != "unknown-field"));
    // An absolute path outside the run's directory is a file URI.
    let elsewhere = tmp("sarif-elsewhere");
    let p = elsewhere.join("x.yaml");
    std::fs::write(&p, MIXED).unwrap();
    let o = run_in(&d, &["--format", "sarif", p.to_str().unwrap()], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let uri = v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().to_string();
    assert!(uri.starts_with("file:///") && uri.ends_with("/x.yaml"), "{uri}");
}

#[test]
fn github_says_when_annotations_would_be_dropped() {
    let d = tmp("github");
    let many: String =
        (0..12).map(|i| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  lables: {{a: b}}\n---\n")).collect();
    std::fs::write(d.join("m.yaml"), many).unwrap();
    let s = out(&run_in(&d, &["--format", "github", "m.yaml"], None));
    let first = s.lines().next().unwrap();
    assert!(first.starts_with("::notice title=kshape::kshape found 12 errors") && first.contains("--format sarif"), "{first}");
    assert_eq!(s.matches("::error ").count(), 12);
    std::fs::write(d.join("m.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  lables: {a: b}\n").unwrap();
    assert!(!out(&run_in(&d, &["--format", "github", "m.yaml"], None)).contains("::notice"));
}

#[test]
fn rules_lists_as_json() {
    let o = run_in(&common::root(), &["rules", "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = v["rules"].as_array().unwrap();
    assert_eq!(rules.len(), kshape::rules::RuleId::ALL.len());
    let r = rules.iter().find(|r| r["id"] == "daemonset-replicas").unwrap();
    assert_eq!((r["severity"].as_str(), r["fixable"].as_bool()), (Some("error"), Some(true)));
}

#[test]
fn nodes_formats_and_unschedulable_exit() {
    let root = common::root();
    let trainer = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: t\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: t}\n  template:\n    metadata:\n      labels: {app: t}\n    spec:\n      nodeSelector: {no-such-label: x}\n      containers:\n        - name: t\n          image: busybox:1.36\n";
    let d = tmp("nodes");
    std::fs::write(d.join("t.yaml"), trainer).unwrap();
    let inv = root.join("testdata/nodes/inventory.yaml");
    let inv = inv.to_str().unwrap();
    for bad in ["compact", "github", "junit"] {
        let o = run_in(&d, &["nodes", inv, "t.yaml", "--format", bad], None);
        assert_eq!(o.status.code(), Some(2), "--format {bad}");
    }
    // SARIF: a result per workload that fits no node, at its kind, with each node's reason and
    // the tolerations that would admit it.
    let gpu = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: g\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: g}\n  template:\n    metadata:\n      labels: {app: g}\n    spec:\n      containers:\n        - name: g\n          image: vllm/vllm-openai:v0.6.3\n          resources:\n            limits: {nvidia.com/gpu: 1}\n";
    std::fs::write(d.join("g.yaml"), gpu).unwrap();
    let o = run_in(&d, &["nodes", inv, "g.yaml", "--format", "sarif"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = &v["runs"][0]["results"][0];
    let m = r["message"]["text"].as_str().unwrap();
    assert!(m.contains("gpu-a100-1: taint nvidia.com/gpu=present:NoSchedule not tolerated"), "{m}");
    assert!(m.contains("{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}"), "{m}");
    assert_eq!(r["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
    let table = run_in(&d, &["nodes", inv, "t.yaml"], None);
    assert_eq!(table.status.code(), Some(0));
    // The table says why a node is not selected.
    assert!(out(&table).contains("not selected: no label `no-such-label` (nodeSelector wants `no-such-label=x`)"), "{}", out(&table));
    let o = run_in(&d, &["nodes", inv, "t.yaml", "--fail-on-unschedulable"], None);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("1 workload fit no node"), "{}", err(&o));
}

#[test]
fn lsp_accepts_stdio_and_explains_itself_when_input_ends() {
    let o = run_in(&common::root(), &["lsp", "--stdio"], Some(""));
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(e.contains("language server") && e.contains("kshape PATH") && !e.contains("disconnected"), "{e}");
}

#[test]
fn the_inventory_and_the_static_toleration_findings_merge() {
    let ds = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: dcgm-exporter\nspec:\n  selector:\n    matchLabels: {app: dcgm-exporter}\n  template:\n    metadata:\n      labels: {app: dcgm-exporter}\n    spec:\n      nodeSelector:\n        nvidia.com/gpu.present: \"true\"\n      containers:\n        - name: exporter\n          image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: gpu-1\nspec:\n  taints: [{key: nvidia.com/gpu, effect: NoSchedule}]\n";
    let inv = common::root().join("testdata/nodes/inventory.yaml");
    let o = run_in(&common::root(), &["--format", "json", "--nodes", inv.to_str().unwrap(), "-"], Some(ds));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let at_selector: Vec<&serde_json::Value> =
        v["diagnostics"].as_array().unwrap().iter().filter(|d| d["range"]["start"]["line"] == 11).collect();
    assert_eq!(at_selector.len(), 1, "{at_selector:?}");
    let d = at_selector[0];
    assert_eq!(d["rule"], "taint-not-tolerated");
    let m = d["message"].as_str().unwrap();
    assert!(m.contains("repel it by a taint") && m.contains("runs the GPU node agent"), "both reasons: {m}");
    assert!(d["fix"].is_object(), "the static finding's fix is kept");
}

#[test]
fn a_gpu_pod_kept_off_tainted_nodes_is_told_why_and_gke_admission_is_a_switch() {
    let d = tmp("ext-toleration");
    let gpu = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: trainer\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: trainer}\n  template:\n    metadata:\n      labels: {app: trainer}\n    spec:\n      containers:\n        - name: trainer\n          image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime\n          resources:\n            limits: {nvidia.com/gpu: 1}\n";
    std::fs::write(d.join("t.yaml"), gpu).unwrap();
    let inv = common::root().join("testdata/nodes/inventory.yaml");
    let args = ["--format", "compact", "--select", "requests-exceed-allocatable", "--nodes", inv.to_str().unwrap(), "t.yaml"];
    let s = out(&run_in(&d, &args, None));
    assert!(
        s.contains("[requests-exceed-allocatable]")
            && s.contains("left out because it does not tolerate their taint: gpu-a100-1 (nvidia.com/gpu"),
        "{s}"
    );
    assert!(s.contains("extended_resource_toleration"), "{s}");
    // A cluster whose admission adds the toleration for requested GPUs: the pod fits.
    std::fs::write(d.join(".kshape.yaml"), "nodes:\n  extended_resource_toleration: true\n").unwrap();
    let s = out(&run_in(&d, &args, None));
    assert!(!s.contains("[requests-exceed-allocatable]"), "{s}");
}
