//! The JSON output validates against docs/json-output.schema.json.

mod common;

use serde_json::Value;

#[path = "common/schema.rs"]
mod schema;

#[test]
fn json_output_matches_the_documented_schema() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join("docs/json-output.schema.json")).unwrap()).unwrap();
    let validator = schema::validator(&schema);
    let mut checked = 0;
    let mut fixes = 0;
    for dir in [
        "testdata/examples",
        "testdata/malformed",
        "testdata/rules/duplicate-object",
        "testdata/rules/yaml-syntax",
        "testdata/rules/statefulset-service-not-found",
        "testdata/rules/gpu-daemonset-missing-toleration",
    ] {
        for e in std::fs::read_dir(common::root().join(dir)).unwrap() {
            let path = e.unwrap().path();
            if !path.is_file() {
                continue; // snapshots/
            }
            let l = common::lint_file(&path);
            let out: Value = serde_json::from_str(&l.render(kshape::report::Format::Json, false)).unwrap();
            let errors = schema::errors(&validator, &out);
            assert!(errors.is_empty(), "{dir}: {errors:#?}");
            checked += out["diagnostics"].as_array().map(Vec::len).unwrap_or(0);
            fixes += out["diagnostics"].as_array().into_iter().flatten().filter(|d| d.get("fix").is_some()).count();
        }
    }
    assert!(checked > 20, "the check saw diagnostics of many kinds ({checked})");
    assert!(fixes >= 3, "the check saw findings with fixes ({fixes})");
}

#[test]
fn the_schema_check_rejects_broken_output() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join("docs/json-output.schema.json")).unwrap()).unwrap();
    let validator = schema::validator(&schema);
    let l = common::lint_file(&common::root().join("testdata/rules/daemonset-replicas/bad-dcgm.yaml"));
    let out: Value = serde_json::from_str(&l.render(kshape::report::Format::Json, false)).unwrap();
    assert!(schema::errors(&validator, &out).is_empty());
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = out.clone();
        f(&mut v);
        schema::errors(&validator, &v)
    };
    assert!(!broken(&|v| v["diagnostics"][0]["severity"] = "fatal".into()).is_empty(), "enum");
    assert!(!broken(&|v| v["diagnostics"][0]["range"]["start"]["line"] = 0.into()).is_empty(), "minimum");
    assert!(!broken(&|v| v["diagnostics"][0]["unexpected"] = true.into()).is_empty(), "additionalProperties");
    assert!(!broken(&|v| v["diagnostics"][0].as_object_mut().unwrap().remove("rule").map_or((), drop)).is_empty(), "required");
}

/// Inputs that were not read are listed (`notRead`, counted in `summary.notRead`), an addition
/// the schema describes; a run that read everything has neither field.
#[test]
fn inputs_not_read_match_the_schema() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join("docs/json-output.schema.json")).unwrap()).unwrap();
    let validator = schema::validator(&schema);
    let args = [
        "--format",
        "json",
        "--max-file-size",
        "400",
        "testdata/examples/clean.yaml",
        "testdata/malformed/long-line.yaml",
        "does/not/exist.yaml",
    ];
    let out = common::run_in(&common::root(), &args, None);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema::errors(&validator, &v).is_empty(), "{:#?}", schema::errors(&validator, &v));
    assert_eq!(v["summary"]["notRead"], 2, "{v:#}");
    assert_eq!(v["notRead"].as_array().unwrap().len(), 2);
    let mut broken = v.clone();
    broken["notRead"][0]["line"] = 1.into();
    assert!(!schema::errors(&validator, &broken).is_empty(), "additionalProperties");
    let clean = common::run_in(&common::root(), &["--format", "json", "testdata/examples/clean.yaml"], None);
    let clean: Value = serde_json::from_slice(&clean.stdout).unwrap();
    assert!(clean.get("notRead").is_none() && clean["summary"].get("notRead").is_none(), "{clean:#}");
}
