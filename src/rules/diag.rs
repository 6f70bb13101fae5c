//! Diagnostics as values: what rules produce and reporters print.
//!
//! A check never builds a [`Diagnostic`] itself: it reports through the [`Findings`] it is
//! given, which is bound to the rule being run and stamps every finding with that rule. The
//! `rule` field is private, so no code outside this module can make a finding of another rule.
//!
//! ```compile_fail,E0599
//! // A check cannot hand in a finding it made some other way: `Findings` has no `push`.
//! fn check(_ix: &kshape::index::Index, out: &mut kshape::rules::Findings, other: kshape::rules::Diagnostic) {
//!     out.push(other);
//! }
//! ```
//!
//! ```compile_fail,E0451
//! // Nor can it build one for another rule: the rule of a finding is private.
//! fn make(span: kshape::yaml::Span) -> kshape::rules::Diagnostic {
//!     kshape::rules::Diagnostic {
//!         rule: kshape::rules::RuleId::BarePod,
//!         severity: kshape::rules::Severity::Error,
//!         message: String::new(),
//!         help: String::new(),
//!         file: 0,
//!         span,
//!         object: None,
//!         path: None,
//!         related: Vec::new(),
//!         object_root: None,
//!         source: None,
//!         fix: None,
//!     }
//! }
//! ```

use super::RuleId;
use crate::fix::Fix;
use crate::yaml::{FieldPath, Span};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// apiVersion, kind, namespace and name of the object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: Option<String>,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// Another place that explains a finding (the Service a StatefulSet names, a first duplicate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub file: usize,
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Set once, by the [`Findings`] of the rule that reported it.
    rule: RuleId,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub file: usize,
    pub span: Span,
    pub object: Option<ObjectRef>,
    /// Field path, e.g. `spec.template.spec.containers[0].image` (rendered by reporters).
    pub path: Option<FieldPath>,
    pub related: Vec<Related>,
    /// The root node of the object the finding is about (for per-object suppressions).
    pub object_root: Option<crate::yaml::NodeId>,
    /// The template the object was rendered from (`# Source:` comments of `helm template`).
    pub source: Option<String>,
    /// A mechanical, safe correction (`kshape --fix`, JSON `fix`, editor code actions).
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// The rule that reported this finding.
    pub fn rule(&self) -> RuleId {
        self.rule
    }

    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = help.into();
        self
    }

    pub fn path(&mut self, path: impl Into<FieldPath>) -> &mut Self {
        let p = path.into();
        self.path = if p.is_empty() { None } else { Some(p) };
        self
    }

    pub fn object(&mut self, o: &crate::model::Object) -> &mut Self {
        self.object = Some(ObjectRef {
            api_version: o.api_version.clone(),
            kind: o.kind.clone(),
            namespace: o.namespace.clone(),
            name: o.name.clone(),
        });
        self.object_root = Some(o.root);
        self.source = o.source.clone();
        self
    }

    /// Attaches a fix when there is one.
    pub fn fix(&mut self, fix: Option<Fix>) -> &mut Self {
        self.fix = fix.filter(|f| !f.edits.is_empty());
        self
    }

    pub fn related(&mut self, file: usize, span: Span, message: impl Into<String>) -> &mut Self {
        self.related.push(Related { file, span, message: message.into() });
        self
    }
}

/// Where one rule's check reports: bound to that rule, so every finding it makes carries the
/// rule's identity and no other.
#[derive(Debug)]
pub struct Findings {
    rule: RuleId,
    out: Vec<Diagnostic>,
}

impl Findings {
    /// An empty sink for `rule` (made by the rule runner and the suppression stage).
    pub(crate) fn new(rule: RuleId) -> Findings {
        Findings { rule, out: Vec::new() }
    }

    /// The rule this sink reports for.
    pub fn rule(&self) -> RuleId {
        self.rule
    }

    /// Reports a finding at `span` in `file`; the builder methods of the returned
    /// [`Diagnostic`] add help, path, object, fix and related places. Severity is filled in
    /// from the rule's declaration and the run's configuration.
    pub fn report(&mut self, file: usize, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.out.push(Diagnostic {
            rule: self.rule,
            severity: Severity::Error,
            message: message.into(),
            help: String::new(),
            file,
            span,
            object: None,
            path: None,
            related: Vec::new(),
            object_root: None,
            source: None,
            fix: None,
        });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }

    pub fn len(&self) -> usize {
        self.out.len()
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// The findings reported so far, for a check that revises its own output.
    pub fn as_mut_slice(&mut self) -> &mut [Diagnostic] {
        &mut self.out
    }

    pub(crate) fn into_vec(self) -> Vec<Diagnostic> {
        self.out
    }
}
