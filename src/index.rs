//! All objects of a run, parsed once, with what the cross-object rules look up.

use crate::classify::{Classification, Classifier};
use crate::model::{self, Object};
use crate::source::SourceFile;
use crate::yaml::{self, LineIndex, NodeId, YamlFile};
use std::collections::HashMap;
use std::sync::Arc;

pub struct ParsedFile {
    pub source: SourceFile,
    /// The node tree; None once the file was judged where the run streams (see
    /// [`Index::into_light`]), which [`ParsedFile::yaml`] reads as an empty tree.
    tree: Option<Arc<YamlFile>>,
    /// Computed on first use: only files with findings need lines and columns.
    pub(crate) lines: std::sync::OnceLock<LineIndex>,
    /// This file's share of the run's counts (kept so a processed file can join another run).
    stats: Stats,
    /// Its number in the run that read it.
    pub(crate) number: usize,
    /// Set when the text was let go after judging (see [`Settings::reread`]): it is read
    /// again for the report, and checked against this.
    released: Option<Released>,
}

/// What identifies a text that was let go: its length and a digest (foldhash with a fixed
/// seed: the same for the same bytes within the run; cheaper per byte than SipHash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Released {
    len: usize,
    digest: u64,
}

impl Released {
    fn of(text: &[u8]) -> Released {
        use std::hash::{BuildHasher, Hasher};
        let mut h = foldhash::quality::FixedState::with_seed(0x6b73_6861_7065).build_hasher();
        h.write(text);
        Released { len: text.len(), digest: h.finish() }
    }
}

/// How the documents of the run were accounted for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub documents: usize,
    pub empty: usize,
    /// Documents without `kind`: not Kubernetes objects (values.yaml, CI configs...).
    pub not_objects: usize,
    /// Documents that held at least one object (a `kind: List` holds several).
    pub object_documents: usize,
    pub objects: usize,
    pub syntax_errors: usize,
}

pub struct Index {
    /// The files of the run, or, for the index of one file read where it is processed
    /// ([`Index::single`]), that file alone: `files[0]` is file number `first_file` of the run.
    /// Objects, findings and facts always number files as the run does; read a file through
    /// [`Index::parsed`].
    pub files: Vec<ParsedFile>,
    /// The run's number of `files[0]` (0 but for a one-file index).
    pub first_file: usize,
    pub objects: Vec<Object>,
    /// What each workload is (parallel to `objects`; None for objects that own no pods).
    pub shapes: Vec<Vec<Classification>>,
    pub stats: Stats,
    pub default_namespace: String,
    /// The node inventory given with `--nodes`, if any.
    pub nodes: Option<Arc<Vec<crate::model::scheduling::NodeInfo>>>,
    /// Shared by the one-file indexes of a streamed run.
    pub settings: Arc<Settings>,
}

/// What configuration changes about a run.
#[derive(Debug, Default, Clone)]
pub struct Settings {
    /// Target Kubernetes version for [`RemovedApiVersion`](crate::rules::RuleId::RemovedApiVersion) (None: the latest).
    pub kubernetes_version: Option<(u32, u32)>,
    /// Taint keys of GPU pools; empty means the defaults.
    pub gpu_taints: Vec<String>,
    /// The cluster adds a toleration for each extended resource a pod requests (its
    /// ExtendedResourceToleration admission plugin; GKE enables it).
    pub extended_resource_toleration: bool,
    /// Signatures beyond the embedded ones.
    pub classifier: Option<Classifier>,
    /// Threads for parsing and typing files (0: the available cores).
    pub threads: usize,
    /// Report a finding in a context file when a place it names is in an input (the hook:
    /// a staged Service that breaks a committed StatefulSet fails it, as a whole run would).
    pub related_context: bool,
    /// A streamed run ([`stream`]) may let a file's text go once the file is judged, and read
    /// it again from its path for the report ([`Index::restore_texts`]): the command line,
    /// whose files are on disk as named.
    pub reread: bool,
    /// The run's number of the file read from standard input, whose text is always kept.
    pub stdin: Option<usize>,
}

impl Settings {
    pub fn gpu_taint_keys(&self) -> Vec<&str> {
        if self.gpu_taints.is_empty() {
            crate::model::gpu::GPU_TAINT_KEYS.to_vec()
        } else {
            self.gpu_taints.iter().map(String::as_str).collect()
        }
    }
}

impl ParsedFile {
    pub fn new(source: SourceFile, yaml: YamlFile) -> ParsedFile {
        ParsedFile {
            source,
            tree: Some(Arc::new(yaml)),
            lines: std::sync::OnceLock::new(),
            stats: Stats::default(),
            number: 0,
            released: None,
        }
    }

    /// The file's node tree (empty once a streamed run judged the file and let it go).
    pub fn yaml(&self) -> &YamlFile {
        static EMPTY: std::sync::OnceLock<YamlFile> = std::sync::OnceLock::new();
        self.tree.as_deref().unwrap_or_else(|| EMPTY.get_or_init(YamlFile::default))
    }

    /// Byte offsets to lines and columns.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.source.text))
    }

    /// (line, column) of a byte offset, both 1-based.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        match self.released {
            // Only ASCII texts are let go: a column is a byte count.
            Some(r) => self.lines().line_col_ascii(r.len, offset),
            None => self.lines().line_col(&self.source.text, offset),
        }
    }

    /// Lets the text go once the file was judged, keeping its line starts, when it can be read
    /// again from its path: ASCII (so a column is a byte count; no BOM) and not empty.
    fn release_text(&mut self) {
        let text = &self.source.text;
        // A name with U+FFFD stands for a path that is not UTF-8: it would not find the file.
        if text.is_empty() || !text.is_ascii() || self.source.invalid_utf8_at.is_some() || self.source.name.contains('\u{FFFD}') {
            return;
        }
        let _ = self.lines();
        if let Some(lines) = self.lines.get_mut() {
            lines.shrink_to_fit();
        }
        self.released = Some(Released::of(text.as_bytes()));
        self.source.text = String::new();
    }

    /// Reads a text that was let go again from the file's path. When the file changed (or is
    /// gone) since it was judged, the text is rebuilt as blanks with the same line breaks: every
    /// line and column reported stays what the judgement saw; only a snippet shows nothing.
    fn restore_text(&mut self) {
        let Some(r) = self.released.take() else { return };
        let bytes = std::fs::read(&self.source.name).ok().filter(|b| Released::of(b) == r);
        self.source.text = match bytes.map(String::from_utf8) {
            Some(Ok(text)) => text,
            _ => {
                let mut blank = vec![b' '; r.len];
                for &start in self.lines().starts().iter().skip(1) {
                    if let Some(b) = (start as usize).checked_sub(1).and_then(|i| blank.get_mut(i)) {
                        *b = b'\n';
                    }
                }
                String::from_utf8(blank).unwrap_or_default()
            }
        };
    }
}

impl Index {
    pub fn build(sources: Vec<SourceFile>, default_namespace: &str) -> Index {
        Index::build_with(sources, default_namespace, Settings::default())
    }

    pub fn build_with(sources: Vec<SourceFile>, default_namespace: &str, settings: Settings) -> Index {
        let mut ix = Index {
            files: Vec::with_capacity(sources.len()),
            first_file: 0,
            objects: Vec::new(),
            shapes: Vec::new(),
            stats: Stats::default(),
            default_namespace: default_namespace.to_string(),
            nodes: None,
            settings: Arc::new(settings),
        };
        for p in process_all(sources, &ix.settings) {
            ix.add(p);
        }
        ix.check_custom_resources();
        ix.mark_patches();
        ix
    }

    /// Builds an index from files processed earlier (kept between runs by the language server,
    /// which re-lints on every keystroke) followed by new sources.
    pub fn build_prepared(prepared: Prepared, sources: Vec<SourceFile>, default_namespace: &str, settings: Settings) -> Index {
        let mut ix = Index::build_with(Vec::new(), default_namespace, settings);
        let offset = prepared.0.len();
        let processed = {
            let classifier = ix.settings.classifier.as_ref().unwrap_or_else(|| Classifier::embedded());
            sources.into_iter().enumerate().map(|(i, s)| process(offset + i, s, classifier)).collect::<Vec<_>>()
        };
        for (i, mut p) in prepared.0.into_iter().enumerate() {
            for o in &mut p.1 {
                o.file = i;
            }
            ix.add(p);
        }
        for p in processed {
            ix.add(p);
        }
        ix.check_custom_resources();
        ix.mark_patches();
        ix
    }

    /// Gives back the first `n` files, processed, for the next [`Index::build_prepared`].
    pub fn into_prepared(self, n: usize) -> Prepared {
        let n = n.min(self.files.len());
        let mut out: Vec<Processed> = Vec::with_capacity(n);
        let mut objects = self.objects.into_iter().zip(self.shapes).peekable();
        for (i, file) in self.files.into_iter().take(n).enumerate() {
            let mut objs = Vec::new();
            let mut shapes = Vec::new();
            while let Some((o, c)) = objects.next_if(|(o, _)| o.file == i) {
                objs.push(o);
                shapes.push(c);
            }
            let stats = file.stats;
            out.push((file, objs, stats, shapes));
        }
        Prepared(out)
    }

    /// Adds one file's results, in input order.
    fn add(&mut self, (file, objects, _, shapes): Processed) {
        self.count(&file);
        self.objects.extend(objects);
        self.shapes.extend(shapes);
        self.files.push(file);
    }

    /// Adds a file's share to the run's counts (inputs only).
    fn count(&mut self, file: &ParsedFile) {
        if !file.source.context {
            let stats = file.stats;
            self.stats.documents += stats.documents;
            self.stats.empty += stats.empty;
            self.stats.not_objects += stats.not_objects;
            self.stats.object_documents += stats.object_documents;
            self.stats.objects += stats.objects;
            self.stats.syntax_errors += stats.syntax_errors;
        }
    }

    /// The index of one processed file, numbered as its run numbers it.
    fn single(
        p: Processed,
        default_namespace: &str,
        settings: &Arc<Settings>,
        nodes: &Option<Arc<Vec<crate::model::scheduling::NodeInfo>>>,
    ) -> Index {
        let (file, objects, _, shapes) = p;
        Index {
            first_file: file.number,
            files: vec![file],
            objects,
            shapes,
            stats: Stats::default(),
            default_namespace: default_namespace.to_string(),
            nodes: nodes.clone(),
            settings: settings.clone(),
        }
    }

    /// What a one-file index keeps once its file was judged: the file's text and counts,
    /// without its node tree and objects.
    fn into_light(self) -> ParsedFile {
        let release = self.settings.reread && self.settings.stdin != Some(self.first_file);
        let mut f = self.files.into_iter().next().unwrap_or_else(|| ParsedFile::new(SourceFile::default(), YamlFile::default()));
        f.tree = None;
        if release {
            f.release_text();
        }
        f
    }

    /// The files' sources, for a run that starts again: a text that was let go is read again
    /// where its file is judged (as it is on disk now, like every other file of that run).
    pub fn into_sources(self) -> Vec<SourceFile> {
        self.files
            .into_iter()
            .map(|f| {
                let mut source = f.source;
                source.unread |= f.released.is_some();
                source
            })
            .collect()
    }

    /// Reads again the texts of `files` that were let go (see [`Settings::reread`]), for the
    /// report of the findings in them.
    pub fn restore_texts(&mut self, files: impl IntoIterator<Item = usize>) {
        let first = self.first_file;
        for n in files {
            if let Some(f) = n.checked_sub(first).and_then(|k| self.files.get_mut(k)) {
                f.restore_text();
            }
        }
    }

    /// A partial object with the kind and name of a whole one among the inputs is a patch of it
    /// ([`model::completion::PatchEvidence::SameNameAsWhole`]). One pass to collect the whole
    /// objects, one to mark.
    fn mark_patches(&mut self) {
        use model::completion::{Completion, PatchEvidence};
        // Marks of an earlier run (objects kept by the language server) are decided afresh.
        for o in &mut self.objects {
            if o.completion == Some(Completion::Patch(PatchEvidence::SameNameAsWhole)) {
                o.completion = None;
            }
        }
        let mut whole = Wholes::default();
        for o in &self.objects {
            whole.add(o);
        }
        let (files, first) = (&self.files, self.first_file);
        whole.mark(&mut self.objects, &|f| files.get(f - first).map_or("", |p| p.source.name.as_str()));
    }

    /// Checks every custom resource against its schema ([`model::crd::issues_of`]): its CRD
    /// among the inputs, else the bundled one. The issues found are counted in
    /// `Object::crd_issues`, so a language-server run that reuses the object recomputes them.
    fn check_custom_resources(&mut self) {
        let (files, first) = (&self.files, self.first_file);
        let lookup = |f: usize| files.get(f.checked_sub(first)?).map(|p| p.yaml());
        let crds = model::crd::collect(&lookup, &self.objects);
        check_objects(&mut self.objects, &lookup, &crds);
    }

    /// Workloads with their classification.
    pub fn workloads(&self) -> impl Iterator<Item = (&Object, crate::model::Workload<'_>, &Classification)> {
        self.objects.iter().zip(&self.shapes).flat_map(|(o, c)| o.workloads().zip(c).map(move |(w, c)| (o, w, c)))
    }

    /// The span of an object's `kind` value (where wrong-controller findings point).
    pub fn kind_span(&self, o: &Object) -> yaml::Span {
        let y = self.file(o);
        y.get(o.root, "kind").map(|k| y.span(k)).unwrap_or_else(|| y.span(o.root))
    }

    pub fn file(&self, o: &Object) -> &YamlFile {
        self.parsed(o.file).yaml()
    }

    /// File number `file` of the run (in a one-file index, only that file is there).
    pub fn parsed(&self, file: usize) -> &ParsedFile {
        // Files are only ever numbered by the run that holds them: out of range is a bug.
        &self.files[file - self.first_file]
    }

    /// File number `file` of the run, if this index holds it.
    pub fn get_parsed(&self, file: usize) -> Option<&ParsedFile> {
        self.files.get(file.checked_sub(self.first_file)?)
    }

    /// The files with their numbers in the run.
    pub fn numbered_files(&self) -> impl Iterator<Item = (usize, &ParsedFile)> {
        self.files.iter().enumerate().map(move |(i, f)| (self.first_file + i, f))
    }

    /// Builds fixes against the text and tree of an object's file.
    pub fn editor(&self, o: &Object) -> crate::fix::Editor<'_> {
        let f = self.parsed(o.file);
        crate::fix::Editor::new(f.yaml(), &f.source.text, f.source.is_json)
    }

    /// The namespace an object lives in: its own, or the run's default.
    pub fn namespace_of<'a>(&'a self, o: &'a Object) -> &'a str {
        o.namespace.as_deref().unwrap_or(&self.default_namespace)
    }
}

/// A streamed run ([`stream`]): the run's files, with what each one's judgement gave.
pub struct Streamed<R> {
    /// The files of the run with their text and counts, but neither node trees nor objects.
    pub index: Index,
    /// What `judge` gave for each file, in input order.
    pub judged: Vec<R>,
    /// False when a CustomResourceDefinition of the run defines a built-in kind (a group such
    /// as `apps`, which the API server refuses), or is found only in a file judged once every
    /// CRD was to be known (its kind spelt with escapes in a file whose text names a custom
    /// API version): the files judged before were not checked against it, and the run must be
    /// made again keeping every object.
    pub complete: bool,
}

/// Reads, parses, types and classifies each file, and hands an index of that file alone to
/// `judge` where it was read (in parallel); then its node tree and typed objects are dropped,
/// so memory holds the text of the files and what `judge` keeps, not the run's objects.
///
/// Each file is read where it is judged. What one file's judgement needs of the others is
/// settled last:
/// - a file that may hold custom resources (its text names an API version no built-in kind
///   has, [`model::kinds::may_name_custom`]) is let go and read again once every other file
///   was read, to be checked against the run's CustomResourceDefinitions (found in the other
///   files by parsing, whatever their text spells; one found only in such a file makes the
///   run start again, see [`Streamed::complete`]); what the files that define them keep for
///   that is their node tree, or for a small file its text ([`Kept`]);
/// - a file with a partial object that may be a patch (no evidence yet) waits, whole, until
///   every file is read: whether a whole namesake lives near it decides ([`Index::mark_patches`]).
///
/// The outcome is the one [`Index::build_with`] gives: the same objects, issues and marks.
pub fn stream<R: Send>(
    sources: Vec<SourceFile>,
    default_namespace: &str,
    settings: Settings,
    nodes: Option<Arc<Vec<crate::model::scheduling::NodeInfo>>>,
    judge: impl Fn(&Index) -> R + Sync,
) -> Streamed<R> {
    let settings = Arc::new(settings);
    let threads = if settings.threads == 0 { crate::util::default_threads() } else { settings.threads };
    let classifier = settings.classifier.as_ref().unwrap_or_else(|| Classifier::embedded());
    let n = sources.len();
    let single = |p: Processed| Index::single(p, default_namespace, &settings, &nodes);
    let first =
        crate::util::par_map(sources.into_iter().enumerate().collect(), threads, |_, (i, s)| read_first(i, s, classifier, &single, &judge));
    let (mut later, mut judged_first, mut defined) = (Vec::new(), Vec::new(), Vec::new());
    for (f, d) in first {
        match f {
            First::Later(l) => later.push(l),
            First::Done(settled) => judged_first.push(settled),
        }
        defined.extend(d);
    }
    // A CRD of a built-in kind would change what the files judged at once were checked
    // against: the run is made again keeping every object.
    let complete = !defined.iter().any(|d| d.builtin);
    // The node trees of the files that define CRDs, which the schemas are read from, when a
    // file waits to be checked against them.
    let crd_trees: HashMap<usize, Arc<YamlFile>> = if later.is_empty() {
        HashMap::new()
    } else {
        let files: Vec<(usize, Kept)> =
            defined.iter_mut().map(|d| (d.file, std::mem::replace(&mut d.kept, Kept::Text(String::new())))).collect();
        crate::util::par_map(files, threads, |_, (f, kept)| match kept {
            Kept::Tree(t) => (f, t),
            Kept::Text(text) => (f, Arc::new(parse_source(&text))),
        })
        .into_iter()
        .collect()
    };
    let crd_lookup = |f: usize| crd_trees.get(&f).map(|t| &**t);
    let defs: Vec<model::crd::Definition> = defined.into_iter().flat_map(|d| d.defs).collect();
    let crds = model::crd::collect_definitions(&crd_lookup, &defs);

    // Boxed where each file was judged (the boxes are kept, not copied: a copy would be made
    // in another thread's heap), so that the run's files are not held twice (in a vector of
    // results and in the index) while they are put in order.
    let mut slots: Vec<Option<Box<Settled<R>>>> = (0..n).map(|_| None).collect();
    let mut waiting: Vec<Index> = Vec::new();
    let mut wholes: Vec<Vec<(u128, usize)>> = (0..n).map(|_| Vec::new()).collect();
    // A file that may hold custom resources: checked against the CRDs, then judged unless it
    // must wait.
    let settle_one = |mut ix: Index| {
        {
            let (files, first) = (&ix.files, ix.first_file);
            let lookup = |f: usize| f.checked_sub(first).and_then(|k| files.get(k)).map(|p| p.yaml()).or_else(|| crd_lookup(f));
            check_objects(&mut ix.objects, &lookup, &crds);
        }
        settle_one_checked(ix, &judge)
    };
    // A file read again here that defines CRDs after all (its kind spelt with escapes, or the
    // file changed since its first reading): the files judged before were not checked against
    // them, and the run is made again keeping every object.
    let late_crd = std::sync::atomic::AtomicBool::new(false);
    let done = crate::util::par_map(later, threads, |_, l| {
        Box::new(settle_one(match *l {
            Later::Read(i, s) => {
                let ix = single(process(i, s, classifier));
                if ix.objects.iter().any(|o| model::crd::Definition::of(o).is_some()) {
                    late_crd.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                ix
            }
            Later::Held(ix) => ix,
        }))
    });
    let complete = complete && !late_crd.into_inner();
    drop(crds);
    drop(crd_trees);
    for mut settled in judged_first.into_iter().chain(done) {
        let file = match &settled.0 {
            Ok((f, _)) => f.number,
            Err(ix) => ix.first_file,
        };
        if let Some(w) = wholes.get_mut(file) {
            *w = std::mem::take(&mut settled.1);
        }
        if settled.0.is_ok() {
            if let Some(slot) = slots.get_mut(file) {
                *slot = Some(settled);
            }
        } else if let (Err(ix), _) = *settled {
            waiting.push(ix);
        }
    }
    // The files that waited: a partial object is a patch when a whole namesake lives near it.
    if !waiting.is_empty() {
        for (f, r) in judge_waiting(waiting, wholes, &slots, threads, &judge) {
            let i = f.number;
            slots[i] = Some(Box::new((Ok((f, r)), Vec::new())));
        }
    }
    let mut index = Index {
        files: Vec::with_capacity(n),
        first_file: 0,
        objects: Vec::new(),
        shapes: Vec::new(),
        stats: Stats::default(),
        default_namespace: default_namespace.to_string(),
        nodes,
        settings,
    };
    let mut judged = Vec::with_capacity(n);
    for b in slots.into_iter().flatten() {
        if let (Ok((f, r)), _) = *b {
            index.count(&f);
            index.files.push(f);
            judged.push(r);
        }
    }
    Streamed { index, judged, complete }
}

/// [`stream`]'s first reading of a file: every file is read there, and most are parsed and
/// typed only there. One that may hold custom resources (its text names an API version that no built-in
/// kind has) is let go and read again once every CRD of the run is known, to be checked against
/// them; every other file is judged at once and let go, but for what one that defines CRDs
/// keeps for their schemas ([`Defined`]).
fn read_first<R>(
    i: usize,
    mut s: SourceFile,
    classifier: &Classifier,
    single: &impl Fn(Processed) -> Index,
    judge: &(impl Fn(&Index) -> R + Sync),
) -> (First<R>, Option<Box<Defined>>) {
    let deferred = s.unread;
    // A file that cannot be read is left to `process`, which says why.
    if s.load().is_ok() && model::kinds::may_name_custom(&s.text) && !s.text.contains("CustomResourceDefinition") {
        // Read again from its path only when it was found by walking (not standard input, not
        // a file named that was read when named).
        if deferred && s.invalid_utf8_at.is_none() {
            s.text = String::new();
            s.unread = true;
        }
        return (First::Later(Box::new(Later::Read(i, s))), None);
    }
    let ix = single(process(i, s, classifier));
    let defined = Defined::of(&ix);
    if ix.objects.iter().any(needs_crds) {
        // It holds custom resources: written so that its text did not show them, or beside the
        // CRDs it defines.
        return (First::Later(Box::new(Later::Held(ix))), defined);
    }
    (First::Done(Box::new(settle_one_checked(ix, judge))), defined)
}

/// What [`stream`] made of a file where it first read it (boxed: one per file of the run is
/// held until every file is read).
enum First<R> {
    /// It may hold custom resources: judged once every CRD is known.
    Later(Box<Later>),
    /// Judged where it was read.
    Done(Box<Settled<R>>),
}

/// What [`stream`] keeps of a file that defines CRDs, once the file itself was judged.
struct Defined {
    file: usize,
    kept: Kept,
    defs: Vec<model::crd::Definition>,
    /// One of its CRDs is of a built-in kind.
    builtin: bool,
}

/// Where the schemas of a [`Defined`] are read from.
enum Kept {
    /// A large file's node tree.
    Tree(Arc<YamlFile>),
    /// A small file's text, parsed again if a file waits to be checked against its CRDs: many
    /// small trees kept among the objects of the files judged meanwhile scatter what the run
    /// holds at its end over more memory than their texts (15 MiB more at 50,000 generated
    /// files, one in seven a CRD).
    Text(String),
}

impl Defined {
    /// Files above this size keep their tree: parsing them again would cost more.
    const KEEP_TREE: usize = 16 * 1024;

    fn of(ix: &Index) -> Option<Box<Defined>> {
        let defs: Vec<model::crd::Definition> = ix.objects.iter().filter_map(model::crd::Definition::of).collect();
        let (f, tree) = ix.files.first().and_then(|f| Some((f, f.tree.clone()?))).filter(|_| !defs.is_empty())?;
        let file = f.number;
        let own = |n: usize| (n == file).then_some(&*tree);
        let builtin = model::crd::collect_definitions(&own, &defs).keys().any(|(group, kind)| model::kinds::is_builtin_kind(group, kind));
        let kept = if f.source.text.len() >= Defined::KEEP_TREE { Kept::Tree(tree) } else { Kept::Text(f.source.text.clone()) };
        Some(Box::new(Defined { file, kept, defs, builtin }))
    }
}

/// A file judged once every CRD is known.
enum Later {
    /// Its text named an API version no built-in kind has: read again then.
    Read(usize, SourceFile),
    /// It holds custom resources its text did not show (a value with a tag or an anchor), or
    /// beside the CRDs it defines: kept.
    Held(Index),
}

/// Whether checking an object against the CRDs depends on the run's CRDs: a custom resource
/// (an API version and kind no built-in kind has) that is judged ([`crd_issues`] skips the
/// others).
fn needs_crds(o: &Object) -> bool {
    !(o.context || o.completion.is_some())
        && o.api_version.as_deref().is_some_and(|v| v.contains('/') && !model::kinds::is_builtin(v, &o.kind))
}

/// [`stream`]'s files that waited (a partial object that may be a patch), judged once every
/// file is read: a partial object is a patch when a whole namesake lives near it.
fn judge_waiting<R: Send>(
    waiting: Vec<Index>,
    wholes: Vec<Vec<(u128, usize)>>,
    slots: &[Option<Box<Settled<R>>>],
    threads: usize,
    judge: &(impl Fn(&Index) -> R + Sync),
) -> Vec<(ParsedFile, R)> {
    let mut marks = Wholes::default();
    for (key, file) in wholes.into_iter().flatten() {
        let v = marks.0.entry(key).or_default();
        if v.len() < 16 {
            v.push(file);
        }
    }
    let mut waiting_names: HashMap<usize, String> = HashMap::new();
    for ix in &waiting {
        waiting_names.insert(ix.first_file, ix.files[0].source.name.clone());
    }
    let names: Vec<Option<&str>> =
        slots.iter().map(|s| s.as_ref().and_then(|b| b.0.as_ref().ok()).map(|(f, _)| f.source.name.as_str())).collect();
    let name_of =
        |f: usize| -> &str { names.get(f).copied().flatten().or_else(|| waiting_names.get(&f).map(String::as_str)).unwrap_or("") };
    crate::util::par_map(waiting, threads, |_, mut ix| {
        marks.mark(&mut ix.objects, &name_of);
        let r = judge(&ix);
        (ix.into_light(), r)
    })
}

/// A file judged where it was read (or its whole index, when it must wait), with its whole
/// objects (kind, name, file) for telling patches from mistakes.
type Settled<R> = (Result<(ParsedFile, R), Index>, Vec<(u128, usize)>);

/// [`stream`]'s judgement of a file whose custom resources were already checked.
fn settle_one_checked<R>(ix: Index, judge: &(impl Fn(&Index) -> R + Sync)) -> Settled<R> {
    let mut whole: Vec<(u128, usize)> = ix
        .objects
        .iter()
        .filter(|o| !o.partial && o.completion.is_none())
        .filter_map(|o| Some((Wholes::key(&o.kind, o.name.as_deref()?), o.file)))
        .collect();
    // Kept to the end of the run, one list per file: no room to spare.
    whole.shrink_to_fit();
    if ix.objects.iter().any(|o| o.partial && o.completion.is_none()) {
        return (Err(ix), whole);
    }
    let r = judge(&ix);
    (Ok((ix.into_light(), r)), whole)
}

/// Checks each object that is a custom resource against the CRDs (found in `files`), after
/// dropping what an earlier check found.
fn check_objects(objects: &mut [Object], files: model::crd::Files, crds: &model::crd::Crds) {
    for o in objects.iter_mut() {
        let keep = o.issues.len().saturating_sub(o.crd_issues);
        o.issues.truncate(keep);
        o.crd_issues = 0;
    }
    let found = crd_issues(objects, files, crds);
    for (o, found) in objects.iter_mut().zip(found) {
        o.crd_issues = found.len();
        o.issues.extend(found);
    }
}

/// What checking each object against the CRDs finds (nothing for objects not checked).
fn crd_issues(objects: &[Object], files: model::crd::Files, crds: &model::crd::Crds) -> Vec<Vec<crate::yaml::de::Issue>> {
    // Parsed on first use: a run without custom resources does not pay for it.
    let mut bundled: Option<&model::crd::Bundled> = None;
    objects
        .iter()
        .map(|o| if o.context || o.completion.is_some() { Vec::new() } else { model::crd::issues_of(files, crds, &mut bundled, o) })
        .collect()
}

/// Whole objects by kind and name, with the files that define them (a few per key: enough
/// for a base and its variants), in input order: what tells a patch from a mistake.
#[derive(Default)]
struct Wholes(HashMap<u128, Vec<usize>>);

impl Wholes {
    /// An object's kind and name as one 128-bit number ([`crate::util::hash128`]), so a
    /// streamed run keeps 24 bytes per object for this, not two strings.
    fn key(kind: &str, name: &str) -> u128 {
        crate::util::hash128(&[kind, name])
    }

    fn add(&mut self, o: &Object) {
        if o.partial || o.completion.is_some() {
            return;
        }
        if let Some(n) = o.name.as_deref() {
            let v = self.0.entry(Wholes::key(&o.kind, n)).or_default();
            if v.len() < 16 {
                v.push(o.file);
            }
        }
    }

    /// Marks the partial objects that have a whole namesake near them.
    fn mark<'n>(&self, objects: &mut [Object], name_of: &dyn Fn(usize) -> &'n str) {
        use model::completion::{Completion, PatchEvidence};
        for o in objects.iter_mut().filter(|o| o.partial && o.completion.is_none()) {
            let Some(files) = o.name.as_deref().and_then(|n| self.0.get(&Wholes::key(&o.kind, n))) else { continue };
            // The base lives near its patch: beside it, or under the directory two levels
            // up (`overlays/x/patch.yaml` and `base/deployment.yaml`). Two unrelated
            // applications of one repository that both name a Deployment `web` are
            // not base and patch.
            let near = nearby_dir(name_of(o.file));
            if files.iter().any(|&f| name_of(f).starts_with(near)) {
                o.completion = Some(Completion::Patch(PatchEvidence::SameNameAsWhole));
            }
        }
    }
}

/// The directory two levels above a file's (with its trailing separator), or "" when the path
/// is not that deep: where a patch's base can be.
fn nearby_dir(file: &str) -> &str {
    let mut end = file.len();
    for _ in 0..3 {
        match file[..end].rfind(['/', '\\']) {
            Some(i) => end = i,
            None => return "",
        }
    }
    &file[..=end]
}

impl SourceFile {
    fn file_is_kustomization(&self) -> bool {
        let base = self.name.rsplit(['/', '\\']).next().unwrap_or(&self.name);
        matches!(base, "kustomization.yaml" | "kustomization.yml" | "Kustomization")
    }
}

type Processed = (ParsedFile, Vec<Object>, Stats, Vec<Vec<Classification>>);

/// Files already read, parsed, typed and classified, ready to be part of another index.
#[derive(Default)]
pub struct Prepared(Vec<Processed>);

impl Prepared {
    /// Processes `sources` (in parallel), reusing the entries of `previous` whose name and
    /// text are unchanged.
    pub fn new(sources: Vec<SourceFile>, previous: Prepared, settings: &Settings) -> Prepared {
        let mut old: std::collections::HashMap<String, Processed> = previous.0.into_iter().map(|p| (p.0.source.name.clone(), p)).collect();
        let mut slots: Vec<Option<Processed>> = Vec::with_capacity(sources.len());
        let mut todo = Vec::new();
        for s in sources {
            match old.remove(&s.name) {
                // A kustomization added or removed beside a file changes how it is judged.
                Some(p) if p.0.source.text == s.text && p.0.source.context == s.context && p.0.source.kustomize == s.kustomize => {
                    slots.push(Some(p))
                }
                _ => {
                    todo.push((slots.len(), s));
                    slots.push(None);
                }
            }
        }
        let (at, fresh): (Vec<usize>, Vec<SourceFile>) = todo.into_iter().unzip();
        for (i, p) in at.into_iter().zip(process_all(fresh, settings)) {
            slots[i] = Some(p);
        }
        Prepared(slots.into_iter().flatten().collect())
    }

    /// Keeps the files whose name passes `keep`.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.0.retain(|p| keep(&p.0.source.name));
    }

    /// Processes `sources` and adds them after the files already here.
    pub fn extend(&mut self, sources: Vec<SourceFile>, settings: &Settings) {
        self.0.extend(process_all(sources, settings));
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The names of the files, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|p| p.0.source.name.as_str())
    }
}

/// Parses and types one file: independent of every other file, so files are processed in
/// parallel and merged in input order.
/// Reads, parses, types and classifies files in parallel (file indexes from 0, in order).
fn process_all(sources: Vec<SourceFile>, settings: &Settings) -> Vec<Processed> {
    let threads = if settings.threads == 0 { crate::util::default_threads() } else { settings.threads };
    let classifier = settings.classifier.as_ref().unwrap_or_else(|| Classifier::embedded());
    crate::util::par_map(sources, threads, |i, s| process(i, s, classifier))
}

fn process(file_idx: usize, mut source: SourceFile, classifier: &Classifier) -> Processed {
    let lines = std::sync::OnceLock::new();
    // A file found by walking is read where it is judged (see `source::Options::defer`): one
    // whose first reading fails is an input not read (nothing of it is linted); one that cannot
    // be read again, or is not UTF-8, is one syntax error.
    let unreadable = match source.load() {
        // Its first reading failed, here or before (`source::read_deferred`): not linted.
        Err(crate::source::LoadError::NotRead(why)) => {
            source.not_read = Some(why);
            None
        }
        Err(crate::source::LoadError::Again(why)) => Some((0, why)),
        Ok(()) => source.invalid_utf8_at.map(|at| (yaml::offset_u32(at), "the file is not valid UTF-8".to_string())),
    };
    if source.not_read.is_some() {
        let none = ParsedFile {
            source,
            tree: Some(Arc::new(YamlFile::default())),
            lines,
            stats: Stats::default(),
            number: file_idx,
            released: None,
        };
        return (none, Vec::new(), Stats::default(), Vec::new());
    }
    if let Some((offset, message)) = unreadable {
        let mut y = YamlFile::default();
        y.errors.push(yaml::SyntaxError { offset, message });
        let stats = Stats { syntax_errors: 1, ..Stats::default() };
        return (
            ParsedFile { source, tree: Some(Arc::new(y)), lines, stats, number: file_idx, released: None },
            Vec::new(),
            stats,
            Vec::new(),
        );
    }
    let y = parse_source(&source.text);
    // Every file given is linted, syntax errors included: which JSON files found by walking a
    // directory are manifests is decided when they are read (`source`).
    let mut stats = Stats { syntax_errors: y.errors.len(), ..Stats::default() };
    let mut objects = Vec::new();
    let operator_text = model::completion::may_hold_operator_placeholder(&y);
    for doc in &y.docs {
        stats.documents += 1;
        let Some(root) = doc.root else {
            stats.empty += 1;
            continue;
        };
        if y.is_null(root) {
            stats.empty += 1;
            continue;
        }
        let before = objects.len();
        collect_objects(&y, root, file_idx, &source, operator_text, &mut objects);
        for o in &mut objects[before..] {
            o.source = doc.source.clone();
        }
        if objects.len() == before {
            stats.not_objects += 1;
        } else {
            stats.object_documents += 1;
        }
    }
    if source.file_is_kustomization() {
        // kustomize's own configuration, not an object for the cluster.
        objects.clear();
        stats.not_objects += stats.object_documents;
        stats.object_documents = 0;
    }
    stats.objects = objects.len();
    let shapes = objects.iter().map(|o| o.workloads().map(|w| classifier.classify(&w)).collect()).collect();
    (ParsedFile { source, tree: Some(Arc::new(y)), lines, stats, number: file_idx, released: None }, objects, stats, shapes)
}

/// A file's node tree: with its comments when they may hold suppressions or a rendered
/// template's source. The same text always gives the same tree (node ids included).
fn parse_source(text: &str) -> YamlFile {
    static DIRECTIVE: crate::util::Needle = crate::util::Needle::new("kshape:");
    static SOURCE: crate::util::Needle = crate::util::Needle::new("# Source:");
    if DIRECTIVE.is_in(text) || SOURCE.is_in(text) {
        yaml::parse_with_comments(text)
    } else {
        yaml::parse(text)
    }
}

/// The parse-only baseline of the benchmark: the same files parsed into the node tree, nothing
/// else. Returns the number of documents.
pub fn parse_only(sources: Vec<SourceFile>, threads: usize) -> usize {
    crate::util::par_map(sources, threads, |_, s| yaml::parse(&s.text).docs.len()).into_iter().sum()
}

/// A document with `kind` is an object; `kind: List` (or `*List` with `items`) holds objects.
fn collect_objects(y: &YamlFile, root: NodeId, file: usize, source: &SourceFile, operator_text: bool, out: &mut Vec<Object>) {
    let context = source.context;
    if y.map_entries(root).is_none() {
        return;
    }
    let Some(kind_node) = y.get(root, "kind") else {
        return;
    };
    let kind = match y.str_value(kind_node) {
        Some(k) if !k.is_empty() => k.to_string(),
        _ => return,
    };
    if kind.ends_with("List") {
        if let Some(items) = y.get(root, "items").and_then(|i| y.seq_items(i)) {
            for &item in items {
                if y.map_entries(item).is_some() && y.get(item, "kind").is_some() {
                    collect_objects(y, item, file, source, operator_text, out);
                }
            }
            return;
        }
    }
    let api_version = y.get_str(root, "apiVersion").map(str::to_string);
    let meta = y.get(root, "metadata");
    let name = meta.and_then(|m| y.get_str(m, "name")).map(str::to_string);
    let namespace = meta.and_then(|m| y.get_str(m, "namespace")).filter(|s| !s.is_empty()).map(str::to_string);
    let (typed, issues, structs) = match api_version.as_deref() {
        Some(av) => model::type_object(y, root, av, &kind),
        None => (None, Vec::new(), Vec::new()),
    };
    let removed = api_version.as_deref().and_then(|av| model::removed_api(av, &kind));
    let mut o = Object {
        reference: std::sync::OnceLock::new(),
        file,
        root,
        api_version,
        kind,
        name,
        namespace,
        typed,
        removed,
        issues,
        structs,
        context,
        source: None,
        partial: false,
        crd_issues: 0,
        completion: None,
        export: model::is_live_export(y, root),
    };
    o.partial = model::completion::is_partial(y, &o);
    o.completion = model::completion::local(&source.name, source.kustomize, y, &o, o.partial, operator_text);
    out.push(o);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file under an operator's asset directory (`assets/state-*/`, `manifests/state-*/`) is
    /// completed by the operator; a file merely named `state-*` is not.
    #[test]
    fn operator_asset_directories_are_directories() {
        let completion = |name: &str| {
            let text = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: driver}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i}]\n";
            let ix = Index::build(vec![SourceFile::new(name, text)], "default");
            ix.objects.first().and_then(|o| o.completion)
        };
        let asset = Some(model::completion::Completion::Rendered(model::completion::RenderEvidence::OperatorAsset));
        assert_eq!(completion("gpu-operator/assets/state-driver/0500_daemonset.yaml"), asset);
        assert_eq!(completion("./manifests/state-dcgm/x/ds.yaml"), asset);
        assert_eq!(completion("assets\\state-driver\\ds.yaml"), asset);
        assert_eq!(completion("assets/state-driver.yaml"), None);
        assert_eq!(completion("deploy/assets/notstate/ds.yaml"), None);
        assert_eq!(completion("state-driver/assets/ds.yaml"), None);
    }

    fn on_disk(name: &str, text: &str) -> (ParsedFile, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("kshape-release-{}-{name}", std::process::id()));
        std::fs::write(&path, text).expect("temp file");
        let source = SourceFile { name: path.to_string_lossy().into_owned(), text: text.to_string(), ..SourceFile::default() };
        (ParsedFile::new(source, YamlFile::default()), path)
    }

    /// A text let go keeps every line and column, is read again as it was, and is rebuilt as
    /// blanks with the same line breaks when the file changed meanwhile.
    #[test]
    fn released_texts_keep_their_positions() {
        let text = "a: 1\r\nbb: 2\rccc: [x, y]\n\nlast";
        let end = u32::try_from(text.len()).expect("a short text") + 2;
        let (mut f, path) = on_disk("same", text);
        let before: Vec<_> = (0..=end).map(|o| f.line_col(o)).collect();
        f.release_text();
        assert!(f.source.text.is_empty());
        assert_eq!((0..=end).map(|o| f.line_col(o)).collect::<Vec<_>>(), before);
        f.restore_text();
        assert_eq!(f.source.text, text);

        let (mut g, changed) = on_disk("changed", text);
        g.release_text();
        std::fs::write(&changed, "other: text\n").expect("rewrite");
        g.restore_text();
        assert_eq!(g.source.text.len(), text.len());
        assert_eq!((0..=end).map(|o| g.line_col(o)).collect::<Vec<_>>(), before);
        // Every break (a lone `\r` too) is a `\n` there.
        assert_eq!(g.source.text, "     \n     \n           \n\n    ");

        // Not ASCII: kept (a column counts characters).
        let (mut h, other) = on_disk("utf8", "name: café\n");
        h.release_text();
        assert_eq!(h.source.text, "name: café\n");
        for p in [path, changed, other] {
            let _ = std::fs::remove_file(p);
        }
    }
}
