//! `kshape lsp`: a language server over stdio. The base protocol (framing, JSON-RPC) is in
//! [`transport`]; the protocol's JSON is built by hand, which keeps lsp-types and its
//! dependencies out.
//!
//! Open documents are linted together, with the other manifests of the workspace folders as
//! context (the `--context` mechanism), so cross-file references resolve. Diagnostics carry
//! the rule id as `code` and its documentation as `codeDescription.href`; code actions offer
//! each finding's fix and a `# kshape: ignore[rule]` comment; hover on a finding shows the
//! rule's documentation. Positions are LSP's: 0-based lines, UTF-16 columns.

pub mod transport;

use crate::config::{ConfigErrors, RunSettings};
use crate::index::Prepared;
use crate::rules::{Diagnostic, RuleId, Severity};
use crate::source::{self, SourceFile, Sources};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use transport::{End, Frame, Message, INTERNAL_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, SERVER_NOT_INITIALIZED};

/// How long the workspace's files may be reused before they are read again (edits in the
/// editor arrive as didChange; this covers files changed by other programs).
const CONTEXT_TTL: Duration = Duration::from_secs(2);

/// Runs the server until the client says `exit`; returns the process exit code: 0 after
/// `shutdown` and `exit`, 1 for `exit` without `shutdown`, for the end of the input without
/// `exit`, and when the input breaks off inside a message (logged on stderr).
pub fn run() -> i32 {
    let (tx, rx) = mpsc::channel();
    // The reader runs ahead of the server into an unbounded channel: whatever the client has
    // sent is waiting there when the server looks, so edits typed during a lint are applied
    // together and linted once.
    std::thread::spawn(move || {
        let mut reader = transport::Reader::new(std::io::stdin());
        loop {
            match reader.next_frame() {
                Ok(Frame::Message(m)) => {
                    if tx.send(Ok(m)).is_err() {
                        return;
                    }
                }
                Ok(Frame::Skipped(why)) => eprintln!("kshape lsp: {why}"),
                Err(end) => {
                    let _ = tx.send(Err(end));
                    return;
                }
            }
        }
    });
    let mut out = std::io::stdout().lock();
    match serve(&rx, &mut out) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kshape lsp: {e}");
            1
        }
    }
}

fn capabilities() -> Value {
    json!({
        "positionEncoding": "utf-16",
        "textDocumentSync": {"openClose": true, "change": 1, "save": {"includeText": false}},
        "codeActionProvider": {"codeActionKinds": ["quickfix", "source.fixAll.kshape"]},
        "hoverProvider": true,
    })
}

fn send(out: &mut impl Write, messages: &[Value]) -> Result<(), String> {
    for m in messages {
        transport::write(out, m).map_err(|e| format!("cannot write to the client: {e}"))?;
    }
    out.flush().map_err(|e| format!("cannot write to the client: {e}"))
}

/// The session: initialize, messages, shutdown, exit; every request answered once.
fn serve(rx: &mpsc::Receiver<Result<Message, End>>, out: &mut impl Write) -> Result<i32, String> {
    let mut server: Option<Server> = None;
    let mut shut_down = false;
    while let Ok(first) = rx.recv() {
        // Everything already sent (fast typing) is applied before the next lint; a request
        // sees the documents as the notifications before it left them.
        let mut dirty = false;
        for incoming in std::iter::once(first).chain(rx.try_iter()) {
            let message = match incoming {
                Ok(m) => m,
                Err(End::Closed) if shut_down => return Ok(0),
                Err(End::Closed) if server.is_none() => {
                    return Err("standard input ended before any message. `kshape lsp` is a language server: an editor starts it and speaks the Language Server Protocol over standard input and output (docs/editors.md); to lint files, run `kshape PATH`".into())
                }
                Err(End::Closed) => return Err("the input ended without shutdown and exit".into()),
                Err(End::Broken(why)) => return Err(why),
            };
            match message {
                Message::Notification { method, .. } if method == "exit" => return Ok(if shut_down { 0 } else { 1 }),
                Message::Notification { method, params } => {
                    let Some(s) = server.as_mut().filter(|_| !shut_down) else { continue };
                    if method == "initialized" && s.watch_files {
                        send(out, &[watch_registration()])?;
                    }
                    let (lint, published) = s.apply(&method, &params);
                    dirty |= lint;
                    send(out, &published)?;
                }
                Message::Request { id, method, params } => {
                    let result = match server.as_mut() {
                        _ if shut_down => Err((INVALID_REQUEST, format!("{method} after shutdown: only exit is expected"))),
                        None if method == "initialize" => {
                            server = Some(Server::new(&params));
                            Ok(
                                json!({"capabilities": capabilities(), "serverInfo": {"name": "kshape", "version": env!("CARGO_PKG_VERSION")}}),
                            )
                        }
                        None => Err((SERVER_NOT_INITIALIZED, format!("{method} before initialize"))),
                        Some(_) if method == "initialize" => Err((INVALID_REQUEST, "initialize was already received".to_string())),
                        Some(_) if method == "shutdown" => {
                            shut_down = true;
                            Ok(Value::Null)
                        }
                        Some(s) => {
                            if std::mem::take(&mut dirty) {
                                let published = s.guarded_lint();
                                send(out, &published)?;
                            }
                            s.guarded_request(&method, &params)
                        }
                    };
                    send(out, &[transport::response(id, result)])?;
                }
                Message::Response => {}
                Message::Invalid { id, code, message } => {
                    eprintln!("kshape lsp: answered {code}: {message}");
                    send(out, &[transport::response(id, Err((code, message)))])?;
                }
            }
        }
        if let Some(s) = server.as_mut().filter(|_| dirty) {
            let published = s.guarded_lint();
            send(out, &published)?;
        }
    }
    Err("the input reader stopped".into())
}

/// Asks the client to report changes of the workspace's manifests and configuration.
fn watch_registration() -> Value {
    let mut m = transport::notification(
        "client/registerCapability",
        json!({"registrations": [{
            "id": "kshape-watch",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": {"watchers": [{"globPattern": "**/*.{yaml,yml,json}"}, {"globPattern": "**/.kshape.yaml"}]}
        }]}),
    );
    m["id"] = json!("kshape-watch");
    m
}

/// An open document.
struct Doc {
    text: String,
    version: Option<i64>,
}

/// What the last lint found in an open document, kept for code actions and hover.
struct Finding {
    diagnostic: Value,
    rule: RuleId,
    start: usize,
    end: usize,
    fix: Option<(String, Vec<Value>)>,
    /// The fix as byte edits, to combine fixes without overlaps (`source.fixAll`).
    raw_fix: Option<crate::fix::Fix>,
}

struct Server {
    folders: Vec<PathBuf>,
    docs: BTreeMap<String, Doc>,
    findings: BTreeMap<String, Vec<Finding>>,
    /// The workspace's manifests as read from disk, and when.
    context: Option<(Instant, Vec<SourceFile>)>,
    /// Those of them not open in the editor, parsed and typed: kept between lints, so a
    /// keystroke costs the open documents and the rules, not the whole workspace.
    prepared: Prepared,
    /// The open documents' names when `prepared` was built.
    prepared_for: Vec<String>,
    watch_files: bool,
    /// Each workspace folder's configuration, read again only when its file changes.
    configs: BTreeMap<PathBuf, FolderConfig>,
    /// The diagnostics last published for each document: the same ones are not sent again.
    published: BTreeMap<String, Vec<Value>>,
    /// Lints run and diagnostics published so far (`kshape/status`).
    lints: u64,
    publishes: u64,
}

/// A workspace folder's `.kshape.yaml`, as last read.
struct FolderConfig {
    /// The file found (none: the defaults) and its (modification time, length) when read.
    file: Option<(PathBuf, Option<std::time::SystemTime>, u64)>,
    /// The settings it gives: the defaults when it is invalid.
    run: RunSettings,
    /// Why it is invalid: published as diagnostics on the file.
    errors: Option<ConfigErrors>,
    /// Saved or changed on disk: read again whatever its time stamp says.
    reread: bool,
}

impl FolderConfig {
    fn read(folder: &Path) -> FolderConfig {
        let Some(path) = crate::config::discover(folder) else {
            return FolderConfig { file: None, run: RunSettings::default(), errors: None, reread: false };
        };
        let stamp = stamp(&path);
        // No command-line options here: excludes stay anchored at the file's directory.
        let loaded = crate::config::load(&path);
        let (run, errors) = match loaded.map(|l| crate::config::resolve(&l, &crate::config::Overrides::default())) {
            Ok(Ok(run)) => (run, None),
            Ok(Err(e)) => {
                let errors = vec![crate::config::ConfigError { span: Some(Default::default()), line: 1, column: 1, message: e }];
                (RunSettings::default(), Some(ConfigErrors { path: path.clone(), text: String::new(), errors }))
            }
            Err(e) => (RunSettings::default(), Some(e)),
        };
        FolderConfig { file: Some((path, stamp.0, stamp.1)), run, errors, reread: false }
    }

    /// Whether the file found now is not the one read, or has changed since.
    fn stale(&self, folder: &Path) -> bool {
        let now = crate::config::discover(folder);
        if self.reread {
            return true;
        }
        match (&self.file, now) {
            (None, None) => false,
            (Some((path, mtime, len)), Some(p)) => *path != p || stamp(&p) != (*mtime, *len),
            _ => true,
        }
    }

    /// The errors as LSP diagnostics on the file (an empty list when it is valid).
    fn diagnostics(&self) -> Vec<Value> {
        let Some(e) = &self.errors else { return Vec::new() };
        let lines = Lines::new(&e.text);
        e.errors
            .iter()
            .map(|err| {
                let span = err.span.unwrap_or_default();
                json!({"range": lines.range(span.start as usize, span.end as usize), "severity": 1, "source": "kshape", "message": err.message})
            })
            .collect()
    }
}

fn stamp(path: &Path) -> (Option<std::time::SystemTime>, u64) {
    match std::fs::metadata(path) {
        Ok(m) => (m.modified().ok(), m.len()),
        Err(_) => (None, 0),
    }
}

impl Server {
    fn new(init: &Value) -> Server {
        let mut folders: Vec<PathBuf> =
            init["workspaceFolders"].as_array().into_iter().flatten().filter_map(|f| f["uri"].as_str().and_then(uri_to_path)).collect();
        if folders.is_empty() {
            if let Some(p) = init["rootUri"].as_str().and_then(uri_to_path).or_else(|| init["rootPath"].as_str().map(PathBuf::from)) {
                folders.push(p);
            }
        }
        // Canonical, as the open documents' paths are: a document must not also count as a
        // workspace file under another spelling of its path (it would be its own duplicate).
        let folders = folders.into_iter().map(|f| std::fs::canonicalize(&f).unwrap_or(f)).collect();
        let watch_files = init["capabilities"]["workspace"]["didChangeWatchedFiles"]["dynamicRegistration"].as_bool() == Some(true);
        Server {
            folders,
            docs: BTreeMap::new(),
            findings: BTreeMap::new(),
            context: None,
            prepared: Prepared::default(),
            prepared_for: Vec::new(),
            watch_files,
            configs: BTreeMap::new(),
            published: BTreeMap::new(),
            lints: 0,
            publishes: 0,
        }
    }

    fn request(&mut self, method: &str, params: &Value) -> Result<Value, (i64, String)> {
        match method {
            "textDocument/codeAction" => Ok(self.code_actions(params)),
            "textDocument/hover" => Ok(self.hover(params)),
            // For tests and curious users: how much work the server has done.
            "kshape/status" => Ok(json!({"lints": self.lints, "publishedDiagnostics": self.publishes, "openDocuments": self.docs.len()})),
            _ => Err((METHOD_NOT_FOUND, format!("kshape does not handle {method}"))),
        }
    }

    /// `request`, answering InternalError if it panics (a bug, logged on stderr) rather than
    /// ending the session.
    fn guarded_request(&mut self, method: &str, params: &Value) -> Result<Value, (i64, String)> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.request(method, params)))
            .unwrap_or_else(|_| Err((INTERNAL_ERROR, format!("kshape failed on {method} (a bug; see its stderr)"))))
    }

    /// `lint`, surviving a panic (a bug, logged on stderr): the workspace is read again next time.
    fn guarded_lint(&mut self) -> Vec<Value> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.lint())).unwrap_or_else(|_| {
            self.context = None;
            self.prepared = Prepared::default();
            self.prepared_for.clear();
            Vec::new()
        })
    }

    /// A publishDiagnostics notification, unless these are the diagnostics last published for
    /// the document.
    fn publish(&mut self, uri: &str, version: Option<i64>, diagnostics: Vec<Value>) -> Option<Value> {
        if self.published.get(uri) == Some(&diagnostics) {
            return None;
        }
        self.publishes += 1;
        self.published.insert(uri.to_string(), diagnostics.clone());
        Some(publish(uri, version, diagnostics))
    }

    /// Applies a notification to the server's state: (whether to lint again, what to publish now).
    fn apply(&mut self, method: &str, p: &Value) -> (bool, Vec<Value>) {
        let uri = p["textDocument"]["uri"].as_str().unwrap_or("").to_string();
        if uri.is_empty() && method.starts_with("textDocument/") {
            return (false, Vec::new()); // malformed: no document to speak of
        }
        match method {
            "textDocument/didOpen" => {
                let text = p["textDocument"]["text"].as_str().unwrap_or("").to_string();
                // Published after the next lint, whatever was published before.
                self.published.remove(&uri);
                self.docs.insert(uri, Doc { text, version: p["textDocument"]["version"].as_i64() });
            }
            "textDocument/didChange" => {
                // Full sync: the last change holds the whole text.
                let Some(text) = p["contentChanges"].as_array().and_then(|c| c.last()).and_then(|c| c["text"].as_str()) else {
                    return (false, Vec::new());
                };
                let version = p["textDocument"]["version"].as_i64();
                self.docs.insert(uri, Doc { text: text.to_string(), version });
            }
            "textDocument/didSave" | "workspace/didChangeWatchedFiles" | "workspace/didChangeWorkspaceFolders" => {
                self.context = None;
                // A changed configuration can change how every file is classified.
                let changed = p["changes"].as_array().into_iter().flatten().filter_map(|c| c["uri"].as_str()).chain(Some(uri.as_str()));
                if changed.into_iter().any(|u| crate::config::FILE_NAMES.iter().any(|n| u.ends_with(&format!("/{n}")))) {
                    // Read again at the next lint, even if its time stamp did not move.
                    self.configs.values_mut().for_each(|c| c.reread = true);
                }
                if method == "workspace/didChangeWorkspaceFolders" {
                    let ev = &p["event"];
                    let folders = |key: &str| -> Vec<PathBuf> {
                        ev[key]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|f| f["uri"].as_str().and_then(uri_to_path))
                            .map(|f| std::fs::canonicalize(&f).unwrap_or(f))
                            .collect()
                    };
                    let removed = folders("removed");
                    self.folders.retain(|f| !removed.contains(f));
                    self.folders.extend(folders("added"));
                }
            }
            "textDocument/didClose" => {
                self.docs.remove(&uri);
                self.findings.remove(&uri);
                // The workspace list still holds the file as saved: it rejoins the context
                // when the open set changes, without reading the workspace again. A
                // configuration's errors stay until it is fixed.
                let keep = self.config_diagnostics(&uri).unwrap_or_default();
                self.published.remove(&uri);
                return (true, self.publish(&uri, None, keep).into_iter().collect());
            }
            _ => return (false, Vec::new()),
        }
        (true, Vec::new())
    }

    /// The workspace's files minus the open documents, processed; reuses what is unchanged.
    fn prepare_context(&mut self, open: Vec<String>, settings: &crate::index::Settings) {
        let fresh = self.context.as_ref().is_some_and(|(at, _)| at.elapsed() < CONTEXT_TTL);
        if fresh && open == self.prepared_for {
            return;
        }
        if fresh {
            // Only the open set changed: files opened leave the context, files closed rejoin it.
            self.prepared.retain(|n| !open.iter().any(|o| o == n));
            let have: std::collections::HashSet<String> = self.prepared.names().map(str::to_string).collect();
            let rejoin: Vec<SourceFile> = match &self.context {
                Some((_, files)) => files.iter().filter(|f| !open.contains(&f.name) && !have.contains(&f.name)).cloned().collect(),
                None => Vec::new(),
            };
            self.prepared.extend(rejoin, settings);
        } else {
            self.read_context();
            let files: Vec<SourceFile> = match &self.context {
                Some((_, files)) => files.iter().filter(|f| !open.contains(&f.name)).cloned().collect(),
                None => Vec::new(),
            };
            self.prepared = Prepared::new(files, std::mem::take(&mut self.prepared), settings);
        }
        self.prepared_for = open;
    }

    /// Reads the workspace's manifests (at most every CONTEXT_TTL, or after a save or a watched change).
    fn read_context(&mut self) {
        let mut all = Vec::new();
        for folder in &self.folders {
            let excludes = self.configs.get(folder).map(|c| c.run.excludes.as_slice()).unwrap_or_default();
            let opts = source::Options { excludes, ..source::Options::plain() };
            let mut s = Sources::default();
            if crate::kustomize::collect(&[folder.to_string_lossy().into_owned()], &opts, true, &mut s).is_ok() {
                all.extend(s.files);
            }
        }
        self.context = Some((Instant::now(), all));
    }

    /// Reads each folder's configuration again if it changed; publishes its errors (or clears
    /// them) on the file. A changed configuration changes the context's excludes and how
    /// every file is classified.
    fn refresh_configs(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        self.configs.retain(|f, _| self.folders.contains(f));
        for folder in self.folders.clone() {
            if self.configs.get(&folder).is_some_and(|c| !c.stale(&folder)) {
                continue;
            }
            let new = FolderConfig::read(&folder);
            let old = self.configs.remove(&folder);
            // Clear what was published for a file that is gone or now valid.
            if let Some((path, ..)) = old.as_ref().filter(|o| o.errors.is_some()).and_then(|o| o.file.as_ref()) {
                if new.errors.is_none() || new.file.as_ref().map(|f| &f.0) != Some(path) {
                    let uri = self.doc_uri(path);
                    out.extend(self.publish(&uri, None, Vec::new()));
                }
            }
            if let Some((path, ..)) = new.file.as_ref().filter(|_| new.errors.is_some()) {
                let uri = self.doc_uri(path);
                out.extend(self.publish(&uri, None, new.diagnostics()));
            }
            self.configs.insert(folder, new);
            self.context = None;
            self.prepared = Prepared::default();
        }
        out
    }

    /// The URI of a file: the open document's when it is open (under any spelling of its path).
    fn doc_uri(&self, path: &Path) -> String {
        self.docs
            .keys()
            .find(|u| uri_to_path(u).map(|p| std::fs::canonicalize(&p).unwrap_or(p)).as_deref() == Some(path))
            .cloned()
            .unwrap_or_else(|| path_to_uri(path))
    }

    /// The diagnostics of an invalid configuration file named by `uri`, if it is one.
    fn config_diagnostics(&self, uri: &str) -> Option<Vec<Value>> {
        let path = uri_to_path(uri).map(|p| std::fs::canonicalize(&p).unwrap_or(p))?;
        self.configs.values().find(|c| c.errors.is_some() && c.file.as_ref().is_some_and(|f| f.0 == path)).map(FolderConfig::diagnostics)
    }

    /// The settings of the run: the first folder's configuration.
    fn run_settings(&self) -> RunSettings {
        self.folders.first().and_then(|f| self.configs.get(f)).map(|c| c.run.clone()).unwrap_or_default()
    }

    /// Lints every open document (with the workspace as context) and publishes the results
    /// that changed.
    fn lint(&mut self) -> Vec<Value> {
        self.lints += 1;
        let mut out = self.refresh_configs();
        let mut inputs: Vec<SourceFile> = Vec::new();
        let mut uris: Vec<String> = Vec::new();
        let mut silent: Vec<String> = Vec::new();
        for (uri, doc) in &self.docs {
            match input_file(uri, &doc.text) {
                Some(f) => {
                    inputs.push(f);
                    uris.push(uri.clone());
                }
                None => silent.push(uri.clone()),
            }
        }
        let open: Vec<String> = inputs.iter().map(|f| f.name.clone()).collect();
        let RunSettings { settings, selection, namespace, .. } = self.run_settings();
        self.prepare_context(open, &settings);
        // The workspace's files come first in the run, the open documents after them.
        let first = self.prepared.len();
        let n_inputs = inputs.len();
        let lint = crate::lint_prepared(std::mem::take(&mut self.prepared), inputs, &namespace, settings, &selection);
        let views = lint.views();
        let mut per_file: Vec<Vec<&Diagnostic>> = vec![Vec::new(); n_inputs];
        for d in &lint.diagnostics {
            if let Some(v) = d.file.checked_sub(first).and_then(|i| per_file.get_mut(i)) {
                v.push(d);
            }
        }
        self.findings.clear();
        for (i, uri) in uris.iter().enumerate() {
            let Some(text) = views.get(first + i).map(|v| v.text) else { continue };
            let lines = Lines::new(text);
            let mut findings = Vec::new();
            for d in &per_file[i] {
                findings.push(finding(d, &lines, &views, &uris, first));
            }
            let diagnostics = findings.iter().map(|f| f.diagnostic.clone()).collect();
            let version = self.docs.get(uri).and_then(|d| d.version);
            out.extend(self.publish(uri, version, diagnostics));
            self.findings.insert(uri.clone(), findings);
        }
        for uri in silent {
            // An invalid `.kshape.yaml` keeps its errors.
            let diagnostics = self.config_diagnostics(&uri).unwrap_or_default();
            let version = self.docs.get(&uri).and_then(|d| d.version);
            out.extend(self.publish(&uri, version, diagnostics));
        }
        drop(views);
        self.prepared = lint.into_prepared(first);
        out
    }

    fn code_actions(&self, p: &Value) -> Value {
        let uri = p["textDocument"]["uri"].as_str().unwrap_or("");
        let (Some(doc), Some(findings)) = (self.docs.get(uri), self.findings.get(uri)) else { return json!([]) };
        let lines = Lines::new(&doc.text);
        let from = lines.offset(&p["range"]["start"]);
        let to = lines.offset(&p["range"]["end"]);
        // `only` narrows the kinds the editor wants (`source.fixAll` on save, say).
        let only: Vec<&str> = p["context"]["only"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let wants = |kind: &str| only.is_empty() || only.iter().any(|o| kind == *o || kind.starts_with(&format!("{o}.")));
        let mut actions = Vec::new();
        if wants("source.fixAll.kshape") {
            // Every fix none of whose edits conflicts with a fix taken before, as one edit of
            // the document; an edit already taken (the same Service for two StatefulSets) once.
            let mut chosen: Vec<&crate::fix::Edit> = Vec::new();
            for f in findings.iter().filter_map(|f| f.raw_fix.as_ref()) {
                let new: Vec<&crate::fix::Edit> = f.edits.iter().filter(|e| !chosen.contains(e)).collect();
                if !new.iter().any(|e| chosen.iter().any(|c| edits_conflict(c, e))) {
                    chosen.extend(new);
                }
            }
            if !chosen.is_empty() {
                let edits: Vec<Value> = chosen
                    .iter()
                    .map(|e| json!({"range": lines.range(e.span.start as usize, e.span.end as usize), "newText": e.text}))
                    .collect();
                actions.push(json!({"title": "kshape: fix all", "kind": "source.fixAll.kshape", "edit": {"changes": {uri: edits}}}));
            }
        }
        if !wants("quickfix") {
            return Value::Array(actions);
        }
        for f in findings.iter().filter(|f| f.start <= to && from <= f.end) {
            if let Some((title, edits)) = &f.fix {
                actions.push(json!({
                    "title": title,
                    "kind": "quickfix",
                    "isPreferred": true,
                    "diagnostics": [f.diagnostic],
                    "edit": {"changes": {uri: edits}}
                }));
            }
        }
        for f in findings.iter().filter(|f| f.start <= to && from <= f.end) {
            // A comment on the line before silences this line (and the one after it).
            let line_start = lines.index.line_bounds(&doc.text, f.start).0;
            let indent: String = doc.text.get(line_start..).unwrap_or("").chars().take_while(|c| *c == ' ').collect();
            let eol = match (doc.text.contains("\r\n"), doc.text.contains('\n'), doc.text.contains('\r')) {
                (true, ..) => "\r\n",
                (false, false, true) => "\r",
                _ => "\n",
            };
            let at = lines.position(line_start);
            actions.push(json!({
                "title": format!("Suppress {} on this line", f.rule),
                "kind": "quickfix",
                "diagnostics": [f.diagnostic],
                "edit": {"changes": {uri: [{"range": {"start": at, "end": at}, "newText": format!("{indent}# kshape: ignore[{}]{eol}", f.rule)}]}}
            }));
        }
        Value::Array(actions)
    }

    fn hover(&self, p: &Value) -> Value {
        let uri = p["textDocument"]["uri"].as_str().unwrap_or("");
        let (Some(doc), Some(findings)) = (self.docs.get(uri), self.findings.get(uri)) else { return Value::Null };
        let lines = Lines::new(&doc.text);
        let at = lines.offset(&p["position"]);
        let Some(f) = findings.iter().find(|f| f.start <= at && at <= f.end) else { return Value::Null };
        let meta = f.rule.meta();
        json!({
            "contents": {"kind": "markdown", "value": crate::rules::docs::markdown(meta)},
            "range": f.diagnostic["range"]
        })
    }
}

/// Whether two edits of a text cannot both be applied: they replace bytes in common, one
/// inserts inside (or at the start of) what the other replaces. Two inserts at the same place
/// both apply, in the order given, as LSP specifies (`crate::fix::overlaps` is stricter: the
/// command line's fix loop applies the second in its next round, which fix-all has not).
fn edits_conflict(a: &crate::fix::Edit, b: &crate::fix::Edit) -> bool {
    let (xs, xe, ys, ye) = (a.span.start, a.span.end, b.span.start, b.span.end);
    if xs == xe && ys == ye {
        return false;
    }
    (xs < ye && ys < xe) || xs == ys || (xs == xe && ys < xs && xs < ye) || (ys == ye && xs < ys && ys < xe)
}

/// The document as a lint input; None when it is not a Kubernetes manifest (no `apiVersion`
/// or `kind` key), is a Helm template, or a kustomization's patch: those get no diagnostics.
fn input_file(uri: &str, text: &str) -> Option<SourceFile> {
    // Lines end at `\n`, `\r\n` or a lone `\r` (as YAML and the protocol count them).
    let looks_like_manifest = text.split(['\n', '\r']).any(|l| {
        let l = l.trim_start().trim_start_matches("- ").trim_start_matches(['"', '\'']);
        l.starts_with("apiVersion") || l.starts_with("kind")
    });
    if !looks_like_manifest {
        return None;
    }
    let path = uri_to_path(uri).map(|p| std::fs::canonicalize(&p).unwrap_or(p));
    if let Some(p) = &path {
        // A Helm chart's templates are not YAML until rendered.
        let in_chart_templates = p.ancestors().any(|a| {
            a.file_name().is_some_and(|n| n == "templates")
                && a.parent().is_some_and(|c| c.join("Chart.yaml").is_file() || c.join("Chart.yml").is_file())
        });
        if in_chart_templates {
            return None;
        }
        if p.is_file() {
            // Read as the command line reads it (kustomize inputs, patches), with the editor's text.
            let opts = source::Options::plain();
            let mut s = Sources::default();
            let name = p.to_string_lossy().into_owned();
            crate::kustomize::collect(std::slice::from_ref(&name), &opts, false, &mut s).ok()?;
            let mut f = s.files.into_iter().next()?;
            f.text = text.to_string();
            f.invalid_utf8_at = None;
            return Some(f);
        }
    }
    let name = path.map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|| uri.to_string());
    Some(SourceFile::new(name, text))
}

fn publish(uri: &str, version: Option<i64>, diagnostics: Vec<Value>) -> Value {
    let mut params = json!({"uri": uri});
    params["diagnostics"] = Value::Array(diagnostics);
    if let Some(v) = version {
        params["version"] = json!(v);
    }
    transport::notification("textDocument/publishDiagnostics", params)
}

/// `first`: the index in the run of the first open document (`uris[0]`).
fn finding(d: &Diagnostic, lines: &Lines, views: &[crate::report::SourceView], uris: &[String], first: usize) -> Finding {
    let (start, end) = (d.span.start as usize, d.span.end as usize);
    let range = lines.range(start, end);
    let mut message = d.message.clone();
    if !d.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&d.help);
    }
    let related: Vec<Value> = d
        .related
        .iter()
        .filter_map(|r| {
            let v = views.get(r.file)?;
            let ruri = r.file.checked_sub(first).and_then(|i| uris.get(i)).cloned().unwrap_or_else(|| path_to_uri(Path::new(v.name)));
            let rl = Lines::new(v.text);
            Some(json!({"location": {"uri": ruri, "range": rl.range(r.span.start as usize, r.span.end as usize)}, "message": r.message}))
        })
        .collect();
    let severity = match d.severity {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
    };
    let mut diagnostic = json!({
        "range": range,
        "severity": severity,
        "code": d.rule().as_str(),
        "codeDescription": {"href": d.rule().docs_url()},
        "source": "kshape",
        "message": message,
    });
    if !related.is_empty() {
        diagnostic["relatedInformation"] = Value::Array(related);
    }
    let fix = d.fix.as_ref().map(|f| {
        let edits =
            f.edits.iter().map(|e| json!({"range": lines.range(e.span.start as usize, e.span.end as usize), "newText": e.text})).collect();
        (format!("kshape: {}", f.description), edits)
    });
    Finding { diagnostic, rule: d.rule(), start, end, fix, raw_fix: d.fix.clone() }
}

/// Byte offsets <-> LSP positions (0-based line, UTF-16 code units), from the one `LineIndex`.
struct Lines<'a> {
    text: &'a str,
    index: crate::yaml::LineIndex,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines { text, index: crate::yaml::LineIndex::new(text) }
    }

    fn position(&self, offset: usize) -> Value {
        let (line, character) = self.index.utf16_position(self.text, offset);
        json!({"line": line, "character": character})
    }

    fn range(&self, start: usize, end: usize) -> Value {
        json!({"start": self.position(start), "end": self.position(end)})
    }

    /// The byte offset of an LSP position (clamped to its line).
    fn offset(&self, pos: &Value) -> usize {
        // A number past usize is past the end of any line or text: clamped like one that fits.
        let number = |v: &Value| v.as_u64().map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
        let (line, character) = (number(&pos["line"]), number(&pos["character"]));
        self.index.utf16_offset(self.text, line, character)
    }
}

/// `file:///a%20b/c.yaml` -> `/a b/c.yaml`; None for other schemes ([`crate::util::file_uri_to_path`]).
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    crate::util::file_uri_to_path(uri)
}

/// `/a b/c.yaml` -> `file:///a%20b/c.yaml` ([`crate::util::path_to_file_uri`]).
pub fn path_to_uri(path: &Path) -> String {
    crate::util::path_to_file_uri(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        assert_eq!(uri_to_path("file:///a%20b/c.yaml"), Some(PathBuf::from("/a b/c.yaml")));
        assert_eq!(uri_to_path("file://localhost/x.yaml"), Some(PathBuf::from("/x.yaml")));
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(path_to_uri(Path::new("/a b/ü.yaml")), "file:///a%20b/%C3%BC.yaml");
        assert_eq!(uri_to_path(&path_to_uri(Path::new("/a b/ü.yaml"))), Some(PathBuf::from("/a b/ü.yaml")));
    }

    #[test]
    fn positions_count_utf16_units() {
        let text = "a: é😀x\nb: 1\n";
        let l = Lines::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(l.position(x), json!({"line": 0, "character": 6}));
        assert_eq!(l.offset(&json!({"line": 0, "character": 6})), x);
        assert_eq!(l.position(text.find('b').unwrap()), json!({"line": 1, "character": 0}));
        assert_eq!(l.offset(&json!({"line": 9, "character": 0})), text.len());
    }
}
