//! [`RemovedApiVersion`](crate::rules::RuleId::RemovedApiVersion): an apiVersion/kind pair the API server no longer serves.

use crate::fix::Fix;
use crate::index::Index;
use crate::model::{Object, Removed};
use crate::path;
use crate::rules::Findings;
use crate::yaml::de::IssueKind;
use crate::yaml::FieldPath;

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        let Some(r) = o.removed else { continue };
        // Still served by the target version of the configuration?
        if let (Some(target), Some(removed)) = (ix.settings.kubernetes_version, crate::model::parse_version(r.removed_in)) {
            if target < removed {
                continue;
            }
        }
        let y = ix.file(o);
        let Some(node) = y.lookup(o.root, &path!["apiVersion"]) else {
            continue;
        };
        let (fix, blocker) = match upgrade(ix, o, r) {
            Ok(f) => (f, None),
            Err(b) => (None, Some(b)),
        };
        let mut help = if let Some(instead) = r.no_replacement() {
            format!("there is no replacement for {} {}: {instead}", r.api_version, r.kind)
        } else {
            format!(
                "use `apiVersion: {}`; check the object against the {} schema (for workloads, apps/v1 requires spec.selector)",
                r.replacement, r.replacement
            )
        };
        if let Some(b) = blocker {
            help.push_str(&format!("; no automatic fix: {b}"));
        }
        let message = match r.no_replacement() {
            // PodSecurityPolicy: no other apiVersion serves the kind; the object goes.
            Some(instead) => format!(
                "{} {} is no longer served by the API server (removed in Kubernetes {}) and no other apiVersion replaces it: delete it ({instead})",
                r.api_version, r.kind, r.removed_in
            ),
            None => format!(
                "{} {} is no longer served by the API server (removed in Kubernetes {}); use {}",
                r.api_version, r.kind, r.removed_in, r.replacement
            ),
        };
        out.report(o.file, y.span(node), message).help(help).path(path!["apiVersion"]).object(o).fix(fix);
    }
}

/// The fix for a workload: replace apiVersion when the object is valid as it stands under the
/// new version. Err says what else must change (then there is no fix); Ok(None) for kinds
/// that are not workloads.
fn upgrade(ix: &Index, o: &Object, r: &Removed) -> Result<Option<Fix>, String> {
    let to = r.replacement;
    let workload = matches!((r.kind, to), ("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet", "apps/v1") | ("CronJob", "batch/v1"));
    if !workload {
        return Ok(None);
    }
    let y = ix.file(o);
    if to == "apps/v1" && y.lookup(o.root, &path!["spec", "selector"]).is_none() {
        return Err(format!("apps/v1 requires `spec.selector` (matching the pod template's labels), which this {} does not set", r.kind));
    }
    // Fields the old version had and the new one does not (`spec.rollbackTo`, `spec.templateGeneration`).
    let (_, issues, _) = crate::model::type_object(y, o.root, to, r.kind);
    let gone: Vec<&FieldPath> = issues.iter().filter(|i| matches!(i.kind, IssueKind::UnknownField { .. })).map(|i| &i.path).collect();
    if !gone.is_empty() {
        return Err(format!("{to} has no {}", gone.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")));
    }
    let Some(node) = y.lookup(o.root, &path!["apiVersion"]) else { return Ok(None) };
    Ok(ix.editor(o).replace_scalar(node, to).map(|e| Fix { description: format!("set apiVersion to {to}"), edits: vec![e] }))
}
