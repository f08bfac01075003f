#!/usr/bin/env bash
# The partners benchmark: `rebate run PROGRAM` over ledgers with many partners, recording wall time and
# peak RSS, so that memory that grows with partners × rebates shows (issue 20). PROGRAM: bench/partners/
# small.rebate (three rebates, four quarters, two aggregates a cell; the default) or bench/run/
# reference.rebate (eleven rebates, four quarters paid and four looked back to: 13 aggregates × 8
# quarters × 32 bytes = 3.3 KB of aggregate states a partner, per scanning thread, so 5M partners need
# THREADS=1 and about 17 GB for the states alone).
#
#   bench/partners/run.sh [PARTNERS...]          (default: 1000000 5000000)
#
# 1. generates bench/out/partners_N/{partners,sales}.csv with bench/partners/gen_partners.py (seed 1,
#    one ledger line per partner) if missing (bench/out is not committed);
# 2. for each N and each binary (REBATE, and BEFORE when set), runs `rebate run` with --format csv
#    --out (the payouts to a file in the data folder, removed after) under /usr/bin/time -v, RUNS times;
# 3. prints a table: wall seconds (best), peak RSS MB (largest), payout rows written, and the phases
#    of the last run (--timings).
#
# Environment: REBATE=path/to/rebate (default build-runbench/bin/rebate, built Release if missing),
# BEFORE=path/to/older/rebate (optional: run too, for a before/after table), RUNS=N (default 1),
# THREADS=N (default 2), FORMAT=csv|json (default csv), FLAGS="..." (more flags, e.g. --explain),
# PROGRAM=path (default bench/partners/small.rebate).
# A run whose peak memory would exceed the machine is not protected against: BEFORE at 5M partners
# needed about 47 GB (kept every payout) and is best left out (BEFORE_MAX=N: skip BEFORE above N partners).
set -euo pipefail

PARTNERS=${*:-1000000 5000000}
RUNS=${RUNS:-1}
THREADS=${THREADS:-2}
FORMAT=${FORMAT:-csv}
FLAGS=${FLAGS:-}
BEFORE=${BEFORE:-}
BEFORE_MAX=${BEFORE_MAX:-1000000}

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REBATE=${REBATE:-$ROOT/build-runbench/bin/rebate}
PROGRAM=${PROGRAM:-$ROOT/bench/partners/small.rebate}
TAG=$(basename "$PROGRAM" .rebate)

if [ ! -x "$REBATE" ]; then
    echo "== building $REBATE (Release)" >&2
    cmake -S "$ROOT" -B "$ROOT/build-runbench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREBATE_TESTS=OFF >/dev/null
    ninja -C "$ROOT/build-runbench" rebate >/dev/null
fi

results=()
for n in $PARTNERS; do
    DATA=$ROOT/bench/out/partners_$n
    if [ ! -f "$DATA/sales.csv" ] || [ ! -f "$DATA/partners.csv" ]; then
        echo "== generating $n partners into $DATA" >&2
        python3 "$ROOT/bench/partners/gen_partners.py" --seed 1 --partners "$n" --out "$DATA"
    fi
    cat "$DATA/sales.csv" "$DATA/partners.csv" > /dev/null
    binaries=("after=$REBATE")
    if [ -n "$BEFORE" ] && [ "$n" -le "$BEFORE_MAX" ]; then binaries=("before=$BEFORE" "${binaries[@]}"); fi
    for i in $(seq 1 "$RUNS"); do
        for entry in "${binaries[@]}"; do
            name=${entry%%=*}
            bin=${entry#*=}
            out=$DATA/payouts.$name.$FORMAT
            echo "-- $n partners, $name, run $i" >&2
            # shellcheck disable=SC2086
            /usr/bin/time -v -o "$DATA/time.$TAG.$name.$i" "$bin" run "$PROGRAM" --input "partners=$DATA/partners.csv" \
                --input "sales=$DATA/sales.csv" --format "$FORMAT" --out "$out" --threads "$THREADS" --timings $FLAGS \
                > "$DATA/stdout.$TAG.$name.$i" 2> "$DATA/stderr.$TAG.$name.$i" || { echo "failed: see $DATA/stderr.$TAG.$name.$i" >&2; tail -3 "$DATA/stderr.$TAG.$name.$i" >&2; }
            rows=$( [ -f "$out" ] && wc -l < "$out" || echo 0 )
            echo "$rows" > "$DATA/rows.$TAG.$name.$i"
        done
    done
    if [ -n "$BEFORE" ] && [ "$n" -le "$BEFORE_MAX" ] && [ -f "$DATA/payouts.before.$FORMAT" ] && [ -f "$DATA/payouts.after.$FORMAT" ]; then
        if cmp -s "$DATA/payouts.before.$FORMAT" "$DATA/payouts.after.$FORMAT"; then echo "== $n partners: before and after outputs identical" >&2
        else echo "== $n partners: before and after outputs DIFFER" >&2; fi
    fi
    rm -f "$DATA"/payouts.*."$FORMAT"
    results+=("$n")
done

PYTHONPATH="$ROOT/bench" python3 - "$ROOT/bench/out" "$RUNS" "$TAG" "${results[@]}" <<'EOF'
import os, sys
from time_v import parse
base, runs, tag, sizes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]

print(f"{tag}.rebate")
print(f"| partners | binary | wall s (best of {runs}) | peak RSS MB | payout rows | phases (last run) |")
print("|---:|---|---:|---:|---:|---|")
for n in sizes:
    d = f"{base}/partners_{n}"
    for name in ("before", "after"):
        paths = [f"{d}/time.{tag}.{name}.{i}" for i in range(1, runs + 1)]
        if not all(os.path.exists(p) for p in paths):
            continue
        rs = [parse(p) for p in paths]
        rows = open(f"{d}/rows.{tag}.{name}.{runs}").read().strip()
        phases = []
        for line in open(f"{d}/stderr.{tag}.{name}.{runs}"):
            if line.startswith("timing:") and "total" not in line:
                parts = line.split()
                phases.append(f"{parts[1]} {parts[2]}" if parts[2] != "+" else f"{parts[1]}+{parts[3]} {parts[4]}")
        print(f"| {int(n):,} | {name} | {min(r.wall for r in rs):.2f} | {max(r.rss for r in rs) / 1e6:,.0f} | {int(rows):,} | {', '.join(phases)} |")
EOF
