//! Field paths: `spec.template.spec.containers[0].image` as steps (mapping keys and list
//! indexes), built by the deserializer, the model and the rules, and rendered only when a
//! finding is reported ([`std::fmt::Display`]).

use std::borrow::Cow;
use std::fmt;

/// One step of a field path: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Key(Cow<'static, str>),
    Index(usize),
}

impl Step {
    /// A key written in the source code (no allocation; usable in constants).
    pub const fn key(k: &'static str) -> Step {
        Step::Key(Cow::Borrowed(k))
    }

    /// The key of a key step.
    pub fn as_key(&self) -> Option<&str> {
        match self {
            Step::Key(k) => Some(k),
            Step::Index(_) => None,
        }
    }
}

impl From<&'static str> for Step {
    fn from(k: &'static str) -> Step {
        Step::key(k)
    }
}

impl From<String> for Step {
    fn from(k: String) -> Step {
        Step::Key(Cow::Owned(k))
    }
}

impl From<&String> for Step {
    fn from(k: &String) -> Step {
        Step::Key(Cow::Owned(k.clone()))
    }
}

impl From<usize> for Step {
    fn from(i: usize) -> Step {
        Step::Index(i)
    }
}

/// A field path below an object's root, e.g. `spec.template.spec.containers[0].image`.
#[derive(Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(Vec<Step>);

/// Steps of room a cloned or built path keeps for the keys the rules append to it
/// (`ps.clone().key("volumes").index(i).key("name")`): one allocation per path, not one per step.
const ROOM: usize = 4;

impl Clone for FieldPath {
    fn clone(&self) -> FieldPath {
        let mut steps = Vec::with_capacity(self.0.len() + ROOM);
        steps.extend_from_slice(&self.0);
        FieldPath(steps)
    }
}

/// A [`FieldPath`] from keys and indexes: `path!["spec", "ports", i, "port"]` (`&'static str`
/// and `String` are keys, `usize` is an index).
#[macro_export]
macro_rules! path {
    ($($step:expr),* $(,)?) => {{
        let mut steps = $crate::yaml::FieldPath::with_room(0 $(+ { let _ = stringify!($step); 1 })*);
        $(steps.push($step);)*
        steps
    }};
}

impl FieldPath {
    /// The empty path (the object's root).
    pub fn new() -> FieldPath {
        FieldPath(Vec::new())
    }

    /// An empty path with room for `steps` steps and a few more (see [`path!`]).
    pub fn with_room(steps: usize) -> FieldPath {
        FieldPath(Vec::with_capacity(steps + ROOM))
    }

    pub fn from_steps(steps: Vec<Step>) -> FieldPath {
        FieldPath(steps)
    }

    /// A path of keys written in the source code.
    pub fn from_keys(keys: &[&'static str]) -> FieldPath {
        let mut path = FieldPath::with_room(keys.len());
        path.0.extend(keys.iter().map(|k| Step::key(k)));
        path
    }

    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// This path with `key` appended.
    pub fn key(mut self, key: impl Into<Step>) -> FieldPath {
        self.0.push(key.into());
        self
    }

    /// This path with list index `i` appended.
    pub fn index(mut self, i: usize) -> FieldPath {
        self.0.push(Step::Index(i));
        self
    }

    pub fn push(&mut self, step: impl Into<Step>) {
        self.0.push(step.into());
    }

    /// This path followed by the steps of `other`.
    pub fn join(&self, other: &[Step]) -> FieldPath {
        let mut steps = Vec::with_capacity(self.0.len() + other.len());
        steps.extend_from_slice(&self.0);
        steps.extend_from_slice(other);
        FieldPath(steps)
    }

    /// The path without its last step (None for the empty path).
    pub fn parent(&self) -> Option<FieldPath> {
        let (_, rest) = self.0.split_last()?;
        Some(FieldPath(rest.to_vec()))
    }

    /// The last step when it is a key (`image` of `containers[0].image`).
    pub fn last_key(&self) -> Option<&str> {
        self.0.last().and_then(Step::as_key)
    }

    pub fn starts_with(&self, prefix: &[Step]) -> bool {
        self.0.starts_with(prefix)
    }

    /// Whether the path is exactly these keys.
    pub fn is_keys(&self, keys: &[&str]) -> bool {
        self.0.len() == keys.len() && self.0.iter().zip(keys).all(|(s, k)| s.as_key() == Some(*k))
    }
}

impl std::ops::Deref for FieldPath {
    type Target = [Step];

    fn deref(&self) -> &[Step] {
        &self.0
    }
}

impl Extend<Step> for FieldPath {
    fn extend<I: IntoIterator<Item = Step>>(&mut self, steps: I) {
        self.0.extend(steps);
    }
}

impl IntoIterator for FieldPath {
    type Item = Step;
    type IntoIter = std::vec::IntoIter<Step>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<Vec<Step>> for FieldPath {
    fn from(steps: Vec<Step>) -> FieldPath {
        FieldPath(steps)
    }
}

impl From<&[Step]> for FieldPath {
    fn from(steps: &[Step]) -> FieldPath {
        // With room for the keys appended to it (a pod spec's path, then `containers[0]`...).
        let mut path = FieldPath::with_room(steps.len());
        path.0.extend_from_slice(steps);
        path
    }
}

/// `spec.template.spec.containers[0].image`; a key that holds characters that would make the
/// path ambiguous (`.`, `[`, `]`, `"`, a space) or is empty is quoted:
/// `metadata.labels["app.kubernetes.io/name"]`.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if k.is_empty() || k.contains(['.', '[', ']', '"', ' ']) => {
                    write!(f, "[\"{}\"]", k.replace('"', "\\\""))?;
                }
                Step::Key(k) => {
                    // Every step writes something, so only the first one starts the text.
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_kubectl_paths() {
        let p = path!["spec", "template", "spec", "containers", 0usize, "image"];
        assert_eq!(p.to_string(), "spec.template.spec.containers[0].image");
        let p = path!["metadata", "labels", "app.kubernetes.io/name"];
        assert_eq!(p.to_string(), "metadata.labels[\"app.kubernetes.io/name\"]");
        assert_eq!(path!["a b", "c"].to_string(), "[\"a b\"].c");
        assert_eq!(path![String::new()].to_string(), "[\"\"]");
        assert_eq!(path!["say \"hi\""].to_string(), "[\"say \\\"hi\\\"\"]");
        assert_eq!(path![3usize, "x"].to_string(), "[3].x");
        assert_eq!(FieldPath::new().to_string(), "");
    }

    #[test]
    fn steps() {
        let p = FieldPath::from_keys(&["spec", "template"]).key("spec").index(2);
        assert_eq!(p.last_key(), None);
        assert_eq!(p.parent().and_then(|p| p.last_key().map(str::to_string)).as_deref(), Some("spec"));
        assert!(p.starts_with(&FieldPath::from_keys(&["spec", "template"])));
        assert_eq!(FieldPath::from_keys(&["a"]).join(&path!["b", 1usize]).to_string(), "a.b[1]");
        assert!(FieldPath::new().parent().is_none());
        assert!(path!["spec", "replicas"].is_keys(&["spec", "replicas"]));
    }
}
