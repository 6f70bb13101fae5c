//! Custom resources checked against the `openAPIV3Schema` of their CustomResourceDefinition
//! when one is among the inputs (or `--context` files): unknown fields (with did-you-mean),
//! wrong types, missing required fields, and the values the API server checks (enum, minimum
//! and maximum, pattern, lengths, item counts), at their positions in the resource. Fields
//! under `x-kubernetes-preserve-unknown-fields` are free; `x-kubernetes-int-or-string` takes
//! either; an `x-kubernetes-embedded-resource` has its own apiVersion, kind and metadata.
//!
//! The schema is read where it sits in the CRD's node tree: nothing is copied. The API server
//! validates structural schemas, which is this subset of OpenAPI v3; `anyOf`/`oneOf`/`allOf`
//! and `x-kubernetes-validations` (CEL) are not evaluated.

use super::Object;
use crate::yaml::de::{Issue, IssueKind};
use crate::yaml::scalar::Resolved;
use crate::yaml::{is_placeholder, FieldPath, NodeId, NodeKind, YamlFile};
use std::collections::{HashMap, HashSet};

/// One version of a CRD: its name, whether it is served, and its schema's node.
#[derive(Debug, Clone)]
pub struct CrdVersion {
    pub name: String,
    pub served: bool,
    pub schema: Option<NodeId>,
}

/// A CustomResourceDefinition among the inputs.
#[derive(Debug, Clone)]
pub struct Crd {
    /// Its `metadata.name` (`leaderworkersets.leaderworkerset.x-k8s.io`).
    pub name: String,
    pub file: usize,
    pub versions: Vec<CrdVersion>,
    /// The API server keeps unknown fields (an apiextensions.k8s.io/v1beta1 CRD without
    /// `preserveUnknownFields: false`): they are not reported.
    pub preserve_unknown: bool,
}

/// What [`collect`] reads of a CustomResourceDefinition object besides its file's tree: kept
/// by a streamed run after the object itself is let go.
#[derive(Debug, Clone)]
pub struct Definition {
    pub file: usize,
    pub root: NodeId,
    pub name: Option<String>,
    pub v1beta1: bool,
}

impl Definition {
    /// The definition an object makes, if it is a CustomResourceDefinition.
    pub fn of(o: &Object) -> Option<Definition> {
        if o.kind != "CustomResourceDefinition" || o.group() != "apiextensions.k8s.io" {
            return None;
        }
        let v1beta1 = o.api_version.as_deref() == Some("apiextensions.k8s.io/v1beta1");
        Some(Definition { file: o.file, root: o.root, name: o.name.clone(), v1beta1 })
    }
}

/// The CRDs of the inputs by (group, kind), every copy (a repository may keep one generated
/// from its code and a stale one in a chart).
pub fn collect<'a, 'o>(files: Files<'a, '_>, objects: impl IntoIterator<Item = &'o Object>) -> Crds<'a> {
    let defs: Vec<Definition> = objects.into_iter().filter_map(Definition::of).collect();
    collect_definitions(files, &defs)
}

/// [`collect`] from the definitions alone.
pub fn collect_definitions<'a>(files: Files<'a, '_>, defs: &[Definition]) -> Crds<'a> {
    let mut m = HashMap::new();
    for d in defs {
        let Some(y) = files(d.file) else { continue };
        let Some(spec) = y.get(d.root, "spec") else { continue };
        let (Some(group), Some(kind)) = (y.get_str(spec, "group"), y.get(spec, "names").and_then(|n| y.get_str(n, "kind"))) else {
            continue;
        };
        let mut versions = Vec::new();
        // apiextensions.k8s.io/v1: a schema per version; v1beta1: one for all.
        let shared = y.get(spec, "validation").and_then(|v| y.get(v, "openAPIV3Schema"));
        for &v in y.get(spec, "versions").and_then(|v| y.seq_items(v)).unwrap_or(&[]) {
            let Some(name) = y.get_str(v, "name") else { continue };
            let served = y.get(v, "served").is_none_or(|s| y.scalar(s) != Some("false"));
            let schema = y.get(v, "schema").and_then(|s| y.get(s, "openAPIV3Schema")).or(shared);
            versions.push(CrdVersion { name: name.to_string(), served, schema });
        }
        if versions.is_empty() {
            if let Some(name) = y.get_str(spec, "version") {
                versions.push(CrdVersion { name: name.to_string(), served: true, schema: shared });
            }
        }
        let name = d.name.clone().unwrap_or_default();
        let preserve_unknown = d.v1beta1 && y.get(spec, "preserveUnknownFields").is_none_or(|p| y.scalar(p) != Some("false"));
        m.entry((group, kind)).or_insert_with(Vec::new).push(Crd { name, file: d.file, versions, preserve_unknown });
    }
    m
}

/// Issues of one resource against a schema. `skip` holds nodes already typed another way (the
/// pod templates of a known kind, typed as PodTemplateSpecs).
pub fn validate(
    sy: &YamlFile,
    schema: NodeId,
    y: &YamlFile,
    root: NodeId,
    kind: &str,
    skip: &HashSet<NodeId>,
    preserve_unknown: bool,
) -> Vec<Issue> {
    let mut v = Validator { sy, y, skip, preserve_unknown, issues: Vec::new() };
    v.walk(root, schema, &FieldPath::new(), kind, true, 0);
    v.issues
}

/// The schemas kshape bundles (`rules/crd-schemas.yaml`, generated by
/// `scripts/gen-crd-schemas.py` from each project's upstream CRD at a pinned commit).
pub const CRD_SCHEMAS: &str = include_str!("../../rules/crd-schemas.yaml");

/// The bundled schemas, parsed once: the node tree and each (group, kind, version)'s schemas
/// (one per release that differs) with the CRDs they came from.
pub struct Bundled {
    pub file: YamlFile,
    pub schemas: HashMap<(String, String, String), Vec<(NodeId, String)>>,
}

pub fn bundled() -> &'static Bundled {
    static B: std::sync::OnceLock<Bundled> = std::sync::OnceLock::new();
    B.get_or_init(|| {
        let file = crate::yaml::parse(CRD_SCHEMAS);
        let mut schemas = HashMap::new();
        for doc in &file.docs {
            let Some(root) = doc.root else { continue };
            let (Some(g), Some(k), Some(v), Some(schema)) =
                (file.get_str(root, "group"), file.get_str(root, "kind"), file.get_str(root, "version"), file.get(root, "schema"))
            else {
                continue;
            };
            let source = file.get_str(root, "source").unwrap_or("").to_string();
            schemas.entry((g.to_string(), k.to_string(), v.to_string())).or_insert_with(Vec::new).push((schema, source));
        }
        Bundled { file, schemas }
    })
}

/// The parsed files of a run by number (those that hold the CRDs and the resources checked).
pub type Files<'a, 'b> = &'b dyn Fn(usize) -> Option<&'a YamlFile>;

/// The CRDs of a run by (group, kind), as [`collect`] gives them.
pub type Crds<'a> = HashMap<(&'a str, &'a str), Vec<Crd>>;

/// A custom resource's schema issues: against the copies of its CRD among the inputs, else the
/// releases kshape bundles for it (parsed into `bundled` on first use). A version no copy serves
/// is reported on `apiVersion`; a version the bundle does not know is not judged (it may be
/// newer than the bundle).
pub fn issues_of(files: Files, crds: &Crds, bundled: &mut Option<&'static Bundled>, o: &Object) -> Vec<Issue> {
    let Some(api_version) = o.api_version.as_deref() else { return Vec::new() };
    let Some((group, version)) = api_version.rsplit_once('/') else { return Vec::new() };
    let Some(y) = files(o.file) else { return Vec::new() };
    let Some(copies) = crds.get(&(group, o.kind.as_str())) else {
        if crate::model::custom::builtin_group(group) {
            return Vec::new();
        }
        let b = *bundled.get_or_insert_with(self::bundled);
        let Some(schemas) = b.schemas.get(&(group.to_string(), o.kind.clone(), version.to_string())) else { return Vec::new() };
        let skip = typed_templates(y, o, group, version);
        return agreed(schemas.iter().map(|(schema, _)| validate(&b.file, *schema, y, o.root, &o.kind, &skip, false)).collect());
    };
    let serving: Vec<(&Crd, Option<NodeId>)> =
        copies.iter().filter_map(|c| c.versions.iter().find(|v| v.name == version && v.served).map(|v| (c, v.schema))).collect();
    if serving.is_empty() {
        let Some(node) = y.get(o.root, "apiVersion") else { return Vec::new() };
        let listed = copies.iter().any(|c| c.versions.iter().any(|v| v.name == version));
        let why = if listed { "marks it `served: false`" } else { "does not define it" };
        let name = copies.first().map(|c| c.name.as_str()).unwrap_or("");
        let message = format!("`{api_version}` is not served: CustomResourceDefinition `{name}` {why} (served: {})", served(copies));
        return vec![Issue { kind: IssueKind::BadValue { message }, node, path: crate::path!["apiVersion"] }];
    }
    // A copy without a schema accepts anything: nothing is rejected by every copy.
    if !serving.iter().all(|(_, s)| s.is_some()) {
        return Vec::new();
    }
    let skip = typed_templates(y, o, group, version);
    agreed(
        serving.iter().filter_map(|(c, s)| Some(validate(files(c.file)?, (*s)?, y, o.root, &o.kind, &skip, c.preserve_unknown))).collect(),
    )
}

/// The pod templates of a known custom kind: typed as PodTemplateSpecs already, so a CRD's
/// schema does not check them twice.
fn typed_templates(y: &YamlFile, o: &Object, group: &str, version: &str) -> HashSet<NodeId> {
    let mut skip = HashSet::new();
    if let Some(c) = crate::model::custom::custom_kind(group, &o.kind).filter(|c| c.versions.iter().any(|v| v == version)) {
        for t in &c.templates {
            skip.extend(crate::model::custom::template_nodes(y, o.root, &t.path).into_iter().map(|(_, n)| n));
        }
    }
    skip
}

/// The issues every copy of a CRD finds: where copies disagree (one is stale), the resource
/// may be right, and only what all of them reject is reported.
pub fn agreed(mut found: Vec<Vec<Issue>>) -> Vec<Issue> {
    let Some(first) = found.pop() else { return Vec::new() };
    first
        .into_iter()
        .filter(|i| {
            found.iter().all(|other| {
                other
                    .iter()
                    .any(|j| j.node == i.node && j.path == i.path && std::mem::discriminant(&j.kind) == std::mem::discriminant(&i.kind))
            })
        })
        .collect()
}

/// The versions the copies of a CRD serve, for messages.
pub fn served(crds: &[Crd]) -> String {
    let mut v: Vec<&str> = crds.iter().flat_map(|c| c.versions.iter()).filter(|v| v.served).map(|v| v.name.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

struct Validator<'a> {
    sy: &'a YamlFile,
    y: &'a YamlFile,
    skip: &'a HashSet<NodeId>,
    preserve_unknown: bool,
    issues: Vec<Issue>,
}

/// Nesting below which a resource is not followed (schemas of recursive types end far above).
const MAX_DEPTH: usize = 96;

impl Validator<'_> {
    fn flag(&self, schema: NodeId, key: &str) -> bool {
        self.sy.get(schema, key).is_some_and(|n| self.sy.scalar(n) == Some("true"))
    }

    fn number(&self, schema: NodeId, key: &str) -> Option<f64> {
        self.sy.get(schema, key).and_then(|n| self.sy.scalar(n)).and_then(|s| s.trim().parse::<f64>().ok())
    }

    fn push(&mut self, kind: IssueKind, node: NodeId, path: &FieldPath) {
        self.issues.push(Issue { kind, node, path: path.clone() });
    }

    fn walk(&mut self, node: NodeId, schema: NodeId, path: &FieldPath, ty: &str, top: bool, depth: usize) {
        if depth > MAX_DEPTH || self.skip.contains(&node) || self.y.is_null(node) {
            return;
        }
        let (sy, y) = (self.sy, self.y);
        if y.scalar(node).is_some_and(is_placeholder) {
            return;
        }
        let ty_of = sy.get_str(schema, "type");
        if self.flag(schema, "x-kubernetes-int-or-string") {
            if y.scalar(node).is_none() {
                self.push(IssueKind::WrongType { expected: "an integer or a string" }, node, path);
            }
            return;
        }
        let has_properties = sy.get(schema, "properties").is_some();
        match ty_of.or(if has_properties { Some("object") } else { None }) {
            Some("object") => {
                let Some(entries) = y.map_entries(node) else {
                    self.push(IssueKind::WrongType { expected: "a mapping" }, node, path);
                    return;
                };
                let props = sy.get(schema, "properties");
                let additional = sy.get(schema, "additionalProperties");
                let free = self.preserve_unknown
                    || self.flag(schema, "x-kubernetes-preserve-unknown-fields")
                    || additional.is_some_and(|a| {
                        sy.scalar(a) == Some("true") || (sy.map_entries(a).is_some() && sy.map_entries(a).is_some_and(|e| e.is_empty()))
                    });
                let extra_schema = additional.filter(|a| sy.map_entries(*a).is_some_and(|e| !e.is_empty()));
                let resource = top || self.flag(schema, "x-kubernetes-embedded-resource");
                let mut present: HashSet<&str> = HashSet::new();
                for &(k, v) in entries {
                    let Some(key) = y.scalar(k) else { continue };
                    if !y.is_null(v) {
                        present.insert(key);
                    }
                    if resource && matches!(key, "apiVersion" | "kind" | "metadata") {
                        continue;
                    }
                    let child = path.clone().key(key.to_string());
                    if let Some(s) = props.and_then(|p| sy.get(p, key)) {
                        // Named as Go types are: `ModelCacheSpec` for `spec`, then by field.
                        let name = if top { format!("{ty}{}", type_name(key)) } else { type_name(key) };
                        self.walk(v, s, &child, &name, false, depth + 1);
                    } else if let Some(s) = extra_schema {
                        self.walk(v, s, &child, ty, false, depth + 1);
                    } else if !free && !key.starts_with('$') {
                        let fields: Vec<&'static str> = props
                            .and_then(|p| sy.map_entries(p))
                            .into_iter()
                            .flatten()
                            .filter_map(|(pk, _)| sy.scalar(*pk))
                            .map(crate::util::intern)
                            .collect();
                        let kind = IssueKind::UnknownField { ty: crate::util::intern(ty), fields: crate::util::intern_list(fields) };
                        self.push(kind, k, &child);
                    }
                }
                for &r in sy.get(schema, "required").and_then(|r| sy.seq_items(r)).unwrap_or(&[]) {
                    let Some(field) = sy.scalar(r) else { continue };
                    // The API server fills in a field with a `default` before it validates (the
                    // bundled schemas keep `default: true` for its presence).
                    let defaulted = props.and_then(|p| sy.get(p, field)).is_some_and(|f| sy.get(f, "default").is_some());
                    let own = resource && matches!(field, "apiVersion" | "kind" | "metadata");
                    if !(present.contains(field) || defaulted || own) {
                        let kind = IssueKind::MissingField { ty: crate::util::intern(ty), field: crate::util::intern(field) };
                        self.push(kind, node, &path.clone().key(field.to_string()));
                    }
                }
                self.counts(node, schema, path, entries.len(), ("properties", "minProperties", "maxProperties"));
            }
            Some("array") => {
                let Some(items) = y.seq_items(node) else {
                    self.push(IssueKind::WrongType { expected: "a list" }, node, path);
                    return;
                };
                if let Some(s) = sy.get(schema, "items") {
                    for (i, &item) in items.iter().enumerate() {
                        self.walk(item, s, &path.clone().index(i), ty, false, depth + 1);
                    }
                }
                self.counts(node, schema, path, items.len(), ("items", "minItems", "maxItems"));
            }
            Some(t @ ("string" | "integer" | "number" | "boolean")) => self.scalar(node, schema, path, t),
            _ => {}
        }
    }

    /// `minItems`/`maxItems` (or properties): `keys` names what is counted and the two bounds.
    fn counts(&mut self, node: NodeId, schema: NodeId, path: &FieldPath, n: usize, keys: (&str, &str, &str)) {
        let (what, min, max) = keys;
        // Counts of a file's nodes fit in a u32, and so exactly in an f64.
        let n_f = f64::from(u32::try_from(n).unwrap_or(u32::MAX));
        if let Some(m) = self.number(schema, min).filter(|m| n_f < *m) {
            self.push(IssueKind::BadValue { message: format!("`{path}` has {n} {what}; the CRD requires at least {m}") }, node, path);
        }
        if let Some(m) = self.number(schema, max).filter(|m| n_f > *m) {
            self.push(IssueKind::BadValue { message: format!("`{path}` has {n} {what}; the CRD allows at most {m}") }, node, path);
        }
    }

    fn scalar(&mut self, node: NodeId, schema: NodeId, path: &FieldPath, t: &str) {
        let (sy, y) = (self.sy, self.y);
        let Some(text) = y.scalar(node) else {
            let expected = match t {
                "string" => "a string",
                "integer" => "an integer",
                "number" => "a number",
                _ => "a boolean",
            };
            self.push(IssueKind::WrongType { expected }, node, path);
            return;
        };
        let resolved = match &y.node(node).kind {
            NodeKind::Scalar { resolved, .. } => *resolved,
            _ => return,
        };
        let expected = match (t, &resolved) {
            ("string", Resolved::Str)
            | ("integer", Resolved::Int(_))
            | ("number", Resolved::Int(_) | Resolved::Float(_))
            | ("boolean", Resolved::Bool(_)) => None,
            ("string", _) => Some("a string"),
            ("integer", _) => Some("an integer"),
            ("number", _) => Some("a number"),
            _ => Some("a boolean"),
        };
        if let Some(expected) = expected {
            self.push(IssueKind::WrongType { expected }, node, path);
            return;
        }
        if let Some(values) = sy.get(schema, "enum").and_then(|e| sy.seq_items(e)) {
            let allowed: Vec<&str> = values.iter().filter_map(|v| sy.scalar(*v)).collect();
            if !allowed.is_empty() && !allowed.contains(&text) {
                let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
                let close = allowed
                    .iter()
                    .find(|a| a.eq_ignore_ascii_case(text))
                    .map(|a| format!(" (did you mean `{a}`? values are case-sensitive)"))
                    .unwrap_or_default();
                self.push(
                    IssueKind::BadValue { message: format!("`{text}` is not a value `{path}` allows; allowed: {list}{close}") },
                    node,
                    path,
                );
                return;
            }
        }
        match resolved {
            Resolved::Int(_) | Resolved::Float(_) => {
                let Ok(v) = text.trim().parse::<f64>() else { return };
                let exclusive_min = self.flag(schema, "exclusiveMinimum");
                let exclusive_max = self.flag(schema, "exclusiveMaximum");
                if let Some(m) = self.number(schema, "minimum").filter(|m| if exclusive_min { v <= *m } else { v < *m }) {
                    let bound = if exclusive_min { "above" } else { "at least" };
                    self.push(IssueKind::BadValue { message: format!("`{path}` is {text}; the CRD requires {bound} {m}") }, node, path);
                }
                if let Some(m) = self.number(schema, "maximum").filter(|m| if exclusive_max { v >= *m } else { v > *m }) {
                    let bound = if exclusive_max { "below" } else { "at most" };
                    self.push(IssueKind::BadValue { message: format!("`{path}` is {text}; the CRD requires {bound} {m}") }, node, path);
                }
            }
            Resolved::Str => {
                let chars = f64::from(u32::try_from(text.chars().count()).unwrap_or(u32::MAX));
                if let Some(m) = self.number(schema, "maxLength").filter(|m| chars > *m) {
                    self.push(
                        IssueKind::BadValue { message: format!("`{path}` is {chars} characters long; the CRD allows at most {m}") },
                        node,
                        path,
                    );
                }
                if let Some(m) = self.number(schema, "minLength").filter(|m| chars < *m) {
                    self.push(
                        IssueKind::BadValue { message: format!("`{path}` is {chars} characters long; the CRD requires at least {m}") },
                        node,
                        path,
                    );
                }
                if let Some(p) = sy.get_str(schema, "pattern").or_else(|| sy.get(schema, "pattern").and_then(|n| sy.scalar(n))) {
                    // ECMA-262 patterns the regex crate reads the same way; others are not judged.
                    if let Some(re) = pattern(p) {
                        if !re.is_match(text) {
                            self.push(
                                IssueKind::BadValue {
                                    message: format!("`{text}` does not match the pattern `{p}` the CRD sets for `{path}`"),
                                },
                                node,
                                path,
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A compiled CRD pattern (cached: one CRD's patterns repeat across its resources).
fn pattern(p: &str) -> Option<regex::Regex> {
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut m = cache.lock().ok()?;
    if m.len() > 4096 {
        m.clear();
    }
    m.entry(p.to_string()).or_insert_with(|| regex::RegexBuilder::new(p).size_limit(1 << 20).build().ok()).clone()
}

/// The name a message gives the schema of a field: `leaderWorkerTemplate` -> `LeaderWorkerTemplate`.
fn type_name(key: &str) -> String {
    let mut c = key.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(crd: &str, cr: &str) -> Vec<String> {
        let sy = crate::yaml::parse(crd);
        let y = crate::yaml::parse(cr);
        let root = y.docs[0].root.unwrap();
        let schema = sy.docs[0].root.unwrap();
        validate(&sy, schema, &y, root, "Thing", &HashSet::new(), false)
            .into_iter()
            .map(|i| {
                let what = match &i.kind {
                    IssueKind::UnknownField { .. } => "unknown".to_string(),
                    IssueKind::WrongType { expected } => format!("type {expected}"),
                    IssueKind::MissingField { field, .. } => format!("missing {field}"),
                    IssueKind::BadValue { message } => format!("value {message}"),
                    IssueKind::TooLarge => "large".into(),
                };
                format!("{} {what}", i.path)
            })
            .collect()
    }

    const SCHEMA: &str = "type: object
properties:
  spec:
    type: object
    required: [size]
    properties:
      size: {type: integer, minimum: 1, maximum: 8}
      mode: {type: string, enum: [Fast, Safe]}
      name: {type: string, maxLength: 5, pattern: '^[a-z]+$'}
      port: {x-kubernetes-int-or-string: true}
      extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
      labels: {type: object, additionalProperties: {type: string}}
      items: {type: array, maxItems: 1, items: {type: object, properties: {a: {type: boolean}}}}
";

    #[test]
    fn a_resource_is_checked_against_its_schema() {
        let found = issues(
            SCHEMA,
            "apiVersion: x/v1\nkind: Thing\nmetadata: {name: t, labels: {a: b}}\nspec:\n  siz: 3\n  mode: fast\n  name: ABCDEFG\n  port: http\n  extra: {anything: [1]}\n  labels: {a: 1}\n  items: [{a: yes}, {a: 'no'}]\n",
        );
        assert_eq!(
            found,
            [
                "spec.siz unknown",
                "spec.mode value `fast` is not a value `spec.mode` allows; allowed: `Fast`, `Safe` (did you mean `Fast`? values are case-sensitive)",
                "spec.name value `spec.name` is 7 characters long; the CRD allows at most 5",
                "spec.name value `ABCDEFG` does not match the pattern `^[a-z]+$` the CRD sets for `spec.name`",
                "spec.labels.a type a string",
                "spec.items[1].a type a boolean",
                "spec.items value `spec.items` has 2 items; the CRD allows at most 1",
                "spec.size missing size",
            ]
        );
        assert!(issues(SCHEMA, "spec: {size: 9}\n")[0].starts_with("spec.size value `spec.size` is 9; the CRD requires at most 8"));
        assert_eq!(issues(SCHEMA, "spec: {size: 2, port: 8080, mode: Safe}\n"), Vec::<String>::new());
        assert_eq!(issues(SCHEMA, "spec: {size: '${SIZE}', port: [1]}\n"), ["spec.port type an integer or a string"]);
    }
}

#[cfg(test)]
mod bundled_tests {
    #[test]
    fn the_bundled_schemas_parse_and_cover_the_ai_resources() {
        let b = super::bundled();
        assert!(b.file.errors.is_empty(), "{:?}", b.file.errors.first());
        for (g, k, v) in [
            ("leaderworkerset.x-k8s.io", "LeaderWorkerSet", "v1"),
            ("jobset.x-k8s.io", "JobSet", "v1alpha2"),
            ("kubeflow.org", "PyTorchJob", "v1"),
            ("kubeflow.org", "MPIJob", "v2beta1"),
            ("ray.io", "RayCluster", "v1"),
            ("serving.kserve.io", "InferenceService", "v1beta1"),
            ("batch.volcano.sh", "Job", "v1alpha1"),
            ("argoproj.io", "Rollout", "v1alpha1"),
            ("trainer.kubeflow.org", "TrainJob", "v1alpha1"),
        ] {
            assert!(b.schemas.contains_key(&(g.to_string(), k.to_string(), v.to_string())), "{g}/{k} {v}");
        }
    }
}
