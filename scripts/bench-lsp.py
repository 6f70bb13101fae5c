#!/usr/bin/env python3
"""The language server's latency (docs/performance.md): how long from a didOpen / didChange
until the diagnostics arrive, with a whole workspace loaded as context.

usage: scripts/bench-lsp.py WORKSPACE [BINARY]   (default binary: target/release/kshape)
"""
import json
import os
import statistics
import subprocess
import sys
import time

ws = os.path.abspath(sys.argv[1])
exe = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "target", "release", "kshape")
proc = subprocess.Popen([exe, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ws)


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


def until_published():
    while True:
        m = recv()
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
            return m


send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": "file://" + ws, "capabilities": {}}})
recv()
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, "..", "testdata", "rules", "statefulset-service-not-found", "bad.yaml")).read()
uri = "file://" + ws + "/kshape-bench-open.yaml"

t = time.time()
send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
until_published()
print("didOpen (reads and parses the workspace): %.3f s" % (time.time() - t))


def change(v):
    t = time.time()
    send({"jsonrpc": "2.0", "method": "textDocument/didChange",
          "params": {"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": text + "#" * v + "\n"}]}})
    until_published()
    return time.time() - t


keystrokes = [change(v) for v in range(2, 22)]
print("didChange, typing (20 changes): median %.3f s, max %.3f s" % (statistics.median(keystrokes), max(keystrokes)))
time.sleep(2.2)
print("didChange after the 2-s context refresh (re-reads the workspace): %.3f s" % change(30))
send({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None})
recv()
send({"jsonrpc": "2.0", "method": "exit", "params": None})
proc.wait()
