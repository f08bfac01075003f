#!/usr/bin/env bash
# Alternating A/B runs of two (or more) `rebate` binaries on the benchmark's ledger: on a shared machine
# whose speed drifts from minute to minute, runs taken in turns compare binaries far better than runs
# taken one after the other.
#
#   bench/run/ab.sh LINES RUNS THREADS BINARY...
#
# Runs `BINARY run bench/run/reference.rebate` on bench/out/run_LINES/ (made by compare.sh) RUNS times
# each, in turns, and prints each binary's best wall time; then checks the binaries' outputs are the same.
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
declare -A best
for _ in $(seq "$RUNS"); do
  for i in $(seq $#); do
    binary=${!i}
    start=$(date +%s.%N)
    "$binary" run "$ROOT/bench/run/reference.rebate" --input "partners=$DATA/partners.csv" \
      --input "sales=$DATA/sales.csv" --threads "$THREADS" --out "$OUT/$i.csv" 2>/dev/null
    took=$(echo "$(date +%s.%N) - $start" | bc)
    if [ -z "${best[$i]:-}" ] || [ "$(echo "$took < ${best[$i]}" | bc)" = 1 ]; then best[$i]=$took; fi
  done
done
for i in $(seq $#); do printf '%-50s best %.3f s\n' "${!i}" "${best[$i]}"; done
for i in $(seq 2 $#); do
  cmp -s "$OUT/1.csv" "$OUT/$i.csv" || { echo "the outputs of ${1} and ${!i} differ" >&2; exit 1; }
done
echo "same output"
