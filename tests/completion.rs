//! Patches and templates that only the inputs' layout reveals (paths, other files, kustomize):
//! what the single-file fixtures of testdata/rules cannot show. See `model::completion`.

mod common;

use common::text_file;
use kshape::rules::RuleId;

const WHOLE_JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: trainer\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: w\n          image: busybox:1.36\n";
const PARTIAL_JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: trainer\nspec:\n  template:\n    spec:\n      containers:\n        - name: w\n          resources:\n            limits:\n              nvidia.com/gpu: 1\n";
const WHOLE_DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: a}\n  template:\n    metadata:\n      labels: {app: a}\n    spec:\n      containers:\n        - name: a\n          image: busybox:1.36\n";
/// Image, ports and labels, no selector: a whole manifest that forgot it.
const NO_SELECTOR: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    metadata:\n      labels: {app: b}\n    spec:\n      containers:\n        - name: b\n          image: busybox:1.36\n          ports:\n            - containerPort: 8080\n";
/// Neither selector nor labels: what a kustomization's `commonLabels` completes.
const NO_SELECTOR_NO_LABELS: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: grafana\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: grafana\n          image: grafana/grafana:11.0.0\n";
const POD_NO_IMAGE: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-controller-manager\n  namespace: kube-system\nspec:\n  containers:\n    - name: kube-controller-manager\n      resources:\n        requests:\n          cpu: 1m\n";

fn missing(files: Vec<kshape::source::SourceFile>) -> Vec<String> {
    let l = kshape::lint(files, "default");
    l.diagnostics.iter().filter(|d| d.rule() == RuleId::MissingRequiredField).map(|d| d.message.clone()).collect()
}

#[test]
fn a_partial_object_beside_a_whole_one_of_its_kind_and_name_is_its_patch() {
    let out = missing(vec![text_file("k8s/job.yaml", WHOLE_JOB), text_file("k8s/job-gpu.yaml", PARTIAL_JOB)]);
    assert!(out.is_empty(), "{out:?}");
    // Alone, the same partial Job is reported.
    assert!(!missing(vec![text_file("k8s/job-gpu.yaml", PARTIAL_JOB)]).is_empty());
}

#[test]
fn a_whole_object_of_the_same_name_in_an_unrelated_application_is_not_a_base() {
    let out = missing(vec![
        text_file("apps/tensorboard/upstream/base/deployment.yaml", WHOLE_DEPLOY),
        text_file("apps/webhook/upstream/base/deployment.yaml", NO_SELECTOR),
    ]);
    assert_eq!(out.len(), 1, "{out:?}");
    // An overlay beside its base is a patch of it.
    let out = missing(vec![
        text_file("apps/webhook/upstream/base/deployment.yaml", WHOLE_DEPLOY),
        text_file("apps/webhook/upstream/overlays/cert-manager/deployment.yaml", NO_SELECTOR),
    ]);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn paths_that_say_patch_count_only_with_partial_content() {
    assert!(missing(vec![text_file("tests/e2e/kind/patches/kube-controller-manager.yaml", POD_NO_IMAGE)]).is_empty());
    assert!(missing(vec![text_file("config/default/manager_image_patch.yaml", NO_SELECTOR)]).is_empty());
    assert!(!missing(vec![text_file("tests/e2e/kind/kube-controller-manager.yaml", POD_NO_IMAGE)]).is_empty());
    // A whole object in a file named like a patch is judged as the whole object it is.
    let whole_but_bad_port = WHOLE_DEPLOY.replace("name: a\n", "name: \"\"\n");
    assert!(!missing(vec![text_file("config/default/manager_patch.yaml", &whole_but_bad_port)]).is_empty());
}

#[test]
fn a_kustomize_input_without_selector_and_labels_gets_them_from_the_kustomization() {
    let mut f = text_file("deploy/grafana/deployment.yaml", NO_SELECTOR_NO_LABELS);
    f.kustomize = true;
    assert!(missing(vec![f]).is_empty());
    // Without a kustomization, the same manifest forgot its selector: `kubectl apply` rejects it.
    let out = missing(vec![text_file("deploy/grafana/deployment.yaml", NO_SELECTOR_NO_LABELS)]);
    assert_eq!(out, vec!["Deployment has no `spec.selector`".to_string()]);
}
