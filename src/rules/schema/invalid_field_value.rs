//! [`InvalidFieldValue`](crate::rules::RuleId::InvalidFieldValue): a value of the right type that the API server rejects:
//! enumerations, quantities, port ranges, negative counts, object names.

use crate::index::Index;
use crate::model::workload::containers;
use crate::model::{quantity, Object, Typed, Workload, WorkloadKind};
use crate::path;
use crate::rules::Findings;
use crate::yaml::de::IssueKind;
use crate::yaml::{is_placeholder, FieldPath, YamlFile};
use k8s_openapi::api::core::v1::PodSpec;

struct Cx<'a> {
    o: &'a Object,
    y: &'a YamlFile,
    out: &'a mut Findings,
}

impl Cx<'_> {
    fn emit(&mut self, path: &FieldPath, message: String, help: String) {
        let Some(node) = self.y.lookup(self.o.root, path) else {
            return;
        };
        // A value that did not type (reported by [`InvalidFieldType`](crate::rules::RuleId::InvalidFieldType)) or a template
        // placeholder has no value to judge yet.
        if self.o.issues.iter().any(|i| i.node == node) || self.y.scalar(node).is_some_and(is_placeholder) {
            return;
        }
        self.out.report(self.o.file, self.y.span(node), message).help(help).path(path.clone()).object(self.o);
    }

    /// A string enumeration; empty/missing values are the API's default and fine.
    fn one_of(&mut self, path: impl FnOnce() -> FieldPath, value: Option<&str>, allowed: &[&str], what: &str) {
        let Some(v) = value else { return };
        if v.is_empty() || allowed.contains(&v) {
            return;
        }
        let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
        let close = allowed.iter().find(|a| a.eq_ignore_ascii_case(v)).map(|a| format!("`{a}` (values are case-sensitive)"));
        let help = match close {
            Some(c) => format!("write {c}"),
            None => format!("use one of {list}"),
        };
        self.emit(&path(), format!("`{v}` is not a valid {what}; allowed: {list}"), help);
    }

    fn port(&mut self, path: impl FnOnce() -> FieldPath, value: i64, what: &str, zero_ok: bool) {
        if (zero_ok && value == 0) || (1..=65535).contains(&value) {
            return;
        }
        self.emit(&path(), format!("{what} `{value}` is outside 1-65535"), "use a port number from 1 to 65535".into());
    }

    fn non_negative(&mut self, path: impl FnOnce() -> FieldPath, value: Option<i32>, what: &str) {
        if let Some(v) = value {
            if v < 0 {
                self.emit(&path(), format!("{what} is negative (`{v}`)"), format!("{what} must be 0 or more"));
            }
        }
    }

    /// Quantities are checked on the source text: k8s-openapi accepts any string.
    fn quantities(&mut self, path: &FieldPath) {
        let Some(map) = self.y.lookup(self.o.root, path) else {
            return;
        };
        let Some(entries) = self.y.map_entries(map) else {
            return;
        };
        for &(k, v) in entries {
            let (Some(name), Some(text)) = (self.y.scalar(k), self.y.scalar(v)) else {
                continue;
            };
            if self.y.is_null(v) || quantity::is_valid(text) {
                continue;
            }
            let full = path.clone().key(name.to_string());
            let help = match quantity::suggestion(text) {
                Some(s) => {
                    let binary = s.strip_suffix(['k', 'M', 'G', 'T']).map(|n| format!(" (or `{n}{}i` for powers of two)", if s.ends_with('k') { "K".to_string() } else { s[s.len() - 1..].to_string() })).unwrap_or_default();
                    format!("write `{s}`{binary}: quantities are a number with an optional suffix (binary `Ki Mi Gi Ti`, decimal `k M G T`, or `m` for milli-units), without spaces")
                }
                None => "write a number with an optional suffix: binary `Ki Mi Gi Ti`, decimal `k M G T`, or `m` for milli-units (e.g. `500m`, `2Gi`)".into(),
            };
            self.emit(&full, format!("`{text}` is not a valid Kubernetes quantity for `{name}`"), help);
        }
    }
}

pub fn check(ix: &Index, out: &mut Findings) {
    for o in &ix.objects {
        let y = ix.file(o);
        let mut cx = Cx { o, y, out };
        cx.bad_values();
        check_name(&mut cx);
        labels(&mut cx, &path!["metadata"]);
        cron_schedule(&mut cx);
        ingress_paths(&mut cx);
        let Some(typed) = &o.typed else { continue };
        // Every pod template: a built-in workload's, and each of a custom resource's.
        for w in o.workloads() {
            let ps = w.pod_spec_path();
            if let Some(spec) = w.pod_spec {
                restart_policy(&mut cx, &w, &ps, spec);
                pod_spec(&mut cx, &w, &ps, spec);
                unique_names(&mut cx, &w, &ps, spec);
                limits_below_requests(&mut cx, &w, spec);
            }
            if w.has_template() && w.custom.is_none_or(|(_, p)| p.is_template) {
                labels(&mut cx, &w.template_path().key("metadata"));
            }
        }
        if o.workload().is_some() {
            controller_fields(&mut cx, typed);
        }
        other_fields(&mut cx, typed);
    }
}

impl Cx<'_> {
    /// Values the deserializer itself could not accept (a malformed timestamp...).
    fn bad_values(&mut self) {
        let (o, y) = (self.o, self.y);
        for issue in &o.issues {
            if let IssueKind::BadValue { message } = &issue.kind {
                if y.scalar(issue.node).is_some_and(is_placeholder) {
                    continue;
                }
                // `nvidia.com/gpu:` with nothing after it: a quantity left empty.
                if message.contains("unit value") && message.contains("Quantity") {
                    self.out
                        .report(o.file, y.span(issue.node), format!("`{}` has no value: a quantity is required", issue.path))
                        .help("write the amount (`1` GPU, `500m` CPU, `2Gi` memory), or remove the entry")
                        .path(issue.path.clone())
                        .object(o);
                    continue;
                }
                let top = issue.path.steps().first().and_then(|s| s.as_key());
                if matches!(top, Some("data" | "binaryData")) && message.starts_with("Invalid") {
                    let value = y.scalar(issue.node).unwrap_or("");
                    if is_fill_in(value) {
                        continue;
                    }
                    let (field, plain) = if top == Some("data") { ("data", "stringData") } else { ("binaryData", "data") };
                    self.out
                        .report(
                            o.file,
                            y.span(issue.node),
                            format!("`{}` of {} is not base64 ({}): the API server rejects the object", issue.path, o.kind, message.to_ascii_lowercase().trim_end_matches('.')),
                        )
                        .help(format!("base64-encode the value (`echo -n VALUE | base64`), or move it under `{plain}` as plain text; `{field}` holds only base64"))
                        .path(issue.path.clone())
                        .object(o);
                    continue;
                }
                self.out
                    .report(o.file, y.span(issue.node), format!("invalid value: {message}"))
                    .help("fix the value to the form the API expects")
                    .path(issue.path.clone())
                    .object(o);
            }
        }
    }
}

/// The restart policies a controller's pod template accepts.
fn restart_policy(cx: &mut Cx, w: &Workload, ps: &FieldPath, spec: &PodSpec) {
    let o = cx.o;
    let allowed: &[&str] = match w.kind {
        k if k.long_running() => &["Always"],
        WorkloadKind::Job | WorkloadKind::CronJob => &["OnFailure", "Never"],
        _ => &["Always", "OnFailure", "Never"],
    };
    if let Some(rp) = spec.restart_policy.as_deref() {
        if !rp.is_empty() && !allowed.contains(&rp) {
            let p = ps.clone().key("restartPolicy");
            let kind = &o.kind;
            let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(" or ");
            let why = match w.kind {
                k if k.long_running() => format!("a {kind} keeps its pods running, so its pod template only accepts `Always`"),
                WorkloadKind::Job | WorkloadKind::CronJob => format!("a {kind}'s pods run to completion, so `Always` is rejected: use `OnFailure` to retry in place or `Never` to let the Job create a new pod"),
                _ => "allowed values are `Always`, `OnFailure` and `Never`".to_string(),
            };
            cx.emit(&p, format!("restartPolicy `{rp}` is not allowed in a {kind}; allowed: {list}"), why);
        }
    }
}

/// Enumerations and counts of the controllers' own specs.
fn controller_fields(cx: &mut Cx, typed: &Typed) {
    match typed {
        Typed::Deployment(d) => {
            cx.non_negative(|| path!["spec", "replicas"], d.spec.replicas, "replicas");
            let t = d.spec.strategy.as_ref().and_then(|s| s.type_.as_deref());
            cx.one_of(|| path!["spec", "strategy", "type"], t, &["RollingUpdate", "Recreate"], "Deployment strategy type");
        }
        Typed::StatefulSet(s) => {
            cx.non_negative(|| path!["spec", "replicas"], s.spec.replicas, "replicas");
            cx.one_of(
                || path!["spec", "podManagementPolicy"],
                s.spec.pod_management_policy.as_deref(),
                &["OrderedReady", "Parallel"],
                "podManagementPolicy",
            );
            let t = s.spec.update_strategy.as_ref().and_then(|s| s.type_.as_deref());
            cx.one_of(|| path!["spec", "updateStrategy", "type"], t, &["RollingUpdate", "OnDelete"], "StatefulSet updateStrategy type");
            for (i, _) in s.spec.volume_claim_templates.iter().flatten().enumerate() {
                for part in ["requests", "limits"] {
                    cx.quantities(&path!["spec", "volumeClaimTemplates", i, "spec", "resources", part]);
                }
            }
        }
        Typed::DaemonSet(d) => {
            let t = d.spec.update_strategy.as_ref().and_then(|s| s.type_.as_deref());
            cx.one_of(|| path!["spec", "updateStrategy", "type"], t, &["RollingUpdate", "OnDelete"], "DaemonSet updateStrategy type");
        }
        Typed::ReplicaSet(r) => cx.non_negative(|| path!["spec", "replicas"], r.spec.replicas, "replicas"),
        Typed::Job(j) => {
            if let Some(s) = &j.spec {
                cx.non_negative(|| path!["spec", "parallelism"], s.parallelism, "parallelism");
                cx.non_negative(|| path!["spec", "completions"], s.completions, "completions");
                cx.non_negative(|| path!["spec", "backoffLimit"], s.backoff_limit, "backoffLimit");
            }
        }
        Typed::CronJob(c) => {
            cx.one_of(
                || path!["spec", "concurrencyPolicy"],
                c.spec.concurrency_policy.as_deref(),
                &["Allow", "Forbid", "Replace"],
                "concurrencyPolicy",
            );
        }
        _ => {}
    }
}

/// Services' types and ports, claims' quantities.
fn other_fields(cx: &mut Cx, typed: &Typed) {
    match typed {
        Typed::Service(s) => {
            if let Some(spec) = &s.spec {
                cx.one_of(
                    || path!["spec", "type"],
                    spec.type_.as_deref(),
                    &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
                    "Service type",
                );
                for (i, port) in spec.ports.iter().flatten().enumerate() {
                    let base = path!["spec", "ports", i];
                    cx.port(|| base.clone().key("port"), i64::from(port.port), "port", false);
                    cx.one_of(|| base.clone().key("protocol"), port.protocol.as_deref(), &["TCP", "UDP", "SCTP"], "protocol");
                    if let Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(t)) = port.target_port {
                        cx.port(|| base.clone().key("targetPort"), i64::from(t), "targetPort", false);
                    }
                    if let Some(np) = port.node_port {
                        cx.port(|| base.clone().key("nodePort"), i64::from(np), "nodePort", true);
                    }
                }
            }
        }
        Typed::PersistentVolumeClaim(_) => {
            for part in ["requests", "limits"] {
                cx.quantities(&path!["spec", "resources", part]);
            }
        }
        Typed::PodDisruptionBudget(p) if p.spec.as_ref().is_some_and(|s| s.min_available.is_some() && s.max_unavailable.is_some()) => {
            cx.emit(
                &path!["spec", "maxUnavailable"],
                "a PodDisruptionBudget sets both `minAvailable` and `maxUnavailable`: the API server accepts only one".into(),
                "keep one of them: `minAvailable` (pods that must stay up) or `maxUnavailable` (pods that may be down)".into(),
            );
        }
        _ => {}
    }
    if let Typed::Service(s) = typed {
        service_port_names(cx, s.spec.as_ref().and_then(|s| s.ports.as_deref()).unwrap_or_default());
    }
}

/// Several ports need a name each, and names are unique (the API server rejects the Service).
fn service_port_names(cx: &mut Cx, ports: &[k8s_openapi::api::core::v1::ServicePort]) {
    if ports.len() < 2 {
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, p) in ports.iter().enumerate() {
        let base = path!["spec", "ports", i];
        match p.name.as_deref().filter(|n| !n.is_empty()) {
            None => {
                let at =
                    cx.y.lookup(cx.o.root, &base)
                        .and_then(|n| cx.y.map_entries(n))
                        .and_then(|e| e.first())
                        .and_then(|(k, _)| cx.y.scalar(*k));
                let Some(first) = at else { continue };
                cx.emit(
                    &base.clone().key(first.to_string()),
                    format!("port {i} of a Service with {} ports has no `name`: every port needs one when there are several", ports.len()),
                    "add a `name` to each port (`http`, `grpc`, `metrics`): the API server rejects the Service otherwise".into(),
                );
            }
            Some(n) if seen.contains(&n) => cx.emit(
                &base.clone().key("name"),
                format!("port name `{n}` is used twice in this Service"),
                "give each port its own name".into(),
            ),
            Some(n) => seen.push(n),
        }
    }
}

/// Container names (regular, init and ephemeral share one namespace) and volume names are
/// unique in a pod.
fn unique_names(cx: &mut Cx, w: &Workload, ps: &FieldPath, spec: &PodSpec) {
    let mut seen: Vec<&str> = Vec::new();
    for (_, idx, c) in containers(spec) {
        if c.name.is_empty() {
            continue;
        }
        if seen.contains(&c.name.as_str()) {
            cx.emit(
                &w.container_path(idx).key("name"),
                format!("container name `{}` is used twice in this pod", c.name),
                "give each container and init container its own name: the API server rejects duplicates".into(),
            );
        } else {
            seen.push(&c.name);
        }
    }
    let mut volumes: Vec<&str> = Vec::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        if volumes.contains(&v.name.as_str()) {
            cx.emit(
                &ps.clone().key("volumes").index(i).key("name"),
                format!("volume name `{}` is used twice in this pod", v.name),
                "give each volume its own name; mounts refer to volumes by name".into(),
            );
        } else if !v.name.is_empty() {
            volumes.push(&v.name);
        }
    }
}

/// A request above its limit: the API server rejects the pod ("must be less than or equal to
/// the limit").
fn limits_below_requests(cx: &mut Cx, w: &Workload, spec: &PodSpec) {
    for (_, idx, c) in containers(spec) {
        let Some(r) = &c.resources else { continue };
        let (Some(limits), Some(requests)) = (&r.limits, &r.requests) else { continue };
        for (name, req) in requests {
            let Some(lim) = limits.get(name) else { continue };
            let (Some(rq), Some(lm)) = (quantity::parse_nanos(&req.0), quantity::parse_nanos(&lim.0)) else { continue };
            if rq > lm {
                cx.emit(
                    &w.container_path(idx).key("resources").key("requests").key(name.clone()),
                    format!(
                        "container `{}` requests {} `{}` but its limit is `{}`: a request must not exceed its limit",
                        c.name, name, req.0, lim.0
                    ),
                    format!("raise the limit to at least `{}` or lower the request", req.0),
                );
            }
        }
    }
}

/// Label keys (an optional DNS-subdomain prefix and `/`, then a name of at most 63
/// characters) and values (at most 63 characters of letters, digits, `-`, `_`, `.`, starting
/// and ending with a letter or digit) under `meta` (`metadata`, or a pod template's).
fn labels(cx: &mut Cx, meta: &FieldPath) {
    let Some(map) = cx.y.lookup(cx.o.root, meta).and_then(|m| cx.y.get(m, "labels")) else { return };
    let Some(entries) = cx.y.map_entries(map) else { return };
    for &(k, v) in entries {
        let (Some(key), Some(value)) = (cx.y.scalar(k), cx.y.str_value(v)) else { continue };
        if is_placeholder(key) || is_placeholder(value) {
            continue;
        }
        let p = || meta.clone().key("labels").key(key.to_string());
        if let Some(why) = label_key_problem(key) {
            let span = cx.y.span(k);
            cx.out
                .report(cx.o.file, span, format!("`{key}` is not a valid label key: {why}"))
                .help("a label key is an optional DNS-subdomain prefix and `/`, then at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit")
                .path(p())
                .object(cx.o);
            continue;
        }
        if let Some(why) = label_name_problem(value, "value") {
            cx.emit(
                &p(),
                format!("`{value}` is not a valid value for label `{key}`: {why}"),
                "a label value is at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (or empty); put free text in an annotation".into(),
            );
        }
    }
}

fn label_name_problem(s: &str, what: &str) -> Option<String> {
    if s.len() > 63 {
        return Some(format!("the {what} is {} characters long (at most 63)", s.len()));
    }
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Some(format!("the {what} contains `{c}`"));
    }
    let edge = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    let edges_ok = edge(s.bytes().next()) && edge(s.bytes().last());
    (!s.is_empty() && !edges_ok).then(|| format!("the {what} must start and end with a letter or digit"))
}

fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if name.is_empty() {
        return Some("the name after the prefix is empty".to_string());
    }
    if let Some(p) = prefix {
        if let Some(why) = dns1123_subdomain(p) {
            return Some(format!("the prefix `{p}` {why}"));
        }
    }
    label_name_problem(name, "name")
}

/// A CronJob's schedule: five fields (minute hour day-of-month month day-of-week), a macro
/// (`@hourly`, `@daily`...), or either after a `CRON_TZ=`/`TZ=` zone.
fn cron_schedule(cx: &mut Cx) {
    if cx.o.kind != "CronJob" || cx.o.removed.is_some() {
        return;
    }
    let p = path!["spec", "schedule"];
    let Some(text) = cx.y.lookup(cx.o.root, &p).and_then(|n| cx.y.str_value(n)) else { return };
    if text.is_empty() || is_placeholder(text) {
        return;
    }
    let mut rest = text.trim();
    if let Some(r) = rest.strip_prefix("CRON_TZ=").or_else(|| rest.strip_prefix("TZ=")) {
        rest = r.split_once(' ').map_or("", |(_, s)| s).trim();
    }
    const MACROS: &[&str] = &["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
    let problem = if rest.starts_with('@') {
        (!MACROS.contains(&rest) && !rest.starts_with("@every "))
            .then(|| format!("`{rest}` is not a schedule macro ({})", MACROS.join(", ")))
    } else {
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() != 5 {
            Some(format!("it has {} fields; a schedule has 5 (minute hour day-of-month month day-of-week)", fields.len()))
        } else {
            fields
                .iter()
                .find(|f| !f.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | ',' | '-' | '/' | '?')))
                .map(|f| format!("the field `{f}` holds characters a schedule does not use"))
        }
    };
    if let Some(why) = problem {
        cx.emit(
            &p,
            format!("`{text}` is not a valid CronJob schedule: {why}"),
            "write five fields, e.g. `0 3 * * *` for 03:00 every day, or a macro such as `@hourly`".into(),
        );
    }
}

/// networking.k8s.io/v1 Ingress paths: `pathType` is one of three values, and `Exact` and
/// `Prefix` paths are absolute (start with `/`).
fn ingress_paths(cx: &mut Cx) {
    if cx.o.kind != "Ingress" || cx.o.api_version.as_deref() != Some("networking.k8s.io/v1") {
        return;
    }
    let y = cx.y;
    let Some(rules) = y.lookup(cx.o.root, &path!["spec", "rules"]).and_then(|r| y.seq_items(r)) else { return };
    for (i, &rule) in rules.iter().enumerate() {
        let Some(paths) = y.get(rule, "http").and_then(|h| y.get(h, "paths")).and_then(|p| y.seq_items(p)) else { continue };
        for (j, &item) in paths.iter().enumerate() {
            let base = path!["spec", "rules", i, "http", "paths", j];
            let kind = y.get_str(item, "pathType");
            cx.one_of(|| base.clone().key("pathType"), kind, &["Exact", "Prefix", "ImplementationSpecific"], "Ingress pathType");
            let Some(path) = y.get_str(item, "path") else { continue };
            if matches!(kind, Some("Exact" | "Prefix")) && !path.starts_with('/') && !is_placeholder(path) {
                cx.emit(
                    &base.clone().key("path"),
                    format!("Ingress path `{path}` is not absolute: with pathType {} it must start with `/`", kind.unwrap_or("")),
                    format!("write `/{path}`"),
                );
            }
        }
    }
}

fn pod_spec(cx: &mut Cx, w: &Workload, ps: &FieldPath, spec: &PodSpec) {
    {
        for (_, i, c) in containers(spec) {
            // `containers[i]`, `initContainers[i]`, or a container the operator adds (KServe's
            // `model`), where it is written.
            let base = w.container_path(i);
            let at = |k: &'static str| base.clone().key(k);
            cx.one_of(|| at("imagePullPolicy"), c.image_pull_policy.as_deref(), &["Always", "IfNotPresent", "Never"], "imagePullPolicy");
            for part in ["limits", "requests"] {
                cx.quantities(&at("resources").key(part));
            }
            for (j, port) in c.ports.iter().flatten().enumerate() {
                let p = at("ports").index(j);
                let pp = |k: &'static str| p.clone().key(k);
                cx.port(|| pp("containerPort"), i64::from(port.container_port), "containerPort", false);
                if let Some(h) = port.host_port {
                    cx.port(|| pp("hostPort"), i64::from(h), "hostPort", true);
                }
                cx.one_of(|| pp("protocol"), port.protocol.as_deref(), &["TCP", "UDP", "SCTP"], "protocol");
            }
        }
    }
    for (i, t) in spec.tolerations.iter().flatten().enumerate() {
        let base = ps.clone().key("tolerations").index(i);
        let at = |k: &'static str| base.clone().key(k);
        cx.one_of(|| at("operator"), t.operator.as_deref(), &["Equal", "Exists"], "toleration operator");
        cx.one_of(|| at("effect"), t.effect.as_deref(), &["NoSchedule", "PreferNoSchedule", "NoExecute"], "toleration effect");
        if t.operator.as_deref() == Some("Exists") && t.value.as_deref().is_some_and(|v| !v.is_empty()) {
            cx.emit(
                &at("value"),
                "a toleration with `operator: Exists` must not have a `value`".into(),
                "remove `value` (Exists matches any value of the key), or use `operator: Equal`".into(),
            );
        }
    }
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        if v.empty_dir.is_some() {
            let p = ps.join(&path!["volumes", i, "emptyDir"]);
            check_single_quantity(cx, &p, "sizeLimit");
        }
    }
}

fn check_single_quantity(cx: &mut Cx, map_path: &FieldPath, key: &'static str) {
    let Some(map) = cx.y.lookup(cx.o.root, map_path) else {
        return;
    };
    let Some(v) = cx.y.get(map, key) else { return };
    let Some(text) = cx.y.scalar(v) else { return };
    if cx.y.is_null(v) || quantity::is_valid(text) {
        return;
    }
    let p = map_path.clone().key(key);
    cx.emit(
        &p,
        format!("`{text}` is not a valid Kubernetes quantity for `{key}`"),
        "write a number with an optional suffix such as `1Gi` or `500Mi`".into(),
    );
}

/// Object names: DNS-1035 labels for Services, DNS-1123 labels for Namespaces, DNS-1123
/// subdomains for the rest of the built-in kinds; CronJob names are limited to 52 characters.
fn check_name(cx: &mut Cx) {
    let o = cx.o;
    if !crate::model::is_builtin_kind(&o.kind) || o.kind == "CustomResourceDefinition" {
        return;
    }
    let Some(meta) = cx.y.get(o.root, "metadata") else {
        return;
    };
    let Some(node) = cx.y.get(meta, "name") else {
        return;
    };
    let Some(name) = cx.y.str_value(node) else {
        return;
    };
    // A patch's `*` (a kustomize target selector), a script's placeholder (`REPLACE_ME`,
    // `__INDEX__`, `<name>`), an operator's: not the name the object will have.
    if name.is_empty() || o.completion.is_some() || crate::model::completion::has_script_placeholder(name) {
        return;
    }
    let problem = match o.kind.as_str() {
        "Service" => dns1035_label(name),
        "Namespace" => dns1123_label(name),
        // RBAC names are path segments, not DNS names.
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => {
            if name.contains('/') || name.contains('%') || name == "." || name == ".." {
                Some("must not contain `/` or `%`, nor be `.` or `..`".to_string())
            } else {
                None
            }
        }
        "CronJob" if name.len() > 52 => {
            Some(format!("is {} characters long; a CronJob name must be at most 52 (its Jobs add 11)", name.len()))
        }
        _ => dns1123_subdomain(name),
    };
    if let Some(p) = problem {
        cx.emit(
            &path!["metadata", "name"],
            format!("`{name}` is not a valid {} name: it {p}", o.kind),
            "use lowercase letters, digits and `-` (and `.` where allowed), starting and ending with a letter or digit".into(),
        );
    }
}

fn dns1123_label(s: &str) -> Option<String> {
    if s.len() > 63 {
        return Some(format!("is {} characters long (at most 63)", s.len()));
    }
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        let what = if c.is_ascii_uppercase() { format!("the uppercase letter `{c}`") } else { format!("`{c}`") };
        return Some(format!("contains {what}; only lowercase letters, digits and `-` are allowed"));
    }
    if !s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric()) || !s.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric()) {
        return Some("must start and end with a letter or digit".to_string());
    }
    None
}

fn dns1035_label(s: &str) -> Option<String> {
    if let Some(p) = dns1123_label(s) {
        return Some(p);
    }
    (!s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())).then(|| "must start with a lowercase letter".to_string())
}

fn dns1123_subdomain(s: &str) -> Option<String> {
    if s.len() > 253 {
        return Some(format!("is {} characters long (at most 253)", s.len()));
    }
    for label in s.split('.') {
        if label.is_empty() {
            return Some("has an empty part between dots".to_string());
        }
        if let Some(p) = dns1123_label(label) {
            return Some(if s.contains('.') { format!("has a part `{label}` that {p}") } else { p });
        }
    }
    None
}

/// A value the reader is to replace before applying (`<TF_TOKEN in base64>`, `$TOKEN`,
/// `Replace_this_with_your_base64_encoded_key`, `...base64 encoded data...`): not a mistake in
/// the encoding.
fn is_fill_in(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.contains(['<', '$'])
        || value.contains("...")
        || ["replace", "placeholder", "your", "changeme", "change_me", "base64", "todo", "xxx"].iter().any(|w| lower.contains(w))
}
