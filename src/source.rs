//! Finding and reading input files.
//!
//! Directories are walked for `*.yaml`, `*.yml` and `*.json` (hidden directories skipped,
//! `--exclude` globs honoured). Helm chart templates are not YAML until rendered, and files a
//! kustomization lists as patches are partial by design: both are left out, with a note.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files larger than this are reported and not parsed (`--max-file-size`).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Debug, Clone)]
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
}

#[derive(Debug, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
    /// Which of `files` is standard input (`-`), if any.
    pub stdin: Option<usize>,
    /// Paths that could not be read: (path, reason). Exit code 2.
    pub errors: Vec<String>,
    /// Informational notes (skipped Helm templates, kustomize patches).
    pub notes: Vec<String>,
}

pub struct Options<'a> {
    pub excludes: &'a [String],
    pub stdin_name: &'a str,
    pub max_file_bytes: u64,
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

fn is_kustomization(name: &str) -> bool {
    matches!(name, "kustomization.yaml" | "kustomization.yml" | "Kustomization")
}

/// Reads the named paths (`-` = stdin). `context` marks files loaded only for reference.
pub fn collect(paths: &[String], opts: &Options, context: bool, out: &mut Sources) -> Result<(), String> {
    let excludes = build_excludes(opts.excludes)?;
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut patch_cache = PatchCache::default();
    let mut charts_noted: BTreeSet<PathBuf> = BTreeSet::new();
    for p in paths {
        if p == "-" {
            let mut buf = Vec::new();
            // `--max-file-size` is any u64: one byte more than the limit saturates at u64::MAX.
            match std::io::stdin().lock().take(opts.max_file_bytes.saturating_add(1)).read_to_end(&mut buf) {
                Ok(n) if n as u64 > opts.max_file_bytes => {
                    out.errors.push(format!("cannot read standard input: more than --max-file-size {} bytes", opts.max_file_bytes))
                }
                Ok(_) => {
                    out.stdin = Some(out.files.len());
                    out.files.push(decode(opts.stdin_name.to_string(), buf, false, context));
                }
                Err(e) => out.errors.push(format!("cannot read standard input: {e}")),
            }
            continue;
        }
        let path = PathBuf::from(p);
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                out.errors.push(format!("cannot read {p}: {}", os_reason(&e)));
                continue;
            }
        };
        if meta.is_dir() {
            walk(&path, &excludes, &mut seen, &mut patch_cache, &mut charts_noted, context, opts.max_file_bytes, out);
        } else {
            // A file named explicitly is linted whatever its extension, unless it is a patch.
            if patch_cache.is_patch(&path) {
                out.notes.push(format!("{p}: listed as a patch in a kustomization; not linted as a whole object"));
                continue;
            }
            if seen.insert(path.clone()) {
                read_file(&path, p.clone(), is_manifest_name(&path).unwrap_or(false), context, opts.max_file_bytes, out);
            }
        }
    }
    Ok(())
}

fn walk(
    root: &Path,
    excludes: &GlobSet,
    seen: &mut HashSet<PathBuf>,
    patches: &mut PatchCache,
    charts: &mut BTreeSet<PathBuf>,
    context: bool,
    max: u64,
    out: &mut Sources,
) {
    let mut it = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter();
    let mut candidates = Vec::new();
    loop {
        let entry = match it.next() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) if e.loop_ancestor().is_some() => {
                let path = e.path().map(|p| p.display().to_string()).unwrap_or_default();
                out.notes.push(format!("{path}: a symbolic link loop; not followed"));
                continue;
            }
            Some(Err(e)) => {
                let path = e.path().map(|p| p.display().to_string()).unwrap_or_else(|| root.display().to_string());
                let reason = e.io_error().map(os_reason).unwrap_or_else(|| e.to_string());
                out.errors.push(format!("cannot read {path}: {reason}"));
                continue;
            }
        };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_dir() {
            if entry.depth() > 0 && name.starts_with('.') {
                it.skip_current_dir();
                continue;
            }
            if entry.depth() > 0 && excluded(excludes, path) {
                it.skip_current_dir();
                continue;
            }
            if name == "templates" {
                if let Some(parent) = path.parent() {
                    if parent.join("Chart.yaml").is_file() || parent.join("Chart.yml").is_file() {
                        if charts.insert(parent.to_path_buf()) {
                            out.notes.push(format!(
                                "{}: Helm chart templates are not YAML until rendered; skipped. Lint the rendered output: `helm template {} | kshape -`",
                                path.display(),
                                parent.display()
                            ));
                        }
                        it.skip_current_dir();
                        continue;
                    }
                }
            }
            continue;
        }
        let Some(is_json) = is_manifest_name(path) else {
            continue;
        };
        if excluded(excludes, path) {
            continue;
        }
        if is_kustomization(&name) {
            // Its patches may live in other directories (`../patches/replicas.yaml`).
            if let Some(dir) = path.parent() {
                patches.load(dir);
            }
            continue;
        }
        candidates.push((path.to_path_buf(), is_json));
    }
    for (path, is_json) in candidates {
        if patches.is_patch(&path) {
            continue;
        }
        if seen.insert(path.clone()) {
            // `kshape` (= `kshape .`) shows `deploy/web.yaml`, not `./deploy/web.yaml`.
            let shown = path.display().to_string();
            let shown = shown.strip_prefix("./").map(str::to_string).unwrap_or(shown);
            read_file(&path, shown, is_json, context, max, out);
        }
    }
}

fn read_file(path: &Path, name: String, is_json: bool, context: bool, max: u64, out: &mut Sources) {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            // FIFOs, sockets and devices are never manifests, and reading a FIFO blocks.
            out.notes.push(format!("{name}: not a regular file; skipped"));
            return;
        }
        Ok(m) if m.len() > max => {
            out.errors.push(format!("cannot read {name}: the file is {} bytes, more than --max-file-size {max}", m.len()));
            return;
        }
        _ => {}
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            let mut f = decode(name, bytes, is_json, context);
            f.kustomize = under_kustomization(path);
            out.files.push(f);
        }
        Err(e) => out.errors.push(format!("cannot read {name}: {}", os_reason(&e))),
    }
}

fn decode(name: String, bytes: Vec<u8>, is_json: bool, context: bool) -> SourceFile {
    match String::from_utf8(bytes) {
        Ok(text) => SourceFile { name, text, is_json, context, invalid_utf8_at: None, kustomize: false },
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            SourceFile { name, text, is_json, context, invalid_utf8_at: Some(at), kustomize: false }
        }
    }
}

/// "No such file or directory" rather than "No such file or directory (os error 2)".
fn os_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Files that kustomizations list as patches: those beside the file, and every one met
/// while walking (a patch may sit in another directory than its kustomization).
#[derive(Default)]
struct PatchCache {
    loaded: HashSet<PathBuf>,
    patches: HashSet<PathBuf>,
}

impl PatchCache {
    fn load(&mut self, dir: &Path) {
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir.to_path_buf() };
        if self.loaded.insert(dir.clone()) {
            self.patches.extend(kustomize_patches(&dir));
        }
    }

    fn is_patch(&mut self, file: &Path) -> bool {
        self.load(file.parent().unwrap_or(Path::new(".")));
        self.patches.contains(&normalize(file))
    }
}

fn kustomize_patches(dir: &Path) -> HashSet<PathBuf> {
    let mut out = HashSet::new();
    for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
        let Ok(text) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        let y = crate::yaml::parse(&text);
        for doc in &y.docs {
            let Some(root) = doc.root else { continue };
            for key in ["patchesStrategicMerge", "patches", "patchesJson6902"] {
                let Some(list) = y.get(root, key).and_then(|l| y.seq_items(l)) else {
                    continue;
                };
                for &item in list {
                    let path = match y.scalar(item) {
                        Some(s) => Some(s),
                        None => y.get_str(item, "path"),
                    };
                    if let Some(p) = path {
                        // Inline patches are YAML text, not paths.
                        if !p.contains('\n') {
                            out.insert(normalize(&dir.join(p)));
                        }
                    }
                }
            }
        }
    }
    out
}

fn normalize(p: &Path) -> PathBuf {
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

/// Whether `file` sits in a directory, or below one, that holds a kustomization (looking up to
/// the repository root or the filesystem root). Answers are cached per directory.
fn under_kustomization(file: &Path) -> bool {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static CACHE: RefCell<HashMap<PathBuf, bool>> = RefCell::new(HashMap::new());
    }
    let start = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Answer from the cache by the directory as named before resolving it (canonicalize costs
    // a readlink per path component).
    if let Some(v) = CACHE.with(|c| c.borrow().get(&start).copied()) {
        return v;
    }
    let dir = std::fs::canonicalize(&start).unwrap_or_else(|_| start.clone());
    fn look(dir: &Path, cache: &mut HashMap<PathBuf, bool>) -> bool {
        if let Some(&v) = cache.get(dir) {
            return v;
        }
        let here = ["kustomization.yaml", "kustomization.yml", "Kustomization"].iter().any(|n| dir.join(n).is_file());
        let v = here || (!dir.join(".git").exists() && dir.parent().is_some_and(|p| look(p, cache)));
        cache.insert(dir.to_path_buf(), v);
        v
    }
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        let v = look(&dir, &mut cache);
        cache.insert(start, v);
        v
    })
}
