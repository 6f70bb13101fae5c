//! `.kshape.yaml`: rule selection and severities, excludes, defaults, extra signatures.
//! Found in the current directory or its parents (up to the repository root), or given with
//! `--config`. Read with the project's own YAML parser and Deserializer, so every error (an
//! unknown key, a wrong type, an unknown rule, a bad level, glob or pattern) points at its key
//! or value. [`resolve`] turns a configuration and a run's overrides into the run's settings:
//! the command line and the language server both use it.

use crate::classify::SignatureFile;
use crate::index::Settings;
use crate::rules::Severity;
use crate::rules::{Category, RuleId, Selection, Selector};
use crate::yaml::de::{self, Issue, IssueKind, Mode};
use crate::yaml::scalar::Resolved as Scalar;
use crate::yaml::{self, FieldPath, NodeId, NodeKind, Span, YamlFile};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub const FILE_NAMES: &[&str] = &[".kshape.yaml", ".kshape.yml"];

/// A rule's level: a severity, or None for `off`.
pub type Level = Option<Severity>;

/// A validated configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub rules: RulesConfig,
    /// Globs relative to the configuration's directory.
    pub exclude: Vec<String>,
    pub fail_on: Option<Severity>,
    pub namespace: Option<String>,
    pub kubernetes_version: Option<(u32, u32)>,
    pub signatures: Option<SignatureFile>,
    /// Taint keys of GPU node pools (default: nvidia.com/gpu, amd.com/gpu, sku).
    pub gpu_taints: Option<Vec<String>>,
    /// `nodes.extended_resource_toleration`: the cluster's ExtendedResourceToleration admission
    /// plugin gives pods that request an extended resource a toleration for its taint (GKE).
    pub extended_resource_toleration: bool,
}

#[derive(Debug, Clone, Default)]
pub struct RulesConfig {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Level>,
}

/// The file as written: its shape is checked by deserializing, its values by [`validate`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Raw {
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    exclude: Vec<String>,
    fail_on: Option<String>,
    namespace: Option<String>,
    kubernetes_version: Option<String>,
    signatures: Option<SignatureFile>,
    gpu_taints: Option<Vec<String>>,
    #[serde(default)]
    nodes: RawNodes,
}

/// `nodes:`: how the cluster admits pods, for the rules that judge a node inventory.
#[derive(Debug, Default, Deserialize)]
struct RawNodes {
    #[serde(default, alias = "extended-resource-toleration")]
    extended_resource_toleration: bool,
}

#[derive(Debug, Default, Deserialize)]
struct RawRules {
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
}

/// A loaded configuration and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub config: Config,
    /// The directory the file is in (excludes are relative to it).
    pub dir: Option<PathBuf>,
    pub path: Option<PathBuf>,
}

/// One error in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where in the file; None when the file could not be read at all.
    pub span: Option<Span>,
    /// 1-based line and column (in characters) of `span.start`.
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Why a configuration file was not loaded: every error found, in file order.
#[derive(Debug, Clone)]
pub struct ConfigErrors {
    pub path: PathBuf,
    /// The text the positions refer to.
    pub text: String,
    pub errors: Vec<ConfigError>,
}

impl ConfigErrors {
    /// One line per error: `path:line:column: message`.
    pub fn lines(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| match e.span {
                Some(_) => format!("{}:{}:{}: {}", self.path.display(), e.line, e.column, e.message),
                None => e.message.clone(),
            })
            .collect()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join("\n"))
    }
}

/// Finds `.kshape.yaml` in `start` or its parents, stopping at a repository root (`.git`).
pub fn discover(start: &Path) -> Option<PathBuf> {
    let mut dir = std::fs::canonicalize(start).ok()?;
    loop {
        for n in FILE_NAMES {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
        if dir.join(".git").exists() || !dir.pop() {
            return None;
        }
    }
}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Loaded, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigErrors {
        path: path.to_path_buf(),
        text: String::new(),
        errors: vec![ConfigError { span: None, line: 0, column: 0, message: format!("cannot read {}: {e}", path.display()) }],
    })?;
    let config = parse(&text).map_err(|errors| ConfigErrors { path: path.to_path_buf(), text: text.clone(), errors })?;
    Ok(Loaded { config, dir: path.parent().map(Path::to_path_buf), path: Some(path.to_path_buf()) })
}

/// Parses and validates the text of a configuration file.
pub fn parse(text: &str) -> Result<Config, Vec<ConfigError>> {
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    let y = yaml::parse(text);
    let mut errs = Errors { y: &y, spans: Vec::new() };
    // A syntax error, or a size limit (the rest of the file was not read).
    if let Some(e) = y.errors.first().or(y.limit.as_ref()) {
        errs.spans.push((Span::at(e.offset as usize), e.message.clone()));
        return Err(errs.finish(text));
    }
    if let Some(second) = y.docs.get(1) {
        errs.spans
            .push((Span::at(second.start as usize), "deserializing from YAML containing more than one document is not supported".into()));
    }
    let config = match y.docs.first().and_then(|d| d.root) {
        None => Config::default(),
        Some(root) => {
            let out = de::from_node_with::<Raw>(&y, root, Mode::CONFIGURATION);
            for issue in &out.issues {
                errs.issue(issue);
            }
            if out.value.is_none() && out.issues.is_empty() {
                errs.at(root, "not a configuration".into());
            }
            validate(out.value.unwrap_or_default(), root, &mut errs)
        }
    };
    if errs.spans.is_empty() {
        Ok(config)
    } else {
        Err(errs.finish(text))
    }
}

/// Errors found so far, by span.
struct Errors<'y> {
    y: &'y YamlFile,
    spans: Vec<(Span, String)>,
}

impl Errors<'_> {
    fn at(&mut self, node: NodeId, message: String) {
        self.spans.push((self.y.span(node), message));
    }

    /// A deserializer issue, worded as serde words it.
    fn issue(&mut self, issue: &Issue) {
        let y = self.y;
        let prefix = |path: &FieldPath| if path.is_empty() { String::new() } else { format!("{path}: ") };
        match &issue.kind {
            IssueKind::UnknownField { fields, .. } => {
                let key = y.scalar(issue.node).unwrap_or("");
                // The mapping the unknown key sits in (`rules` of `rules.sevrity`).
                let parent = if issue.path.last_key() == Some(key) { issue.path.parent().unwrap_or_default() } else { issue.path.clone() };
                let mut msg = <serde::de::value::Error as serde::de::Error>::unknown_field(key, fields).to_string();
                if let Some(s) = crate::util::did_you_mean(key, fields.iter().copied()) {
                    msg.push_str(&format!("; did you mean `{s}`?"));
                }
                self.at(issue.node, format!("{}{msg}", prefix(&parent)));
            }
            IssueKind::WrongType { expected } => {
                let expected = match *expected {
                    "a list" => "a sequence".to_string(),
                    "a mapping" => struct_at(&issue.path).map(|s| format!("struct {s}")).unwrap_or_else(|| "a map".into()),
                    other => other.to_string(),
                };
                let msg = format!("{}invalid type: {}, expected {expected}", prefix(&issue.path), unexpected(y, issue.node));
                self.at(issue.node, msg);
            }
            IssueKind::BadValue { message } => {
                // A repeated key: point at the repetition, not at the mapping that holds it.
                let node = message
                    .strip_prefix("duplicate field `")
                    .and_then(|rest| rest.strip_suffix('`'))
                    .and_then(|key| {
                        let entries = y.map_entries(issue.node)?;
                        y.duplicate_keys.iter().find(|d| d.key == key && entries.iter().any(|(k, _)| *k == d.second)).map(|d| d.second)
                    })
                    .unwrap_or(issue.node);
                self.at(node, format!("{}{message}", prefix(&issue.path)));
            }
            IssueKind::MissingField { field, .. } => self.at(issue.node, format!("{}missing field `{field}`", prefix(&issue.path))),
            IssueKind::TooLarge => self.at(issue.node, "the configuration is too large once aliases are expanded".into()),
        }
    }

    fn finish(mut self, text: &str) -> Vec<ConfigError> {
        self.spans.sort_by_key(|(s, _)| s.start);
        self.spans.dedup();
        let lines = yaml::LineIndex::new(text);
        self.spans
            .into_iter()
            .map(|(span, message)| {
                let (line, column) = lines.line_col(text, span.start);
                ConfigError { span: Some(span), line, column, message }
            })
            .collect()
    }
}

/// The struct expected at a path, as serde names it.
fn struct_at(path: &FieldPath) -> Option<&'static str> {
    let parts: Vec<&str> = path.iter().map(|s| s.as_key().unwrap_or("")).collect();
    match parts.as_slice() {
        [] => Some("Config"),
        ["rules"] => Some("RulesConfig"),
        ["signatures"] => Some("SignatureFile"),
        ["signatures", "shapes", _] => Some("SignatureSpec"),
        ["signatures", "shapes", _, "env"] => Some("EnvSpec"),
        _ => None,
    }
}

/// What a node holds, as serde's `Unexpected` words it.
fn unexpected(y: &YamlFile, node: NodeId) -> String {
    use serde::de::Unexpected as U;
    match &y.node(node).kind {
        NodeKind::Map(_) => U::Map.to_string(),
        NodeKind::Seq(_) => U::Seq.to_string(),
        NodeKind::Scalar { text, resolved } => match resolved {
            Scalar::Null => U::Unit.to_string(),
            Scalar::Bool(b) => U::Bool(*b).to_string(),
            Scalar::Int(i) => U::Signed(*i).to_string(),
            Scalar::Float(f) => U::Float(*f).to_string(),
            _ => U::Str(y.text(*text)).to_string(),
        },
    }
}

/// The text of a scalar as the Deserializer gave it to a string field ("" for null).
fn text(y: &YamlFile, node: NodeId) -> Option<&str> {
    match &y.node(node).kind {
        NodeKind::Scalar { resolved: Scalar::Null, .. } => Some(""),
        NodeKind::Scalar { text, .. } => Some(y.text(*text)),
        _ => None,
    }
}

/// The items of a list of scalars with their nodes.
fn items(y: &YamlFile, list: Option<NodeId>) -> Vec<(&str, NodeId)> {
    let items = list.and_then(|l| y.seq_items(l)).unwrap_or(&[]);
    items.iter().filter_map(|&n| Some((text(y, n)?, n))).collect()
}

/// Checks the values the types cannot, each at its node, and gives them their types.
fn validate(raw: Raw, root: NodeId, errs: &mut Errors) -> Config {
    let y = errs.y;
    let map = |n: Option<NodeId>| n.filter(|&n| y.map_entries(n).is_some());
    let rules = map(y.get(root, "rules"));
    for key in ["select", "ignore"] {
        for (id, node) in items(y, rules.and_then(|r| y.get(r, key))) {
            if !known_rule_or_category(id) {
                errs.at(node, format!("unknown rule or category `{id}`{}", suggestion(id)));
            }
        }
    }
    let mut severity = BTreeMap::new();
    let entries = map(rules.and_then(|r| y.get(r, "severity"))).and_then(|s| y.map_entries(s)).unwrap_or(&[]);
    for &(k, v) in entries {
        let Some(id) = y.scalar(k) else { continue };
        if !is_rule(id) {
            errs.at(k, format!("unknown rule `{id}`{}", suggestion(id)));
        }
        let Some(level) = text(y, v) else { continue };
        if parse_level(level).is_none() {
            errs.at(v, format!("`{level}` is not a severity; use error, warning, info or off"));
        }
    }
    for (id, level) in &raw.rules.severity {
        if let Some(l) = parse_level(level) {
            severity.insert(id.clone(), l);
        }
    }
    let node = |key: &str| y.get(root, key).unwrap_or(root);
    // A value that is not a scalar is a type error already.
    let scalar = |key: &str, v: Option<String>| v.filter(|_| text(y, node(key)).is_some());
    let fail_on = scalar("fail-on", raw.fail_on).and_then(|f| {
        let s = Severity::parse(&f);
        if s.is_none() {
            errs.at(node("fail-on"), format!("`{f}` is not a fail-on level; use error, warning or info"));
        }
        s
    });
    let kubernetes_version = scalar("kubernetes-version", raw.kubernetes_version).and_then(|v| {
        let parsed = parse_version(&v);
        if parsed.is_none() {
            errs.at(node("kubernetes-version"), format!("`{v}` is not a Kubernetes version such as \"1.33\""));
        }
        parsed
    });
    for (g, node) in items(y, y.get(root, "exclude")) {
        if let Err(e) = globset::Glob::new(g) {
            errs.at(node, format!("invalid exclude glob `{g}`: {e}"));
        }
    }
    validate_signatures(y, map(y.get(root, "signatures")), errs);
    Config {
        rules: RulesConfig { select: raw.rules.select, ignore: raw.rules.ignore, severity },
        exclude: raw.exclude,
        fail_on,
        namespace: raw.namespace,
        kubernetes_version,
        signatures: raw.signatures,
        gpu_taints: raw.gpu_taints,
        extended_resource_toleration: raw.nodes.extended_resource_toleration,
    }
}

/// The pattern lists of a signature (classify::SignatureSpec).
const PATTERN_FIELDS: [&str; 9] =
    ["images", "repositories", "commands", "env_names", "host_paths", "resources", "owners", "not_images", "not_commands"];

fn validate_signatures(y: &YamlFile, signatures: Option<NodeId>, errs: &mut Errors) {
    let shapes = signatures.and_then(|s| y.get(s, "shapes")).and_then(|s| y.map_entries(s)).unwrap_or(&[]);
    for &(k, spec) in shapes {
        let Some(name) = y.scalar(k) else { continue };
        if let Err(e) = crate::classify::parse_shape(name) {
            errs.at(k, format!("signatures: {e}"));
        }
        for field in PATTERN_FIELDS {
            for (p, node) in items(y, y.get(spec, field)) {
                if let Err(e) = crate::classify::compile_pattern(p) {
                    errs.at(node, format!("signatures: {name}: {e}"));
                }
            }
        }
    }
}

/// What a run changes over the configuration: the command line's options (the language
/// server has none).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Replaces the configuration's `select` when not empty.
    pub select: Vec<String>,
    /// Added to the configuration's `ignore`.
    pub ignore: Vec<String>,
    /// `RULE=LEVEL`, over the configuration's severities.
    pub severity: Vec<String>,
    pub namespace: Option<String>,
    pub fail_on: Option<Severity>,
    pub kubernetes_version: Option<(u32, u32)>,
    pub threads: Option<usize>,
    /// Exclude globs, before the configuration's.
    pub exclude: Vec<String>,
    /// The configuration's excludes are anchored at its directory, named relative to this one
    /// when it is below it (as the command line names the files it walks); absolute otherwise.
    pub relative_to: Option<PathBuf>,
}

/// Everything a run needs from configuration and overrides.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub settings: Settings,
    /// Which rules run, at which severity.
    pub selection: Selection,
    /// Namespace of objects that do not name one.
    pub namespace: String,
    /// Findings of at least this severity fail the run.
    pub fail_on: Severity,
    /// Globs of files and directories to skip.
    pub excludes: Vec<String>,
}

impl Default for RunSettings {
    /// What a run without configuration or overrides uses.
    fn default() -> RunSettings {
        RunSettings {
            settings: Settings::default(),
            selection: Selection::default(),
            namespace: "default".into(),
            fail_on: Severity::Warning,
            excludes: Vec::new(),
        }
    }
}

/// The run's settings: the configuration, then the overrides.
pub fn resolve(loaded: &Loaded, o: &Overrides) -> Result<RunSettings, String> {
    let cfg = &loaded.config;
    // The configuration's names were checked when it was read; the overrides' are checked here.
    let selectors = |names: &[String]| names.iter().filter_map(|n| Selector::parse(n)).collect::<Vec<_>>();
    for id in o.select.iter().chain(&o.ignore) {
        if Selector::parse(id).is_none() {
            return Err(format!("unknown rule or category `{id}`{} (`kshape rules` lists them)", suggestion(id)));
        }
    }
    let mut sel = Selection {
        select: selectors(if o.select.is_empty() { &cfg.rules.select } else { &o.select }),
        ignore: selectors(&cfg.rules.ignore),
        severity: cfg.rules.severity.iter().filter_map(|(id, l)| Some((RuleId::parse(id)?, *l))).collect(),
        targeted: o.kubernetes_version.or(cfg.kubernetes_version).is_some(),
        // Set where the inventory is read (`lint_full`, `lint_stream`).
        inventory: false,
    };
    sel.ignore.extend(selectors(&o.ignore));
    for s in &o.severity {
        let Some((id, level)) = s.split_once('=') else {
            return Err(format!("--severity takes RULE=LEVEL, not `{s}`"));
        };
        let Some(rule) = RuleId::parse(id) else {
            return Err(format!("unknown rule `{id}` in --severity{}", suggestion(id)));
        };
        let Some(l) = parse_level(level) else {
            return Err(format!("`{level}` is not a severity; use error, warning, info or off"));
        };
        sel.severity.insert(rule, l);
    }
    let classifier = match &cfg.signatures {
        Some(extra) => Some(crate::classify::Classifier::with_extra(extra)?),
        None => None,
    };
    let mut excludes = o.exclude.clone();
    if let Some(dir) = &loaded.dir {
        let base = match &o.relative_to {
            Some(cwd) => dir.strip_prefix(cwd).map(Path::to_path_buf).unwrap_or_else(|_| dir.clone()),
            None => dir.clone(),
        };
        excludes.extend(anchored_excludes(&base, &cfg.exclude));
    }
    Ok(RunSettings {
        selection: sel,
        settings: Settings {
            kubernetes_version: o.kubernetes_version.or(cfg.kubernetes_version),
            gpu_taints: cfg.gpu_taints.clone().unwrap_or_default(),
            extended_resource_toleration: cfg.extended_resource_toleration,
            classifier,
            threads: o.threads.unwrap_or(0),
            related_context: false,
            reread: false,
            stdin: None,
        },
        namespace: o.namespace.clone().or_else(|| cfg.namespace.clone()).unwrap_or_else(|| "default".into()),
        fail_on: o.fail_on.or(cfg.fail_on).unwrap_or(Severity::Warning),
        excludes,
    })
}

/// The config's exclude globs, which are relative to its directory, as globs over paths named
/// the way the walk names them (`dir` as the user would reach it: relative to the working
/// directory, or absolute).
fn anchored_excludes(dir: &Path, globs: &[String]) -> Vec<String> {
    let base = dir.to_string_lossy().replace('\\', "/");
    let mut out = Vec::new();
    for g in globs {
        let g = g.trim_start_matches('/');
        if base.is_empty() {
            out.push(g.to_string());
        } else {
            out.push(format!("{}/{g}", base.trim_end_matches('/')));
            if !g.contains('/') {
                out.push(format!("{}/**/{g}", base.trim_end_matches('/')));
            }
        }
    }
    out
}

/// Whether `id` names a rule (the one place configuration asks the rule table for one).
fn is_rule(id: &str) -> bool {
    RuleId::parse(id).is_some()
}

fn suggestion(id: &str) -> String {
    crate::util::did_you_mean(id, RuleId::ALL.iter().map(|r| r.as_str())).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
}

pub fn known_rule_or_category(id: &str) -> bool {
    RuleId::parse(id).is_some() || Category::parse(id).is_some()
}

/// `error`/`warning`/`info` as Some(Some(severity)), `off` as Some(None).
pub fn parse_level(s: &str) -> Option<Level> {
    if s == "off" {
        Some(None)
    } else {
        Severity::parse(s).map(Some)
    }
}

pub use crate::model::parse_version;

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        parse(text).err().unwrap_or_default().into_iter().map(|e| format!("{}:{}: {}", e.line, e.column, e.message)).collect()
    }

    #[test]
    fn every_error_points_at_its_key_or_value() {
        let (pod, unknown) = (RuleId::BarePod, RuleId::UnknownField);
        assert_eq!(
            errors(&format!("# we used to ignore {pod}s\nrules:\n  ignore: [{pod}s]\n")),
            [format!("3:12: unknown rule or category `{pod}s`; did you mean `{pod}`?")]
        );
        assert_eq!(
            errors("rules:\n  sevrity: {}\n"),
            ["2:3: rules: unknown field `sevrity`, expected one of `select`, `ignore`, `severity`; did you mean `severity`?"]
        );
        assert_eq!(
            errors("rules:\n  severity:\n    nope: loud\n"),
            ["3:5: unknown rule `nope`", "3:11: `loud` is not a severity; use error, warning, info or off"]
        );
        assert_eq!(errors("fail-on: [error]\n"), ["1:10: fail-on: invalid type: sequence, expected a string"]);
        assert_eq!(errors("rules: 3\n"), ["1:8: rules: invalid type: integer `3`, expected struct RulesConfig"]);
        assert_eq!(errors("- a\n"), ["1:1: invalid type: sequence, expected struct Config"]);
        assert_eq!(errors(&format!("rules:\n  ignore: [{pod}]\n  ignore: [{unknown}]\n")), ["3:3: rules: duplicate field `ignore`"]);
        assert_eq!(
            errors("signatures:\n  shapes:\n    database:\n      env: {any: [A]}\n"),
            ["4:12: signatures.shapes.database.env: missing field `all`"]
        );
        // Signature files deny unknown fields: a misspelt key is reported where it is, with
        // the spelling meant, and the rest of its mapping is still read.
        assert_eq!(
            errors("signatures:\n  shapes:\n    database:\n      env: {any: [A]}\n      comands: [pg_ctl]\n"),
            [
                "4:12: signatures.shapes.database.env: missing field `all`",
                "5:7: signatures.shapes.database: unknown field `comands`, expected one of `images`, `repositories`, `commands`, `env`, `env_names`, `host_paths`, `resources`, `owners`, `not_images`, `not_commands`; did you mean `commands`?"
            ]
        );
        assert_eq!(errors("signatures:\n  shapes:\n    foo:\n      images: ['(']\n")[0], "3:5: signatures: unknown shape `foo`; known: inference-server, distributed-training, multi-node-inference, node-agent, database, gpu-consumer");
        assert!(errors("signatures:\n  shapes:\n    foo:\n      images: ['(']\n")[1].starts_with("4:16: signatures: foo: bad pattern `(`"));
        assert_eq!(errors("kubernetes-version: abc\nexclude: ['a[b']\n").len(), 2);
        assert_eq!(
            errors("rules: {}\n---\nrules: {}\n"),
            ["3:1: deserializing from YAML containing more than one document is not supported"]
        );
    }

    #[test]
    fn values_are_typed_and_scalars_read_as_written() {
        let (pod, unknown) = (RuleId::BarePod, RuleId::UnknownField);
        let c = parse(&format!(
            "rules:\n  severity: {{{pod}: off, {unknown}: warning}}\nfail-on: error\nkubernetes-version: 1.30\nnamespace: 3\n"
        ))
        .unwrap();
        assert_eq!(c.rules.severity.get(pod.as_str()), Some(&None));
        assert_eq!(c.rules.severity.get(unknown.as_str()), Some(&Some(Severity::Warning)));
        assert_eq!(c.fail_on, Some(Severity::Error));
        assert_eq!(c.kubernetes_version, Some((1, 30)));
        assert_eq!(c.namespace.as_deref(), Some("3"));
        assert!(parse("# only a comment\n").is_ok() && parse("").is_ok());
    }
}
