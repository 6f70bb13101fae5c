//! Command-line interface: clap definitions and the driver that wires the stages together.

use crate::diag::Severity;
use crate::rules;
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
    Lint(LintArgs),
    /// List every rule with its default severity, category and summary.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// The rule id, e.g. `unknown-field`.
        rule: String,
    },
    /// Show, per workload, which nodes of an inventory its pods could run on.
    Nodes {
        /// The inventory: what `kubectl get nodes -o yaml` (or `-o json`) prints.
        inventory: String,
        /// Files and directories with the workloads; `-` reads standard input.
        paths: Vec<String>,
        /// Output format (human or json).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Namespace of objects that do not name one.
        #[arg(long, value_name = "NS", default_value = "default")]
        namespace: String,
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

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Compact,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
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
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with 1 when a finding has at least this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Skip files and directories matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// The file name to show for standard input.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_filename: String,
    /// Namespace of objects that do not name one.
    #[arg(long, value_name = "NS", default_value = "default")]
    pub namespace: String,
    /// Files or directories loaded only to resolve references, never reported on (repeatable).
    #[arg(long, value_name = "PATH")]
    pub context: Vec<String>,
    /// A node inventory (`kubectl get nodes -o yaml`): check where each workload can run.
    #[arg(long, value_name = "FILE")]
    pub nodes: Option<String>,
    /// Colour in human output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
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
        Some(Command::Rules) => {
            let _ = write!(out, "{}", rules_table());
            0
        }
        Some(Command::Explain { rule }) => match rules::meta(&rule) {
            Some(m) => {
                let _ = write!(out, "{}", crate::rules::docs::markdown(m));
                0
            }
            None => {
                let _ = writeln!(err, "error: unknown rule `{rule}`; `kshape rules` lists them");
                2
            }
        },
        Some(Command::GenerateDocs { dir, check }) => crate::rules::docs::generate(&dir, check, out, err),
        Some(Command::Nodes { inventory, paths, format, namespace }) => nodes_command(&inventory, &paths, format, &namespace, out, err),
    }
}

fn nodes_command(inventory: &str, paths: &[String], format: Format, namespace: &str, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let opts = source::Options { excludes: &[], stdin_name: "<stdin>" };
    let nodes = match load_nodes(inventory, &opts) {
        Ok(n) => n,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let mut sources = Sources::default();
    let paths = if paths.is_empty() { vec![".".to_string()] } else { paths.to_vec() };
    if let Err(e) = source::collect(&paths, &opts, false, &mut sources) {
        let _ = writeln!(err, "error: {e}");
        return 2;
    }
    for e in &sources.errors {
        let _ = writeln!(err, "error: {e}");
    }
    let ix = crate::index::Index::build(sources.files, namespace);
    let mut table = Vec::new();
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
    }
    let text = match format {
        Format::Json => {
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
    if sources.errors.is_empty() {
        0
    } else {
        2
    }
}

fn load_nodes(path: &str, opts: &source::Options) -> Result<Vec<crate::model::scheduling::NodeInfo>, String> {
    let mut s = Sources::default();
    source::collect(&[path.to_string()], opts, true, &mut s)?;
    if let Some(e) = s.errors.first() {
        return Err(e.clone());
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
    let mut sources = Sources::default();
    let paths = if a.paths.is_empty() { vec![".".to_string()] } else { a.paths.clone() };
    let opts = source::Options { excludes: &a.exclude, stdin_name: &a.stdin_filename };
    if let Err(e) = source::collect(&paths, &opts, false, &mut sources) {
        let _ = writeln!(err, "error: {e}");
        return 2;
    }
    if !a.context.is_empty() {
        let mut ctx = Sources::default();
        if let Err(e) = source::collect(&a.context, &opts, true, &mut ctx) {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
        // A file given both as input and as context is input.
        let names: std::collections::HashSet<String> = sources.files.iter().map(|f| f.name.clone()).collect();
        sources.files.extend(ctx.files.into_iter().filter(|f| !names.contains(&f.name)));
        sources.errors.extend(ctx.errors);
    }
    for n in &sources.notes {
        let _ = writeln!(err, "note: {n}");
    }
    for e in &sources.errors {
        let _ = writeln!(err, "error: {e}");
    }
    let read_errors = !sources.errors.is_empty();
    let nodes = match &a.nodes {
        None => None,
        Some(path) => match load_nodes(path, &opts) {
            Ok(n) => Some(n),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        },
    };
    let result = crate::lint_with(sources.files, &a.namespace, nodes);
    let color = match a.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let rendered = result.render(a.format, color);
    let diags = &result.diagnostics;
    let _ = out.write_all(rendered.as_bytes());
    let _ = out.flush();
    if read_errors {
        return 2;
    }
    let threshold = match a.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    i32::from(diags.iter().any(|d| d.severity >= threshold))
}
