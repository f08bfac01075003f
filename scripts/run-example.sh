#!/usr/bin/env bash
# The main job: builds the toolchain and checks every example program (fifteen scenarios from the field).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/build.sh rebate
for program in examples/*/program.rebate; do
  build/bin/rebate check "$program"
  echo "ok  $program"
done
