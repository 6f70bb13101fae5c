//! [`UnknownField`](crate::rules::RuleId::UnknownField): a key the object's schema does not have. The API server drops it (or,
//! with strict field validation, rejects the object): a typo here is a setting that silently
//! never takes effect.

use crate::fix::Fix;
use crate::index::Index;
use crate::model::{Object, Typed};
use crate::rules::Findings;
use crate::util::did_you_mean;
use crate::yaml::de::{IssueKind, StructSeen};
use crate::yaml::{NodeId, YamlFile};

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        let y = ix.file(o);
        for issue in &o.issues {
            let IssueKind::UnknownField { ty, fields } = &issue.kind else {
                continue;
            };
            if matches!(o.typed, Some(Typed::DaemonSet(_))) && issue.path.is_keys(&["spec", "replicas"]) {
                continue; // [`DaemonsetReplicas`](crate::rules::RuleId::DaemonsetReplicas) says it better
            }
            let key = y.scalar(issue.node).unwrap_or("");
            // Strategic-merge-patch directives (`$patch: delete`, `$setElementOrder/...`).
            if key.starts_with('$') {
                continue;
            }
            let parent_path = issue.path.parent().unwrap_or_default();
            let place = if parent_path.is_empty() { "at the top level".to_string() } else { format!("under `{parent_path}`") };
            let mut message = format!("unknown field `{key}` in {ty} ({place})");
            let help;
            let mut fix = None;
            if let Some((hint, how)) = renamed(ty, key) {
                message.push_str(&format!("; {hint}"));
                help = how.to_string();
            } else if let Some(s) = did_you_mean(key, fields.iter().copied()).or_else(|| completes(key, fields)) {
                message.push_str(&format!("; did you mean `{s}`?"));
                help = format!("rename `{key}` to `{s}`");
                fix = rename(ix, o, issue.node, key, s);
            } else if let Some((hint, fix)) = misplaced(y, o, issue.node, key) {
                message.push_str(&format!("; {hint}"));
                help = fix;
            } else {
                help = format!("remove `{key}` or fix its name; {ty} has: {}", list(fields));
            }
            out.report(o.file, y.span(issue.node), message).help(help).path(issue.path.clone()).object(o).fix(fix);
        }
    }
}

/// Renames a key, unless its mapping already has the new name (that would make a duplicate).
fn rename(ix: &Index, o: &Object, key_node: NodeId, key: &str, to: &str) -> Option<Fix> {
    let y = ix.file(o);
    let owner = o.structs.iter().find(|s| y.map_entries(s.node).is_some_and(|e| e.iter().any(|(k, _)| *k == key_node)))?;
    if y.get(owner.node, to).is_some() {
        return None;
    }
    let edit = ix.editor(o).replace_scalar(key_node, to)?;
    Some(Fix { description: format!("rename `{key}` to `{to}`"), edits: vec![edit] })
}

fn list(fields: &[&str]) -> String {
    let mut v: Vec<&str> = fields.to_vec();
    v.sort_unstable();
    let shown: Vec<String> = v.iter().take(24).map(|f| format!("`{f}`")).collect();
    let mut s = shown.join(", ");
    if v.len() > 24 {
        s.push_str(", ...");
    }
    s
}

/// "wrong indentation level?": a struct one level down (or up) has this field.
fn misplaced(y: &YamlFile, o: &Object, key_node: NodeId, key: &str) -> Option<(String, String)> {
    let owner = o.structs.iter().find(|s| y.map_entries(s.node).map(|e| e.iter().any(|(k, _)| *k == key_node)).unwrap_or(false))?;
    let child_key = |parent: &StructSeen, child: NodeId| -> Option<String> {
        y.map_entries(parent.node)?.iter().find(|(_, v)| *v == child).and_then(|(k, _)| y.scalar(*k)).map(str::to_string)
    };
    for child in o.structs.iter().filter(|s| s.parent == Some(owner.node)) {
        if child.fields.contains(&key) {
            let under = child_key(owner, child.node).unwrap_or_else(|| child.name.to_string());
            return Some((
                format!("wrong indentation level? `{key}` belongs one level deeper, under `{under}`"),
                format!("move `{key}` under `{under}` (indent it one more level there)"),
            ));
        }
        for grand in o.structs.iter().filter(|s| s.parent == Some(child.node)) {
            if grand.fields.contains(&key) {
                let a = child_key(owner, child.node).unwrap_or_default();
                let b = child_key(child, grand.node).unwrap_or_default();
                return Some((
                    format!("wrong indentation level? `{key}` belongs under `{a}.{b}`"),
                    format!("move `{key}` under `{a}.{b}`"),
                ));
            }
        }
    }
    if let Some(parent) = owner.parent.and_then(|p| o.structs.iter().find(|s| s.node == p)) {
        if parent.fields.contains(&key) {
            return Some((
                format!("wrong indentation level? `{key}` belongs one level up, in {}", parent.name),
                format!("move `{key}` one level up (indent it less)"),
            ));
        }
    }
    None
}

/// Fields an older apiVersion had under another shape: the message says what the current
/// version writes instead.
fn renamed(ty: &str, key: &str) -> Option<(&'static str, &'static str)> {
    match (ty, key) {
        ("IngressBackend", "serviceName" | "servicePort") => Some((
            "that is the removed extensions/v1beta1 form; networking.k8s.io/v1 writes `service: {name: web, port: {number: 80}}`",
            "replace `serviceName`/`servicePort` with `service: {name: <service>, port: {number: <port>}}` (or `port: {name: <port name>}`)",
        )),
        ("IngressSpec", "backend") => Some((
            "that is the removed extensions/v1beta1 form; networking.k8s.io/v1 calls it `defaultBackend`",
            "rename `backend` to `defaultBackend` and write it as `service: {name: <service>, port: {number: <port>}}`",
        )),
        _ => None,
    }
}

/// The one field that begins with the key (`priorityClass` for `priorityClassName`): a name
/// cut short, too far from the field for an edit distance.
fn completes<'a>(key: &str, fields: &[&'a str]) -> Option<&'a str> {
    if key.len() < 6 {
        return None;
    }
    let mut found = fields.iter().filter(|f| f.len() > key.len() && f.starts_with(key));
    let first = found.next()?;
    found.next().is_none().then_some(*first)
}
