//! The run's facts: for every object, a compact record of what the rules that relate objects
//! look up (kind, namespace, name, labels, selectors, ports, the names it refers to) with the
//! spans their findings point at. Facts are taken where a file is read ([`facts`]), so the
//! typed objects and node trees of a file are dropped once its own rules ran; the relational
//! rules ([`crate::rules::Relation`]) judge their subjects against a [`World`] of them.

use crate::index::{Index, ParsedFile};
use crate::model::selector::Labels;
use crate::model::workload::PodLabeler;
use crate::model::{Object, Typed};
use crate::path;
use crate::yaml::Span;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// apiVersion, kind, namespace and name of the object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: Option<String>,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// What a finding says of the object it is about, owned: kept for relational rules, which
/// judge after the object itself is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct About {
    pub object: ObjectRef,
    pub root: crate::yaml::NodeId,
    pub source: Option<String>,
}

impl About {
    pub fn of(o: &crate::model::Object) -> About {
        About {
            object: ObjectRef {
                api_version: o.api_version.clone(),
                kind: o.kind.clone(),
                namespace: o.namespace.clone(),
                name: o.name.clone(),
            },
            root: o.root,
            source: o.source.clone(),
        }
    }

    pub fn name(&self) -> &str {
        self.object.name.as_deref().unwrap_or("")
    }
}

/// One object of the run, as the relational rules see it.
#[derive(Debug, Clone)]
pub struct Fact {
    pub file: usize,
    pub about: About,
    /// The API group (`""` for the core group).
    pub group: String,
    /// Its namespace, or the run's default.
    pub namespace: String,
    /// Where wrong-controller findings point: the `kind` value.
    pub kind_span: Span,
    /// Captured from a cluster ([`Object::export`]).
    pub export: bool,
    /// From a `--context` file.
    pub context: bool,
    /// Its references can be judged: not a kustomize input (whose names and labels may still
    /// change), not an export.
    pub resolvable: bool,
    pub service: Option<ServiceFact>,
}

/// A Service's part in the run.
#[derive(Debug, Clone)]
pub struct ServiceFact {
    /// `clusterIP: None`.
    pub headless: bool,
    /// `type: ExternalName`.
    pub external_name: bool,
    /// Its selector, when it has a non-empty one.
    pub selector: Option<Labels>,
    /// The `clusterIP` value, else the `spec` key, else the object.
    pub cluster_ip_span: Span,
    /// The `selector` key, else the object.
    pub selector_span: Span,
}

impl Fact {
    pub fn name(&self) -> Option<&str> {
        self.about.object.name.as_deref()
    }

    pub fn kind(&self) -> &str {
        &self.about.object.kind
    }
}

/// The facts of every object of an index (one file's where it is read), in order.
pub fn facts(ix: &Index) -> Vec<Fact> {
    ix.objects.iter().map(|o| fact(ix, o)).collect()
}

fn fact(ix: &Index, o: &Object) -> Fact {
    let y = ix.file(o);
    let root_span = y.span(o.root);
    let service = match &o.typed {
        Some(Typed::Service(s)) => {
            let spec = s.spec.as_ref();
            let cluster_ip_span = y
                .lookup(o.root, &path!["spec", "clusterIP"])
                .or_else(|| y.lookup_key(o.root, &path!["spec"]))
                .map(|n| y.span(n))
                .unwrap_or(root_span);
            let selector_span = y.lookup_key(o.root, &path!["spec", "selector"]).map(|n| y.span(n)).unwrap_or(root_span);
            Some(ServiceFact {
                headless: spec.and_then(|s| s.cluster_ip.as_deref()) == Some("None"),
                external_name: spec.and_then(|s| s.type_.as_deref()) == Some("ExternalName"),
                selector: spec.and_then(|s| s.selector.clone()).filter(|s| !s.is_empty()),
                cluster_ip_span,
                selector_span,
            })
        }
        _ => None,
    };
    Fact {
        file: o.file,
        about: About::of(o),
        group: o.group().to_string(),
        namespace: ix.namespace_of(o).to_string(),
        kind_span: ix.kind_span(o),
        export: o.export,
        context: o.context,
        resolvable: !ix.parsed(o.file).source.kustomize && !o.export,
        service,
    }
}

/// What a workload subject keeps to compute its pods' labels against a selector found later.
pub fn labeler(w: &crate::model::Workload) -> PodLabeler {
    w.labeler()
}

/// The facts of a whole run, with the tables the relational rules share, built on first use.
pub struct World<'a> {
    facts: &'a [Fact],
    files: &'a Index,
    services: OnceLock<HashMap<(&'a str, &'a str), &'a Fact>>,
}

impl<'a> World<'a> {
    /// `files` numbers the run's files as the facts do (its objects are not read: where the
    /// run streams, they are gone).
    pub fn new(facts: &'a [Fact], files: &'a Index) -> World<'a> {
        World { facts, files, services: OnceLock::new() }
    }

    pub fn facts(&self) -> &'a [Fact] {
        self.facts
    }

    /// File number `file` of the run.
    pub fn file(&self, file: usize) -> &'a ParsedFile {
        self.files.parsed(file)
    }

    /// Services by (namespace, name): the first of each.
    pub fn services(&self) -> &HashMap<(&'a str, &'a str), &'a Fact> {
        self.services.get_or_init(|| {
            let mut m = HashMap::new();
            for f in self.facts {
                if let (Some(_), Some(name)) = (&f.service, f.name()) {
                    m.entry((f.namespace.as_str(), name)).or_insert(f);
                }
            }
            m
        })
    }
}
