#!/usr/bin/env python3
"""Counts the pod specs (mappings with a `containers` list) of ../shared/corpus/tree outside other
tools' test data, by where they sit: built-in workloads, custom resources of
rules/custom-workloads.yaml (their templates are typed), and other custom resources.

usage: python3 scripts/pod-specs.py   (needs PyYAML)
"""
import collections
import os
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from precision import is_test_data  # noqa: E402

TREE = os.path.join(REPO, "..", "shared", "corpus", "tree")
table = yaml.safe_load(open(os.path.join(REPO, "rules", "custom-workloads.yaml")))
known={(t["group"],k):t for t in table for k in t["kinds"]}
BUILTIN={"Pod","Deployment","StatefulSet","DaemonSet","ReplicaSet","Job","CronJob","ReplicationController","PodTemplate"}
counts=collections.Counter(); kinds=collections.Counter()
def podspecs(node):
    # count mappings that have a `containers` list (pod specs)
    n=0
    if isinstance(node, dict):
        if isinstance(node.get("containers"), list): n+=1
        for v in node.values(): n+=podspecs(v)
    elif isinstance(node, list):
        for v in node: n+=podspecs(v)
    return n
class L(yaml.SafeLoader): pass
L.add_constructor(None, lambda l, n: None)
for p in sorted(os.listdir(TREE)):
    base=os.path.join(TREE,p)
    for dp,_,fs in os.walk(base):
        for f in fs:
            if not f.endswith((".yaml",".yml")): continue
            rel=os.path.relpath(os.path.join(dp,f),base)
            if is_test_data(p, rel): continue
            try: docs=list(yaml.load_all(open(os.path.join(dp,f),errors="replace"), Loader=L))
            except Exception: continue
            for d in docs:
                if not isinstance(d, dict) or "kind" not in d: continue
                av=str(d.get("apiVersion","")); g,_,v=av.rpartition("/")
                n=podspecs(d)
                if not n: continue
                k=d["kind"]
                if k in BUILTIN and (g=="" or g in("apps","batch","extensions")): counts["built-in"]+=n
                elif (g,k) in known and v in known[(g,k)]["versions"]: counts["table (typed, pod-level rules)"]+=n; kinds[f"{g}/{k}"]+=n
                else: counts["other custom"]+=n; kinds["other: "+f"{g}/{k}"]+=n
total = sum(counts.values())
print(counts, total)
print(f"linted by the pod-level rules: {counts['built-in'] + counts['table (typed, pod-level rules)']} of {total} ({(counts['built-in'] + counts['table (typed, pod-level rules)']) * 1000 // total / 10}%)")
for k,v in kinds.most_common(60): print(v,k)
