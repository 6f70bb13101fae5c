//! Real repositories as users run kshape in them: kustomize overlays built with the real
//! `kubectl kustomize` (installed on these machines), Helm charts rendered by a stand-in `helm`
//! (the real one is not installed here: the stand-in prints a known rendering, which tests the
//! boundary: arguments in, `# Source:` stream out), the pre-commit hook's mode with the
//! repository as context, and files named on the command line skipped as a walk skips them.

mod common;

use common::{run_in, tmp};
use std::path::Path;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `(rule, file, line, column, message)` of each finding of a JSON report.
fn findings(o: &std::process::Output) -> Vec<(String, String, u64, u64, String)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(o), stderr(o)));
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["range"]["start"]["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 8080
";

const SERVICE_TYPO: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: wbe
  ports:
    - port: 80
      targetPort: 8080
";

/// The issue's tree: a base whose Service misspells the pod label, and an overlay over it.
fn overlay_tree(name: &str) -> std::path::PathBuf {
    let d = tmp(name);
    write(
        &d,
        &[
            ("base/deployment.yaml", DEPLOY),
            ("base/service.yaml", SERVICE_TYPO),
            ("base/kustomization.yaml", "resources:\n  - deployment.yaml\n  - service.yaml\n"),
            ("overlays/prod/kustomization.yaml", "resources:\n  - ../../base\nnamePrefix: prod-\nnamespace: prod\n"),
        ],
    );
    d
}

#[test]
fn an_overlay_reports_its_base_s_mistake_in_the_base_file() {
    let d = overlay_tree("overlay");
    let o = run_in(&d, &["--format", "json", "overlays/prod"], None);
    let f = findings(&o);
    let hit: Vec<_> = f.iter().filter(|x| x.0 == "service-selects-nothing").collect();
    assert_eq!(hit.len(), 1, "{f:?}\n{}", stderr(&o));
    let (_, file, line, col, message) = hit[0];
    // At the selector of base/service.yaml (line 6), naming the overlay and its built names.
    assert_eq!((file.as_str(), *line, *col), ("base/service.yaml", 6, 3), "{message}");
    assert!(message.contains("prod-web") && message.contains("(in the kustomize build of overlays/prod)"), "{message}");
}

#[test]
fn without_kustomize_the_inputs_are_linted_as_before_with_a_note() {
    let d = overlay_tree("overlay-never");
    let never = run_in(&d, &["--format", "json", "--kustomize", "never", "."], None);
    assert!(findings(&never).iter().all(|x| x.0 != "service-selects-nothing"), "{}", stdout(&never));
    assert!(!stderr(&never).contains("not built"), "{}", stderr(&never));
    // No tool on PATH: the same findings, and a note that says what was not checked.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kshape"));
    let o = cmd.args(["--format", "json", "."]).current_dir(&d).env("PATH", "/nonexistent").output().unwrap();
    assert!(findings(&o).iter().all(|x| x.0 != "service-selects-nothing"));
    assert!(stderr(&o).contains("not built: neither `kustomize` nor `kubectl` is on PATH"), "{}", stderr(&o));
    let always = std::process::Command::new(env!("CARGO_BIN_EXE_kshape"))
        .args(["--kustomize", "always", "."])
        .current_dir(&d)
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(always.status.code(), Some(2), "{}", stderr(&always));
}

#[test]
fn a_base_built_by_two_overlays_reports_once_naming_both() {
    let d = overlay_tree("two-overlays");
    write(&d, &[("overlays/staging/kustomization.yaml", "resources:\n  - ../../base\nnamePrefix: staging-\nnamespace: staging\n")]);
    let o = run_in(&d, &["--format", "json", "."], None);
    let f = findings(&o);
    let hit: Vec<_> = f.iter().filter(|x| x.0 == "service-selects-nothing").collect();
    assert_eq!(hit.len(), 1, "{f:?}");
    assert!(hit[0].4.contains("(in the kustomize build of overlays/prod, overlays/staging)"), "{}", hit[0].4);
    // Two overlays of one base are alternatives: their objects are never each other's duplicates.
    assert!(f.iter().all(|x| x.0 != "duplicate-object" && x.0 != "overlapping-selectors"), "{f:?}");
}

#[test]
fn an_excluded_file_gets_no_finding_from_a_build() {
    let d = overlay_tree("overlay-excluded");
    std::fs::write(d.join(".kshape.yaml"), "exclude: [base/service.yaml]\n").unwrap();
    let f = findings(&run_in(&d, &["--format", "json", "overlays/prod"], None));
    assert!(f.iter().all(|x| x.1 != "base/service.yaml"), "{f:?}");
}

#[test]
fn an_overlay_used_by_another_is_built_too() {
    let d = overlay_tree("overlay-chain");
    // prod-eu builds on prod, and changes nothing that matters: prod is still deployed alone.
    write(&d, &[("overlays/prod-eu/kustomization.yaml", "resources:\n  - ../prod\nnameSuffix: -eu\n")]);
    let f = findings(&run_in(&d, &["--format", "json", "."], None));
    let hit: Vec<_> = f.iter().filter(|x| x.0 == "service-selects-nothing").collect();
    assert_eq!(hit.len(), 1, "{f:?}");
    assert!(hit[0].4.contains("overlays/prod, overlays/prod-eu") || hit[0].4.contains("overlays/prod-eu, overlays/prod"), "{}", hit[0].4);
}

#[test]
fn a_comment_in_the_base_suppresses_the_build_s_finding() {
    let d = overlay_tree("overlay-suppressed");
    let svc = SERVICE_TYPO
        .replace("  selector:\n", "  # kshape: ignore[service-selects-nothing] the pods come from another repository\n  selector:\n");
    write(&d, &[("base/service.yaml", &svc)]);
    let o = run_in(&d, &["--format", "json", "overlays/prod"], None);
    let f = findings(&o);
    assert!(f.iter().all(|x| x.0 != "service-selects-nothing" && x.0 != "unused-suppression"), "{f:?}");
}

#[test]
fn a_finding_on_a_field_only_the_overlay_has_is_reported_at_the_object() {
    let d = tmp("overlay-patch");
    let ds = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  selector:\n    matchLabels: {app: agent}\n  template:\n    metadata:\n      labels: {app: agent}\n    spec:\n      containers:\n        - name: agent\n          image: fluent/fluent-bit:3.1\n";
    write(
        &d,
        &[
            ("base/daemonset.yaml", ds),
            ("base/kustomization.yaml", "resources: [daemonset.yaml]\n"),
            // The overlay's inline patch gives the DaemonSet replicas, which it does not have.
            (
                "overlay/kustomization.yaml",
                "resources: [../base]\npatches:\n  - target: {kind: DaemonSet, name: agent}\n    patch: |-\n      - op: add\n        path: /spec/replicas\n        value: 3\n",
            ),
        ],
    );
    let o = run_in(&d, &["--format", "json", "overlay"], None);
    let f = findings(&o);
    let hit: Vec<_> = f.iter().filter(|x| x.0 == "daemonset-replicas").collect();
    assert_eq!(hit.len(), 1, "{f:?}");
    // base/daemonset.yaml has no `replicas`, and an inline patch is text in the kustomization:
    // the finding is at the object.
    assert_eq!((hit[0].1.as_str(), hit[0].2, hit[0].3), ("base/daemonset.yaml", 1, 1), "{:?}", hit[0]);
}

/// An overlay whose patches change the selector and set an invalid pull policy.
fn patched_tree(name: &str) -> std::path::PathBuf {
    let d = repo(name);
    write(
        &d,
        &[
            ("base/deployment.yaml", DEPLOY),
            ("base/kustomization.yaml", "resources: [deployment.yaml]\n"),
            ("overlays/staging/kustomization.yaml", "resources: [../../base]\npatches:\n  - path: labels.yaml\n  - path: pull.yaml\n"),
            ("overlays/staging/labels.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web-staging}\n"),
            (
                "overlays/staging/pull.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          imagePullPolicy: Sometimes\n",
            ),
        ],
    );
    d
}

#[test]
fn a_value_a_patch_set_is_reported_in_the_patch() {
    let d = patched_tree("patched");
    let f = findings(&run_in(&d, &["--format", "json", "."], None));
    let at = |rule: &str| f.iter().find(|x| x.0 == rule).map(|x| (x.1.clone(), x.2, x.3));
    // The selector the patch replaced, not the base's (which holds `app: web`).
    assert_eq!(at("selector-template-mismatch"), Some(("overlays/staging/labels.yaml".to_string(), 6, 3)), "{f:?}");
    assert_eq!(at("invalid-field-value"), Some(("overlays/staging/pull.yaml".to_string(), 10, 28)), "{f:?}");
    // A JSON 6902 patch: its operation's value.
    write(
        &d,
        &[
            (
                "overlays/staging/kustomization.yaml",
                "resources: [../../base]\npatches:\n  - path: ops.yaml\n    target: {kind: Deployment, name: web}\n",
            ),
            ("overlays/staging/ops.yaml", "- op: replace\n  path: /spec/template/spec/containers/0/imagePullPolicy\n  value: Sometimes\n"),
        ],
    );
    let f = findings(&run_in(&d, &["--format", "json", "."], None));
    assert_eq!(
        f.iter().find(|x| x.0 == "invalid-field-value").map(|x| (x.1.as_str(), x.2, x.3)),
        Some(("overlays/staging/ops.yaml", 3, 10)),
        "{f:?}"
    );
}

#[test]
fn the_hook_fails_a_staged_patch_that_breaks_its_overlay() {
    let d = patched_tree("hook-patch");
    let o = run_in(&d, &["--format", "json", "--repo-context", "--force-exclude", "overlays/staging/pull.yaml"], None);
    let f = findings(&o);
    assert_eq!(
        f.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect::<Vec<_>>(),
        [("invalid-field-value", "overlays/staging/pull.yaml")],
        "{}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains("no Kubernetes objects"), "{}", stderr(&o));
}

#[test]
fn a_build_error_is_a_finding_at_the_kustomization() {
    let d = tmp("overlay-broken");
    write(&d, &[("app/kustomization.yaml", "resources:\n  - deploy.yaml\n  - missing.yaml\n"), ("app/deploy.yaml", DEPLOY)]);
    let o = run_in(&d, &["--format", "json", "."], None);
    let f = findings(&o);
    let hit: Vec<_> = f.iter().filter(|x| x.0 == "build-failed").collect();
    assert_eq!(hit.len(), 1, "{f:?}");
    assert_eq!((hit[0].1.as_str(), hit[0].2, hit[0].3), ("app/kustomization.yaml", 3, 5));
    assert!(hit[0].4.contains("missing.yaml"), "{}", hit[0].4);
    assert_eq!(o.status.code(), Some(1));
}

/// `git` for a test repository.
fn git(d: &Path, args: &[&str]) {
    let o = std::process::Command::new("git").args(args).current_dir(d).output().expect("git runs");
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn repo(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("kshape-repo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    git(&d, &["init", "-q"]);
    d
}

const TRAINER: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: trainer
spec:
  serviceName: trainer
  replicas: 2
  selector:
    matchLabels: {app: trainer}
  template:
    metadata:
      labels: {app: trainer}
    spec:
      containers:
        - name: trainer
          image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
          command: [torchrun, --nnodes=2, --nproc_per_node=1, --rdzv-endpoint=trainer-0.trainer:29500, train.py]
";

const HEADLESS: &str = "apiVersion: v1
kind: Service
metadata:
  name: trainer
spec:
  clusterIP: None
  selector: {app: trainer}
  ports:
    - port: 29500
";

#[test]
fn the_hook_sees_the_rest_of_the_repository() {
    let d = repo("hook");
    write(&d, &[("deploy/trainer-svc.yaml", HEADLESS), ("deploy/trainer.yaml", TRAINER)]);
    let alone = run_in(&d, &["--format", "json", "deploy/trainer.yaml"], None);
    assert!(findings(&alone).iter().any(|x| x.0 == "statefulset-service-not-found"));
    let hook = run_in(&d, &["--format", "json", "--repo-context", "--force-exclude", "deploy/trainer.yaml"], None);
    assert_eq!(findings(&hook), [], "{}", stderr(&hook));
    assert_eq!(hook.status.code(), Some(0));
    // Findings are reported for the named files only, as a whole run reports them there.
    write(&d, &[("deploy/other.yaml", &HEADLESS.replace("clusterIP: None\n", "").replace("trainer", "other"))]);
    let whole = findings(&run_in(&d, &["--format", "json", "."], None));
    let hook = findings(&run_in(&d, &["--format", "json", "--repo-context", "deploy/trainer.yaml"], None));
    let whole_for_file: Vec<_> = whole.into_iter().filter(|x| x.1 == "deploy/trainer.yaml").collect();
    assert_eq!(hook, whole_for_file);
}

#[test]
fn the_hook_finds_the_repository_of_the_files_it_is_given() {
    let d = repo("hook-elsewhere");
    write(&d, &[("deploy/trainer-svc.yaml", HEADLESS), ("deploy/trainer.yaml", TRAINER)]);
    let file = d.join("deploy/trainer.yaml");
    let o = run_in(&std::env::temp_dir(), &["--format", "json", "--repo-context", file.to_str().unwrap()], None);
    assert_eq!(findings(&o), [], "{}", stderr(&o));
}

#[test]
fn the_hook_fails_a_staged_service_that_breaks_a_committed_statefulset() {
    let d = repo("hook-breaks");
    let broken = HEADLESS.replace("  clusterIP: None\n", "").replace("{app: trainer}", "{app: trainr}");
    write(&d, &[("deploy/trainer-svc.yaml", &broken), ("deploy/trainer.yaml", TRAINER)]);
    let o = run_in(&d, &["--format", "json", "--repo-context", "--force-exclude", "deploy/trainer-svc.yaml"], None);
    let f = findings(&o);
    // Reported where a whole run reports them (the StatefulSet), because they name the staged file.
    let rules: Vec<(&str, &str)> = f.iter().filter(|x| x.1 == "deploy/trainer.yaml").map(|x| (x.0.as_str(), x.1.as_str())).collect();
    assert!(rules.contains(&("statefulset-service-selector-mismatch", "deploy/trainer.yaml")), "{f:?}");
    assert_eq!(o.status.code(), Some(1));
    // A finding in an unstaged file that names no staged file is not reported.
    write(&d, &[("deploy/other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: o\n  lables: {a: b}\n")]);
    let f = findings(&run_in(&d, &["--format", "json", "--repo-context", "deploy/trainer-svc.yaml"], None));
    assert!(f.iter().all(|x| x.1 != "deploy/other.yaml"), "{f:?}");
}

#[test]
fn the_hook_builds_the_overlays_of_a_staged_base_file() {
    let d = overlay_tree("hook-overlay");
    git(&d, &["init", "-q"]);
    let o = run_in(&d, &["--format", "json", "--repo-context", "--force-exclude", "base/service.yaml"], None);
    let f = findings(&o);
    assert!(f.iter().any(|x| x.0 == "service-selects-nothing" && x.1 == "base/service.yaml"), "{f:?}\n{}", stderr(&o));
    // The deployment is not among the named files: nothing is reported for it.
    assert!(f.iter().all(|x| x.1 == "base/service.yaml"), "{f:?}");
}

#[test]
fn excludes_and_gitignore_apply_as_a_walk_applies_them() {
    let d = repo("excludes");
    let bad = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replica: 2\n";
    write(
        &d,
        &[
            (".gitignore", "generated/\n*.local.yaml\n!keep.local.yaml\n"),
            ("generated/out.yaml", bad),
            ("dev.local.yaml", bad),
            ("keep.local.yaml", bad),
            ("vendor/x.yaml", bad),
            (".kshape.yaml", "exclude: [vendor/**]\n"),
        ],
    );
    let walked: Vec<String> = findings(&run_in(&d, &["--format", "json"], None)).into_iter().map(|x| x.1).collect();
    assert!(walked.iter().all(|f| f == "keep.local.yaml"), "{walked:?}");
    assert!(!walked.is_empty());
    // Named: linted (the user asked), unless --force-exclude says the excludes apply.
    let named = run_in(&d, &["--format", "json", "vendor/x.yaml"], None);
    assert!(!findings(&named).is_empty());
    let forced = run_in(&d, &["--format", "json", "--force-exclude", "vendor/x.yaml", "generated/out.yaml"], None);
    assert_eq!(findings(&forced), []);
    assert_eq!(forced.status.code(), Some(0));
}

#[test]
fn named_templates_and_non_yaml_files_are_skipped_with_a_note() {
    let d = tmp("named-skips");
    write(
        &d,
        &[
            ("charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n"),
            ("charts/app/templates/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"),
            ("README.md", "# app\n"),
        ],
    );
    let o = run_in(&d, &["charts/app/templates/deploy.yaml", "README.md"], None);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("charts/app/templates/deploy.yaml: a template of Helm chart charts/app"), "{err}");
    assert!(err.contains("README.md: not a YAML or JSON file; skipped"), "{err}");
}

/// A stand-in for helm: prints a fixed rendering of the chart it is given (with the values
/// file it got, to show it is passed through), as `helm template` prints it.
fn fake_helm(dir: &Path) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = r#"#!/bin/sh
# Stand-in for `helm template CHART [--values FILE]...` (helm is not installed on the test machines).
echo "$@" >> helm-args.log
[ "$1" = template ] || { echo "Error: unknown command $1" >&2; exit 1; }
chart="$2"; shift 2
values=""
while [ $# -gt 0 ]; do [ "$1" = --values ] && values="$2"; shift; done
[ -f "$chart/Chart.yaml" ] || { echo "Error: Chart.yaml file is missing" >&2; exit 1; }
replicas=1
[ -n "$values" ] && replicas=$(sed -n 's/^replicas: //p' "$values")
cat <<EOF
---
# Source: app/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: release-name-app
spec:
  selector:
    app: ap
  ports:
    - port: 80
---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-name-app
spec:
  replicas: $replicas
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
        - name: app
          image: nginx:1.27
EOF
"#;
    let p = bin.join("helm");
    std::fs::write(&p, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

#[test]
fn a_chart_is_rendered_with_helm_when_it_is_on_path() {
    let d = tmp("helm");
    write(
        &d,
        &[
            ("charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n"),
            ("charts/app/templates/deploy.yaml", "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-app\n"),
            ("prod-values.yaml", "replicas: 3\n"),
        ],
    );
    let bin = fake_helm(&d);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = |args: &[&str], path: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kshape")).args(args).current_dir(&d).env("PATH", path).output().unwrap()
    };
    let o = run(&["--format", "json", "--kustomize", "never", "--helm-values", "prod-values.yaml", "charts"], &path);
    let f = findings(&o);
    let hit: Vec<_> = f.iter().filter(|x| x.0 == "service-selects-nothing").collect();
    assert_eq!(hit.len(), 1, "{f:?}\n{}", stderr(&o));
    assert_eq!(hit[0].1, "charts/app (helm template)");
    assert!(hit[0].4.contains("(in app/templates/service.yaml)"), "{}", hit[0].4);
    assert!(!stderr(&o).contains("Helm chart templates are not YAML"), "{}", stderr(&o));
    let args = std::fs::read_to_string(d.join("helm-args.log")).unwrap();
    assert_eq!(args.trim(), "template charts/app --values prod-values.yaml");
    // Without helm: the templates are skipped with the note, as before.
    let none = run(&["--format", "json", "--kustomize", "never", "charts"], "/usr/bin:/bin");
    assert_eq!(findings(&none), []);
    assert!(stderr(&none).contains("Helm chart templates are not YAML until rendered"), "{}", stderr(&none));
    // A chart helm cannot render is a finding at its Chart.yaml.
    std::fs::write(
        d.join("bin/helm"),
        "#!/bin/sh\necho 'Error: template: app/templates/deploy.yaml:3:20: function \"nope\" not defined' >&2\nexit 1\n",
    )
    .unwrap();
    let broken = findings(&run(&["--format", "json", "--kustomize", "never", "charts"], &path));
    assert!(
        broken.iter().any(|x| x.0 == "build-failed" && x.1 == "charts/app/Chart.yaml" && x.4.contains("function \"nope\" not defined")),
        "{broken:?}"
    );
}
