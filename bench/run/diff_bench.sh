#!/usr/bin/env bash
# `rebate diff` against `rebate run` on the run benchmark's ledger: what comparing two versions of a
# program costs next to running one (issue 13: at most 1.3x).
#
#   bench/run/diff_bench.sh [LINES]          (default 10000000)
#
# 1. generates bench/out/run_LINES/{partners,sales}.csv with bench/run/gen_ledger.py (seed 1) if missing;
# 2. builds the Release CLI in build-release/ if missing;
# 3. makes the NEW version of bench/run/reference.rebate with one rate changed (sell-through 2% -> 2.5%);
# 4. runs, alternately, RUNS times each, under /usr/bin/time -v:
#      rebate run  reference.rebate --input ... --out run.csv        (CSV payouts, as bench/run/compare.sh)
#      rebate diff reference.rebate NEW --input ... --out diff.md     (the Markdown report)
#      rebate diff ... --two-runs       (the programs one after the other: what the one scan saves)
# 5. prints best and median wall seconds, CPU seconds and peak RSS of each, and the ratios to the run.
#
# Environment: REBATE=path/to/rebate (default build-release/bin/rebate), RUNS=N (default 3),
# THREADS=N (passed as --threads to both; default: the automatic choice), GEN_JOBS=N (default 2).
set -euo pipefail

LINES=${1:-10000000}
RUNS=${RUNS:-3}
GEN_JOBS=${GEN_JOBS:-2}

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/bench/run
REBATE=${REBATE:-$ROOT/build-release/bin/rebate}
DATA=$ROOT/bench/out/run_${LINES}
OUT=$DATA/diff_results
mkdir -p "$OUT"
THREAD_ARGS=()
[ -n "${THREADS:-}" ] && THREAD_ARGS=(--threads "$THREADS")

if [ ! -x "$REBATE" ]; then
    echo "== building $REBATE (Release)" >&2
    cmake -S "$ROOT" -B "$ROOT/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREBATE_TESTS=OFF >/dev/null
    ninja -C "$ROOT/build-release" rebate >/dev/null
fi
if [ ! -f "$DATA/sales.csv" ] || [ ! -f "$DATA/partners.csv" ]; then
    echo "== generating $LINES lines into $DATA" >&2
    python3 "$HERE/gen_ledger.py" --seed 1 --lines "$LINES" --out "$DATA" --jobs "$GEN_JOBS"
fi

OLD=$HERE/reference.rebate
NEW=$OUT/reference_new.rebate
sed 's/    pay 2% of revenue$/    pay 2.5% of revenue/' "$OLD" > "$NEW"
if cmp -s "$OLD" "$NEW"; then
    echo "the rate to change was not found in $OLD" >&2
    exit 1
fi
"$REBATE" check --strict "$OLD"
"$REBATE" check --strict "$NEW"
INPUTS=(--input "partners=$DATA/partners.csv" --input "sales=$DATA/sales.csv")
cat "$DATA/sales.csv" "$DATA/partners.csv" > /dev/null  # both read the files from the page cache

echo "== $LINES lines; $RUNS run(s) each, alternately" >&2
for i in $(seq 1 "$RUNS"); do
    echo "-- run $i: rebate run" >&2
    /usr/bin/time -v -o "$OUT/time.run.$i" "$REBATE" run "$OLD" "${INPUTS[@]}" "${THREAD_ARGS[@]}" --out "$OUT/run.csv" 2> "$OUT/stderr.run.$i"
    echo "-- run $i: rebate diff" >&2
    /usr/bin/time -v -o "$OUT/time.diff.$i" "$REBATE" diff "$OLD" "$NEW" "${INPUTS[@]}" "${THREAD_ARGS[@]}" --out "$OUT/diff.md" \
        2> "$OUT/stderr.diff.$i"
    echo "-- run $i: rebate diff --two-runs" >&2
    /usr/bin/time -v -o "$OUT/time.two_runs.$i" "$REBATE" diff "$OLD" "$NEW" "${INPUTS[@]}" "${THREAD_ARGS[@]}" --two-runs \
        --out "$OUT/diff_two_runs.md" 2> "$OUT/stderr.two_runs.$i"
done
if ! cmp -s "$OUT/diff.md" "$OUT/diff_two_runs.md"; then
    echo "the one-scan and the two-run reports differ" >&2
    exit 1
fi
if grep -q "cannot share one scan" "$OUT/stderr.diff.1"; then
    echo "the two programs did not share a scan:" >&2
    cat "$OUT/stderr.diff.1" >&2
    exit 1
fi
head -12 "$OUT/diff.md" >&2

PYTHONPATH="$ROOT/bench" python3 - "$OUT" "$RUNS" <<'EOF'
import statistics
import sys
from time_v import parse
out, runs = sys.argv[1], int(sys.argv[2])

figures = {}
print(f"\n| {'':22} | {'best wall s':>11} | {'median wall s':>13} | {'best CPU s':>10} | {'peak RSS MB':>11} |")
print(f"|{'-' * 24}|{'-' * 13}|{'-' * 15}|{'-' * 12}|{'-' * 13}|")
for name, label in (("run", "rebate run"), ("diff", "rebate diff"), ("two_runs", "rebate diff --two-runs")):
    rs = [parse(f"{out}/time.{name}.{i}") for i in range(1, runs + 1)]
    best, median = min(r.wall for r in rs), statistics.median(r.wall for r in rs)
    cpu, rss = min(r.cpu for r in rs), max(r.rss for r in rs)
    figures[name] = (best, median, cpu, rss)
    print(f"| {label:22} | {best:11.2f} | {median:13.2f} | {cpu:10.2f} | {rss / 1e6:11.1f} |")
r = figures["run"]
for name in ("diff", "two_runs"):
    d = figures[name]
    print(f"{name.replace('_', ' ')} / run: best wall {d[0] / r[0]:.2f}x, median wall {d[1] / r[1]:.2f}x, CPU {d[2] / r[2]:.2f}x, "
          f"peak RSS {d[3] / r[3]:.2f}x")
print("(goal: diff / run wall <= 1.3x)")
EOF
