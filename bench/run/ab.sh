#!/usr/bin/env bash
# Alternating A/B runs of two (or more) `rebate` binaries on the benchmark's ledger: on a shared machine
# whose speed drifts from minute to minute, runs taken in turns compare binaries far better than runs
# taken one after the other.
#
#   bench/run/ab.sh LINES RUNS THREADS BINARY...
#
# Runs `BINARY run bench/run/reference.rebate` on bench/out/run_LINES/ (made by compare.sh) RUNS times
# each, in turns, and prints each binary's best and median wall times; then checks the binaries' outputs
# are the same.
#
# AFTER_PEER=1 runs DuckDB's side of the benchmark (THREADS threads) before every run, as compare.sh's
# alternation does: the memory DuckDB frees changes how fast the next process faults fresh pages in (on
# a virtual machine that reports free memory to its host, fresh huge pages are slow), so runs taken
# back to back can rank two binaries differently from the benchmark itself.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 LINES RUNS THREADS BINARY..." >&2; exit 2; }
LINES=$1 RUNS=$2 THREADS=$3
shift 3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$ROOT/bench/out/run_$LINES
[ -f "$DATA/sales.csv" ] || { echo "no $DATA/sales.csv: run bench/run/compare.sh $LINES first" >&2; exit 2; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
cat "$DATA/sales.csv" "$DATA/partners.csv" > /dev/null  # from the page cache, as in compare.sh
declare -A best all
for _ in $(seq "$RUNS"); do
  for i in $(seq $#); do
    binary=${!i}
    if [ "${AFTER_PEER:-0}" = 1 ]; then
      node "$ROOT/bench/run/duckdb_run.mjs" --partners "$DATA/partners.csv" --sales "$DATA/sales.csv" \
        --threads "$THREADS" --out "$OUT/peer.csv" >/dev/null 2>&1
    fi
    start=$(date +%s.%N)
    "$binary" run "$ROOT/bench/run/reference.rebate" --input "partners=$DATA/partners.csv" \
      --input "sales=$DATA/sales.csv" --threads "$THREADS" --out "$OUT/$i.csv" 2>/dev/null
    took=$(echo "$(date +%s.%N) - $start" | bc)
    if [ -z "${best[$i]:-}" ] || [ "$(echo "$took < ${best[$i]}" | bc)" = 1 ]; then best[$i]=$took; fi
    all[$i]="${all[$i]:-} $took"
  done
done
for i in $(seq $#); do
  median=$(echo "${all[$i]}" | tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  printf '%-50s best %.3f s  median %.3f s\n' "${!i}" "${best[$i]}" "$median"
done
for i in $(seq 2 $#); do
  cmp -s "$OUT/1.csv" "$OUT/$i.csv" || { echo "the outputs of ${1} and ${!i} differ" >&2; exit 1; }
done
echo "same output"
