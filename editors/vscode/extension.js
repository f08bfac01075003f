'use strict';
// The Rebate extension: the language, its grammar and snippets are declared in package.json; this file
// starts the language server, `rebate lsp`, over standard input and output with vscode-languageclient.

const vscode = require('vscode');
const { LanguageClient, TransportKind, State } = require('vscode-languageclient/node');
const { resolveServerCommand, listsLspCommand } = require('./lib/server');

let client;
let output;

function firstWorkspaceFolder() {
  const folders = vscode.workspace.workspaceFolders;
  return folders && folders.length > 0 ? folders[0].uri.fsPath : undefined;
}

async function startServer(context) {
  const config = vscode.workspace.getConfiguration('rebate');
  if (!config.get('server.enable', true)) {
    output.appendLine('rebate.server.enable is off: the language server is not started.');
    return;
  }
  const resolved = resolveServerCommand(config.get('server.path', 'rebate'), firstWorkspaceFolder());
  if (resolved.error) {
    output.appendLine(resolved.error);
    const choice = await vscode.window.showErrorMessage(resolved.error, 'Open Settings', 'Show Output');
    if (choice === 'Open Settings') {
      vscode.commands.executeCommand('workbench.action.openSettings', 'rebate.server.path');
    } else if (choice === 'Show Output') {
      output.show(true);
    }
    return;
  }
  const args = config.get('server.args', ['lsp']);
  if (args[0] === 'lsp' && listsLspCommand(resolved.command) === false) {
    const message =
      `\`${resolved.command}\` has no \`lsp\` command yet, so there is no language server: highlighting and ` +
      'snippets work, diagnostics come from `rebate check`. Point `rebate.server.path` at a newer build, or ' +
      'turn the server off with `rebate.server.enable`.';
    output.appendLine(message);
    const choice = await vscode.window.showWarningMessage(message, 'Turn Off', 'Open Settings');
    if (choice === 'Turn Off') {
      await config.update('server.enable', false, vscode.ConfigurationTarget.Global);
    } else if (choice === 'Open Settings') {
      vscode.commands.executeCommand('workbench.action.openSettings', 'rebate.server');
    }
    return;
  }
  output.appendLine(`Starting ${resolved.command} ${args.join(' ')}`);
  const executable = { command: resolved.command, args, transport: TransportKind.stdio };
  const serverOptions = { run: executable, debug: executable };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'rebate' },
      { scheme: 'untitled', language: 'rebate' },
    ],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.rebate') },
    outputChannel: output,
    traceOutputChannel: output,
  };
  // The client reads `rebate.trace.server` itself (the id below is the settings prefix).
  client = new LanguageClient('rebate', 'Rebate Language Server', serverOptions, clientOptions);
  client.onDidChangeState((e) => {
    if (e.newState === State.Stopped) output.appendLine('The Rebate language server stopped.');
  });
  try {
    await client.start();
  } catch (err) {
    const message =
      `The Rebate language server (\`${resolved.command} ${args.join(' ')}\`) failed to start: ${err && err.message ? err.message : err}. ` +
      'Is it a `rebate` binary with the `lsp` command?';
    output.appendLine(message);
    vscode.window.showErrorMessage(message, 'Show Output').then((choice) => {
      if (choice === 'Show Output') output.show(true);
    });
    client = undefined;
  }
}

async function stopServer() {
  if (!client) return;
  const c = client;
  client = undefined;
  try {
    await c.stop();
  } catch (err) {
    output.appendLine(`Stopping the language server: ${err && err.message ? err.message : err}`);
  }
}

async function activate(context) {
  output = vscode.window.createOutputChannel('Rebate Language Server');
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('rebate.restartServer', async () => {
      await stopServer();
      await startServer(context);
    }),
    vscode.commands.registerCommand('rebate.showServerOutput', () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('rebate.server')) {
        await stopServer();
        await startServer(context);
      }
    }),
  );
  await startServer(context);
}

function deactivate() {
  return stopServer();
}

module.exports = { activate, deactivate };
