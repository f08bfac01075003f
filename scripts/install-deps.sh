#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only when something is missing.
# Idempotent and quiet when everything is already there; both README set-up commands call it.
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ clang-14 libclang-rt-14-dev
  antlr4 libantlr4-runtime-dev default-jre-headless
  libfmt-dev catch2 nlohmann-json3-dev libcli11-dev
  python3
  vim neovim
  libxml2-utils lcov python3-jsonschema pre-commit git
  chromium  # the HTML statements are rendered in a real browser (tests/statements)
  zlib1g-dev libzstd-dev   # compressed ledgers (.csv.gz, .csv.zst), read as streams
  libpq-dev postgresql     # ledgers read from PostgreSQL; the test starts a throwaway server
  libtbb-dev  # oneTBB: the run's threads (runtime/core/threads.h)
  libicu-dev  # ICU: Unicode case mapping for the text functions `upper` and `lower` (runtime/vm/text.cpp)
  llvm-14-dev  # the JIT engine (runtime/jit; without it configure with -DREBATE_JIT=OFF)
)
# The VS Code extension's tests need node and npm. Debian's `nodejs` and `npm` when either command is missing
# from PATH; a node installed otherwise (NodeSource's, which bundles npm and conflicts with Debian's `npm`)
# is left alone.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
