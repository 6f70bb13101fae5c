//! `--fix` and `--diff`: on the fixtures of every fixable rule, the fixed files lint clean for
//! the rule, gain no finding, and differ from the original only in the lines the fixes edit.

mod common;

use common::{root, run_in, tmp};
use kshape::rules::RuleId;
use std::collections::BTreeSet;

/// The rules that carry a fix: those whose metadata documents one.
fn fixable() -> Vec<RuleId> {
    RuleId::ALL.iter().copied().filter(|r| r.meta().autofix.is_some()).collect()
}

/// A rule's bad fixtures: its documented bad example and testdata/rules/<id>/bad*, as
/// (name, text).
fn bad_fixtures(rule: RuleId) -> Vec<(String, String)> {
    let mut v = vec![("example-bad.yaml".to_string(), rule.meta().bad.clone())];
    let mut paths: Vec<_> = std::fs::read_dir(root().join("testdata/rules").join(rule.as_str()))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().unwrap().to_string_lossy().starts_with("bad"))
        .collect();
    paths.sort();
    v.extend(paths.into_iter().map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap())));
    v
}

/// (rule, message) of every finding: positions move when lines are added or removed.
fn findings(text: &str) -> BTreeSet<(String, String)> {
    kshape::lint_str("f.yaml", text).diagnostics.iter().map(|d| (d.rule().as_str().to_string(), d.message.clone())).collect()
}

/// 1-based lines an edit touches in the original (an insertion: none; it adds lines).
fn touched_lines(text: &str, edits: &[kshape::fix::Edit]) -> BTreeSet<usize> {
    let line_of = |off: u32| text[..off as usize].matches('\n').count() + 1;
    let mut lines = BTreeSet::new();
    for e in edits {
        if e.span.start == e.span.end {
            // An insertion inside a line (`, key: v` before a flow mapping's `}`) changes that
            // line; one at a line's start adds lines and changes none.
            let at = e.span.start as usize;
            if at > 0 && !text[..at].ends_with('\n') {
                lines.insert(line_of(e.span.start));
            }
            continue;
        }
        let last = if text[..e.span.end as usize].ends_with('\n') { line_of(e.span.end) - 1 } else { line_of(e.span.end) };
        lines.extend(line_of(e.span.start)..=last);
    }
    lines
}

#[test]
fn fix_on_every_fixable_fixture_is_clean_and_minimal() {
    let dir = tmp("fix-fixtures");
    let mut fixed_some = BTreeSet::new();
    let fixable = fixable();
    for &rule in &fixable {
        for (name, original) in bad_fixtures(rule) {
            let before = kshape::lint_str(&name, &original);
            let fixable: Vec<_> = before.diagnostics.iter().filter(|d| d.rule() == rule && d.fix.is_some()).collect();
            if fixable.is_empty() {
                continue;
            }
            fixed_some.insert(rule);
            let edited: BTreeSet<usize> =
                before.diagnostics.iter().filter_map(|d| d.fix.as_ref()).flat_map(|f| touched_lines(&original, &f.edits)).collect();
            let copy = dir.join(format!("{rule}-{name}"));
            std::fs::write(&copy, &original).unwrap();
            let out = run_in(&dir, &["--no-config", "--fix", "--format", "compact", copy.to_str().unwrap()], None);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("fixed "), "{rule}/{name}: no fix reported: {stderr}");
            let fixed = std::fs::read_to_string(&copy).unwrap();
            assert_ne!(fixed, original, "{rule}/{name}: --fix changed nothing");

            // The fixed findings are gone (those without a fix stay) and nothing new appears.
            let after = kshape::lint_str(&name, &fixed);
            let left_of_rule = after.diagnostics.iter().filter(|d| d.rule() == rule).count();
            let unfixable = before.diagnostics.iter().filter(|d| d.rule() == rule && d.fix.is_none()).count();
            assert_eq!(left_of_rule, unfixable, "{rule}/{name}: fixed findings remain:\n{fixed}");
            let new: Vec<_> = findings(&fixed).difference(&findings(&original)).cloned().collect();
            assert!(new.is_empty(), "{rule}/{name}: the fix adds findings {new:?}:\n{fixed}");

            // Only the edited lines differ: every line `--diff` removes is one an edit touches.
            let diff = kshape::fix::unified_diff(&name, &original, &fixed);
            let mut old_line = 0usize;
            for l in diff.lines() {
                if let Some(h) = l.strip_prefix("@@ -") {
                    old_line = h.split([',', ' ']).next().unwrap().parse::<usize>().unwrap();
                } else if l.starts_with("---") || l.starts_with("+++") || l.starts_with('\\') {
                } else if l.starts_with('-') {
                    assert!(edited.contains(&old_line), "{rule}/{name}: line {old_line} changed but no edit touches it:\n{diff}");
                    old_line += 1;
                } else if l.starts_with(' ') {
                    old_line += 1;
                }
            }
            // A second run has nothing left to do.
            let again = run_in(&dir, &["--no-config", "--diff", copy.to_str().unwrap()], None);
            assert_eq!(again.status.code(), Some(0), "{rule}/{name}: a second --diff is not empty");
        }
    }
    let missing: Vec<_> = fixable.iter().filter(|r| !fixed_some.contains(*r)).collect();
    assert!(missing.is_empty(), "no bad fixture of {missing:?} has a fix");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn diff_writes_nothing_and_exits_1() {
    let dir = tmp("fix-diff");
    let text = RuleId::DaemonsetReplicas.meta().bad.clone();
    std::fs::write(dir.join("ds.yaml"), &text).unwrap();
    let out = run_in(&dir, &["--no-config", "--diff", "ds.yaml"], None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("--- a/ds.yaml\n+++ b/ds.yaml\n@@ "), "{stdout}");
    assert!(stdout.contains("\n-  replicas: 3\n"), "{stdout}");
    assert_eq!(std::fs::read_to_string(dir.join("ds.yaml")).unwrap(), text, "--diff wrote the file");
    // The diff is one `git apply` takes, and applying it is the fix.
    std::fs::write(dir.join("fix.diff"), stdout.as_bytes()).unwrap();
    let applied = std::process::Command::new("git")
        .args(["apply", "--unsafe-paths", "fix.diff"])
        .current_dir(&dir)
        .env("GIT_DIR", "/nonexistent")
        .output();
    if let Ok(applied) = applied {
        assert!(applied.status.success(), "git apply: {}", String::from_utf8_lossy(&applied.stderr));
        assert_eq!(std::fs::read_to_string(dir.join("ds.yaml")).unwrap(), text.replace("  replicas: 3\n", ""));
    }
    // Nothing to fix: empty diff, exit 0.
    let good = RuleId::DaemonsetReplicas.meta().good.clone();
    std::fs::write(dir.join("ds.yaml"), &good).unwrap();
    let out = run_in(&dir, &["--no-config", "--diff", "ds.yaml"], None);
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fix_rewrites_only_changed_files_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp("fix-only-changed");
    let bad = std::fs::read_to_string(root().join("testdata/rules/unknown-field/bad-typo.yaml")).unwrap();
    let good = RuleId::DaemonsetReplicas.meta().good.clone();
    std::fs::write(dir.join("bad.yaml"), &bad).unwrap();
    std::fs::write(dir.join("good.yaml"), &good).unwrap();
    std::fs::set_permissions(dir.join("bad.yaml"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let good_mtime = std::fs::metadata(dir.join("good.yaml")).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = run_in(&dir, &["--no-config", "--fix", "--format", "compact", "."], None);
    // `contianers` and `ImagePullPolcy` stay: renaming them would duplicate a key.
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert_eq!(report.matches("[unknown-field]").count(), 2, "{report}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "fixed 1 finding in 1 file\n");
    let fixed = std::fs::read_to_string(dir.join("bad.yaml")).unwrap();
    assert_eq!(fixed, bad.replace("  replica: 3", "  replicas: 3"));
    assert_eq!(std::fs::metadata(dir.join("bad.yaml")).unwrap().permissions().mode() & 0o777, 0o640);
    assert_eq!(std::fs::metadata(dir.join("good.yaml")).unwrap().modified().unwrap(), good_mtime, "an unchanged file was rewritten");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fix_on_stdin_prints_the_fixed_stream() {
    let dir = tmp("fix-stdin");
    let bad = RuleId::DaemonsetReplicas.meta().bad.clone();
    let out = run_in(&dir, &["--no-config", "--fix", "--format", "compact", "-"], Some(&bad));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, bad.replace("  replicas: 3\n", ""));
    assert_eq!(out.status.code(), Some(0));
    // The report goes to stderr; here only the summary of what was fixed.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "fixed 1 finding in 1 file\n");
    // Nothing to fix: the stream comes back unchanged, findings on stderr.
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  restartPolicy: Never\n  containers:\n    - name: c\n      image: busybox:1.36\n      resources: {limits: {memory: 48GB}}\n";
    let out = run_in(&dir, &["--no-config", "--fix", "--format", "compact", "-"], Some(text));
    assert_eq!(String::from_utf8_lossy(&out.stdout), text);
    assert!(String::from_utf8_lossy(&out.stderr).contains("[invalid-field-value]"));
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn context_files_are_never_fixed() {
    let dir = tmp("fix-context");
    let bad = RuleId::DaemonsetReplicas.meta().bad.clone();
    std::fs::write(dir.join("ctx.yaml"), &bad).unwrap();
    std::fs::write(dir.join("in.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n").unwrap();
    let out = run_in(&dir, &["--no-config", "--fix", "--context", "ctx.yaml", "in.yaml"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.join("ctx.yaml")).unwrap(), bad);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fixes keep the author's style: flow collections stay flow, list indentation is copied,
/// quotes are kept, CRLF files stay CRLF.
#[test]
fn fixes_follow_the_file_style() {
    let cases: &[(&str, &str, &str)] = &[
        // Flow-style tolerations get a flow item.
        (
            "gpu-daemonset-missing-toleration",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: dcgm\nspec:\n  selector:\n    matchLabels: {app: dcgm}\n  template:\n    metadata:\n      labels: {app: dcgm}\n    spec:\n      tolerations: [{key: CriticalAddonsOnly, operator: Exists}]\n      containers:\n      - name: dcgm\n        image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: gpu-1\nspec:\n  taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]\n",
            "      tolerations: [{key: CriticalAddonsOnly, operator: Exists}, {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]\n",
        ),
        // No tolerations: created with the file's unindented list style.
        (
            "gpu-daemonset-missing-toleration",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n    name: dcgm\nspec:\n    selector:\n        matchLabels: {app: dcgm}\n    template:\n        metadata:\n            labels: {app: dcgm}\n        spec:\n            containers:\n            - name: dcgm\n              image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04\n            # trailing comment\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: gpu-1\nspec:\n  taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]\n",
            "              image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04\n            tolerations:\n            - key: nvidia.com/gpu\n              operator: Exists\n              effect: NoSchedule\n            # trailing comment\n",
        ),
        // An existing block list gets an item at its dashes' column.
        (
            "gpu-daemonset-missing-toleration",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: dcgm\nspec:\n  selector:\n    matchLabels: {app: dcgm}\n  template:\n    metadata:\n      labels: {app: dcgm}\n    spec:\n      tolerations:\n      - key: CriticalAddonsOnly\n        operator: Exists\n\n      containers:\n      - name: dcgm\n        image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: gpu-1\nspec:\n  taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]\n",
            "      - key: CriticalAddonsOnly\n        operator: Exists\n      - key: nvidia.com/gpu\n        operator: Exists\n        effect: NoSchedule\n\n      containers:\n",
        ),
        // The pod spec ends in a block scalar: the new key goes after its last line, not inside it.
        (
            "gpu-daemonset-missing-toleration",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: dcgm\nspec:\n  selector:\n    matchLabels: {app: dcgm}\n  template:\n    metadata:\n      labels: {app: dcgm}\n    spec:\n      nodeSelector: {nvidia.com/gpu.present: \"true\"}\n      containers:\n        - name: probe\n          image: busybox:1.36\n          args:\n            - |\n              while true; do\n                sleep 60\n              done\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: gpu-1\nspec:\n  taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]\n",
            "                sleep 60\n              done\n      tolerations:\n        - key: nvidia.com/gpu\n          operator: Exists\n          effect: NoSchedule\n\n---\n",
        ),
        // A quoted apiVersion stays quoted.
        (
            "removed-api-version",
            "apiVersion: \"extensions/v1beta1\"\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
            "apiVersion: \"apps/v1\"\n",
        ),
        // Existing limits, flow style.
        (
            "gpu-limit-missing",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: t\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: t\n          image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime\n          resources:\n            requests: {nvidia.com/gpu: \"4\", memory: 8Gi}\n            limits: {memory: 8Gi}\n",
            "            limits: {memory: 8Gi, nvidia.com/gpu: \"4\"}\n",
        ),
        // CRLF line endings.
        (
            "daemonset-replicas",
            "apiVersion: apps/v1\r\nkind: DaemonSet\r\nmetadata:\r\n  name: x\r\nspec:\r\n  replicas: 2 # two\r\n  selector:\r\n    matchLabels: {app: x}\r\n  template:\r\n    metadata:\r\n      labels: {app: x}\r\n    spec:\r\n      containers:\r\n        - name: x\r\n          image: busybox:1.36\r\n",
            "spec:\r\n  selector:\r\n",
        ),
    ];
    for (rule, text, expect) in cases {
        let l = kshape::lint_str("f.yaml", text);
        let fixes: Vec<_> = l.diagnostics.iter().filter(|d| d.rule().as_str() == *rule).filter_map(|d| d.fix.clone()).collect();
        assert_eq!(fixes.len(), 1, "{rule}: {}", common::compact(&l));
        let fixed = kshape::fix::apply(text, &fixes[0].edits).unwrap();
        assert!(fixed.contains(expect), "{rule}: expected {expect:?} in:\n{fixed}");
        assert!(
            !kshape::lint_str("f.yaml", &fixed).diagnostics.iter().any(|d| d.rule().as_str() == *rule),
            "{rule}: still fires:\n{fixed}"
        );
    }
}

/// Where a fix would be a guess, there is none.
#[test]
fn no_fix_where_it_would_be_a_guess() {
    let cases: &[(&str, &str)] = &[
        // apps/v1 needs a selector this Deployment does not have.
        (
            "removed-api-version",
            "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
        ),
        // rollbackTo does not exist in apps/v1.
        (
            "removed-api-version",
            "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  rollbackTo: {revision: 1}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
        ),
        // Not a workload: the Ingress schema changed.
        ("removed-api-version", "apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  backend:\n    serviceName: web\n    servicePort: 80\n"),
        // A limit that differs from the request: which one is meant is the author's call.
        (
            "gpu-limit-missing",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: t\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: t\n          image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime\n          resources:\n            requests: {nvidia.com/gpu: 4}\n            limits: {nvidia.com/gpu: 2}\n",
        ),
        // A GPU node agent should not hold a GPU at all (gpu-agent-requests-gpu): no limit to add.
        (
            "gpu-limit-missing",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: dcgm\nspec:\n  selector:\n    matchLabels: {app: dcgm}\n  template:\n    metadata:\n      labels: {app: dcgm}\n    spec:\n      tolerations: [{key: nvidia.com/gpu, operator: Exists}]\n      containers:\n        - name: dcgm\n          image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04\n          resources:\n            requests: {nvidia.com/gpu: 1}\n",
        ),
        // Renaming would duplicate a key the mapping already has.
        (
            "unknown-field",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replica: 3\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
        ),
        // The value is an alias: its text is the anchor's, elsewhere.
        (
            "daemonset-replicas",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: x\n  annotations: {count: &n \"3\"}\nspec:\n  replicas: *n\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      containers:\n        - name: x\n          image: busybox:1.36\n",
        ),
        // A block scalar: its span is the content lines, after a header an edit would keep.
        (
            "removed-api-version",
            "apiVersion: |-\n  extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
        ),
        // `replicas` inside a flow mapping: removing its line would break the document.
        (
            "daemonset-replicas",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: x}\nspec: {replicas: 2, selector: {matchLabels: {app: x}}, template: {metadata: {labels: {app: x}}, spec: {containers: [{name: x, image: busybox}]}}}\n",
        ),
    ];
    for (rule, text) in cases {
        let l = kshape::lint_str("f.yaml", text);
        let d: Vec<_> = l.diagnostics.iter().filter(|d| d.rule().as_str() == *rule).collect();
        assert!(!d.is_empty(), "{rule} does not fire:\n{}", common::compact(&l));
        assert!(d.iter().all(|d| d.fix.is_none()), "{rule} offers a fix for:\n{text}");
    }
}

/// JSON manifests get only in-place renames and replacements, never YAML-styled lines.
#[test]
fn json_files_get_no_yaml_insertions() {
    let text = r#"{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "t"},
 "spec": {"serviceName": "t", "replicas": 1, "selector": {"matchLabels": {"app": "t"}},
  "template": {"metadata": {"labels": {"app": "t"}}, "spec": {"containers": [{"name": "t", "image": "x:1", "imagePullPolcy": "Always", "args": ["--peers=t-0.t"],
   "resources": {"requests": {"nvidia.com/gpu": 1}}}]}}}}
"#;
    let l = kshape::lint_str("t.json", text);
    let rules: BTreeSet<&str> = l.diagnostics.iter().map(|d| d.rule().as_str()).collect();
    assert!(rules.contains("statefulset-service-not-found") && rules.contains("gpu-limit-missing"), "{rules:?}");
    let fixes: Vec<_> = l.diagnostics.iter().filter_map(|d| d.fix.as_ref().map(|f| (d.rule().as_str(), f))).collect();
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert_eq!(fixes[0].0, "unknown-field");
    assert_eq!(fixes[0].1.edits[0].text, "\"imagePullPolicy\"");
}

/// The replicas of each Deployment in a text, by name.
fn deployment_replicas(text: &str) -> Vec<(String, Option<i32>)> {
    let l = kshape::lint_str("f.yaml", text);
    l.index
        .objects
        .iter()
        .filter_map(|o| match &o.typed {
            Some(kshape::model::Typed::Deployment(d)) => Some((o.name.clone().unwrap_or_default(), d.spec.replicas)),
            _ => None,
        })
        .collect()
}

/// A finding inside an anchored block points at the anchor's definition; a fix there would
/// change every object (or field) that uses the alias too. There is none (issue #13, part 5).
#[test]
fn fixes_never_change_text_an_alias_repeats() {
    let cases: &[(&str, &str)] = &[
        ("daemonset-replicas", "bad-anchored-rollout.yaml"),
        ("gpu-daemonset-missing-toleration", "bad-anchored-pod-spec.yaml"),
        ("unknown-field", "bad-anchored-spec.yaml"),
        ("unknown-field", "bad-anchored-key.yaml"),
        ("removed-api-version", "bad-aliased-api-version.yaml"),
        ("gpu-limit-missing", "bad-anchored-resources.yaml"),
    ];
    for (rule, name) in cases {
        let text = std::fs::read_to_string(root().join("testdata/rules").join(rule).join(name)).unwrap();
        let l = kshape::lint_str(name, &text);
        let d: Vec<_> = l.diagnostics.iter().filter(|d| d.rule().as_str() == *rule).collect();
        assert!(!d.is_empty(), "{rule}/{name} does not fire:\n{}", common::compact(&l));
        assert!(d.iter().all(|d| d.fix.is_none()), "{rule}/{name}: a fix edits text an alias repeats");
    }

    // The issue's case: `--fix` leaves the Deployment at 3 replicas (and the DaemonSet's finding).
    let dir = tmp("fix-anchor");
    let text = std::fs::read_to_string(root().join("testdata/rules/daemonset-replicas/bad-anchored-rollout.yaml")).unwrap();
    assert_eq!(deployment_replicas(&text), vec![("web".to_string(), Some(3))]);
    std::fs::write(dir.join("list.yaml"), &text).unwrap();
    let out = run_in(&dir, &["--no-config", "--fix", "--format", "compact", "list.yaml"], None);
    let fixed = std::fs::read_to_string(dir.join("list.yaml")).unwrap();
    assert_eq!(deployment_replicas(&fixed), vec![("web".to_string(), Some(3))], "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("[daemonset-replicas]"));

    // An anchor no alias uses, and aliases elsewhere in the object, leave the fix as it was.
    let text = std::fs::read_to_string(root().join("testdata/rules/daemonset-replicas/bad-aliases-elsewhere.yaml")).unwrap();
    let l = kshape::lint_str("f.yaml", &text);
    assert!(l.diagnostics.iter().any(|d| d.rule() == RuleId::DaemonsetReplicas && d.fix.is_some()));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `YamlFile::is_shared`: what an alias names, what is inside it (merged entries included),
/// and nothing else; alias cycles end.
#[test]
fn shared_nodes_are_those_an_alias_reaches() {
    let text = "a: &x {b: 1, c: [2]}\nd: *x\ne: &y 3\nf: {<<: &m {g: 4}}\nh: {<<: *m}\n";
    let y = kshape::yaml::parse(text);
    let root = y.docs[0].root.unwrap();
    let shared = |path: &[&'static str]| {
        let steps: Vec<kshape::yaml::Step> = path.iter().map(|&k| kshape::yaml::Step::Key(k.into())).collect();
        y.is_shared(y.lookup(root, &steps).unwrap())
    };
    assert!(shared(&["a"]) && shared(&["a", "b"]) && shared(&["a", "c"]));
    assert!(!shared(&["e"]), "an anchor without an alias is not shared");
    assert!(shared(&["f", "g"]) && shared(&["h", "g"]));
    assert!(!shared(&["f"]) && !shared(&["h"]) && !y.is_shared(root));
    // An alias inside its own anchor: marking ends.
    let cyclic = kshape::yaml::parse("a: &x [1, *x]\n");
    let a = cyclic.lookup(cyclic.docs[0].root.unwrap(), &kshape::path!["a"]).unwrap();
    assert!(cyclic.is_shared(a));
}

/// A `|+` block scalar keeps its final line breaks: the toleration goes after them, and the
/// container argument is the same string before and after.
#[test]
fn toleration_after_a_block_scalar_that_keeps_its_line_breaks() {
    let name = "testdata/rules/gpu-daemonset-missing-toleration/bad-keep-chomping.yaml";
    let text = std::fs::read_to_string(root().join(name)).unwrap();
    let arg = |t: &str| {
        let l = kshape::lint_str("f.yaml", t);
        let o = l.index.objects.iter().find(|o| o.kind == "DaemonSet").unwrap();
        let Some(kshape::model::Typed::DaemonSet(d)) = &o.typed else { panic!() };
        d.spec.template.spec.as_ref().unwrap().containers[0].args.clone().unwrap()
    };
    assert_eq!(arg(&text), vec!["while true; do\n  sleep 60\ndone\n\n\n".to_string()]);
    let l = kshape::lint_str("f.yaml", &text);
    let fix = l.diagnostics.iter().find_map(|d| d.fix.clone()).expect("a fix");
    let fixed = kshape::fix::apply(&text, &fix.edits).unwrap();
    assert_eq!(arg(&fixed), arg(&text), "the fix changed the argument:\n{fixed}");
    assert!(!kshape::lint_str("f.yaml", &fixed).diagnostics.iter().any(|d| d.rule() == RuleId::GpuDaemonsetMissingToleration));
}

/// The headless Service would select the selector's labels, which no pod carries while the
/// selector does not select the template: no fix then, and the help says what comes first.
#[test]
fn no_headless_service_while_the_selector_misses_the_template() {
    let text = std::fs::read_to_string(root().join("testdata/rules/statefulset-service-not-found/bad-selector-mismatch.yaml")).unwrap();
    let l = kshape::lint_str("f.yaml", &text);
    let rules: BTreeSet<&str> = l.diagnostics.iter().map(|d| d.rule().as_str()).collect();
    assert!(rules.contains("selector-template-mismatch"), "{rules:?}");
    let d = l.diagnostics.iter().find(|d| d.rule() == RuleId::StatefulsetServiceNotFound).unwrap();
    assert!(d.fix.is_none());
    assert!(d.help.contains("selector-template-mismatch"), "{}", d.help);
    // Once they agree, the fix is back.
    let l = kshape::lint_str("f.yaml", &text.replace("{app: database}", "{app: db}"));
    assert!(l.diagnostics.iter().any(|d| d.rule() == RuleId::StatefulsetServiceNotFound && d.fix.is_some()));
}

fn run_bytes(dir: &std::path::Path, args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_kshape"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// A stream that is not UTF-8 is never fixed, and `--fix -` gives its bytes back unchanged.
#[test]
fn fix_on_stdin_echoes_bytes_that_are_not_utf8() {
    let dir = tmp("fix-stdin-bytes");
    let mut bytes = RuleId::DaemonsetReplicas.meta().bad.clone().into_bytes();
    bytes.extend_from_slice(b"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: \"\xff\xfe\"\n");
    let out = run_bytes(&dir, &["--no-config", "--fix", "--format", "compact", "-"], &bytes);
    assert_eq!(out.stdout, bytes);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("fixed"), "{}", String::from_utf8_lossy(&out.stderr));
    let clean = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: \"\xc3\"\n";
    let out = run_bytes(&dir, &["--no-config", "--fix", "-"], clean);
    assert_eq!(out.stdout, clean.to_vec());
    let _ = std::fs::remove_dir_all(&dir);
}

/// On standard input the report goes to stderr: with json or sarif it is all there is there.
#[test]
fn fix_on_stdin_keeps_machine_formats_clean() {
    let dir = tmp("fix-stdin-json");
    let bad = RuleId::DaemonsetReplicas.meta().bad.clone();
    for format in ["json", "sarif"] {
        let out = run_in(&dir, &["--no-config", "--fix", "--statistics", "--format", format, "-"], Some(&bad));
        assert_eq!(String::from_utf8_lossy(&out.stdout), bad.replace("  replicas: 3\n", ""));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(serde_json::from_str::<serde_json::Value>(&stderr).is_ok(), "{format}: stderr is not only the report:\n{stderr}");
    }
    // Files: the report is on stdout, the summary on stderr.
    std::fs::write(dir.join("ds.yaml"), &bad).unwrap();
    let out = run_in(&dir, &["--no-config", "--fix", "--format", "json", "ds.yaml"], None);
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).is_ok());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "fixed 1 finding in 1 file\n");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--fix` over a writable, a read-only and a file that cannot be written (a file-size limit,
/// as a full disk or a quota fails a write; it applies to root too): the writable one is fixed,
/// the other two are reported and left as they were, the report shows their findings, exit 2.
#[cfg(unix)]
#[test]
fn fix_tries_every_file_and_reports_those_it_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp("fix-unwritable");
    let bad = RuleId::DaemonsetReplicas.meta().bad.clone();
    // Under 512 bytes (one block of `ulimit -f 1`) fixed; `big.yaml` is over it.
    assert!(bad.len() < 512);
    let big = format!("{bad}{}", "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: padding\n".repeat(12));
    assert!(big.len() > 600);
    std::fs::write(dir.join("a-ok.yaml"), &bad).unwrap();
    std::fs::write(dir.join("b-readonly.yaml"), &bad).unwrap();
    std::fs::write(dir.join("c-big.yaml"), &big).unwrap();
    std::fs::set_permissions(dir.join("b-readonly.yaml"), std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = std::process::Command::new("sh")
        .args(["-c", "ulimit -f 1 && trap '' XFSZ && exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_kshape")])
        .args(["--no-config", "--fix", "--format", "compact", "a-ok.yaml", "b-readonly.yaml", "c-big.yaml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert_eq!(std::fs::read_to_string(dir.join("a-ok.yaml")).unwrap(), bad.replace("  replicas: 3\n", ""));
    assert_eq!(std::fs::read_to_string(dir.join("b-readonly.yaml")).unwrap(), bad);
    assert_eq!(std::fs::read_to_string(dir.join("c-big.yaml")).unwrap(), big);
    assert_eq!(std::fs::metadata(dir.join("b-readonly.yaml")).unwrap().permissions().mode() & 0o777, 0o444);
    assert!(stderr.contains("error: b-readonly.yaml: read-only (mode 444); not fixed\n"), "{stderr}");
    assert!(stderr.contains("error: c-big.yaml: File too large; not fixed\n"), "{stderr}");
    assert!(stderr.ends_with("fixed 1 finding in 1 file\n"), "{stderr}");
    // The report is about the files as they are now.
    assert!(!stdout.contains("a-ok.yaml"), "{stdout}");
    assert!(stdout.contains("b-readonly.yaml:") && stdout.contains("c-big.yaml:"), "{stdout}");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A hard-linked file stays one file with two names (written in place); a file keeps its owner
/// and group (when we may give them: as root) and its mode.
#[cfg(unix)]
#[test]
fn fix_keeps_hard_links_owner_and_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tmp("fix-links");
    let bad = RuleId::DaemonsetReplicas.meta().bad.clone();
    let fixed = bad.replace("  replicas: 3\n", "");
    std::fs::write(dir.join("a.yaml"), &bad).unwrap();
    std::fs::hard_link(dir.join("a.yaml"), dir.join("b.yaml")).unwrap();
    std::fs::write(dir.join("c.yaml"), &bad).unwrap();
    std::fs::set_permissions(dir.join("c.yaml"), std::fs::Permissions::from_mode(0o604)).unwrap();
    let root_user = std::fs::metadata(dir.join("c.yaml")).unwrap().uid() == 0;
    if root_user {
        std::os::unix::fs::chown(dir.join("c.yaml"), Some(4242), Some(4343)).unwrap();
    }
    let out = run_in(&dir, &["--no-config", "--fix", "--format", "compact", "a.yaml", "c.yaml"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let (a, b, c) = (dir.join("a.yaml"), dir.join("b.yaml"), dir.join("c.yaml"));
    assert_eq!(std::fs::read_to_string(&b).unwrap(), fixed, "the other name of the file was not fixed");
    assert_eq!(std::fs::metadata(&a).unwrap().ino(), std::fs::metadata(&b).unwrap().ino());
    assert_eq!(std::fs::metadata(&a).unwrap().nlink(), 2);
    assert_eq!(std::fs::read_to_string(&c).unwrap(), fixed);
    let m = std::fs::metadata(&c).unwrap();
    assert_eq!(m.permissions().mode() & 0o7777, 0o604);
    if root_user {
        assert_eq!((m.uid(), m.gid()), (4242, 4343));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
