//! Every built-in kind is typed (issue #15): the examples of the issue give their findings at
//! the exact line and column, and one valid object of each common kind is clean.

mod common;
use common::{has, lint_file, positions, root, text_file};

fn findings(text: &str) -> Vec<String> {
    positions(&kshape::lint(vec![text_file("t.yaml", text)], "default"))
}

#[test]
fn one_valid_object_of_each_common_kind_is_clean() {
    let found = positions(&lint_file(&root().join("testdata/examples/common-kinds.yaml")));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_issue_examples_give_their_findings_at_their_positions() {
    let f = findings("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  lables: {a: b}\ndata: {port: 8080, enabled: yes}\n");
    has(&f, "5:3", "unknown-field");
    has(&f, "6:14", "invalid-field-type");
    has(&f, "6:29", "invalid-field-type");
    let f = findings("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {retries: 5}\n");
    has(&f, "4:23", "invalid-field-type");
    let f = findings(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  rules:\n    - http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend: {serviceName: web, servicePort: 80}\n",
    );
    has(&f, "10:23", "unknown-field");
    has(&f, "10:41", "unknown-field");
    let f = findings("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec:\n  podselector: {}\n");
    has(&f, "5:3", "unknown-field");
    let f = findings("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n  - resource: [pods]\n    verbs: [get]\n");
    has(&f, "5:5", "unknown-field");
    let f = findings("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: p}\nvalue: \"1000\"\n");
    has(&f, "4:8", "invalid-field-type");
}

#[test]
fn every_built_in_kind_is_typed() {
    // A minimal object of each kind reads without a panic, and a misspelt metadata key is found
    // in every one of them: the kind goes through the schema.
    for (api_version, kind) in kshape::model::kinds::KINDS {
        let f = findings(&format!("apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: x\n  lables: {{a: b}}\n"));
        has(&f, "5:3", "unknown-field");
    }
    assert!(kshape::model::kinds::KINDS.len() >= 100, "{}", kshape::model::kinds::KINDS.len());
}
