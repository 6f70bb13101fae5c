#!/usr/bin/env bash
# The benchmark of docs/performance.md: kshape with all rules against the parse-only baseline
# (the same files read and parsed into the same node tree, nothing else), side by side, on
# synthetic corpora of 1,000, 10,000 and 50,000 files and on the real corpus
# (../shared/corpus/tree, all projects as one run, kustomizations not built: the linter's own
# cost), with wall time and peak RSS; then the pre-commit hook on a 1,000-file repository.
# usage: scripts/bench.sh [RUNS]   (best of RUNS, default 3; release build)
#        BENCH_INSTRUCTIONS=10000 scripts/bench.sh   (also instruction counts, see below)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-3}"
cd "$repo"
cargo build --release --quiet
bin="$repo/target/release/kshape"
work="${BENCH_DIR:-$(mktemp -d)}"
sizes="${BENCH_SIZES:-1000 10000 50000}"
for n in $sizes 1000; do
  [ -d "$work/$n" ] || python3 scripts/gen-corpus.py "$work/$n" "$n"
done

# best wall time and its peak RSS over $runs runs: prints "seconds kib". The wall time is read
# in nanoseconds around the command (time(1)'s %e has 10 ms steps, a twentieth of a 10,000-file
# parse: too coarse for a ratio), the peak RSS from time(1).
measure() {
  local best="" mem=""
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f "%M" -o "$work/.time" "$@" > /dev/null 2>&1 || true
    t1=$(date +%s%N)
    local t m
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b - a) / 1e9}')
    m=$(tail -1 "$work/.time")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best="$t"; mem="$m"; fi
  done
  echo "$best $mem"
}

printf '%-22s %7s %9s | %8s %10s %8s | %8s %10s %8s | %6s\n' corpus files documents "parse s" "parse d/s" "MiB" "lint s" "lint d/s" "MiB" ratio
row() {
  local name="$1" dir="$2"
  local info files docs
  info=$("$bin" parse-only "$dir")
  files=$(echo "$info" | awk '{print $1}')
  docs=$(echo "$info" | awk '{print $3}')
  # Files in the page cache, as after a checkout: some machines evict idle files within
  # minutes, and a first run would then time the disk.
  find "$dir" -type f -exec cat {} + > /dev/null 2>&1 || true
  read -r pt pm < <(measure "$bin" parse-only "$dir")
  read -r lt lm < <(measure "$bin" --format compact --no-config --kustomize never "$dir")
  awk -v n="$name" -v f="$files" -v d="$docs" -v pt="$pt" -v pm="$pm" -v lt="$lt" -v lm="$lm" 'BEGIN{
    pt = (pt < 0.001 ? 0.001 : pt); lt = (lt < 0.001 ? 0.001 : lt);
    printf "%-22s %7d %9d | %8.3f %10.0f %8.1f | %8.3f %10.0f %8.1f | %6.2f\n", n, f, d, pt, d/pt, pm/1024, lt, d/lt, lm/1024, (d/lt)/(d/pt) }'
  echo "$lt" > "$work/.time-${name//\//-}"
}
for n in $sizes; do row "synthetic-$n" "$work/$n"; done
if [ -d "$repo/../shared/corpus/tree" ]; then row "shared/corpus/tree" "$repo/../shared/corpus/tree"; fi
growth() { # the lint time of $2 files over that of $1 files, when both were measured
  if [ -f "$work/.time-synthetic-$1" ] && [ -f "$work/.time-synthetic-$2" ]; then
    awk -v a="$(cat "$work/.time-synthetic-$1")" -v b="$(cat "$work/.time-synthetic-$2")" -v x="$1" -v y="$2" 'BEGIN{printf "lint time %d files / %d files: %.1f\n", y, x, b/(a<0.01?0.01:a)}'
  fi
}
growth 1000 10000
growth 10000 50000
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# Wall clocks on a shared virtual machine move by a third within minutes; instruction counts do
# not. BENCH_INSTRUCTIONS=N (with valgrind installed) counts the instructions of a one-thread
# lint and parse-only run on the N-file corpus (about a minute per 10,000 files each).
if [ -n "${BENCH_INSTRUCTIONS:-}" ] && command -v valgrind >/dev/null; then
  n="$BENCH_INSTRUCTIONS"
  [ -d "$work/$n" ] || python3 scripts/gen-corpus.py "$work/$n" "$n"
  count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Collected/{print $4}'; }
  li=$(count "$bin" --threads 1 --format compact --no-config --kustomize never "$work/$n")
  pi=$(count "$bin" parse-only --threads 1 "$work/$n")
  awk -v n="$n" -v l="$li" -v p="$pi" 'BEGIN{printf "instructions, %d files, one thread: lint %.0f M, parse-only %.0f M, ratio %.2f\n", n, l/1e6, p/1e6, p/l}'
fi

# The pre-commit hook on a 1,000-file git repository: three staged files with the rest of the
# repository as context (--repo-context --force-exclude, the `kshape` hook's entry), beside the
# same three files alone and the whole repository in one run.
hook="$work/hook-1000"
if [ ! -d "$hook/.git" ]; then
  rm -rf "$hook" && cp -r "$work/1000" "$hook" && git init -q "$hook"
fi
mapfile -t staged < <(cd "$hook" && find . -name '*.yaml' -not -path './.git/*' | LC_ALL=C sort | head -3 | sed 's|^\./||')
hook_row() {
  local name="$1"; shift
  read -r t m < <(measure bash -c "cd '$hook' && \"\$@\"" _ "$@")
  printf '%-40s %6.3f s %8.1f MiB\n' "$name" "$t" "$(awk -v m="$m" 'BEGIN{print m/1024}')"
}
find "$hook" -type f -not -path '*/.git/*' -exec cat {} + > /dev/null 2>&1 || true
echo "pre-commit hook, 1,000-file repository, 3 staged files:"
hook_row "hook (--repo-context --force-exclude)" "$bin" --no-config --format compact --repo-context --force-exclude "${staged[@]}"
hook_row "the 3 files alone" "$bin" --no-config --format compact "${staged[@]}"
hook_row "whole repository (kshape-all)" "$bin" --no-config --format compact .
