#!/usr/bin/env bash
# Runs the hooks of .pre-commit-hooks.yaml with pre-commit (the Python package) in a temporary
# git repository, as a new user would: pre-commit builds kshape from this repository's committed
# HEAD with `cargo install`. The `kshape` hook must pass a staged StatefulSet whose headless
# Service is already committed (the rest of the repository is its context) beside a Helm chart
# (templates are skipped with a note), and fail a bad manifest; `kshape-all` must fail it too.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pre-commit
export PRE_COMMIT_HOME="$work/cache"
pc="$work/venv/bin/pre-commit"
rev="$(git -C "$repo" rev-parse HEAD)"
mkdir "$work/repo" && cd "$work/repo"
git init -q
git config user.email ci@example.com
git config user.name ci
hooks() {
  cat > .pre-commit-config.yaml <<CFG
repos:
  - repo: $repo
    rev: $rev
    hooks:
      - id: $1
CFG
}
hooks kshape
mkdir -p deploy charts/app/templates
cat > deploy/trainer-svc.yaml <<'YAML'
apiVersion: v1
kind: Service
metadata:
  name: trainer
spec:
  clusterIP: None
  selector: {app: trainer}
  ports:
    - port: 29500
YAML
git add -A && git commit -qm "the headless Service" --no-verify
cat > deploy/trainer.yaml <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: trainer
spec:
  serviceName: trainer
  replicas: 2
  selector:
    matchLabels: {app: trainer}
  template:
    metadata:
      labels: {app: trainer}
    spec:
      containers:
        - name: trainer
          image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
          command: [torchrun, --nnodes=2, --nproc_per_node=1, --rdzv-endpoint=trainer-0.trainer:29500, train.py]
YAML
printf 'apiVersion: v2\nname: app\nversion: 0.1.0\n' > charts/app/Chart.yaml
printf 'replicas: 1\n' > charts/app/values.yaml
cat > charts/app/templates/deploy.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
YAML
git add -A
if ! "$pc" run; then
  echo "FAIL: the kshape hook rejected a StatefulSet whose Service is committed, or the chart" >&2
  exit 1
fi
git commit -qm "trainer and chart" --no-verify
sed -i 's/  replicas: 2/  replica: 2/' deploy/trainer.yaml
git add -A
if "$pc" run; then
  echo "FAIL: the kshape hook accepted a bad manifest" >&2
  exit 1
fi
hooks kshape-all
git add -A
if "$pc" run; then
  echo "FAIL: the kshape-all hook accepted a bad manifest" >&2
  exit 1
fi
sed -i 's/  replica: 2/  replicas: 2/' deploy/trainer.yaml
git add -A
if ! "$pc" run; then
  echo "FAIL: the kshape-all hook rejected the repository" >&2
  exit 1
fi
echo "pre-commit: 4 passed, 0 failed"
