//! What a workload *is*: inference server, distributed trainer, node agent, database, GPU
//! consumer. Inferred from the pod template by the signatures in `rules/signatures.yaml`
//! (embedded; extendable by configuration), with evidence the messages quote.

use crate::model::workload::containers;
use crate::model::Workload;
use crate::yaml::FieldPath;
use k8s_openapi::api::core::v1::{Container, PodSpec};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shape {
    InferenceServer,
    DistributedTraining,
    MultiNodeInference,
    NodeAgent,
    Database,
    GpuConsumer,
}

impl Shape {
    pub const ALL: [Shape; 6] = [
        Shape::InferenceServer,
        Shape::DistributedTraining,
        Shape::MultiNodeInference,
        Shape::NodeAgent,
        Shape::Database,
        Shape::GpuConsumer,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Shape::InferenceServer => "inference-server",
            Shape::DistributedTraining => "distributed-training",
            Shape::MultiNodeInference => "multi-node-inference",
            Shape::NodeAgent => "node-agent",
            Shape::Database => "database",
            Shape::GpuConsumer => "gpu-consumer",
        }
    }

    pub fn from_id(id: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// Why a shape was inferred: where, what, and the pattern that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub shape: Shape,
    /// Index of the container (`None` for pod-level evidence: volumes, owners).
    pub container: Option<usize>,
    /// Field path relative to the pod spec, e.g. `containers[0].image`.
    pub field: FieldPath,
    /// What was seen, e.g. `vllm/vllm-openai:v0.6.3`.
    pub seen: String,
}

impl Evidence {
    /// `image `vllm/vllm-openai:v0.6.3` matches inference-server`
    pub fn describe(&self) -> String {
        let what = self.field.last_key().unwrap_or("");
        format!("{what} `{}` matches {}", crate::util::ellipsize(&self.seen, 60), self.shape.id())
    }
}

/// Signatures as written in rules/signatures.yaml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    #[serde(default)]
    pub shapes: BTreeMap<String, SignatureSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureSpec {
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub repositories: Vec<String>,
    #[serde(default)]
    pub commands: Vec<String>,
    #[serde(default)]
    pub env: Option<EnvSpec>,
    #[serde(default)]
    pub env_names: Vec<String>,
    #[serde(default)]
    pub host_paths: Vec<String>,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub owners: Vec<String>,
    /// A container whose full image reference matches one of these is not evidence.
    #[serde(default)]
    pub not_images: Vec<String>,
    /// A container whose command line matches one of these is not evidence.
    #[serde(default)]
    pub not_commands: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvSpec {
    pub all: Vec<String>,
    #[serde(default)]
    pub any: Vec<String>,
}

#[derive(Debug, Default, Clone)]
struct Compiled {
    images: Patterns,
    repositories: Patterns,
    commands: Patterns,
    env: Option<EnvSpec>,
    env_names: Patterns,
    host_paths: Patterns,
    resources: Patterns,
    owners: Patterns,
    not_images: Patterns,
    not_commands: Patterns,
}

/// One list of a signature's patterns, and all of them as one set: a workload's containers are
/// matched against every list of every shape, and one scan of a command line with the set costs
/// about what a scan with one of the patterns does. A set, not an alternation of the patterns'
/// texts: a verbose-mode pattern's `#` comment would swallow what follows it.
#[derive(Debug, Default, Clone)]
struct Patterns {
    each: Vec<Pattern>,
    any: Option<regex::RegexSet>,
}

/// A pattern as written, and compiled once it is first needed. With a set, a pattern of a list
/// is needed only for where it matches, and most of the embedded ones never match a run's
/// containers: compiling all of them one by one as well as in their sets took a run of 10,000
/// files about as long as walking its directories.
#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    re: OnceLock<Option<Regex>>,
}

impl Pattern {
    fn regex(&self) -> Option<&Regex> {
        self.re.get_or_init(|| compile_pattern(&self.text).ok()).as_ref()
    }
}

impl Patterns {
    /// A pattern already compiled (and so known to be valid).
    fn push(&mut self, r: Regex) {
        self.each.push(Pattern { text: r.as_str().to_string(), re: OnceLock::from(Some(r)) });
    }

    /// A pattern compiled where it is first needed (the embedded signatures, which a test
    /// compiles).
    fn push_text(&mut self, text: &str) {
        self.each.push(Pattern { text: text.to_string(), re: OnceLock::new() });
    }

    /// Compiles the set once the list is complete (without it, the list is scanned pattern by
    /// pattern, which matches the same texts).
    fn seal(&mut self) {
        let set = || regex::RegexSetBuilder::new(self.each.iter().map(|p| p.text.as_str())).case_insensitive(true).build().ok();
        self.any = (self.each.len() > 1).then(set).flatten();
    }

    fn is_empty(&self) -> bool {
        self.each.is_empty()
    }

    fn is_match(&self, text: &str) -> bool {
        match &self.any {
            Some(any) => any.is_match(text),
            None => self.each.iter().any(|p| p.regex().is_some_and(|r| r.is_match(text))),
        }
    }

    /// The match of the first pattern (in the order written) that matches.
    fn find<'t>(&self, text: &'t str) -> Option<regex::Match<'t>> {
        match &self.any {
            // The set's lowest index that matches is that pattern (asked only when one does:
            // which ones match costs more than whether one does).
            Some(any) if !any.is_match(text) => None,
            Some(any) => self.each.get(any.matches(text).iter().next()?)?.regex()?.find(text),
            None => self.each.iter().find_map(|p| p.regex()?.find(text)),
        }
    }
}

/// Compiled signatures, one set per shape.
#[derive(Debug, Default, Clone)]
pub struct Classifier {
    shapes: Vec<(Shape, Compiled)>,
}

/// A shape by the name signature files use.
pub fn parse_shape(name: &str) -> Result<Shape, String> {
    Shape::from_id(name).ok_or_else(|| format!("unknown shape `{name}`; known: {}", Shape::ALL.map(|s| s.id()).join(", ")))
}

/// A signature pattern: a case-insensitive regular expression.
pub fn compile_pattern(p: &str) -> Result<Regex, String> {
    RegexBuilder::new(p).case_insensitive(true).build().map_err(|e| format!("bad pattern `{p}`: {e}"))
}

pub const EMBEDDED: &str = include_str!("../rules/signatures.yaml");

impl Classifier {
    /// Compiles signature files (the embedded one first, then any from configuration).
    pub fn new(files: &[SignatureFile]) -> Result<Classifier, String> {
        Classifier::build(files, true)
    }

    /// `check`: compile each pattern now, so that a bad one is an error here (configuration);
    /// without it, each is compiled where it is first needed (the embedded signatures).
    fn build(files: &[SignatureFile], check: bool) -> Result<Classifier, String> {
        let mut c = Classifier::default();
        for f in files {
            for (name, spec) in &f.shapes {
                let shape = parse_shape(name)?;
                let idx = match c.shapes.iter().position(|(s, _)| *s == shape) {
                    Some(i) => i,
                    None => {
                        c.shapes.push((shape, Compiled::default()));
                        c.shapes.len() - 1
                    }
                };
                let t = &mut c.shapes[idx].1;
                let comp = |v: &[String], out: &mut Patterns| -> Result<(), String> {
                    for p in v {
                        if check {
                            out.push(compile_pattern(p).map_err(|e| format!("{name}: {e}"))?);
                        } else {
                            out.push_text(p);
                        }
                    }
                    Ok(())
                };
                comp(&spec.images, &mut t.images)?;
                comp(&spec.repositories, &mut t.repositories)?;
                comp(&spec.commands, &mut t.commands)?;
                comp(&spec.env_names, &mut t.env_names)?;
                comp(&spec.host_paths, &mut t.host_paths)?;
                comp(&spec.resources, &mut t.resources)?;
                comp(&spec.owners, &mut t.owners)?;
                comp(&spec.not_images, &mut t.not_images)?;
                comp(&spec.not_commands, &mut t.not_commands)?;
                if spec.env.is_some() {
                    t.env = spec.env.clone();
                }
            }
        }
        for (_, t) in &mut c.shapes {
            for p in [
                &mut t.images,
                &mut t.repositories,
                &mut t.commands,
                &mut t.env_names,
                &mut t.host_paths,
                &mut t.resources,
                &mut t.owners,
                &mut t.not_images,
                &mut t.not_commands,
            ] {
                p.seal();
            }
        }
        Ok(c)
    }

    /// The embedded signatures extended by `extra` (from configuration).
    pub fn with_extra(extra: &SignatureFile) -> Result<Classifier, String> {
        let embedded: SignatureFile = serde_yaml::from_str(EMBEDDED).map_err(|e| e.to_string())?;
        Classifier::new(&[embedded, extra.clone()])
    }

    /// The classifier built from the embedded signatures, compiled once.
    pub fn embedded() -> &'static Classifier {
        static C: OnceLock<Classifier> = OnceLock::new();
        C.get_or_init(|| {
            serde_yaml::from_str::<SignatureFile>(EMBEDDED)
                .map_err(|e| e.to_string())
                .and_then(|f| Classifier::build(&[f], false))
                // Embedded and tested: an error here is a build defect, never input.
                .unwrap_or_default()
        })
    }

    pub fn classify(&self, w: &Workload) -> Classification {
        let mut ev = Vec::new();
        if let Some(spec) = w.pod_spec {
            // What every signature looks at, computed once per container.
            let prepared: Vec<Prepared> = containers(spec)
                .map(|(prefix, idx, c)| {
                    let (name, repo) = c.image.as_deref().map(image_repository).unwrap_or(("", ""));
                    let env = c.env.iter().flatten().map(|e| e.name.as_str()).collect();
                    Prepared { prefix, idx, c, line: command_line(c), name, repo, env }
                })
                .collect();
            for (shape, sig) in &self.shapes {
                sig.collect(*shape, spec, &prepared, &mut ev);
            }
        }
        for (shape, sig) in &self.shapes {
            for (i, o) in w.meta.owner_references.iter().flatten().enumerate() {
                if sig.owners.is_match(&o.kind) {
                    ev.push(Evidence {
                        shape: *shape,
                        container: None,
                        field: crate::path!["metadata", "ownerReferences", i, "kind"],
                        seen: o.kind.clone(),
                    });
                }
            }
        }
        Classification { evidence: ev }
    }
}

/// A container's command and args joined with spaces.
pub fn command_line(c: &Container) -> String {
    c.command.iter().flatten().chain(c.args.iter().flatten()).map(String::as_str).collect::<Vec<_>>().join(" ")
}

/// A flag's number in a container's command and args (`--tp 4`, `--tp=4`, or the flag and its
/// value as two items): (value, `command` or `args`, the value's item index, the flag as
/// written). Scripts (`sh -c "vllm serve ... --tp 4"`) are read word by word.
pub fn flag_number(c: &Container, flags: &[&str]) -> Option<(i64, &'static str, usize, String)> {
    for (field, items) in [("command", c.command.as_ref()), ("args", c.args.as_ref())] {
        let Some(items) = items else { continue };
        for (i, item) in items.iter().enumerate() {
            let words: Vec<&str> = item.split_whitespace().collect();
            for (j, word) in words.iter().enumerate() {
                let (flag, inline) = match word.split_once('=') {
                    Some((f, v)) => (f, Some(v)),
                    None => (*word, None),
                };
                if !flags.contains(&flag) {
                    continue;
                }
                let (value, at) = match inline {
                    Some(v) => (v, i),
                    None => match words.get(j + 1) {
                        Some(v) => (*v, i),
                        None => (items.get(i + 1).map(String::as_str)?, i + 1),
                    },
                };
                if let Ok(n) = value.trim_matches(['"', '\'']).parse::<i64>() {
                    return Some((n, field, at, flag.to_string()));
                }
            }
        }
    }
    None
}

/// (`vllm-openai`, `registry:5000/org/vllm-openai`) from `registry:5000/org/vllm-openai:v1@sha256:..`
pub fn image_repository(image: &str) -> (&str, &str) {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_slash = no_digest.rfind('/').map(|i| i + 1).unwrap_or(0);
    let repo = match no_digest[last_slash..].find(':') {
        Some(c) => &no_digest[..last_slash + c],
        None => no_digest,
    };
    let name = &repo[last_slash.min(repo.len())..];
    (name, repo)
}

/// Whether a resource quantity is a non-zero amount (`0`, `0.0`, `0m` are no request).
pub fn nonzero_quantity(q: &str) -> bool {
    let digits: String = q.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    match digits.parse::<f64>() {
        Ok(v) => v > 0.0,
        Err(_) => !q.trim().is_empty(),
    }
}

/// A container with what the signatures match against.
struct Prepared<'a> {
    prefix: FieldPath,
    idx: usize,
    c: &'a Container,
    line: String,
    name: &'a str,
    repo: &'a str,
    /// The names of its environment variables.
    env: Vec<&'a str>,
}

impl Compiled {
    fn collect(&self, shape: Shape, spec: &PodSpec, prepared: &[Prepared], ev: &mut Vec<Evidence>) {
        let mut push = |container: Option<usize>, field: FieldPath, seen: &str| {
            ev.push(Evidence { shape, container, field, seen: seen.to_string() });
        };
        for p in prepared {
            let (prefix, idx, c, line) = (&p.prefix, p.idx, p.c, &p.line);
            let image_excluded = c.image.as_deref().is_some_and(|i| self.not_images.is_match(i));
            if image_excluded || self.not_commands.is_match(line) {
                continue;
            }
            if let Some(image) = c.image.as_deref() {
                let (name, repo) = (p.name, p.repo);
                if self.images.is_match(name) || self.repositories.is_match(repo) {
                    push(Some(idx), prefix.clone().key("image"), image);
                }
            }
            if !self.commands.is_empty() {
                if let Some(m) = self.commands.find(line) {
                    let field =
                        if c.args.as_ref().is_some_and(|a| a.iter().any(|x| x.contains(m.as_str().trim()))) { "args" } else { "command" };
                    push(Some(idx), prefix.clone().key(field), m.as_str().trim_start_matches([';', '&', '|', '(', ' ', '\t', '\n']).trim());
                }
            }
            let names = &p.env;
            if let Some(env) = &self.env {
                let all = env.all.iter().all(|n| names.contains(&n.as_str()));
                let any = env.any.is_empty() || env.any.iter().any(|n| names.contains(&n.as_str()));
                if all && any {
                    let shown: Vec<&str> = names.iter().copied().filter(|n| env.all.iter().chain(&env.any).any(|x| x == n)).collect();
                    push(Some(idx), prefix.clone().key("env"), &shown.join(", "));
                }
            }
            if let Some(n) = names.iter().find(|n| self.env_names.is_match(n)) {
                push(Some(idx), prefix.clone().key("env"), n);
            }
            if !self.resources.is_empty() {
                if let Some(res) = &c.resources {
                    for (part, map) in [("limits", &res.limits), ("requests", &res.requests)] {
                        let found = map.iter().flatten().find(|(k, q)| self.resources.is_match(k) && nonzero_quantity(&q.0));
                        if let Some((k, q)) = found {
                            push(Some(idx), prefix.clone().key("resources").key(part), &format!("{k}: {}", q.0));
                            break;
                        }
                    }
                }
            }
        }
        for (i, v) in spec.volumes.iter().flatten().enumerate() {
            if let Some(hp) = &v.host_path {
                if self.host_paths.is_match(&hp.path) {
                    push(None, crate::path!["volumes", i, "hostPath"], &hp.path);
                }
            }
        }
    }
}

/// The shapes of one workload, with their evidence.
#[derive(Debug, Clone, Default)]
pub struct Classification {
    pub evidence: Vec<Evidence>,
}

impl Classification {
    pub fn has(&self, s: Shape) -> bool {
        self.evidence.iter().any(|e| e.shape == s)
    }

    pub fn first(&self, s: Shape) -> Option<&Evidence> {
        self.evidence.iter().find(|e| e.shape == s)
    }

    /// Whether the container at `idx` (numbering as in [`containers`]) has this shape.
    pub fn container_has(&self, s: Shape, idx: usize) -> bool {
        self.evidence.iter().any(|e| e.shape == s && e.container == Some(idx))
    }

    /// An inference server that is one engine over several pods.
    pub fn is_multi_node_inference(&self) -> bool {
        self.has(Shape::InferenceServer) && (self.has(Shape::MultiNodeInference) || self.has(Shape::DistributedTraining))
    }

    /// Distributed training that is not really a multi-node inference engine.
    pub fn is_training(&self) -> bool {
        self.has(Shape::DistributedTraining) && !self.has(Shape::InferenceServer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_patterns_matches_as_its_patterns_do_one_by_one() {
        let mut p = Patterns::default();
        // A verbose pattern's comment runs to the end of the line: joined into one alternation
        // with the others, it would swallow them.
        for r in [r"\btorchrun\b", r"--nnodes\b", "(?-i:^CASE$)", "(?x) deepspeed  # a launcher", "(?x) accelerate # another\n"] {
            p.push(compile_pattern(r).unwrap());
        }
        p.seal();
        assert!(p.any.is_some(), "several patterns are one set");
        for text in [
            "torchrun --nnodes 2 train.py",
            "TORCHRUN x",
            "python --nnodes=2",
            "CASE",
            "case",
            "torchrunner",
            "",
            "deepspeed train.py",
            "accelerate launch",
        ] {
            assert_eq!(p.is_match(text), p.each.iter().any(|r| r.regex().is_some_and(|r| r.is_match(text))), "{text}");
        }
        // The first pattern as written that matches, not the leftmost match of any of them.
        assert_eq!(p.find("--nnodes 2 torchrun").map(|m| m.as_str()), Some("torchrun"));
        assert_eq!(p.find("python train.py"), None);
        let mut one = Patterns::default();
        one.push(compile_pattern("^a$").unwrap());
        one.seal();
        assert!(one.any.is_none() && one.is_match("A") && !one.is_match("ab"));
        assert!(!Patterns::default().is_match("anything"));
        // Written, not compiled: the set answers, and only the pattern that matched is compiled.
        let mut lazy = Patterns::default();
        for r in [r"\bvllm\b", r"\btorchrun\b", "sglang"] {
            lazy.push_text(r);
        }
        lazy.seal();
        assert!(lazy.is_match("torchrun x") && !lazy.is_match("python"));
        assert_eq!(lazy.find("x torchrun sglang").map(|m| m.as_str()), Some("torchrun"));
        let compiled: Vec<bool> = lazy.each.iter().map(|p| p.re.get().is_some()).collect();
        assert_eq!(compiled, [false, true, false]);
    }

    #[test]
    fn repositories() {
        assert_eq!(image_repository("registry:5000/org/vllm-openai:v0.6.3@sha256:abc"), ("vllm-openai", "registry:5000/org/vllm-openai"));
        assert_eq!(image_repository("vllm/vllm-openai"), ("vllm-openai", "vllm/vllm-openai"));
        assert_eq!(image_repository("postgres:16"), ("postgres", "postgres"));
        assert_eq!(image_repository("localhost:5000/postgres"), ("postgres", "localhost:5000/postgres"));
        assert_eq!(image_repository("nvcr.io/nim/meta/llama3-8b-instruct:1.0.0").1, "nvcr.io/nim/meta/llama3-8b-instruct");
    }

    #[test]
    fn embedded_signatures_compile() {
        let f: SignatureFile = serde_yaml::from_str(EMBEDDED).expect("signatures parse");
        let c = Classifier::new(&[f]).expect("signatures compile");
        assert_eq!(c.shapes.len(), Shape::ALL.len());
    }

    #[test]
    fn quantities() {
        assert!(nonzero_quantity("1"));
        assert!(!nonzero_quantity("0"));
        assert!(!nonzero_quantity("0.0"));
        assert!(nonzero_quantity("500m"));
    }
}
