//! kshape: a linter for Kubernetes manifests that knows which workload controller a
//! workload needs. Data flows one way: source -> yaml -> kustomize -> render -> model -> classify
//! -> fix -> index -> rules -> origin -> suppress -> config -> report (docs/architecture.md; the
//! order is a test, tests/architecture.rs).

pub mod classify;
pub mod cli;
pub mod config;
pub mod fix;
pub mod index;
pub mod kustomize;
pub mod lsp;
pub mod model;
pub mod origin;
pub mod render;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod util;
pub mod world;
pub mod yaml;

use index::Index;
use report::{SourceView, Summary};
use rules::Diagnostic;
use source::SourceFile;

/// The result of linting a set of sources.
pub struct Lint {
    pub index: Index,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings silenced by annotations or comments.
    pub suppressed: Vec<suppress::Suppressed>,
    /// What the run built only to judge, handed back rather than freed before the report.
    pub retained: Retained,
}

/// A streamed run's facts ([`world::Fact`], one or more per object) and the relational rules'
/// subjects, kept past judging: freeing the facts one by one took the main thread 0.17 s at
/// 50,000 files, after every other thread was done, and freeing the subjects was up to half
/// of a relational rule's time. The command line forgets the whole [`Lint`] as it exits; any
/// other caller frees them when it drops the result.
#[derive(Default)]
pub struct Retained {
    _facts: Vec<Vec<world::Fact>>,
    _subjects: Vec<rules::Spent>,
}

/// Lints already-read sources (the library entry point; the CLI and tests use it).
pub fn lint(files: Vec<SourceFile>, default_namespace: &str) -> Lint {
    lint_with(files, default_namespace, None)
}

/// Lints with a node inventory (`--nodes`): the scheduling rules then run too.
pub fn lint_with(files: Vec<SourceFile>, default_namespace: &str, nodes: Option<Vec<model::scheduling::NodeInfo>>) -> Lint {
    lint_full(files, default_namespace, nodes, index::Settings::default(), &rules::Selection::default())
}

/// Lints with everything configuration can change.
pub fn lint_full(
    files: Vec<SourceFile>,
    default_namespace: &str,
    nodes: Option<Vec<model::scheduling::NodeInfo>>,
    settings: index::Settings,
    selection: &rules::Selection,
) -> Lint {
    lint_index(Index::build_with(files, default_namespace, settings), nodes, selection)
}

/// Lints as [`lint_full`] does, without keeping the run's objects: each file is parsed, typed
/// and judged where it is read ([`index::stream`]), its node tree and objects dropped, and
/// the relational rules judge their subjects against the run's facts ([`world`]) at the end.
/// Memory holds the files' text and facts, not their objects; the findings are the same
/// (tests/streaming.rs).
pub fn lint_stream(
    files: Vec<SourceFile>,
    default_namespace: &str,
    nodes: Option<Vec<model::scheduling::NodeInfo>>,
    settings: index::Settings,
    selection: &rules::Selection,
) -> Lint {
    let selection = &selection.with_inventory(nodes.is_some());
    // Each rule's level, asked once: every file asks for every rule.
    let levels: Vec<Option<rules::Severity>> = rules::RuleId::ALL.iter().map(|&r| selection.level(r)).collect();
    let level = |r: rules::RuleId| levels.get(r as usize).copied().flatten();
    let threads = if settings.threads == 0 { util::default_threads() } else { settings.threads };
    let relational = rules::relational(&level);
    let streamed = index::stream(files, default_namespace, settings, nodes.map(std::sync::Arc::new), |ix| {
        let judged = rules::judge(ix, &level, 1);
        let facts = if relational { world::facts(ix) } else { Vec::new() };
        (judged, facts, suppress::directives(ix))
    });
    let mut index = streamed.index;
    if !streamed.complete {
        // A CRD of a built-in kind, which the files judged where they were read were not
        // checked against: keep every object, with every text read again.
        let (nodes, settings) = (index.nodes.as_deref().cloned(), (*index.settings).clone());
        return lint_full(index.into_sources(), default_namespace, nodes, settings, selection);
    }
    // Sized first: growing them file by file reallocated and copied them over and over.
    let (mut n_found, mut n_subjects, mut n_facts, mut n_directives) = (0, 0, 0, 0);
    for (judged, f, d) in &streamed.judged {
        n_found += judged.found.len();
        n_subjects += judged.subjects.len();
        n_facts += usize::from(!f.is_empty());
        n_directives += d.len();
    }
    let mut found = Vec::with_capacity(n_found);
    let mut subjects = Vec::with_capacity(n_subjects);
    let mut facts = Vec::with_capacity(n_facts);
    let mut directives = Vec::with_capacity(n_directives);
    for (judged, f, d) in streamed.judged {
        found.extend(judged.found);
        subjects.extend(judged.subjects);
        // Each file's facts stay where they were made (the bulk of what is kept: no copy).
        if !f.is_empty() {
            facts.push(f);
        }
        directives.extend(d);
    }
    let mut spent = Vec::new();
    if relational {
        let world = world::World::new(&facts, &index);
        found.extend(rules::settle(&world, &level, subjects, threads, Some(&mut spent)));
    }
    let diags = rules::finish(&index, &level, found);
    let (mut diagnostics, suppressed) = suppress::apply_with(&index, directives, diags, selection);
    rules::drop_follow_ons(&mut diagnostics);
    let reported = diagnostics.iter().chain(suppressed.iter().map(|s| &s.diagnostic));
    index.restore_texts(reported.flat_map(|d| std::iter::once(d.file).chain(d.related.iter().map(|r| r.file))).collect::<Vec<_>>());
    Lint { index, diagnostics, suppressed, retained: Retained { _facts: facts, _subjects: spent } }
}

/// The outcome of fixing: the final lint of the fixed texts, and the texts as they were.
pub struct Fixed {
    pub lint: Lint,
    /// Each file's text before fixing, parallel to `lint.index.files`.
    pub original: Vec<String>,
    /// Per file, parallel to `original`: findings whose fix was applied.
    pub applied: Vec<usize>,
}

impl Fixed {
    /// Indexes of the input files whose text changed.
    pub fn changed(&self) -> Vec<usize> {
        (0..self.original.len()).filter(|&i| self.lint.index.files.get(i).is_some_and(|f| f.source.text != self.original[i])).collect()
    }
}

/// Most rounds of lint-and-fix: a fix can enable another (or wait for one it overlaps).
const FIX_PASSES: usize = 8;

/// Lints, applies every fix that does not overlap another, and lints again until nothing is
/// left to fix. Files loaded as context and files that are not UTF-8 are never changed; a fix
/// that would add a YAML syntax error is dropped.
pub fn fix_full(
    files: Vec<SourceFile>,
    default_namespace: &str,
    nodes: Option<Vec<model::scheduling::NodeInfo>>,
    settings: &index::Settings,
    selection: &rules::Selection,
) -> Fixed {
    let original: Vec<String> = files.iter().map(|f| f.text.clone()).collect();
    let mut sources = files;
    // Files a round did not change are not parsed, typed and classified again.
    let mut kept = index::Prepared::default();
    let mut applied = vec![0; original.len()];
    for _ in 0..FIX_PASSES {
        let prepared = index::Prepared::new(sources, kept, settings);
        let n = prepared.len();
        let l = lint_index(Index::build_prepared(prepared, Vec::new(), default_namespace, settings.clone()), nodes.clone(), selection);
        let (new_texts, counts) = chosen_fixes(&l);
        applied.iter_mut().zip(counts).for_each(|(a, c)| *a += c);
        if new_texts.iter().all(Option::is_none) {
            return Fixed { lint: l, original, applied };
        }
        sources = l
            .index
            .files
            .iter()
            .zip(new_texts)
            .map(|(f, t)| {
                let mut s = f.source.clone();
                if let Some(t) = t {
                    s.text = t;
                }
                s
            })
            .collect();
        kept = l.into_prepared(n);
    }
    let prepared = index::Prepared::new(sources, kept, settings);
    let lint = lint_index(Index::build_prepared(prepared, Vec::new(), default_namespace, settings.clone()), nodes, selection);
    Fixed { lint, original, applied }
}

/// Lints the sources together with what the kustomizations and charts among them build
/// ([`render::plan`]; the driver adds the files the builds name with [`render::sources_for`]).
/// Kustomize builds are linted one by one and their findings reported in the files that
/// define each object ([`origin`]), then everything is suppressed as one run (a comment in a
/// base silences a finding only its overlay's build has). A rendered chart is linted on its
/// own and reported in its rendered stream, named `<chart> (helm template)`, with each
/// object's template (`# Source:`) in the message, as `helm template | kshape -` does.
pub fn lint_built(
    files: Vec<SourceFile>,
    patches: Vec<SourceFile>,
    builds: &[render::Build],
    default_namespace: &str,
    nodes: Option<Vec<model::scheduling::NodeInfo>>,
    settings: &index::Settings,
    selection: &rules::Selection,
) -> Lint {
    let mut index = Index::build_with(files, default_namespace, settings.clone());
    index.nodes = nodes.map(std::sync::Arc::new);
    let mut diags = rules::run(&index, selection);
    // The builds' patch files join the index after the rules ran: they are partial objects,
    // not linted, but a finding on a value a patch set is reported there (and its comments
    // can suppress it).
    for p in patches {
        let yaml = yaml::parse_with_comments(&p.text);
        index.files.push(index::ParsedFile::new(p, yaml));
    }
    let mapped = origin::kustomize_findings(&index, builds, default_namespace, settings, selection);
    origin::merge(&mut diags, mapped);
    diags.extend(origin::failures(&index, builds, selection));
    rules::sort(&index, &mut diags);
    let (mut diagnostics, mut suppressed) = suppress::apply(&index, diags, selection);
    rules::drop_follow_ons(&mut diagnostics);
    for b in builds.iter().filter(|b| b.helm && !b.context) {
        let Ok(built) = &b.output else { continue };
        let file = SourceFile::new(format!("{}{}", b.root, util::HELM_TEMPLATE_SUFFIX), built.text.clone());
        let l = lint_full(vec![file], default_namespace, index.nodes.as_deref().cloned(), settings.clone(), selection);
        let at = index.files.len();
        let moved = |mut d: Diagnostic| {
            d.file += at;
            d.related.iter_mut().for_each(|r| r.file += at);
            d
        };
        index.stats.documents += l.index.stats.documents;
        index.stats.objects += l.index.stats.objects;
        diagnostics.extend(l.diagnostics.into_iter().map(moved));
        suppressed.extend(l.suppressed.into_iter().map(|s| suppress::Suppressed { diagnostic: moved(s.diagnostic), by: s.by }));
        index.files.extend(l.index.files);
    }
    rules::sort(&index, &mut diagnostics);
    Lint { index, diagnostics, suppressed, retained: Retained::default() }
}

/// Reads `paths` as the command line does (no excludes), builds the kustomizations and renders
/// the charts among them with the tools on PATH (`kustomize`: [`render::Mode`]), and lints it
/// all ([`lint_built`]). The notes say what was skipped or not built. Err: the paths cannot be
/// read at all, or `Always` without a tool.
pub fn lint_paths(
    paths: &[String],
    kustomize: render::Mode,
    settings: &index::Settings,
    selection: &rules::Selection,
) -> Result<(Lint, Vec<String>), String> {
    let mut sources = source::Sources::default();
    kustomize::collect(paths, &source::Options::plain(), false, &mut sources)?;
    let (k, c) = render::found(&sources, None);
    let plan = render::plan(&k, &c, kustomize, false, &[], settings.threads.max(1))?;
    let patches = render::sources_for(&plan.builds, &mut sources.files, source::DEFAULT_MAX_FILE_BYTES, &[], &sources.named_patches);
    let mut notes = sources.notes;
    notes.extend(plan.notes);
    notes.extend(sources.errors.iter().map(|e| e.to_string()));
    Ok((lint_built(sources.files, patches, &plan.builds, "default", None, settings, selection), notes))
}

/// Runs the rules and the suppressions over a built index.
fn lint_index(mut index: Index, nodes: Option<Vec<model::scheduling::NodeInfo>>, selection: &rules::Selection) -> Lint {
    index.nodes = nodes.map(std::sync::Arc::new);
    let (mut diagnostics, suppressed) = suppress::apply(&index, rules::run(&index, selection), selection);
    rules::drop_follow_ons(&mut diagnostics);
    Lint { index, diagnostics, suppressed, retained: Retained::default() }
}

/// One round's fixes: the new text of each file that has fixes which do not overlap (others
/// wait for the next round, against the fixed text), and how many findings they fix in each. Files
/// loaded as context and files that are not UTF-8 are never changed; a fix that would add a
/// YAML syntax error is dropped.
fn chosen_fixes(l: &Lint) -> (Vec<Option<String>>, Vec<usize>) {
    let n = l.index.files.len();
    let mut new_texts: Vec<Option<String>> = vec![None; n];
    let mut chosen: Vec<Vec<&fix::Fix>> = vec![Vec::new(); n];
    let mut counts = vec![0usize; n];
    for d in &l.diagnostics {
        let (Some(fix), Some(f)) = (&d.fix, l.index.files.get(d.file)) else { continue };
        if f.source.context || f.source.invalid_utf8_at.is_some() {
            continue;
        }
        let list = &mut chosen[d.file];
        // The same fix for two findings (one Service for two StatefulSets) counts once.
        if !list.contains(&fix) {
            if list.iter().any(|c| fix::overlaps(c, fix)) {
                continue; // next round, against the fixed text
            }
            list.push(fix);
        }
        counts[d.file] += 1;
    }
    let mut applied = vec![0; n];
    for (i, fixes) in chosen.iter().enumerate() {
        if fixes.is_empty() {
            continue;
        }
        let edits: Vec<fix::Edit> = fixes.iter().flat_map(|f| f.edits.iter().cloned()).collect();
        let f = &l.index.files[i];
        let Some(text) = fix::apply(&f.source.text, &edits) else { continue };
        if yaml::parse(&text).errors.len() > f.yaml().errors.len() {
            continue;
        }
        new_texts[i] = Some(text);
        applied[i] = counts[i];
    }
    (new_texts, applied)
}

/// Lints new sources together with files processed earlier (the language server's workspace
/// context), which come first in the index; `Lint::into_prepared` gives them back.
pub fn lint_prepared(
    prepared: index::Prepared,
    files: Vec<SourceFile>,
    default_namespace: &str,
    settings: index::Settings,
    selection: &rules::Selection,
) -> Lint {
    lint_index(Index::build_prepared(prepared, files, default_namespace, settings), None, selection)
}

/// Reads a node inventory (`kubectl get nodes -o yaml|json`, or any stream of Node objects).
pub fn read_nodes(file: SourceFile) -> Result<Vec<model::scheduling::NodeInfo>, String> {
    let name = file.name.clone();
    let ix = Index::build(vec![file], "default");
    if let Some(f) = ix.files.first() {
        if let Some(e) = f.yaml().errors.first() {
            let (line, col) = f.line_col(e.offset);
            return Err(format!("{name}:{line}:{col}: invalid YAML in the node inventory: {}", e.message));
        }
        if let Some(e) = &f.yaml().limit {
            let (line, col) = f.line_col(e.offset);
            return Err(format!("{name}:{line}:{col}: the node inventory is too large: {}", e.message));
        }
    }
    let nodes: Vec<_> = ix
        .objects
        .iter()
        .filter_map(|o| match &o.typed {
            Some(model::Typed::Node(n)) => Some(model::scheduling::NodeInfo::from_node(n)),
            _ => None,
        })
        .collect();
    if nodes.is_empty() {
        return Err(format!("{name}: no Node objects (expected the output of `kubectl get nodes -o yaml`)"));
    }
    Ok(nodes)
}

/// Lints one in-memory file.
pub fn lint_str(name: &str, text: &str) -> Lint {
    let file = SourceFile::new(name, text);
    lint(vec![file], "default")
}

impl Lint {
    /// The first `n` files, processed, for the next [`lint_prepared`].
    pub fn into_prepared(self, n: usize) -> index::Prepared {
        self.index.into_prepared(n)
    }

    pub fn views(&self) -> Vec<SourceView<'_>> {
        self.index.files.iter().map(|f| SourceView { name: &f.source.name, text: &f.source.text, lines: &f.lines }).collect()
    }

    /// The files whose first reading failed where they were to be judged (found by walking,
    /// see [`source::Options::defer`]): not linted, inputs not read.
    pub fn not_read(&self) -> Vec<source::ReadError> {
        self.index.files.iter().filter_map(|f| Some(source::ReadError::new(f.source.name.clone(), f.source.not_read.clone()?))).collect()
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            files: self.index.files.iter().filter(|f| f.source.is_linted()).count(),
            documents: self.index.stats.documents,
            objects: self.index.stats.objects,
            ..Summary::default()
        };
        s.count(&self.diagnostics);
        s
    }

    pub fn render(&self, format: report::Format, color: bool) -> String {
        self.render_with(format, color, false)
    }

    /// `show_suppressed` adds the suppressed findings (human, compact and JSON).
    pub fn render_with(&self, format: report::Format, color: bool, show_suppressed: bool) -> String {
        self.render_report(format, color, show_suppressed, &[])
    }

    /// [`Lint::render_with`] for a run that could not read some of its inputs: the JSON report
    /// lists and counts them (`notRead`), SARIF gives a failed invocation with a notification for
    /// each; the other formats leave them to the messages on standard error.
    pub fn render_report(&self, format: report::Format, color: bool, show_suppressed: bool, not_read: &[source::ReadError]) -> String {
        let opts = report::Options { color, show_suppressed, width: 100, ..Default::default() };
        self.render_with_options(format, &opts, not_read)
    }

    /// The report with every display option ([`report::Options`]). Human output ends with the
    /// summary line; `--statistics` (for human and compact) comes just before it.
    pub fn render_with_options(&self, format: report::Format, opts: &report::Options, not_read: &[source::ReadError]) -> String {
        let (color, show_suppressed) = (opts.color, opts.show_suppressed);
        let views = self.views();
        let suppressed = show_suppressed.then_some(self.suppressed.as_slice());
        let summary = Summary { not_read: not_read.len(), hidden: opts.hidden, ..self.summary() };
        let mut out = match format {
            report::Format::Json => return report::json::render(&views, &self.diagnostics, &summary, suppressed, not_read),
            report::Format::Sarif => return report::sarif::render(&views, &self.diagnostics, not_read, suppressed),
            report::Format::Github => return report::github::render(&views, &self.diagnostics),
            report::Format::Junit => {
                let linted: Vec<usize> = (0..self.index.files.len()).filter(|&i| self.index.files[i].source.is_linted()).collect();
                let fail_on = opts.fail_on.unwrap_or(rules::Severity::Warning);
                return report::junit::render(&views, &linted, &self.diagnostics, fail_on, not_read);
            }
            report::Format::Compact => report::compact::render(&views, &self.diagnostics),
            report::Format::Human => report::human::render(&views, &self.diagnostics, color, opts.width),
        };
        for s in suppressed.into_iter().flatten() {
            let d = &s.diagnostic;
            if let Some(f) = views.get(d.file) {
                let p = report::pos(f, d.span.start);
                out.push_str(&format!("{}:{}:{}: suppressed [{}] {} (by {})\n", f.name, p.line, p.column, d.rule(), d.message, s.by));
            }
        }
        if let Some(stats) = &opts.statistics {
            out.push_str(stats);
        }
        if format == report::Format::Human && !opts.quiet {
            out.push_str(&report::human::summary(&summary, &self.diagnostics));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    /// A result can be handed to another thread and shared (the language server and library
    /// users do): what it retains must be too.
    #[test]
    fn a_lint_is_send_and_sync() {
        fn both<T: Send + Sync>() {}
        both::<crate::Lint>();
    }
}
