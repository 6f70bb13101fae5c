//! Which of the files read are kustomize inputs, and which are a kustomization's patches.
//!
//! A file in a directory (or below one) that holds a kustomization is an input of `kustomize
//! build`: its names, namespaces and labels may still change (`SourceFile::kustomize`). A file
//! a kustomization lists as a patch is a partial object by design: it is left out, with a note
//! when it was named explicitly. Kustomizations are read afresh on every call (every run, every
//! lint of the language server), so one added or removed while an editor is open counts.

use crate::source::{self, Options, Sources};
use foldhash::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Reads the named paths (see [`source::collect`]), then leaves out kustomization patches and
/// marks kustomize inputs among the files it added.
pub fn collect(paths: &[String], opts: &Options, context: bool, out: &mut Sources) -> Result<(), String> {
    let start = out.files.len();
    source::collect(paths, opts, context, out)?;
    mark(out, start);
    Ok(())
}

/// Applies the kustomizations to `out.files[start..]`.
fn mark(out: &mut Sources, start: usize) {
    let mut k = Kustomizations::default();
    for dir in &out.kustomizations {
        k.load(dir);
    }
    let files = out.files.split_off(start.min(out.files.len()));
    let named: HashSet<usize> = out.named.iter().copied().collect();
    let stdin = out.stdin;
    out.named.retain(|&i| i < start);
    out.stdin = stdin.filter(|&i| i < start);
    // The answers for the directory of the file before (files come directory by directory).
    let mut last: Option<(PathBuf, bool)> = None;
    for (i, mut f) in (start..).zip(files) {
        // Standard input has no directory, whatever `--stdin-filename` says.
        if Some(i) != stdin {
            let path = Path::new(&f.name);
            let dir = path.parent().unwrap_or(Path::new(""));
            let under = match &last {
                Some((d, under)) if d.as_os_str() == dir.as_os_str() => *under,
                _ => {
                    k.load(dir);
                    let under = k.under_kustomization(path);
                    last = Some((dir.to_path_buf(), under));
                    under
                }
            };
            if k.is_patch(path) {
                if named.contains(&i) {
                    out.notes.push(format!("{}: listed as a patch in a kustomization; not linted as a whole object", f.name));
                    out.named_patches.push(source::normalize(path));
                }
                continue;
            }
            f.kustomize = under;
        } else {
            out.stdin = Some(out.files.len());
        }
        if named.contains(&i) {
            out.named.push(out.files.len());
        }
        out.files.push(f);
    }
}

/// What the kustomizations met so far say: the patches they list, and which directories are
/// under one. Lives for one call of [`collect`].
#[derive(Default)]
struct Kustomizations {
    loaded: HashSet<PathBuf>,
    patches: HashSet<PathBuf>,
    under: HashMap<PathBuf, bool>,
}

impl Kustomizations {
    fn load(&mut self, dir: &Path) {
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir.to_path_buf() };
        if self.loaded.insert(dir.clone()) {
            self.patches.extend(patches_of(&dir));
        }
    }

    /// Listed as a patch by the kustomization beside it (loaded by the caller) or by one met
    /// while walking.
    fn is_patch(&self, file: &Path) -> bool {
        !self.patches.is_empty() && self.patches.contains(&source::normalize(file))
    }

    /// Whether `file` sits in a directory, or below one, that holds a kustomization (looking up
    /// to the repository root or the filesystem root). Answers are kept per directory.
    fn under_kustomization(&mut self, file: &Path) -> bool {
        let start = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // Answer by the directory as named before resolving it (canonicalize costs a readlink
        // per path component).
        if let Some(&v) = self.under.get(&start) {
            return v;
        }
        let dir = std::fs::canonicalize(&start).unwrap_or_else(|_| start.clone());
        let v = look(&dir, &mut self.under);
        self.under.insert(start, v);
        v
    }
}

fn look(dir: &Path, cache: &mut HashMap<PathBuf, bool>) -> bool {
    if let Some(&v) = cache.get(dir) {
        return v;
    }
    let here = FILE_NAMES.iter().any(|n| dir.join(n).is_file());
    let v = here || (!dir.join(".git").exists() && dir.parent().is_some_and(|p| look(p, cache)));
    cache.insert(dir.to_path_buf(), v);
    v
}

pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The files the kustomization in `dir` lists as patches.
pub fn patches_of(dir: &Path) -> HashSet<PathBuf> {
    let mut out = HashSet::default();
    for name in FILE_NAMES {
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
                            out.insert(source::normalize(&dir.join(p)));
                        }
                    }
                }
            }
        }
    }
    out
}
