#!/usr/bin/env bash
# Packages the extension as a .vsix with @vscode/vsce (a devDependency): `npm ci` first if node_modules is
# missing. Usage: scripts/package.sh [OUTPUT.vsix]   (default: rebate-VERSION.vsix in editors/vscode/)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -d node_modules/@vscode/vsce ]; then
  npm ci --no-audit --no-fund
fi
version="$(node -p "require('./package.json').version")"
out="${1:-rebate-${version}.vsix}"
# --skip-license: the project has no licence file yet; the extension is not published to a marketplace.
node_modules/.bin/vsce package --skip-license --allow-missing-repository --out "$out"
# A .vsix is a zip: check that what the extension needs at run time is inside.
node -e '
const fs = require("fs"), out = process.argv[1];
const buf = fs.readFileSync(out).toString("latin1");
const need = ["extension/package.json", "extension/extension.js", "extension/lib/server.js",
  "extension/syntaxes/rebate.tmLanguage.json", "extension/snippets/rebate.json",
  "extension/language-configuration.json", "extension/node_modules/vscode-languageclient/package.json"];
const missing = need.filter((n) => !buf.includes(n));
const unwanted = ["extension/test/", "extension/node_modules/@vscode/vsce/", "extension/node_modules/vscode-tmgrammar-test/"]
  .filter((n) => buf.includes(n));
if (missing.length || unwanted.length) {
  console.error("package: " + out + (missing.length ? " lacks " + missing.join(", ") : "") +
    (unwanted.length ? " holds " + unwanted.join(", ") : ""));
  process.exit(1);
}
console.log("package: " + out + " (" + fs.statSync(out).size + " bytes) has the extension and its language client");
' "$out"
