//! Finding and reading input files.
//!
//! Directories are walked for `*.yaml`, `*.yml` and `*.json` (hidden directories skipped,
//! `--exclude` globs honoured, and in a git repository what its `.gitignore` files and
//! `.git/info/exclude` ignore, as git, ripgrep and ruff do). Helm chart templates are not YAML
//! until rendered: they are left out, with a note (the charts are recorded for `render`).
//! Kustomizations are not read here (that needs YAML): `kustomize` decides which of the files
//! are kustomize inputs or patches.
//!
//! What is a manifest: a file named explicitly is linted when its extension is `.yaml`, `.yml`
//! or `.json`, or when it has none (`Kustomization`-style names), syntax errors included: the
//! user asked for it. A named file with another extension (`README.md`) and a named Helm
//! template are skipped with a note, so that a pre-commit hook passing every changed file gets
//! the same answer as a walk; with `force_exclude` (ruff's name) the excludes apply to named
//! files too. Standard input is always linted. Of the files found by walking a directory, a
//! `*.json` file is a manifest only when its text has a `"kind"` key: `package.json` or
//! `tsconfig.json` (whose comments are not JSON) are left out silently, as files of other
//! extensions are. So a syntax error is reported for every file that is linted.

use foldhash::HashSet;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files larger than this are reported and not parsed (`--max-file-size`).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct SourceFile {
    /// The path as shown to the user (as given, or found under a given directory).
    pub name: String,
    pub text: String,
    pub is_json: bool,
    /// Loaded with `--context`: used to resolve references, never reported on.
    pub context: bool,
    /// Set when the bytes were not UTF-8: the byte offset of the first bad byte.
    pub invalid_utf8_at: Option<usize>,
    /// In a directory (or below one) that holds a kustomization: an input of `kustomize build`,
    /// whose names, namespaces and labels may still change. Cross-object references are not
    /// judged for it.
    pub kustomize: bool,
    /// Not read yet (`text` is empty): found by walking for a run that reads each file where
    /// it judges it ([`Options::defer`]), or let go once judged; [`SourceFile::load`] reads it.
    pub unread: bool,
    /// Found by walking and never read: the `--max-file-size` its first reading checks. That
    /// reading failing leaves the input not read ([`SourceFile::not_read`]), as if walking had
    /// read it; a later one failing (the file changed meanwhile) is a syntax error in it.
    pub first_read: Option<u64>,
    /// Why the first reading of a file found by walking failed: the file is not linted, and
    /// the run reports it as an input not read (exit code 2).
    pub not_read: Option<String>,
}

/// Why [`SourceFile::load`] did not read a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// Its first reading failed (the OS reason, or the size limit): an input not read.
    NotRead(String),
    /// It was read before, and reading it again failed: said as a syntax error in it.
    Again(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::NotRead(why) | LoadError::Again(why) => f.write_str(why),
        }
    }
}

#[derive(Debug, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
    /// Which of `files` is standard input (`-`), if any.
    pub stdin: Option<usize>,
    /// Standard input's bytes when they are not UTF-8 (its text has U+FFFD in their place):
    /// `--fix -` echoes them unchanged.
    pub stdin_bytes: Option<Vec<u8>>,
    /// Inputs that were not read (an error from the system, or larger than `--max-file-size`).
    /// Printed on standard error, listed in the JSON and SARIF reports; exit code 2.
    pub errors: Vec<ReadError>,
    /// Informational notes (skipped Helm templates, kustomize patches).
    pub notes: Vec<String>,
    /// Directories holding a kustomization, met while walking (its patches may be files of
    /// other directories).
    pub kustomizations: Vec<PathBuf>,
    /// Helm charts (directories with a `Chart.yaml`) whose templates were met while walking.
    pub charts: Vec<PathBuf>,
    /// Kustomization patches named explicitly (left out as objects; a build's findings are
    /// still reported in them).
    pub named_patches: Vec<PathBuf>,
    /// Which of `files` were named explicitly (not found by walking a directory).
    pub named: Vec<usize>,
}

/// An input that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The path as given or found (a directory when walking it failed), or standard input's name.
    pub file: String,
    /// "No such file or directory", "the file is N bytes, more than --max-file-size M"...
    pub reason: String,
}

impl ReadError {
    pub fn new(file: impl Into<String>, reason: impl Into<String>) -> ReadError {
        ReadError { file: file.into(), reason: reason.into() }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read {}: {}", self.file, self.reason)
    }
}

pub struct Options<'a> {
    pub excludes: &'a [String],
    pub stdin_name: &'a str,
    pub max_file_bytes: u64,
    /// Excludes apply to files named explicitly too (`--force-exclude`).
    pub force_exclude: bool,
    /// YAML files found by walking are read where each is judged ([`SourceFile::unread`],
    /// [`SourceFile::first_read`]), so that a run never holds every text at once; one that may
    /// hold custom resources is read there, let go, and read again once the run's CRDs are
    /// known (`index::stream`). JSON files are read to be chosen (a JSON file must say
    /// `"kind"`) and then let go; a file whose path is not UTF-8 is read at once and kept (its
    /// name, shown lossily, would not find it again).
    pub defer: bool,
}

impl Options<'_> {
    /// No excludes, standard input as `<stdin>`, the default size limit.
    pub fn plain() -> Options<'static> {
        Options { excludes: &[], stdin_name: "<stdin>", max_file_bytes: DEFAULT_MAX_FILE_BYTES, force_exclude: false, defer: false }
    }
}

pub fn build_excludes(globs: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let g = g.trim_end_matches('/');
        let pats = if g.contains('/') {
            vec![g.trim_start_matches("./").to_string(), format!("**/{}", g.trim_start_matches("./"))]
        } else {
            vec![g.to_string(), format!("**/{g}")]
        };
        for p in pats {
            let glob = Glob::new(&p).map_err(|e| format!("invalid --exclude glob `{g}`: {e}"))?;
            b.add(glob);
        }
    }
    b.build().map_err(|e| format!("invalid --exclude globs: {e}"))
}

/// Whether `path` matches the excludes (`build_excludes`), as a walk would judge it.
pub fn is_excluded(set: &GlobSet, path: &Path) -> bool {
    excluded(set, path)
}

fn excluded(set: &GlobSet, path: &Path) -> bool {
    if set.is_empty() {
        return false;
    }
    let s = path.to_string_lossy();
    let s = s.trim_start_matches("./");
    if set.is_match(s) || path.file_name().map(|n| set.is_match(n)).unwrap_or(false) {
        return true;
    }
    // Configuration excludes are anchored at the config file's directory (an absolute path).
    let abs = match std::env::current_dir() {
        Ok(cwd) => normalize(&cwd.join(path)),
        Err(_) => return false,
    };
    set.is_match(abs)
}

fn is_manifest_name(path: &Path) -> Option<bool> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "yaml" | "yml" => Some(false),
        "json" => Some(true),
        _ => None,
    }
}

/// Whether a file name is a kustomization's (kustomize's configuration).
pub fn is_kustomization(name: &str) -> bool {
    matches!(name, "kustomization.yaml" | "kustomization.yml" | "Kustomization")
}

/// Reads the named paths (`-` = stdin). `context` marks files loaded only for reference.
pub fn collect(paths: &[String], opts: &Options, context: bool, out: &mut Sources) -> Result<(), String> {
    let mut c = Collector {
        excludes: build_excludes(opts.excludes)?,
        max: opts.max_file_bytes,
        context,
        defer: opts.defer,
        seen: HashSet::default(),
        // One path names each file once: its walk finds no file twice.
        dedupe: paths.len() > 1,
        charts_noted: BTreeSet::new(),
        out,
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    for p in paths {
        if p == "-" {
            c.stdin(opts.stdin_name);
            continue;
        }
        let path = PathBuf::from(p);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => c.walk(&path),
            Ok(_) => {
                if let Some(why) = c.skip_named(&path, opts.force_exclude, &cwd) {
                    if let Some(why) = why {
                        c.out.notes.push(format!("{p}: {why}"));
                    }
                    continue;
                }
                if c.seen.insert(path.clone()) {
                    let before = c.out.files.len();
                    c.read_file(&path, p.clone(), is_manifest_name(&path).unwrap_or(false));
                    if c.out.files.len() > before {
                        c.out.named.push(before);
                    }
                }
            }
            Err(e) => c.out.errors.push(ReadError::new(p.clone(), os_reason(&e))),
        }
    }
    Ok(())
}

/// What one `collect` call has found so far.
struct Collector<'a> {
    excludes: GlobSet,
    max: u64,
    context: bool,
    defer: bool,
    /// The files met so far, when [`Collector::dedupe`].
    seen: HashSet<PathBuf>,
    /// Whether a file may be met twice (more than one path named).
    dedupe: bool,
    /// Helm charts whose templates were skipped (noted once each).
    charts_noted: BTreeSet<PathBuf>,
    out: &'a mut Sources,
}

impl Collector<'_> {
    fn stdin(&mut self, name: &str) {
        let max = self.max;
        let mut buf = Vec::new();
        // `--max-file-size` is any u64: one byte more than the limit saturates at u64::MAX.
        match std::io::stdin().lock().take(max.saturating_add(1)).read_to_end(&mut buf) {
            Ok(n) if n as u64 > max => {
                self.out.errors.push(ReadError::new(name, format!("more than --max-file-size {max} bytes")));
            }
            Ok(_) => {
                self.out.stdin = Some(self.out.files.len());
                if std::str::from_utf8(&buf).is_err() {
                    self.out.stdin_bytes = Some(buf.clone());
                }
                // Named like a file (`--stdin-filename x.json`), read like that file.
                let is_json = is_manifest_name(Path::new(name)).unwrap_or(false);
                self.out.files.push(decode(name.to_string(), buf, is_json, self.context));
            }
            Err(e) => self.out.errors.push(ReadError::new(name, e.to_string())),
        }
    }

    /// Why a file named explicitly is not linted: Some(None) when it is left out silently (an
    /// exclude with `force_exclude`), Some(Some(note)) when the user is told.
    fn skip_named(&mut self, path: &Path, force_exclude: bool, cwd: &Path) -> Option<Option<String>> {
        if force_exclude && excluded(&self.excludes, path) {
            return Some(None);
        }
        let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
        if ext.as_deref().is_some_and(|e| !matches!(e, "yaml" | "yml" | "json")) {
            return Some(Some("not a YAML or JSON file; skipped".to_string()));
        }
        if force_exclude && GitIgnores::for_walk(path.parent().unwrap_or(Path::new(".")), cwd).ignored(path, false, true) {
            return Some(None);
        }
        let chart = helm_template_chart(path)?;
        Some(Some(format!(
            "a template of Helm chart {}, not YAML until rendered; skipped. Lint the rendered output: `helm template {} | kshape -`",
            chart.display(),
            chart.display()
        )))
    }

    /// Walks a directory for manifests, in file-name order.
    fn walk(&mut self, root: &Path) {
        // In file-name order: siblings' paths share their directory's, so comparing whole paths
        // compares names, without parsing each path for its last component as
        // `sort_by_file_name` does (a sixth of a large walk).
        let mut it =
            walkdir::WalkDir::new(root).follow_links(true).sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str())).into_iter();
        let mut candidates = Vec::new();
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut ignores = GitIgnores::for_walk(root, &cwd);
        while let Some(next) = it.next() {
            let entry = match next {
                Ok(e) => e,
                Err(e) => {
                    self.walk_error(root, &e);
                    continue;
                }
            };
            let path = entry.path();
            if entry.file_type().is_dir() {
                if self.skip_dir(path, &entry.file_name().to_string_lossy(), entry.depth())
                    || (entry.depth() > 0 && ignores.ignores(path, true))
                {
                    it.skip_current_dir();
                } else {
                    ignores.enter(path);
                }
                continue;
            }
            let Some(is_json) = is_manifest_name(path) else {
                continue;
            };
            if excluded(&self.excludes, path) || ignores.ignores(path, false) {
                continue;
            }
            if is_kustomization(&entry.file_name().to_string_lossy()) {
                // kustomize's configuration, not a manifest; its patches may live in other
                // directories (`../patches/replicas.yaml`).
                if let Some(dir) = path.parent() {
                    self.out.kustomizations.push(dir.to_path_buf());
                }
                continue;
            }
            candidates.push((path.to_path_buf(), is_json, entry.file_type().is_file()));
        }
        let unseen: Vec<(PathBuf, bool, bool)> =
            if self.dedupe { candidates.into_iter().filter(|(path, _, _)| self.seen.insert(path.clone())).collect() } else { candidates };
        // A YAML file is read where it is judged, not here (what the walk knows of its type is
        // what reading it would check first): it is listed in place. The others are read here,
        // in parallel, each file where it is read next (the texts are spread over the threads'
        // heaps, which reuse the memory once the files are judged and let go).
        let (context, max, defer) = (self.context, self.max, self.defer);
        // Per file in walk order: what it lists (a file, or a note), or None when it is read here.
        let (mut order, mut to_read) = (Vec::with_capacity(unseen.len()), Vec::new());
        for (path, is_json, is_file) in unseen {
            // A path that is not UTF-8 is shown lossily: its name would not find it again.
            order.push(if defer && !is_json && path.to_str().is_some() {
                Some(if is_file {
                    Ok(SourceFile { name: shown(&path), context, unread: true, first_read: Some(max), ..SourceFile::default() })
                } else {
                    Err(format!("{}: not a regular file; skipped", shown(&path)))
                })
            } else {
                to_read.push((path, is_json));
                None
            });
        }
        let read = crate::util::par_map(to_read, crate::util::default_threads(), |_, (path, is_json)| {
            let mut one = Sources::default();
            read_file(&path, shown(&path), is_json, context, max, &mut one);
            // JSON found by walking is a manifest only with `"kind"` (see the module docs).
            if is_json && one.files.first().is_some_and(|f| !f.text.contains("\"kind\"")) {
                one.files.clear();
            }
            let named = path.to_str().is_some();
            if let Some(f) = one.files.first_mut().filter(|f| defer && named && f.invalid_utf8_at.is_none()) {
                f.text = String::new();
                f.unread = true;
            }
            one
        });
        let mut read = read.into_iter();
        for listed in order {
            match listed {
                Some(Ok(f)) => self.out.files.push(f),
                Some(Err(note)) => self.out.notes.push(note),
                None => {
                    let Some(one) = read.next() else { continue };
                    self.out.files.extend(one.files);
                    self.out.errors.extend(one.errors);
                    self.out.notes.extend(one.notes);
                }
            }
        }
    }

    fn walk_error(&mut self, root: &Path, e: &walkdir::Error) {
        if e.loop_ancestor().is_some() {
            let path = e.path().map(|p| p.display().to_string()).unwrap_or_default();
            self.out.notes.push(format!("{path}: a symbolic link loop; not followed"));
            return;
        }
        let path = e.path().map(|p| p.display().to_string()).unwrap_or_else(|| root.display().to_string());
        let reason = e.io_error().map(os_reason).unwrap_or_else(|| e.to_string());
        self.out.errors.push(ReadError::new(path, reason));
    }

    /// Whether a directory is not walked: hidden or excluded (below the root), or a Helm
    /// chart's templates (noted once per chart).
    fn skip_dir(&mut self, path: &Path, name: &str, depth: usize) -> bool {
        if depth > 0 && (name.starts_with('.') || excluded(&self.excludes, path)) {
            return true;
        }
        if name != "templates" {
            return false;
        }
        let Some(parent) = path.parent() else { return false };
        if !(parent.join("Chart.yaml").is_file() || parent.join("Chart.yml").is_file()) {
            return false;
        }
        // `render` renders the chart, or says why not (`helm_note`).
        if self.charts_noted.insert(parent.to_path_buf()) {
            self.out.charts.push(parent.to_path_buf());
        }
        true
    }

    fn read_file(&mut self, path: &Path, name: String, is_json: bool) {
        read_file(path, name, is_json, self.context, self.max, self.out);
    }
}

/// A walked file's name as shown: `kshape` (= `kshape .`) shows `deploy/web.yaml`, not
/// `./deploy/web.yaml` (a path that is not UTF-8, lossily).
fn shown(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// The chart a file is a template of: it sits under a `templates/` directory of a directory
/// with a `Chart.yaml`.
fn helm_template_chart(path: &Path) -> Option<PathBuf> {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.file_name().is_some_and(|n| n == "templates") {
            let chart = d.parent().unwrap_or(Path::new("."));
            let chart = if chart.as_os_str().is_empty() { Path::new(".") } else { chart };
            if chart.join("Chart.yaml").is_file() || chart.join("Chart.yml").is_file() {
                return Some(chart.to_path_buf());
            }
        }
        dir = d.parent().filter(|p| !p.as_os_str().is_empty());
    }
    None
}

/// The note for the skipped templates of a chart that is not rendered (`render` renders it
/// when helm is on PATH).
pub fn helm_note(chart: &Path) -> String {
    format!(
        "{}: Helm chart templates are not YAML until rendered; skipped (helm is not on PATH). Lint the rendered output: `helm template {} | kshape -`",
        chart.join("templates").display(),
        chart.display()
    )
}

/// What `.gitignore` files (and `.git/info/exclude`) ignore along one walk, from the root of
/// the git repository around it: nothing outside a git repository. A stack of matchers, one
/// per directory on the way down that has a `.gitignore`; the deepest decides (a `!pattern`
/// re-includes), as in git.
struct GitIgnores {
    /// The walk's root as given, and as an absolute path (matchers take absolute paths).
    root: PathBuf,
    abs_root: PathBuf,
    /// Outside a git repository nothing is ignored.
    in_repo: bool,
    stack: Vec<(PathBuf, ignore::gitignore::Gitignore)>,
}

impl GitIgnores {
    fn for_walk(root: &Path, cwd: &Path) -> GitIgnores {
        let abs_root = normalize(&cwd.join(root));
        let mut g = GitIgnores { root: root.to_path_buf(), abs_root: abs_root.clone(), in_repo: false, stack: Vec::new() };
        let Some(repo) = abs_root.ancestors().find(|d| d.join(".git").exists()) else {
            return g;
        };
        g.in_repo = true;
        g.push(repo, &repo.join(".git/info/exclude"));
        // The `.gitignore` files above the walk's root apply below it too.
        let mut above: Vec<&Path> = abs_root.ancestors().skip(1).take_while(|d| d.starts_with(repo)).collect();
        above.reverse();
        for d in above {
            g.push(d, &d.join(".gitignore"));
        }
        g
    }

    fn push(&mut self, dir: &Path, file: &Path) {
        if !file.is_file() {
            return;
        }
        let mut b = ignore::gitignore::GitignoreBuilder::new(dir);
        // A bad line is skipped, as git skips it.
        let _ = b.add(file);
        if let Ok(gi) = b.build() {
            self.stack.push((dir.to_path_buf(), gi));
        }
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.root) {
            Ok(rest) => self.abs_root.join(rest),
            Err(_) => self.abs_root.join(path),
        }
    }

    /// A directory the walk goes into: its `.gitignore` applies below it.
    fn enter(&mut self, dir: &Path) {
        if !self.in_repo {
            return;
        }
        let abs = self.absolute(dir);
        self.stack.retain(|(d, _)| abs.starts_with(d));
        let file = abs.join(".gitignore");
        self.push(&abs, &file);
    }

    /// Whether `path` is ignored. A walk asks about each directory on its way down; a file
    /// named on the command line is also ignored when a directory above it is (`parents`).
    fn ignores(&self, path: &Path, is_dir: bool) -> bool {
        self.ignored(path, is_dir, false)
    }

    fn ignored(&self, path: &Path, is_dir: bool, parents: bool) -> bool {
        if self.stack.is_empty() {
            return false;
        }
        let abs = self.absolute(path);
        for (dir, gi) in self.stack.iter().rev() {
            if !abs.starts_with(dir) {
                continue;
            }
            let m = if parents { gi.matched_path_or_any_parents(&abs, is_dir) } else { gi.matched(&abs, is_dir) };
            match m {
                ignore::Match::Ignore(_) => return true,
                ignore::Match::Whitelist(_) => return false,
                ignore::Match::None => {}
            }
        }
        false
    }
}

/// Reads one file (shown as `name`), or None when it cannot be read or is too large.
pub fn read_one(path: &Path, name: String, context: bool, max: u64) -> Option<SourceFile> {
    let mut out = Sources::default();
    let is_json = is_manifest_name(path).unwrap_or(false);
    read_file(path, name, is_json, context, max, &mut out);
    out.files.pop()
}

fn read_file(path: &Path, name: String, is_json: bool, context: bool, max: u64, out: &mut Sources) {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            // FIFOs, sockets and devices are never manifests, and reading a FIFO blocks.
            out.notes.push(format!("{name}: not a regular file; skipped"));
            return;
        }
        Ok(m) if m.len() > max => {
            out.errors.push(ReadError::new(name, format!("the file is {} bytes, more than --max-file-size {max}", m.len())));
            return;
        }
        _ => {}
    }
    match std::fs::read(path) {
        Ok(bytes) => out.files.push(decode(name, bytes, is_json, context)),
        Err(e) => out.errors.push(ReadError::new(name, os_reason(&e))),
    }
}

impl SourceFile {
    /// A text under a name (JSON when the name ends with `.json`), read: not context, not a
    /// kustomize input.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let name = name.into();
        SourceFile { is_json: name.ends_with(".json"), name, text: text.into(), ..SourceFile::default() }
    }

    /// Reads the text of a file not read yet, or let go once judged ([`SourceFile::unread`]).
    pub fn load(&mut self) -> Result<(), LoadError> {
        if !self.unread {
            return Ok(());
        }
        let first = self.first_read;
        let failed = |why: String| match first {
            Some(_) => LoadError::NotRead(why),
            None => LoadError::Again(format!("it was found, but reading it again failed: {why}")),
        };
        // A FIFO (or one put in the file's place meanwhile) would block the reading.
        match std::fs::metadata(&self.name) {
            Ok(m) if !m.is_file() => {
                return Err(failed(if first.is_some() { "not a regular file" } else { "not a regular file any more" }.into()))
            }
            Ok(m) if first.is_some_and(|max| m.len() > max) => {
                return Err(failed(format!("the file is {} bytes, more than --max-file-size {}", m.len(), first.unwrap_or_default())));
            }
            Err(e) => return Err(failed(os_reason(&e))),
            Ok(_) => {}
        }
        let bytes = std::fs::read(&self.name).map_err(|e| failed(os_reason(&e)))?;
        self.unread = false;
        self.first_read = None;
        let read = decode(std::mem::take(&mut self.name), bytes, self.is_json, self.context);
        self.name = read.name;
        self.text = read.text;
        self.invalid_utf8_at = read.invalid_utf8_at;
        Ok(())
    }

    /// Whether the file is linted and counted: an input, and read.
    pub fn is_linted(&self) -> bool {
        !self.context && self.not_read.is_none()
    }
}

/// Reads the texts of `files` not read yet or let go when found, in parallel (for the runs that
/// keep every file: builds). A file that cannot be read again is an error; one never read that
/// cannot be read is marked not read ([`SourceFile::not_read`]), which the lint reports.
pub fn read_deferred(sources: &mut Sources) {
    if !sources.files.iter().any(|f| f.unread) {
        return;
    }
    let files = std::mem::take(&mut sources.files);
    let read = crate::util::par_map(files, crate::util::default_threads(), |_, mut f| {
        let e = f.load().err();
        (f, e)
    });
    for (mut f, e) in read {
        match e {
            // Kept in its place (files are numbered), not linted, reported once by the lint.
            Some(LoadError::NotRead(why)) => {
                f.unread = false;
                f.first_read = None;
                f.not_read = Some(why);
            }
            Some(e) => sources.errors.push(ReadError::new(f.name.clone(), e.to_string())),
            None => {}
        }
        sources.files.push(f);
    }
}

fn decode(name: String, bytes: Vec<u8>, is_json: bool, context: bool) -> SourceFile {
    let (text, invalid_utf8_at) = match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(e.utf8_error().valid_up_to())),
    };
    SourceFile { name, text, is_json, context, invalid_utf8_at, ..SourceFile::default() }
}

/// "No such file or directory" rather than "No such file or directory (os error 2)".
fn os_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The path without `.` components and with `..` applied where it can be.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file let go when found is read where it is judged; one that is gone by then stays
    /// unread (a run made again tries again) and says why.
    #[test]
    fn deferred_files_are_read_again_or_say_why_not() {
        let path = std::env::temp_dir().join(format!("kshape-deferred-{}.yaml", std::process::id()));
        std::fs::write(&path, "kind: ConfigMap\n").expect("temp file");
        let name = path.to_string_lossy().into_owned();
        let mut f = SourceFile { name: name.clone(), unread: true, ..SourceFile::default() };
        assert_eq!(f.load(), Ok(()));
        assert_eq!((f.text.as_str(), f.unread), ("kind: ConfigMap\n", false));
        let _ = std::fs::remove_file(&path);
        let mut gone = SourceFile { name, unread: true, ..SourceFile::default() };
        assert!(gone.load().is_err_and(|e| matches!(&e, LoadError::Again(m) if m.contains("reading it again failed"))));
        assert!(gone.unread && gone.text.is_empty());
        // Found by walking and never read: a failure is an input not read, and says only why.
        let mut never = SourceFile { name: gone.name.clone(), unread: true, first_read: Some(100), ..SourceFile::default() };
        assert!(never.load().is_err_and(|e| matches!(&e, LoadError::NotRead(m) if !m.contains("again"))));
        std::fs::write(&path, "kind: ConfigMap\nmetadata: {name: a-name-long-enough}\n").expect("temp file");
        let mut large = SourceFile { name: gone.name.clone(), unread: true, first_read: Some(10), ..SourceFile::default() };
        assert_eq!(large.load(), Err(LoadError::NotRead("the file is 53 bytes, more than --max-file-size 10".into())));
        let mut small = SourceFile { name: gone.name.clone(), unread: true, first_read: Some(100), ..SourceFile::default() };
        assert_eq!((small.load(), small.first_read), (Ok(()), None));
        // Read for a run that keeps every file: marked not read, for the lint to report once.
        let mut sources = Sources::default();
        sources.files.push(SourceFile { name: gone.name, unread: true, first_read: Some(10), ..SourceFile::default() });
        read_deferred(&mut sources);
        assert!(sources.errors.is_empty());
        assert!(sources.files[0].not_read.as_deref().is_some_and(|why| why.contains("more than --max-file-size 10")));
        assert!(!sources.files[0].unread && !sources.files[0].is_linted());
        let _ = std::fs::remove_file(&path);
    }

    /// A walk lists a directory's entries by name, bytes compared, each directory's files where
    /// its name sorts among its siblings; two paths that overlap name each file once.
    #[test]
    fn walks_in_file_name_order_and_lists_each_file_once() {
        let root = std::env::temp_dir().join(format!("kshape-walk-order-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (dir, file) in [("", "b.yaml"), ("a", "x.yaml"), ("", "a.yaml"), ("a-b", "y.yaml"), ("", "A.yaml"), ("a/c", "z.yml")] {
            let d = root.join(dir);
            std::fs::create_dir_all(&d).expect("temp dir");
            std::fs::write(d.join(file), "kind: ConfigMap\n").expect("temp file");
        }
        let shown = |paths: &[String]| {
            let mut out = Sources::default();
            collect(paths, &Options { defer: true, ..Options::plain() }, false, &mut out).expect("collect");
            out.files
                .iter()
                .map(|f| f.name.strip_prefix(&format!("{}/", root.display())).unwrap_or(&f.name).to_string())
                .collect::<Vec<_>>()
        };
        let r = root.display().to_string();
        let expected = ["A.yaml", "a/c/z.yml", "a/x.yaml", "a-b/y.yaml", "a.yaml", "b.yaml"];
        assert_eq!(shown(std::slice::from_ref(&r)), expected);
        assert_eq!(shown(&[r.clone(), r.clone()]), expected);
        assert_eq!(shown(&[r.clone(), format!("{r}/a.yaml")]), expected);
        let _ = std::fs::remove_dir_all(&root);
    }
}
