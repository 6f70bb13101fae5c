//! `kshape lsp`, driven as an editor drives it: spawn the binary, speak JSON-RPC over its
//! stdin and stdout, assert on what comes back.

mod common;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Every message taken from the server, in order.
    seen: Vec<Value>,
}

impl Client {
    fn start(dir: &std::path::Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kshape"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kshape lsp starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = std::sync::mpsc::channel();
        std::thread::spawn(move || loop {
            let mut len = None;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    len = v.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; len.expect("a Content-Length header")];
            stdout.read_exact(&mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).expect("JSON body")).is_err() {
                return;
            }
        });
        Client { child, stdin: Some(stdin), incoming, next_id: 1, seen: Vec::new() }
    }

    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// Bytes as they are, framed or not.
    fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("input still open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Closes the server's input.
    fn close_input(&mut self) {
        self.stdin = None;
    }

    /// The server's exit code, waited for at most 10 s.
    fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `kshape/status`: how many lints and publications the server has done.
    fn status(&mut self) -> Value {
        self.request("kshape/status", Value::Null)
    }

    fn notify(&mut self, method: &str, params: Value) {
        let mut msg = json!({"jsonrpc": "2.0", "method": method});
        msg["params"] = params;
        self.send(&msg);
    }

    /// Sends a request and waits for its response (answering nothing else meanwhile).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({"jsonrpc": "2.0", "id": id, "method": method});
        msg["params"] = params;
        self.send(&msg);
        let msg = self.wait(|m| m["id"] == json!(id) && m.get("method").is_none());
        assert!(msg.get("error").is_none(), "{method} failed: {msg}");
        msg["result"].clone()
    }

    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if pred(&m) => {
                    self.seen.push(m.clone());
                    return m;
                }
                Ok(m) => {
                    self.seen.push(m.clone());
                    // The server may ask to watch files; answer so it is not left waiting.
                    if m["method"] == "client/registerCapability" {
                        let id = m["id"].clone();
                        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no matching message from the server within 30 s"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let m = self.wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri);
        m["params"]["diagnostics"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed test must not leave a server behind holding the test's output open.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn uri(p: &std::path::Path) -> String {
    kshape::lsp::path_to_uri(p)
}

/// Line 5 (0-based) has `serviceName: trainer`; line 10 has an emoji before `lables`.
const STS: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: trainer
spec:
  serviceName: trainer
  replicas: 2
  selector:
    matchLabels: {app: trainer}
  template:
    metadata: {labels: {app: trainer}, annotations: {note: \"Zoë 😀\"}, lables: {app: x}}
    spec:
      containers:
        - name: trainer
          image: ghcr.io/example/trainer:1.0
          command: [torchrun, --nnodes=2, --master_addr=trainer-0.trainer, train.py]
";

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: trainer
spec:
  clusterIP: None
  selector: {app: trainer}
";

fn by_rule<'a>(diags: &'a [Value], rule: &str) -> Option<&'a Value> {
    diags.iter().find(|d| d["code"] == rule)
}

#[test]
fn a_session_gets_diagnostics_fixes_hover_and_cross_file_references() {
    let dir = common::tmp("lsp-session");
    let sts_path = dir.join("trainer.yaml");
    std::fs::write(&sts_path, STS).unwrap();
    let sts = uri(&sts_path);
    let mut c = Client::start(&dir);
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&dir), "workspaceFolders": [{"uri": uri(&dir), "name": "ws"}], "capabilities": {}}),
    );
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    assert_eq!(init["serverInfo"]["name"], "kshape");
    c.notify("initialized", json!({}));

    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": sts, "languageId": "yaml", "version": 1, "text": STS}}));
    let diags = c.diagnostics(&sts);
    let missing =
        by_rule(&diags, "statefulset-service-not-found").unwrap_or_else(|| panic!("no statefulset-service-not-found in {diags:#?}"));
    assert_eq!(missing["range"], json!({"start": {"line": 5, "character": 15}, "end": {"line": 5, "character": 22}}));
    assert_eq!(missing["severity"], 1);
    assert_eq!(missing["source"], "kshape");
    assert!(missing["codeDescription"]["href"].as_str().unwrap().ends_with("docs/rules/statefulset-service-not-found.md"));
    assert!(missing["message"].as_str().unwrap().contains("no Service `trainer`"), "{missing}");
    // UTF-16 columns: `ë` is one unit and the emoji two (bytes would say 73, characters 69).
    let typo = by_rule(&diags, "unknown-field").expect("unknown-field for `lables`");
    assert_eq!(typo["range"], json!({"start": {"line": 10, "character": 70}, "end": {"line": 10, "character": 76}}), "{typo}");

    // The code action adds the headless Service at the end of the document.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": sts}, "range": missing["range"], "context": {"diagnostics": [missing]}}),
    );
    let add = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap_or("").contains("headless Service"))
        .unwrap_or_else(|| panic!("no action adding the Service: {actions:#}"));
    assert_eq!(add["kind"], "quickfix");
    let edits = add["edit"]["changes"][&sts].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["range"]["start"], json!({"line": 16, "character": 0}));
    let new_text = edits[0]["newText"].as_str().unwrap();
    assert!(new_text.starts_with("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: trainer\n"), "{new_text}");
    assert!(new_text.contains("  clusterIP: None\n  selector:\n    app: trainer\n"), "{new_text}");
    // ...and a suppression comment on the line before.
    let suppress = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Suppress statefulset-service-not-found on this line")
        .expect("suppress action");
    let s_edit = &suppress["edit"]["changes"][&sts][0];
    assert_eq!(s_edit["range"]["start"], json!({"line": 5, "character": 0}));
    assert_eq!(s_edit["newText"], "  # kshape: ignore[statefulset-service-not-found]\n");

    // Fix-all (what an editor asks for on save): one action with every fix that applies.
    let all = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": sts}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["kind"], "source.fixAll.kshape");
    // `lables` has no fix (renaming it would duplicate `labels`): only the Service is added.
    assert_eq!(all[0]["edit"]["changes"][&sts], json!(edits), "{all:#?}");

    // Hover on the finding shows the rule's documentation.
    let hover = c.request("textDocument/hover", json!({"textDocument": {"uri": sts}, "position": {"line": 5, "character": 17}}));
    assert!(hover["contents"]["value"].as_str().unwrap().starts_with("# statefulset-service-not-found"), "{hover}");
    let nothing = c.request("textDocument/hover", json!({"textDocument": {"uri": sts}, "position": {"line": 0, "character": 0}}));
    assert!(nothing.is_null());

    // Applying the fix in the editor (didChange) clears the finding.
    let fixed = format!("{STS}{new_text}");
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": sts, "version": 2}, "contentChanges": [{"text": fixed}]}));
    let diags = c.diagnostics(&sts);
    assert!(by_rule(&diags, "statefulset-service-not-found").is_none(), "{diags:#?}");

    // Back to the original text, then the Service appears in another file of the workspace.
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": sts, "version": 3}, "contentChanges": [{"text": STS}]}));
    assert!(by_rule(&c.diagnostics(&sts), "statefulset-service-not-found").is_some());
    std::fs::write(dir.join("service.yaml"), SERVICE).unwrap();
    c.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri(&dir.join("service.yaml")), "type": 1}]}));
    let diags = c.diagnostics(&sts);
    assert!(by_rule(&diags, "statefulset-service-not-found").is_none(), "the workspace's Service is not seen: {diags:#?}");
    assert!(by_rule(&diags, "unknown-field").is_some());

    // YAML that is not a Kubernetes manifest gets no diagnostics, even when it is broken.
    let ci = uri(&dir.join("ci.yml"));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": ci, "languageId": "yaml", "version": 1, "text": "name: ci\non: [push\njobs: {}\n"}}),
    );
    assert_eq!(c.diagnostics(&ci), Vec::<Value>::new());

    let r = c.request("shutdown", Value::Null);
    assert!(r.is_null());
    c.notify("exit", Value::Null);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = c.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Service a StatefulSet names, in another file of the workspace, but not headless: the
/// finding's related information points into that file. The suppression action works, the
/// workspace's `.kshape.yaml` applies, and closing a document clears its diagnostics.
#[test]
fn related_information_suppression_config_and_close() {
    let dir = common::tmp("lsp-related");
    std::fs::write(dir.join("service.yaml"), SERVICE.replace("  clusterIP: None\n", "")).unwrap();
    std::fs::write(dir.join(".kshape.yaml"), "rules:\n  ignore: [unknown-field]\n").unwrap();
    let sts = uri(&dir.join("trainer.yaml"));
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"processId": null, "rootUri": uri(&dir), "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}}));
    c.notify("initialized", json!({}));
    // Not saved yet: the document exists only in the editor.
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": sts, "languageId": "yaml", "version": 1, "text": STS}}));
    let diags = c.diagnostics(&sts);
    assert!(by_rule(&diags, "unknown-field").is_none(), ".kshape.yaml ignores unknown-field: {diags:#?}");
    let d = by_rule(&diags, "statefulset-service-not-headless").unwrap_or_else(|| panic!("{diags:#?}"));
    let related = &d["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri(&dir.join("service.yaml")), "{d}");
    // The `spec` key of the Service, where `clusterIP: None` belongs.
    assert_eq!(related["location"]["range"], json!({"start": {"line": 4, "character": 0}, "end": {"line": 4, "character": 4}}), "{d}");

    // The suppression comment, applied as the editor would, silences the finding.
    let actions =
        c.request("textDocument/codeAction", json!({"textDocument": {"uri": sts}, "range": d["range"], "context": {"diagnostics": [d]}}));
    let suppress = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Suppress statefulset-service-not-headless on this line")
        .expect("suppress action");
    let edit = &suppress["edit"]["changes"][&sts][0];
    let line = usize::try_from(edit["range"]["start"]["line"].as_u64().unwrap()).unwrap();
    let mut lines: Vec<String> = STS.lines().map(|l| format!("{l}\n")).collect();
    lines.insert(line, edit["newText"].as_str().unwrap().to_string());
    let text: String = lines.concat();
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": sts, "version": 2}, "contentChanges": [{"text": text}]}));
    let diags = c.diagnostics(&sts);
    assert!(by_rule(&diags, "statefulset-service-not-headless").is_none(), "{diags:#?}");
    assert!(by_rule(&diags, "unused-suppression").is_none(), "{diags:#?}");

    c.notify("textDocument/didClose", json!({"textDocument": {"uri": sts}}));
    assert_eq!(c.diagnostics(&sts), Vec::<Value>::new());
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The server keeps the workspace's files processed between lints: a run that reuses them
/// finds exactly what a fresh run with the same files as `--context` finds, round after round.
#[test]
fn reused_context_gives_the_same_findings_as_a_fresh_run() {
    let src = |name: &str, text: &str, context: bool| kshape::source::SourceFile { context, ..kshape::source::SourceFile::new(name, text) };
    let headless = SERVICE.to_string();
    let not_headless = SERVICE.replace("  clusterIP: None\n", "");
    let hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: t\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: trainer}\n  minReplicas: 1\n  maxReplicas: 3\n";
    let key = |l: &kshape::Lint| {
        let mut v: Vec<(String, String)> = l
            .diagnostics
            .iter()
            .map(|d| (l.index.files[d.file].source.name.clone(), format!("{} {}", d.rule().as_str(), d.message)))
            .collect();
        v.sort();
        v
    };
    let mut prepared = kshape::index::Prepared::default();
    for (svc, with_hpa) in [(&headless, false), (&not_headless, true), (&not_headless, false), (&headless, true)] {
        let mut ctx = vec![src("ws/service.yaml", svc, true)];
        if with_hpa {
            ctx.push(src("ws/hpa.yaml", hpa, true));
        }
        let fresh = {
            let mut all = vec![src("ws/trainer.yaml", STS, false)];
            all.extend(ctx.clone());
            kshape::lint(all, "default")
        };
        let settings = kshape::index::Settings::default();
        prepared = kshape::index::Prepared::new(ctx, prepared, &settings);
        let n = prepared.len();
        let reused = kshape::lint_prepared(prepared, vec![src("ws/trainer.yaml", STS, false)], "default", settings, &Default::default());
        assert_eq!(key(&reused), key(&fresh));
        assert!(!key(&fresh).is_empty());
        prepared = reused.into_prepared(n);
        assert_eq!(prepared.names().collect::<Vec<_>>().len(), n);
    }
    // The open set changes: the Service file is opened (leaves the context) and closed (rejoins).
    let settings = kshape::index::Settings::default();
    let service = src("ws/service.yaml", &headless, true);
    prepared = kshape::index::Prepared::new(vec![service.clone(), src("ws/hpa.yaml", hpa, true)], prepared, &settings);
    prepared.retain(|n| n != "ws/service.yaml");
    assert_eq!(prepared.names().collect::<Vec<_>>(), ["ws/hpa.yaml"]);
    let n = prepared.len();
    let open = vec![src("ws/trainer.yaml", STS, false), src("ws/service.yaml", &headless, false)];
    let reused = kshape::lint_prepared(prepared, open.clone(), "default", kshape::index::Settings::default(), &Default::default());
    let mut fresh_files = open;
    fresh_files.push(src("ws/hpa.yaml", hpa, true));
    assert_eq!(key(&reused), key(&kshape::lint(fresh_files, "default")));
    prepared = reused.into_prepared(n);
    prepared.extend(vec![service], &settings);
    let reused = kshape::lint_prepared(
        prepared,
        vec![src("ws/trainer.yaml", STS, false)],
        "default",
        kshape::index::Settings::default(),
        &Default::default(),
    );
    let fresh = kshape::lint(
        vec![src("ws/trainer.yaml", STS, false), src("ws/hpa.yaml", hpa, true), src("ws/service.yaml", &headless, true)],
        "default",
    );
    assert_eq!(key(&reused), key(&fresh));
}

/// A workspace reached through a symbolic link, a document opened under the real path and
/// edited: the workspace's Service resolves its reference, and its saved copy on disk (the
/// same file under another spelling of its path) causes no finding against it.
#[test]
fn workspace_through_a_symlink() {
    let dir = common::tmp("lsp-symlink");
    std::fs::create_dir_all(dir.join("real")).unwrap();
    std::os::unix::fs::symlink(dir.join("real"), dir.join("link")).unwrap();
    std::fs::write(dir.join("real/trainer.yaml"), STS).unwrap();
    std::fs::write(dir.join("real/service.yaml"), SERVICE).unwrap();
    let doc = uri(&dir.join("real/trainer.yaml"));
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"processId": null, "rootUri": uri(&dir.join("link")), "capabilities": {}}));
    c.notify("initialized", json!({}));
    // Renamed in the editor, not saved: the copy on disk is the same StatefulSet, before the edit.
    let edited = STS.replacen("name: trainer\n", "name: trainer-b\n", 1);
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": doc, "languageId": "yaml", "version": 1, "text": edited}}));
    let diags = c.diagnostics(&doc);
    assert!(by_rule(&diags, "duplicate-object").is_none() && by_rule(&diags, "overlapping-selectors").is_none(), "{diags:#?}");
    assert!(by_rule(&diags, "statefulset-service-not-found").is_none(), "the Service beside it is seen: {diags:#?}");
    assert!(by_rule(&diags, "unknown-field").is_some());
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Classic Mac OS line ends (a lone `\r`) are line breaks for YAML and for the protocol: the
/// document is linted, positions are on the right lines, and a suppression comment goes on its
/// own line with the document's line end.
#[test]
fn a_document_with_lone_carriage_returns_gets_diagnostics_on_its_lines() {
    let dir = common::tmp("lsp-cr");
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"processId": null, "rootUri": null, "capabilities": {}}));
    c.notify("initialized", json!({}));
    let u = "untitled:Untitled-cr";
    let text = "# saved by a classic Mac editor\rapiVersion: apps/v1\rkind: StatefulSet\rmetadata:\r  name: trainer\rspec:\r  serviceName: trainer\r  replicas: 2\r  selector:\r    matchLabels: {app: trainer}\r  template:\r    metadata: {labels: {app: trainer}, lables: {app: x}}\r    spec:\r      containers:\r        - name: trainer\r          image: ghcr.io/example/trainer:1.0\r";
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": u, "languageId": "yaml", "version": 1, "text": text}}));
    let diags = c.diagnostics(u);
    let unknown = by_rule(&diags, "unknown-field").unwrap_or_else(|| panic!("linted: {diags:#?}"));
    let lables = text.find("lables").unwrap();
    let character = text[..lables].rfind('\r').map_or(lables, |i| lables - i - 1);
    assert_eq!(unknown["range"]["start"], json!({"line": 11, "character": character}), "{unknown:#}");
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": unknown["range"], "context": {"diagnostics": [unknown], "only": ["quickfix"]}}),
    );
    let suppress =
        actions.as_array().unwrap().iter().find(|a| a["title"].as_str().unwrap_or("").starts_with("Suppress")).expect("a suppress action");
    let edit = &suppress["edit"]["changes"][u][0];
    assert_eq!(edit["range"]["start"], json!({"line": 11, "character": 0}), "{edit:#}");
    assert_eq!(edit["newText"], "    # kshape: ignore[unknown-field]\r", "{edit:#}");
    assert!(c.request("shutdown", Value::Null).is_null());
    c.notify("exit", Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What a confused or newer client may send: unknown requests get MethodNotFound, requests about
/// documents the server does not know get empty answers, malformed notifications are ignored.
#[test]
fn odd_messages_get_answers_not_crashes() {
    let dir = common::tmp("lsp-odd");
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"processId": null, "rootUri": null, "capabilities": {}}));
    c.notify("initialized", json!({}));
    c.send(&json!({"jsonrpc": "2.0", "id": 99, "method": "textDocument/formatting", "params": {}}));
    let err = c.wait(|m| m["id"] == 99);
    assert_eq!(err["error"]["code"], -32601, "{err}");
    assert_eq!(c.request("textDocument/codeAction", json!({"textDocument": {"uri": "file:///nowhere.yaml"}})), json!([]));
    assert!(c.request("textDocument/hover", json!({"textDocument": {"uri": "file:///nowhere.yaml"}, "position": {"line": 5}})).is_null());
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": 7}}));
    c.notify("textDocument/didChange", json!({"contentChanges": "not a list"}));
    c.notify("$/cancelRequest", json!({"id": 1}));
    // Still serving: a document opened now is linted.
    let u = "untitled:Untitled-1";
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": u, "languageId": "yaml", "version": 1, "text": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: postgres:16.4\n"}}));
    assert!(by_rule(&c.diagnostics(u), "bare-pod").is_some());
    assert!(c.request("shutdown", Value::Null).is_null());
    c.notify("exit", Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An invalid `.kshape.yaml` is reported on the file itself, at the exact key or value (not at
/// a word of a comment), and cleared once it is fixed; the lint meanwhile uses the defaults.
#[test]
fn configuration_errors_are_published_on_the_configuration() {
    let dir = common::tmp("lsp-config");
    let config = dir.join(".kshape.yaml");
    std::fs::write(&config, "# we used to ignore bare-pods\nrules:\n  ignore: [bare-pods]\n").unwrap();
    let pod = uri(&dir.join("pod.yaml"));
    let cfg = uri(&config);
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"processId": null, "rootUri": uri(&dir), "capabilities": {}}));
    c.notify("initialized", json!({}));
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: postgres:16.4\n";
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": pod, "languageId": "yaml", "version": 1, "text": text}}));
    let errors = c.diagnostics(&cfg);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["range"], json!({"start": {"line": 2, "character": 11}, "end": {"line": 2, "character": 20}}), "{errors:#?}");
    assert_eq!(errors[0]["severity"], 1);
    assert!(errors[0]["message"].as_str().unwrap().contains("unknown rule or category `bare-pods`; did you mean `bare-pod`?"));
    assert!(by_rule(&c.diagnostics(&pod), "bare-pod").is_some(), "the defaults apply meanwhile");
    // Opening the configuration keeps its errors.
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": cfg, "languageId": "yaml", "version": 1, "text": "x"}}));
    assert_eq!(c.diagnostics(&cfg).len(), 1);
    // Fixed and saved: the errors are cleared and the configuration applies.
    std::fs::write(&config, "# we used to ignore bare-pods\nrules:\n  ignore: [bare-pod]\n").unwrap();
    c.notify("textDocument/didSave", json!({"textDocument": {"uri": cfg}}));
    assert_eq!(c.diagnostics(&cfg), Vec::<Value>::new());
    assert!(by_rule(&c.diagnostics(&pod), "bare-pod").is_none());
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Whether a document is a kustomize input is decided afresh on every lint: a kustomization
/// added beside it while the server runs silences the reference findings, removing it brings
/// them back.
#[test]
fn a_kustomization_added_while_running_counts() {
    let dir = common::tmp("lsp-kustomize");
    let path = dir.join("trainer.yaml");
    std::fs::write(&path, STS).unwrap();
    let sts = uri(&path);
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"processId": null, "rootUri": uri(&dir), "capabilities": {}}));
    c.notify("initialized", json!({}));
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": sts, "languageId": "yaml", "version": 1, "text": STS}}));
    assert!(by_rule(&c.diagnostics(&sts), "statefulset-service-not-found").is_some());
    std::fs::write(dir.join("kustomization.yaml"), "resources: [trainer.yaml]\n").unwrap();
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": sts, "version": 2}, "contentChanges": [{"text": STS}]}));
    let diags = c.diagnostics(&sts);
    assert!(by_rule(&diags, "statefulset-service-not-found").is_none(), "a kustomize input: {diags:#?}");
    assert!(by_rule(&diags, "unknown-field").is_some());
    std::fs::remove_file(dir.join("kustomization.yaml")).unwrap();
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": sts, "version": 3}, "contentChanges": [{"text": STS}]}));
    assert!(by_rule(&c.diagnostics(&sts), "statefulset-service-not-found").is_some());
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A frame around a body, with the Content-Length it really has.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut v = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    v.extend_from_slice(body);
    v
}

/// What the server must send back for a malformed message, before the next request's answer.
#[derive(Debug)]
enum Expect {
    /// Nothing: skipped (and logged).
    Nothing,
    /// An error response with this id and code.
    Error(Value, i64),
    /// An answer to the request: what was sent is understood after all.
    Answer(Value),
}

fn status_request(id: i64) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "method": "kshape/status"}).to_string().into_bytes()
}

/// Each class of malformed message: the server answers what it must (-32700 for what is not
/// JSON, -32600 for JSON that is not a request, id null when it cannot be known), skips what is
/// not a frame, and answers the next request. Every answer comes once.
#[test]
fn malformed_messages_leave_the_server_answering() {
    let dir = common::tmp("lsp-malformed");
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"processId": null, "rootUri": null, "capabilities": {}}));
    c.notify("initialized", json!({}));
    let status = status_request(55);
    let mut longer = format!("Content-Length: {}\r\n\r\n", status.len() + 10).into_bytes();
    longer.extend_from_slice(&status);
    let mut shorter = format!("Content-Length: {}\r\n\r\n", status.len() - 10).into_bytes();
    shorter.extend_from_slice(&status_request(56));
    let mut bare_lf = format!("Content-Length: {}\n\n", status.len()).into_bytes();
    bare_lf.extend_from_slice(&status_request(57));
    let with_header = |header: &str| {
        let mut v = header.as_bytes().to_vec();
        v.extend_from_slice(&status_request(58));
        v
    };
    let mut non_utf8 = br#"{"jsonrpc":"2.0","id":59,"method":"kshape/status","params":{"x":""#.to_vec();
    non_utf8.extend_from_slice(b"\xff\xfe\"}}");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let null = Value::Null;
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("invalid JSON", frame(b"{oops"), Expect::Error(null.clone(), -32700)),
        ("empty body", frame(b""), Expect::Error(null.clone(), -32700)),
        ("a batch", frame(br#"[{"jsonrpc":"2.0","id":60,"method":"kshape/status"}]"#), Expect::Error(null.clone(), -32600)),
        ("not an object", frame(b"42"), Expect::Error(null.clone(), -32600)),
        ("no method", frame(br#"{"jsonrpc":"2.0"}"#), Expect::Error(null.clone(), -32600)),
        ("method a number", frame(br#"{"jsonrpc":"2.0","id":61,"method":5}"#), Expect::Error(json!(61), -32600)),
        ("method a number, no id", frame(br#"{"jsonrpc":"2.0","method":5}"#), Expect::Error(null.clone(), -32600)),
        (
            "a lone surrogate",
            frame(br#"{"jsonrpc":"2.0","id":62,"method":"kshape/status","params":{"x":"\ud800"}}"#),
            Expect::Error(null.clone(), -32700),
        ),
        ("a non-UTF-8 body", frame(&non_utf8), Expect::Error(null.clone(), -32700)),
        ("nesting past serde_json's limit", frame(deep.as_bytes()), Expect::Error(null.clone(), -32700)),
        ("an object id", frame(br#"{"jsonrpc":"2.0","id":{"a":1},"method":"kshape/status"}"#), Expect::Error(null.clone(), -32600)),
        ("a float id", frame(br#"{"jsonrpc":"2.0","id":1.5,"method":"kshape/status"}"#), Expect::Error(json!(1.5), -32600)),
        ("a null id", frame(br#"{"jsonrpc":"2.0","id":null,"method":"kshape/status"}"#), Expect::Error(null.clone(), -32600)),
        (
            "params not an object",
            frame(br#"{"jsonrpc":"2.0","id":63,"method":"textDocument/hover","params":5}"#),
            Expect::Answer(json!(63)),
        ),
        ("a response to nothing", frame(br#"{"jsonrpc":"2.0","id":"zzz","result":1}"#), Expect::Nothing),
        // The body runs into the next frame's header: the message is whole before it.
        ("Content-Length too large", longer, Expect::Answer(json!(55))),
        ("Content-Length too small", shorter, Expect::Error(null.clone(), -32700)),
        ("Content-Length missing", with_header("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"), Expect::Nothing),
        ("Content-Length negative", with_header("Content-Length: -5\r\n\r\n"), Expect::Nothing),
        ("Content-Length not a number", with_header("Content-Length: lots\r\n\r\n"), Expect::Nothing),
        ("Content-Length twice, differently", with_header("Content-Length: 10\r\nContent-Length: 20\r\n\r\n"), Expect::Nothing),
        ("a header ended by bare LF", bare_lf, Expect::Answer(json!(57))),
        ("Content-Length 2^63", with_header("Content-Length: 9223372036854775808\r\n\r\n"), Expect::Error(null.clone(), -32600)),
        ("Content-Length 10^12", with_header("Content-Length: 1000000000000\r\n\r\n"), Expect::Error(null.clone(), -32600)),
        ("Content-Length past u64", with_header("Content-Length: 99999999999999999999999999\r\n\r\n"), Expect::Error(null.clone(), -32600)),
        ("bytes that are not a frame", b"hello \x00\xff world\r\n\r\n".to_vec(), Expect::Nothing),
        ("stray line ends", b"\r\n\n\r\n".to_vec(), Expect::Nothing),
    ];
    for (i, (name, bytes, expect)) in cases.into_iter().enumerate() {
        let probe = 1000 + i64::try_from(i).unwrap();
        let from = c.seen.len();
        c.send_raw(&bytes);
        c.send_raw(&frame(&status_request(probe)));
        let answer = c.wait(|m| m["id"] == probe && m.get("method").is_none());
        assert!(answer.get("result").is_some(), "{name}: the next request failed: {answer}");
        let responses: Vec<&Value> = c.seen[from..c.seen.len() - 1].iter().filter(|m| m.get("method").is_none()).collect();
        match &expect {
            Expect::Nothing => assert!(responses.is_empty(), "{name}: {responses:#?}"),
            Expect::Error(id, code) => {
                assert_eq!(responses.len(), 1, "{name}: {responses:#?}");
                assert_eq!(responses[0]["id"], *id, "{name}: {}", responses[0]);
                assert_eq!(responses[0]["error"]["code"], *code, "{name}: {}", responses[0]);
            }
            Expect::Answer(id) => {
                assert_eq!(responses.len(), 1, "{name}: {responses:#?}");
                assert_eq!(responses[0]["id"], *id, "{name}: {}", responses[0]);
                assert!(responses[0].get("error").is_none(), "{name}: {}", responses[0]);
            }
        }
    }
    assert!(c.request("shutdown", Value::Null).is_null());
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Initialize once, requests only after it, nothing but exit after shutdown; exit's code says
/// whether shutdown came first.
#[test]
fn the_lifecycle_follows_the_protocol() {
    let dir = common::tmp("lsp-lifecycle");
    let mut c = Client::start(&dir);
    c.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {}}));
    assert_eq!(c.wait(|m| m["id"] == 1)["error"]["code"], -32002);
    c.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {"capabilities": {}}}));
    assert!(c.wait(|m| m["id"] == 2)["result"]["capabilities"].is_object());
    c.send(&json!({"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {"capabilities": {}}}));
    assert_eq!(c.wait(|m| m["id"] == 3)["error"]["code"], -32600);
    c.send(&json!({"jsonrpc": "2.0", "id": 4, "method": "shutdown"}));
    assert!(c.wait(|m| m["id"] == 4)["result"].is_null());
    c.send(&json!({"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover", "params": {}}));
    assert_eq!(c.wait(|m| m["id"] == 5)["error"]["code"], -32600);
    c.send(&json!({"jsonrpc": "2.0", "id": 6, "method": "shutdown"}));
    assert_eq!(c.wait(|m| m["id"] == 6)["error"]["code"], -32600);
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), Some(0));

    // exit without shutdown: 1.
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"capabilities": {}}));
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), Some(1));

    // The input ends inside a message: logged, 1 (not a panic's 101).
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"capabilities": {}}));
    c.send_raw(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"");
    c.close_input();
    assert_eq!(c.exit_code(), Some(1));

    // ...or inside a header, or between messages without exit: 1.
    for tail in [&b"Content-Len"[..], b""] {
        let mut c = Client::start(&dir);
        c.request("initialize", json!({"capabilities": {}}));
        c.send_raw(tail);
        c.close_input();
        assert_eq!(c.exit_code(), Some(1));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Deployment of its own, distinct names and labels: `count` of them make the workspace file.
fn workspace_deployments(count: usize) -> String {
    let mut s = String::new();
    for i in 0..count {
        s.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  namespace: team-{t}\n  labels: {{app: web-{i}}}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: web-{i}}}\n  template:\n    metadata:\n      labels: {{app: web-{i}}}\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/web:{i}.0\n          resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n            limits: {{memory: 128Mi}}\n",
            t = i % 7
        ));
    }
    s
}

/// The issue's scripted session: a 4 MB workspace file, 30 edits sent at once, then a hover.
/// The edits are applied together (at most two lints: one may have started with the first);
/// the hover sees the last text and is answered in under a second in a release build.
#[test]
fn a_burst_of_edits_is_linted_at_most_twice() {
    let dir = common::tmp("lsp-burst");
    let big = workspace_deployments(9_300);
    assert!(big.len() >= 4_000_000, "{}", big.len());
    std::fs::write(dir.join("big.yaml"), &big).unwrap();
    let pod = |extra: usize| {
        format!(
            "{}apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: postgres:16.4\n",
            "# edit\n".repeat(extra)
        )
    };
    let doc = uri(&dir.join("pod.yaml"));
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"processId": null, "rootUri": uri(&dir), "capabilities": {}}));
    c.notify("initialized", json!({}));
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": doc, "languageId": "yaml", "version": 1, "text": pod(0)}}));
    let first = Instant::now();
    assert!(by_rule(&c.diagnostics(&doc), "bare-pod").is_some());
    let one_lint = {
        // A lint with the workspace already processed: what each keystroke costs.
        let before = c.status()["lints"].as_u64().unwrap();
        let t = Instant::now();
        c.notify("textDocument/didChange", json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": pod(1)}]}));
        c.status();
        assert_eq!(c.status()["lints"].as_u64().unwrap(), before + 1);
        t.elapsed()
    };
    let lints = c.status()["lints"].as_u64().unwrap();
    let t = Instant::now();
    for v in 3..33 {
        // Every edit moves the finding one line down: its diagnostics differ from the last.
        c.notify("textDocument/didChange", json!({"textDocument": {"uri": doc, "version": v}, "contentChanges": [{"text": pod(v - 1)}]}));
    }
    let sent = t.elapsed();
    // The kind line of the last text: `# edit` x 31, then apiVersion, then kind.
    let hover = c.request("textDocument/hover", json!({"textDocument": {"uri": doc}, "position": {"line": 32, "character": 7}}));
    let answered = t.elapsed();
    assert!(hover["contents"]["value"].as_str().is_some_and(|s| s.starts_with("# bare-pod")), "the hover sees the last edit: {hover}");
    let ran = c.status()["lints"].as_u64().unwrap() - lints;
    eprintln!(
        "open {:?}, one lint {one_lint:?}, 30 edits sent in {sent:?}, hover answered after {answered:?}, {ran} lints",
        first.elapsed()
    );
    assert!(ran <= 2, "{ran} lints for one burst of edits");
    // A release build answers in well under a second (docs/performance.md); a debug build's
    // lint is slower, but the burst still costs at most two of them.
    let limit = if cfg!(debug_assertions) { one_lint * 3 + Duration::from_secs(1) } else { Duration::from_secs(1) };
    assert!(answered < limit, "hover after {answered:?} (one lint: {one_lint:?})");
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Each open document gets its diagnostics once after opening, again only when they change,
/// and an empty list when it is closed.
#[test]
fn diagnostics_are_published_when_they_change() {
    let dir = common::tmp("lsp-publish");
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"processId": null, "rootUri": uri(&dir), "capabilities": {}}));
    c.notify("initialized", json!({}));
    let pod = |i: usize| {
        format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n    - name: c\n      image: postgres:16.4\n")
    };
    let docs: Vec<String> = (0..20).map(|i| uri(&dir.join(format!("p{i}.yaml")))).collect();
    for (i, d) in docs.iter().enumerate() {
        c.notify("textDocument/didOpen", json!({"textDocument": {"uri": d, "languageId": "yaml", "version": 1, "text": pod(i)}}));
    }
    // A request after the notifications: answered once they are linted.
    c.status();
    let published = |c: &Client| c.seen.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics").count();
    for d in &docs {
        let n = c.seen.iter().filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == *d).count();
        assert_eq!(n, 1, "{d} published {n} times");
    }
    assert_eq!(c.status()["publishedDiagnostics"], 20);
    // An edit that changes no finding publishes nothing; one that does publishes that document.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": docs[3], "version": 2}, "contentChanges": [{"text": pod(3) + "# note\n"}]}),
    );
    assert_eq!(c.status()["publishedDiagnostics"], 20);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": docs[3], "version": 3}, "contentChanges": [{"text": format!("# note\n{}", pod(3))}]}),
    );
    c.diagnostics(&docs[3]);
    assert_eq!(c.status()["publishedDiagnostics"], 21);
    assert_eq!(published(&c), 21);
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": docs[3]}}));
    assert_eq!(c.diagnostics(&docs[3]), Vec::<Value>::new());
    // Opened again: published again, even though it is what was published before closing...
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": docs[3], "languageId": "yaml", "version": 4, "text": pod(3)}}));
    assert!(by_rule(&c.diagnostics(&docs[3]), "bare-pod").is_some());
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Fix-all applies every fix whose edits do not conflict: two Services appended at the same
/// place both apply, and the one Service two StatefulSets need is added once.
#[test]
fn fix_all_applies_inserts_at_the_same_place() {
    let dir = common::tmp("lsp-fixall");
    let sts = |name: &str, service: &str, app: &str| {
        format!("---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\nspec:\n  serviceName: {service}\n  replicas: 1\n  selector:\n    matchLabels: {{app: {app}}}\n  template:\n    metadata:\n      labels: {{app: {app}}}\n    spec:\n      containers:\n        - name: c\n          image: busybox:1.36\n          args: [--peer={name}-0.{service}]\n")
    };
    let text = format!("{}{}{}", sts("a", "svc-a", "a"), sts("b", "svc-b", "b"), sts("a2", "svc-a", "a"));
    let doc = uri(&dir.join("sts.yaml"));
    let mut c = Client::start(&dir);
    c.request("initialize", json!({"processId": null, "rootUri": uri(&dir), "capabilities": {}}));
    c.notify("initialized", json!({}));
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": doc, "languageId": "yaml", "version": 1, "text": text}}));
    let diags = c.diagnostics(&doc);
    let missing = diags.iter().filter(|d| d["code"] == "statefulset-service-not-found").count();
    assert_eq!(missing, 3, "{diags:#?}");
    let all = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": doc}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let edits = all[0]["edit"]["changes"][&doc].as_array().unwrap_or_else(|| panic!("{all:#}")).clone();
    let texts: Vec<&str> = edits.iter().map(|e| e["newText"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(texts[0].contains("name: svc-a") && texts[1].contains("name: svc-b"), "{texts:#?}");
    assert_eq!(edits[0]["range"], edits[1]["range"]);
    // Applied as an editor applies them, no Service is missing any more.
    let fixed = format!("{text}{}{}", texts[0], texts[1]);
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": fixed}]}));
    let diags = c.diagnostics(&doc);
    assert!(by_rule(&diags, "statefulset-service-not-found").is_none(), "{diags:#?}");
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}

mod framing {
    use kshape::lsp::transport::{End, Frame, Message, Reader};
    use proptest::prelude::*;
    use serde_json::json;

    /// What a client may put between good messages.
    #[derive(Debug, Clone)]
    enum Junk {
        Bytes(Vec<u8>),
        /// A message whose Content-Length is this much too small or too large.
        Shorter(usize),
        Longer(usize),
        Header(&'static str),
        NotJson(Vec<u8>),
    }

    fn junk() -> impl Strategy<Value = Junk> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200).prop_map(Junk::Bytes),
            proptest::collection::vec(prop::sample::select(b"ab:\r\n -{}\"".to_vec()), 0..60).prop_map(Junk::Bytes),
            (1usize..30).prop_map(Junk::Shorter),
            (1usize..30).prop_map(Junk::Longer),
            prop::sample::select(vec![
                "Content-Type: x\r\n\r\n",
                "Content-Length: -3\r\n\r\n",
                "Content-Length: 9223372036854775808\r\n\r\n",
                "Content-Length: 1000000000000\r\n\r\n",
                "Content-Length: x\r\n\r\n",
            ])
            .prop_map(Junk::Header),
            proptest::collection::vec(any::<u8>(), 0..80).prop_map(Junk::NotJson),
        ]
    }

    fn good(id: u64) -> Vec<u8> {
        super::frame(json!({"jsonrpc": "2.0", "id": id, "method": "m", "params": {"text": "x\ny"}}).to_string().as_bytes())
    }

    fn bad_body(id: u64) -> Vec<u8> {
        json!({"jsonrpc": "2.0", "id": id, "method": "junk"}).to_string().into_bytes()
    }

    fn contains_header(b: &[u8]) -> bool {
        b.windows(15).any(|w| w.eq_ignore_ascii_case(b"content-length:"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever junk comes between them, every good message is read, in order, and the
        /// input ends cleanly after the last.
        #[test]
        fn good_messages_survive_junk_between_them(items in proptest::collection::vec((junk(), any::<bool>()), 1..10)) {
            let mut input = Vec::new();
            let mut want = Vec::new();
            for (i, (junk, with_good)) in items.iter().enumerate() {
                let id = u64::try_from(i).unwrap();
                match junk {
                    Junk::Bytes(b) if !contains_header(b) => input.extend_from_slice(b),
                    Junk::Bytes(_) => {}
                    Junk::Shorter(k) => {
                        let body = bad_body(1_000_000 + id);
                        input.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len() - k).as_bytes());
                        input.extend_from_slice(&body);
                    }
                    Junk::Longer(k) => {
                        let body = bad_body(1_000_000 + id);
                        input.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len() + k).as_bytes());
                        input.extend_from_slice(&body);
                    }
                    Junk::Header(h) => {
                        input.extend_from_slice(h.as_bytes());
                        input.extend_from_slice(&bad_body(1_000_000 + id));
                    }
                    Junk::NotJson(b) if !contains_header(b) => input.extend_from_slice(&super::frame(b)),
                    Junk::NotJson(_) => {}
                }
                if *with_good || i + 1 == items.len() {
                    input.extend_from_slice(&good(id));
                    want.push(id);
                }
            }
            let mut reader = Reader::new(&input[..]);
            let mut got = Vec::new();
            let end = loop {
                match reader.next_frame() {
                    Ok(Frame::Message(Message::Request { id, method, .. })) if method == "m" => got.push(id.as_u64().unwrap()),
                    Ok(_) => {}
                    Err(e) => break e,
                }
                prop_assert!(got.len() <= want.len());
            };
            prop_assert_eq!(got, want);
            prop_assert_eq!(end, End::Closed);
        }

        /// Any bytes at all: the reader never panics and comes to an end.
        #[test]
        fn any_bytes_end_the_reader(bytes in proptest::collection::vec(any::<u8>(), 0..3000), framed in any::<bool>()) {
            let input = if framed { super::frame(&bytes) } else { bytes };
            let mut reader = Reader::new(&input[..]);
            let mut frames = 0;
            // Each frame consumes input: at most one per byte, and then the end.
            while reader.next_frame().is_ok() {
                frames += 1;
                prop_assert!(frames <= input.len() + 1, "no progress");
            }
        }
    }
}
