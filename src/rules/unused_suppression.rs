//! A suppression that silenced nothing. Its findings come from the suppression stage
//! (`src/suppress.rs`), which runs after every rule and alone knows which suppressions were
//! used; the declaration gives it metadata, selection and a severity like any other rule.

use super::Findings;
use crate::index::Index;

pub fn check(_: &Index, _: &mut Findings) {}
