#!/usr/bin/env bash
# The test command: installs what is missing, builds everything and runs every test suite (ctest:
# unit tests, golden diagnostics tests, example checks, bad-input tests), every program-running test on
# each engine of the build. Then the configuration without the LLVM JIT (build-nojit/, -DREBATE_JIT=OFF):
# only what differs there is built and tested (the CLI and the unit tests, whose engine lists change, and
# the tests of what the CLI offers and refuses), the rest being the same code as in build/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/build.sh
# The suites run side by side, one per core: each works in a temporary directory of its own (and
# starts its own PostgreSQL cluster, Neovim or Chromium), so none waits for another.
jobs="$(nproc)"
ctest --test-dir build --output-on-failure -j "$jobs" "$@"

if [ ! -f build-nojit/build.ninja ]; then
  cmake -S . -B build-nojit -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREBATE_JIT=OFF >/dev/null
fi
ninja -C build-nojit rebate unit_tests
ctest --test-dir build-nojit --output-on-failure -j "$jobs" -R '^(unit|run_cli\.vm|examples_run\.vm|test_runner|engines_agree|cli)$' "$@"
