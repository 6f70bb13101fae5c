//! The JSON output validates against docs/json-output.schema.json.

mod common;

use serde_json::Value;

#[path = "common/schema.rs"]
mod schema;
use schema::validate;

#[test]
fn json_output_matches_the_documented_schema() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join("docs/json-output.schema.json")).unwrap()).unwrap();
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
            let l = common::lint_file(&e.unwrap().path());
            let out: Value = serde_json::from_str(&l.render(kshape::report::Format::Json, false)).unwrap();
            let mut errors = Vec::new();
            validate(&schema, &schema, &out, "$", &mut errors);
            assert!(errors.is_empty(), "{dir}: {errors:#?}");
            checked += out["diagnostics"].as_array().map(Vec::len).unwrap_or(0);
            fixes += out["diagnostics"].as_array().into_iter().flatten().filter(|d| d.get("fix").is_some()).count();
        }
    }
    assert!(checked > 20, "the check saw diagnostics of many kinds ({checked})");
    assert!(fixes >= 3, "the check saw findings with fixes ({fixes})");
}
