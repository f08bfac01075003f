#!/usr/bin/env bash
# The test command: installs what is missing, builds everything and runs every test suite (ctest:
# unit tests, golden diagnostics tests, example checks, bad-input tests).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/build.sh
ctest --test-dir build --output-on-failure "$@"
