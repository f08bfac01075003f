#!/usr/bin/env python3
"""The Vim indent file (editors/vim/indent/rebate.vim) lays out every example and standard library module as
it is written: with all indentation removed, `gg=G` in the real Vim or Neovim (headless) gives back the
file byte for byte.

Usage: vim_indent_test.py --root REPO --editor vim|nvim
"""
import argparse
import difflib
import glob
import os
import re
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--editor", required=True, choices=["vim", "nvim"])
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    files = sorted(glob.glob(os.path.join(root, "examples", "*", "*.rebate")) + glob.glob(os.path.join(root, "stdlib", "*.rebate")))
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            original = open(path, encoding="utf-8").read()
            flat = os.path.join(tmp, "flat.rebate")
            with open(flat, "w", encoding="utf-8") as f:
                f.write(re.sub(r"(?m)^[ \t]+", "", original))
            common = ["-u", "NONE", "-i", "NONE", "--cmd", f"set rtp^={os.path.join(root, 'editors', 'vim')}",
                      "--cmd", "filetype plugin indent on", "-c", "normal! gg=G", "-c", "wq", flat]
            cmd = [args.editor, "-N", "-es"] + common if args.editor == "vim" else [args.editor, "--headless"] + common
            subprocess.run(cmd, timeout=60, stdin=subprocess.DEVNULL, capture_output=True)
            indented = open(flat, encoding="utf-8").read()
            if indented != original:
                diff = difflib.unified_diff(original.splitlines(), indented.splitlines(), os.path.relpath(path, root),
                                            "after gg=G", lineterm="", n=1)
                problems.append("\n".join(list(diff)[:20]))
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} of {len(files)} files indented differently in {args.editor}")
        return 1
    print(f"{args.editor}: gg=G restores the indentation of {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
