//! Kubernetes objects: typed with k8s-openapi where we know the kind, untyped otherwise.

pub mod completion;
pub mod crd;
pub mod custom;
pub mod gpu;
pub mod kinds;
pub mod quantity;
pub mod scheduling;
pub mod selector;
pub mod serving;
pub mod workload;

use crate::yaml::de::{self, Issue, StructSeen};
use crate::yaml::{NodeId, YamlFile};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

pub use workload::{Workload, WorkloadKind};

/// The kinds kshape reads into k8s-openapi types.
#[derive(Debug, Clone)]
pub enum Typed {
    Pod(Box<Pod>),
    Service(Box<Service>),
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    Node(Box<Node>),
    Deployment(Box<Deployment>),
    StatefulSet(Box<StatefulSet>),
    DaemonSet(Box<DaemonSet>),
    ReplicaSet(Box<ReplicaSet>),
    Job(Box<Job>),
    CronJob(Box<CronJob>),
    HorizontalPodAutoscaler(Box<HorizontalPodAutoscaler>),
    PodDisruptionBudget(Box<PodDisruptionBudget>),
    /// A custom resource that owns pods (`rules/custom-workloads.yaml`), or a core
    /// PodTemplate / ReplicationController: its pod templates.
    Custom(Box<custom::CustomPods>),
}

impl Typed {
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Typed::Pod(o) => &o.metadata,
            Typed::Service(o) => &o.metadata,
            Typed::PersistentVolumeClaim(o) => &o.metadata,
            Typed::Node(o) => &o.metadata,
            Typed::Deployment(o) => &o.metadata,
            Typed::StatefulSet(o) => &o.metadata,
            Typed::DaemonSet(o) => &o.metadata,
            Typed::ReplicaSet(o) => &o.metadata,
            Typed::Job(o) => &o.metadata,
            Typed::CronJob(o) => &o.metadata,
            Typed::HorizontalPodAutoscaler(o) => &o.metadata,
            Typed::PodDisruptionBudget(o) => &o.metadata,
            Typed::Custom(o) => &o.metadata,
        }
    }
}

/// An apiVersion/kind pair that is deprecated and, from `removed_in`, no longer served.
#[derive(Debug, Clone, Copy)]
pub struct Removed {
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The apiVersion to use instead, or `nothing: <what to do>` when none serves the kind.
    pub replacement: &'static str,
    /// The release that deprecated it: from this target version until `removed_in` it is
    /// served with a deprecation warning.
    pub deprecated_in: &'static str,
    pub removed_in: &'static str,
}

/// Deprecated and removed API versions of the built-in kinds. Source: the Kubernetes
/// "Deprecated API Migration Guide" (https://kubernetes.io/docs/reference/using-api/deprecation-guide/,
/// the release that stops serving each version) and the release notes of the deprecating
/// release (CHANGELOG-1.NN.md, "Deprecation"). Add a row when a release deprecates a version;
/// the removal release comes from the guide.
impl Removed {
    /// What to do instead when no apiVersion serves the kind any more (PodSecurityPolicy).
    pub fn no_replacement(&self) -> Option<&'static str> {
        self.replacement.strip_prefix("nothing: ")
    }
}

pub const REMOVED_APIS: &[Removed] = &[
    Removed { api_version: "extensions/v1beta1", kind: "Deployment", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed { api_version: "extensions/v1beta1", kind: "DaemonSet", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed { api_version: "extensions/v1beta1", kind: "ReplicaSet", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed {
        api_version: "extensions/v1beta1",
        kind: "NetworkPolicy",
        replacement: "networking.k8s.io/v1",
        deprecated_in: "1.9",
        removed_in: "1.16",
    },
    Removed {
        api_version: "extensions/v1beta1",
        kind: "PodSecurityPolicy",
        replacement: "nothing: enforce pod security with Pod Security Admission namespace labels",
        deprecated_in: "1.11",
        removed_in: "1.16",
    },
    Removed {
        api_version: "extensions/v1beta1",
        kind: "Ingress",
        replacement: "networking.k8s.io/v1",
        deprecated_in: "1.14",
        removed_in: "1.22",
    },
    Removed { api_version: "apps/v1beta1", kind: "Deployment", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed { api_version: "apps/v1beta1", kind: "StatefulSet", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed { api_version: "apps/v1beta1", kind: "DaemonSet", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed { api_version: "apps/v1beta1", kind: "ReplicaSet", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed { api_version: "apps/v1beta2", kind: "Deployment", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed { api_version: "apps/v1beta2", kind: "StatefulSet", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed { api_version: "apps/v1beta2", kind: "DaemonSet", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed { api_version: "apps/v1beta2", kind: "ReplicaSet", replacement: "apps/v1", deprecated_in: "1.9", removed_in: "1.16" },
    Removed { api_version: "batch/v2alpha1", kind: "CronJob", replacement: "batch/v1", deprecated_in: "1.8", removed_in: "1.21" },
    Removed { api_version: "batch/v1beta1", kind: "CronJob", replacement: "batch/v1", deprecated_in: "1.21", removed_in: "1.25" },
    Removed {
        api_version: "policy/v1beta1",
        kind: "PodDisruptionBudget",
        replacement: "policy/v1",
        deprecated_in: "1.21",
        removed_in: "1.25",
    },
    Removed {
        api_version: "policy/v1beta1",
        kind: "PodSecurityPolicy",
        replacement: "nothing: enforce pod security with Pod Security Admission namespace labels",
        deprecated_in: "1.21",
        removed_in: "1.25",
    },
    Removed {
        api_version: "autoscaling/v2beta1",
        kind: "HorizontalPodAutoscaler",
        replacement: "autoscaling/v2",
        deprecated_in: "1.22",
        removed_in: "1.25",
    },
    Removed {
        api_version: "autoscaling/v2beta2",
        kind: "HorizontalPodAutoscaler",
        replacement: "autoscaling/v2",
        deprecated_in: "1.23",
        removed_in: "1.26",
    },
    Removed {
        api_version: "networking.k8s.io/v1beta1",
        kind: "Ingress",
        replacement: "networking.k8s.io/v1",
        deprecated_in: "1.19",
        removed_in: "1.22",
    },
    Removed {
        api_version: "networking.k8s.io/v1beta1",
        kind: "IngressClass",
        replacement: "networking.k8s.io/v1",
        deprecated_in: "1.19",
        removed_in: "1.22",
    },
    Removed {
        api_version: "discovery.k8s.io/v1beta1",
        kind: "EndpointSlice",
        replacement: "discovery.k8s.io/v1",
        deprecated_in: "1.21",
        removed_in: "1.25",
    },
    Removed {
        api_version: "events.k8s.io/v1beta1",
        kind: "Event",
        replacement: "events.k8s.io/v1",
        deprecated_in: "1.19",
        removed_in: "1.25",
    },
    Removed {
        api_version: "node.k8s.io/v1beta1",
        kind: "RuntimeClass",
        replacement: "node.k8s.io/v1",
        deprecated_in: "1.20",
        removed_in: "1.25",
    },
    Removed {
        api_version: "storage.k8s.io/v1beta1",
        kind: "CSIStorageCapacity",
        replacement: "storage.k8s.io/v1",
        deprecated_in: "1.24",
        removed_in: "1.27",
    },
    Removed {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta1",
        kind: "FlowSchema",
        replacement: "flowcontrol.apiserver.k8s.io/v1",
        deprecated_in: "1.23",
        removed_in: "1.26",
    },
    Removed {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta1",
        kind: "PriorityLevelConfiguration",
        replacement: "flowcontrol.apiserver.k8s.io/v1",
        deprecated_in: "1.23",
        removed_in: "1.26",
    },
    Removed {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta2",
        kind: "FlowSchema",
        replacement: "flowcontrol.apiserver.k8s.io/v1",
        deprecated_in: "1.26",
        removed_in: "1.29",
    },
    Removed {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta2",
        kind: "PriorityLevelConfiguration",
        replacement: "flowcontrol.apiserver.k8s.io/v1",
        deprecated_in: "1.26",
        removed_in: "1.29",
    },
    Removed {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta3",
        kind: "FlowSchema",
        replacement: "flowcontrol.apiserver.k8s.io/v1",
        deprecated_in: "1.29",
        removed_in: "1.32",
    },
    Removed {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta3",
        kind: "PriorityLevelConfiguration",
        replacement: "flowcontrol.apiserver.k8s.io/v1",
        deprecated_in: "1.29",
        removed_in: "1.32",
    },
    Removed {
        api_version: "rbac.authorization.k8s.io/v1beta1",
        kind: "Role",
        replacement: "rbac.authorization.k8s.io/v1",
        deprecated_in: "1.17",
        removed_in: "1.22",
    },
    Removed {
        api_version: "rbac.authorization.k8s.io/v1beta1",
        kind: "RoleBinding",
        replacement: "rbac.authorization.k8s.io/v1",
        deprecated_in: "1.17",
        removed_in: "1.22",
    },
    Removed {
        api_version: "rbac.authorization.k8s.io/v1beta1",
        kind: "ClusterRole",
        replacement: "rbac.authorization.k8s.io/v1",
        deprecated_in: "1.17",
        removed_in: "1.22",
    },
    Removed {
        api_version: "rbac.authorization.k8s.io/v1beta1",
        kind: "ClusterRoleBinding",
        replacement: "rbac.authorization.k8s.io/v1",
        deprecated_in: "1.17",
        removed_in: "1.22",
    },
    Removed {
        api_version: "scheduling.k8s.io/v1beta1",
        kind: "PriorityClass",
        replacement: "scheduling.k8s.io/v1",
        deprecated_in: "1.14",
        removed_in: "1.22",
    },
    Removed {
        api_version: "storage.k8s.io/v1beta1",
        kind: "StorageClass",
        replacement: "storage.k8s.io/v1",
        deprecated_in: "1.19",
        removed_in: "1.22",
    },
    Removed {
        api_version: "storage.k8s.io/v1beta1",
        kind: "VolumeAttachment",
        replacement: "storage.k8s.io/v1",
        deprecated_in: "1.19",
        removed_in: "1.22",
    },
    Removed {
        api_version: "storage.k8s.io/v1beta1",
        kind: "CSIDriver",
        replacement: "storage.k8s.io/v1",
        deprecated_in: "1.19",
        removed_in: "1.22",
    },
    Removed {
        api_version: "storage.k8s.io/v1beta1",
        kind: "CSINode",
        replacement: "storage.k8s.io/v1",
        deprecated_in: "1.19",
        removed_in: "1.22",
    },
    Removed {
        api_version: "apiextensions.k8s.io/v1beta1",
        kind: "CustomResourceDefinition",
        replacement: "apiextensions.k8s.io/v1",
        deprecated_in: "1.16",
        removed_in: "1.22",
    },
    Removed {
        api_version: "admissionregistration.k8s.io/v1beta1",
        kind: "MutatingWebhookConfiguration",
        replacement: "admissionregistration.k8s.io/v1",
        deprecated_in: "1.16",
        removed_in: "1.22",
    },
    Removed {
        api_version: "admissionregistration.k8s.io/v1beta1",
        kind: "ValidatingWebhookConfiguration",
        replacement: "admissionregistration.k8s.io/v1",
        deprecated_in: "1.16",
        removed_in: "1.22",
    },
    Removed {
        api_version: "apiregistration.k8s.io/v1beta1",
        kind: "APIService",
        replacement: "apiregistration.k8s.io/v1",
        deprecated_in: "1.19",
        removed_in: "1.22",
    },
    Removed {
        api_version: "certificates.k8s.io/v1beta1",
        kind: "CertificateSigningRequest",
        replacement: "certificates.k8s.io/v1",
        deprecated_in: "1.19",
        removed_in: "1.22",
    },
    Removed {
        api_version: "coordination.k8s.io/v1beta1",
        kind: "Lease",
        replacement: "coordination.k8s.io/v1",
        deprecated_in: "1.19",
        removed_in: "1.22",
    },
];

pub fn removed_api(api_version: &str, kind: &str) -> Option<&'static Removed> {
    REMOVED_APIS.iter().find(|r| r.api_version == api_version && r.kind == kind)
}

/// apiVersion, kind, namespace and name of the object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: Option<String>,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// One Kubernetes object: a document, or an item of a `kind: List`.
#[derive(Debug)]
pub struct Object {
    /// What findings say of it ([`ObjectRef`]), made once on first use and
    /// shared by every finding and fact about it.
    pub reference: std::sync::OnceLock<std::sync::Arc<ObjectRef>>,
    pub file: usize,
    /// The object's mapping node.
    pub root: NodeId,
    pub api_version: Option<String>,
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub typed: Option<Typed>,
    pub removed: Option<&'static Removed>,
    /// Unknown fields and type errors found while typing it (and, at the end, against its
    /// CRD's schema: see [`crd`]).
    pub issues: Vec<Issue>,
    /// How many of `issues`, at their end, came from a CRD among the inputs (recomputed on each
    /// run of the language server, which keeps the objects of unchanged files).
    pub crd_issues: usize,
    pub structs: Vec<StructSeen>,
    /// From a file loaded with `--context`: resolves references, never reported on.
    pub context: bool,
    /// The template a rendered document came from (`# Source:` of `helm template`).
    pub source: Option<String>,
    /// Missing a required part (name, selector, template, containers, an image): a patch, a
    /// template, or a mistake; [`Object::completion`] tells which it is when there is evidence.
    pub partial: bool,
    /// Why the object is not whole by design (a patch, an operator's template), when the
    /// inputs say so ([`completion`]).
    pub completion: Option<completion::Completion>,
    /// Captured from a cluster (`kubectl get -o yaml`, other tools' test data), not written to
    /// be applied: see [`is_live_export`].
    pub export: bool,
}

impl Object {
    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        match self.api_version.as_deref() {
            Some(v) => match v.rsplit_once('/') {
                Some((g, _)) => g,
                None => "",
            },
            None => "",
        }
    }

    /// The built-in workload this object is (a Deployment, a Pod...).
    pub fn workload(&self) -> Option<Workload<'_>> {
        workload::of(self)
    }

    /// Every workload of the object: the built-in one, or one per pod template of a custom
    /// resource (a LeaderWorkerSet's leader and workers, a PyTorchJob's Master and Worker).
    pub fn workloads(&self) -> workload::Workloads<'_> {
        workload::all(self)
    }
}

/// Whether the object at `root` was read back from a cluster rather than written to be applied:
/// its metadata carries what only the API server sets (`uid`, `resourceVersion`, `selfLink`,
/// `managedFields`), or it has a `creationTimestamp` together with an observed `status`.
///
/// A `creationTimestamp: null` with `status: {}` is what `kubectl create --dry-run -o yaml` and
/// code generators write into manifests meant to be applied: neither counts. Empty values
/// (`resourceVersion: ""`) do not count either.
pub fn is_live_export(file: &YamlFile, root: NodeId) -> bool {
    let Some(meta) = file.get(root, "metadata") else {
        return false;
    };
    let set = |n: Option<NodeId>| {
        n.is_some_and(|n| {
            if let Some(entries) = file.map_entries(n) {
                !entries.is_empty()
            } else if let Some(items) = file.seq_items(n) {
                !items.is_empty()
            } else {
                !file.is_null(n) && file.scalar(n).is_some_and(|s| !s.trim().is_empty())
            }
        })
    };
    if ["uid", "resourceVersion", "selfLink", "managedFields"].iter().any(|k| set(file.get(meta, k))) {
        return true;
    }
    set(file.get(meta, "creationTimestamp")) && set(file.get(root, "status"))
}

/// Builds the typed form of a document's object when its kind is one kshape knows.
pub fn type_object(file: &YamlFile, root: NodeId, api_version: &str, kind: &str) -> (Option<Typed>, Vec<Issue>, Vec<StructSeen>) {
    let removed = removed_api(api_version, kind).is_some();
    macro_rules! go {
        ($t:ty, $v:ident) => {{
            let out = de::from_node_with::<$t>(file, root, kinds::MODE);
            (out.value.map(|v| Typed::$v(Box::new(v))), out.issues, out.structs)
        }};
    }
    let (typed, mut issues, structs) = match (api_version, kind) {
        ("v1", "Pod") => go!(Pod, Pod),
        ("v1", "Service") => go!(Service, Service),
        ("v1", "PersistentVolumeClaim") => go!(PersistentVolumeClaim, PersistentVolumeClaim),
        ("v1", "Node") => go!(Node, Node),
        ("apps/v1" | "apps/v1beta1" | "apps/v1beta2" | "extensions/v1beta1", "Deployment") => {
            go!(Deployment, Deployment)
        }
        ("apps/v1" | "apps/v1beta1" | "apps/v1beta2", "StatefulSet") => {
            go!(StatefulSet, StatefulSet)
        }
        ("apps/v1" | "apps/v1beta1" | "apps/v1beta2" | "extensions/v1beta1", "DaemonSet") => {
            go!(DaemonSet, DaemonSet)
        }
        ("apps/v1" | "apps/v1beta1" | "apps/v1beta2" | "extensions/v1beta1", "ReplicaSet") => {
            go!(ReplicaSet, ReplicaSet)
        }
        ("batch/v1", "Job") => go!(Job, Job),
        ("batch/v1" | "batch/v1beta1" | "batch/v2alpha1", "CronJob") => go!(CronJob, CronJob),
        ("autoscaling/v2" | "autoscaling/v2beta1" | "autoscaling/v2beta2", "HorizontalPodAutoscaler") => {
            go!(HorizontalPodAutoscaler, HorizontalPodAutoscaler)
        }
        ("policy/v1" | "policy/v1beta1", "PodDisruptionBudget") => {
            go!(PodDisruptionBudget, PodDisruptionBudget)
        }
        // Every other built-in kind: its schema findings, not its value (no rule reads it).
        _ => match kinds::validate(file, root, api_version, kind) {
            // A PodTemplate or ReplicationController: schema findings from the built-in
            // schema, pod templates for the pod-level rules.
            Some((issues, structs)) => match custom_templates(file, root, api_version, kind) {
                (Some(t), _, _) => (Some(t), issues, structs),
                _ => (None, issues, structs),
            },
            None => custom_templates(file, root, api_version, kind),
        },
    };
    if removed {
        // The old schema differs from the current one: its fields are not unknown to it, and
        // what it required is not what the current one requires.
        issues.retain(|i| !matches!(i.kind, de::IssueKind::UnknownField { .. } | de::IssueKind::MissingField { .. }));
    }
    // The struct map only serves "wrong indentation?" hints for unknown fields: keep it only
    // for the objects that have one (memory grows with the run otherwise).
    let structs = if issues.iter().any(|i| matches!(i.kind, de::IssueKind::UnknownField { .. })) { structs } else { Vec::new() };
    (typed, issues, structs)
}

/// The pod templates of a custom resource that owns pods (`rules/custom-workloads.yaml`):
/// each template is typed as a PodTemplateSpec (or a pod spec with the operator's fields beside
/// it), and its findings carry their paths in the resource.
fn custom_templates(file: &YamlFile, root: NodeId, api_version: &str, kind: &str) -> (Option<Typed>, Vec<Issue>, Vec<StructSeen>) {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let Some(c) = custom::custom_kind(group, kind).filter(|c| c.versions.iter().any(|v| v == version)) else {
        return (None, Vec::new(), Vec::new());
    };
    let (pods, issues, structs) = custom::type_templates(file, root, c);
    let metadata = file
        .get(root, "metadata")
        .filter(|m| file.map_entries(*m).is_some())
        .and_then(|m| de::from_node_with::<ObjectMeta>(file, m, de::Mode { skip_type_keys: false, ..kinds::MODE }).value)
        .unwrap_or_default();
    (Some(Typed::Custom(Box::new(custom::CustomPods { metadata, def: c, pods }))), issues, structs)
}

/// Kinds of the built-in API whose objects must have metadata.name (or generateName).
pub fn is_builtin_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Pod"
            | "Service"
            | "PersistentVolumeClaim"
            | "PersistentVolume"
            | "Node"
            | "Namespace"
            | "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "Endpoints"
            | "LimitRange"
            | "ResourceQuota"
            | "PodTemplate"
            | "ReplicationController"
            | "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ControllerRevision"
            | "Job"
            | "CronJob"
            | "HorizontalPodAutoscaler"
            | "PodDisruptionBudget"
            | "Ingress"
            | "IngressClass"
            | "NetworkPolicy"
            | "Role"
            | "RoleBinding"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "StorageClass"
            | "VolumeAttachment"
            | "CSIDriver"
            | "CSINode"
            | "PriorityClass"
            | "RuntimeClass"
            | "Lease"
            | "CustomResourceDefinition"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "APIService"
            | "EndpointSlice"
            | "PodSecurityPolicy"
    )
}

/// A Kubernetes version: "1.33" or "v1.33.2" -> (1, 33)
pub fn parse_version(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().trim_start_matches('v');
    let mut parts = s.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}
