//! A `serde::Deserializer` over the spanned node tree.
//!
//! One pass gives typed k8s-openapi objects *and* schema findings with positions:
//! `deserialize_struct` receives the type's field list, so an unknown key is recorded with its
//! key node and the fields it could have been (found by the type's visitor, or for
//! configuration by the field list: [`Mode::keys_by_visitor`]); a value of the wrong type is
//! recorded and replaced by an empty value so that every type error of an object is found, not
//! only the first. Scalars are typed the way kubectl types them (see [`super::scalar`]).
//!
//! There is exactly one Deserializer type here on purpose: k8s-openapi's Deserialize impls
//! are monomorphized once per Deserializer type, which dominates build time.

use super::scalar::Resolved;
use super::{FieldPath, NodeId, NodeKind, Step, YamlFile};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt;

/// What went wrong at a node.
#[derive(Debug, Clone, PartialEq)]
pub enum IssueKind {
    /// A key the schema does not have; `node` is the key.
    UnknownField { ty: &'static str, fields: &'static [&'static str] },
    /// A value of the wrong type; `expected` names the type.
    WrongType { expected: &'static str },
    /// A value of the right type that cannot be accepted (out of range, bad format).
    BadValue { message: String },
    /// A field the struct requires is absent (or null); `node` is the struct's mapping.
    MissingField { ty: &'static str, field: &'static str },
    /// The object expands to more than [`BUDGET`] values through aliases (or merge keys) that
    /// repeat its nodes: it is not typed. An object without them is never cut short (the
    /// file's node limit bounds it).
    TooLarge,
}

#[derive(Debug, Clone)]
pub struct Issue {
    pub kind: IssueKind,
    pub node: NodeId,
    /// The field path, e.g. `spec.template.spec.containers[0].image`.
    pub path: FieldPath,
}

/// A struct the deserializer walked: which fields it has, and where it sits.
#[derive(Debug, Clone)]
pub struct StructSeen {
    pub node: NodeId,
    pub parent: Option<NodeId>,
    pub name: &'static str,
    pub fields: &'static [&'static str],
}

#[derive(Debug)]
pub struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for DeError {}
impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

/// Path segments as a linked list on the stack: cheap to extend, turned into a [`FieldPath`]
/// only when a finding needs it.
#[derive(Clone, Copy)]
pub enum Seg<'a> {
    Root,
    Key(&'a str, &'a Seg<'a>),
    Index(usize, &'a Seg<'a>),
}

impl Seg<'_> {
    pub fn to_path(&self) -> FieldPath {
        let mut steps = Vec::new();
        let mut cur = self;
        loop {
            match cur {
                Seg::Root => break,
                Seg::Key(k, p) => {
                    steps.push(Step::from(k.to_string()));
                    cur = p;
                }
                Seg::Index(i, p) => {
                    steps.push(Step::Index(*i));
                    cur = p;
                }
            }
        }
        steps.reverse();
        FieldPath::from_steps(steps)
    }
}

/// At most this many issues are kept per object: past that, more add nothing.
const MAX_ISSUES: usize = 1000;

struct State<'f> {
    file: &'f YamlFile,
    /// Nodes already reported: a node reached through several aliases is reported once.
    reported: RefCell<HashSet<NodeId>>,
    issues: RefCell<Vec<Issue>>,
    structs: RefCell<Vec<StructSeen>>,
    /// Values met so far.
    used: Cell<u64>,
    /// The last node met: values are met in document order, so meeting a node at or before it
    /// means meeting one again, through an alias or a merge key.
    last: Cell<Option<NodeId>>,
    /// A node was met again: from here on the object may grow past its own nodes.
    repeated: Cell<bool>,
    /// The budget ran out (the object is reported as too large).
    too_large: Cell<bool>,
    /// [`BUDGET`] (smaller in tests).
    budget: u64,
    failed: Cell<Option<NodeId>>,
    failed_path: RefCell<FieldPath>,
    skip: HashSet<NodeId>,
    /// A string field takes any scalar's text (configuration), not only a YAML string.
    any_scalar_is_string: bool,
    /// [`Mode::keys_by_visitor`].
    keys_by_visitor: bool,
    required: Option<Required>,
}

impl State<'_> {
    fn push(&self, mut issue: Issue, path: &Seg) {
        let mut issues = self.issues.borrow_mut();
        if issues.len() >= MAX_ISSUES || !self.reported.borrow_mut().insert(issue.node) {
            return;
        }
        issue.path = path.to_path();
        issues.push(issue);
    }
}

/// The result of deserializing one object.
pub struct Outcome<T> {
    pub value: Option<T>,
    pub issues: Vec<Issue>,
    pub structs: Vec<StructSeen>,
}

/// How many values one object may expand to once aliases repeat its nodes (a small file made
/// large, a billion laughs). Without repeats an object is as large as its text.
pub const BUDGET: u64 = 1_000_000;

/// How a document is read.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// Skip the root's `apiVersion` and `kind` keys (a Kubernetes object: the caller has
    /// chosen the type from them).
    pub skip_type_keys: bool,
    /// A string field takes any scalar's text as written (`off`, `1.33`, `8080`), as a
    /// configuration file is read; Kubernetes objects are typed as kubectl types them.
    pub any_scalar_is_string: bool,
    /// The fields a struct requires, by the name and field list its Deserialize impl gives
    /// `deserialize_struct`: each absent (or null) one in a mapping is a
    /// [`IssueKind::MissingField`]. None: not checked.
    pub required: Option<Required>,
    /// The types' visitors skip a key they do not have (its value read as serde's
    /// `IgnoredAny`), which is where it is reported: k8s-openapi's and serde's derived
    /// visitors do. Without it (configuration, whose types may deny unknown fields, which a
    /// visitor reports as an error), each key is first looked up in the struct's field list
    /// and an unknown one is reported and never shown to the visitor.
    pub keys_by_visitor: bool,
}

/// See [`Mode::required`].
pub type Required = fn(&str, &[&str]) -> &'static [&'static str];

impl Mode {
    pub const KUBERNETES: Mode = Mode { skip_type_keys: true, any_scalar_is_string: false, required: None, keys_by_visitor: true };
    pub const CONFIGURATION: Mode = Mode { skip_type_keys: false, any_scalar_is_string: true, required: None, keys_by_visitor: false };
}

/// Deserializes the mapping at `root` into `T`, skipping its `apiVersion` and `kind` keys
/// (the caller has already chosen `T` from them). Never fails: what does not fit is an issue.
pub fn from_node<T: de::DeserializeOwned>(file: &YamlFile, root: NodeId) -> Outcome<T> {
    from_node_with(file, root, Mode::KUBERNETES)
}

/// [`from_node`] in another [`Mode`].
pub fn from_node_with<T: de::DeserializeOwned>(file: &YamlFile, root: NodeId, mode: Mode) -> Outcome<T> {
    from_node_budget(file, root, mode, BUDGET)
}

fn from_node_budget<T: de::DeserializeOwned>(file: &YamlFile, root: NodeId, mode: Mode, budget: u64) -> Outcome<T> {
    let mut skip = HashSet::new();
    let mut extra = Vec::new();
    for _ in 0..32 {
        let st = State {
            file,
            issues: RefCell::new(Vec::new()),
            reported: RefCell::new(HashSet::new()),
            // A manifest's object walks a dozen or so structs: room for them without growing.
            structs: RefCell::new(Vec::with_capacity(16)),
            used: Cell::new(0),
            last: Cell::new(None),
            repeated: Cell::new(false),
            too_large: Cell::new(false),
            budget,
            failed: Cell::new(None),
            failed_path: RefCell::new(FieldPath::new()),
            skip: skip.clone(),
            any_scalar_is_string: mode.any_scalar_is_string,
            keys_by_visitor: mode.keys_by_visitor,
            required: mode.required,
        };
        let de = De { st: &st, node: root, path: &Seg::Root, parent: None, root: mode.skip_type_keys, unknown: None };
        let result = T::deserialize(de);
        let mut issues = st.issues.into_inner();
        match result {
            Ok(v) => {
                issues.extend(extra);
                return Outcome { value: Some(v), issues, structs: st.structs.into_inner() };
            }
            Err(e) => {
                if st.too_large.get() {
                    extra.push(Issue { kind: IssueKind::TooLarge, node: root, path: FieldPath::new() });
                    return Outcome { value: None, issues: extra, structs: Vec::new() };
                }
                match st.failed.get() {
                    Some(n) if n != root && !skip.contains(&n) => {
                        extra.push(Issue { kind: IssueKind::BadValue { message: e.0 }, node: n, path: st.failed_path.into_inner() });
                        skip.insert(n);
                    }
                    _ => {
                        issues.extend(extra);
                        return Outcome { value: None, issues, structs: st.structs.into_inner() };
                    }
                }
            }
        }
    }
    Outcome { value: None, issues: extra, structs: Vec::new() }
}

#[derive(Clone, Copy)]
struct De<'a, 'f> {
    st: &'a State<'f>,
    node: NodeId,
    path: &'a Seg<'a>,
    /// The struct mapping this value sits in, for "wrong indentation" hints.
    parent: Option<NodeId>,
    /// At the root of an object whose `apiVersion` and `kind` are skipped.
    root: bool,
    /// The value of a struct's key: what to report should the struct's visitor skip it (an
    /// unknown field, see [`Unknown`]).
    unknown: Option<&'a Unknown>,
}

/// A key of a struct's mapping, while its value is read. With [`Mode::keys_by_visitor`], a key
/// the struct does not have is found by its visitor, which skips its value (serde's
/// `IgnoredAny`: k8s-openapi's and serde's derived visitors both do) rather than by looking the
/// key up in the field list first: that look-up was a tenth of the typing.
struct Unknown {
    key: NodeId,
    ty: &'static str,
    fields: &'static [&'static str],
}

enum Shape<'f> {
    Null,
    Scalar(&'f str, Resolved),
    Map(&'f [(NodeId, NodeId)]),
    Seq(&'f [NodeId]),
}

impl<'a, 'f> De<'a, 'f> {
    fn shape(&self) -> Shape<'f> {
        if !self.st.skip.is_empty() && self.st.skip.contains(&self.node) {
            return Shape::Null;
        }
        let file: &'f YamlFile = self.st.file;
        match &file.node(self.node).kind {
            NodeKind::Scalar { resolved: Resolved::Null, .. } => Shape::Null,
            NodeKind::Scalar { text, resolved, .. } => Shape::Scalar(file.text(*text), *resolved),
            NodeKind::Map(_) => Shape::Map(file.map_entries(self.node).unwrap_or(&[])),
            NodeKind::Seq(_) => Shape::Seq(file.seq_items(self.node).unwrap_or(&[])),
        }
    }

    /// Whether [`De::shape`] is [`Shape::Null`], without reading the value (every optional
    /// field asks this before its value is read).
    fn is_null(&self) -> bool {
        (!self.st.skip.is_empty() && self.st.skip.contains(&self.node))
            || matches!(self.st.file.node(self.node).kind, NodeKind::Scalar { resolved: Resolved::Null, .. })
    }

    /// Counts a value against the budget, which only an object that repeats nodes can pass.
    fn tick(&self) -> Result<(), DeError> {
        let st = self.st;
        match st.last.get() {
            Some(last) if self.node <= last => st.repeated.set(true),
            _ => st.last.set(Some(self.node)),
        }
        let used = st.used.get().saturating_add(1);
        st.used.set(used);
        if used > st.budget && st.repeated.get() {
            st.too_large.set(true);
            return Err(DeError("too large after expanding aliases".into()));
        }
        Ok(())
    }

    fn record(&self, kind: IssueKind) {
        self.st.push(Issue { kind, node: self.node, path: FieldPath::new() }, self.path);
    }

    /// Reports each of `required` that the mapping lacks (or sets to null), once per mapping
    /// (a mapping reached again through an alias is not reported twice).
    fn missing_fields(&self, entries: &[(NodeId, NodeId)], ty: &'static str, required: &'static [&'static str]) {
        let file = self.st.file;
        for &field in required {
            let present = entries.iter().any(|&(k, v)| file.scalar(k) == Some(field) && !file.is_null(v));
            if present {
                continue;
            }
            let mut issues = self.st.issues.borrow_mut();
            if issues.len() >= MAX_ISSUES {
                return;
            }
            // Only a node met again (an alias, a merge key) can be reported twice.
            let seen =
                self.st.repeated.get() && issues.iter().any(|i| i.node == self.node && i.kind == IssueKind::MissingField { ty, field });
            if !seen {
                issues.push(Issue { kind: IssueKind::MissingField { ty, field }, node: self.node, path: self.path.to_path().key(field) });
            }
        }
    }

    fn mismatch(&self, expected: &'static str) {
        self.record(IssueKind::WrongType { expected });
    }

    /// Marks this node as the origin of a visitor error (first one wins: the innermost).
    fn fail(&self, e: DeError) -> DeError {
        if self.st.failed.get().is_none() {
            self.st.failed.set(Some(self.node));
            *self.st.failed_path.borrow_mut() = self.path.to_path();
        }
        e
    }

    fn empty_map<'de, V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(MapAcc { de: *self, entries: &[], i: 0, fields: None, ty: "", value: None }).map_err(|e| self.fail(e))
    }

    fn int<'de, V: Visitor<'de>>(self, visitor: V, min: i128, max: i128, ty: &'static str) -> Result<V::Value, DeError> {
        self.tick()?;
        let r = match self.shape() {
            Shape::Null => visitor.visit_i64(0),
            // A resolved integer is an i64, so any one in range is visited as an i64.
            Shape::Scalar(_, Resolved::Int(v)) if (min..=max).contains(&i128::from(v)) => visitor.visit_i64(v),
            Shape::Scalar(t, Resolved::Int(_)) => {
                self.record(IssueKind::BadValue { message: format!("`{t}` is out of range for {ty}") });
                visitor.visit_i64(0)
            }
            // Too many digits for 64 bits: go-yaml reads it as a float, but it is meant as an integer.
            Shape::Scalar(t, Resolved::Float(_)) if t.trim_start_matches(['-', '+']).bytes().all(|b| b.is_ascii_digit() || b == b'_') => {
                self.record(IssueKind::BadValue { message: format!("`{t}` is out of range for {ty}") });
                visitor.visit_i64(0)
            }
            _ => {
                self.mismatch(match ty {
                    "int32" => "an integer (int32)",
                    "int64" => "an integer (int64)",
                    _ => "an integer",
                });
                visitor.visit_i64(0)
            }
        };
        r.map_err(|e| self.fail(e))
    }
}

macro_rules! ints {
    ($($m:ident => $min:expr, $max:expr, $ty:expr;)*) => {$(
        fn $m<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            self.int(visitor, i128::from($min), i128::from($max), $ty)
        }
    )*};
}

// Strings are always copied out (`visit_str`), so any input lifetime works.
impl<'de> de::Deserializer<'de> for De<'_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.tick()?;
        let r = match self.shape() {
            Shape::Null => visitor.visit_unit(),
            Shape::Scalar(_, Resolved::Bool(b)) => visitor.visit_bool(b),
            Shape::Scalar(_, Resolved::Int(v)) => visitor.visit_i64(v),
            Shape::Scalar(_, Resolved::Float(f)) => visitor.visit_f64(f),
            Shape::Scalar(t, _) => visitor.visit_str(t),
            Shape::Map(entries) => visitor.visit_map(MapAcc { de: self, entries, i: 0, fields: None, ty: "", value: None }),
            Shape::Seq(items) => visitor.visit_seq(SeqAcc { de: self, items, i: 0 }),
        };
        r.map_err(|e| self.fail(e))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.tick()?;
        let r = match self.shape() {
            Shape::Null => visitor.visit_bool(false),
            Shape::Scalar(_, Resolved::Bool(b)) => visitor.visit_bool(b),
            _ => {
                self.mismatch("a boolean (true or false)");
                visitor.visit_bool(false)
            }
        };
        r.map_err(|e| self.fail(e))
    }

    ints! {
        deserialize_i8 => i8::MIN, i8::MAX, "int8";
        deserialize_i16 => i16::MIN, i16::MAX, "int16";
        deserialize_i32 => i32::MIN, i32::MAX, "int32";
        deserialize_i64 => i64::MIN, i64::MAX, "int64";
        deserialize_u8 => 0, u8::MAX, "uint8";
        deserialize_u16 => 0, u16::MAX, "uint16";
        deserialize_u32 => 0, u32::MAX, "uint32";
        deserialize_u64 => 0, u64::MAX, "uint64";
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.tick()?;
        let r = match self.shape() {
            Shape::Null => visitor.visit_f64(0.0),
            // An integer in a float field becomes the nearest f64, as serde converts it for an f64.
            #[allow(clippy::cast_precision_loss)]
            Shape::Scalar(_, Resolved::Int(v)) => visitor.visit_f64(v as f64),
            Shape::Scalar(_, Resolved::Float(f)) => visitor.visit_f64(f),
            _ => {
                self.mismatch("a number");
                visitor.visit_f64(0.0)
            }
        };
        r.map_err(|e| self.fail(e))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.tick()?;
        let r = match self.shape() {
            Shape::Null => visitor.visit_str(""),
            Shape::Scalar(t, Resolved::Str) => visitor.visit_str(t),
            Shape::Scalar(t, _) if self.st.any_scalar_is_string => visitor.visit_str(t),
            Shape::Scalar(t, _) => {
                // kubectl sends `4`, `true`, `1.5` unquoted as JSON numbers/booleans, and the
                // API server rejects them for a string field.
                self.mismatch("a string");
                visitor.visit_str(t)
            }
            _ => {
                self.mismatch("a string");
                visitor.visit_str("")
            }
        };
        r.map_err(|e| self.fail(e))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit().map_err(|e| self.fail(e))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.tick()?;
        let r = match self.shape() {
            Shape::Seq(items) => visitor.visit_seq(SeqAcc { de: self, items, i: 0 }),
            Shape::Null => visitor.visit_seq(SeqAcc { de: self, items: &[], i: 0 }),
            _ => {
                self.mismatch("a list");
                visitor.visit_seq(SeqAcc { de: self, items: &[], i: 0 })
            }
        };
        r.map_err(|e| self.fail(e))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _name: &'static str, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.tick()?;
        let r = match self.shape() {
            Shape::Map(entries) => visitor.visit_map(MapAcc { de: self, entries, i: 0, fields: None, ty: "", value: None }),
            Shape::Null => return self.empty_map(visitor),
            _ => {
                self.mismatch("a mapping");
                return self.empty_map(visitor);
            }
        };
        r.map_err(|e| self.fail(e))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.tick()?;
        let r = match self.shape() {
            Shape::Map(entries) => {
                self.st.structs.borrow_mut().push(StructSeen { node: self.node, parent: self.parent, name, fields });
                if let Some(required) = self.st.required {
                    self.missing_fields(entries, name, required(name, fields));
                }
                visitor.visit_map(MapAcc { de: self, entries, i: 0, fields: Some(fields), ty: name, value: None })
            }
            Shape::Null => return self.empty_map(visitor),
            _ => {
                self.mismatch("a mapping");
                return self.empty_map(visitor);
            }
        };
        r.map_err(|e| self.fail(e))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.shape() {
            Shape::Scalar(t, _) => {
                let d: de::value::StrDeserializer<'_, DeError> = t.into_deserializer();
                visitor.visit_enum(d).map_err(|e| self.fail(e))
            }
            _ => Err(self.fail(DeError("expected a string".into()))),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if let Some(u) = self.unknown {
            let issue = Issue { kind: IssueKind::UnknownField { ty: u.ty, fields: u.fields }, node: u.key, path: FieldPath::new() };
            self.st.push(issue, self.path);
        }
        visitor.visit_unit()
    }
}

struct MapAcc<'a, 'f> {
    de: De<'a, 'f>,
    entries: &'f [(NodeId, NodeId)],
    i: usize,
    fields: Option<&'static [&'static str]>,
    ty: &'static str,
    /// The key just read (its text and node) and its value.
    value: Option<(&'f str, NodeId, NodeId)>,
}

impl<'de, 'f> de::MapAccess<'de> for MapAcc<'_, 'f> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        let file: &'f YamlFile = self.de.st.file;
        while let Some(&(k, v)) = self.entries.get(self.i) {
            self.i += 1;
            let key: &'f str = match &file.node(k).kind {
                NodeKind::Scalar { text, .. } => file.text(*text),
                _ => {
                    let d = De { node: k, unknown: None, ..self.de };
                    d.record(IssueKind::WrongType { expected: "a string key" });
                    continue;
                }
            };
            if self.de.root && (key == "apiVersion" || key == "kind") {
                continue;
            }
            if let Some(fields) = self.fields.filter(|_| !self.de.st.keys_by_visitor) {
                if !fields.contains(&key) {
                    let seg = Seg::Key(key, self.de.path);
                    self.de.st.push(Issue { kind: IssueKind::UnknownField { ty: self.ty, fields }, node: k, path: FieldPath::new() }, &seg);
                    continue;
                }
            }
            self.value = Some((key, k, v));
            let d: de::value::StrDeserializer<'_, DeError> = key.into_deserializer();
            return seed.deserialize(d).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let (key, k, v) = self.value.take().ok_or_else(|| DeError("value without a key".into()))?;
        let seg = Seg::Key(key, self.de.path);
        let Some(fields) = self.fields else {
            return seed.deserialize(De { st: self.de.st, node: v, path: &seg, parent: self.de.parent, root: false, unknown: None });
        };
        let unknown = Unknown { key: k, ty: self.ty, fields };
        let unknown = Some(&unknown).filter(|_| self.de.st.keys_by_visitor);
        seed.deserialize(De { st: self.de.st, node: v, path: &seg, parent: Some(self.de.node), root: false, unknown })
    }
}

struct SeqAcc<'a, 'f> {
    de: De<'a, 'f>,
    items: &'f [NodeId],
    i: usize,
}

impl<'de> de::SeqAccess<'de> for SeqAcc<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        let Some(&node) = self.items.get(self.i) else {
            return Ok(None);
        };
        let seg = Seg::Index(self.i, self.de.path);
        self.i += 1;
        seed.deserialize(De { st: self.de.st, node, path: &seg, parent: self.de.parent, root: false, unknown: None }).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.i)
    }
}

#[cfg(test)]
mod tests {
    use super::{from_node_budget, IssueKind, Mode, Outcome};
    use k8s_openapi::api::core::v1::ConfigMap;

    fn type_config_map(text: &str, budget: u64) -> Outcome<ConfigMap> {
        let f = crate::yaml::parse(text);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        from_node_budget(&f, f.docs[0].root.unwrap(), Mode::KUBERNETES, budget)
    }

    #[test]
    fn only_aliases_can_pass_the_budget() {
        // More values than the budget, none repeated: as large as its text, typed in full.
        let mut big = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n");
        for i in 0..40 {
            big.push_str(&format!("  k{i}: v\n"));
        }
        let out = type_config_map(&big, 10);
        assert!(out.issues.is_empty(), "{:?}", out.issues);
        assert_eq!(out.value.and_then(|c| c.data).map(|d| d.len()), Some(40));
        // Fewer values, but repeated through aliases past the budget: cut short, and said so.
        let alias = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: laughs\n  labels: &l {a: x, b: x, c: x, d: x, e: x}\n  annotations: *l\ndata: *l\n";
        let out = type_config_map(alias, 12);
        assert!(out.value.is_none());
        assert!(matches!(out.issues.as_slice(), [i] if i.kind == IssueKind::TooLarge), "{:?}", out.issues);
        assert!(type_config_map(alias, 1_000).value.is_some(), "under the budget, aliases are fine");
    }
}
