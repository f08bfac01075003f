'use strict';
// Checks of the extension that need no VS Code: the manifest's contributions point at files that exist
// and parse, the snippets and language configuration are valid, the server path is resolved as the
// settings say, and activating with a missing `rebate` binary shows the clear error message (with a
// stand-in for the `vscode` module).
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');

const ext = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
let checks = 0;
function check(what, fn) {
  try {
    fn();
    checks++;
  } catch (e) {
    console.error(`FAIL ${what}\n  ${e.message}`);
    process.exitCode = 1;
  }
}

check('the manifest declares the language, the .rebate extension and the settings', () => {
  const lang = pkg.contributes.languages.find((l) => l.id === 'rebate');
  assert.ok(lang, 'no language "rebate"');
  assert.deepStrictEqual(lang.extensions, ['.rebate']);
  const props = pkg.contributes.configuration.properties;
  for (const key of ['rebate.server.path', 'rebate.server.args', 'rebate.trace.server']) {
    assert.ok(props[key], `no setting ${key}`);
  }
  assert.deepStrictEqual(props['rebate.server.args'].default, ['lsp']);
  assert.ok(pkg.dependencies['vscode-languageclient'], 'vscode-languageclient is not a dependency');
});

check('the grammar, snippets and language configuration exist and parse', () => {
  const grammar = JSON.parse(fs.readFileSync(path.join(ext, pkg.contributes.grammars[0].path), 'utf8'));
  assert.strictEqual(grammar.scopeName, 'source.rebate');
  assert.strictEqual(pkg.contributes.grammars[0].scopeName, 'source.rebate');
  // Every #include names a repository entry.
  const names = new Set(Object.keys(grammar.repository));
  JSON.stringify(grammar, (k, v) => {
    if (k === 'include' && v.startsWith('#')) assert.ok(names.has(v.slice(1)), `unknown include ${v}`);
    return v;
  });
  const snippets = JSON.parse(fs.readFileSync(path.join(ext, pkg.contributes.snippets[0].path), 'utf8'));
  const prefixes = Object.values(snippets).map((s) => s.prefix);
  for (const p of ['program', 'measure', 'tiers', 'decision', 'rebate', 'test']) {
    assert.ok(prefixes.includes(p), `no snippet with prefix ${p}`);
  }
  const conf = JSON.parse(fs.readFileSync(path.join(ext, pkg.contributes.languages[0].configuration), 'utf8'));
  assert.strictEqual(conf.comments.lineComment, '//');
  assert.deepStrictEqual(conf.comments.blockComment, ['/*', '*/']);
  for (const key of ['increaseIndentPattern', 'decreaseIndentPattern']) new RegExp(conf.indentationRules[key]);
  new RegExp(conf.wordPattern);
});

check("the language configuration's indentation rules give the examples' layout", () => {
  // VS Code indents the line after one that matches increaseIndentPattern by one level, and outdents a
  // line that matches decreaseIndentPattern: every example, laid out by hand in four-space levels, must
  // agree with both.
  const conf = JSON.parse(fs.readFileSync(path.join(ext, pkg.contributes.languages[0].configuration), 'utf8'));
  const increase = new RegExp(conf.indentationRules.increaseIndentPattern);
  const decrease = new RegExp(conf.indentationRules.decreaseIndentPattern);
  const examples = path.resolve(ext, '..', '..', 'examples');
  const files = fs.readdirSync(examples).map((d) => path.join(examples, d, 'program.rebate')).filter((f) => fs.existsSync(f));
  assert.ok(files.length >= 10, 'no examples found');
  const indent = (l) => l.match(/^ */)[0].length;
  const wrong = [];
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    let prev;
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      if (prev !== undefined && !lines[prev].trimStart().startsWith('//') && !line.trimStart().startsWith('//')) {
        let want = indent(lines[prev]) + (increase.test(lines[prev]) ? 4 : 0) - (decrease.test(line) ? 4 : 0);
        if (indent(line) !== Math.max(want, 0)) wrong.push(`${path.relative(examples, file)}:${i + 1}: indent ${indent(line)}, rules give ${want}`);
      }
      prev = i;
    });
  }
  assert.deepStrictEqual(wrong.slice(0, 10), []);
});

const { resolveServerCommand } = require(path.join(ext, 'lib', 'server.js'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rebate-ext-'));
const fakeBin = path.join(tmp, 'bin');
fs.mkdirSync(fakeBin);
const fakeRebate = path.join(fakeBin, 'rebate');
fs.writeFileSync(fakeRebate, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
fs.writeFileSync(path.join(fakeBin, 'not-executable'), 'x', { mode: 0o644 });

check('a bare name is looked up on PATH', () => {
  assert.deepStrictEqual(resolveServerCommand('rebate', undefined, { PATH: fakeBin }), { command: fakeRebate });
  const missing = resolveServerCommand('rebate', undefined, { PATH: tmp });
  assert.match(missing.error, /no `rebate` executable on PATH/);
  assert.match(missing.error, /rebate\.server\.path/);
});
check('a relative path is taken from the workspace folder', () => {
  assert.deepStrictEqual(resolveServerCommand('bin/rebate', tmp, { PATH: '' }), { command: fakeRebate });
  assert.match(resolveServerCommand('bin/rebate', undefined, { PATH: '' }).error, /no workspace folder/);
});
check('an absolute path must be an executable file', () => {
  assert.deepStrictEqual(resolveServerCommand(fakeRebate, undefined, {}), { command: fakeRebate });
  assert.match(resolveServerCommand(path.join(tmp, 'nope'), undefined, {}).error, /does not exist or is not executable/);
  assert.match(resolveServerCommand(path.join(fakeBin, 'not-executable'), undefined, {}).error, /not executable/);
  assert.match(resolveServerCommand(fakeBin, undefined, {}).error, /not executable/);
});
check('a rebate without the lsp command is told apart from one with it', () => {
  const { listsLspCommand } = require(path.join(ext, 'lib', 'server.js'));
  const old = path.join(tmp, 'rebate-old');
  fs.writeFileSync(old, '#!/bin/sh\nprintf "Subcommands:\\n  check   Check\\n  run     Run\\n"\n', { mode: 0o755 });
  const withLsp = path.join(tmp, 'rebate-new');
  fs.writeFileSync(withLsp, '#!/bin/sh\nprintf "Subcommands:\\n  check   Check\\n  lsp     The language server\\n"\n', { mode: 0o755 });
  assert.strictEqual(listsLspCommand(old), false);
  assert.strictEqual(listsLspCommand(withLsp), true);
  assert.strictEqual(listsLspCommand(path.join(tmp, 'nope')), undefined);
  if (process.env.REBATE_BINARY) {
    // The real binary: today it has no `lsp`; when it does, this says true.
    assert.notStrictEqual(listsLspCommand(process.env.REBATE_BINARY), undefined, 'could not read `rebate --help`');
  }
});
check('an empty setting means `rebate`', () => {
  assert.deepStrictEqual(resolveServerCommand('  ', undefined, { PATH: fakeBin }), { command: fakeRebate });
});

// Activation with a stand-in `vscode` module: the binary is missing, so the extension shows the error
// and starts no client.
async function activationWithoutBinary() {
  const shown = [];
  const warned = [];
  const anything = () => new Proxy(function () {}, {
    get: (t, k) => (k === 'then' ? undefined : anything()),
    apply: () => anything(),
    construct: () => anything(),
  });
  const settings = { 'server.path': path.join(tmp, 'missing', 'rebate'), 'server.args': ['lsp'], 'server.enable': true };
  const lines = [];
  const vscode = new Proxy(
    {
      workspace: {
        workspaceFolders: [{ uri: { fsPath: tmp } }],
        getConfiguration: () => ({ get: (k, d) => (k in settings ? settings[k] : d) }),
        onDidChangeConfiguration: () => ({ dispose() {} }),
        createFileSystemWatcher: () => ({ dispose() {} }),
      },
      window: {
        createOutputChannel: () => ({ appendLine: (l) => lines.push(l), show() {}, dispose() {} }),
        showErrorMessage: (msg) => {
          shown.push(msg);
          return Promise.resolve(undefined);
        },
        showWarningMessage: (msg) => {
          warned.push(msg);
          return Promise.resolve(undefined);
        },
      },
      commands: { registerCommand: () => ({ dispose() {} }), executeCommand() {} },
    },
    { get: (t, k) => (k in t ? t[k] : anything()) },
  );
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (request === 'vscode') return 'vscode';
    return resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };
  const extension = require(path.join(ext, pkg.main));
  const context = { subscriptions: [] };
  await extension.activate(context);
  assert.strictEqual(shown.length, 1, `expected one error message, got ${JSON.stringify(shown)}`);
  assert.match(shown[0], /does not exist or is not executable/);
  assert.ok(lines.some((l) => l.includes('could not start')), 'the error is not in the output channel');
  await extension.deactivate();
  checks++;

  // A `rebate` whose help lists no `lsp` command (a build from before the server): a warning that says
  // so, and no client.
  settings['server.path'] = path.join(tmp, 'rebate-old');
  shown.length = 0;
  await extension.activate({ subscriptions: [] });
  assert.strictEqual(shown.length, 0, `unexpected error messages ${JSON.stringify(shown)}`);
  assert.strictEqual(warned.length, 1, `expected one warning, got ${JSON.stringify(warned)}`);
  assert.match(warned[0], /has no `lsp` command yet/);
  await extension.deactivate();
  checks++;
}

activationWithoutBinary()
  .catch((e) => {
    console.error(`FAIL activation without a binary or without an lsp command\n  ${e.stack}`);
    process.exitCode = 1;
  })
  .finally(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!process.exitCode) console.log(`extension checks: ${checks} passed`);
  });
