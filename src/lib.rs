//! kshape: a linter for Kubernetes manifests that knows which workload controller a
//! workload needs. Data flows one way: source -> yaml -> model -> index -> rules -> report.

pub mod cli;
pub mod diag;
pub mod index;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod util;
pub mod yaml;
