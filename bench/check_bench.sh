#!/usr/bin/env bash
# Benchmark `rebate check` on a generated ~5,000-line program (bench/gen_check_program.py), with the
# largest example program timed in the same run as a reference, so that the figure reads as a ratio.
#
# Usage: bench/check_bench.sh [--lines N] [--seed N] [--runs N] [--no-build] [--no-callgrind]
#
#   REBATE=path/to/rebate   use this binary (default: build-bench/bin/rebate, built if needed)
#
# Reports: the program's size; hyperfine mean ± σ, min, max (warmup 5, >= 20 runs); peak memory
# (/usr/bin/time -v, "Maximum resident set size"); and, when valgrind is installed, callgrind
# instruction counts (Ir), which are repeatable on a noisy machine where wall-clock times are not.
# Raw results go to bench/out/ (gitignored).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/bench/out"
lines=5000
seed=1
runs=30
build=1
callgrind=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lines) lines="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-callgrind) callgrind=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
if (( runs < 20 )); then echo "--runs must be at least 20" >&2; exit 2; fi

rebate="${REBATE:-$root/build-bench/bin/rebate}"
if [[ -z "${REBATE:-}" && $build == 1 ]]; then
  echo "== building $rebate (Release)"
  cmake -S "$root" -B "$root/build-bench" -G Ninja -DREBATE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$root/build-bench" rebate >/dev/null
fi
[[ -x "$rebate" ]] || { echo "no rebate binary at $rebate" >&2; exit 1; }

if ! command -v hyperfine >/dev/null; then
  echo "== hyperfine is missing; installing it with apt-get"
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    apt-get install -y hyperfine >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null; }
  fi
  command -v hyperfine >/dev/null || { echo "please install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
fi

mkdir -p "$out"
program="$out/check_${lines}.rebate"
reference="$root/examples/04-storage-volume-tiers/program.rebate"
python3 "$root/bench/gen_check_program.py" --seed "$seed" --lines "$lines" -o "$program"

# The program must check cleanly: not one diagnostic, warnings included.
diags="$("$rebate" check --strict --color never "$program" 2>&1)" || { echo "$diags" | head -40 >&2; echo "the generated program does not check" >&2; exit 1; }
if [[ -n "$diags" ]]; then echo "$diags" | head -40 >&2; echo "the generated program has diagnostics" >&2; exit 1; fi

echo
echo "== machine"
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "nproc:    $(nproc)"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "commit:   $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- compiler cli grammar runtime 2>/dev/null || echo ' (+ local changes)')"
echo "binary:   $rebate"
echo
echo "== inputs"
printf '%-52s %7s lines %9s bytes\n' "${program#$root/}" "$(wc -l <"$program")" "$(wc -c <"$program")"
printf '%-52s %7s lines %9s bytes\n' "${reference#$root/}" "$(wc -l <"$reference")" "$(wc -c <"$reference")"
echo "rebates in the generated program: $(grep -c '^rebate ' "$program")"

echo
echo "== wall clock (hyperfine, warmup 5, $runs runs each)"
hyperfine -N --warmup 5 --runs "$runs" --export-json "$out/check_hyperfine.json" \
  -n "check ${lines}-line program" "$rebate check $program" \
  -n "check example 04 ($(wc -l <"$reference") lines)" "$rebate check $reference"
python3 - "$out/check_hyperfine.json" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
print()
print(f"{'command':40} {'mean':>9} {'σ':>8} {'median':>9} {'min':>9} {'max':>9}   (ms)")
for r in res:
    ms = lambda x: f"{x * 1000:9.1f}"
    print(f"{r['command']:40} {ms(r['mean'])} {r['stddev'] * 1000:8.1f} {ms(r['median'])} {ms(r['min'])} {ms(r['max'])}")
print(f"ratio generated / example 04 (mean): {res[0]['mean'] / res[1]['mean']:.1f}x;"
      f" (min): {res[0]['min'] / res[1]['min']:.1f}x")
goal = 0.100
verdict = "MET" if res[0]["mean"] < goal else ("met on min only" if res[0]["min"] < goal else "MISSED")
print(f"goal < 100 ms for the generated program: {verdict}")
EOF

echo
echo "== peak memory (/usr/bin/time -v, maximum resident set size)"
if [[ -x /usr/bin/time ]]; then
  for f in "$program" "$reference"; do
    rss=$(/usr/bin/time -v "$rebate" check "$f" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}')
    printf '%-52s %8s KiB (%.1f MiB)\n' "${f#$root/}" "$rss" "$(echo "$rss / 1024" | bc -l)"
  done
else
  echo "(/usr/bin/time is not installed: apt-get install time)"
fi

if [[ $callgrind == 1 ]] && command -v valgrind >/dev/null; then
  echo
  echo "== instructions (valgrind --tool=callgrind, total Ir)"
  for f in "$program" "$reference"; do
    base="$out/callgrind.$(basename "$(dirname "$f")")"
    [[ $f == "$program" ]] && base="$out/callgrind.check_${lines}"
    valgrind --tool=callgrind --callgrind-out-file="$base.out" "$rebate" check "$f" >/dev/null 2>"$base.log"
    ir=$(awk '/^summary:/ {print $2}' "$base.out")
    printf '%-52s %15s Ir\n' "${f#$root/}" "$(printf "%'d" "$ir" 2>/dev/null || echo "$ir")"
  done
  echo "(profiles: bench/out/callgrind.*.out; read with callgrind_annotate --inclusive=yes FILE)"
fi
