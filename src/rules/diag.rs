//! Diagnostics as values: what rules produce and reporters print.
//!
//! A check never builds a [`Diagnostic`] itself: it reports through the [`Findings`] it is
//! given, which is bound to the rule being run and stamps every finding with that rule. The
//! `rule` field is private, `Findings` accepts no finished finding, and `report` hands back a
//! [`Reported`] builder rather than the finding itself, so a check cannot emit, build or
//! overwrite a finding of another rule:
//!
//! ```compile_fail,E0614
//! // No way to overwrite the reported finding with another: the builder is not the finding.
//! fn check(_ix: &kshape::index::Index, out: &mut kshape::rules::Findings, other: kshape::rules::Diagnostic) {
//!     *out.report(0, kshape::yaml::Span::at(0), "x") = other;
//! }
//! ```
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
pub use crate::world::{About, ObjectRef};
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
    pub object: Option<std::sync::Arc<ObjectRef>>,
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
}

/// A finding a check has just reported, to add to: help, path, object, fix, related places.
/// It gives no other access to the finding, so a check can complete its own findings but never
/// replace one with another rule's.
pub struct Reported<'a>(&'a mut Diagnostic);

impl Reported<'_> {
    pub fn help(self, help: impl Into<String>) -> Self {
        self.0.help = help.into();
        self
    }

    pub fn path(self, path: impl Into<FieldPath>) -> Self {
        let p = path.into();
        self.0.path = if p.is_empty() { None } else { Some(p) };
        self
    }

    pub fn object(self, o: &crate::model::Object) -> Self {
        self.about(&About::of(o))
    }

    /// [`Reported::object`] for an object known by its facts (relational rules).
    pub fn about(self, a: &About) -> Self {
        self.0.object = Some(a.object.clone());
        self.0.object_root = Some(a.root);
        self.0.source = a.source.clone();
        self
    }

    /// Attaches a fix when there is one.
    pub fn fix(self, fix: Option<Fix>) -> Self {
        self.0.fix = fix.filter(|f| !f.edits.is_empty());
        self
    }

    pub fn related(self, file: usize, span: Span, message: impl Into<String>) -> Self {
        self.0.related.push(Related { file, span, message: message.into() });
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

    /// Reports a finding at `span` in `file`; the returned [`Reported`] adds help, path,
    /// object, fix and related places. Severity is filled in from the rule's declaration and
    /// the run's configuration.
    pub fn report(&mut self, file: usize, span: Span, message: impl Into<String>) -> Reported<'_> {
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
        let last = self.out.len() - 1; // just pushed: never empty
        Reported(&mut self.out[last])
    }

    pub(crate) fn into_vec(self) -> Vec<Diagnostic> {
        self.out
    }
}
