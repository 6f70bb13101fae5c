//! End-to-end: the built binary, its exit codes, stdin and the JSON contract.

mod common;

use std::process::Output;

/// The binary, run in the repository root.
fn kshape(args: &[&str], stdin: Option<&str>) -> Output {
    common::run_in(&common::root(), args, stdin)
}

const REPLICA_TYPO: &str = "apiVersion: apps/v1
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
";

#[test]
fn replica_typo_is_reported_at_the_key_with_did_you_mean() {
    let out = kshape(&["--format", "json", "-"], Some(REPLICA_TYPO));
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "unknown-field").expect("unknown-field reported");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "<stdin>");
    assert_eq!(d["range"]["start"], serde_json::json!({"line": 6, "column": 3, "offset": 67, "byteColumn": 3}));
    assert_eq!(d["range"]["end"], serde_json::json!({"line": 6, "column": 10, "offset": 74, "byteColumn": 10}));
    assert_eq!(d["path"], "spec.replica");
    assert_eq!(d["object"], serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": null, "name": "web"}));
    assert_eq!(d["docs"], "docs/rules/unknown-field.md");
    assert!(d["message"].as_str().unwrap().contains("did you mean `replicas`?"));
    // The typo leaves the Deployment without replicas, but nothing routes traffic to it, so
    // replicas-missing has no evidence that one pod is an outage: the typo is the one finding.
    let rules: Vec<&str> = v["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["unknown-field"]);
    assert_eq!(v["summary"], serde_json::json!({"files": 1, "documents": 1, "objects": 1, "errors": 1, "warnings": 0, "infos": 0}));
}

#[test]
fn clean_manifest_exits_zero_with_empty_diagnostics() {
    let clean = REPLICA_TYPO.replace("replica:", "replicas:");
    assert!(clean.contains("replicas: 3"));
    let out = kshape(&["--format", "json", "-"], Some(&clean));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    assert_eq!(v["version"], 1);
}

#[test]
fn stdin_filename_names_the_stream() {
    let out = kshape(&["--format", "compact", "--stdin-filename", "rendered.yaml", "-"], Some(REPLICA_TYPO));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.lines().any(|l| l.starts_with("rendered.yaml:6:3: error [unknown-field]")), "{s}");
}

#[test]
fn fail_on_sets_the_threshold() {
    // An error fails under every threshold.
    assert_eq!(kshape(&["--fail-on", "error", "-"], Some(REPLICA_TYPO)).status.code(), Some(1));
    assert_eq!(kshape(&["--fail-on", "info", "-"], Some(REPLICA_TYPO)).status.code(), Some(1));
}

#[test]
fn unreadable_path_exits_two_and_still_lints_the_rest() {
    let out = kshape(
        &["--format", "compact", "does/not/exist.yaml", "testdata/examples/clean.yaml", "testdata/rules/unknown-field/bad-typo.yaml"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read does/not/exist.yaml: No such file or directory"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("[unknown-field]"));
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(kshape(&["--format", "xml", "testdata/examples"], None).status.code(), Some(2));
    assert_eq!(kshape(&["explain", "no-such-rule"], None).status.code(), Some(2));
    assert_eq!(kshape(&["--exclude", "[", "testdata/examples"], None).status.code(), Some(2));
}

#[test]
fn lint_subcommand_and_directory_walk() {
    let out = kshape(&["lint", "--format", "compact", "testdata/examples"], None);
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("testdata/examples/inference.yaml:10:3: error [unknown-field]"), "{s}");
    let excluded = kshape(
        &["--format", "compact", "--exclude", "inference.yaml", "--exclude", "gpu-*", "--exclude", "trainer.yaml", "testdata/examples"],
        None,
    );
    assert_eq!(excluded.status.code(), Some(0), "{}", String::from_utf8_lossy(&excluded.stdout));
}

#[test]
fn rules_and_explain() {
    let out = kshape(&["rules"], None);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    for id in ["yaml-syntax", "unknown-field", "daemonset-replicas", "removed-api-version"] {
        assert!(s.contains(id), "{id} missing from `kshape rules`");
    }
    let out = kshape(&["explain", "daemonset-replicas"], None);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("## Why is this bad?") && s.contains("replicas: 3"), "{s}");
}

#[test]
fn human_output_has_snippet_summary_and_no_colour_when_piped() {
    let out = kshape(&["-"], Some(REPLICA_TYPO));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.starts_with("error[unknown-field]: unknown field `replica`"), "{s}");
    assert!(s.contains("replica: 3") && s.contains("`replicas`?"), "{s}");
    assert!(s.contains("https://github.com/kshape/kshape/blob/main/docs/rules/unknown-field.md"), "{s}");
    assert!(s.contains("`kshape explain unknown-field`"), "{s}");
    // Not a terminal: wrapped at 100 columns (a long URL may run past; words are not cut).
    assert!(s.lines().filter(|l| !l.contains("https://")).all(|l| l.chars().count() <= 100), "{s}");
    assert!(s.lines().next().unwrap().chars().count() > 80, "the header uses the width: {s}");
    // The rule id is named in the header, not again on a line of its own or in the label.
    assert!(!s.lines().any(|l| l.trim() == "unknown-field") && !s.contains("╰── unknown-field"), "{s}");
    assert!(s.contains("fix: rename `replica` to `replicas` (`kshape --fix`)"), "{s}");
    assert!(s.trim_end().ends_with("1 error in 1 file, 1 object; 1 fixable with `kshape --fix` (`--diff` to preview)"), "{s}");
    assert!(!s.contains('\u{1b}'), "colour codes in piped output");
}

#[test]
fn helm_templates_and_kustomize_patches_are_skipped_with_a_note() {
    let dir = std::env::temp_dir().join(format!("kshape-walk-{}", std::process::id()));
    let chart = dir.join("chart");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: web\nversion: 0.1.0\n").unwrap();
    std::fs::write(chart.join("values.yaml"), "replicaCount: 2\n").unwrap();
    std::fs::write(
        chart.join("templates/deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    )
    .unwrap();
    let kust = dir.join("overlay");
    std::fs::create_dir_all(&kust).unwrap();
    std::fs::write(
        kust.join("kustomization.yaml"),
        "resources: [base.yaml]\npatches:\n  - path: patch.yaml\npatchesStrategicMerge:\n  - replicas.yaml\n",
    )
    .unwrap();
    std::fs::write(kust.join("patch.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n")
        .unwrap();
    std::fs::write(kust.join("replicas.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n")
        .unwrap();
    std::fs::write(kust.join("base.yaml"), "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n")
        .unwrap();
    std::fs::create_dir_all(dir.join(".hidden")).unwrap();
    std::fs::write(dir.join(".hidden/broken.yaml"), "kind: [\n").unwrap();
    // Not built: the notes are what this is about (builds are tests/repositories.rs's).
    let out = kshape(&["--format", "json", "--kustomize", "never", dir.to_str().unwrap()], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Helm chart templates") && err.contains("helm template"), "{err}");
    assert_eq!(err.matches("Helm chart templates").count(), 1);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["objects"], 1, "only the Service is an object to lint");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn wrong_controllers_are_flagged_at_the_kind_line() {
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: llm\nspec:\n  serviceName: llm\n  selector:\n    matchLabels: {app: llm}\n  template:\n    metadata:\n      labels: {app: llm}\n    spec:\n      containers:\n        - name: server\n          image: vllm/vllm-openai:v0.6.3\n";
    let out = kshape(&["--format", "json", "-"], Some(sts));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "inference-as-statefulset").expect("flagged");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["range"]["start"]["line"], 2);
    assert_eq!(d["range"]["start"]["column"], 7);
    assert_eq!(d["path"], "kind");

    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: trainer\nspec:\n  replicas: 4\n  selector:\n    matchLabels: {app: t}\n  template:\n    metadata:\n      labels: {app: t}\n    spec:\n      containers:\n        - name: t\n          image: pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime\n          command: [torchrun, --nnodes=4, train.py]\n";
    let out = kshape(&["--format", "json", "-"], Some(deploy));
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "training-as-deployment").expect("flagged");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["range"]["start"]["line"], 2);
    assert!(d["message"].as_str().unwrap().contains("command `torchrun` matches distributed-training"), "{d}");
}

#[test]
fn duplicate_objects_across_files_are_real_conflicts_only() {
    let dir = std::env::temp_dir().join(format!("kshape-dups-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::create_dir_all(dir.join("variants")).unwrap();
    std::fs::create_dir_all(dir.join("staging")).unwrap();
    let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ml\n";
    let cm =
        |name: &str, v: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: ml\ndata:\n  k: \"{v}\"\n");
    // Side by side without a kustomization: nothing says the files are applied together
    // (they may be alternatives), so nothing is reported.
    std::fs::write(dir.join("app/a.yaml"), format!("{ns}---\n{}", cm("settings", "1"))).unwrap();
    std::fs::write(dir.join("app/c.yaml"), format!("{}---\n{}", cm("settings", "2"), cm("third", "1"))).unwrap();
    // Under a kustomization, its inputs are built together. The same Namespace twice,
    // identical: harmless.
    std::fs::create_dir_all(dir.join("kapp")).unwrap();
    std::fs::write(dir.join("kapp/kustomization.yaml"), "resources: [a.yaml, b.yaml, c.yaml]\n").unwrap();
    std::fs::write(dir.join("kapp/a.yaml"), format!("{ns}---\n{}", cm("settings", "1"))).unwrap();
    std::fs::write(dir.join("kapp/b.yaml"), format!("{ns}---\n{}", cm("other", "1"))).unwrap();
    // One object copied, with another value, into an otherwise different file: a conflict.
    std::fs::write(dir.join("kapp/c.yaml"), format!("{}---\n{}", cm("settings", "2"), cm("third", "1"))).unwrap();
    // Two files defining the same objects are alternatives (apply one or the other), even
    // under a kustomization.
    std::fs::write(dir.join("variants/kustomization.yaml"), "resources: [a3.yaml]\n").unwrap();
    std::fs::write(dir.join("variants/a3.yaml"), format!("{}---\n{}", cm("nccl", "a3"), cm("nccl-env", "a3"))).unwrap();
    std::fs::write(dir.join("variants/a4.yaml"), format!("{}---\n{}", cm("nccl", "a4"), cm("nccl-env", "a4"))).unwrap();
    // Another directory is another unit.
    std::fs::write(dir.join("staging/a.yaml"), cm("settings", "9")).unwrap();
    let out = kshape(&["--format", "compact", dir.to_str().unwrap()], None);
    let s = String::from_utf8_lossy(&out.stdout);
    let dups: Vec<&str> = s.lines().filter(|l| l.contains("[duplicate-object]")).collect();
    assert_eq!(dups.len(), 1, "{s}");
    assert!(dups[0].contains("kapp/c.yaml") && dups[0].contains("ConfigMap `settings`"), "{s}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn governing_service_is_found_across_files_and_through_context() {
    let dir = std::env::temp_dir().join(format!("kshape-sts-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("app")).unwrap();
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: trainer\nspec:\n  serviceName: trainer\n  replicas: 2\n  selector:\n    matchLabels: {app: trainer}\n  template:\n    metadata:\n      labels: {app: trainer}\n    spec:\n      containers:\n        - name: t\n          image: ghcr.io/example/trainer:1.0\n          command: [torchrun, --nnodes=2, --master_addr=trainer-0.trainer, train.py]\n";
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: trainer\nspec:\n  clusterIP: None\n  selector: {app: trainer}\n";
    std::fs::write(dir.join("app/sts.yaml"), sts).unwrap();
    std::fs::write(dir.join("app/headless.yaml"), svc).unwrap();
    let sts_path = dir.join("app/sts.yaml");
    let sts_path = sts_path.to_str().unwrap();

    // Alone: flagged at the serviceName value (line 6, column 16).
    let out = kshape(&["--format", "json", sts_path], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "statefulset-service-not-found").expect("flagged");
    assert_eq!(d["range"]["start"], serde_json::json!({"line": 6, "column": 16, "offset": 85, "byteColumn": 16}));
    assert!(d["help"].as_str().unwrap().contains("clusterIP: None"));

    // With the Service in another file of the same directory, linted as one run: clear.
    let out = kshape(&["--format", "compact", dir.join("app").to_str().unwrap()], None);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(!s.contains("statefulset-service-"), "{s}");

    // With the Service only as context: clear, and nothing is reported on the context file.
    let out = kshape(&["--format", "json", "--context", dir.join("app/headless.yaml").to_str().unwrap(), sts_path], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["diagnostics"].as_array().unwrap().iter().all(|d| !d["rule"].as_str().unwrap().starts_with("statefulset-service")), "{v}");
    assert!(v["diagnostics"].as_array().unwrap().iter().all(|d| !d["file"].as_str().unwrap().contains("headless")));
    assert_eq!(v["summary"]["files"], 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn selector_mismatch_is_flagged_at_the_selector_key() {
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n";
    let out = kshape(&["--format", "json", "-"], Some(deploy));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == "selector-template-mismatch").expect("flagged");
    assert_eq!(d["range"]["start"]["line"], 7);
    assert_eq!(d["range"]["start"]["column"], 3);
    assert!(d["message"].as_str().unwrap().contains("`app: web`") && d["message"].as_str().unwrap().contains("`app: api`"), "{d}");
}

#[test]
fn kustomize_inputs_get_no_cross_object_findings() {
    let dir = std::env::temp_dir().join(format!("kshape-kust-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::write(dir.join("base/kustomization.yaml"), "namePrefix: prod-\nresources: [sts.yaml]\n").unwrap();
    std::fs::write(dir.join("base/sts.yaml"), "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: trainer\nspec:\n  serviceName: trainer\n  replicas: 2\n  selector:\n    matchLabels: {app: trainer}\n  template:\n    metadata:\n      labels: {app: trainer}\n    spec:\n      containers:\n        - name: t\n          image: ghcr.io/example/trainer:1.0\n          command: [torchrun, --nnodes=2, --master_addr=trainer-0.trainer, train.py]\n").unwrap();
    // Linted one by one (not built), a kustomize input's names may still change.
    let out = kshape(&["--format", "compact", "--kustomize", "never", dir.to_str().unwrap()], None);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(!s.contains("statefulset-service-not-found"), "{s}");
    // Built, the kustomization has no Service `trainer`: reported in the file that names it.
    let out = kshape(&["--format", "compact", dir.to_str().unwrap()], None);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("base/sts.yaml:6:16: error [statefulset-service-not-found]") && s.contains("in the kustomize build of"), "{s}");
    std::fs::remove_dir_all(&dir).ok();
}

const DCGM: &str = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: dcgm-exporter\nspec:\n  selector:\n    matchLabels: {app: dcgm-exporter}\n  template:\n    metadata:\n      labels: {app: dcgm-exporter}\n    spec:\n      nodeSelector:\n        nvidia.com/gpu.present: \"true\"\n      containers:\n        - name: exporter\n          image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04\n";

fn rules_of(out: &Output) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["diagnostics"].as_array().unwrap().clone()
}

#[test]
fn gpu_daemonset_without_toleration_with_and_without_inventory() {
    // Alone, nothing says the GPU nodes are tainted (EKS and AMD pools are not by default).
    let alone = rules_of(&kshape(&["--format", "json", "-"], Some(DCGM)));
    assert!(!alone.iter().any(|d| d["rule"] == "gpu-daemonset-missing-toleration"), "{alone:?}");
    assert!(!alone.iter().any(|d| d["rule"] == "taint-not-tolerated"));
    // A Node of the inputs that carries the taint is the evidence.
    let tainted = format!(
        "{DCGM}---\napiVersion: v1\nkind: Node\nmetadata:\n  name: gpu-1\nspec:\n  taints: [{{key: nvidia.com/gpu, effect: NoSchedule}}]\n"
    );
    let with_node = rules_of(&kshape(&["--format", "json", "-"], Some(&tainted)));
    assert!(with_node.iter().any(|d| d["rule"] == "gpu-daemonset-missing-toleration"), "{with_node:?}");
    let with = rules_of(&kshape(&["--format", "json", "--nodes", "testdata/nodes/inventory.yaml", "-"], Some(DCGM)));
    let d = with.iter().find(|d| d["rule"] == "taint-not-tolerated").expect("taint-not-tolerated");
    let m = d["message"].as_str().unwrap();
    assert!(m.contains("gpu-a100-1") && m.contains("gpu-a100-2") && m.contains("gpu-l4-1") && !m.contains("cpu-1"), "{m}");
}

#[test]
fn selector_for_a100_against_k80_inventory_names_what_nodes_carry() {
    let ds = DCGM.replace("nvidia.com/gpu.present: \"true\"", "nvidia.com/gpu.product: NVIDIA-A100");
    let out = rules_of(&kshape(&["--format", "json", "--nodes", "testdata/nodes/k80-pool.json", "-"], Some(&ds)));
    let d = out.iter().find(|d| d["rule"] == "no-eligible-nodes").expect("no-eligible-nodes");
    assert!(d["message"].as_str().unwrap().contains("nvidia.com/gpu.product=Tesla-K80"), "{d}");
    assert_eq!(d["range"]["start"]["line"], 12);
}

#[test]
fn bad_inventory_is_a_usage_error() {
    let out = kshape(&["--nodes", "testdata/examples/clean.yaml", "-"], Some(DCGM));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Node objects"));
    let out = kshape(&["--nodes", "does/not/exist.yaml", "-"], Some(DCGM));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn nodes_command_prints_coverage() {
    let out = kshape(&["nodes", "testdata/nodes/inventory.yaml", "-"], Some(DCGM));
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("DaemonSet dcgm-exporter") && s.contains("runs on 0 of 7 nodes; 3 selected"), "{s}");
    assert!(s.contains("gpu-l4-1    taint nvidia.com/gpu:NoSchedule not tolerated"), "{s}");
    let out = kshape(&["nodes", "--format", "json", "testdata/nodes/inventory.yaml", "-"], Some(DCGM));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["workloads"][0]["selected"], 3);
    assert_eq!(v["workloads"][0]["eligible"], 0);
    assert_eq!(v["nodes"].as_array().unwrap().len(), 7);
}

/// `--kubernetes-version` moves the line between deprecated and removed, both ways.
#[test]
fn kubernetes_version_decides_deprecated_or_removed() {
    let hpa = "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}\n  maxReplicas: 3\n";
    let rules = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--no-config", "--format", "json"];
        all.extend_from_slice(args);
        all.push("-");
        rules_of(&kshape(&all, Some(hpa))).iter().map(|d| d["rule"].as_str().unwrap_or("").to_string()).collect()
    };
    // Default: the newest release, where autoscaling/v2beta2 is gone.
    assert_eq!(rules(&[]), ["removed-api-version"]);
    assert_eq!(rules(&["--kubernetes-version", "1.26"]), ["removed-api-version"]);
    // Older targets: deprecated (1.23 to 1.25), then not yet deprecated.
    assert_eq!(rules(&["--kubernetes-version", "1.25"]), ["deprecated-api-version"]);
    assert_eq!(rules(&["--kubernetes-version", "v1.23.4"]), ["deprecated-api-version"]);
    assert!(rules(&["--kubernetes-version", "1.22"]).is_empty());
    // An older ingress: removed at 1.22, deprecated before.
    let ing = "apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  backend: {serviceName: web, servicePort: 80}\n";
    let out = kshape(&["--no-config", "--format", "json", "--kubernetes-version", "1.21", "-"], Some(ing));
    assert!(rules_of(&out).iter().any(|d| d["rule"] == "deprecated-api-version" && d["message"].as_str().unwrap_or("").contains("1.22")));
    let out = kshape(&["--no-config", "--format", "json", "--kubernetes-version", "1.22", "-"], Some(ing));
    assert!(rules_of(&out).iter().any(|d| d["rule"] == "removed-api-version"));
    // Not a version: a usage error.
    assert_eq!(kshape(&["--kubernetes-version", "one.two", "-"], Some(hpa)).status.code(), Some(2));
}

/// A removed apiVersion is a hint while kshape does not know the cluster, and an error (the
/// run fails) once the run names its target release, on the command line or in the config;
/// an explicit severity for the rule still wins.
#[test]
fn removed_api_version_is_an_error_once_the_target_is_named() {
    let hpa = "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}\n  maxReplicas: 3\n";
    let run = |args: &[&str]| {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        all.push("-");
        let out = kshape(&all, Some(hpa));
        let severities: Vec<String> = rules_of(&out).iter().map(|d| d["severity"].as_str().unwrap_or("").to_string()).collect();
        (out.status.code(), severities)
    };
    assert_eq!(run(&["--no-config"]), (Some(0), vec!["info".to_string()]));
    assert_eq!(run(&["--no-config", "--kubernetes-version", "1.30"]), (Some(1), vec!["error".to_string()]));
    assert_eq!(run(&["--no-config", "--kubernetes-version", "1.30", "--severity", "removed-api-version=warning"]).1, ["warning"]);
    let cfg = std::env::temp_dir().join(format!("kshape-target-{}.yaml", std::process::id()));
    std::fs::write(&cfg, "kubernetes-version: \"1.31\"\n").unwrap();
    let configured = run(&["--config", cfg.to_str().unwrap()]);
    let _ = std::fs::remove_file(&cfg);
    assert_eq!(configured, (Some(1), vec!["error".to_string()]));
}

/// The command line lets the texts of judged files go and reads them again for the report: the
/// snippets are the judged text, and standard input (named like a file on disk with other
/// content) is never read again from that file.
#[test]
fn snippets_are_the_texts_that_were_judged() {
    let dir = std::env::temp_dir().join(format!("kshape-reread-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bad = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: exporter}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: e}}\n  template:\n    metadata: {labels: {app: e}}\n    spec:\n      containers: [{name: e, image: e:1}]\n";
    std::fs::write(dir.join("ds.yaml"), bad).unwrap();
    std::fs::write(dir.join("clean.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n").unwrap();
    let out = kshape(&["--no-config", "--select", "daemonset-replicas", dir.to_str().unwrap()], None);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("5 │   replicas: 3"), "{s}");
    let named = dir.join("clean.yaml");
    let out = kshape(&["--no-config", "--select", "daemonset-replicas", "--stdin-filename", named.to_str().unwrap(), "-"], Some(bad));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("5 │   replicas: 3"), "{s}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A walked file whose path is not UTF-8 (shown lossily) is judged from the text read when it
/// was found: its lossy name would not find it again.
#[cfg(unix)]
#[test]
fn files_with_names_that_are_not_utf8_are_linted_from_their_first_reading() {
    use std::os::unix::ffi::OsStrExt;
    let dir = std::env::temp_dir().join(format!("kshape-latin1-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.yaml");
    let bad = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: exporter}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: e}}\n  template:\n    metadata: {labels: {app: e}}\n    spec:\n      containers: [{name: e, image: e:1}]\n";
    if std::fs::write(dir.join(name), bad).is_err() {
        return; // a file system that refuses such names
    }
    let out = kshape(&["--no-config", dir.to_str().unwrap()], None);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("daemonset-replicas") && s.contains("5 │   replicas: 3"), "{s}");
    assert!(!s.contains("reading it again failed"), "{s}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// shared-rwo-claim on what kustomize builds: an overlay raises a base's one replica to two on
/// a ReadWriteOnce claim. A hint without a node inventory; with one whose nodes the pods can
/// run on, an error that fails the run (the build is judged with the inventory too).
#[test]
fn shared_rwo_claim_in_a_build_is_an_error_with_an_inventory() {
    let dir = std::env::temp_dir().join(format!("kshape-rwo-build-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::create_dir_all(dir.join("ha")).unwrap();
    std::fs::write(dir.join("base/kustomization.yaml"), "resources: [app.yaml]\n").unwrap();
    std::fs::write(
        dir.join("base/app.yaml"),
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: cache\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests: {storage: 10Gi}\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n  strategy: {type: Recreate}\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/example/api:1.0\n          volumeMounts: [{name: cache, mountPath: /cache}]\n      volumes:\n        - name: cache\n          persistentVolumeClaim: {claimName: cache}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ha/kustomization.yaml"),
        "resources: [../base]\npatches:\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: api\n      spec:\n        replicas: 2\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let inventory = common::root().join("testdata/nodes/inventory.yaml");
    let found =
        |out: &Output| -> Vec<serde_json::Value> { rules_of(out).into_iter().filter(|d| d["rule"] == "shared-rwo-claim").collect() };
    let without = kshape(&["--format", "json", "--select", "shared-rwo-claim", d], None);
    let hint = found(&without);
    assert_eq!(hint.len(), 1, "{hint:?}");
    assert_eq!(hint[0]["severity"], "info");
    assert_eq!(without.status.code(), Some(0));
    let with = kshape(&["--format", "json", "--select", "shared-rwo-claim", "--nodes", inventory.to_str().unwrap(), d], None);
    let error = found(&with);
    assert_eq!(error.len(), 1, "{error:?}");
    assert_eq!(error[0]["severity"], "error");
    assert!(error[0]["message"].as_str().unwrap().contains("2 nodes of the inventory"), "{error:?}");
    assert_eq!(with.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}

/// bare-pod through kustomize: a test directory's build is a test fixture too (the build's name
/// is its root); the same build elsewhere is reported.
#[test]
fn bare_pod_in_a_built_test_directory_is_a_fixture() {
    let dir = std::env::temp_dir().join(format!("kshape-bare-build-{}", std::process::id()));
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: vllm\n  labels: {app: vllm}\nspec:\n  containers:\n    - name: vllm\n      image: vllm/vllm-openai:v0.8.5\n      args: [\"--model\", \"Qwen/Qwen2.5-7B-Instruct\"]\n";
    for sub in ["e2e", "deploy"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("kustomization.yaml"), "resources: [pod.yaml]\n").unwrap();
        std::fs::write(dir.join(sub).join("pod.yaml"), pod).unwrap();
    }
    let out = common::run_in(&dir, &["--format", "json", "--no-config", "--select", "bare-pod", "."], None);
    let found: Vec<String> = rules_of(&out).iter().map(|d| d["file"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(found, ["deploy/pod.yaml"], "{}", String::from_utf8_lossy(&out.stdout));
    std::fs::remove_dir_all(&dir).ok();
}
