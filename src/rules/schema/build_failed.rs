//! A kustomization that `kustomize build` (or a chart that `helm template`) cannot build. Its
//! findings come from the build stage (`src/origin.rs`), which alone ran the tool; the
//! declaration gives the rule metadata, selection and a severity like any other rule.

use super::super::Findings;
use crate::index::Index;

pub fn check(_: &Index, _: &mut Findings) {}
