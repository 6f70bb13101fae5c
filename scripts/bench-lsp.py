#!/usr/bin/env python3
"""The language server's latency (docs/performance.md): how long from a didOpen until its
diagnostics arrive, from a didChange until a hover after it is answered (the server lints the
change first), and the issue #13 session: 30 didChange sent at once, then a hover.

usage: scripts/bench-lsp.py WORKSPACE [BINARY]   (default binary: target/release/kshape)
       scripts/bench-lsp.py --make-4mb DIR       (writes DIR/big.yaml: 4 MB of Deployments)
"""
import json
import os
import statistics
import subprocess
import sys
import time

if sys.argv[1] == "--make-4mb":
    os.makedirs(sys.argv[2], exist_ok=True)
    with open(os.path.join(sys.argv[2], "big.yaml"), "w") as f:
        for i in range(9300):  # the same Deployments as tests/lsp.rs's burst test
            f.write(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%d\n  namespace: team-%d\n"
                "  labels: {app: web-%d}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web-%d}\n"
                "  template:\n    metadata:\n      labels: {app: web-%d}\n    spec:\n      containers:\n"
                "        - name: web\n          image: registry.example.com/web:%d.0\n          resources:\n"
                "            requests: {cpu: 100m, memory: 128Mi}\n            limits: {memory: 128Mi}\n"
                % (i, i % 7, i, i, i, i)
            )
    sys.exit(0)

ws = os.path.abspath(sys.argv[1])
exe = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "target", "release", "kshape"))
proc = subprocess.Popen([exe, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ws)
next_id = [10]


def send(msg):
    body = json.dumps(msg).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def recv():
    length = None
    while True:
        line = proc.stdout.readline().strip()
        if not line:
            break
        if line.startswith(b"Content-Length:"):
            length = int(line.split(b":")[1])
    return json.loads(proc.stdout.read(length))


def request(method, params):
    next_id[0] += 1
    send({"jsonrpc": "2.0", "id": next_id[0], "method": method, "params": params})
    while True:
        m = recv()
        if m.get("id") == next_id[0] and "method" not in m:
            return m.get("result")


def until_published():
    while True:
        m = recv()
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
            return m


def change(v):
    send({"jsonrpc": "2.0", "method": "textDocument/didChange",
          "params": {"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": "#%d\n" % v + text}]}})


def hover():
    return request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})


def lints():
    return request("kshape/status", None)["lints"]


request("initialize", {"processId": None, "rootUri": "file://" + ws, "capabilities": {}})
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, "..", "testdata", "rules", "statefulset-service-not-found", "bad.yaml")).read()
uri = "file://" + ws + "/kshape-bench-open.yaml"

t = time.time()
send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
until_published()
print("didOpen (reads and parses the workspace): %.3f s" % (time.time() - t))


def keystroke(v):
    t = time.time()
    change(v)
    hover()
    return time.time() - t


keystrokes = [keystroke(v) for v in range(2, 22)]
print("didChange + hover, typing (20 changes): median %.3f s, max %.3f s" % (statistics.median(keystrokes), max(keystrokes)))
time.sleep(2.2)
print("didChange + hover after the 2-s context refresh (re-reads the workspace): %.3f s" % keystroke(30))

before = lints()
t = time.time()
for v in range(100, 130):
    change(v)
sent = time.time() - t
hover()
print("30 didChange sent in %.1f ms, then a hover: answered after %.3f s, %d lints" % (sent * 1000, time.time() - t, lints() - before))

request("shutdown", None)
send({"jsonrpc": "2.0", "method": "exit", "params": None})
sys.exit(proc.wait())
