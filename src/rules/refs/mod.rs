//! Identity, selection, storage and replicas rules: objects that refer to each other across the
//! files of a run (and `--context` files), resolved by namespace.
//!
//! Files under a kustomize directory are inputs of `kustomize build`: their names, namespaces
//! and labels may still change, so the rules that follow a reference between objects do not
//! report on them (see docs/architecture.md); rules about one object alone still do.
//!
//! Objects captured from a cluster ([`Object::export`]: `kubectl get -o yaml` output, other
//! tools' test data) are not manifests to apply: the rules that relate objects do not judge
//! them, and they are not one side of a conflict, but they still count as what exists (a
//! Service, a Pod, a workload a reference names), as `--context` files do.

pub mod hpa_target_not_found;
pub mod overlapping_selectors;
pub mod replicas_missing;
pub mod replicas_with_hpa;
pub mod selector_includes_version;
pub mod selector_template_mismatch;
pub mod service_selects_nothing;
pub mod service_target_port_missing;
pub mod shared_rwo_claim;
pub mod statefulset_partition_stalls_rollout;
pub mod statefulset_pvc_deleted;
pub mod statefulset_service_name_missing;
pub mod statefulset_service_not_found;
pub mod statefulset_service_not_headless;
pub mod statefulset_service_selector_mismatch;
pub mod unused_volume_claim_template;
pub mod volume_mount_undefined;

use crate::index::Index;
use crate::model::selector::Pairs;
use crate::model::Object;
use crate::world::{Fact, World};
use foldhash::HashMap;

/// Whether cross-object references of this object can be judged soundly: it is not a
/// kustomize input whose names and labels may still change, nor an export from a cluster.
pub(crate) fn resolvable(ix: &Index, o: &Object) -> bool {
    !ix.parsed(o.file).source.kustomize && !o.export
}

/// A StatefulSet that names a governing Service, as the governing-Service rules keep it.
pub(crate) struct Governed {
    pub file: usize,
    pub about: crate::rules::About,
    pub namespace: String,
    pub service: String,
    /// The `serviceName` value.
    pub span: crate::yaml::Span,
}

/// The StatefulSets of an index that name a governing Service and can be judged, with what
/// their rules read of them.
pub(crate) fn governed(
    ix: &Index,
) -> impl Iterator<
    Item = (Governed, &Object, crate::model::Workload<'_>, &crate::classify::Classification, &k8s_openapi::api::apps::v1::StatefulSet),
> {
    ix.workloads().filter_map(|(o, w, c)| {
        let Some(crate::model::Typed::StatefulSet(s)) = &o.typed else { return None };
        let service = s.spec.service_name.as_deref().filter(|n| !n.is_empty())?;
        if !resolvable(ix, o) {
            return None;
        }
        let y = ix.file(o);
        let node = y.lookup(o.root, &crate::path!["spec", "serviceName"])?;
        let g = Governed {
            file: o.file,
            about: crate::rules::About::of(o),
            namespace: ix.namespace_of(o).to_string(),
            service: service.to_string(),
            span: y.span(node),
        };
        Some((g, o, w, c, s.as_ref()))
    })
}

/// A Service that selects pods, as the rules about its selection keep it.
pub(crate) struct SelectingService {
    pub file: usize,
    pub about: crate::rules::About,
    pub namespace: String,
    pub selector: Pairs,
}

/// The Services of an index with a non-empty selector whose references can be judged, with
/// their spec.
pub(crate) fn selecting_services(
    ix: &Index,
) -> impl Iterator<Item = (SelectingService, &Object, &k8s_openapi::api::core::v1::ServiceSpec)> {
    ix.objects.iter().filter_map(|o| {
        let Some(crate::model::Typed::Service(svc)) = &o.typed else { return None };
        let spec = svc.spec.as_ref()?;
        let sel = spec.selector.as_ref().filter(|s| !s.is_empty())?;
        if !resolvable(ix, o) {
            return None;
        }
        let s = SelectingService {
            file: o.file,
            about: crate::rules::About::of(o),
            namespace: ix.namespace_of(o).to_string(),
            selector: Pairs::of(sel),
        };
        Some((s, o, spec))
    })
}

/// The autoscalers of the run (HPAs and KEDA ScaledObjects that are not paused) by the
/// (namespace, kind, name) of their target; the last of several.
pub(crate) fn autoscalers<'a>(world: &World<'a>) -> HashMap<(&'a str, &'a str, &'a str), &'a Fact> {
    let mut m = HashMap::default();
    for f in world.facts() {
        let Some(s) = f.scaler.as_ref().filter(|s| !s.paused) else { continue };
        if let Some(name) = s.target_name.as_deref() {
            m.insert((f.namespace.as_str(), s.target_kind.as_str(), name), f);
        }
    }
    m
}

/// The directory of the file an object came from: the unit `kubectl apply -f dir/` applies.
pub(crate) fn dir_of<'a>(ix: &'a Index, o: &Object) -> &'a str {
    dir_of_name(&ix.parsed(o.file).source.name)
}

/// The directory of a file name.
pub(crate) use crate::util::dir_of_name;

/// A count as a message writes it: `1,999`.
pub(crate) fn thousands(n: usize) -> String {
    crate::util::thousands(u64::try_from(n).unwrap_or(u64::MAX))
}

/// Services that route traffic (not headless ones) and PodDisruptionBudgets of each namespace,
/// indexed by one label of their selector, to find the ones that select a workload's pods
/// without comparing every pair.
pub(crate) struct Selecting<'a> {
    /// (namespace, label key, label value) -> the objects whose selector starts with that label.
    by_label: HashMap<(&'a str, &'a str, &'a str), Vec<SelectingEntry<'a>>>,
}

/// An object that selects pods, what it is, and its selector's labels.
type SelectingEntry<'a> = (&'a Fact, SelectorKind, &'a Pairs);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SelectorKind {
    Service,
    Budget,
}

/// Candidates checked per workload at most: past that, an answer of "none" may be wrong, which
/// only makes the rules that ask quieter.
const SELECTING_BUDGET: usize = 64;

impl<'a> Selecting<'a> {
    pub(crate) fn of(world: &World<'a>) -> Selecting<'a> {
        let mut by_label: HashMap<_, Vec<_>> = HashMap::default();
        for f in world.facts() {
            let (kind, sel) = match (&f.service, f.budget_selector()) {
                // A headless Service (`clusterIP: None`) gives pods DNS names; it routes no traffic.
                (Some(s), _) if s.headless => continue,
                (Some(s), _) => (SelectorKind::Service, s.selector.as_ref()),
                (None, Some(b)) => (SelectorKind::Budget, Some(b)),
                _ => continue,
            };
            let Some(sel) = sel.filter(|s| !s.is_empty()) else { continue };
            // Indexed by the selector's first label; a workload is a candidate only when its pods
            // carry that label with that value.
            if let Some((k, v)) = sel.iter().next() {
                by_label.entry((f.namespace.as_str(), k, v)).or_default().push((f, kind, sel));
            }
        }
        Selecting { by_label }
    }

    /// The first Service or budget (of `kind`) in `ns` whose selector the pod labels satisfy.
    pub(crate) fn first(&self, ns: &str, labels: &Pairs, kind: SelectorKind) -> Option<&'a Fact> {
        let mut budget = SELECTING_BUDGET;
        for (k, v) in labels.iter() {
            for (f, kd, sel) in self.by_label.get(&(ns, k, v)).into_iter().flatten() {
                if budget == 0 {
                    return None;
                }
                budget -= 1;
                if *kd == kind && sel.iter().all(|(sk, sv)| labels.get(sk) == Some(sv)) {
                    return Some(f);
                }
            }
        }
        None
    }
}

/// Images of servers whose members find each other by name when there are several.
const CLUSTERED_IMAGES: &[&str] = &["redis", "valkey", "nats", "minio", "vault", "neo4j", "scylla", "couchdb", "couchbase-server"];

/// Why the pods of a StatefulSet need stable network identity: per-pod DNS names
/// (`<name>-0.<service>`), which exist only under a headless governing Service. `None` when
/// nothing says so: `serviceName` is optional (kubernetes/kubernetes#130233), and a StatefulSet
/// used for ordinals (sharding by ordinal) or its volumes alone, or a single member no peer
/// addresses, needs no DNS names. The answer is a clause for messages ("its pods address each
/// other as `etcd-0.etcd`").
pub(crate) fn identity_need(
    o: &Object,
    w: &crate::model::Workload,
    s: &k8s_openapi::api::apps::v1::StatefulSet,
    c: &crate::classify::Classification,
) -> Option<String> {
    Identity::of(o, w, s, c)?.need()
}

/// What [`identity_need`] reads of a StatefulSet, owned: the relational rules keep it and ask
/// only for the StatefulSets their judgement concerns (the patterns it compiles are made for
/// each StatefulSet).
pub(crate) struct Identity {
    name: String,
    service: String,
    /// Every string a container is given: env values, command and args.
    texts: Vec<String>,
    /// Variables that hold the pod's name.
    pod_name_vars: Vec<String>,
    replicas: i32,
    /// Why its members are peers (a training job, a database...), when the classifier says so.
    peers: Option<String>,
    /// The image of a server whose members find each other by name.
    clustered: Option<String>,
}

impl Identity {
    pub(crate) fn of(
        o: &Object,
        w: &crate::model::Workload,
        s: &k8s_openapi::api::apps::v1::StatefulSet,
        c: &crate::classify::Classification,
    ) -> Option<Identity> {
        use crate::classify::Shape;
        let spec = w.pod_spec?;
        let mut texts: Vec<String> = Vec::new();
        let mut pod_name_vars: Vec<String> = vec!["HOSTNAME".to_string()];
        for (_, _, ctr) in crate::model::workload::containers(spec) {
            for e in ctr.env.iter().flatten() {
                texts.extend(e.value.clone());
                let field = e.value_from.as_ref().and_then(|v| v.field_ref.as_ref()).map(|f| f.field_path.as_str());
                if field == Some("metadata.name") {
                    pod_name_vars.push(e.name.clone());
                }
            }
            texts.extend(ctr.command.iter().flatten().cloned());
            texts.extend(ctr.args.iter().flatten().cloned());
        }
        let shape = [Shape::DistributedTraining, Shape::MultiNodeInference, Shape::Database]
            .into_iter()
            .filter(|sh| *sh != Shape::MultiNodeInference || c.is_multi_node_inference())
            .find_map(|sh| c.first(sh));
        let clustered = crate::model::workload::containers(spec).find_map(|(_, _, ctr)| {
            let image = ctr.image.as_deref()?;
            let (repo, _) = crate::classify::image_repository(image);
            CLUSTERED_IMAGES.iter().any(|i| repo.eq_ignore_ascii_case(i)).then(|| image.to_string())
        });
        Some(Identity {
            name: o.name.clone().unwrap_or_default(),
            service: s.spec.service_name.clone().unwrap_or_default(),
            texts,
            pod_name_vars,
            replicas: s.spec.replicas.unwrap_or(1),
            peers: shape.map(|e| e.describe()),
            clustered,
        })
    }

    /// See [`identity_need`].
    pub(crate) fn need(&self) -> Option<String> {
        let (name, svc) = (self.name.as_str(), self.service.as_str());
        // `<name>-0.<...>`, `<name>-$(i).<...>`, `$(POD_NAME).<...>`, `.<service>` after a pod name.
        // Each pattern needs one of these in the text: without any, none can match, and the
        // pattern (made for this StatefulSet) is not compiled.
        let dotted_svc = format!(".{svc}");
        let named = format!("{name}-");
        let possible = self.texts.iter().any(|t| {
            t.contains('$')
                || t.contains("hostname")
                || (!name.is_empty() && t.contains(&named))
                || (!svc.is_empty() && t.contains(&dotted_svc))
        });
        let mut patterns = Vec::new();
        if !name.is_empty() {
            patterns.push(format!(r"\b{}-(?:\d+|\$\{{?\(?\w+\)?\}}?)\.[A-Za-z$]", regex::escape(name)));
        }
        for v in &self.pod_name_vars {
            let v = regex::escape(v);
            patterns.push(format!(r"\$(?:\({v}\)|\{{{v}\}}|{v}\b)\.[A-Za-z$]"));
        }
        patterns.push(r"\bhostname\s+(?:-f|--fqdn)\b".to_string());
        if !svc.is_empty() {
            patterns.push(format!(r"(?:-\d+|\)|\}})\.{}(?:[.:/\s,;'\x22]|$)", regex::escape(svc)));
        }
        let re = if possible { Some(regex::Regex::new(&patterns.join("|")).ok()?) } else { None };
        if let Some((t, m)) = re.as_ref().and_then(|re| self.texts.iter().find_map(|t| re.find(t).map(|m| (t, m)))) {
            // The whole name (`etcd-0.etcd` of `http://etcd-0.etcd:2380`).
            let rest = &t[m.start()..];
            let end =
                rest.find(|ch: char| ch.is_whitespace() || matches!(ch, ',' | ':' | '/' | ';' | '\'' | '"' | '=')).unwrap_or(rest.len());
            let shown = if rest.starts_with("hostname") { m.as_str() } else { rest[..end].trim_start_matches(['.', '-', ')', '}']) };
            return Some(format!("its pods use per-pod DNS names (`{}`)", crate::util::ellipsize(shown, 60)));
        }
        let replicas = self.replicas;
        if replicas <= 1 {
            return None;
        }
        if let Some(e) = &self.peers {
            return Some(format!("its {replicas} members are peers ({e})"));
        }
        self.clustered
            .as_ref()
            .map(|image| format!("its {replicas} members of `{}` find each other by name", crate::util::ellipsize(image, 60)))
    }
}
