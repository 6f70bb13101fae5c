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

/// Provisioners whose volumes live on one node (a StorageClass of the inputs that uses one is
/// node-local whatever its name).
const NODE_LOCAL_PROVISIONERS: &[&str] = &[
    "rancher.io/local-path",
    "microk8s.io/hostpath",
    "k8s.io/minikube-hostpath",
    "docker.io/hostpath",
    "kubernetes.io/no-provisioner",
    "openebs.io/local",
];

/// Which storage classes of the run are node-local, and whether the class a claim without
/// `storageClassName` gets (the cluster's default) is presumed node-local: a StorageClass of the
/// inputs marked default says which it is; otherwise, when every claim of the run that names a
/// class names a node-local one (`microk8s-hostpath` throughout a MicroK8s stack), the cluster's
/// default is presumed to be that provisioner too.
struct Storage<'a> {
    node_local: std::collections::HashSet<&'a str>,
    default_node_local: bool,
}

impl<'a> Storage<'a> {
    fn of(ix: &'a Index) -> Storage<'a> {
        let mut node_local: std::collections::HashSet<&str> = NODE_LOCAL_CLASSES.iter().copied().collect();
        let mut default = None;
        for o in &ix.objects {
            if o.kind != "StorageClass" || o.group() != "storage.k8s.io" {
                continue;
            }
            let y = ix.file(o);
            let Some(name) = o.name.as_deref() else { continue };
            let local = y.get_str(o.root, "provisioner").is_some_and(|p| NODE_LOCAL_PROVISIONERS.contains(&p));
            if local {
                node_local.insert(name);
            }
            let is_default = y
                .get(o.root, "metadata")
                .and_then(|m| y.get(m, "annotations"))
                .and_then(|a| y.get_str(a, "storageclass.kubernetes.io/is-default-class"))
                == Some("true");
            if is_default {
                default = Some(local || NODE_LOCAL_CLASSES.contains(&name));
            }
        }
        let default_node_local = default.unwrap_or_else(|| {
            let mut named = ix.objects.iter().filter_map(|o| match &o.typed {
                Some(Typed::PersistentVolumeClaim(c)) => c.spec.as_ref()?.storage_class_name.as_deref().filter(|n| !n.is_empty()),
                _ => None,
            });
            let first = named.next();
            first.is_some_and(|f| node_local.contains(f) && named.all(|n| node_local.contains(n)))
        });
        Storage { node_local, default_node_local }
    }

    /// Whether a claim's volume lives on one node, which pins every pod that mounts it there
    /// (where ReadWriteOnce allows them all: no Multi-Attach).
    fn is_node_local(&self, class: Option<&str>) -> bool {
        match class {
            None => self.default_node_local,
            Some(c) => self.node_local.contains(c),
        }
    }
}

pub fn check(ix: &Index, out: &mut Findings) {
    let mut claims = HashMap::new();
    for o in &ix.objects {
        if let (Some(Typed::PersistentVolumeClaim(c)), Some(name)) = (&o.typed, o.name.as_deref()) {
            claims.insert((ix.namespace_of(o), name), (o, c));
        }
    }
    let mut storage = None;
    let mut single_node_files: HashMap<usize, bool> = HashMap::new();
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
            // A training job's workers, a LeaderWorkerSet group: several pods of one template.
            (_, WorkloadKind::Custom) if w.pod_count().is_some_and(|n| n > 1) => {
                let role = w.custom.map(|(_, p)| p.role.as_str()).unwrap_or("pod");
                Some(format!("its `{role}` template runs {} pods", w.pod_count().unwrap_or(0)))
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
        // Written for minikube, kind, Codespaces...: one node, where ReadWriteOnce admits every pod.
        let source = &ix.parsed(o.file).source;
        // Once per file: a file of many workloads is read once.
        let mut single_node = || {
            *single_node_files
                .entry(o.file)
                .or_insert_with(|| crate::model::scheduling::single_node_target(&source.name, &source.text).is_some())
        };
        // Every ReadWriteOnce claim it mounts: one finding per workload (one fix serves them all).
        let mut shared = Vec::new();
        for (i, v) in spec.volumes.iter().flatten().enumerate() {
            let Some(pvc) = &v.persistent_volume_claim else { continue };
            let Some((co, claim)) = claims.get(&(ix.namespace_of(o), pvc.claim_name.as_str())) else { continue };
            let modes = claim.spec.as_ref().and_then(|s| s.access_modes.clone()).unwrap_or_default();
            if modes.is_empty() || !modes.iter().all(|m| m == "ReadWriteOnce" || m == "ReadWriteOncePod") {
                continue;
            }
            let class = claim.spec.as_ref().and_then(|s| s.storage_class_name.as_deref());
            if storage.get_or_insert_with(|| Storage::of(ix)).is_node_local(class) {
                continue;
            }
            let path = w.pod_spec_path().join(&path!["volumes", i, "persistentVolumeClaim", "claimName"]);
            let Some(node) = y.lookup(o.root, &path) else { continue };
            shared.push((path, node, co, pvc.claim_name.as_str(), modes.join(", ")));
        }
        let Some((path, node, _, _, _)) = shared.first() else { continue };
        if single_node() {
            continue;
        }
        let fix = if w.kind == WorkloadKind::Custom {
            "use a ReadWriteMany storage class (a shared file system: EFS, Filestore, Azure Files, NFS) for data the pods share, or a claim per pod where the operator has claim templates (a LeaderWorkerSet's volumeClaimTemplates, a JobSet's volumeClaimPolicies)".to_string()
        } else if w.kind == WorkloadKind::Deployment && replicas <= 1 {
            "set `strategy: {type: Recreate}` so the old pod releases the volume first, or use a ReadWriteMany storage class".to_string()
        } else {
            "give each pod its own volume with a StatefulSet's volumeClaimTemplates, or use a ReadWriteMany storage class for data they share".to_string()
        };
        let names: Vec<String> = shared.iter().map(|(_, _, _, n, m)| format!("`{n}` ({m})")).collect();
        let (noun, them) = if shared.len() == 1 { ("claim", "it") } else { ("claims", "them") };
        let mut r = out
            .report(
                o.file,
                y.span(*node),
                format!(
                    "{} `{}` mounts {noun} {} but {why}: a second pod on another node that mounts {them} sticks in ContainerCreating with a Multi-Attach error",
                    o.kind,
                    o.name.as_deref().unwrap_or(""),
                    names.join(", ")
                ),
            )
            .help(fix)
            .path(path.clone())
            .object(o);
        for (_, _, co, name, modes) in &shared {
            let cy = ix.file(co);
            let rel = cy.lookup_key(co.root, &path!["spec", "accessModes"]).map(|n| cy.span(n)).unwrap_or_else(|| ix.kind_span(co));
            r = r.related(co.file, rel, format!("claim `{name}` is {modes}"));
        }
    }
}
