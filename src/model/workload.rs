//! One view over every kind that owns pods, so rules do not repeat themselves per kind.

use super::custom::{CustomPod, CustomPods};
use super::selector::Labels;
use super::{Object, Typed};
use crate::yaml::{FieldPath, Step};
use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
    /// A pod template of a custom resource (`rules/custom-workloads.yaml`) or a core
    /// PodTemplate: [`Workload::custom`] says which.
    Custom,
}

impl WorkloadKind {
    /// Controllers whose pods must restart forever (restartPolicy Always).
    pub fn long_running(self) -> bool {
        matches!(self, WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet | WorkloadKind::ReplicaSet)
    }
}

/// A pod-owning object: its own metadata, replicas, selector and pod template.
#[derive(Debug, Clone, Copy)]
pub struct Workload<'a> {
    pub object: &'a Object,
    pub kind: WorkloadKind,
    pub meta: &'a ObjectMeta,
    pub replicas: Option<i32>,
    pub selector: Option<&'a LabelSelector>,
    pub pod_meta: Option<&'a ObjectMeta>,
    pub pod_spec: Option<&'a PodSpec>,
    /// Field path of the pod template (`spec.template`); empty for a bare Pod.
    template_steps: &'a [Step],
    /// Field path of the pod spec (`spec.template.spec`).
    pod_spec_steps: &'a [Step],
    /// For [`WorkloadKind::Custom`]: the resource's templates and this one.
    pub custom: Option<(&'a CustomPods, &'a CustomPod)>,
}

const BARE_POD_SPEC: &[Step] = &[Step::key("spec")];
const TEMPLATE: &[Step] = &[Step::key("spec"), Step::key("template")];
const POD_SPEC: &[Step] = &[Step::key("spec"), Step::key("template"), Step::key("spec")];
const CRONJOB_TEMPLATE: &[Step] = &[Step::key("spec"), Step::key("jobTemplate"), Step::key("spec"), Step::key("template")];
const CRONJOB_POD_SPEC: &[Step] =
    &[Step::key("spec"), Step::key("jobTemplate"), Step::key("spec"), Step::key("template"), Step::key("spec")];

impl<'a> Workload<'a> {
    /// The custom resource's description in `rules/custom-workloads.yaml`.
    pub fn custom_kind(&self) -> Option<&'static super::custom::CustomKind> {
        self.custom.map(|(c, _)| c.def)
    }

    /// Whether the pods run to completion (Jobs, training jobs) rather than serve forever.
    pub fn completes(&self) -> bool {
        match self.kind {
            WorkloadKind::Job | WorkloadKind::CronJob => true,
            WorkloadKind::Custom => self.custom_kind().is_some_and(|c| c.completes),
            _ => false,
        }
    }

    /// Whether the operator sets environment variable `name` in the pods.
    pub fn operator_sets_env(&self, name: &str) -> bool {
        self.custom_kind()
            .is_some_and(|c| c.adds.env.iter().any(|e| e == name || (e.ends_with('*') && name.starts_with(e.trim_end_matches('*')))))
    }

    /// What a finding calls the workload: `PyTorchJob `x` (Worker)`, `Deployment `x``.
    pub fn describe(&self) -> String {
        let name = self.meta.name.as_deref().unwrap_or("");
        match self.custom {
            Some((_, p)) if !p.role.is_empty() => format!("{} `{name}` ({})", self.object.kind, p.role),
            _ => format!("{} `{name}`", self.object.kind),
        }
    }

    /// Whether the pods come from a pod template (every kind but a bare Pod).
    pub fn has_template(&self) -> bool {
        !self.template_steps.is_empty()
    }

    /// Field path of the pod template (`spec.template`); empty for a bare Pod.
    pub fn template_path(&self) -> FieldPath {
        FieldPath::from(self.template_steps)
    }

    /// Field path of the pod spec (`spec.template.spec`, `spec` for a bare Pod).
    pub fn pod_spec_path(&self) -> FieldPath {
        FieldPath::from(self.pod_spec_steps)
    }

    /// The steps of [`Workload::pod_spec_path`], to look the pod spec up without building it.
    pub fn pod_spec_steps(&self) -> &'a [Step] {
        self.pod_spec_steps
    }

    /// The field path of container `idx` (numbered as in [`containers`]): `containers[i]`,
    /// or `initContainers[i]` past the regular containers.
    pub fn container_path(&self, idx: usize) -> FieldPath {
        // KServe's `model`: a container written beside the pod spec, appended to its containers.
        if let Some((at, steps)) = self.custom.and_then(|(_, p)| p.model.as_ref()) {
            if *at == idx {
                return FieldPath::from(steps.as_slice());
            }
        }
        let n = self.pod_spec.map(|s| s.containers.len()).unwrap_or(0);
        let path = self.pod_spec_path();
        if idx < n {
            path.key("containers").index(idx)
        } else {
            path.key("initContainers").index(idx - n)
        }
    }

    /// Number of pods a workload runs, when it is a fixed number.
    pub fn pod_count(&self) -> Option<i64> {
        match self.kind {
            WorkloadKind::Pod => Some(1),
            WorkloadKind::DaemonSet => None,
            WorkloadKind::Custom => self.custom.and_then(|(_, p)| p.pods),
            WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet => Some(i64::from(self.replicas.unwrap_or(1))),
            WorkloadKind::Job | WorkloadKind::CronJob => {
                let spec = match &self.object.typed {
                    Some(Typed::Job(j)) => j.spec.as_ref(),
                    Some(Typed::CronJob(c)) => c.spec.job_template.spec.as_ref(),
                    _ => None,
                }?;
                let indexed = spec.completion_mode.as_deref() == Some("Indexed");
                let parallelism = spec.parallelism.map(i64::from);
                let completions = spec.completions.map(i64::from);
                Some(if indexed { completions.or(parallelism).unwrap_or(1) } else { parallelism.unwrap_or(1) })
            }
        }
    }

    /// The labels a workload's pods carry: its template's, plus those its controller adds.
    /// `wanted` supplies values for labels that differ from pod to pod (a StatefulSet's pod name).
    pub fn pod_labels(&self, wanted: &Labels) -> Labels {
        self.labeler().labels(wanted)
    }

    /// What [`Workload::pod_labels`] reads, owned (kept in the run's facts).
    pub fn labeler(&self) -> PodLabeler {
        PodLabeler {
            kind: self.kind,
            name: self.meta.name.clone().unwrap_or_default(),
            replicas: self.replicas,
            template: self.pod_meta.and_then(|m| m.labels.as_ref()).map(super::selector::Pairs::of).unwrap_or_default(),
            custom: self.custom_kind(),
        }
    }
}

/// A workload's pod labels as its controller makes them: [`Workload::pod_labels`], kept
/// without the typed object.
#[derive(Debug, Clone)]
pub struct PodLabeler {
    pub kind: WorkloadKind,
    pub name: String,
    pub replicas: Option<i32>,
    /// The template's labels.
    pub template: super::selector::Pairs,
    pub custom: Option<&'static super::custom::CustomKind>,
}

impl PodLabeler {
    /// The labels the pods carry; `wanted` supplies values for labels that differ from pod to
    /// pod (a StatefulSet's pod name).
    pub fn labels(&self, wanted: &Labels) -> Labels {
        let mut labels: Labels = self.template.to_labels();
        self.add_controller_labels(&mut labels, wanted);
        labels
    }

    /// Adds to `labels` (where it has no value of its own) the labels the controller gives
    /// the pods, with `wanted`'s values for those that differ from pod to pod.
    pub fn add_controller_labels(&self, labels: &mut Labels, wanted: &Labels) {
        let name = self.name.clone();
        match self.kind {
            WorkloadKind::Job | WorkloadKind::CronJob => {
                if self.kind == WorkloadKind::Job {
                    labels.entry("job-name".into()).or_insert(name.clone());
                    labels.entry("batch.kubernetes.io/job-name".into()).or_insert(name.clone());
                }
                for key in ["controller-uid", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-completion-index"] {
                    if let Some(v) = wanted.get(key) {
                        labels.entry(key.into()).or_insert(v.clone());
                    }
                }
            }
            WorkloadKind::StatefulSet => {
                let replicas = i64::from(self.replicas.unwrap_or(1));
                if let Some(v) = wanted.get("statefulset.kubernetes.io/pod-name") {
                    let ok = v.strip_prefix(&format!("{name}-")).and_then(|n| n.parse::<i64>().ok()).is_some_and(|i| i < replicas);
                    if ok {
                        labels.entry("statefulset.kubernetes.io/pod-name".into()).or_insert(v.clone());
                    }
                }
                if let Some(v) = wanted.get("apps.kubernetes.io/pod-index") {
                    if v.parse::<i64>().is_ok_and(|i| (0..replicas).contains(&i)) {
                        labels.entry("apps.kubernetes.io/pod-index".into()).or_insert(v.clone());
                    }
                }
                if let Some(v) = wanted.get("controller-revision-hash") {
                    labels.entry("controller-revision-hash".into()).or_insert(v.clone());
                }
            }
            WorkloadKind::Deployment | WorkloadKind::ReplicaSet => {
                if let Some(v) = wanted.get("pod-template-hash") {
                    labels.entry("pod-template-hash".into()).or_insert(v.clone());
                }
            }
            WorkloadKind::DaemonSet => {
                for key in ["controller-revision-hash", "pod-template-generation"] {
                    if let Some(v) = wanted.get(key) {
                        labels.entry(key.into()).or_insert(v.clone());
                    }
                }
            }
            WorkloadKind::Custom => {
                if let Some(def) = self.custom {
                    for (k, v) in &def.pod_labels {
                        labels.entry(k.clone()).or_insert_with(|| v.replace("{name}", &name));
                    }
                    for (k, v) in wanted {
                        if def.controller_labels.iter().any(|c| if c.ends_with('/') { k.starts_with(c.as_str()) } else { k == c }) {
                            labels.entry(k.clone()).or_insert(v.clone());
                        }
                    }
                }
            }
            WorkloadKind::Pod => {}
        }
    }
}

/// All containers of a pod spec with their field path relative to the pod spec
/// (`containers[0]`, `initContainers[1]`) and their number: containers first, then init
/// containers.
pub fn containers(spec: &PodSpec) -> impl Iterator<Item = (FieldPath, usize, &Container)> {
    let n = spec.containers.len();
    spec.containers.iter().enumerate().map(|(i, c)| (FieldPath::from_keys(&["containers"]).index(i), i, c)).chain(
        spec.init_containers.iter().flatten().enumerate().map(move |(i, c)| (FieldPath::from_keys(&["initContainers"]).index(i), n + i, c)),
    )
}

pub(super) fn of(o: &Object) -> Option<Workload<'_>> {
    fn w<'a>(
        o: &'a Object,
        kind: WorkloadKind,
        meta: &'a ObjectMeta,
        replicas: Option<i32>,
        selector: Option<&'a LabelSelector>,
        t: Option<&'a k8s_openapi::api::core::v1::PodTemplateSpec>,
    ) -> Workload<'a> {
        Workload {
            object: o,
            kind,
            meta,
            replicas,
            selector,
            pod_meta: t.and_then(|t| t.metadata.as_ref()),
            pod_spec: t.and_then(|t| t.spec.as_ref()),
            template_steps: TEMPLATE,
            pod_spec_steps: POD_SPEC,
            custom: None,
        }
    }
    Some(match o.typed.as_ref()? {
        Typed::Pod(p) => Workload {
            object: o,
            kind: WorkloadKind::Pod,
            meta: &p.metadata,
            replicas: None,
            selector: None,
            pod_meta: Some(&p.metadata),
            pod_spec: p.spec.as_ref(),
            template_steps: &[],
            pod_spec_steps: BARE_POD_SPEC,
            custom: None,
        },
        Typed::Deployment(d) => {
            w(o, WorkloadKind::Deployment, &d.metadata, d.spec.replicas, Some(&d.spec.selector), Some(&d.spec.template))
        }
        Typed::StatefulSet(d) => {
            w(o, WorkloadKind::StatefulSet, &d.metadata, d.spec.replicas, Some(&d.spec.selector), Some(&d.spec.template))
        }
        Typed::DaemonSet(d) => w(o, WorkloadKind::DaemonSet, &d.metadata, None, Some(&d.spec.selector), Some(&d.spec.template)),
        Typed::ReplicaSet(d) => {
            w(o, WorkloadKind::ReplicaSet, &d.metadata, d.spec.replicas, Some(&d.spec.selector), d.spec.template.as_ref())
        }
        Typed::Job(j) => {
            let spec = j.spec.as_ref();
            let mut wl = w(o, WorkloadKind::Job, &j.metadata, None, spec.and_then(|s| s.selector.as_ref()), spec.map(|s| &s.template));
            wl.replicas = spec.and_then(|s| s.parallelism);
            wl
        }
        Typed::CronJob(c) => {
            let job = c.spec.job_template.spec.as_ref();
            Workload {
                object: o,
                kind: WorkloadKind::CronJob,
                meta: &c.metadata,
                replicas: None,
                selector: job.and_then(|s| s.selector.as_ref()),
                pod_meta: job.and_then(|s| s.template.metadata.as_ref()),
                pod_spec: job.and_then(|s| s.template.spec.as_ref()),
                template_steps: CRONJOB_TEMPLATE,
                pod_spec_steps: CRONJOB_POD_SPEC,
                custom: None,
            }
        }
        _ => return None,
    })
}

/// The workloads of an object: one for a built-in workload, one per pod template of a custom
/// resource, none otherwise.
pub(super) fn all(o: &Object) -> Workloads<'_> {
    Workloads { o, next: 0 }
}

/// Iterator of [`all`].
pub struct Workloads<'a> {
    o: &'a Object,
    next: usize,
}

impl<'a> Iterator for Workloads<'a> {
    type Item = Workload<'a>;

    fn next(&mut self) -> Option<Workload<'a>> {
        let i = self.next;
        self.next += 1;
        match self.o.typed.as_ref()? {
            Typed::Custom(c) => {
                let p = c.pods.get(i)?;
                Some(Workload {
                    object: self.o,
                    kind: WorkloadKind::Custom,
                    meta: &c.metadata,
                    replicas: p.pods.and_then(|n| i32::try_from(n).ok()),
                    selector: None,
                    pod_meta: p.meta.as_ref(),
                    pod_spec: p.spec.as_ref(),
                    template_steps: &p.template_steps,
                    pod_spec_steps: &p.pod_spec_steps,
                    custom: Some((c, p)),
                })
            }
            _ if i == 0 => of(self.o),
            _ => None,
        }
    }
}
