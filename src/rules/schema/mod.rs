//! Schema rules: what the API server (or kubectl) would reject before any controller runs.

pub mod build_failed;
pub mod daemonset_replicas;
pub mod deprecated_api_version;
pub mod duplicate_key;
pub mod duplicate_object;
pub mod input_too_large;
pub mod invalid_field_type;
pub mod invalid_field_value;
pub mod missing_required_field;
pub mod removed_api_version;
pub mod unknown_field;
pub mod yaml_syntax;
