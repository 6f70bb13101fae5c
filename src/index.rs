//! All objects of a run, parsed once, with what the cross-object rules look up.

use crate::classify::{Classification, Classifier};
use crate::model::{self, Object};
use crate::source::SourceFile;
use crate::yaml::{self, LineIndex, NodeId, YamlFile};

pub struct ParsedFile {
    pub source: SourceFile,
    pub yaml: YamlFile,
    /// Computed on first use: only files with findings need lines and columns.
    pub(crate) lines: std::sync::OnceLock<LineIndex>,
    /// This file's share of the run's counts (kept so a processed file can join another run).
    stats: Stats,
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
    pub files: Vec<ParsedFile>,
    pub objects: Vec<Object>,
    /// What each workload is (parallel to `objects`; None for objects that own no pods).
    pub shapes: Vec<Vec<Classification>>,
    pub stats: Stats,
    pub default_namespace: String,
    /// The node inventory given with `--nodes`, if any.
    pub nodes: Option<Vec<crate::model::scheduling::NodeInfo>>,
    pub settings: Settings,
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
        ParsedFile { source, yaml, lines: std::sync::OnceLock::new(), stats: Stats::default() }
    }

    /// Byte offsets to lines and columns.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.source.text))
    }

    /// (line, column) of a byte offset, both 1-based.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        self.lines().line_col(&self.source.text, offset)
    }
}

impl Index {
    pub fn build(sources: Vec<SourceFile>, default_namespace: &str) -> Index {
        Index::build_with(sources, default_namespace, Settings::default())
    }

    pub fn build_with(sources: Vec<SourceFile>, default_namespace: &str, settings: Settings) -> Index {
        let mut ix = Index {
            files: Vec::with_capacity(sources.len()),
            objects: Vec::new(),
            shapes: Vec::new(),
            stats: Stats::default(),
            default_namespace: default_namespace.to_string(),
            nodes: None,
            settings,
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
    fn add(&mut self, (file, objects, stats, shapes): Processed) {
        if !file.source.context {
            self.stats.documents += stats.documents;
            self.stats.empty += stats.empty;
            self.stats.not_objects += stats.not_objects;
            self.stats.object_documents += stats.object_documents;
            self.stats.objects += stats.objects;
            self.stats.syntax_errors += stats.syntax_errors;
        }
        self.objects.extend(objects);
        self.shapes.extend(shapes);
        self.files.push(file);
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
        // Whole objects by kind and name (a few per key: enough for a base and its variants).
        let mut whole: std::collections::HashMap<(&str, &str), Vec<usize>> = std::collections::HashMap::new();
        for o in self.objects.iter().filter(|o| !o.partial && o.completion.is_none()) {
            if let Some(n) = o.name.as_deref() {
                let v = whole.entry((o.kind.as_str(), n)).or_default();
                if v.len() < 16 {
                    v.push(o.file);
                }
            }
        }
        let name_of = |f: usize| self.files[f].source.name.as_str();
        let marks: Vec<usize> = self
            .objects
            .iter()
            .enumerate()
            .filter(|(_, o)| o.partial && o.completion.is_none())
            .filter(|(_, o)| {
                let Some(files) = o.name.as_deref().and_then(|n| whole.get(&(o.kind.as_str(), n))) else { return false };
                // The base lives near its patch: beside it, or under the directory two levels
                // up (`overlays/x/patch.yaml` and `base/deployment.yaml`). Two unrelated
                // applications of one repository that both name a Deployment `web` are
                // not base and patch.
                let near = nearby_dir(name_of(o.file));
                files.iter().any(|&f| name_of(f).starts_with(near))
            })
            .map(|(i, _)| i)
            .collect();
        for i in marks {
            self.objects[i].completion = Some(Completion::Patch(PatchEvidence::SameNameAsWhole));
        }
    }

    /// Checks every custom resource against its schema ([`model::crd::issues_of`]): its CRD
    /// among the inputs, else the bundled one. The issues found are counted in
    /// `Object::crd_issues`, so a language-server run that reuses the object recomputes them.
    fn check_custom_resources(&mut self) {
        for o in &mut self.objects {
            let keep = o.issues.len().saturating_sub(o.crd_issues);
            o.issues.truncate(keep);
            o.crd_issues = 0;
        }
        let files: Vec<&YamlFile> = self.files.iter().map(|f| &f.yaml).collect();
        let crds = model::crd::collect(&files, &self.objects);
        // Parsed on first use: a run without custom resources does not pay for it.
        let mut bundled: Option<&model::crd::Bundled> = None;
        for o in &mut self.objects {
            if o.context || o.completion.is_some() {
                continue;
            }
            let found = model::crd::issues_of(&files, &crds, &mut bundled, o);
            o.crd_issues = found.len();
            o.issues.extend(found);
        }
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
        &self.files[o.file].yaml
    }

    /// Builds fixes against the text and tree of an object's file.
    pub fn editor(&self, o: &Object) -> crate::fix::Editor<'_> {
        let f = &self.files[o.file];
        crate::fix::Editor::new(&f.yaml, &f.source.text, f.source.is_json)
    }

    /// The namespace an object lives in: its own, or the run's default.
    pub fn namespace_of<'a>(&'a self, o: &'a Object) -> &'a str {
        o.namespace.as_deref().unwrap_or(&self.default_namespace)
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

fn process(file_idx: usize, source: SourceFile, classifier: &Classifier) -> Processed {
    let lines = std::sync::OnceLock::new();
    if let Some(at) = source.invalid_utf8_at {
        let mut y = YamlFile::default();
        y.errors.push(yaml::SyntaxError { offset: yaml::offset_u32(at), message: "the file is not valid UTF-8".into() });
        let stats = Stats { syntax_errors: 1, ..Stats::default() };
        return (ParsedFile { source, yaml: y, lines, stats }, Vec::new(), stats, Vec::new());
    }
    let y = if source.text.contains("kshape:") || source.text.contains("# Source:") {
        yaml::parse_with_comments(&source.text)
    } else {
        yaml::parse(&source.text)
    };
    // Every file given is linted, syntax errors included: which JSON files found by walking a
    // directory are manifests is decided when they are read (`source`).
    let mut stats = Stats { syntax_errors: y.errors.len(), ..Stats::default() };
    let mut objects = Vec::new();
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
        collect_objects(&y, root, file_idx, &source, &mut objects);
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
    (ParsedFile { source, yaml: y, lines, stats }, objects, stats, shapes)
}

/// The parse-only baseline of the benchmark: the same files parsed into the node tree, nothing
/// else. Returns the number of documents.
pub fn parse_only(sources: Vec<SourceFile>, threads: usize) -> usize {
    crate::util::par_map(sources, threads, |_, s| yaml::parse(&s.text).docs.len()).into_iter().sum()
}

/// A document with `kind` is an object; `kind: List` (or `*List` with `items`) holds objects.
fn collect_objects(y: &YamlFile, root: NodeId, file: usize, source: &SourceFile, out: &mut Vec<Object>) {
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
                    collect_objects(y, item, file, source, out);
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
    o.completion = model::completion::local(&source.name, source.kustomize, y, &o, o.partial);
    out.push(o);
}
