#!/usr/bin/env python3
"""`:make` in a Rebate buffer (the ftplugin sets compiler/rebate.vim) runs the real `rebate check --format
gnu` and fills the quickfix list with the right file, line, column, type and message of each diagnostic,
in Vim or Neovim, headless. The programs are in tests/editors/make/; the expected entries below were
worked out from the programs by hand (columns count characters from 1). They are copied into a folder whose
name has a space, which `%:S` in 'makeprg' must survive.

Usage: vim_make_test.py --root REPO --editor vim|nvim --rebate PATH/TO/rebate
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

# (file, line, column, type, text: exact, or a prefix when it ends with "...")
EXPECTED = {
    "broken.rebate": [
        ("broken.rebate", 16, 18, "e", "cannot add money and a plain number [E0302]"),
        ("broken.rebate", 16, 18, "n", "help: write the amount with its currency: `100 USD`"),
        ("broken.rebate", 17, 16, "e", "unknown name `revnue` [E0201]"),
        ("broken.rebate", 17, 16, "n", "help: did you mean `revenue`?"),
        ("broken.rebate", 21, 10, "e", "gap between bands: values from 100_000 USD up to 150_000 USD reach no band [E0401]"),
        ("broken.rebate", 20, 19, "n", "the band before ends here"),
        ("broken.rebate", 21, 10, "n", "help: start this band at `100_000 USD`..."),
        # The imported file's mistake, in that file.
        ("shared_broken.rebate", 2, 26, "e", "`threshold` is declared Money(USD) but its value is Text [E0301]"),
    ],
    "warned.rebate": [
        ("warned.rebate", 13, 7, "w", "constant `unused_bonus` is never used [W0007]"),
        ("warned.rebate", 13, 7, "n", "help: use it, or remove it"),
        ("warned.rebate", 16, 29, "w", "`units` can be zero, and nothing says what to use then [W0005]"),
        ("warned.rebate", 16, 29, "n", "help: give a fallback: `... / units otherwise 0 USD`..."),
    ],
    # A buffer whose file is not on disk: the error has no place (`rebate: error: ...`).
    "not_saved.rebate": [
        ("", 0, 0, "e", "`..."),
    ],
}


def run_make(editor, root, rebate, folder, name):
    out = os.path.join(folder, f"{name}.qf.json")
    env = dict(os.environ, REBATE_QF_OUT=out)
    script = os.path.join(root, "tests", "editors", "make_quickfix.vim")
    common = ["-u", "NONE", "-i", "NONE", "--cmd", f"set rtp^={os.path.join(root, 'editors', 'vim')}",
              "--cmd", "filetype plugin indent on", "--cmd", f"let g:rebate_executable = {json.dumps(rebate)}",
              "-c", f"source {script}", "-c", "qa!", name]
    cmd = [editor, "-N", "-es"] + common if editor == "vim" else [editor, "--headless"] + common
    subprocess.run(cmd, env=env, cwd=folder, timeout=60, stdin=subprocess.DEVNULL, capture_output=True)
    if not os.path.exists(out):
        raise SystemExit(f"{editor} wrote no quickfix list for {name}")
    return json.load(open(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--editor", required=True, choices=["vim", "nvim"])
    ap.add_argument("--rebate", required=True)
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "my rules")
        shutil.copytree(os.path.join(root, "tests", "editors", "make"), folder)
        for name, expected in EXPECTED.items():
            result = run_make(args.editor, root, os.path.abspath(args.rebate), folder, name)
            if result["compiler"] != "rebate" or "check --format gnu" not in result["makeprg"]:
                problems.append(f"{name}: the ftplugin did not set the rebate compiler: {result}")
            if result["commentstring"] != "// %s" or result["shiftwidth"] != 4:
                problems.append(f"{name}: ftplugin settings: {result['commentstring']!r}, shiftwidth {result['shiftwidth']}")
            got = result["entries"]
            if len(got) != len(expected):
                problems.append(f"{name}: {len(got)} quickfix entries, expected {len(expected)}: {json.dumps(got, indent=1)}")
                continue
            for e, (file, line, col, kind, text) in zip(got, expected):
                want_file = os.path.join(folder, file) if file else ""
                text_ok = e["text"].startswith(text[:-3]) if text.endswith("...") else e["text"] == text
                if (os.path.realpath(e["file"]) if e["file"] else "") != (os.path.realpath(want_file) if want_file else "") \
                        or e["lnum"] != line or e["col"] != col or e["type"] != kind or not text_ok or e["valid"] != 1:
                    problems.append(f"{name}: got {e}\n    expected {(want_file, line, col, kind, text)}")
    if problems:
        print("\n".join(problems))
        return 1
    print(f"{args.editor}: :make fills the quickfix list with every diagnostic of {len(EXPECTED)} buffers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
