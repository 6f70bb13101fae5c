//! Building what users apply, with the tools they use: `kustomize build` (or `kubectl
//! kustomize`) of the kustomizations among the inputs, and `helm template` of the Helm charts.
//! Never a reimplementation: when the tool is not on PATH, nothing is built and the caller says
//! so. The built streams are linted by `origin` and their findings reported in the files that
//! define each object.
//!
//! A kustomization is built through a wrapper in a temporary directory that lists it as its only
//! resource with `buildMetadata: [originAnnotations]`, so every object says which file it came
//! from (`config.kubernetes.io/origin`) without writing to the user's files; a failed build is
//! run again on the kustomization itself, so its message is the one the user gets.

use crate::source::{self, Sources};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `--kustomize`: build when a tool is on PATH (auto), insist on it (always), or never build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Always,
    Never,
}

/// A build that takes longer than this is stopped (a remote base on a slow network).
const TIMEOUT: Duration = Duration::from_secs(120);

/// The program that builds kustomizations: standalone `kustomize` when it is on PATH (it is
/// usually newer), else `kubectl`, whose `kustomize` subcommand embeds it.
#[derive(Clone, Debug)]
pub struct Kustomizer {
    program: PathBuf,
    kubectl: bool,
}

impl Kustomizer {
    pub fn find() -> Option<Kustomizer> {
        if let Some(program) = on_path("kustomize") {
            return Some(Kustomizer { program, kubectl: false });
        }
        on_path("kubectl").map(|program| Kustomizer { program, kubectl: true })
    }

    /// `kustomize build` or `kubectl kustomize`, as a user would type it.
    pub fn command_name(&self) -> &'static str {
        if self.kubectl {
            "kubectl kustomize"
        } else {
            "kustomize build"
        }
    }

    fn command(&self, dir: &Path) -> Command {
        let mut c = Command::new(&self.program);
        c.arg(if self.kubectl { "kustomize" } else { "build" }).arg(dir);
        c
    }
}

/// The first executable file called `name` in a directory of PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(m) = std::fs::metadata(p) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        m.is_file() && m.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        m.is_file()
    }
}

/// One kustomization or chart, built.
#[derive(Debug, Clone)]
pub struct Build {
    /// The directory as shown (`overlays/prod`, `charts/app`).
    pub root: String,
    /// The file that defines the build, as shown: the kustomization, or the chart's `Chart.yaml`.
    pub file: String,
    pub helm: bool,
    /// The command that builds it, as a user types it (`kubectl kustomize`, `helm template`).
    pub command: &'static str,
    /// Found only in the context (`--context`, the hook's repository): its findings are kept
    /// only for the files of the run's own inputs.
    pub context: bool,
    pub output: Result<Built, Failure>,
    /// The patch files of the kustomization and of those it uses (the overlay's own first: it
    /// is applied last), where a value the build changed may come from.
    pub patches: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Built {
    pub text: String,
    /// The directory the `path` of origin annotations is relative to (the wrapper's).
    pub origin_base: PathBuf,
    /// Built only with `--load-restrictor LoadRestrictionsNone` (it loads files outside its
    /// directory, which `kubectl apply -k` refuses).
    pub unrestricted: bool,
}

#[derive(Debug, Clone)]
pub struct Failure {
    /// The tool's message, without its log prefix.
    pub message: String,
    /// Why the failure is a note rather than a finding, when it may well not be a mistake of
    /// the manifests: a remote resource that could not be fetched (no network), a file it names
    /// that is missing outside a git repository (a partial copy cannot be told from a mistake),
    /// `helmCharts` (which need `--enable-helm` and helm).
    pub note: Option<&'static str>,
}

/// The kustomizations to build among `dirs` (each with whether it came from the context): not
/// components (which cannot be built alone), and of the others those that no other one uses as
/// a resource, base or component (an overlay is what gets applied; its base is built as part
/// of it) or that are overlays themselves (they use another kustomization: `prod` under
/// `prod-eu` is deployed too). A plain base that others use is built only through them.
pub fn kustomize_roots(dirs: &[(PathBuf, bool)]) -> Vec<(PathBuf, bool)> {
    let mut seen = HashSet::new();
    let mut list = Vec::new();
    let mut used = HashSet::new();
    for (dir, context) in dirs {
        let canon = std::fs::canonicalize(dir).unwrap_or_else(|_| source::normalize(dir));
        if !seen.insert(canon.clone()) {
            continue;
        }
        let Some(k) = read_kustomization(dir) else { continue };
        let mut overlay = false;
        for p in &k.uses {
            let target = canon.join(p);
            // A directory is another kustomization (a file is a plain resource).
            overlay |= target.is_dir();
            used.insert(std::fs::canonicalize(&target).unwrap_or_else(|_| source::normalize(&target)));
        }
        if !k.component {
            list.push((dir.clone(), *context, canon, overlay));
        }
    }
    list.into_iter().filter(|(_, _, c, overlay)| *overlay || !used.contains(c)).map(|(d, ctx, _, _)| (d, ctx)).collect()
}

/// The patch files of the kustomization in `dir` and of the kustomizations it uses (resources,
/// bases and components that are directories), the outermost first; each once.
fn patch_chain(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut queue = vec![source::normalize(dir)];
    while let Some(d) = queue.pop() {
        if !seen.insert(d.clone()) || seen.len() > 256 {
            continue;
        }
        let mut mine: Vec<PathBuf> = crate::kustomize::patches_of(&d).into_iter().collect();
        mine.sort();
        out.extend(mine);
        let Some(k) = read_kustomization(&d) else { continue };
        let next: Vec<PathBuf> = k.uses.iter().map(|p| source::normalize(&d.join(p))).filter(|t| t.is_dir()).collect();
        // Depth first, in the order listed.
        queue.extend(next.into_iter().rev());
    }
    out
}

/// What a kustomization says about the others it uses.
struct KustomizationRefs {
    /// `kind: Component`: built only within the kustomizations that use it.
    component: bool,
    /// Its local components, resources and bases (in that order, each as listed): paths
    /// relative to its directory, files or directories.
    uses: Vec<String>,
}

/// The kustomization in `dir`, if it has one that can be read.
fn read_kustomization(dir: &Path) -> Option<KustomizationRefs> {
    let text = crate::kustomize::FILE_NAMES.iter().find_map(|n| std::fs::read_to_string(dir.join(n)).ok())?;
    let y = crate::yaml::parse(&text);
    let mut k = KustomizationRefs { component: false, uses: Vec::new() };
    for doc in &y.docs {
        let Some(root) = doc.root else { continue };
        k.component |= y.get_str(root, "kind") == Some("Component");
        for key in ["components", "resources", "bases"] {
            for &item in y.get(root, key).and_then(|l| y.seq_items(l)).unwrap_or(&[]) {
                if let Some(p) = y.scalar(item).filter(|p| !is_remote(p)) {
                    k.uses.push(p.to_string());
                }
            }
        }
    }
    Some(k)
}

/// A resource kustomize fetches (`https://…`, `github.com/…`, `git@…`).
fn is_remote(p: &str) -> bool {
    p.contains("://") || p.starts_with("git@") || p.starts_with("github.com/") || p.starts_with("gitlab.com/")
}

/// Builds each kustomization, `threads` at a time, in the order given.
pub fn build_kustomizations(tool: &Kustomizer, roots: &[(PathBuf, bool)], threads: usize) -> Vec<Build> {
    let items: Vec<(PathBuf, bool)> = roots.to_vec();
    crate::util::par_map(items, threads.max(1), |_, (dir, context)| {
        let file = crate::kustomize::FILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
            .unwrap_or_else(|| dir.join("kustomization.yaml"));
        let output = build_one(tool, &dir);
        let patches = if output.is_ok() { patch_chain(&dir) } else { Vec::new() };
        Build { root: shown(&dir), file: shown(&file), helm: false, command: tool.command_name(), context, output, patches }
    })
}

/// `dir` as the user named it, without a leading `./`.
fn shown(p: &Path) -> String {
    let s = p.display().to_string();
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
    }
}

/// A wrapper directory of its own: the process id and a counter shared by every build of the
/// process (runs of the library may build at the same time), created afresh (`create_dir`
/// fails on one left behind, and the next name is tried).
fn wrapper_dir() -> std::io::Result<PathBuf> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut last = None;
    for _ in 0..64 {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("kshape-kustomize-{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary directory")))
}

fn build_one(tool: &Kustomizer, dir: &Path) -> Result<Built, Failure> {
    let target = std::fs::canonicalize(dir).map_err(|e| Failure { message: crate::util::io_reason(&e), note: None })?;
    let wrapper = wrapper_dir().map_err(|e| Failure { message: crate::util::io_reason(&e), note: None })?;
    let made = std::fs::canonicalize(&wrapper);
    let result = match made {
        Ok(base) => {
            let rel = relative(&base, &target);
            let text = format!("resources:\n  - {}\nbuildMetadata: [originAnnotations]\n", yaml_quote(&rel.display().to_string()));
            match std::fs::write(base.join("kustomization.yaml"), text) {
                Ok(()) => match run(tool.command(&base)) {
                    // A kustomization that loads files outside its directory builds only with
                    // the load restrictor off, as some repositories build theirs (generating
                    // flat manifests they commit): lint that build, and say so.
                    Err(m) if m.contains("is not in or below") => {
                        let mut c = tool.command(&base);
                        c.args(["--load-restrictor", "LoadRestrictionsNone"]);
                        run(c).map(|text| Built { text, origin_base: base.clone(), unrestricted: true }).map_err(|_| m)
                    }
                    r => r.map(|text| Built { text, origin_base: base.clone(), unrestricted: false }),
                },
                Err(e) => Err(crate::util::io_reason(&e)),
            }
        }
        Err(e) => Err(crate::util::io_reason(&e)),
    };
    let _ = std::fs::remove_dir_all(&wrapper);
    // The wrapper's message wraps the kustomization's own: kustomize says where it recursed
    // into it, and the rest is what the user would see. Otherwise the kustomization is built
    // alone for its message.
    result.map_err(|wrapped| {
        let marker = format!("recursed accumulation of path '{}': ", target.display());
        let message = match wrapped.find(&marker) {
            Some(i) => wrapped[i + marker.len()..].to_string(),
            None => match run(tool.command(dir)) {
                Err(m) => m,
                Ok(_) => wrapped,
            },
        };
        // Paths in the kustomization's own directory as it writes them.
        let message = message.replace(&format!("{}/", target.display()), "");
        let in_git = target.ancestors().any(|d| d.join(".git").exists());
        let note = failure_note(&message, in_git);
        Failure { message, note }
    })
}

/// Why a failed build is a note rather than a finding (see [`Failure::note`]).
fn failure_note(message: &str, in_git: bool) -> Option<&'static str> {
    if REMOTE_FAILURES.iter().any(|s| message.contains(s)) {
        Some("a remote resource could not be fetched")
    } else if message.contains("--enable-helm") {
        Some("its helmCharts need `kustomize build --enable-helm` and helm, which kshape does not run")
    } else if !in_git && (message.contains("no such file or directory") || message.contains("must resolve to a file")) {
        Some("a file or directory it names is missing, and outside a git repository a partial copy cannot be told from a mistake")
    } else {
        None
    }
}

const REMOTE_FAILURES: [&str; 6] =
    ["no such host", "Could not resolve host", "dial tcp", "i/o timeout", "network is unreachable", "Connection timed out"];

fn yaml_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An absolute path as a run in `cwd` shows a file it found: relative to `cwd` (`../base/x.yaml`
/// above it), `.` for `cwd` itself.
pub fn shown_from(cwd: &Path, abs: &Path) -> String {
    let rel = relative(cwd, abs);
    if rel.as_os_str().is_empty() {
        ".".to_string()
    } else {
        rel.display().to_string()
    }
}

/// The path from directory `from` to `to`, both absolute and canonical.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// Runs a build: its standard output, or its message (standard error without the log prefix).
fn run(mut cmd: Command) -> Result<String, String> {
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| crate::util::io_reason(&e))?;
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Ok(s),
            Ok(None) if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("stopped after {} s", TIMEOUT.as_secs()));
            }
            Ok(None) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(e) => break Err(crate::util::io_reason(&e)),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    match status {
        Ok(s) if s.success() => Ok(String::from_utf8_lossy(&stdout).into_owned()),
        Ok(s) => {
            let m = clean_message(&String::from_utf8_lossy(&stderr));
            Err(if m.is_empty() { format!("exited with {s}") } else { m })
        }
        Err(e) => Err(e),
    }
}

/// kubectl logs its error through klog (`E1201 18:48:17.99 3901 run.go:72] "command failed"
/// err="…"`), kustomize and helm print `Error: …`: the message alone.
pub fn clean_message(stderr: &str) -> String {
    let mut lines = Vec::new();
    let mut block = false;
    for line in stderr.lines() {
        let line = line.trim_end();
        // A multi-line message: `err=<`, the lines indented with a tab, then ` >`.
        if block {
            if line.trim() == ">" {
                block = false;
            } else {
                lines.push(line.trim_start_matches('\t').to_string());
            }
            continue;
        }
        if line.ends_with("\"command failed\" err=<") {
            block = true;
            continue;
        }
        if let Some(i) = line.find("\"command failed\" err=\"") {
            let quoted = &line[i + "\"command failed\" err=\"".len()..];
            let inner = quoted.strip_suffix('"').unwrap_or(quoted);
            lines.push(inner.replace("\\\"", "\"").replace("\\n", "\n"));
            continue;
        }
        let line = line.strip_prefix("Error: ").or_else(|| line.strip_prefix("error: ")).unwrap_or(line);
        // kustomize's deprecation warnings (`# Warning: 'commonLabels' is deprecated`) are not the error.
        if !line.is_empty() && !line.starts_with("# Warning:") {
            lines.push(line.to_string());
        }
    }
    lines.join("\n")
}

/// The source files a built stream's origin annotations name (`path:` lines of
/// `config.kubernetes.io/origin`), resolved; objects from remote bases (`repo:`) and generated
/// ones (`configuredIn:`) name none.
pub fn origin_files(b: &Built) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut lines = b.text.lines();
    while let Some(line) = lines.next() {
        if !line.trim_start().starts_with("config.kubernetes.io/origin:") {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let mut path = None;
        let mut remote = false;
        for l in lines.by_ref() {
            let i = l.len() - l.trim_start().len();
            if i <= indent {
                break;
            }
            let t = l.trim_start();
            if let Some(p) = t.strip_prefix("path: ") {
                path = Some(p.trim().trim_matches('"').trim_matches('\'').to_string());
            }
            remote |= t.starts_with("repo: ");
        }
        if let (Some(p), false) = (path, remote) {
            let f = source::normalize(&b.origin_base.join(p));
            if seen.insert(f.clone()) {
                out.push(f);
            }
        }
    }
    out
}

/// What the chart at `dir` renders with `helm template` (with `--values` files passed
/// through), or helm's message.
pub fn helm_template(helm: &Path, dir: &Path, values: &[String]) -> Result<String, Failure> {
    let mut c = Command::new(helm);
    c.arg("template").arg(dir);
    for v in values {
        c.arg("--values").arg(v);
    }
    run(c).map_err(|message| Failure {
        note: REMOTE_FAILURES.iter().any(|s| message.contains(s)).then_some("a remote chart or dependency could not be fetched"),
        message,
    })
}

/// Renders each chart, `threads` at a time. Library charts render nothing and are left out.
pub fn render_charts(helm: &Path, charts: &[(PathBuf, bool)], values: &[String], threads: usize) -> Vec<Build> {
    let items: Vec<(PathBuf, bool)> = charts.iter().filter(|(d, _)| !is_library_chart(d)).cloned().collect();
    crate::util::par_map(items, threads.max(1), |_, (dir, context)| {
        let file = ["Chart.yaml", "Chart.yml"].iter().map(|n| dir.join(n)).find(|p| p.is_file()).unwrap_or_else(|| dir.join("Chart.yaml"));
        let output = helm_template(helm, &dir, values).map(|text| Built { text, origin_base: dir.clone(), unrestricted: false });
        Build { root: shown(&dir), file: shown(&file), helm: true, command: "helm template", context, output, patches: Vec::new() }
    })
}

fn is_library_chart(dir: &Path) -> bool {
    let text = std::fs::read_to_string(dir.join("Chart.yaml")).unwrap_or_default();
    text.lines().any(|l| l.trim() == "type: library")
}

/// The charts to render among the charts met while walking: not a subchart of another one
/// (`charts/app/charts/db` is rendered as part of `charts/app`).
pub fn chart_roots(charts: &[(PathBuf, bool)]) -> Vec<(PathBuf, bool)> {
    let canon: Vec<PathBuf> = charts.iter().map(|(d, _)| std::fs::canonicalize(d).unwrap_or_else(|_| source::normalize(d))).collect();
    let mut seen = HashSet::new();
    charts
        .iter()
        .zip(&canon)
        .filter(|(_, c)| !canon.iter().any(|o| o != *c && c.starts_with(o)))
        .filter(|(_, c)| seen.insert((*c).clone()))
        .map(|(d, _)| d.clone())
        .collect()
}

/// Kustomization directories and chart directories, each with whether only the context had it.
pub type Found = (Vec<(PathBuf, bool)>, Vec<(PathBuf, bool)>);

/// The kustomizations and charts of a run's sources (each with whether only the context had it).
pub fn found(inputs: &Sources, context: Option<&Sources>) -> Found {
    let mut k: Vec<(PathBuf, bool)> = inputs.kustomizations.iter().map(|d| (d.clone(), false)).collect();
    let mut c: Vec<(PathBuf, bool)> = inputs.charts.iter().map(|d| (d.clone(), false)).collect();
    if let Some(ctx) = context {
        k.extend(ctx.kustomizations.iter().map(|d| (d.clone(), true)));
        c.extend(ctx.charts.iter().map(|d| (d.clone(), true)));
    }
    (k, c)
}

/// What a run builds, and what it says about what it did not.
#[derive(Debug, Default)]
pub struct Plan {
    pub builds: Vec<Build>,
    pub notes: Vec<String>,
}

/// Builds the kustomizations and renders the charts found (`render::found`). `kustomize`
/// decides whether kustomizations are built; Err when it is `always` and no tool is on PATH.
/// `context_builds`: whether kustomizations found only in the context are built (the hook does
/// when one of its files is a kustomize input, so that their cross-object findings are seen).
pub fn plan(
    kustomizations: &[(PathBuf, bool)],
    charts: &[(PathBuf, bool)],
    kustomize: Mode,
    context_builds: bool,
    helm_values: &[String],
    threads: usize,
) -> Result<Plan, String> {
    let mut plan = Plan::default();
    let wanted: Vec<(PathBuf, bool)> = kustomizations.iter().filter(|(_, ctx)| context_builds || !*ctx).cloned().collect();
    if kustomize != Mode::Never && !wanted.is_empty() {
        match Kustomizer::find() {
            Some(tool) => {
                let roots = kustomize_roots(&wanted);
                plan.builds.extend(build_kustomizations(&tool, &roots, threads));
            }
            None if kustomize == Mode::Always => {
                return Err("--kustomize=always: neither `kustomize` nor `kubectl` is on PATH".to_string());
            }
            None => {
                let n = kustomize_roots(&wanted).iter().filter(|(_, ctx)| !*ctx).count();
                if n > 0 {
                    let s = if n == 1 { "" } else { "s" };
                    plan.notes.push(format!(
                        "{n} kustomization{s} not built: neither `kustomize` nor `kubectl` is on PATH; the cross-object references of their inputs were not checked (install one, or pass --kustomize=never to silence this)"
                    ));
                }
            }
        }
    }
    let charts: Vec<(PathBuf, bool)> = charts.iter().filter(|(_, ctx)| !*ctx).cloned().collect();
    if !charts.is_empty() {
        match on_path("helm") {
            Some(helm) => plan.builds.extend(render_charts(&helm, &chart_roots(&charts), helm_values, threads)),
            None => plan.notes.extend(charts.iter().map(|(c, _)| source::helm_note(c))),
        }
    }
    for b in &plan.builds {
        if let Ok(built) = &b.output {
            if built.unrestricted {
                plan.notes.push(format!(
                    "{}: loads files outside its directory, so it builds only with `--load-restrictor LoadRestrictionsNone` (`kubectl apply -k` refuses it); linted as built that way",
                    b.root
                ));
            }
        }
        if let Err(f) = &b.output {
            if let Some(why) = f.note {
                plan.notes.push(format!("{}: not built ({why}): {}", b.root, crate::util::ellipsize(&f.message.replace('\n', " "), 300)));
            }
        }
    }
    Ok(plan)
}

/// Adds to `files` what the builds need to be reported: each file an origin annotation names
/// (a base outside the inputs; `context` as its build's), marked as a kustomize input, and the
/// kustomization or `Chart.yaml` of each failed build. Files already there (by their resolved
/// path) are not read again; excluded files (`excludes`, as a walk judges them) are not read,
/// so no finding is reported in them. Returns the builds' patch files: not objects to lint,
/// but where a finding on a value a patch set is reported (`named`: the patches named on the
/// command line, reported on even when their build came from the context).
pub fn sources_for(
    builds: &[Build],
    files: &mut Vec<source::SourceFile>,
    max_file_bytes: u64,
    excludes: &[String],
    named: &[PathBuf],
) -> Vec<source::SourceFile> {
    if builds.is_empty() {
        return Vec::new();
    }
    let excluded = source::build_excludes(excludes).unwrap_or_default();
    let cwd = std::env::current_dir().unwrap_or_default();
    // By absolute path as named (no system call per file); a file reached through a symbolic
    // link is also tried by its resolved path.
    let mut have: HashSet<PathBuf> = files.iter().map(|f| source::normalize(&cwd.join(&f.name))).collect();
    let mut resolved: Option<HashSet<PathBuf>> = None;
    let mut add = |path: &Path, shown: Option<&str>, context: bool, kustomize: bool, files: &mut Vec<source::SourceFile>| {
        let lexical = source::normalize(&cwd.join(path));
        if have.contains(&lexical) || source::is_excluded(&excluded, path) {
            return;
        }
        // Named through a symbolic link? Compare resolved paths (computed once).
        let canon = std::fs::canonicalize(path).unwrap_or_else(|_| lexical.clone());
        let resolved = resolved.get_or_insert_with(|| have.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect());
        if !resolved.insert(canon.clone()) {
            return;
        }
        have.insert(lexical);
        let shown = shown.map_or_else(|| shown_from(&cwd, &canon), str::to_string);
        if let Some(mut f) = source::read_one(&canon, shown, context, max_file_bytes) {
            f.kustomize = kustomize;
            files.push(f);
        }
    };
    for b in builds {
        match &b.output {
            Ok(built) if !b.helm => {
                for p in origin_files(built) {
                    add(&p, None, b.context, true, files);
                }
            }
            Err(f) if f.note.is_none() => add(Path::new(&b.file), Some(&b.file), b.context, !b.helm, files),
            _ => {}
        }
    }
    let named: HashSet<PathBuf> = named.iter().map(|p| source::normalize(&cwd.join(p))).collect();
    let mut patches = Vec::new();
    let mut seen = HashSet::new();
    for b in builds {
        for p in &b.patches {
            let abs = source::normalize(&cwd.join(p));
            if have.contains(&abs) || !seen.insert(abs.clone()) || source::is_excluded(&excluded, p) {
                continue;
            }
            if let Some(mut f) = source::read_one(&abs, shown_from(&cwd, &abs), b.context && !named.contains(&abs), max_file_bytes) {
                f.kustomize = true;
                patches.push(f);
            }
        }
    }
    patches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_lose_the_log_prefix() {
        let klog = "E1201 18:48:17.99 3901 run.go:72] \"command failed\" err=\"accumulating resources: 'x' \\\"y\\\"\"\n";
        assert_eq!(clean_message(klog), "accumulating resources: 'x' \"y\"");
        assert_eq!(clean_message("Error: no such chart\n"), "no such chart");
        let block = "E1201 18:52:25.84 6297 run.go:72] \"command failed\" err=<\n\taccumulating resources: x\n\t: exit status 128\n >\n";
        assert_eq!(clean_message(block), "accumulating resources: x\n: exit status 128");
    }

    #[test]
    fn relative_paths_climb_to_the_common_ancestor() {
        assert_eq!(relative(Path::new("/tmp/w"), Path::new("/home/u/o")), PathBuf::from("../../home/u/o"));
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/b/c")), PathBuf::from("c"));
    }

    #[test]
    fn origin_paths_are_read_from_the_annotation() {
        let b = Built {
            text: "metadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: ../x/base/svc.yaml\n  name: a\n---\nmetadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: deploy.yaml\n      repo: https://github.com/a/b\n".into(),
            origin_base: PathBuf::from("/tmp/w"),
            unrestricted: false,
        };
        assert_eq!(origin_files(&b), [PathBuf::from("/tmp/x/base/svc.yaml")]);
    }
}
