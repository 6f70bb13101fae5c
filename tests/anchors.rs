//! Property test: a fix never changes text an alias repeats. Two workloads of one `List` share
//! a block through an anchor (merged rollout settings, a whole pod spec, a container's
//! resources) that holds what fixable rules fire on (`replicas` in a DaemonSet, a misspelt key,
//! a GPU request without a limit, a GPU DaemonSet without a toleration); after `--fix` the
//! anchored block, and the line that follows it, are exactly as they were.

use proptest::prelude::*;
use proptest::strategy::ValueTree;

#[derive(Debug, Clone)]
struct Case {
    text: String,
    /// The anchored block and the first line after it, as written.
    shared: String,
}

fn kind() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("Deployment"), Just("DaemonSet"), Just("StatefulSet")]
}

/// A pod spec at `ind` spaces: a GPU node selector, a misspelt key, a GPU request without a
/// limit, each now and then; `resources` replaces the container's resources when given.
fn pod_spec(ind: usize, gpu_node: bool, typo: bool, gpu: u8, resources: Option<&str>) -> String {
    let p = " ".repeat(ind);
    let mut s = String::new();
    if gpu_node {
        s.push_str(&format!("{p}nodeSelector:\n{p}  nvidia.com/gpu.present: \"true\"\n"));
    }
    s.push_str(&format!("{p}containers:\n{p}  - name: main\n{p}    image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8\n"));
    if typo {
        s.push_str(&format!("{p}    imagePullPolcy: Always\n"));
    }
    match resources {
        Some(r) => s.push_str(&format!("{p}    resources: {r}\n")),
        None if gpu > 0 => s.push_str(&format!("{p}    resources:\n{p}      requests:\n{p}        nvidia.com/gpu: {gpu}\n")),
        None => {}
    }
    s
}

/// One item of the List: `top` goes first in its spec, `template_spec` is the whole
/// `spec:` line and block of its pod template.
fn item(kind: &str, name: &str, top: &str, template_spec: &str) -> String {
    let svc = if kind == "StatefulSet" { format!("      serviceName: {name}\n") } else { String::new() };
    format!(
        "  - apiVersion: apps/v1\n    kind: {kind}\n    metadata:\n      name: {name}\n    spec:\n{svc}{top}      selector:\n        matchLabels: {{app: {name}}}\n      template:\n        metadata:\n          labels: {{app: {name}}}\n{template_spec}"
    )
}

prop_compose! {
    fn case()(first in kind(), second in kind(), shape in 0u8..3, replicas in 1u8..5, gpu_node in any::<bool>(),
              typo in any::<bool>(), gpu in 0u8..3) -> Case {
        let head = "apiVersion: v1\nkind: List\nitems:\n";
        match shape {
            // Rollout settings merged into both specs.
            0 => {
                let anchored = format!("      <<: &shared\n        replicas: {replicas}\n        revisionHistoryLimit: 5\n");
                let spec = |_| format!("        spec:\n{}", pod_spec(10, gpu_node, typo, gpu, None));
                let a = item(first, "one", &anchored, &spec(()));
                let b = item(second, "two", "      <<: *shared\n", &spec(()));
                let shared = format!("{anchored}      selector:\n");
                Case { text: format!("{head}{a}{b}"), shared }
            }
            // One pod spec for both templates.
            1 => {
                let block = pod_spec(10, gpu_node, typo, gpu, None);
                let a = item(first, "one", "", &format!("        spec: &shared\n{block}"));
                let b = item(second, "two", "", "        spec: *shared\n");
                let shared = format!("spec: &shared\n{block}  - apiVersion: apps/v1\n    kind: {second}\n");
                Case { text: format!("{head}{a}{b}"), shared }
            }
            // One container's resources for both.
            _ => {
                let res = format!("&shared {{requests: {{nvidia.com/gpu: {}}}}}", gpu.max(1));
                let a = item(first, "one", "", &format!("        spec:\n{}", pod_spec(10, gpu_node, typo, 0, Some(&res))));
                let b = item(second, "two", "", &format!("        spec:\n{}", pod_spec(10, gpu_node, typo, 0, Some("*shared"))));
                let shared = format!("resources: {res}\n");
                Case { text: format!("{head}{a}{b}"), shared }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn fixes_leave_anchored_blocks_as_they_are(c in case()) {
        let parsed = kshape::yaml::parse(&c.text);
        prop_assert!(parsed.errors.is_empty(), "generated YAML does not parse:\n{}", c.text);
        prop_assert!(c.text.contains(&c.shared));
        let file = kshape::source::SourceFile::new("list.yaml", c.text.clone());
        let settings = kshape::index::Settings { threads: 1, ..Default::default() };
        let fixed = kshape::fix_full(vec![file], "default", None, &settings, &Default::default());
        let out = &fixed.lint.index.files[0].source.text;
        prop_assert!(out.contains(&c.shared), "a fix changed the anchored block:\n--- before\n{}\n--- after\n{}", c.text, out);
        prop_assert!(kshape::yaml::parse(out).errors.is_empty(), "a fix broke the YAML:\n{}", out);
    }
}

/// The generator reaches what it is for: findings of fixable rules inside the shared blocks.
#[test]
fn the_generated_cases_hold_fixable_findings() {
    let runner_cases =
        [(0u8, "DaemonSet", "daemonset-replicas"), (1, "DaemonSet", "unknown-field"), (2, "Deployment", "gpu-limit-missing")];
    for (shape, kind, rule) in runner_cases {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut found = false;
        for _ in 0..200 {
            let c = case().new_tree(&mut runner).unwrap().current();
            if !c.text.contains(&format!("kind: {kind}")) || !matches_shape(&c, shape) {
                continue;
            }
            let l = kshape::lint_str("list.yaml", &c.text);
            if l.diagnostics.iter().any(|d| d.rule().as_str() == rule) {
                found = true;
                break;
            }
        }
        assert!(found, "no generated case of shape {shape} gives {rule}");
    }
}

fn matches_shape(c: &Case, shape: u8) -> bool {
    match shape {
        0 => c.shared.starts_with("      <<:"),
        1 => c.shared.starts_with("spec:"),
        _ => c.shared.starts_with("resources:"),
    }
}
