//! [`SharedRwoClaim`](crate::rules::RuleId::SharedRwoClaim): a ReadWriteOnce claim mounted by a workload that runs several pods.

use super::resolvable;
use crate::index::Index;
use crate::model::scheduling::NODE_LOCAL_CLASSES;
use crate::model::{Typed, WorkloadKind};
use crate::path;
use crate::rules::{About, Findings, Parts, Relation};
use crate::world::{Fact, World};
use crate::yaml::{FieldPath, Span};
use foldhash::HashMap;

/// Which storage classes of the run are node-local, and whether the class a claim without
/// `storageClassName` gets (the cluster's default) is presumed node-local: a StorageClass of the
/// inputs marked default says which it is; otherwise, when every claim of the run that names a
/// class names a node-local one (`microk8s-hostpath` throughout a MicroK8s stack), the cluster's
/// default is presumed to be that provisioner too.
struct Storage<'a> {
    node_local: foldhash::HashSet<&'a str>,
    default_node_local: bool,
}

impl<'a> Storage<'a> {
    fn of(world: &World<'a>) -> Storage<'a> {
        let mut node_local: foldhash::HashSet<&str> = NODE_LOCAL_CLASSES.iter().copied().collect();
        let mut default = None;
        for f in world.facts() {
            let Some((local, is_default)) = f.storage_class() else { continue };
            let Some(name) = f.name() else { continue };
            if local {
                node_local.insert(name);
            }
            if is_default {
                default = Some(local || NODE_LOCAL_CLASSES.contains(&name));
            }
        }
        let default_node_local = default.unwrap_or_else(|| {
            let mut named = world.facts().filter_map(|f| f.claim.as_ref()?.storage_class.as_deref().filter(|n| !n.is_empty()));
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

pub struct Rule;

/// A claim a workload's pods cannot all mount: where the workload names it, the claim's fact,
/// its access modes, and whether ReadWriteOncePod (one pod, wherever) is why.
struct Shared<'a> {
    path: &'a FieldPath,
    span: Span,
    claim: &'a Fact,
    name: &'a str,
    modes: String,
    one_pod: bool,
}

/// A workload that runs several pods (or overlapping ones), with the claims it mounts.
pub struct Subject {
    file: usize,
    about: About,
    namespace: String,
    why: String,
    fix: String,
    /// Each claim volume: the claim's name, and the place and path of `claimName`.
    claims: Vec<(String, Span, FieldPath)>,
    /// Its pods all land on one node, where ReadWriteOnce admits them all (ReadWriteOncePod
    /// still admits one).
    one_node: bool,
    /// It runs one pod at most: a DaemonSet on one node (whose update deletes the old pod
    /// before it starts the new one), which even ReadWriteOncePod admits.
    single_pod: bool,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        // Written for minikube, kind, Codespaces...: one node, where ReadWriteOnce admits every
        // pod. Read once per file, when it has a workload that mounts a claim.
        let mut single_node: HashMap<usize, bool> = HashMap::default();
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
            let Some(mut why) = why else { continue };
            let y = ix.file(o);
            let mut claims = Vec::new();
            for (i, v) in spec.volumes.iter().flatten().enumerate() {
                let Some(pvc) = &v.persistent_volume_claim else { continue };
                let path = w.pod_spec_path().join(&path!["volumes", i, "persistentVolumeClaim", "claimName"]);
                let Some(node) = y.lookup(o.root, &path) else { continue };
                claims.push((pvc.claim_name.clone(), y.span(node), path));
            }
            if claims.is_empty() {
                continue;
            }
            // Pods that all land on one node: pinned to it by name; or, with a node inventory
            // (which then decides), able to run on one of its nodes at most; or, without one,
            // written for a single-node environment.
            let one_node = if crate::model::scheduling::pinned_node(spec).is_some() {
                true
            } else if let Some(nodes) = &ix.nodes {
                let daemonset = w.kind == WorkloadKind::DaemonSet;
                let n = crate::model::scheduling::eligible_count(spec, daemonset, nodes, ix.settings.extended_resource_toleration);
                if n > 1 {
                    why.push_str(&format!(", and its pods can run on {n} nodes of the inventory"));
                }
                n <= 1
            } else {
                let source = &ix.parsed(o.file).source;
                *single_node
                    .entry(o.file)
                    .or_insert_with(|| crate::model::scheduling::single_node_target(&source.name, &source.text).is_some())
            };
            let fix = if w.kind == WorkloadKind::Custom {
                "use a ReadWriteMany storage class (a shared file system: EFS, Filestore, Azure Files, NFS) for data the pods share, or a claim per pod where the operator has claim templates (a LeaderWorkerSet's volumeClaimTemplates, a JobSet's volumeClaimPolicies)".to_string()
            } else if w.kind == WorkloadKind::Deployment && replicas <= 1 {
                "set `strategy: {type: Recreate}` so the old pod releases the volume first, or use a ReadWriteMany storage class"
                    .to_string()
            } else {
                "give each pod its own volume with a StatefulSet's volumeClaimTemplates, or use a ReadWriteMany storage class for data they share".to_string()
            };
            let single_pod = one_node && w.kind == WorkloadKind::DaemonSet;
            out.push(Subject {
                file: o.file,
                about: About::of(o),
                namespace: ix.namespace_of(o).to_string(),
                why,
                fix,
                claims,
                one_node,
                single_pod,
            });
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        if subjects.is_empty() {
            return;
        }
        let mut claims: HashMap<(&str, &str), &Fact> = HashMap::default();
        for f in world.facts() {
            if let (Some(_), Some(name)) = (&f.claim, f.name()) {
                claims.insert((f.namespace.as_str(), name), f);
            }
        }
        let mut storage = None;
        for s in subjects {
            // Every ReadWriteOnce claim it mounts: one finding per workload (one fix serves them all).
            let mut shared = Vec::new();
            for (name, span, path) in &s.claims {
                let Some(co) = claims.get(&(s.namespace.as_str(), name.as_str())) else { continue };
                let Some(claim) = &co.claim else { continue };
                let modes = &claim.access_modes;
                if modes.is_empty() || !modes.iter().all(|m| m == "ReadWriteOnce" || m == "ReadWriteOncePod") {
                    continue;
                }
                // On one node ReadWriteOnce admits every pod; ReadWriteOncePod admits one
                // wherever they are.
                let one_pod = modes.iter().any(|m| m == "ReadWriteOncePod");
                let admitted = if one_pod {
                    s.single_pod
                } else {
                    s.one_node || storage.get_or_insert_with(|| Storage::of(world)).is_node_local(claim.storage_class.as_deref())
                };
                if admitted {
                    continue;
                }
                shared.push(Shared { path, span: *span, claim: co, name, modes: modes.join(", "), one_pod });
            }
            let Some(Shared { path, span, .. }) = shared.first() else { continue };
            let names: Vec<String> = shared.iter().map(|c| format!("`{}` ({})", c.name, c.modes)).collect();
            let (noun, them) = if shared.len() == 1 { ("claim", "it") } else { ("claims", "them") };
            let breaks = if shared.iter().all(|c| c.one_pod) {
                format!("ReadWriteOncePod admits one pod, so a second one that mounts {them} stays Pending")
            } else {
                format!("a second pod on another node that mounts {them} sticks in ContainerCreating with a Multi-Attach error")
            };
            let mut r = out
                .report(
                    s.file,
                    *span,
                    format!("{} `{}` mounts {noun} {} but {}: {breaks}", s.about.object.kind, s.about.name(), names.join(", "), s.why),
                )
                .help(s.fix.clone())
                .path((*path).clone())
                .about(&s.about);
            for c in &shared {
                let rel = c.claim.claim.as_ref().map(|k| k.modes_span).unwrap_or(c.claim.kind_span);
                r = r.related(c.claim.file, rel, format!("claim `{}` is {}", c.name, c.modes));
            }
        }
    }
}
