//! Label selectors: does a selector select a set of labels, and if not, which requirement fails.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

/// Labels kept compactly: sorted by key, each key once, the keys and values one after the
/// other in one text with their ends beside it (two allocations however many labels, shared by
/// clones: a pod template's labels and its controller's copy are one). The run's facts hold one
/// set per Service, budget and pod template, and a [`Labels`] map costs a node of about 500
/// bytes however few its entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Pairs {
    text: std::sync::Arc<str>,
    /// The end of each key and of each value in `text`, in turn.
    ends: std::sync::Arc<[u32]>,
}

impl Pairs {
    pub fn of(labels: &Labels) -> Pairs {
        Pairs::from_sorted(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// From pairs sorted by key, each key once.
    fn from_sorted<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Pairs {
        // Sized first (a pass over borrowed pairs): grown pair by pair, the two buffers were
        // reallocated several times for every label set of the run.
        let (count, bytes) = pairs.clone().fold((0usize, 0usize), |(n, b), (k, v)| (n + 1, b.saturating_add(k.len() + v.len())));
        let mut text = String::with_capacity(bytes);
        let mut ends = Vec::with_capacity(2 * count);
        for (k, v) in pairs {
            // Past 4 GiB of labels (no file kshape reads holds that many) the rest is left out.
            let Ok(end) = u32::try_from(text.len() + k.len() + v.len()) else { break };
            text.push_str(k);
            ends.push(end - u32::try_from(v.len()).unwrap_or(0));
            text.push_str(v);
            ends.push(end);
        }
        Pairs { text: text.into(), ends: ends.into() }
    }

    /// Pair `i`: (key, value).
    fn pair(&self, i: usize) -> (&str, &str) {
        let at = |j: usize| j.checked_sub(1).and_then(|j| self.ends.get(j)).map_or(0, |&e| e as usize);
        let (k0, k1, v1) = (at(2 * i), at(2 * i + 1), at(2 * i + 2));
        (self.text.get(k0..k1).unwrap_or(""), self.text.get(k1..v1).unwrap_or(""))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (k, v) = self.pair(mid);
            match k.cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(v),
            }
        }
        None
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        (0..self.len()).map(|i| self.pair(i))
    }

    pub fn len(&self) -> usize {
        self.ends.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn to_labels(&self) -> Labels {
        self.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// These pairs without those `keep` refuses.
    pub fn filtered(&self, keep: impl Fn(&str, &str) -> bool) -> Pairs {
        Pairs::from_sorted(self.iter().filter(|(k, v)| keep(k, v)))
    }
}

/// A set of labels looked up by key.
pub trait Lookup {
    fn lookup(&self, key: &str) -> Option<&str>;
}

impl Lookup for Labels {
    fn lookup(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl Lookup for Pairs {
    fn lookup(&self, key: &str) -> Option<&str> {
        self.get(key)
    }
}

/// Why a selector does not select a set of labels, in words for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub key: String,
    pub reason: String,
}

/// Whether `sel` selects `labels`; the first requirement that fails otherwise.
/// `satisfied` lets a caller treat some keys as present (labels a controller adds to pods).
pub fn check(sel: &LabelSelector, labels: &Labels, satisfied: &dyn Fn(&str) -> bool) -> Result<(), Miss> {
    for (k, v) in sel.match_labels.iter().flatten() {
        match labels.get(k) {
            Some(have) if have == v => {}
            _ if satisfied(k) => {}
            Some(have) => return Err(Miss { key: k.clone(), reason: format!("selector wants `{k}: {v}`, the pods have `{k}: {have}`") }),
            None => return Err(Miss { key: k.clone(), reason: format!("selector wants `{k}: {v}`, the pods have no `{k}` label") }),
        }
    }
    for e in sel.match_expressions.iter().flatten() {
        let have = labels.get(&e.key);
        let values = e.values.as_deref().unwrap_or(&[]);
        let ok = match e.operator.as_str() {
            "In" => have.is_some_and(|h| values.contains(h)),
            "NotIn" => have.is_none_or(|h| !values.contains(h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => true, // an invalid operator is [`InvalidFieldValue`](crate::rules::RuleId::InvalidFieldValue)'s business
        };
        if ok || (satisfied(&e.key) && e.operator != "DoesNotExist" && e.operator != "NotIn") {
            continue;
        }
        let list = values.join(", ");
        let reason = match (e.operator.as_str(), have) {
            ("In", Some(h)) => format!("selector wants `{}` in ({list}), the pods have `{}: {h}`", e.key, e.key),
            ("In", None) | ("Exists", None) => format!("selector wants a `{}` label, the pods have none", e.key),
            ("NotIn", Some(h)) => format!("selector excludes `{}: {h}`, which the pods have", e.key),
            ("DoesNotExist", Some(h)) => format!("selector wants no `{}` label, the pods have `{}: {h}`", e.key, e.key),
            _ => format!("the `{}` requirement does not match", e.key),
        };
        return Err(Miss { key: e.key.clone(), reason });
    }
    Ok(())
}

/// A Service-style selector (a plain map): every pair must be in the labels.
pub fn check_map(sel: &Labels, labels: &Labels, satisfied: &dyn Fn(&str) -> bool) -> Result<(), Miss> {
    check_pairs(sel.iter().map(|(k, v)| (k.as_str(), v.as_str())), labels, satisfied)
}

/// [`check_map`] for a selector given as its pairs (in key order) and labels of any form.
pub fn check_pairs<'a>(
    sel: impl IntoIterator<Item = (&'a str, &'a str)>,
    labels: &dyn Lookup,
    satisfied: &dyn Fn(&str) -> bool,
) -> Result<(), Miss> {
    for (k, v) in sel {
        match labels.lookup(k) {
            Some(have) if have == v => {}
            _ if satisfied(k) => {}
            Some(have) => {
                return Err(Miss { key: k.to_string(), reason: format!("selector wants `{k}: {v}`, the pods have `{k}: {have}`") })
            }
            None => return Err(Miss { key: k.to_string(), reason: format!("selector wants `{k}: {v}`, the pods have no `{k}` label") }),
        }
    }
    Ok(())
}

/// A selector that selects everything (no requirements at all).
pub fn is_empty(sel: &LabelSelector) -> bool {
    sel.match_labels.as_ref().is_none_or(|m| m.is_empty()) && sel.match_expressions.as_ref().is_none_or(|m| m.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_keep_sorted_labels() {
        let labels: Labels =
            [("b", "2"), ("a", ""), ("app.kubernetes.io/name", "web")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let p = Pairs::of(&labels);
        assert_eq!(p.len(), 3);
        assert_eq!(p.iter().collect::<Vec<_>>(), [("a", ""), ("app.kubernetes.io/name", "web"), ("b", "2")]);
        assert_eq!((p.get("a"), p.get("b"), p.get("app.kubernetes.io/name"), p.get("c")), (Some(""), Some("2"), Some("web"), None));
        assert_eq!(p.to_labels(), labels);
        assert_eq!(p.filtered(|k, _| k != "a").iter().collect::<Vec<_>>(), [("app.kubernetes.io/name", "web"), ("b", "2")]);
        assert!(Pairs::default().is_empty() && Pairs::default().get("a").is_none());
    }
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn match_labels_and_expressions() {
        let none = |_: &str| false;
        let sel = LabelSelector { match_labels: Some(labels(&[("app", "web")])), match_expressions: None };
        assert!(check(&sel, &labels(&[("app", "web"), ("tier", "x")]), &none).is_ok());
        let miss = check(&sel, &labels(&[("app", "api")]), &none).unwrap_err();
        assert_eq!(miss.key, "app");
        assert!(miss.reason.contains("`app: api`"));
        let req = |k: &str, op: &str, v: &[&str]| LabelSelectorRequirement {
            key: k.into(),
            operator: op.into(),
            values: Some(v.iter().map(|s| s.to_string()).collect()),
        };
        let sel = LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![
                req("tier", "In", &["a", "b"]),
                req("canary", "DoesNotExist", &[]),
                req("env", "NotIn", &["dev"]),
                req("app", "Exists", &[]),
            ]),
        };
        assert!(check(&sel, &labels(&[("tier", "b"), ("app", "x")]), &none).is_ok());
        assert!(check(&sel, &labels(&[("tier", "c"), ("app", "x")]), &none).is_err());
        assert!(check(&sel, &labels(&[("tier", "a"), ("app", "x"), ("canary", "1")]), &none).is_err());
        assert!(check(&sel, &labels(&[("tier", "a"), ("app", "x"), ("env", "dev")]), &none).is_err());
        assert!(check(&sel, &labels(&[("tier", "a")]), &none).is_err());
    }
}
