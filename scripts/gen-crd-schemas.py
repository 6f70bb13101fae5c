#!/usr/bin/env python3
"""Regenerates rules/crd-schemas.yaml: the openAPIV3Schema of each custom resource kshape
bundles, from each project's upstream CRD at a pinned commit, made compact:

- `description`s and CEL rules (`x-kubernetes-validations`, not evaluated) are dropped;
- Kubernetes' own types embedded in them (pod templates, containers, volumes, affinity,
  tolerations...) are cut to `{x-kubernetes-preserve-unknown-fields: true}`: kshape types those
  with k8s-openapi instead (rules/custom-workloads.yaml), so the schema text is not carried.

usage: python3 scripts/gen-crd-schemas.py MIRRORS   (needs PyYAML and git)
MIRRORS holds the repositories as `<owner>+<name>/repo` git directories (what the team's
`fetch` tool gives; `git clone --bare` of each SOURCES repository works the same way).
"""
import json
import os
import subprocess
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "rules", "crd-schemas.yaml")

# (repository, releases, CRD file names). Each resource is bundled from two releases, an older
# one still widely used and the latest: alpha APIs change within a version (Kubeflow Trainer
# removed `numProcPerNode` in v2.2), so kshape reports only what every bundled release rejects.
SOURCES = [
    ("kubernetes-sigs/lws", ["v0.5.0", "v0.10.0"], ["leaderworkerset.x-k8s.io_leaderworkersets.yaml"]),
    ("kubernetes-sigs/jobset", ["v0.5.0", "v0.12.0"], ["jobset.x-k8s.io_jobsets.yaml"]),
    ("kubeflow/training-operator", ["v1.7.0", "v1.9.0"], [
        "kubeflow.org_pytorchjobs.yaml", "kubeflow.org_tfjobs.yaml", "kubeflow.org_xgboostjobs.yaml",
        "kubeflow.org_paddlejobs.yaml", "kubeflow.org_jaxjobs.yaml"]),
    ("kubeflow/mpi-operator", ["v0.4.0", "v0.8.0"], ["mpi-operator.yaml"]),
    ("kubeflow/trainer", ["v2.0.0", "v2.3.0"], [
        "trainer.kubeflow.org_trainjobs.yaml", "trainer.kubeflow.org_trainingruntimes.yaml",
        "trainer.kubeflow.org_clustertrainingruntimes.yaml"]),
    ("ray-project/kuberay", ["v1.1.0", "v1.7.0"], ["ray.io_rayclusters.yaml", "ray.io_rayjobs.yaml", "ray.io_rayservices.yaml"]),
    ("kserve/kserve", ["v0.13.0", "v0.20.0"], [
        "serving.kserve.io_inferenceservices.yaml", "serving.kserve.io_servingruntimes.yaml",
        "serving.kserve.io_clusterservingruntimes.yaml"]),
    ("volcano-sh/volcano", ["v1.9.0", "v1.15.1"], ["batch.volcano.sh_jobs.yaml"]),
    ("argoproj/argo-rollouts", ["v1.6.0", "v1.9.1"], ["rollout-crd.yaml"]),
]

# Where the generated CRDs sit, best first (a repository may keep copies: a chart, a bundle).
PREFERRED = ["config/crd/full/", "config/crd/bases/", "config/components/crd/bases/", "config/crd/volcano/bases/",
             "manifests/base/crds/", "manifests/crds/", "deploy/v2beta1/", "ray-operator/config/crd/bases/", "config/crd/"]


def find(git, tag, name):
    files = subprocess.run(["git", "-C", git, "ls-tree", "-r", "--name-only", tag], capture_output=True, text=True, check=True).stdout.split()
    found = [f for f in files if f.rsplit("/", 1)[-1] == name and "test" not in f and "helm" not in f and "chart" not in f]
    for prefix in PREFERRED:
        for f in found:
            if f.startswith(prefix) or ("/" + prefix) in f:
                return f
    return found[0] if found else None


FREE = {"x-kubernetes-preserve-unknown-fields": True}


def props(s):
    p = s.get("properties") if isinstance(s, dict) else None
    return p if isinstance(p, dict) else {}


def core_type(s):
    """Kubernetes' own types, typed by kshape with k8s-openapi: cut from the bundled text."""
    p = props(s)
    if not p:
        return False
    keys = set(p)
    if {"metadata", "spec"} <= keys and "containers" in props(p["spec"]):
        return True  # PodTemplateSpec
    if {"containers"} <= keys and ({"volumes", "nodeSelector"} & keys) and "restartPolicy" in keys:
        return False  # a pod spec with the operator's fields beside it (KServe): keep, cut below
    if {"image", "name", "livenessProbe"} <= keys:
        return True  # Container
    if {"hostPath", "emptyDir", "name"} <= keys:
        return True  # Volume
    if {"nodeAffinity", "podAffinity"} & keys:
        return True  # Affinity
    if {"matchLabels", "matchExpressions"} == keys:
        return False
    if {"limits", "requests"} <= keys:
        return True  # ResourceRequirements
    if {"accessModes", "storageClassName", "resources"} <= keys:
        return True  # PersistentVolumeClaimSpec
    return False


def compact(s):
    if isinstance(s, list):
        return [compact(x) for x in s]
    if not isinstance(s, dict):
        return s
    if core_type(s) or (s.get("type") == "array" and core_type(s.get("items"))):
        return dict(FREE)
    out = {}
    for k, v in s.items():
        if k in ("description", "x-kubernetes-validations", "x-kubernetes-list-map-keys", "x-kubernetes-list-type",
                 "x-kubernetes-map-type", "format", "default", "title", "example"):
            if k == "default":
                out[k] = True  # only its presence matters (a defaulted field is not missing)
            continue
        if k == "properties" and isinstance(v, dict):
            # `tolerations`, `env`, `volumeMounts` items are Kubernetes types too: cut by name
            # when their items are objects of the core API.
            out[k] = {pk: compact(pv) for pk, pv in v.items()}
        else:
            out[k] = compact(v)
    return out


def main():
    mirrors = sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror"
    entries = []
    for repo, tags, names in SOURCES:
        git = os.path.join(mirrors, repo.replace("/", "+"), "repo")
        for tag in tags:
            commit = subprocess.run(["git", "-C", git, "rev-parse", tag + "^{commit}"], capture_output=True, text=True, check=True).stdout.strip()
            for name in names:
                path = find(git, tag, name)
                if path is None:
                    print(f"{repo} {tag}: no {name}", file=sys.stderr)
                    continue
                text = subprocess.run(["git", "-C", git, "show", f"{commit}:{path}"], capture_output=True, text=True, check=True).stdout
                for doc in yaml.safe_load_all(text):
                    if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                        continue
                    spec = doc["spec"]
                    for v in spec.get("versions", []):
                        schema = (v.get("schema") or {}).get("openAPIV3Schema")
                        if not v.get("served", True) or not schema:
                            continue
                        entries.append({
                            "group": spec["group"], "kind": spec["names"]["kind"], "version": v["name"],
                            "source": f"{repo} {tag} ({commit[:12]}) {path}", "schema": compact(schema),
                        })
    # Releases whose schema of a version is the same are one entry.
    merged = {}
    for e in entries:
        key = (e["group"], e["kind"], e["version"], json.dumps(e["schema"], sort_keys=True))
        if key in merged:
            merged[key]["source"] += "; " + e["source"]
        else:
            merged[key] = e
    entries = sorted(merged.values(), key=lambda e: (e["group"], e["kind"], e["version"], e["source"]))
    with open(OUT, "w") as f:
        f.write("# Generated by scripts/gen-crd-schemas.py from the upstream CRDs listed there, at pinned\n")
        f.write("# commits: descriptions dropped, Kubernetes' own types cut (typed with k8s-openapi).\n")
        f.write("# Do not edit by hand.\n")
        for e in entries:
            f.write("---\n")
            f.write(json.dumps(e, separators=(",", ":"), sort_keys=False))
            f.write("\n")
    print(f"{len(entries)} schemas, {os.path.getsize(OUT)} bytes -> {os.path.relpath(OUT, REPO)}")


if __name__ == "__main__":
    main()
