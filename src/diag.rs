//! Diagnostics as values: what rules produce and reporters print.

use crate::yaml::Span;
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
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub file: usize,
    pub span: Span,
    pub object: Option<ObjectRef>,
    /// Field path, e.g. `spec.template.spec.containers[0].image`.
    pub path: Option<String>,
    pub related: Vec<Related>,
    /// The root node of the object the finding is about (for per-object suppressions).
    pub object_root: Option<crate::yaml::NodeId>,
    /// The template the object was rendered from (`# Source:` comments of `helm template`).
    pub source: Option<String>,
    /// A mechanical, safe correction (`kshape --fix`, JSON `fix`, editor code actions).
    pub fix: Option<Fix>,
}

/// Replace the bytes of `span` (in the finding's file) with `text`; an empty span inserts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// A correction: edits on the original text that leave everything else (comments,
/// indentation, quoting) as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
}

impl Diagnostic {
    /// A finding of `rule` at `span` in `file`; severity is filled in from the rule's metadata.
    pub fn new(rule: &'static str, file: usize, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
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
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    pub fn path(mut self, path: impl Into<String>) -> Self {
        let p = path.into();
        self.path = if p.is_empty() { None } else { Some(p) };
        self
    }

    pub fn object(mut self, o: &crate::model::Object) -> Self {
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
    pub fn fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix.filter(|f| !f.edits.is_empty());
        self
    }

    pub fn related(mut self, file: usize, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related { file, span, message: message.into() });
        self
    }
}
