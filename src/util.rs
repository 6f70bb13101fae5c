//! Small helpers shared by several stages.

/// Shortens `s` to at most `max` characters, adding `…` when cut.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Levenshtein distance (`strsim`), ignoring ASCII case, bounded: returns None when above `limit`.
pub fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a.chars().count().abs_diff(b.chars().count()) > limit {
        return None;
    }
    let d = strsim::levenshtein(&a.to_ascii_lowercase(), &b.to_ascii_lowercase());
    (d <= limit).then_some(d)
}

/// The closest candidate within edit distance 2, if exactly one is closest.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &'a str)> = None;
    let mut tie = false;
    for c in candidates {
        if let Some(d) = edit_distance(word, c, 2) {
            match best {
                Some((bd, _)) if d > bd => {}
                Some((bd, _)) if d == bd => tie = true,
                _ => {
                    best = Some((d, c));
                    tie = false;
                }
            }
        }
    }
    match best {
        Some((_, c)) if !tie => Some(c),
        _ => None,
    }
}

/// What a URI path may hold as it is (RFC 3986 `pchar` and `/`): everything else, and every
/// non-ASCII byte, is percent-encoded. Sub-delimiters (`+`, `(`, `;`...), `:` and `@` stay.
const URI_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A `/`-separated path as a URI path or relative reference: `a b/ü#1.yaml` -> `a%20b/%C3%BC%231.yaml`.
/// In a relative reference a `:` before the first `/` would read as a scheme, so it is encoded there.
pub fn encode_uri_path(path: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(path, URI_PATH).to_string();
    if path.starts_with('/') {
        return encoded;
    }
    let first = encoded.find('/').unwrap_or(encoded.len());
    match encoded.get(..first) {
        Some(head) if head.contains(':') => format!("{}{}", head.replace(':', "%3A"), &encoded[first..]),
        _ => encoded,
    }
}

/// `C:/x` or `C:\x` (a Windows drive path, on any platform): the length of `C:`.
fn drive_prefix(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b.len() == 2 || b[2] == b'/' || b[2] == b'\\')
}

/// A `file://` URI for a path; relative paths are taken from the current directory.
/// `/a b/ü.yaml` -> `file:///a%20b/%C3%BC.yaml`; `C:\x\y.yaml` (Windows) or `C:/x` -> `file:///C:/x...`.
/// On Windows, `\` separates and a verbatim `\\?\C:\` prefix (from `canonicalize`) is dropped.
pub fn path_to_file_uri(path: &std::path::Path) -> String {
    let mut s = path.to_string_lossy().into_owned();
    if !path.is_absolute() && !drive_prefix(&s) {
        if let Ok(cwd) = std::env::current_dir() {
            s = cwd.join(path).to_string_lossy().into_owned();
        }
    }
    if cfg!(windows) {
        s = s.replace('\\', "/");
        if let Some(rest) = s.strip_prefix("//?/").filter(|r| drive_prefix(r)) {
            s = rest.to_string();
        }
    }
    if drive_prefix(&s) {
        s.insert(0, '/');
    }
    format!("file://{}", encode_uri_path(&s))
}

/// The path of a `file:` URI on this machine; None for other schemes, other hosts, or a path
/// that is not UTF-8. `file:///a%20b/c.yaml` -> `/a b/c.yaml`, `file://localhost/x` -> `/x`.
/// A first segment that is a drive (`/C:/x`, or `/c%3A/x` as VS Code writes it) gives `C:/x` on
/// every platform: a Windows client's URI means that drive, and no Unix root holds a `C:`.
pub fn file_uri_to_path(uri: &str) -> Option<std::path::PathBuf> {
    let rest = uri.get(..7).filter(|s| s.eq_ignore_ascii_case("file://")).and(uri.get(7..))?;
    // `file://host/path`: only the local host is a path here.
    let rest = if rest.starts_with('/') { rest } else { rest.strip_prefix("localhost").filter(|r| r.starts_with('/'))? };
    let path = percent_encoding::percent_decode_str(rest).decode_utf8().ok()?;
    match path.strip_prefix('/') {
        Some(p) if drive_prefix(p) => Some(std::path::PathBuf::from(p)),
        _ => Some(std::path::PathBuf::from(path.as_ref())),
    }
}

/// Maps `f` over `items` on `threads` threads; results keep the input order, so the output is
/// the same whatever the thread count.
pub fn par_map<T: Send, R: Send>(items: Vec<T>, threads: usize, f: impl Fn(usize, T) -> R + Sync) -> Vec<R> {
    let n = items.len();
    if threads <= 1 || n < 2 {
        return items.into_iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let slots: Vec<std::sync::Mutex<Option<T>>> = items.into_iter().map(|t| std::sync::Mutex::new(Some(t))).collect();
    let results: Vec<std::sync::Mutex<Option<R>>> = (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(n) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let item = slots[i].lock().ok().and_then(|mut s| s.take());
                if let Some(item) = item {
                    let r = f(i, item);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    results.into_iter().filter_map(|m| m.into_inner().ok().flatten()).collect()
}

/// The directory part of a file's name as shown (`a/b` of `a/b/c.yaml`; empty for `c.yaml`).
pub fn dir_of_name(name: &str) -> &str {
    name.rsplit_once(['/', '\\']).map(|(d, _)| d).unwrap_or("")
}

/// Whether a file's name puts it in a test suite's directory (`test/`, `tests/`, `e2e/`): what
/// a test applies for its run, not what a cluster runs. (`testdata/` is not one: it holds a
/// program's inputs, such as a linter's cases, which are meant to be judged; nor is an
/// environment named `test` among others, as in `overlays/test/` or `envs/test/`.) Read the
/// name below its repository ([`within_repository`]): directories above a checkout say nothing
/// about it.
pub fn in_test_directory(name: &str) -> bool {
    let mut parent = String::new();
    for d in source_dir(name).split(['/', '\\']) {
        let d = d.to_ascii_lowercase();
        let environment = matches!(parent.as_str(), "overlays" | "env" | "envs" | "environments" | "clusters");
        if matches!(d.as_str(), "e2e" | "tests") || (d == "test" && !environment) {
            return true;
        }
        parent = d;
    }
    false
}

/// The suffix of the name of what `kustomize build <root>` made (its objects come from files
/// under `<root>`).
pub const KUSTOMIZE_BUILD_SUFFIX: &str = " (kustomize build)";
/// The suffix of the name of what `helm template <chart>` made.
pub const HELM_TEMPLATE_SUFFIX: &str = " (helm template)";
const BUILD_SUFFIXES: [&str; 2] = [KUSTOMIZE_BUILD_SUFFIX, HELM_TEMPLATE_SUFFIX];

/// The directory whose files an object of this file comes from: the build's root for what a
/// build made (`deploy/test (kustomize build)` → `deploy/test`), else the file's directory.
pub fn source_dir(name: &str) -> &str {
    BUILD_SUFFIXES.iter().find_map(|s| name.strip_suffix(s)).unwrap_or_else(|| dir_of_name(name))
}

/// The part of a file's name inside its repository: for an absolute name, below the nearest
/// directory above it that holds `.git` (one existence check per level), else below the working
/// directory when it is there; for a relative one, below its last `..`.
pub fn within_repository(name: &str) -> &str {
    let path = std::path::Path::new(name);
    if path.is_absolute() {
        for dir in path.ancestors().skip(1) {
            if dir.join(".git").exists() {
                return path.strip_prefix(dir).ok().and_then(|p| p.to_str()).unwrap_or(name);
            }
        }
        let cwd = std::env::current_dir().ok();
        return cwd.and_then(|c| path.strip_prefix(c).ok()).and_then(|p| p.to_str()).unwrap_or(name);
    }
    match name.rfind("../").or_else(|| name.rfind("..\\")) {
        Some(i) => &name[i + 3..],
        None => name,
    }
}

/// Threads to use: `KSHAPE_THREADS`/`--threads`, else the available cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// An I/O error as a reason to print: "Permission denied", not "Permission denied (os error 13)".
pub fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// `5000000` as `5,000,000`: counts and limits as messages write them.
pub fn thousands(n: impl Into<u128>) -> String {
    let n: u128 = n.into();
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Interned strings: names read from CustomResourceDefinitions, for the schema issues that
/// carry `&'static str` like the compiled-in schemas. Each distinct name is kept once for the
/// life of the process, so the memory is bounded by the distinct names of the CRDs seen.
pub fn intern(s: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static SET: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let Ok(mut set) = SET.get_or_init(|| Mutex::new(HashSet::new())).lock() else { return "" };
    if let Some(&found) = set.get(s) {
        return found;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// An interned list of interned names (a CRD schema's property names), kept once per distinct
/// list like [`intern`].
pub fn intern_list(items: Vec<&'static str>) -> &'static [&'static str] {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static SET: OnceLock<Mutex<HashSet<&'static [&'static str]>>> = OnceLock::new();
    let Ok(mut set) = SET.get_or_init(|| Mutex::new(HashSet::new())).lock() else { return &[] };
    if let Some(&found) = set.get(items.as_slice()) {
        return found;
    }
    let leaked: &'static [&'static str] = Box::leak(items.into_boxed_slice());
    set.insert(leaked);
    leaked
}

/// A text searched for in every file: its `memchr` searcher is built once, not at each search
/// (building one cost more than searching a manifest with it).
pub struct Needle {
    text: &'static str,
    finder: std::sync::OnceLock<memchr::memmem::Finder<'static>>,
}

impl Needle {
    pub const fn new(text: &'static str) -> Needle {
        Needle { text, finder: std::sync::OnceLock::new() }
    }

    fn finder(&self) -> &memchr::memmem::Finder<'static> {
        self.finder.get_or_init(|| memchr::memmem::Finder::new(self.text))
    }

    pub fn is_in(&self, haystack: &str) -> bool {
        self.finder().find(haystack.as_bytes()).is_some()
    }

    /// Where it starts in `haystack`, each place in turn.
    pub fn find_iter<'h>(&'h self, haystack: &'h [u8]) -> impl Iterator<Item = usize> + 'h {
        self.finder().find_iter(haystack)
    }
}

/// A 128-bit digest of some strings (two SipHashes with fixed keys: the same in every run),
/// for keeping what identifies a long text or a pair of names in 16 bytes. (Not foldhash,
/// though faster: with its seeds known, texts written to collide in both halves are cheap to
/// make, and a collision here merges two objects.)
pub fn hash128(parts: &[&str]) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        parts.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn test_directories() {
        assert!(super::in_test_directory("test/e2e/s3-model/s3-instance.yaml"));
        assert!(super::in_test_directory("repo\\tests\\pod.yaml"));
        assert!(super::in_test_directory("E2E/pod.yaml"));
        assert!(!super::in_test_directory("tests.yaml"));
        assert!(!super::in_test_directory("deploy/latest/pod.yaml"));
        assert!(!super::in_test_directory("testdata/rules/a-rule/bad.yaml"));
        assert!(!super::in_test_directory("contest/pod.yaml"));
        assert!(!super::in_test_directory("config/overlays/test/pod.yaml"));
        assert!(!super::in_test_directory("envs/test/pod.yaml"));
        assert!(super::in_test_directory("overlays/test/e2e/pod.yaml"));
        // What a build of a test directory made.
        assert!(super::in_test_directory("test (kustomize build)"));
        assert!(super::in_test_directory("deploy/e2e (helm template)"));
        assert!(!super::in_test_directory("deploy/latest (kustomize build)"));
    }

    #[test]
    fn names_within_their_repository() {
        assert_eq!(super::within_repository("deploy/pod.yaml"), "deploy/pod.yaml");
        assert_eq!(super::within_repository("../test/repo/deploy/pod.yaml"), "test/repo/deploy/pod.yaml");
        assert_eq!(super::within_repository("../../a/../b/pod.yaml"), "b/pod.yaml");
        // A checkout under a directory named `test`: only what is below `.git`'s directory counts.
        let root = std::env::temp_dir().join(format!("kshape-within-{}", std::process::id())).join("test").join("repo");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("deploy")).unwrap();
        let name = root.join("deploy").join("pod.yaml").to_string_lossy().into_owned();
        let inside = super::within_repository(&name);
        assert_eq!(inside, std::path::Path::new("deploy").join("pod.yaml").to_string_lossy());
        assert!(super::in_test_directory(&name) && !super::in_test_directory(inside));
        std::fs::remove_dir_all(root.parent().unwrap().parent().unwrap()).ok();
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(super::thousands(0u32), "0");
        assert_eq!(super::thousands(999u32), "999");
        assert_eq!(super::thousands(5_000_000u32), "5,000,000");
        assert_eq!(super::thousands(u64::from(u32::MAX)), "4,294,967,295");
        assert_eq!(super::thousands(1_999u16), "1,999");
        assert_eq!(super::thousands(1_234_567u64), "1,234,567");
    }

    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("replica", "replicas", 2), Some(1));
        assert_eq!(edit_distance("contianers", "containers", 2), Some(2));
        assert_eq!(edit_distance("foo", "barbaz", 2), None);
        assert_eq!(did_you_mean("replica", ["replicas", "selector"]), Some("replicas"));
        assert_eq!(did_you_mean("xyz", ["replicas"]), None);
        // ASCII case is not a difference; other characters count once each.
        assert_eq!(edit_distance("ContainerPort", "containerport", 0), Some(0));
        assert_eq!(edit_distance("naïve", "naive", 2), Some(1));
        assert_eq!(did_you_mean("imagepullpolicy", ["imagePullPolicy", "imagePullSecrets"]), Some("imagePullPolicy"));
        // Two candidates equally close: no suggestion.
        assert_eq!(did_you_mean("cat", ["bat", "hat"]), None);
    }

    #[test]
    fn file_uris() {
        use std::path::{Path, PathBuf};
        let round_trip = |p: &str, uri: &str| {
            assert_eq!(path_to_file_uri(Path::new(p)), uri, "{p}");
            assert_eq!(file_uri_to_path(uri), Some(PathBuf::from(p)), "{uri}");
        };
        round_trip("/a b/c.yaml", "file:///a%20b/c.yaml");
        round_trip("/x/#1.yaml", "file:///x/%231.yaml");
        round_trip("/x/100%.yaml", "file:///x/100%25.yaml");
        round_trip("/x/ü/模型.yaml", "file:///x/%C3%BC/%E6%A8%A1%E5%9E%8B.yaml");
        round_trip("/x/a?b[1]{2}.yaml", "file:///x/a%3Fb%5B1%5D%7B2%7D.yaml");
        round_trip("/x/a+b(1);c=d@e:f.yaml", "file:///x/a+b(1);c=d@e:f.yaml");
        // A Windows drive, on every platform (documented on `file_uri_to_path`).
        round_trip("C:/x/y z.yaml", "file:///C:/x/y%20z.yaml");
        assert_eq!(file_uri_to_path("file:///c%3A/x/y.yaml"), Some(PathBuf::from("c:/x/y.yaml")));
        assert_eq!(file_uri_to_path("file:///C:"), Some(PathBuf::from("C:")));
        // `/C:x` is not a drive path.
        assert_eq!(file_uri_to_path("file:///Cx:/y"), Some(PathBuf::from("/Cx:/y")));
        assert_eq!(file_uri_to_path("file://localhost/x.yaml"), Some(PathBuf::from("/x.yaml")));
        assert_eq!(file_uri_to_path("FILE:///x.yaml"), Some(PathBuf::from("/x.yaml")));
        assert_eq!(file_uri_to_path("file://server/share/x.yaml"), None);
        assert_eq!(file_uri_to_path("file://localhostx/y"), None);
        assert_eq!(file_uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(file_uri_to_path("file:///%FF.yaml"), None);
        assert_eq!(file_uri_to_path("file:///a%2"), Some(PathBuf::from("/a%2")));
        assert_eq!(file_uri_to_path("file:"), None);
        assert_eq!(file_uri_to_path("fil\u{e9}:///x"), None);
        // Relative paths are taken from the current directory.
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(file_uri_to_path(&path_to_file_uri(Path::new("a b.yaml"))), Some(cwd.join("a b.yaml")));
    }

    #[test]
    fn uri_references() {
        assert_eq!(encode_uri_path("testdata/a b/ü#%.yaml"), "testdata/a%20b/%C3%BC%23%25.yaml");
        assert_eq!(encode_uri_path("a:b/c:d.yaml"), "a%3Ab/c:d.yaml");
        assert_eq!(encode_uri_path("/a:b/c.yaml"), "/a:b/c.yaml");
        assert_eq!(encode_uri_path(""), "");
    }
}
