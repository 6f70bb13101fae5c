//! JSON Schema validation with the `jsonschema` crate: every keyword of the schema's draft
//! (`$schema`: draft-04 for SARIF 2.1.0, 2020-12 for docs/json-output.schema.json), `format`
//! asserted, and nothing fetched: references resolve inside the schema or fail.
#![allow(dead_code)]

use serde_json::Value;

/// The schema compiled once, to check many documents.
pub fn validator(schema: &Value) -> jsonschema::Validator {
    // SARIF 2.1.0 is a draft-04 schema that uses `uri-reference`, a format draft-06 added: check it
    // as draft-07 does rather than skip unknown formats.
    let uri_reference = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&serde_json::json!({"format": "uri-reference"}))
        .unwrap_or_else(|e| panic!("the uri-reference check compiles: {e}"));
    jsonschema::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .with_format("uri-reference", move |s: &str| uri_reference.is_valid(&Value::from(s)))
        .build(schema)
        .unwrap_or_else(|e| panic!("the schema compiles: {e}"))
}

/// Every violation, as `/instance/path: message`.
pub fn errors(validator: &jsonschema::Validator, v: &Value) -> Vec<String> {
    validator.iter_errors(v).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

pub fn errors_of(schema: &Value, v: &Value) -> Vec<String> {
    errors(&validator(schema), v)
}
