#!/usr/bin/env python3
"""Regenerates the table of docs/precision.md from a run over ../shared/corpus/tree and the
review in testdata/corpus-reviewed.tsv (tests/corpus.rs checks the same table).

usage: python3 scripts/precision.py [KSHAPE_BINARY]   (default: target/release/kshape)
Each project folder is linted as one run from inside it: `kshape --no-config --format json .`.
"""
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREE = os.path.join(REPO, "..", "shared", "corpus", "tree")
TEST_DATA_REPOS = {
    "stackrox__kube-linter", "zegl__kube-score", "FairwindsOps__polaris", "bridgecrewio__checkov",
    "datreeio__datree", "yannh__kubeconform", "kubescape__kubescape", "kubescape__regolibrary",
    "instrumenta__kubeval", "aquasecurity__trivy",
}
BEGIN, END = "<!-- precision-table -->\n", "<!-- /precision-table -->\n"


def is_test_data(project, path):
    return project in TEST_DATA_REPOS or any(c in ("testdata", "test-data") for c in path.split("/"))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "target", "release", "kshape")
    binary = os.path.abspath(binary)
    listed = json.loads(subprocess.run([binary, "rules", "--format", "json"], capture_output=True, text=True, check=True).stdout)["rules"]
    rules = [r["id"] for r in listed]
    def when(r):
        if r.get("severityWithTarget"):
            return f" ({r['severityWithTarget']} with a target)"
        if r.get("severityWithNodes"):
            return f" ({r['severityWithNodes']} with nodes)"
        return ""

    severity = {r["id"]: r["severity"] + when(r) for r in listed}
    review = {}
    with open(os.path.join(REPO, "testdata", "corpus-reviewed.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            rule, at, verdict, _ = line.rstrip("\n").split("\t", 3)
            review[(rule, at)] = verdict
    rows = {r: dict(real=0, test=0, right=0, wrong=0, debatable=0) for r in rules}
    for project in sorted(os.listdir(TREE)):
        d = os.path.join(TREE, project)
        if not os.path.isdir(d):
            continue
        out = subprocess.run([binary, "--no-config", "--format", "json", "."], cwd=d, capture_output=True, text=True)
        for diag in json.loads(out.stdout)["diagnostics"]:
            rule, path = diag["rule"], diag["file"]
            start = diag["range"]["start"]
            row = rows.setdefault(rule, dict(real=0, test=0, right=0, wrong=0, debatable=0))
            if is_test_data(project, path):
                row["test"] += 1
                continue
            row["real"] += 1
            verdict = review.get((rule, f"{project}/{path}:{start['line']}:{start['column']}"))
            if verdict:
                row[verdict] += 1
    lines = ["| Rule | Severity | Findings | Other tools' test data | Reviewed | Right | Wrong | Debatable | Precision |\n",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|\n"]
    for r in rules:
        x = rows[r]
        reviewed = x["right"] + x["wrong"] + x["debatable"]
        precision = f"{x['right'] * 100 // reviewed}%" if reviewed else "-"
        lines.append(f"| {r} | {severity[r]} | {x['real']} | {x['test']} | {reviewed} | {x['right']} | {x['wrong']} | {x['debatable']} | {precision} |\n")
    table = "".join(lines)
    path = os.path.join(REPO, "docs", "precision.md")
    doc = open(path).read()
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        doc = head + BEGIN + table + END + tail
    else:
        doc += "\n" + BEGIN + table + END
    open(path, "w").write(doc)
    print(table, end="")


if __name__ == "__main__":
    main()
