'use strict';
// Finding the `rebate` executable that runs the language server. No `vscode` import here, so that the
// tests (test/check-extension.js) run these functions under plain Node.

const fs = require('fs');
const path = require('path');

function isExecutableFile(file) {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch (e) {
    return false;
  }
}

// Looks `name` up on PATH the way a shell does (with PATHEXT on Windows).
function findOnPath(name, env) {
  const dirs = (env.PATH || env.Path || '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? (env.PATHEXT || '.EXE;.CMD;.BAT').split(';').concat(['']) : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

// The setting `rebate.server.path` to an absolute executable, or an error message for the user.
//   setting: the configured value ("rebate" by default); a bare name is looked up on PATH, a relative
//            path with a directory part is taken from the first workspace folder, `~/` from the home.
//   workspaceFolder: an absolute path, or undefined when no folder is open.
// Returns { command } or { error }.
function resolveServerCommand(setting, workspaceFolder, env) {
  env = env || process.env;
  const value = (setting || '').trim() || 'rebate';
  let expanded = value;
  if (expanded === '~' || expanded.startsWith('~/')) {
    expanded = path.join(env.HOME || env.USERPROFILE || '', expanded.slice(1));
  }
  const hasDirectory = expanded.includes('/') || expanded.includes('\\');
  if (!hasDirectory) {
    const found = findOnPath(expanded, env);
    if (found) return { command: found };
    return {
      error:
        `The Rebate language server could not start: no \`${value}\` executable on PATH. ` +
        'Build the toolchain (`bash scripts/build.sh`, which makes build/bin/rebate) and set ' +
        '`rebate.server.path` to it, or put `rebate` on your PATH. Highlighting and snippets work without it.',
    };
  }
  let absolute = expanded;
  if (!path.isAbsolute(absolute)) {
    if (!workspaceFolder) {
      return {
        error:
          `The Rebate language server could not start: \`rebate.server.path\` is the relative path \`${value}\`, ` +
          'and no workspace folder is open to resolve it against. Use an absolute path.',
      };
    }
    absolute = path.resolve(workspaceFolder, absolute);
  }
  if (!isExecutableFile(absolute)) {
    return {
      error:
        `The Rebate language server could not start: \`${absolute}\` (from \`rebate.server.path\`) ` +
        'does not exist or is not executable. Build the toolchain (`bash scripts/build.sh`) or correct the setting.',
    };
  }
  return { command: absolute };
}

// Whether `command --help` lists an `lsp` command. A `rebate` built before the language server existed
// answers `rebate lsp` with "unknown command"; this tells the user so instead of a failed start.
// Returns true, false, or undefined when the help could not be read (then the start is tried anyway).
function listsLspCommand(command) {
  const { spawnSync } = require('child_process');
  const run = spawnSync(command, ['--help'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.error || (run.status !== 0 && !run.stdout)) return undefined;
  return /^\s+lsp\b/m.test(`${run.stdout || ''}\n${run.stderr || ''}`);
}

module.exports = { resolveServerCommand, findOnPath, listsLspCommand };
