//! Scaling property: relational rules report at most once per object and their work grows
//! linearly (issue #13). A generated directory of N objects shares selectors, names and labels
//! the ways that were quadratic (copies of one workload, many workloads sharing a label with
//! distinct selectors, one broad selector over many templates, two files of one directory that
//! define the same objects, many Services, autoscalers and StatefulSets naming one target, a
//! claim many workloads mount); N = 10 … 5,000.
//!
//! The timing check compares N = 5,000 against N = 500 with a generous factor (25× for 10× the
//! input), so it holds in a debug build on a loaded two-core machine; the quadratic paths it
//! guards against took 100× and more.

use kshape::rules::{self, RuleId, Selection};
use kshape::source::SourceFile;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

fn file(name: &str, text: String) -> SourceFile {
    SourceFile::new(name, text)
}

fn deployment(out: &mut String, name: &str, selector: &str, labels: &str, extra: &str) {
    let _ = write!(
        out,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {selector}\n  template:\n    metadata:\n      labels: {labels}\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n          ports: [{{containerPort: 80, name: http}}]\n{extra}---\n"
    );
}

/// About 1.4 × `n` objects in one directory (`mix/`), in three files, and the findings expected of
/// the rules whose output used to be quadratic.
fn generate(n: usize) -> (Vec<SourceFile>, usize, BTreeMap<RuleId, usize>) {
    let (fifth, tenth) = ((n / 5).max(2), (n / 10).max(2));
    let copies = 2 * fifth;
    let mut a = String::new();
    // Copies of one workload: one selector, one claim.
    let claim = "          volumeMounts: [{name: data, mountPath: /data}]\n      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]\n";
    for i in 0..fifth {
        deployment(&mut a, &format!("web-{i}"), "{app: web}", "{app: web}", claim);
    }
    a.push_str("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\n");
    // One label shared, selectors distinct; then one selector over all of them.
    for i in 0..tenth {
        deployment(&mut a, &format!("api-{i}"), &format!("{{app: api, id: i{i}}}"), &format!("{{app: api, id: i{i}, tier: x}}"), "");
    }
    deployment(&mut a, "tier", "{tier: x}", "{tier: x}", "");
    // Services over the same pods (a port no container declares), and Services selecting none.
    for i in 0..tenth {
        let selector = if i % 2 == 0 { "{app: api}".to_string() } else { format!("{{app: api, typo: t{i}}}") };
        let _ = write!(a, "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n  selector: {selector}\n  ports: [{{port: 80, targetPort: 8080}}]\n---\n");
    }
    // Autoscalers of one workload.
    for i in 0..tenth {
        let _ = write!(a, "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: hpa-{i}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web-0}}\n  minReplicas: 1\n  maxReplicas: 3\n---\n");
    }
    // StatefulSets governed by one Service that is not headless.
    a.push_str("apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  selector: {app: db}\n  ports: [{port: 5432}]\n---\n");
    for i in 0..tenth {
        let _ = write!(a, "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db-{i}\nspec:\n  serviceName: db\n  replicas: 2\n  selector:\n    matchLabels: {{app: db, id: d{i}}}\n  template:\n    metadata:\n      labels: {{app: db, id: d{i}}}\n    spec:\n      containers:\n        - name: db\n          image: postgres:16\n          ports: [{{containerPort: 5432}}]\n---\n");
    }
    // Two files of one directory defining the same ConfigMaps, differently, both inputs of one
    // kustomization (across files, only that makes them applied together), in a namespace of
    // their own (a kustomize input may change labels: its namespace's Services are not judged).
    let (mut b, mut c) = (String::new(), String::new());
    for i in 0..copies {
        let _ = write!(b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: conf\ndata: {{k: b}}\n---\n");
        let _ = write!(c, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: conf\ndata: {{k: c}}\n---\n");
    }
    b.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: only-b\n  namespace: conf\n");
    c.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: only-c\n  namespace: conf\n");
    let objects = fifth + 4 * tenth + 2 * copies + 5;
    let expected = BTreeMap::from([
        // Each copy but the first, and each `api-*` under the later `tier` selector once.
        (RuleId::OverlappingSelectors, fifth - 1 + 1),
        (RuleId::DuplicateObject, copies),
        (RuleId::SharedRwoClaim, fifth),
        (RuleId::ReplicasWithHpa, 1),
        (RuleId::ServiceSelectsNothing, tenth / 2),
        (RuleId::ServiceTargetPortMissing, tenth.div_ceil(2)),
        (RuleId::StatefulsetServiceNotHeadless, tenth),
    ]);
    let kustomized = |f: SourceFile| SourceFile { kustomize: true, ..f };
    (vec![file("mix/a.yaml", a), kustomized(file("mix/b.yaml", b)), kustomized(file("mix/c.yaml", c))], objects, expected)
}

/// Lints `n` generated objects with every rule and checks the findings; the time each rule
/// with expected findings takes alone, and all of them together (the index is built outside).
fn run(n: usize) -> (BTreeMap<RuleId, Duration>, Duration) {
    let (files, objects, expected) = generate(n);
    let ix = kshape::index::Index::build(files, "default");
    assert_eq!(ix.objects.len(), objects, "N = {n}: generated objects");
    let start = Instant::now();
    let found = rules::run(&ix, &Selection::default());
    let all = start.elapsed();
    let mut per_rule: BTreeMap<RuleId, usize> = BTreeMap::new();
    for d in &found {
        *per_rule.entry(d.rule()).or_default() += 1;
        assert!(d.related.len() <= 3, "N = {n}: {} names {} related places", d.rule(), d.related.len());
        assert!(d.message.len() <= 1024, "N = {n}: {} message of {} bytes", d.rule(), d.message.len());
    }
    for (rule, count) in &per_rule {
        assert!(*count <= objects, "N = {n}: {count} findings of {rule} for {objects} objects");
    }
    let mut times = BTreeMap::new();
    for (rule, want) in expected {
        assert_eq!(per_rule.get(&rule).copied().unwrap_or(0), want, "N = {n}: findings of {rule}");
        let start = Instant::now();
        rules::run_only(&ix, |r| (r == rule).then_some(rules::Severity::Error));
        times.insert(rule, start.elapsed());
    }
    (times, all)
}

#[test]
fn relational_findings_and_time_grow_linearly() {
    for n in [10, 100, 1_000] {
        run(n);
    }
    let (small, small_all) = run(500);
    let (large, large_all) = run(5_000);
    eprintln!("N = 500: {small_all:?} {small:?}\nN = 5,000: {large_all:?} {large:?}");
    // Floors keep a few milliseconds of noise at N = 500 from deciding a ratio.
    let linear = |small: Duration, large: Duration, floor: u64| large < small.max(Duration::from_millis(floor)) * 25;
    assert!(linear(small_all, large_all, 40), "all rules: N = 5,000 took {large_all:?}, N = 500 took {small_all:?}");
    for (rule, t) in &large {
        assert!(linear(small[rule], *t, 5), "{rule}: N = 5,000 took {t:?}, N = 500 took {:?}", small[rule]);
    }
}

/// The message names a bounded number of the others, with the count.
#[test]
fn overlapping_selectors_names_three_and_counts_the_rest() {
    let (files, _, _) = generate(100);
    let ix = kshape::index::Index::build(files, "default");
    let found = rules::run_only(&ix, |r| (r == RuleId::OverlappingSelectors).then_some(rules::Severity::Error));
    let last = found.iter().find(|d| d.message.contains("`web-19`")).expect("the last copy is reported");
    assert!(
        last.message.starts_with("Deployment `web-19` has the same selector as 19 other workloads in this file (Deployment `web-0`, Deployment `web-1`, Deployment `web-2` and 16 more)"),
        "{}",
        last.message
    );
    let tier = found.iter().find(|d| d.message.contains("`tier`")).expect("the broad selector is reported");
    assert!(tier.message.starts_with("the selector of Deployment `tier` overlaps those of 10 other workloads"), "{}", tier.message);
    assert_eq!(tier.related.len(), 3);
}

/// Input built to defeat the indexes stays bounded: distinct selectors made only of labels
/// every template carries (each selects every template: the budget of selector checks stops
/// it), and many copies of one name (the pairs not compared are looked up a bounded number
/// of times). At most one finding per workload, and no copy is named as an overlap.
#[test]
fn adversarial_selectors_stay_bounded() {
    let n = 1_500;
    let mut text = String::new();
    let keys: Vec<String> = (0..12).map(|k| format!("k{k}")).collect();
    let all: Vec<String> = keys.iter().map(|k| format!("{k}: v")).collect();
    for i in 0..n {
        // A distinct non-empty subset of the twelve labels.
        let subset: Vec<&str> = all.iter().enumerate().filter(|(b, _)| (i + 1) >> b & 1 == 1).map(|(_, s)| s.as_str()).collect();
        deployment(&mut text, &format!("d{i}"), &format!("{{{}}}", subset.join(", ")), &format!("{{{}}}", all.join(", ")), "");
    }
    for _ in 0..200 {
        deployment(&mut text, "copy", "{app: copy}", "{app: copy}", "");
    }
    let ix = kshape::index::Index::build(vec![file("x/all.yaml", text)], "default");
    let start = Instant::now();
    let found = rules::run_only(&ix, |r| (r == RuleId::OverlappingSelectors).then_some(rules::Severity::Error));
    let took = start.elapsed();
    assert!(found.len() <= n + 200, "{} findings", found.len());
    assert!(found.iter().all(|d| d.related.len() <= 3 && !d.message.contains("`copy`")), "a copy named as an overlap");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}
