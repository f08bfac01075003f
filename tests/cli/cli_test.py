#!/usr/bin/env python3
"""The command line as CI and editors use it: `rebate check -` with --stdin-filename (an unsaved buffer),
unknown commands, options and arguments reported in the tool's words with a did-you-mean, and exit 2 for
every usage problem of every subcommand.

    cli_test.py --rebate PATH --root REPO
"""
import argparse
import pathlib
import subprocess
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    rebate = str(pathlib.Path(args.rebate).resolve())
    root = pathlib.Path(args.root).resolve()
    failures = []
    passed = 0

    def run(argv, code, stdin=None, err_has=(), err_lacks=(), out_has=(), cwd=root):
        nonlocal passed
        r = subprocess.run([rebate] + argv, input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60)
        problems = []
        if r.returncode != code:
            problems.append(f"exit {r.returncode}, expected {code}")
        problems += [f"stderr lacks {s!r}" for s in err_has if s not in r.stderr]
        problems += [f"stderr has {s!r}" for s in err_lacks if s in r.stderr]
        problems += [f"stdout lacks {s!r}" for s in out_has if s not in r.stdout]
        if problems:
            failures.append(f"rebate {' '.join(argv)}: " + "; ".join(problems) + f"\n  stdout: {r.stdout[-600:]}\n  stderr: {r.stderr[-600:]}")
        else:
            passed += 1
        return r

    # 1. `rebate check -`: the buffer, named as the file it stands for; its imports resolve next to that file.
    ex12 = "examples/12-segmented-rates/program.rebate"
    text12 = (root / ex12).read_text()
    run(["check", "-", "--stdin-filename", ex12], 0, stdin=text12)
    # Without the name, `../shared/partners` is looked for next to the current directory: not found.
    run(["check", "-"], 1, stdin=text12, err_has=["<stdin>"])
    # An unsaved edit: the error is in the buffer, at its line, named by --stdin-filename; the file on disk
    # is neither read for it nor changed.
    lines = text12.split("\n")
    at = next(i for i, l in enumerate(lines) if l.startswith("measure revenue"))
    lines[at] = "measure revenue = sales.sum(amout)"
    edited = "\n".join(lines)
    r = run(["check", "-", "--stdin-filename", ex12, "--format", "gnu"], 1, stdin=edited, err_has=[f"{ex12}:{at + 1}:", "amout"])
    r = run(["check", "-", "--stdin-filename", ex12, "--format", "json"], 1, stdin=edited, out_has=['"code": "E0', "amout"])
    run(["check", ex12], 0)  # the disk's version is fine
    # SARIF from standard input names the file too.
    run(["check", "-", "--stdin-filename", ex12, "--format", "sarif"], 1, stdin=edited, out_has=[f'"uri": "{ex12}"'])
    # Bytes that are not a program: the same diagnostics as a file.
    run(["check", "-", "--stdin-filename", "x.rebate"], 1, stdin="program \"x\" { currency: USD \x00 }", err_has=["NUL"])
    run(["check", "-", "--stdin-filename", "x.rebate", "--dump", "tokens"], 0, stdin='program "x" { currency: USD period: quarter }',
        out_has=["currency"])
    # Usage: `-` with other files, --stdin-filename without `-`.
    run(["check", "-", ex12], 2, stdin=text12, err_has=["standard input"])
    run(["check", ex12, "--stdin-filename", ex12], 2, err_has=["--stdin-filename"])

    # 2. Unknown commands, options and arguments: the tool's words, a did-you-mean, exit 2.
    run(["chek", "x.rebate"], 2, err_has=["unknown command `chek`; did you mean `check`?"])
    run(["frobnicate"], 2, err_has=["unknown command `frobnicate`.", "The commands are check, run"])
    run(["run", "--perod", "2026-Q3", "examples/04-storage-volume-tiers/program.rebate"], 2,
        err_has=["rebate run: unknown option `--perod`; did you mean `--period`?", "`rebate run --help`"])
    run(["run", "--explian", "examples/04-storage-volume-tiers/program.rebate"], 2, err_has=["did you mean `--explain`?"])
    run(["test", "--covrage", "examples"], 2, err_has=["rebate test: unknown option `--covrage`; did you mean `--coverage`?"])
    run(["check", "--stirct", ex12], 2, err_has=["did you mean `--strict`?"])
    run(["check", "--format=sarf", ex12], 2, err_has=["rebate check: --format: sarf not in"])
    run(["explain", "--partner", "P1", "--period", "2026-Q3", "--zzzzzzzz", ex12], 2, err_has=["unknown option `--zzzzzzzz`"], err_lacks=["did you mean"])
    run(["run", "examples/04-storage-volume-tiers/program.rebate", "stray.csv"], 2,
        err_has=["rebate run: unexpected argument `stray.csv`"])
    run(["lsp", "--stdio-please"], 2, err_has=["rebate lsp: unknown option"])
    # Nothing was run: no payouts on stdout.
    r = run(["run", "--perod", "2026-Q3", "examples/04-storage-volume-tiers/program.rebate"], 2)
    if r.stdout:
        failures.append(f"an unknown option still ran the program: {r.stdout[:200]}")
    # --help and --version still exit 0.
    run(["check", "--help"], 0, out_has=["--stdin-filename"])
    run(["--version"], 0, out_has=["rebate "])

    for f in failures:
        print("FAIL:", f)
    print(f"cli: {passed} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
