//! [`DeprecatedApiVersion`](crate::rules::RuleId::DeprecatedApiVersion): an apiVersion the target Kubernetes version still serves but has deprecated, with the release that removes it.

use crate::index::Index;
use crate::model::parse_version;
use crate::path;
use crate::rules::Findings;

pub fn check(ix: &Index, out: &mut Findings) {
    // Without a target, the latest release: every version of the table is removed there, and
    // [`RemovedApiVersion`](crate::rules::RuleId::RemovedApiVersion) reports it.
    let Some(target) = ix.settings.kubernetes_version else { return };
    for o in &ix.objects {
        let Some(r) = o.removed else { continue };
        let (Some(deprecated), Some(removed)) = (parse_version(r.deprecated_in), parse_version(r.removed_in)) else { continue };
        if target < deprecated || target >= removed {
            continue;
        }
        let y = ix.file(o);
        let Some(node) = y.lookup(o.root, &path!["apiVersion"]) else { continue };
        let (then, help) = match r.no_replacement() {
            Some(instead) => (
                "and no other apiVersion replaces it".to_string(),
                format!("plan to delete it before upgrading to {}: {instead}", r.removed_in),
            ),
            None => (
                format!("use `{}`", r.replacement),
                format!("change `apiVersion` to `{}` now (the target serves both) and check the object against its schema", r.replacement),
            ),
        };
        out.report(
            o.file,
            y.span(node),
            format!(
                "{} {} is deprecated since Kubernetes {} and no longer served from {}, {then}",
                r.api_version, r.kind, r.deprecated_in, r.removed_in
            ),
        )
        .help(help)
        .path(path!["apiVersion"])
        .object(o);
    }
}
