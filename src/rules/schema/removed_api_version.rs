//! `removed-api-version`: an apiVersion/kind pair the API server no longer serves.

use crate::diag::Diagnostic;
use crate::index::Index;
use crate::yaml::P;

pub fn check(ix: &Index, out: &mut Vec<Diagnostic>) {
    for o in &ix.objects {
        let Some(r) = o.removed else { continue };
        // Still served by the target version of the configuration?
        if let (Some(target), Some(removed)) = (ix.settings.kubernetes_version, crate::config::parse_version(r.removed_in)) {
            if target < removed {
                continue;
            }
        }
        let y = ix.file(o);
        let Some(node) = y.lookup(o.root, &[P::K("apiVersion")]) else {
            continue;
        };
        let help = if r.replacement.starts_with("nothing") {
            format!("there is no replacement for {} {}: {}", r.api_version, r.kind, r.replacement.trim_start_matches("nothing: "))
        } else {
            format!(
                "use `apiVersion: {}`; check the object against the {} schema (for workloads, apps/v1 requires spec.selector)",
                r.replacement, r.replacement
            )
        };
        out.push(
            Diagnostic::new(
                "removed-api-version",
                o.file,
                y.span(node),
                format!(
                    "{} {} is no longer served by the API server (removed in Kubernetes {}); use {}",
                    r.api_version,
                    r.kind,
                    r.removed_in,
                    r.replacement.split(':').next().unwrap_or(r.replacement)
                ),
            )
            .help(help)
            .path("apiVersion")
            .object(o),
        );
    }
}
