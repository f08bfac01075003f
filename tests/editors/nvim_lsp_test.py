#!/usr/bin/env python3
"""Neovim's built-in LSP client, configured by editors/vim/lua/rebate/lsp.lua, starts a language server for
a .rebate buffer, sends it the buffer (languageId `rebate`), shows the diagnostics it publishes, and gets a
hover; with a missing binary it warns once and starts nothing. Until `rebate lsp` exists the server is a
stand-in (fake_lsp_server.py); with the real server the same test is the issue's real-editor check.

Usage: nvim_lsp_test.py --root REPO
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

PROGRAM = """program "LSP test" { currency: USD  period: quarter }
ledger sales { d: Date as date  p: Text as partner  amount: Money }
measure m = revnue + 1 USD
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    here = os.path.join(root, "tests", "editors")
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        project = os.path.join(tmp, "project")
        os.makedirs(os.path.join(project, ".git"))
        os.makedirs(os.path.join(project, "rules"))
        program = os.path.join(project, "rules", "broken.rebate")
        with open(program, "w") as f:
            f.write(PROGRAM)
        out, log = os.path.join(tmp, "out.json"), os.path.join(tmp, "server.log")
        env = dict(os.environ, REBATE_TEST_OUT=out, REBATE_TEST_FILE=program, REBATE_FAKE_LSP_LOG=log,
                   REBATE_TEST_SERVER=os.path.join(here, "fake_lsp_server.py"))
        cmd = ["nvim", "--headless", "-u", "NONE", "-i", "NONE", "--cmd", f"set rtp^={os.path.join(root, 'editors', 'vim')}",
               "--cmd", "filetype on", "-c", f"luafile {os.path.join(here, 'nvim_lsp_test.lua')}"]
        run = subprocess.run(cmd, env=env, cwd=tmp, timeout=60, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if not os.path.exists(out):
            print(f"nvim wrote no result (exit {run.returncode})\n{run.stdout}\n{run.stderr}")
            return 1
        result = json.load(open(out))
        server_log = open(log).read().split("\n") if os.path.exists(log) else []

        def expect(cond, what):
            if not cond:
                problems.append(what)

        expect(result.get("filetype") == "rebate", f"filetype is {result.get('filetype')!r}, not rebate")
        warnings = result.get("missing_warnings", [])
        expect(len(warnings) == 1 and "/nonexistent/rebate" in warnings[0]["msg"] and "not an executable" in warnings[0]["msg"],
               f"a missing binary gave {warnings}, not one warning naming it")
        expect(result.get("missing_clients") == 0, "a client started for a missing binary")
        expect(result.get("attached") is True, "no client attached to the buffer")
        expect(result.get("client_name") == "rebate", f"client name {result.get('client_name')!r}")
        expect(os.path.realpath(result.get("root_dir") or "") == os.path.realpath(project),
               f"root_dir {result.get('root_dir')!r}, not the folder with .git ({project})")
        expect("initialize" in server_log and "initialized" in server_log and "textDocument/didOpen" in server_log,
               f"the server did not see initialize, initialized and didOpen: {server_log}")
        expect("languageId rebate" in server_log, f"the buffer was not opened as languageId rebate: {server_log}")
        diags = result.get("diagnostics", [])
        expect(result.get("got_diagnostics") is True and len(diags) == 1 and diags[0]["lnum"] == 2 and diags[0]["col"] == 12
               and "revnue" in diags[0]["message"] and diags[0]["severity"] == 1,
               f"diagnostics in Neovim: {diags}")
        expect(result.get("hover") == ["measure revenue: Money"], f"hover: {result.get('hover')}")
        expect("shutdown" in server_log, f"the client did not shut the server down: {server_log}")
    if problems:
        print("\n".join(problems))
        return 1
    print("nvim LSP: the client starts the server, opens the buffer, shows its diagnostic and gets a hover")
    return 0


if __name__ == "__main__":
    sys.exit(main())
