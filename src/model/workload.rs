//! One view over every kind that owns pods, so rules do not repeat themselves per kind.

use super::{Object, Typed};
use k8s_openapi::api::core::v1::PodSpec;
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
    pub template_path: &'static [&'static str],
    /// Field path of the pod spec (`spec.template.spec`).
    pub pod_spec_path: &'static [&'static str],
}

pub(super) fn of(o: &Object) -> Option<Workload<'_>> {
    const TEMPLATE: &[&str] = &["spec", "template"];
    const POD_SPEC: &[&str] = &["spec", "template", "spec"];
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
            template_path: TEMPLATE,
            pod_spec_path: POD_SPEC,
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
            template_path: &[],
            pod_spec_path: &["spec"],
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
                template_path: &["spec", "jobTemplate", "spec", "template"],
                pod_spec_path: &["spec", "jobTemplate", "spec", "template", "spec"],
            }
        }
        _ => return None,
    })
}
