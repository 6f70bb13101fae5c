#!/usr/bin/env bash
# Runs the steps of action.yml as GitHub's runner would, as far as they can run here: each `run`
# step with the environment GitHub gives it (GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_OUTPUT,
# GITHUB_PATH...), `${{ }}` expressions of inputs and step outputs substituted, and `if:`
# conditions evaluated. Steps that use other actions (actions/cache, upload-sarif) need GitHub:
# they are listed, not run (a cache miss is assumed). `cargo install` is a stand-in that puts the
# already built binary where `--root` says, so the test does not spend minutes on a release
# build; the command line it was given is checked. A bad manifest must fail the action with
# annotations and a SARIF report; a good one must pass.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="${KSHAPE_BIN:-$repo/target/debug/kshape}"
[ -x "$bin" ] || (cd "$repo" && cargo build --quiet)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/stub" "$work/temp" "$work/tools"
cat > "$work/stub/cargo" <<STUB
#!/usr/bin/env bash
# Stand-in for cargo install --locked --path DIR --root ROOT.
echo "\$@" > "$work/cargo-args"
[ "\$1 \$2 \$3" = "install --locked --path" ] || { echo "unexpected: cargo \$*" >&2; exit 1; }
root="\$6"; mkdir -p "\$root/bin"; cp "$bin" "\$root/bin/kshape"
STUB
chmod +x "$work/stub/cargo"

run_action() { # workspace, inputs as NAME=VALUE...; prints the steps; returns the action's status
  python3 - "$repo/action.yml" "$@" <<'PY'
import os, re, subprocess, sys
action, ws, *pairs = sys.argv[1:]
inputs, steps, outputs = {}, [], {}
lines = open(action).read().split("\n")
# The defaults of the inputs, then the given values.
cur = None
for l in lines:
    m = re.match(r"^  ([a-z-]+):$", l)
    if m: cur = m.group(1)
    m = re.match(r"^    default: (.*)$", l)
    if m and cur: inputs[cur] = m.group(1).strip().strip('"')
    if l.startswith("outputs:") or l.startswith("runs:"): cur = None
for p in pairs:
    k, v = p.split("=", 1); inputs[k] = v
# The composite steps: name, id, if, uses, env, run.
start = lines.index("  steps:")
step, block = None, None
for l in lines[start + 1:]:
    if l.startswith("    - "):
        step = {"env": {}}; steps.append(step); l = "      " + l[6:]
    if step is None: continue
    if block is not None:
        if l.startswith("        ") or not l.strip():
            step["run"] += l[8:] + "\n"; continue
        block = None
    m = re.match(r"^      (name|id|if|uses|shell|run): ?(.*)$", l)
    if m:
        k, v = m.groups()
        if k == "run" and v == "|": step["run"] = ""; block = True
        else: step[k] = v
        continue
    m = re.match(r"^        ([A-Z_]+): (.*)$", l)
    if m: step["env"][m.group(1)] = m.group(2)
def expr(s):
    def one(m):
        e = m.group(1).strip()
        if e.startswith("inputs."): return inputs[e[7:]]
        m2 = re.match(r"steps\.([a-z-]+)\.outputs\.([a-z-]+)", e)
        if m2: return outputs.get(m2.group(1), {}).get(m2.group(2), "")
        if e == "runner.tool_cache": return os.environ["RUNNER_TOOL_CACHE"]
        raise SystemExit(f"unknown expression {e}")
    return re.sub(r"\$\{\{(.*?)\}\}", one, s)
def cond(c):
    m = re.match(r"^(.*?) (==|!=) '(.*)'$", c)
    if not m: raise SystemExit(f"unknown condition {c}")
    left = expr("${{ " + m.group(1) + " }}") if not m.group(1).startswith("steps.cache") else ""
    return (left == m.group(3)) == (m.group(2) == "==")
path = os.environ["PATH"]
status = 0
for s in steps:
    name = s.get("name", "?")
    if "if" in s and not cond(s["if"]):
        print(f"  skipped (condition): {name}"); continue
    if "uses" in s:
        assert re.search(r"@v\d+$", s["uses"]), s["uses"]
        print(f"  not run here (needs GitHub): {name} [{s['uses']}]"); continue
    assert s.get("shell") == "bash", name
    out = os.path.join(os.environ["RUNNER_TEMP"], "output"); open(out, "w").close()
    gpath = os.path.join(os.environ["RUNNER_TEMP"], "path")
    env = dict(os.environ, GITHUB_OUTPUT=out, PATH=path, **{k: expr(v) for k, v in s["env"].items()})
    r = subprocess.run(["bash", "-eo", "pipefail", "-c", s["run"]], cwd=ws, env=env)
    outputs[s.get("id", "")] = dict(l.split("=", 1) for l in open(out).read().split("\n") if "=" in l)
    if os.path.exists(gpath):
        path = ":".join(open(gpath).read().split()) + ":" + os.environ["PATH"]
    print(f"  exit {r.returncode}: {name}")
    if r.returncode != 0: status = r.returncode; break
with open(os.path.join(os.environ["RUNNER_TEMP"], "sarif-file"), "w") as f:
    f.write(outputs.get("sarif", {}).get("file", ""))
sys.exit(status)
PY
}

export GITHUB_ACTION_PATH="$repo" RUNNER_OS=Linux RUNNER_TEMP="$work/temp" RUNNER_TOOL_CACHE="$work/tools"
export GITHUB_PATH="$work/temp/path" PATH="$work/stub:$PATH"
mkdir -p "$work/ws/deploy"
cat > "$work/ws/deploy/web.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
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
echo "action with a bad manifest:"
if run_action "$work/ws" paths=deploy > "$work/bad.log"; then
  cat "$work/bad.log"; echo "FAIL: the action passed a DaemonSet with replicas" >&2; exit 1
fi
cat "$work/bad.log"
grep -q "^::error file=deploy/web.yaml" "$work/bad.log" || { echo "FAIL: no annotation" >&2; exit 1; }
sarif="$(cat "$work/temp/sarif-file")"
python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['runs'][0]['results']; assert any(x['ruleId']=='daemonset-replicas' for x in r), r" "$sarif"
[ "$(cat "$work/cargo-args")" = "install --locked --path $repo --root $work/tools/kshape" ] || { echo "FAIL: cargo install got: $(cat "$work/cargo-args")" >&2; exit 1; }
sed -i 's/  replicas: 2/  updateStrategy: {type: RollingUpdate}/' "$work/ws/deploy/web.yaml"
echo "action with a good manifest:"
run_action "$work/ws" paths=deploy sarif=false || { echo "FAIL: the action failed a good manifest" >&2; exit 1; }
echo "action: 2 passed, 0 failed"
