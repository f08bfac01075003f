#!/usr/bin/env python3
"""Keeps the example outputs in docs/diagnostics.md true: every ```text block that starts with
`$ rebate check ... tests/check/FILE.rebate` must show, verbatim, the first diagnostic with the
section's code that the real CLI prints for that file.

    diagnostics_doc.py --rebate PATH --root REPO            check (fails on a stale block)
    diagnostics_doc.py --rebate PATH --root REPO --update   rewrite the blocks from the CLI
"""
import argparse
import pathlib
import re
import shlex
import subprocess
import sys

SECTION = re.compile(r"^### ([EW]\d{4})[: ]")


def first_diagnostic(output: str, code: str) -> str:
    # Diagnostics are separated by blank lines; the summary line ends the output.
    for block in output.split("\n\n"):
        if block.startswith(("error[", "warning[")) and f"[{code}]" in block.splitlines()[0]:
            return block.rstrip("\n")
    return ""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--update", action="store_true")
    args = ap.parse_args()
    root = pathlib.Path(args.root)
    doc = root / "docs" / "diagnostics.md"
    lines = doc.read_text().split("\n")
    out, code, stale, checked = [], None, [], 0
    i = 0
    while i < len(lines):
        line = lines[i]
        m = SECTION.match(line)
        if m:
            code = m.group(1)
        if line == "```text" and i + 1 < len(lines) and lines[i + 1].startswith("$ rebate check") and "tests/check/" in lines[i + 1]:
            command = lines[i + 1]
            end = lines.index("```", i + 2)
            shown = "\n".join(lines[i + 2:end])
            argv = shlex.split(command[2:])
            result = subprocess.run([args.rebate] + argv[1:2] + ["--color", "never"] + argv[2:], cwd=root,
                                    capture_output=True, text=True, timeout=60)
            actual = first_diagnostic(result.stderr, code)
            checked += 1
            if not actual:
                stale.append(f"{code}: `{command}` prints no {code}")
            elif actual != shown:
                stale.append(f"{code}: `{command}` prints something else:\n--- doc\n{shown}\n--- actual\n{actual}")
            out += [line, command] + (actual.split("\n") if args.update and actual else lines[i + 2:end]) + ["```"]
            i = end + 1
            continue
        out.append(line)
        i += 1
    if args.update:
        doc.write_text("\n".join(out))
        print(f"diagnostics doc: {checked} examples rewritten")
        return 0
    for s in stale:
        print("STALE", s)
    print(f"diagnostics doc: {checked - len(stale)} passed, {len(stale)} failed")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
