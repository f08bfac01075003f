#!/usr/bin/env bash
# The main job: builds the toolchain, checks the fifteen example programs, then runs the flagship
# (scenario 4, storage volume tiers) against its ledgers and prints the payouts with their explanation.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/build.sh rebate
for program in examples/*/program.rebate; do
  build/bin/rebate check "$program"
done
echo "checked: $(ls examples/*/program.rebate | wc -l) example programs"
example=examples/04-storage-volume-tiers
build/bin/rebate run "$example/program.rebate" \
  --input "partners=$example/partners.csv" --input "sales=$example/sales.csv" --period 2026-Q3 --explain
