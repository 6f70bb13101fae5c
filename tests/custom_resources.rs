//! Pod templates inside custom resources are linted like built-in workloads (issue #16): the
//! same pod spec gives the same pod-level findings in a Deployment and in every supported kind,
//! the issue's real mistakes give their findings at their place in the resource, and what the
//! operators add causes no false alarms.

mod common;
use common::{has, text_file};

/// A pod spec with one mistake of each pod-level kind.
const POD: &str = "containers:
  - name: server
    image: vllm/vllm-openai:v0.6.3
    imagePullPolicyy: Always
    resources:
      requests: {nvidia.com/gpu: 1, memory: 1 Gi}
    volumeMounts: [{name: cache, mountPath: /cache}]
  - name: server
    image: busybox:1.36
";

/// Each kind with `POD` where its pod spec goes, and the field path of that pod spec.
const KINDS: &[(&str, &str)] = &[
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec:\n      POD", "spec.template.spec"),
    ("apiVersion: v1\nkind: PodTemplate\nmetadata: {name: x}\ntemplate:\n  spec:\n    POD", "template.spec"),
    ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: x}\nspec:\n  replicas: 2\n  template:\n    spec:\n      POD", "spec.template.spec"),
    ("apiVersion: leaderworkerset.x-k8s.io/v1\nkind: LeaderWorkerSet\nmetadata: {name: x}\nspec:\n  leaderWorkerTemplate:\n    size: 2\n    workerTemplate:\n      spec:\n        POD", "spec.leaderWorkerTemplate.workerTemplate.spec"),
    ("apiVersion: jobset.x-k8s.io/v1alpha2\nkind: JobSet\nmetadata: {name: x}\nspec:\n  replicatedJobs:\n    - name: workers\n      template:\n        spec:\n          template:\n            spec:\n              POD", "spec.replicatedJobs[0].template.spec.template.spec"),
    ("apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: x}\nspec:\n  pytorchReplicaSpecs:\n    Worker:\n      replicas: 2\n      template:\n        spec:\n          POD", "spec.pytorchReplicaSpecs.Worker.template.spec"),
    ("apiVersion: kubeflow.org/v2beta1\nkind: MPIJob\nmetadata: {name: x}\nspec:\n  mpiReplicaSpecs:\n    Worker:\n      replicas: 2\n      template:\n        spec:\n          POD", "spec.mpiReplicaSpecs.Worker.template.spec"),
    ("apiVersion: kubeflow.org/v1\nkind: TFJob\nmetadata: {name: x}\nspec:\n  tfReplicaSpecs:\n    Worker:\n      template:\n        spec:\n          POD", "spec.tfReplicaSpecs.Worker.template.spec"),
    ("apiVersion: kubeflow.org/v1\nkind: XGBoostJob\nmetadata: {name: x}\nspec:\n  xgbReplicaSpecs:\n    Worker:\n      template:\n        spec:\n          POD", "spec.xgbReplicaSpecs.Worker.template.spec"),
    ("apiVersion: kubeflow.org/v1\nkind: PaddleJob\nmetadata: {name: x}\nspec:\n  paddleReplicaSpecs:\n    Worker:\n      template:\n        spec:\n          POD", "spec.paddleReplicaSpecs.Worker.template.spec"),
    ("apiVersion: kubeflow.org/v1\nkind: JAXJob\nmetadata: {name: x}\nspec:\n  jaxReplicaSpecs:\n    Worker:\n      template:\n        spec:\n          POD", "spec.jaxReplicaSpecs.Worker.template.spec"),
    ("apiVersion: trainer.kubeflow.org/v1alpha1\nkind: ClusterTrainingRuntime\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      replicatedJobs:\n        - name: node\n          template:\n            spec:\n              template:\n                spec:\n                  POD", "spec.template.spec.replicatedJobs[0].template.spec.template.spec"),
    ("apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: x}\nspec:\n  headGroupSpec:\n    rayStartParams: {}\n    template:\n      spec:\n        POD", "spec.headGroupSpec.template.spec"),
    ("apiVersion: ray.io/v1\nkind: RayJob\nmetadata: {name: x}\nspec:\n  rayClusterSpec:\n    workerGroupSpecs:\n      - groupName: gpu\n        replicas: 2\n        rayStartParams: {}\n        template:\n          spec:\n            POD", "spec.rayClusterSpec.workerGroupSpecs[0].template.spec"),
    ("apiVersion: ray.io/v1\nkind: RayService\nmetadata: {name: x}\nspec:\n  rayClusterConfig:\n    headGroupSpec:\n      rayStartParams: {}\n      template:\n        spec:\n          POD", "spec.rayClusterConfig.headGroupSpec.template.spec"),
    ("apiVersion: batch.volcano.sh/v1alpha1\nkind: Job\nmetadata: {name: x}\nspec:\n  tasks:\n    - name: worker\n      replicas: 2\n      template:\n        spec:\n          POD", "spec.tasks[0].template.spec"),
    ("apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: x}\nspec:\n  predictor:\n    minReplicas: 1\n    POD", "spec.predictor"),
    ("apiVersion: serving.kserve.io/v1alpha1\nkind: ServingRuntime\nmetadata: {name: x}\nspec:\n  supportedModelFormats: [{name: vllm}]\n  POD", "spec"),
    ("apiVersion: serving.kserve.io/v1alpha1\nkind: LLMInferenceService\nmetadata: {name: x}\nspec:\n  replicas: 1\n  template:\n    POD", "spec.template"),
    ("apiVersion: v1\nkind: ReplicationController\nmetadata: {name: x}\nspec:\n  replicas: 2\n  template:\n    spec:\n      POD", "spec.template.spec"),
    ("apiVersion: disaggregatedset.x-k8s.io/v1\nkind: DisaggregatedSet\nmetadata: {name: x}\nspec:\n  roles:\n    - name: prefill\n      spec:\n        leaderWorkerTemplate:\n          size: 2\n          leaderTemplate:\n            spec:\n              POD", "spec.roles[0].spec.leaderWorkerTemplate.leaderTemplate.spec"),
    ("apiVersion: elastic.pytorch.org/v1alpha1\nkind: ElasticJob\nmetadata: {name: x}\nspec:\n  replicaSpecs:\n    Worker:\n      replicas: 2\n      template:\n        spec:\n          POD", "spec.replicaSpecs.Worker.template.spec"),
    ("apiVersion: ray.io/v1\nkind: RayCronJob\nmetadata: {name: x}\nspec:\n  jobTemplate:\n    rayClusterSpec:\n      headGroupSpec:\n        rayStartParams: {}\n        template:\n          spec:\n            POD", "spec.jobTemplate.rayClusterSpec.headGroupSpec.template.spec"),
    ("apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nmetadata: {name: x}\nspec:\n  trialTemplate:\n    trialSpec:\n      apiVersion: batch/v1\n      kind: Job\n      spec:\n        template:\n          spec:\n            POD", "spec.trialTemplate.trialSpec.spec.template.spec"),
    ("apiVersion: workload.codeflare.dev/v1beta2\nkind: AppWrapper\nmetadata: {name: x}\nspec:\n  components:\n    - template:\n        apiVersion: batch/v1\n        kind: Job\n        spec:\n          template:\n            spec:\n              POD", "spec.components[0].template.spec.template.spec"),
    ("apiVersion: serving.kserve.io/v1alpha1\nkind: ClusterServingRuntime\nmetadata: {name: x}\nspec:\n  supportedModelFormats: [{name: vllm}]\n  POD", "spec"),
    ("apiVersion: serving.kubeflow.org/v1beta1\nkind: InferenceService\nmetadata: {name: x}\nspec:\n  predictor:\n    POD", "spec.predictor"),
    ("apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containerConcurrency: 1\n      POD", "spec.template.spec"),
];

/// Wraps `pod` into a kind's text at the indentation of its `POD` marker.
fn wrap(kind: &str, pod: &str) -> String {
    let (before, after) = kind.split_once("POD").expect("marker");
    let indent = before.rsplit('\n').next().unwrap_or("").len();
    let mut body = String::new();
    for (i, line) in pod.lines().enumerate() {
        if i > 0 {
            body.push_str(&" ".repeat(indent));
        }
        body.push_str(line);
        body.push('\n');
    }
    format!("{before}{body}{after}")
}

/// (rule, field path below the pod spec) of each finding, sorted.
fn pod_level(text: &str, pod_spec: &str) -> Vec<(String, String)> {
    let lint = kshape::lint(vec![text_file("t.yaml", text)], "default");
    let mut found: Vec<(String, String)> = lint
        .diagnostics
        .iter()
        .filter_map(|d| {
            let path = d.path.as_ref()?.to_string();
            let rel = path.strip_prefix(pod_spec)?.trim_start_matches('.').to_string();
            Some((d.rule().to_string(), rel))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn the_same_pod_spec_gives_the_same_findings_in_every_kind() {
    let (deployment, at) = KINDS[0];
    let expected = pod_level(&wrap(deployment, POD), at);
    let rules: Vec<&str> = expected.iter().map(|(r, _)| r.as_str()).collect();
    for rule in ["unknown-field", "invalid-field-value", "gpu-limit-missing", "volume-mount-undefined"] {
        assert!(rules.contains(&rule), "the Deployment gives no {rule}: {expected:#?}");
    }
    for (kind, at) in &KINDS[1..] {
        let text = wrap(kind, POD);
        assert_eq!(pod_level(&text, at), expected, "{text}");
    }
}

fn positions(text: &str) -> Vec<String> {
    common::positions(&kshape::lint(vec![text_file("t.yaml", text)], "default"))
}

fn lacks(found: &[String], rule: &str) {
    assert!(!found.iter().any(|f| f.contains(&format!(" {rule} "))), "{rule} in {found:#?}");
}

#[test]
fn the_issue_mistakes_are_found_at_their_place_in_the_resource() {
    let f = positions(&std::fs::read_to_string(common::root().join("testdata/custom-resources/real-mistakes.yaml")).expect("fixture"));
    // PyTorchJob: nprocPerNode 4 on 8 pods of one GPU each.
    has(&f, "8:17", "world-size-mismatch");
    // LeaderWorkerSet leader behind a Service, without a readinessProbe.
    has(&f, "39:19", "inference-missing-readiness-probe");
    // LeaderWorkerSet: a GPU request without a limit.
    has(&f, "54:26", "gpu-limit-missing");
    // PyTorchJob: `nvidia.com/gpu:` left empty.
    has(&f, "92:33", "invalid-field-value");
    // Volcano: `priorityClass` for `priorityClassName`.
    has(&f, "107:11", "unknown-field");
    assert!(f.iter().any(|x| x.contains("priorityClassName")), "{f:#?}");
}

#[test]
fn what_the_operators_add_causes_no_false_alarms() {
    let f = positions(&std::fs::read_to_string(common::root().join("testdata/custom-resources/operator-defaults.yaml")).expect("fixture"));
    lacks(&f, "missing-dshm");
    lacks(&f, "inference-missing-readiness-probe");
    lacks(&f, "master-addr-mismatch");
    lacks(&f, "world-size-mismatch");
    lacks(&f, "volume-mount-undefined");
    lacks(&f, "missing-required-field");
    lacks(&f, "unknown-field");
    // The same pods in built-in workloads, with nothing to add them: the rules do fire.
    let f = positions(&std::fs::read_to_string(common::root().join("testdata/custom-resources/without-operators.yaml")).expect("fixture"));
    for rule in ["missing-dshm", "inference-missing-readiness-probe", "master-addr-mismatch", "volume-mount-undefined"] {
        assert!(f.iter().any(|x| x.contains(&format!(" {rule} "))), "no {rule} in {f:#?}");
    }
}

#[test]
fn a_custom_resource_is_checked_against_a_crd_of_the_same_run() {
    let f = positions(&std::fs::read_to_string(common::root().join("testdata/custom-resources/with-crd.yaml")).expect("fixture"));
    has(&f, "39:1", "missing-required-field");
    assert!(f.iter().any(|x| x.starts_with("39:1") && x.contains("`source`")), "{f:#?}");
    has(&f, "40:3", "unknown-field");
    assert!(f.iter().any(|x| x.starts_with("40:3") && x.contains("did you mean `model`")), "{f:#?}");
    has(&f, "41:13", "invalid-field-value");
    has(&f, "42:3", "unknown-field");
    has(&f, "43:11", "invalid-field-value");
    // `options` preserves unknown fields: nothing under it is reported.
    assert!(!f.iter().any(|x| x.starts_with("44:")), "{f:#?}");
    // A version the CRD does not serve.
    has(&f, "46:13", "invalid-field-value");
    assert_eq!(f.len(), 6, "{f:#?}");
}

#[test]
fn leaderworkerset_and_pytorchjob_typos_are_found_without_a_crd() {
    let f =
        positions(&std::fs::read_to_string(common::root().join("testdata/rules/unknown-field/bad-bundled-schemas.yaml")).expect("fixture"));
    assert!(f.iter().any(|x| x.starts_with("9:5 unknown-field") && x.contains("did you mean `size`")), "{f:#?}");
    assert!(f.iter().any(|x| x.starts_with("19:3 unknown-field") && x.contains("did you mean `pytorchReplicaSpecs`")), "{f:#?}");
    // The typo is the finding: no second one for the field it misspells.
    lacks(&f, "missing-required-field");
}
