//! Property test: random valid workloads never crash the linter, every finding's span lies in
//! the file, every finding's field path leads to its span, and output is deterministic.

use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,12}[a-z0-9]"
}

fn image() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("vllm/vllm-openai:v0.6.3".to_string()),
        Just("pytorch/pytorch:2.4.0".to_string()),
        Just("nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8".to_string()),
        Just("postgres:16".to_string()),
        Just("nginx:1.27".to_string()),
        "[a-z]{3,8}/[a-z]{3,8}:[0-9]\\.[0-9]",
    ]
}

fn command() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("command: [\"torchrun\", \"--nnodes=2\", \"train.py\"]".to_string()),
        Just("args: [\"--model\", \"m\", \"--pipeline-parallel-size\", \"2\"]".to_string()),
        Just("command: [\"sh\", \"-c\", \"ray start --address=head:6379 --block\"]".to_string()),
    ]
}

fn quantity() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("500m".to_string()),
        Just("2Gi".to_string()),
        Just("0.5".to_string()),
        Just("512MB".to_string())
    ]
}

fn indent(block: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    block.lines().map(|l| format!("{pad}{l}\n")).collect()
}

prop_compose! {
    fn manifest()(kind in prop_oneof![Just("Deployment"), Just("StatefulSet"), Just("DaemonSet"), Just("Job"), Just("Pod")],
                  n in name(), label in name(), other in name(), replicas in -1i32..5, img in image(), cmd in command(),
                  gpu in 0u8..3, mem in quantity(), port in 0u32..70000, env in proptest::option::of(name()),
                  with_service in any::<bool>(), headless in any::<bool>(), tol in any::<bool>(), req in any::<bool>(),
                  omit in 0u8..8) -> String {
        // The pod spec at indentation 0.
        let mut pod = String::new();
        if tol {
            pod.push_str("tolerations:\n  - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}\n");
        }
        // Now and then a required field is missing: its finding has a path that does not resolve.
        let image = if omit == 5 { String::new() } else { format!("    image: {img}\n") };
        pod.push_str(&format!("containers:\n  - name: {n}\n{image}"));
        pod.push_str(&indent(cmd.trim(), 4));
        // Requests alone (no limit) or limits alone.
        let part = if req { "requests" } else { "limits" };
        pod.push_str(&format!("    resources:\n      {part}: {{memory: {mem}, nvidia.com/gpu: {gpu}}}\n    ports:\n      - containerPort: {port}\n"));
        if let Some(e) = env {
            pod.push_str(&format!("    env:\n      - name: MASTER_ADDR\n        value: {e}\n      - name: WORLD_SIZE\n        value: \"{}\"\n", replicas.max(0) * 2));
        }
        let body = match kind {
            "Pod" => format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {n}\n  labels: {{app: {label}}}\nspec:\n{}", indent(&pod, 2)),
            "Job" => format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {n}\nspec:\n  parallelism: {}\n  template:\n    metadata:\n      labels: {{app: {label}}}\n    spec:\n      restartPolicy: Never\n{}", replicas.max(0), indent(&pod, 6)),
            k => {
                // A DaemonSet gets `replicas` now and then (daemonset-replicas).
                let reps = if k == "DaemonSet" && replicas < 2 { String::new() } else { format!("  replicas: {replicas}\n") };
                let svc = if k == "StatefulSet" { format!("  serviceName: {other}\n") } else { String::new() };
                format!("apiVersion: apps/v1\nkind: {k}\nmetadata:\n  name: {n}\nspec:\n{reps}{svc}  selector:\n    matchLabels: {{app: {label}}}\n  template:\n    metadata:\n      labels: {{app: {label}}}\n    spec:\n{}", indent(&pod, 6))
            }
        };
        let mut text = match omit {
            3 => body.replacen(&format!("metadata:\n  name: {n}\n"), "metadata:\n", 1),
            4 => body.replacen(&format!("  selector:\n    matchLabels: {{app: {label}}}\n"), "", 1),
            _ => body,
        };
        if with_service {
            let ip = if headless { "  clusterIP: None\n" } else { "" };
            text.push_str(&format!("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {other}\nspec:\n{ip}  selector: {{app: {label}}}\n  ports:\n    - port: 80\n"));
        }
        text
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invariants(text in manifest()) {
        let a = kshape::lint_str("p.yaml", &text);
        let b = kshape::lint_str("p.yaml", &text);
        prop_assert_eq!(a.render(kshape::report::Format::Json, false), b.render(kshape::report::Format::Json, false));
        // The generator writes valid YAML: the properties are about objects, not syntax errors.
        prop_assert!(a.index.stats.objects >= 1 && !a.diagnostics.iter().any(|d| d.rule() == kshape::rules::RuleId::YamlSyntax), "generated YAML does not parse:\n{}\n{}", text, kshape::lint_str("p.yaml", &text).render(kshape::report::Format::Compact, false));
        let f = &a.index.files[0];
        for d in &a.diagnostics {
            prop_assert!(d.span.start <= d.span.end && d.span.end as usize <= text.len(), "span outside the file: {:?}", d);
            // Every finding here is about one of the generated objects, at a field path.
            let (Some(p), Some(_)) = (d.path.as_ref(), d.object.as_ref()) else {
                prop_assert!(false, "{} has no path or no object: {:?}\n{}", d.rule(), d, text);
                continue;
            };
            let root = a.index.objects.iter().find(|o| Some(o.root) == d.object_root).map(|o| o.root);
            let Some(root) = root else {
                prop_assert!(false, "{} at {}: object_root is none of the objects", d.rule(), p);
                continue;
            };
            let y = &f.yaml();
            match y.lookup(root, p) {
                Some(node) => {
                    let v = y.span(node);
                    let k = y.lookup_key(root, p).map(|k| y.span(k));
                    let inside = d.span.start >= v.start && d.span.end <= v.end;
                    prop_assert!(inside || Some(d.span) == k, "{} at {:?}: path {} is at {:?} (key {:?})\n{}", d.rule(), d.span, p, v, k, text);
                }
                // The path names something missing: the finding points where it belongs, at the
                // key of the deepest mapping on the path that exists; a list item has no key of
                // its own, so for a field missing from one the finding lies inside the item.
                None => {
                    let m = y.missing_span(root, p);
                    let holder = (0..p.len()).rev().find_map(|n| y.lookup(root, &p[..n]).map(|h| (n, h)));
                    let in_item = holder.is_some_and(|(n, h)| {
                        let item = y.span(h);
                        matches!(n.checked_sub(1).and_then(|i| p.get(i)), Some(kshape::yaml::Step::Index(_)))
                            && d.span.start >= item.start
                            && d.span.end <= item.end
                    });
                    prop_assert!(d.span == m || in_item, "{} at {:?}: missing {} belongs at {:?}\n{}", d.rule(), d.span, p, m, text);
                }
            }
        }
    }

    /// Fixing terminates, never breaks the YAML, removes every finding it fixed and adds none;
    /// what is left has no fix.
    #[test]
    fn fixes_converge_without_new_findings(text in manifest()) {
        let file = kshape::source::SourceFile::new("p.yaml", text.clone());
        let fixed = kshape::fix_full(vec![file], "default", None, &kshape::index::Settings::default(), &Default::default());
        let out = fixed.lint.index.files[0].source.text.clone();
        let after = kshape::lint_str("p.yaml", &out);
        prop_assert!(!after.diagnostics.iter().any(|d| d.rule().as_str() == "yaml-syntax"), "fix broke the YAML:\n{}", out);
        prop_assert!(after.diagnostics.iter().all(|d| d.fix.is_none()), "fixes left:\n{}", out);
        let key = |l: &kshape::Lint| l.diagnostics.iter().map(|d| (d.rule().as_str(), d.message.clone())).collect::<std::collections::BTreeSet<_>>();
        let before = key(&kshape::lint_str("p.yaml", &text));
        // master-addr-mismatch judges bare names only once a Service is among the inputs: the
        // Service a fix adds can reveal a wrong MASTER_ADDR that was there all along.
        let new: Vec<_> = key(&after).difference(&before).filter(|(r, _)| *r != "master-addr-mismatch").cloned().collect();
        prop_assert!(new.is_empty(), "new findings {:?} after fixing:\n{}", new, out);
    }
}
