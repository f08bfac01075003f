#!/usr/bin/env bash
# The `rebate run` benchmark: the engine against DuckDB on the same generated ledger, in one run, at
# equal thread counts.
#
#   bench/run/compare.sh [LINES] [THREADS...]          (defaults: 1000000 lines, threads 1 and 2)
#
# 1. generates bench/out/run_LINES/{partners,sales}.csv with bench/run/gen_ledger.py (seed 1) if missing;
# 2. builds the Release CLI in build-runbench/ if missing, installs @duckdb/node-api if missing;
# 3. for each thread count T: runs `rebate run bench/run/reference.rebate --threads T` and
#    `node bench/run/duckdb_run.mjs --threads T` (DuckDB with SET threads = T) on the same files, each
#    under /usr/bin/time -v, alternately, RUNS times;
# 4. checks that every run gives the same payout, to the cent, for every partner / period / rebate
#    (prints the first differences and exits 1 if not);
# 5. prints a table: wall seconds (best of RUNS), CPU seconds, MB/s of CSV, peak RSS, RSS / CSV size, and
#    the ratios rebate / DuckDB at each thread count.
#
# Environment: REBATE=path/to/rebate (default build-runbench/bin/rebate), RUNS=N (default 1),
# FORMAT=csv|json (the engine's output format, default csv), SEED=N (default 1),
# GEN_JOBS=N (generator processes, default 2).
set -euo pipefail

LINES=${1:-1000000}
shift || true
THREADS=${*:-1 2}
RUNS=${RUNS:-1}
FORMAT=${FORMAT:-csv}
SEED=${SEED:-1}
GEN_JOBS=${GEN_JOBS:-2}

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/bench/run
REBATE=${REBATE:-$ROOT/build-runbench/bin/rebate}
DATA=$ROOT/bench/out/run_${LINES}
[ "$SEED" = 1 ] || DATA=${DATA}_seed$SEED
OUT=$DATA/results
mkdir -p "$OUT"

if [ ! -x "$REBATE" ]; then
    echo "== building $REBATE (Release)" >&2
    cmake -S "$ROOT" -B "$ROOT/build-runbench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREBATE_TESTS=OFF >/dev/null
    ninja -C "$ROOT/build-runbench" rebate >/dev/null
fi
if [ ! -d "$HERE/node_modules/@duckdb/node-api" ]; then
    echo "== npm install (bench/run)" >&2
    (cd "$HERE" && npm install --no-audit --no-fund >/dev/null)
fi
if [ ! -f "$DATA/sales.csv" ] || [ ! -f "$DATA/partners.csv" ]; then
    echo "== generating $LINES lines into $DATA" >&2
    python3 "$HERE/gen_ledger.py" --seed "$SEED" --lines "$LINES" --out "$DATA" --jobs "$GEN_JOBS"
fi

"$REBATE" check --strict "$HERE/reference.rebate"

CSV_BYTES=$(( $(stat -c %s "$DATA/sales.csv") + $(stat -c %s "$DATA/partners.csv") ))
# Both sides read the files from the page cache.
cat "$DATA/sales.csv" "$DATA/partners.csv" > /dev/null

run_rebate() {  # $1 = run number, $2 = threads
    /usr/bin/time -v -o "$OUT/time.rebate_t$2.$1" \
        "$REBATE" run "$HERE/reference.rebate" --input "partners=$DATA/partners.csv" \
        --input "sales=$DATA/sales.csv" --format "$FORMAT" --out "$OUT/rebate_payouts_t$2.$FORMAT" \
        --threads "$2" --timings 2> "$OUT/stderr.rebate_t$2.$1"
}
run_duckdb() {  # $1 = run number, $2 = threads
    /usr/bin/time -v -o "$OUT/time.duckdb_t$2.$1" \
        node "$HERE/duckdb_run.mjs" --partners "$DATA/partners.csv" --sales "$DATA/sales.csv" \
        --out "$OUT/duckdb_payouts_t$2.csv" --threads "$2" 2> "$OUT/stderr.duckdb_t$2.$1"
}

echo "== $LINES lines, $(awk "BEGIN{printf \"%.1f\", $CSV_BYTES/1e6}") MB of CSV; threads: $THREADS; $RUNS run(s)" >&2
for i in $(seq 1 "$RUNS"); do
    for t in $THREADS; do
        echo "-- run $i: rebate run ($t thread(s))" >&2
        if ! run_rebate "$i" "$t"; then
            echo "rebate run failed (see $OUT/stderr.rebate_t$t.$i):" >&2
            tail -5 "$OUT/stderr.rebate_t$t.$i" >&2
            exit 1
        fi
        echo "-- run $i: duckdb ($t thread(s))" >&2
        if ! run_duckdb "$i" "$t"; then
            echo "duckdb failed (see $OUT/stderr.duckdb_t$t.$i):" >&2
            tail -5 "$OUT/stderr.duckdb_t$t.$i" >&2
            exit 1
        fi
    done
done

echo "== payouts" >&2
STATUS=0
for t in $THREADS; do
    python3 "$HERE/compare_payouts.py" "$OUT/rebate_payouts_t$t.$FORMAT" "$OUT/duckdb_payouts_t$t.csv" || STATUS=1
done

PYTHONPATH="$ROOT/bench" python3 - "$OUT" "$CSV_BYTES" "$RUNS" "$THREADS" <<'EOF'
import sys
from time_v import parse
out, csv_bytes, runs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()

def best(name):
    rs = [parse(f"{out}/time.{name}.{i}") for i in range(1, runs + 1)]
    return min(r[0] for r in rs), min(r[1] for r in rs), max(r[2] for r in rs)

mb = csv_bytes / 1e6
print(f"\nCSV: {mb:,.1f} MB; wall = best of {runs} run(s), CPU = user + system, RSS = peak resident set")
print(f"| {'':24} | {'wall s':>8} | {'CPU s':>8} | {'MB/s CSV':>9} | {'peak RSS MB':>11} | {'RSS / CSV':>9} |")
print(f"|{'-' * 26}|{'-' * 10}|{'-' * 10}|{'-' * 11}|{'-' * 13}|{'-' * 11}|")
ratios = []
for t in threads:
    rows = [(f"rebate run, {t} thread(s)", best(f"rebate_t{t}")), (f"DuckDB, {t} thread(s)", best(f"duckdb_t{t}"))]
    for name, (w, c, rss) in rows:
        print(f"| {name:24} | {w:8.2f} | {c:8.2f} | {mb / w:9.1f} | {rss / 1e6:11.1f} | {rss / csv_bytes:9.2f} |")
    (rw, rc, rr), (dw, dc, dr) = rows[0][1], rows[1][1]
    ratios.append(f"{t} thread(s): wall {rw / dw:.2f}x ({dw / rw:.2f}x faster), CPU {rc / dc:.2f}x, peak RSS {rr / dr:.2f}x")
print("\nrebate / DuckDB at equal threads (goal: wall <= 0.25x, RSS / CSV < 1.5):")
for r in ratios:
    print("  " + r)
EOF
exit $STATUS
