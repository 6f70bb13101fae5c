//! [`SharedRwoClaim`](crate::rules::RuleId::SharedRwoClaim): a ReadWriteOnce claim mounted by a workload that runs several pods.

use super::resolvable;
use crate::index::Index;
use crate::model::{Typed, WorkloadKind};
use crate::path;
use crate::rules::Findings;
use std::collections::HashMap;

/// Storage classes of node-local provisioners (k3s/kind/Rancher local-path, MicroK8s, OpenEBS,
/// static local volumes).
const NODE_LOCAL_CLASSES: &[&str] = &["local-path", "hostpath", "microk8s-hostpath", "openebs-hostpath", "local-storage", "local"];

pub fn check(ix: &Index, out: &mut Findings) {
    let mut claims = HashMap::new();
    for o in &ix.objects {
        if let (Some(Typed::PersistentVolumeClaim(c)), Some(name)) = (&o.typed, o.name.as_deref()) {
            claims.insert((ix.namespace_of(o), name), (o, c));
        }
    }
    for (o, w, _) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        if !resolvable(ix, o) {
            continue;
        }
        let replicas = i64::from(w.replicas.unwrap_or(1));
        let why = match (&o.typed, w.kind) {
            (_, WorkloadKind::DaemonSet) => Some("a DaemonSet runs a pod on every node".to_string()),
            (_, k) if matches!(k, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet) && replicas > 1 => {
                Some(format!("it runs {replicas} replicas"))
            }
            (Some(Typed::Deployment(d)), _)
                if d.spec.strategy.as_ref().and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate") == "RollingUpdate" =>
            {
                Some("its RollingUpdate strategy starts the new pod before the old one stops".to_string())
            }
            _ => None,
        };
        let Some(why) = why else { continue };
        let y = ix.file(o);
        for (i, v) in spec.volumes.iter().flatten().enumerate() {
            let Some(pvc) = &v.persistent_volume_claim else { continue };
            let Some((co, claim)) = claims.get(&(ix.namespace_of(o), pvc.claim_name.as_str())) else { continue };
            let modes = claim.spec.as_ref().and_then(|s| s.access_modes.clone()).unwrap_or_default();
            if modes.is_empty() || !modes.iter().all(|m| m == "ReadWriteOnce" || m == "ReadWriteOncePod") {
                continue;
            }
            // A node-local volume (hostpath and local-path provisioners) pins every pod that
            // mounts it to its node, where ReadWriteOnce allows them all: no Multi-Attach.
            let class = claim.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or("");
            if NODE_LOCAL_CLASSES.contains(&class) {
                continue;
            }
            let path = w.pod_spec_path().join(&path!["volumes", i, "persistentVolumeClaim", "claimName"]);
            let Some(node) = y.lookup(o.root, &path) else { continue };
            let cy = ix.file(co);
            let rel = cy.lookup_key(co.root, &path!["spec", "accessModes"]).map(|n| cy.span(n)).unwrap_or_else(|| ix.kind_span(co));
            let fix = if w.kind == WorkloadKind::Deployment && replicas <= 1 {
                "set `strategy: {type: Recreate}` so the old pod releases the volume first, or use a ReadWriteMany storage class"
                    .to_string()
            } else {
                "give each pod its own volume with a StatefulSet's volumeClaimTemplates, or use a ReadWriteMany storage class for data they share".to_string()
            };
            out.report(o.file,
                    y.span(node),
                    format!("{} `{}` mounts claim `{}` ({}) but {why}: a second pod on another node sticks in ContainerCreating with a Multi-Attach error", o.kind, o.name.as_deref().unwrap_or(""), pvc.claim_name, modes.join(", ")),
                )
                .help(fix)
                .path(path)
                .object(o)
                .related(co.file, rel, format!("claim `{}` is {}", pvc.claim_name, modes.join(", ")));
        }
    }
}
