//! Command-line interface: clap definitions and the driver that wires the stages together.

use crate::report::Format;
use crate::rules;
use crate::rules::Severity;
use crate::source::{self, Sources};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};

#[derive(Parser, Debug)]
#[command(
    name = "kshape",
    version,
    about = "Lint Kubernetes manifests: the right workload controller, and the mistakes each one invites",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub lint: LintArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint files and directories (the default command).
    Lint(Box<LintArgs>),
    /// List every rule with its default severity, category and summary.
    Rules {
        /// human (a table) or json (every rule's metadata).
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Print a rule's documentation.
    Explain {
        #[arg(help = format!("The rule id, e.g. `{}`", crate::rules::RuleId::UnknownField))]
        rule: String,
    },
    /// Write a commented .kshape.yaml with every rule and its default severity.
    Init {
        /// Where to write it.
        #[arg(default_value = ".kshape.yaml")]
        path: String,
    },
    /// Show, per workload, which nodes of an inventory its pods could run on.
    Nodes {
        /// The inventory: what `kubectl get nodes -o yaml` (or `-o json`) prints.
        inventory: String,
        /// Files and directories with the workloads; `-` reads standard input.
        paths: Vec<String>,
        /// Output format: human (a table per workload), json, or sarif (a result per workload
        /// that fits no node).
        #[arg(long, value_enum, default_value_t = NodesFormat::Human)]
        format: NodesFormat,
        /// Namespace of objects that do not name one.
        #[arg(long, value_name = "NS", default_value = "default")]
        namespace: String,
        /// Exit with 1 when a workload fits no node of the inventory.
        #[arg(long)]
        fail_on_unschedulable: bool,
    },
    /// Run the language server over standard input and output (for editors).
    Lsp {
        /// Accepted and ignored: standard input and output is the only transport (clients such
        /// as vscode-languageclient add it).
        #[arg(long)]
        stdio: bool,
    },
    /// The benchmark's parse-only baseline: read and parse the files into the node tree, nothing else.
    #[command(hide = true)]
    ParseOnly {
        paths: Vec<String>,
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Write docs/rules/ from the rule metadata in rules/ (or check it is up to date).
    #[command(hide = true)]
    GenerateDocs {
        #[arg(default_value = "docs/rules")]
        dir: String,
        /// Fail when the files differ instead of writing them.
        #[arg(long)]
        check: bool,
    },
}

/// `--format`: the names of [`Format`], parsed onto it (the library knows nothing of clap).
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Format::ALL.map(Format::name)).map(|s| Format::parse(&s).unwrap_or(Format::Human))
}

/// `--format` of `kshape rules`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

/// `--format` of `kshape nodes`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum NodesFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

/// `--kustomize`: see [`crate::render::Mode`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kustomize {
    Auto,
    Always,
    Never,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug, Clone)]
pub struct LintArgs {
    /// Files and directories to lint; `-` reads standard input. Default: the current directory.
    pub paths: Vec<String>,
    /// Output format.
    #[arg(long, value_parser = format_parser(), default_value = "human")]
    pub format: Format,
    /// Exit with 1 when a finding has at least this severity [default: warning].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Skip files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// The file name to show for standard input.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_filename: String,
    /// Namespace of objects that do not name one [default: default].
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Files or directories loaded only to resolve references, never reported on (repeatable).
    #[arg(long, value_name = "PATH")]
    pub context: Vec<String>,
    /// Load the rest of the git repository (what `kshape` run at its root would read) as
    /// context: findings are reported for the named files only, as a whole-repository run would
    /// report them (the pre-commit hook's mode).
    #[arg(long)]
    pub repo_context: bool,
    /// Apply the excludes (configuration and --exclude) and .gitignore to files named on the
    /// command line too, as to files found in a directory (ruff's option of the same name).
    #[arg(long)]
    pub force_exclude: bool,
    /// Lint kustomizations as `kustomize build` (or `kubectl kustomize`) builds them: auto when
    /// either is on PATH, always (exit 2 without one), never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = Kustomize::Auto)]
    pub kustomize: Kustomize,
    /// A values file for `helm template` of the charts among the inputs (repeatable).
    #[arg(long, value_name = "FILE")]
    pub helm_values: Vec<String>,
    /// Only these rules or categories (comma-separated, repeatable); replaces the config's select.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules or categories (comma-separated, repeatable).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Change a rule's severity: RULE=error|warning|info|off (repeatable).
    #[arg(long, value_name = "RULE=LEVEL")]
    pub severity: Vec<String>,
    /// Use this configuration file instead of looking for .kshape.yaml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<String>,
    /// Ignore any .kshape.yaml.
    #[arg(long)]
    pub no_config: bool,
    /// A node inventory (`kubectl get nodes -o yaml`): check where each workload can run.
    #[arg(long, value_name = "FILE")]
    pub nodes: Option<String>,
    /// Also list the findings that annotations and comments suppressed, and by what.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Print the number of findings per rule, most frequent first.
    #[arg(long)]
    pub statistics: bool,
    /// Judge API versions against this Kubernetes release: removed ones are errors, deprecated
    /// ones warnings [default: the newest release kshape knows, 1.37].
    #[arg(long, value_name = "1.NN", value_parser = kubernetes_version)]
    pub kubernetes_version: Option<(u32, u32)>,
    /// Threads for reading and parsing files (default: the available cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Files larger than this many bytes are reported and skipped.
    #[arg(long, value_name = "BYTES", default_value_t = source::DEFAULT_MAX_FILE_BYTES)]
    pub max_file_size: u64,
    /// Apply the safe fixes in place (standard input: print the fixed stream), then report
    /// what is left. Read-only files and files that cannot be written are reported (exit 2).
    #[arg(long)]
    pub fix: bool,
    /// Print the fixes as a unified diff instead of writing them; exit 1 when there is one.
    #[arg(long)]
    pub diff: bool,
    /// Colour in human output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Print the findings only: no summary line, no notes.
    #[arg(long, short)]
    pub quiet: bool,
    /// Show only findings of at least this severity (the exit code still follows --fail-on).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_severity: Option<FailOn>,
    /// Exit with 1 when the inputs hold no Kubernetes object at all (a chart that failed to
    /// render, an exclude that matched everything).
    #[arg(long)]
    pub fail_on_empty: bool,
}

/// Runs the command line; returns the exit code.
pub fn main_with(args: Vec<String>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = e.exit_code();
            let _ = if code == 0 { write!(out, "{}", e.render()) } else { write!(err, "{}", e.render()) };
            return if code == 0 { 0 } else { 2 };
        }
    };
    match cli.command {
        None => lint(&cli.lint, out, err),
        Some(Command::Lint(a)) => lint(&a, out, err),
        Some(Command::Lsp { stdio: _ }) => crate::lsp::run(),
        Some(Command::Rules { format: ListFormat::Human }) => {
            let _ = write!(out, "{}", rules_table());
            0
        }
        Some(Command::Rules { format: ListFormat::Json }) => {
            let rules: Vec<_> = rules::metas()
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id, "severity": m.severity, "severityWithTarget": m.severity_with_target, "severityWithNodes": m.severity_with_nodes, "category": m.category, "summary": m.summary.trim(),
                        "fixable": m.autofix.is_some(), "needsNodes": m.needs_nodes,
                        "docs": crate::rules::RuleId::parse(&m.id).map(|r| r.docs_path()),
                    })
                })
                .collect();
            let v = serde_json::json!({"version": 1, "rules": rules});
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            0
        }
        Some(Command::Explain { rule }) => match rules::meta(&rule) {
            Some(m) => {
                let _ = write!(out, "{}", crate::rules::docs::markdown(m));
                0
            }
            None => {
                let ids = crate::rules::RuleId::ALL.iter().map(|r| r.as_str());
                let hint = crate::util::did_you_mean(&rule, ids).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
                let _ = writeln!(err, "error: unknown rule `{rule}`{hint}; `kshape rules` lists them");
                2
            }
        },
        Some(Command::GenerateDocs { dir, check }) => crate::rules::docs::generate(&dir, check, out, err),
        Some(Command::Init { path }) => init(&path, out, err),
        Some(Command::ParseOnly { paths, threads }) => {
            let opts = source::Options::plain();
            let mut s = Sources::default();
            if let Err(e) = crate::kustomize::collect(&paths, &opts, false, &mut s) {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
            let files = s.files.len();
            let docs = crate::index::parse_only(s.files, threads.unwrap_or_else(crate::util::default_threads));
            let _ = writeln!(out, "{files} files, {docs} documents");
            0
        }
        Some(Command::Nodes { inventory, paths, format, namespace, fail_on_unschedulable }) => {
            nodes_command(&inventory, &paths, format, &namespace, fail_on_unschedulable, out, err)
        }
    }
}

/// The run's settings: the configuration (found, named with `--config`, or none with
/// `--no-config`) with the command line over it. Errors are lines to print.
fn run_settings(a: &LintArgs) -> Result<crate::config::RunSettings, Vec<String>> {
    let path = match &a.config {
        _ if a.no_config => None,
        Some(p) => Some(std::path::PathBuf::from(p)),
        None => crate::config::discover(std::path::Path::new(".")),
    };
    let loaded = match path {
        Some(p) => crate::config::load(&p).map_err(|e| e.lines())?,
        None => Default::default(),
    };
    let overrides = crate::config::Overrides {
        select: a.select.clone(),
        ignore: a.ignore.clone(),
        severity: a.severity.clone(),
        namespace: a.namespace.clone(),
        fail_on: a.fail_on.map(level),
        kubernetes_version: a.kubernetes_version,
        threads: a.threads,
        exclude: a.exclude.clone(),
        relative_to: Some(std::env::current_dir().unwrap_or_default()),
    };
    crate::config::resolve(&loaded, &overrides).map_err(|e| vec![e])
}

fn level(f: FailOn) -> Severity {
    match f {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    }
}

fn init(path: &str, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let p = std::path::Path::new(path);
    if p.exists() {
        let _ = writeln!(err, "error: {path} already exists; not overwriting it");
        return 2;
    }
    let mut s = String::from(
        "# kshape configuration. Every key is optional; the values shown are the defaults.\n\
         # Docs for each rule: `kshape explain RULE` or docs/rules/.\n\n\
         rules:\n  # Only these rules or categories (empty: all).\n  select: []\n  # Never these rules or categories.\n  ignore: []\n\
         \x20 # Per-rule severity: error, warning, info or off.\n  severity:\n",
    );
    for m in rules::metas() {
        s.push_str(&format!("    # {}: {}  # {}\n", m.id, m.severity, crate::util::ellipsize(m.summary.trim(), 90)));
    }
    s.push_str(&format!(
        "\n# Globs (gitignore-style, relative to this file) of files and directories to skip.\nexclude: []\n\n\
         # Exit with 1 when a finding has at least this severity: error, warning or info.\nfail-on: warning\n\n\
         # Namespace of objects that do not name one.\nnamespace: default\n\n\
         # Target Kubernetes version for {removed} (default: the latest).\n# kubernetes-version: \"1.33\"\n\n\
         # Taint keys of GPU node pools.\n# gpu-taints: [nvidia.com/gpu, amd.com/gpu, sku]\n\n\
         # With --nodes: the cluster's ExtendedResourceToleration admission plugin (GKE) adds a\n# toleration for each extended resource a pod requests.\n# nodes:\n#   extended_resource_toleration: true\n\n\
         # Extra classifier patterns, in the form of rules/signatures.yaml:\n# signatures:\n#   shapes:\n#     inference-server:\n#       images: ['^my-llm-server$']\n",
        removed = crate::rules::RuleId::RemovedApiVersion
    ));
    match std::fs::write(p, s) {
        Ok(()) => {
            let _ = writeln!(out, "wrote {path}");
            0
        }
        Err(e) => {
            let _ = writeln!(err, "error: cannot write {path}: {e}");
            2
        }
    }
}

fn nodes_command(
    inventory: &str,
    paths: &[String],
    format: NodesFormat,
    namespace: &str,
    fail_on_unschedulable: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let opts = source::Options::plain();
    let nodes = match load_nodes(inventory, &opts) {
        Ok(n) => n,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let mut sources = Sources::default();
    let paths = if paths.is_empty() { vec![".".to_string()] } else { paths.to_vec() };
    if let Err(e) = crate::kustomize::collect(&paths, &opts, false, &mut sources) {
        let _ = writeln!(err, "error: {e}");
        return 2;
    }
    for e in &sources.errors {
        let _ = writeln!(err, "error: {e}");
    }
    let ix = crate::index::Index::build(sources.files, namespace);
    let mut table = Vec::new();
    let mut at = Vec::new();
    for (o, w, _) in ix.workloads() {
        let Some(spec) = w.pod_spec else { continue };
        let ds = w.kind == crate::model::WorkloadKind::DaemonSet;
        let (eligible, selected, rows) = crate::model::scheduling::coverage(spec, ds, &nodes);
        table.push(crate::model::scheduling::Coverage {
            kind: o.kind.clone(),
            name: o.name.clone().unwrap_or_default(),
            namespace: ix.namespace_of(o).to_string(),
            file: ix.files[o.file].source.name.clone(),
            eligible,
            selected,
            nodes: rows,
        });
        let y = ix.file(o);
        let start = y.lookup_key(o.root, &crate::path!["kind"]).map(|k| y.span(k).start).unwrap_or(y.span(o.root).start);
        at.push(ix.files[o.file].line_col(start));
    }
    let unschedulable = table.iter().filter(|c| c.eligible == 0).count();
    let text = match format {
        NodesFormat::Sarif => nodes_sarif(&table, &at),
        NodesFormat::Json => {
            let v =
                serde_json::json!({"version": 1, "nodes": nodes.iter().map(|n| n.name.clone()).collect::<Vec<_>>(), "workloads": table});
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        _ => {
            let mut s = String::new();
            let width = nodes.iter().map(|n| n.name.len()).max().unwrap_or(4);
            for c in &table {
                s.push_str(&format!(
                    "{} {} ({}, {}): runs on {} of {} nodes; {} selected\n",
                    c.kind,
                    c.name,
                    c.namespace,
                    c.file,
                    c.eligible,
                    nodes.len(),
                    c.selected
                ));
                for n in &c.nodes {
                    s.push_str(&format!("  {:width$}  {}\n", n.name, n.status(), width = width));
                }
            }
            s
        }
    };
    let _ = out.write_all(text.as_bytes());
    if !sources.errors.is_empty() {
        2
    } else if fail_on_unschedulable && unschedulable > 0 {
        let s = if unschedulable == 1 { "" } else { "s" };
        let _ = writeln!(err, "{unschedulable} workload{s} fit no node of the inventory");
        1
    } else {
        0
    }
}

/// `kshape nodes --format sarif`: one result per workload that fits no node, at its `kind`,
/// saying for each node why not (not selected, the taint it does not tolerate and the toleration
/// that would, cordoned, or what does not fit).
fn nodes_sarif(table: &[crate::model::scheduling::Coverage], at: &[(u32, u32)]) -> String {
    let results: Vec<serde_json::Value> = table
        .iter()
        .zip(at)
        .filter(|(c, _)| c.eligible == 0)
        .map(|(c, &(line, column))| {
            let why: Vec<String> = c.nodes.iter().map(|n| format!("{}: {}", n.name, n.status())).collect();
            let tolerations: std::collections::BTreeSet<String> = c
                .nodes
                .iter()
                .filter(|n| n.selected)
                .flat_map(|n| n.untolerated_taints.iter())
                .map(|t| {
                    let key = t.split(['=', ':']).next().unwrap_or(t);
                    let effect = t.rsplit(':').next().unwrap_or("NoSchedule");
                    format!("{{key: {key}, operator: Exists, effect: {effect}}}")
                })
                .collect();
            let hint = if tolerations.is_empty() {
                String::new()
            } else {
                format!(". Tolerations that would admit it: {}", tolerations.into_iter().collect::<Vec<_>>().join(", "))
            };
            serde_json::json!({
                "ruleId": "unschedulable",
                "level": "error",
                "message": {"text": format!("{} `{}` ({}) fits no node of the inventory: {}{hint}", c.kind, c.name, c.namespace, why.join("; "))},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": crate::report::sarif::uri(&c.file)},
                    "region": {"startLine": line, "startColumn": column}
                }}]
            })
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "kshape nodes", "version": env!("CARGO_PKG_VERSION"), "informationUri": crate::rules::REPOSITORY,
                "rules": [{"id": "unschedulable", "shortDescription": {"text": "A workload whose pods fit no node of the inventory."}}]}},
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// How the command line reads its inputs. A run that may stream (not `--fix`, `--diff`,
/// `--statistics`) reads each walked YAML file where it judges it, not while walking.
fn source_options<'a>(a: &'a LintArgs, excludes: &'a [String]) -> source::Options<'a> {
    source::Options {
        excludes,
        stdin_name: &a.stdin_filename,
        max_file_bytes: a.max_file_size,
        force_exclude: a.force_exclude,
        defer: !(a.fix || a.diff || a.statistics),
    }
}

/// Builds keep every file: the walked files not read yet, or let go when found, are read now.
fn read_deferred_for(plan: &crate::render::Plan, sources: &mut Sources) {
    if !plan.builds.is_empty() {
        source::read_deferred(sources);
    }
}

fn load_nodes(path: &str, opts: &source::Options) -> Result<Vec<crate::model::scheduling::NodeInfo>, String> {
    let mut s = Sources::default();
    crate::kustomize::collect(&[path.to_string()], opts, true, &mut s)?;
    if let Some(e) = s.errors.first() {
        return Err(e.to_string());
    }
    let mut all = Vec::new();
    for f in s.files {
        all.extend(crate::read_nodes(f)?);
    }
    if all.is_empty() {
        return Err(format!("{path}: no Node objects (expected the output of `kubectl get nodes -o yaml`)"));
    }
    Ok(all)
}

fn rules_table() -> String {
    let metas = rules::metas();
    let w = metas.iter().map(|m| m.id.len()).max().unwrap_or(0);
    let mut s = String::new();
    for m in metas {
        s.push_str(&format!("{:w$}  {:7}  {:10}  {}\n", m.id, m.severity, m.category, m.summary, w = w));
    }
    s
}

fn lint(a: &LintArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut run = match run_settings(a) {
        Ok(r) => r,
        Err(lines) => {
            for l in lines {
                let _ = writeln!(err, "error: {l}");
            }
            return 2;
        }
    };
    run.settings.related_context = a.repo_context;
    // Compile the classifier's patterns and read the rule metadata while the files are read.
    let warm = std::thread::spawn(|| {
        crate::classify::Classifier::embedded();
        rules::metas();
    });
    let opts = source_options(a, &run.excludes);
    let Ok((mut sources, found)) = read_inputs(a, &opts, err) else { return 2 };
    let mode = match a.kustomize {
        Kustomize::Auto => crate::render::Mode::Auto,
        Kustomize::Always => crate::render::Mode::Always,
        Kustomize::Never => crate::render::Mode::Never,
    };
    // The hook builds the repository's overlays only when one of its files is a kustomize input.
    let context_builds = sources.files.iter().any(|f| f.kustomize && !f.context) || !sources.named_patches.is_empty();
    let threads = run.settings.threads.max(1);
    let plan = match crate::render::plan(&found.0, &found.1, mode, context_builds, &a.helm_values, threads) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    for n in plan.notes.iter().filter(|_| !a.quiet) {
        let _ = writeln!(err, "note: {n}");
    }
    let named_patches = std::mem::take(&mut sources.named_patches);
    read_deferred_for(&plan, &mut sources);
    let patches = crate::render::sources_for(&plan.builds, &mut sources.files, a.max_file_size, &run.excludes, &named_patches);
    let nodes = match &a.nodes {
        None => None,
        Some(path) => match load_nodes(path, &source::Options { defer: false, ..opts }) {
            Ok(n) => Some(n),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        },
    };
    let _ = warm.join();
    let read_errors = !sources.errors.is_empty();
    // The reports list the inputs that were not read: one reading only the report sees them.
    let not_read = sources.errors.clone();
    let (result, fixed_stream, not_written) = if a.fix || a.diff {
        match fix(a, sources, &run, nodes.clone(), read_errors, out, err) {
            // Fixes change what the kustomizations build: build them again for the report.
            Ok(r) if !plan.builds.is_empty() => {
                let mut files: Vec<_> = r.lint.index.files.iter().map(|f| f.source.clone()).collect();
                let plan = crate::render::plan(&found.0, &found.1, mode, context_builds, &a.helm_values, threads).unwrap_or_default();
                let patches = crate::render::sources_for(&plan.builds, &mut files, a.max_file_size, &run.excludes, &named_patches);
                (
                    crate::lint_built(files, patches, &plan.builds, &run.namespace, nodes, &run.settings, &run.selection),
                    r.stream,
                    r.not_written,
                )
            }
            Ok(r) => (r.lint, r.stream, r.not_written),
            Err(code) => return code,
        }
    } else if plan.builds.is_empty() && !a.statistics {
        // Files on disk as named (not stdin): texts let go once judged, read again for the report.
        let settings = crate::index::Settings { reread: true, stdin: sources.stdin, ..run.settings };
        (crate::lint_stream(sources.files, &run.namespace, nodes, settings, &run.selection), None, false)
    } else if plan.builds.is_empty() {
        // `--statistics` counts the pod specs of the typed objects: keep them.
        (crate::lint_full(sources.files, &run.namespace, nodes, run.settings, &run.selection), None, false)
    } else {
        (crate::lint_built(sources.files, patches, &plan.builds, &run.namespace, nodes, &run.settings, &run.selection), None, false)
    };
    let (not_read, read_errors) = not_read_when_judged(&result, not_read, read_errors, err);
    let failed = result.diagnostics.iter().any(|d| d.severity >= run.fail_on);
    // No object in the inputs (those reported on): nothing was checked, which a clean report
    // would hide (a chart that failed to render, an exclude that matched everything).
    let empty = result.index.stats.objects == 0 && named_patches.is_empty();
    let mut result = result;
    let before = result.diagnostics.len();
    if let Some(min) = a.min_severity {
        let min = level(min);
        result.diagnostics.retain(|d| d.severity >= min);
    }
    let shown = Shown { hidden: before - result.diagnostics.len(), fail_on: run.fail_on };
    write_report(a, &result, fixed_stream.as_deref(), &not_read, &shown, out, err);
    if empty && !read_errors {
        let _ = writeln!(
            err,
            "warning: no Kubernetes objects in the inputs; nothing was checked{}",
            if a.fail_on_empty { "" } else { " (--fail-on-empty makes this exit 1)" }
        );
    }
    if read_errors || not_written {
        return 2;
    }
    let code = i32::from(failed || (empty && a.fail_on_empty));
    // The process ends right after: freeing every node and object of a large run one by one
    // would only cost time (tens of milliseconds for 10,000 files).
    std::mem::forget(result);
    code
}

/// The inputs not read: those walking or naming could not read, and the files found by walking
/// whose reading failed where they were to be judged (printed now, as the others were).
fn not_read_when_judged(
    result: &crate::Lint,
    not_read: Vec<source::ReadError>,
    read_errors: bool,
    err: &mut dyn Write,
) -> (Vec<source::ReadError>, bool) {
    let late = result.not_read();
    for e in &late {
        let _ = writeln!(err, "error: {e}");
    }
    let any = read_errors || !late.is_empty();
    ([not_read, late].concat(), any)
}

/// The inputs and the context files (`--context`, and with `--repo-context` the rest of the
/// git repository; a file given as both is input), and the kustomizations and charts found;
/// notes and read errors are printed. Err when a path set cannot be read at all (an invalid
/// glob).
fn read_inputs(a: &LintArgs, opts: &source::Options, err: &mut dyn Write) -> Result<(Sources, crate::render::Found), ()> {
    let fail = |e: String, err: &mut dyn Write| {
        let _ = writeln!(err, "error: {e}");
    };
    let mut sources = Sources::default();
    let paths = if a.paths.is_empty() { vec![".".to_string()] } else { a.paths.clone() };
    if let Err(e) = crate::kustomize::collect(&paths, opts, false, &mut sources) {
        fail(e, err);
        return Err(());
    }
    let mut context = a.context.clone();
    if a.repo_context {
        // The repository of the files named (pre-commit runs at its root; a run from elsewhere
        // names files in it), else of the current directory.
        let cwd = std::env::current_dir().unwrap_or_default();
        let first = paths.iter().find(|p| *p != "-").map(|p| source::normalize(&cwd.join(p))).unwrap_or_else(|| cwd.clone());
        let repo = |from: &std::path::Path| from.ancestors().find(|d| d.join(".git").exists()).map(std::path::Path::to_path_buf);
        match repo(&first).or_else(|| repo(&cwd)) {
            Some(root) if cwd.starts_with(&root) => context.push(crate::render::shown_from(&cwd, &root)),
            Some(root) => context.push(root.display().to_string()),
            None => sources.notes.push("--repo-context: not in a git repository; only the named files are read".to_string()),
        }
    }
    let mut ctx = Sources::default();
    if !context.is_empty() {
        // Walked with the excludes: the context is what a run of its own would read.
        let ctx_opts = source::Options { force_exclude: true, ..*opts };
        if let Err(e) = crate::kustomize::collect(&context, &ctx_opts, true, &mut ctx) {
            fail(e, err);
            return Err(());
        }
        let key = |name: &str| source::normalize(&std::env::current_dir().unwrap_or_default().join(name));
        let names: std::collections::HashSet<std::path::PathBuf> = sources.files.iter().map(|f| key(&f.name)).collect();
        sources.files.extend(std::mem::take(&mut ctx.files).into_iter().filter(|f| !names.contains(&key(&f.name))));
        sources.errors.extend(std::mem::take(&mut ctx.errors));
    }
    let found = crate::render::found(&sources, Some(&ctx));
    for n in sources.notes.iter().filter(|_| !a.quiet) {
        let _ = writeln!(err, "note: {n}");
    }
    for e in &sources.errors {
        let _ = writeln!(err, "error: {e}");
    }
    Ok((sources, found))
}

/// What `--fix` leaves to report.
struct FixRun {
    /// The lint of the files as they now are: fixed where written, as they were where not.
    lint: crate::Lint,
    /// Standard input's stream, fixed (printed instead of written).
    stream: Option<Vec<u8>>,
    /// A changed file was not written (read-only, or the write failed): exit 2.
    not_written: bool,
}

/// Formats a program parses: nothing but the report may share its stream.
fn machine_format(f: Format) -> bool {
    matches!(f, Format::Json | Format::Sarif | Format::Junit)
}

/// `--fix` and `--diff`: the lint of the fixed texts, and the fixed standard input stream
/// (printed instead of written). Every changed file is tried; each one not written is reported
/// and linted as it still is. Err is the exit code when the run ends here (`--diff`).
fn fix(
    a: &LintArgs,
    sources: Sources,
    run: &crate::config::RunSettings,
    nodes: Option<Vec<crate::model::scheduling::NodeInfo>>,
    read_errors: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<FixRun, i32> {
    let (stdin, stdin_bytes) = (sources.stdin, sources.stdin_bytes);
    let fixed = crate::fix_full(sources.files, &run.namespace, nodes.clone(), &run.settings, &run.selection);
    if a.diff {
        return Err(print_diff(&fixed, read_errors, out));
    }
    let mut not_written = Vec::new();
    let mut written = Vec::new();
    for i in fixed.changed() {
        if Some(i) == stdin {
            written.push(i);
            continue;
        }
        let f = &fixed.lint.index.files[i].source;
        match write_fix(std::path::Path::new(&f.name), &fixed.original[i], &f.text) {
            Ok(()) => written.push(i),
            Err(e) => {
                let _ = writeln!(err, "error: {}: {e}; not fixed", f.name);
                not_written.push(i);
            }
        }
    }
    // The report on standard input goes to stderr: a machine format keeps it to itself there.
    let quiet = stdin.is_some() && machine_format(a.format);
    let findings: usize = written.iter().map(|&i| fixed.applied[i]).sum();
    if findings > 0 && !quiet {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        let _ = writeln!(err, "fixed {findings} finding{} in {} file{}", s(findings), written.len(), s(written.len()));
    }
    // Standard input that is not UTF-8 is never fixed: its bytes come back as they were.
    let stream = stdin.map(|i| match (stdin_bytes, fixed.lint.index.files.get(i)) {
        (Some(bytes), _) => bytes,
        (None, f) => f.map(|f| f.source.text.clone().into_bytes()).unwrap_or_default(),
    });
    if not_written.is_empty() {
        return Ok(FixRun { lint: fixed.lint, stream, not_written: false });
    }
    // What is on disk now: the files not written still hold their findings.
    let files = fixed
        .lint
        .index
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut s = f.source.clone();
            if not_written.contains(&i) {
                s.text.clone_from(&fixed.original[i]);
            }
            s
        })
        .collect();
    let lint = crate::lint_full(files, &run.namespace, nodes, run.settings.clone(), &run.selection);
    Ok(FixRun { lint, stream, not_written: true })
}

/// Prints the findings (and `--statistics`). With `--fix` on standard input, standard output
/// carries the fixed stream and the report goes to stderr.
/// What the report says about findings it does not show, and what fails the run.
struct Shown {
    /// Left out by `--min-severity`.
    hidden: usize,
    fail_on: Severity,
}

fn write_report(
    a: &LintArgs,
    result: &crate::Lint,
    fixed_stream: Option<&[u8]>,
    not_read: &[source::ReadError],
    shown: &Shown,
    out: &mut dyn Write,
    err: &mut dyn Write,
) {
    let mut report = Vec::new();
    if let Some(bytes) = fixed_stream {
        let _ = out.write_all(bytes);
    }
    let color = match a.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let stats = a.statistics.then(|| crate::report::statistics(&result.diagnostics) + &crate::report::input_statistics(&result.index));
    // Human and compact output carry the table (before the summary); the other formats stay
    // parseable, and it goes to standard error.
    let in_report = matches!(a.format, Format::Human | Format::Compact);
    let opts = crate::report::Options {
        color,
        show_suppressed: a.show_suppressed,
        width: crate::report::human::width(),
        statistics: stats.clone().filter(|_| in_report),
        quiet: a.quiet,
        hidden: shown.hidden,
        fail_on: Some(shown.fail_on),
    };
    let _ = report.write_all(result.render_with_options(a.format, &opts, not_read).as_bytes());
    // With `--fix -` a machine format's report is on standard error: nothing else goes there.
    if let Some(stats) = stats.filter(|_| !in_report && (fixed_stream.is_none() || !machine_format(a.format))) {
        let _ = err.write_all(stats.as_bytes());
    }
    if fixed_stream.is_some() {
        let _ = err.write_all(&report);
    } else {
        let _ = out.write_all(&report);
    }
    let _ = out.flush();
}

/// `--diff`: the fixes as a unified diff, nothing written. Exit 1 when there is a change.
fn print_diff(fixed: &crate::Fixed, read_errors: bool, out: &mut dyn Write) -> i32 {
    let changed = fixed.changed();
    for &i in &changed {
        let f = &fixed.lint.index.files[i];
        let _ = out.write_all(crate::fix::unified_diff(&f.source.name, &fixed.original[i], &f.source.text).as_bytes());
    }
    let _ = out.flush();
    if read_errors {
        2
    } else {
        i32::from(!changed.is_empty())
    }
}

/// `--fix`: writes one fixed file, as formatters do. A file without any write permission bit
/// is read-only, and left alone (root could write it; the mode says not to); a path that is
/// not a regular file is not replaced. Otherwise the whole text or nothing: a temporary file
/// beside it with the same mode and owner, renamed over it; a symbolic link keeps pointing at
/// the file, which is the one rewritten. A file with other hard links, or whose owner the
/// temporary file cannot be given (another user's file in a directory we may write), is
/// written in place, so it stays the same file; should that write fail, `old` is put back.
/// Err says why the file was not written.
fn write_fix(path: &std::path::Path, old: &str, new: &str) -> Result<(), String> {
    let reason = |e: std::io::Error| crate::util::io_reason(&e);
    let target = std::fs::canonicalize(path).map_err(reason)?;
    let meta = std::fs::metadata(&target).map_err(reason)?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mode = meta.permissions().mode();
        if mode & 0o222 == 0 {
            return Err(format!("read-only (mode {:o})", mode & 0o7777));
        }
        if meta.nlink() > 1 {
            return write_in_place(&target, old, new);
        }
    }
    #[cfg(not(unix))]
    if meta.permissions().readonly() {
        return Err("read-only".into());
    }
    match replace_file(&target, &meta, new) {
        Ok(Replaced::Yes) => Ok(()),
        Ok(Replaced::KeepOwner) => write_in_place(&target, old, new),
        Err(e) => Err(reason(e)),
    }
}

enum Replaced {
    Yes,
    /// The temporary file could not be given the file's owner: nothing was replaced.
    KeepOwner,
}

/// A temporary file beside `target` (same permissions and owner), renamed over it.
fn replace_file(target: &std::path::Path, meta: &std::fs::Metadata, text: &str) -> std::io::Result<Replaced> {
    let dir = target.parent().ok_or_else(|| std::io::Error::other("no parent directory"))?;
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.kshape-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let made = f.metadata()?;
            if (made.uid(), made.gid()) != (meta.uid(), meta.gid())
                && std::os::unix::fs::chown(&tmp, Some(meta.uid()), Some(meta.gid())).is_err()
            {
                return Ok(Replaced::KeepOwner);
            }
        }
        // After the owner: changing it can clear set-id bits.
        std::fs::set_permissions(&tmp, meta.permissions())?;
        std::fs::rename(&tmp, target)?;
        Ok(Replaced::Yes)
    })();
    if !matches!(result, Ok(Replaced::Yes)) {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Overwrites a file's bytes, keeping the file (its hard links, owner and mode). Not atomic:
/// when the write fails, the old text is written back.
fn write_in_place(target: &std::path::Path, old: &str, new: &str) -> Result<(), String> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::OpenOptions::new().write(true).open(target).map_err(|e| crate::util::io_reason(&e))?;
    let mut put = |text: &str| -> std::io::Result<()> {
        f.seek(SeekFrom::Start(0))?;
        f.write_all(text.as_bytes())?;
        f.set_len(text.len() as u64)?;
        f.sync_all()
    };
    match put(new) {
        Ok(()) => Ok(()),
        Err(e) if put(old).is_ok() => Err(crate::util::io_reason(&e)),
        Err(e) => Err(format!("{}; the file may be partly written", crate::util::io_reason(&e))),
    }
}

/// `--kubernetes-version`: `1.33` or `v1.33.2`.
fn kubernetes_version(s: &str) -> Result<(u32, u32), String> {
    crate::model::parse_version(s).ok_or_else(|| format!("`{s}` is not a Kubernetes version such as 1.33"))
}
