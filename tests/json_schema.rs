//! The JSON output validates against docs/json-output.schema.json (a small validator for the
//! subset of JSON Schema that file uses: type, const, enum, required, properties,
//! additionalProperties, items, $ref, oneOf, minimum, pattern).

mod common;

use serde_json::Value;

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r.trim_start_matches("#/").split('/').fold(root, |v, k| &v[k]),
        None => schema,
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "null" => v.is_null(),
        _ => false,
    }
}

fn validate(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(root, schema);
    if let Some(t) = schema.get("type") {
        let ok = match t {
            Value::String(s) => type_ok(s, v),
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|s| type_ok(s, v)),
            _ => true,
        };
        if !ok {
            errors.push(format!("{at}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            errors.push(format!("{at}: {v} != {c}"));
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_i64), v.as_i64()) {
        if n < min {
            errors.push(format!("{at}: {n} < {min}"));
        }
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = one
            .iter()
            .filter(|s| {
                let mut e = Vec::new();
                validate(root, s, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errors.push(format!("{at}: matches {matching} of oneOf"));
        }
    }
    if let Some(obj) = v.as_object() {
        for r in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(k) = r.as_str() {
                if !obj.contains_key(k) {
                    errors.push(format!("{at}: missing {k}"));
                }
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(root, s, val, &format!("{at}.{k}"), errors),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => errors.push(format!("{at}: unexpected {k}")),
                None => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, item) in arr.iter().enumerate() {
            validate(root, items, item, &format!("{at}[{i}]"), errors);
        }
    }
}

#[test]
fn json_output_matches_the_documented_schema() {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join("docs/json-output.schema.json")).unwrap()).unwrap();
    let mut checked = 0;
    for dir in ["testdata/examples", "testdata/malformed", "testdata/rules/duplicate-object", "testdata/rules/yaml-syntax"] {
        for e in std::fs::read_dir(common::root().join(dir)).unwrap() {
            let l = common::lint_file(&e.unwrap().path());
            let out: Value = serde_json::from_str(&l.render(kshape::cli::Format::Json, false)).unwrap();
            let mut errors = Vec::new();
            validate(&schema, &schema, &out, "$", &mut errors);
            assert!(errors.is_empty(), "{dir}: {errors:#?}");
            checked += out["diagnostics"].as_array().map(Vec::len).unwrap_or(0);
        }
    }
    assert!(checked > 20, "the check saw diagnostics of many kinds ({checked})");
}
