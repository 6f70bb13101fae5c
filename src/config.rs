//! `.kshape.yaml`: rule selection and severities, excludes, defaults, extra signatures.
//! Found in the current directory or its parents (up to the repository root), or given with
//! `--config`; unknown keys and bad values are errors with the file's line and column.

use crate::classify::SignatureFile;
use crate::rules::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAMES: &[&str] = &[".kshape.yaml", ".kshape.yml"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub exclude: Vec<String>,
    pub fail_on: Option<String>,
    pub namespace: Option<String>,
    pub kubernetes_version: Option<String>,
    pub signatures: Option<SignatureFile>,
    /// Taint keys of GPU node pools (default: nvidia.com/gpu, amd.com/gpu, sku).
    pub gpu_taints: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

/// A loaded configuration and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub config: Config,
    /// The directory the file is in (excludes are relative to it).
    pub dir: Option<PathBuf>,
    pub path: Option<PathBuf>,
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
pub fn load(path: &Path) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let config: Config = if text.trim().is_empty() {
        Config::default()
    } else {
        serde_yaml::from_str(&text).map_err(|e| match e.location() {
            Some(l) => format!("{}:{}:{}: {}", path.display(), l.line(), l.column(), strip_location(&e.to_string())),
            None => format!("{}: {e}", path.display()),
        })?
    };
    validate(&config, &text, path)?;
    Ok(Loaded { config, dir: path.parent().map(Path::to_path_buf), path: Some(path.to_path_buf()) })
}

fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Where `needle` first appears in the text, as `line:column`, for value errors.
fn position_of(text: &str, needle: &str) -> String {
    for (i, line) in text.lines().enumerate() {
        if let Some(c) = line.find(needle) {
            return format!("{}:{}", i + 1, line[..c].chars().count() + 1);
        }
    }
    "1:1".into()
}

fn validate(c: &Config, text: &str, path: &Path) -> Result<(), String> {
    let err = |needle: &str, msg: String| Err(format!("{}:{}: {msg}", path.display(), position_of(text, needle)));
    for id in c.rules.select.iter().chain(&c.rules.ignore) {
        if !known_rule_or_category(id) {
            return err(id, format!("unknown rule or category `{id}`{}", suggestion(id)));
        }
    }
    for (id, level) in &c.rules.severity {
        if crate::rules::meta(id).is_none() {
            return err(id, format!("unknown rule `{id}`{}", suggestion(id)));
        }
        if parse_level(level).is_none() {
            return err(level, format!("`{level}` is not a severity; use error, warning, info or off"));
        }
    }
    if let Some(f) = &c.fail_on {
        if Severity::parse(f).is_none() {
            return err(f, format!("`{f}` is not a fail-on level; use error, warning or info"));
        }
    }
    if let Some(v) = &c.kubernetes_version {
        if parse_version(v).is_none() {
            return err(v, format!("`{v}` is not a Kubernetes version such as \"1.33\""));
        }
    }
    if let Some(s) = &c.signatures {
        crate::classify::Classifier::new(std::slice::from_ref(s)).map_err(|e| format!("{}: signatures: {e}", path.display()))?;
    }
    for g in &c.exclude {
        globset::Glob::new(g).map_err(|e| format!("{}:{}: invalid exclude glob `{g}`: {e}", path.display(), position_of(text, g)))?;
    }
    Ok(())
}

fn suggestion(id: &str) -> String {
    let ids: Vec<&str> = crate::rules::metas().iter().map(|m| m.id.as_str()).collect();
    crate::util::did_you_mean(id, ids).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
}

pub fn known_rule_or_category(id: &str) -> bool {
    crate::rules::metas().iter().any(|m| m.id == id || m.category == id)
}

/// `error`/`warning`/`info` as Some(Some(severity)), `off` as Some(None).
pub fn parse_level(s: &str) -> Option<Option<Severity>> {
    if s == "off" {
        Some(None)
    } else {
        Severity::parse(s).map(Some)
    }
}

pub use crate::model::parse_version;

pub use crate::rules::Selection;
