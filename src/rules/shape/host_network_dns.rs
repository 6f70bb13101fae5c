//! [`HostNetworkDns`](crate::rules::RuleId::HostNetworkDns): a hostNetwork pod that refers to a cluster DNS name without `dnsPolicy: ClusterFirstWithHostNet`.

use super::span_within;
use crate::index::Index;
use crate::model::workload::containers;
use crate::rules::{About, Findings, Parts, Relation};
use crate::world::World;
use crate::yaml::{is_placeholder, FieldPath, Span};
use foldhash::{HashMap, HashSet};

/// Flags whose value is an address a process dials.
const ADDRESS_FLAGS: &[&str] = &[
    "--master_addr",
    "--master-addr",
    "--dist-init-addr",
    "--dist_init_addr",
    "--rdzv-endpoint",
    "--rdzv_endpoint",
    "--coordinator-address",
    "--coordinator_address",
    "--address",
    "--head-address",
    "--nccl-init-addr",
];

/// Environment variables whose value is an address (`MASTER_ADDR`, `REDIS_HOST`, `API_URL`).
fn address_env(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    ["ADDR", "HOST", "URL", "ENDPOINT", "SERVER", "MASTER", "COORDINATOR", "PEERS", "BROKER"].iter().any(|k| n.contains(k))
        && !n.contains("PORT")
}

/// Flags and variables whose value names something without dialing it: a token issuer
/// (`--service-account-issuer=https://kubernetes.default.svc.cluster.local`), an audience, a
/// certificate's names, a cluster domain.
fn identifier(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["issuer", "audience", "tls-san", "sans", "domain", "oidc", "cert"].iter().any(|k| n.contains(k))
}

/// The host of an address: `http://svc.ns.svc:8000/v1` -> `svc.ns.svc`.
fn host_of(token: &str) -> &str {
    let t = token.trim_matches(['"', '\'', ',', ';', '(', ')']);
    let t = t.split_once("://").map(|(_, rest)| rest).unwrap_or(t);
    let t = t.rsplit_once('@').map(|(_, rest)| rest).unwrap_or(t);
    let end = t.find([':', '/', '?']).unwrap_or(t.len());
    t[..end].trim_end_matches('.')
}

struct Names<'a> {
    /// Service names by namespace.
    services: HashSet<(&'a str, &'a str)>,
    /// StatefulSets by namespace and name, with their governing Service.
    statefulsets: HashMap<(&'a str, &'a str), &'a str>,
}

/// What a host can be before the run's names are known: None when it is no cluster name
/// whatever they are (an IP, a placeholder, a word that is no Service name here), Some(true)
/// when it is one whatever they are (`*.svc`), Some(false) when the names decide.
fn may_be_cluster_name(host: &str, named: bool) -> Option<bool> {
    let h = host.to_ascii_lowercase();
    if h.is_empty() || h.parse::<std::net::IpAddr>().is_ok() || is_placeholder(&h) || h.contains('$') {
        return None;
    }
    if h.ends_with(".svc") || h.ends_with(".svc.cluster.local") || h.contains(".svc.") {
        return Some(true);
    }
    let labels: Vec<&str> = h.split('.').collect();
    let pod_name = matches!(labels.as_slice(), [pod, _, ..] if pod.rsplit_once('-').is_some_and(|(_, n)| n.parse::<u32>().is_ok()));
    (pod_name || (named && labels.len() <= 2)).then_some(false)
}

impl Names<'_> {
    /// Why `host` is a name only the cluster's DNS resolves, when it is one. `named` says the
    /// text is an address (an address flag or variable), so a bare Service name counts.
    fn cluster_name(&self, ns: &str, host: &str, named: bool) -> Option<String> {
        let h = host.to_ascii_lowercase();
        if h.is_empty() || h.parse::<std::net::IpAddr>().is_ok() || is_placeholder(&h) || h.contains('$') {
            return None;
        }
        if h.ends_with(".svc") || h.ends_with(".svc.cluster.local") || h.contains(".svc.") {
            return Some("a cluster Service name".into());
        }
        let labels: Vec<&str> = h.split('.').collect();
        if let [pod, svc, ..] = labels.as_slice() {
            if let Some((sts, n)) = pod.rsplit_once('-') {
                if n.parse::<u32>().is_ok() && self.statefulsets.get(&(ns, sts)).is_some_and(|s| s == svc) {
                    return Some(format!("the DNS name of a pod of StatefulSet `{sts}`"));
                }
            }
        }
        if !named {
            return None;
        }
        let (name, in_ns) = match labels.as_slice() {
            [name] => (*name, ns),
            [name, other] => (*name, *other),
            _ => return None,
        };
        self.services.contains(&(in_ns, name)).then(|| format!("Service `{name}` of the inputs"))
    }
}

pub struct Rule;

/// A text of a container that may name a host: where it is, and the host in it.
struct Candidate {
    path: FieldPath,
    host: String,
    /// The text is an address (an address flag or variable), so a bare Service name counts.
    named: bool,
    /// Where the finding points (None: the field is not in the source).
    span: Option<Span>,
}

/// A container of a pod that uses the node's resolver, with the hosts its texts name in order.
pub struct Subject {
    file: usize,
    about: About,
    namespace: String,
    container: String,
    policy: String,
    candidates: Vec<Candidate>,
}

impl Relation for Rule {
    type Subject = Subject;

    fn subjects(ix: &Index, out: &mut Vec<Subject>) {
        for (o, w, _) in ix.workloads() {
            let Some(spec) = w.pod_spec else { continue };
            // `None` brings its own resolvers (dnsConfig); `ClusterFirstWithHostNet` is the fix.
            if spec.host_network != Some(true) || matches!(spec.dns_policy.as_deref(), Some("ClusterFirstWithHostNet" | "None")) {
                continue;
            }
            let y = ix.file(o);
            let policy = spec.dns_policy.as_deref().unwrap_or("ClusterFirst").to_string();
            for (_, idx, ctr) in containers(spec) {
                let base = w.container_path(idx);
                // Only texts that may name a cluster host are kept, each with its place, up to the
                // first that certainly does (the first match is what is reported).
                let mut candidates = Vec::new();
                let mut certain = false;
                let mut add = |path: &dyn Fn() -> FieldPath, host: &str, named: bool| {
                    let Some(sure) = may_be_cluster_name(host, named).filter(|_| !certain) else { return };
                    certain = sure;
                    let path = path();
                    let span = y.lookup(o.root, &path).map(|node| span_within(ix, o, node, host));
                    candidates.push(Candidate { path, host: host.to_string(), named, span });
                };
                for (i, e) in ctr.env.iter().flatten().enumerate() {
                    let Some(v) = e.value.as_deref() else { continue };
                    if identifier(&e.name) {
                        continue;
                    }
                    let named = address_env(&e.name);
                    for token in v.split([' ', ',', ';']) {
                        add(&|| base.clone().key("env").index(i).key("value"), host_of(token), named);
                    }
                }
                for (field, items) in [("command", ctr.command.as_ref()), ("args", ctr.args.as_ref())] {
                    let Some(items) = items else { continue };
                    for (i, item) in items.iter().enumerate() {
                        // Scripts (`sh -c "..."`) are read word by word.
                        let words: Vec<&str> = item.split_whitespace().collect();
                        for (j, word) in words.iter().enumerate() {
                            let (flag, value) = match word.split_once('=') {
                                Some((f, v)) => (f, Some(v)),
                                None => (*word, None),
                            };
                            if identifier(flag) {
                                continue;
                            }
                            let named = ADDRESS_FLAGS.contains(&flag);
                            let value = match value {
                                Some(v) => v,
                                None if named => match words.get(j + 1).copied().or_else(|| items.get(i + 1).map(String::as_str)) {
                                    Some(v) => v,
                                    None => continue,
                                },
                                None => word,
                            };
                            let host = host_of(value);
                            add(&|| base.clone().key(field).index(if item.contains(host) { i } else { i + 1 }), host, named);
                        }
                    }
                }
                if !candidates.is_empty() {
                    out.push(Subject {
                        file: o.file,
                        about: About::of(o),
                        namespace: ix.namespace_of(o).to_string(),
                        container: ctr.name.clone(),
                        policy: policy.clone(),
                        candidates,
                    });
                }
            }
        }
    }

    fn judge(world: &World, subjects: &Parts<Subject>, out: &mut Findings) {
        if subjects.is_empty() {
            return;
        }
        let mut names = Names { services: HashSet::default(), statefulsets: HashMap::default() };
        for f in world.facts() {
            let Some(n) = f.name() else { continue };
            if f.service.is_some() {
                names.services.insert((f.namespace.as_str(), n));
            } else if let Some(svc) = f.service_name() {
                names.statefulsets.insert((f.namespace.as_str(), n), svc);
            }
        }
        for s in subjects {
            // The first text that names a cluster host, env values before arguments.
            let Some((c, why)) = s.candidates.iter().find_map(|c| Some((c, names.cluster_name(&s.namespace, &c.host, c.named)?))) else {
                continue;
            };
            let Some(span) = c.span else { continue };
            let (host, policy) = (&c.host, &s.policy);
            out.report(
                s.file,
                span,
                format!(
                    "container `{}` runs with `hostNetwork: true` and dnsPolicy `{policy}`, so it resolves names with the node's resolver: `{host}` ({why}) does not resolve, and the container never reaches it",
                    s.container
                ),
            )
            .help("set `dnsPolicy: ClusterFirstWithHostNet` in the pod spec: a hostNetwork pod resolves cluster names only with it")
            .path(c.path.clone())
            .about(&s.about);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hosts_of_addresses() {
        assert_eq!(super::host_of("http://svc.ns.svc:8000/v1"), "svc.ns.svc");
        assert_eq!(super::host_of("sglang-master-pod:5000"), "sglang-master-pod");
        assert_eq!(super::host_of("'redis.default.svc.cluster.local.'"), "redis.default.svc.cluster.local");
        assert!(super::address_env("MASTER_ADDR") && super::address_env("REDIS_HOST") && !super::address_env("MASTER_PORT"));
    }
}
