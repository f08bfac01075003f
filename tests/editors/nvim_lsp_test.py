#!/usr/bin/env python3
"""Neovim's built-in LSP client, configured by editors/vim/lua/rebate/lsp.lua, starts a language server for
a .rebate buffer, sends it the buffer (languageId `rebate`), shows the diagnostics it publishes, and gets a
hover; with a missing binary it warns once and starts nothing.

The server is the built `rebate lsp`: the error on `revnue` (line 4, column 13) and a hover on `revenue`
(line 5) that names it and its type.

Usage: nvim_lsp_test.py --root REPO [--rebate PATH/TO/rebate]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

PROGRAM = """program "LSP test" { currency: USD  period: quarter }
ledger sales { d: Date as date  p: Text as partner  amount: Money }
measure revenue = sales.sum(amount)
measure m = revnue + 1 USD
measure n = revenue + 1 USD
"""


def has_lsp(rebate):
    if not rebate:
        return False
    try:
        run = subprocess.run([rebate, "--help"], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return re.search(r"(?m)^\s+lsp\b", run.stdout + run.stderr) is not None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--rebate", help="the rebate binary; its `lsp` command is the server when it has one")
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
        out = os.path.join(tmp, "out.json")
        if not has_lsp(args.rebate):
            print(f"{args.rebate} has no `lsp` command")
            return 1
        server = [os.path.abspath(args.rebate), "lsp"]
        env = dict(os.environ, REBATE_TEST_OUT=out, REBATE_TEST_FILE=program,
                   REBATE_TEST_SERVER_CMD=json.dumps(server))
        cmd = ["nvim", "--headless", "-u", "NONE", "-i", "NONE", "--cmd", f"set rtp^={os.path.join(root, 'editors', 'vim')}",
               "--cmd", "filetype on", "-c", f"luafile {os.path.join(here, 'nvim_lsp_test.lua')}"]
        run = subprocess.run(cmd, env=env, cwd=tmp, timeout=60, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if not os.path.exists(out):
            print(f"nvim wrote no result (exit {run.returncode})\n{run.stdout}\n{run.stderr}")
            return 1
        result = json.load(open(out))

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
        diags = result.get("diagnostics", [])
        expect(result.get("got_diagnostics") is True
               and any(d["lnum"] == 3 and d["col"] == 12 and "unknown name `revnue`" in d["message"] and d["severity"] == 1
                       for d in diags),
               f"no error on `revnue` (line 4, column 13) among the diagnostics in Neovim: {diags}")
        hover = " ".join(result.get("hover") or [])
        expect("revenue" in hover and "Money" in hover, f"hover on `revenue`: {result.get('hover')!r}")
    if problems:
        print("\n".join(problems))
        return 1
    print("nvim LSP, with rebate lsp: the client starts the server, opens the buffer, shows the error and gets a hover")
    return 0


if __name__ == "__main__":
    sys.exit(main())
