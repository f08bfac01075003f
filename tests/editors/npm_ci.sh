#!/usr/bin/env bash
# Installs the VS Code extension's npm packages (package-lock.json, from the npm registry) into
# editors/vscode/node_modules, once: a stamp remembers the lock file that was installed, so a second run is
# a no-op until package-lock.json changes. The ctest fixture `editors_npm` runs it before the VS Code tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../editors/vscode"
stamp=node_modules/.rebate-npm-ci-stamp
if [ -f "$stamp" ] && cmp -s "$stamp" package-lock.json; then
  echo "npm ci: node_modules is up to date with package-lock.json"
  exit 0
fi
npm ci --no-audit --no-fund --prefer-offline
cp package-lock.json "$stamp"
