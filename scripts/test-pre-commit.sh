#!/usr/bin/env bash
# Runs the hooks of .pre-commit-hooks.yaml with pre-commit (the Python package) in a temporary
# git repository: a bad manifest must fail them and a good one pass. pre-commit builds kshape
# from this repository's committed HEAD with `cargo install`, as a user's pre-commit would.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pre-commit
export PRE_COMMIT_HOME="$work/cache"
rev="$(git -C "$repo" rev-parse HEAD)"
mkdir "$work/repo" && cd "$work/repo"
git init -q
git config user.email ci@example.com
git config user.name ci
cat > .pre-commit-config.yaml <<CFG
repos:
  - repo: $repo
    rev: $rev
    hooks:
      - id: kshape
      - id: kshape-all
        args: [--fail-on, error, deploy]
CFG
mkdir deploy
cat > deploy/web.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
YAML
git add -A
if ! "$work/venv/bin/pre-commit" run --all-files; then
  echo "FAIL: the hooks rejected a good manifest" >&2
  exit 1
fi
sed -i 's/  replicas: 2/  replica: 2/' deploy/web.yaml
git add -A
if "$work/venv/bin/pre-commit" run --all-files; then
  echo "FAIL: the hooks accepted a bad manifest" >&2
  exit 1
fi
echo "pre-commit: 2 passed, 0 failed"
