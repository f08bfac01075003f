#!/usr/bin/env bash
# The JIT benchmark (issue 15): bench/jit/lines.rebate on the interpreter, on the JIT and as the hand-written
# loop bench/jit/hand_loop.cpp, side by side in one run, at each thread count; then the reference program
# (bench/run/reference.rebate) on both engines, compile time included.
#
#   bench/jit/compare.sh [LINES] [THREADS...]          (defaults: 1000000 lines, threads 1 and 2)
#
# 1. uses bench/out/run_LINES/{partners,sales}.csv (bench/run/gen_ledger.py, seed 1: the reference
#    benchmark's data, generated if missing) and bench/jit/products.csv;
# 2. compiles hand_loop.cpp with -O2 -march=native into $OUT;
# 3. for each run and thread count T: `rebate run lines.rebate --engine vm`, then `--engine jit`, then the
#    hand loop, each under /usr/bin/time -v (rebate with --timings), alternately, RUNS times;
# 4. checks that the VM's, the JIT's and the hand loop's payouts are the same to the cent (exit 1 if not);
# 5. prints wall seconds (best of RUNS), CPU seconds, peak RSS and rebate's phases (best of RUNS), and the
#    ratios: VM / JIT per phase and end to end, JIT / hand loop end to end;
# 6. runs the reference program RUNS times at one thread on the interpreter, on the JIT (tiered, as a run
#    is: it loads LLVM only when a function is worth compiling) and on the JIT with every function
#    compiled when it first runs (REBATE_JIT_TIERED=off: the compile-time goal), and prints the same.
#
# The JIT runs tiered (docs/architecture.md, "The JIT"); NATIVE=1 adds lines.rebate with
# REBATE_JIT_TIERED=off too ("jit native"). Environment: REBATE=path/to/rebate (default
# build/bin/rebate), RUNS=N (default 3; at least 2 for a warm JIT compile), OUT=DIR (default
# /tmp/rebate-jit-bench), DATA=DIR (default bench/out/run_LINES; bench/out may be a link to another
# checkout's data), REFERENCE=0 to skip step 6.
set -euo pipefail

LINES=${1:-1000000}
shift || true
THREADS=${*:-1 2}
RUNS=${RUNS:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/bench/jit
REBATE=${REBATE:-$ROOT/build/bin/rebate}
DATA=${DATA:-$ROOT/bench/out/run_${LINES}}
OUT=${OUT:-/tmp/rebate-jit-bench}/run_${LINES}
mkdir -p "$OUT"

if [ ! -f "$DATA/sales.csv" ] || [ ! -f "$DATA/partners.csv" ]; then
    echo "== generating $LINES lines into $DATA" >&2
    python3 "$ROOT/bench/run/gen_ledger.py" --seed 1 --lines "$LINES" --out "$DATA" --jobs 2
fi
"$REBATE" check --strict "$HERE/lines.rebate"
${CXX:-g++} -O2 -march=native -std=c++20 -pthread -o "$OUT/hand_loop" "$HERE/hand_loop.cpp"
cat "$DATA/sales.csv" "$DATA/partners.csv" > /dev/null  # every run reads from the page cache
# The JIT's object cache starts empty: each program's first JIT run compiles (cold), the later ones load
# what it compiled (warm), as runs of an unchanged program do (docs/architecture.md). The report shows both.
export REBATE_JIT_CACHE=$OUT/jit-cache
rm -rf "$REBATE_JIT_CACHE"

INPUTS=(--input "partners=$DATA/partners.csv" --input "sales=$DATA/sales.csv" --input "products=$HERE/products.csv")
run_rebate() {  # $1 = program, $2 = name, $3 = engine (vm, jit, or jitnative: the JIT untiered), $4 = threads, $5 = run, rest: inputs
    local program=$1 name=$2 engine=$3 t=$4 i=$5 tiered=on
    shift 5
    [ "$engine" = jitnative ] && tiered=off
    REBATE_JIT_TIERED=$tiered /usr/bin/time -v -o "$OUT/time.$name.$engine.t$t.$i" "$REBATE" run "$program" "$@" --engine "${engine%native}" \
        --threads "$t" --timings --out "$OUT/payouts.$name.$engine.t$t.csv" 2> "$OUT/stderr.$name.$engine.t$t.$i" ||
        { echo "rebate run failed:"; tail -5 "$OUT/stderr.$name.$engine.t$t.$i"; exit 1; } >&2
}
LINE_ENGINES="vm jit"
[ "${NATIVE:-0}" = 1 ] && LINE_ENGINES="vm jit jitnative"

echo "== $LINES lines; threads: $THREADS; $RUNS run(s)" >&2
for i in $(seq 1 "$RUNS"); do
    for t in $THREADS; do
        echo "-- run $i, $t thread(s): $LINE_ENGINES, hand loop" >&2
        for e in $LINE_ENGINES; do
            run_rebate "$HERE/lines.rebate" lines "$e" "$t" "$i" "${INPUTS[@]}"
        done
        /usr/bin/time -v -o "$OUT/time.lines.hand.t$t.$i" "$OUT/hand_loop" "$DATA/partners.csv" "$DATA/sales.csv" \
            "$HERE/products.csv" "$OUT/payouts.lines.hand.t$t.csv" "$t"
    done
done
if [ "${REFERENCE:-1}" = 1 ]; then
    for i in $(seq 1 "$RUNS"); do
        echo "-- run $i: the reference program, vm, jit and jit native" >&2
        for e in vm jit jitnative; do
            run_rebate "$ROOT/bench/run/reference.rebate" reference "$e" 1 "$i" \
                --input "partners=$DATA/partners.csv" --input "sales=$DATA/sales.csv"
        done
    done
fi

echo "== payouts" >&2
STATUS=0
for t in $THREADS; do
    for e in $LINE_ENGINES; do
        python3 "$ROOT/bench/run/compare_payouts.py" "$OUT/payouts.lines.$e.t$t.csv" "$OUT/payouts.lines.hand.t$t.csv" \
            | sed "s/duckdb/hand loop/g; s/^/$e, $t thread(s): /" || STATUS=1
    done
done
if [ "${REFERENCE:-1}" = 1 ]; then
    cmp "$OUT/payouts.reference.vm.t1.csv" "$OUT/payouts.reference.jit.t1.csv" &&
        cmp "$OUT/payouts.reference.vm.t1.csv" "$OUT/payouts.reference.jitnative.t1.csv" &&
        echo "reference: vm, jit and jit native payouts identical" || STATUS=1
fi

PYTHONPATH="$ROOT/bench" python3 "$HERE/report.py" "$OUT" "$RUNS" "$THREADS" "${REFERENCE:-1}" "${NATIVE:-0}"
exit $STATUS
