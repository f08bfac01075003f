#!/usr/bin/env python3
"""Every engine of the build gives the same bytes: each example (its run.args), and each program of
tests/engines/programs/ (runtime errors: division by zero, overflow, a condition without a value, no
decision row; `otherwise`), is run on every engine `rebate --version` lists, as CSV, JSON with
explanations, `--explain` text and Markdown statements, on one and two threads; the exit codes, standard
output, standard error and files written must be identical byte for byte to the interpreter's.

Usage: agree.py --rebate build/bin/rebate --root .
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

FORMATS = [
    ["--format", "csv"],
    ["--format", "json", "--explain"],
    ["--format", "csv", "--explain", "--threads", "1"],
    ["--format", "json", "--threads", "2", "--statements", "{tmp}/statements"],
]


def run_args(path):
    return [line.rstrip("\r\n") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def outcome(rebate, program, args, engine, cwd, tmp):
    """(exit code, stdout, stderr, {file: bytes}) of one run on `engine`."""
    out = pathlib.Path(tmp)
    for f in sorted(out.glob("**/*"), reverse=True):
        if f.is_file():
            f.unlink()
    cmd = [rebate, "run", str(program), *[a.replace("{tmp}", tmp) for a in args], "--engine", engine]
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=120)
    files = {str(f.relative_to(out)): f.read_bytes() for f in sorted(out.glob("**/*")) if f.is_file()}
    return p.returncode, p.stdout, p.stderr, files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    # The JIT's own code on every call, not the interpreter until a function is worth compiling (vm::Tiering).
    os.environ["REBATE_JIT_TIERED"] = "off"
    rebate = str(pathlib.Path(args.rebate).resolve())
    root = pathlib.Path(args.root).resolve()
    version = subprocess.run([rebate, "--version"], capture_output=True, text=True).stdout
    engines = version.split("(engines: ")[1].split(")")[0].replace(" or ", ", ").split(", ")
    cases = []  # (name, program, args, cwd)
    for ex in sorted((root / "examples").iterdir()):
        if (ex / "run.args").exists():
            cases.append((ex.name, ex / "program.rebate", run_args(ex / "run.args"), ex))
    programs = root / "tests" / "engines" / "programs"
    for prog in sorted(programs.glob("*.rebate")):
        cases.append((prog.name, prog, run_args(prog.with_suffix(".args")), programs))
    failures, compared = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, program, base, cwd in cases:
            for form in FORMATS:
                want = outcome(rebate, program, base + form, "vm", cwd, tmp)
                for engine in engines[1:]:
                    got = outcome(rebate, program, base + form, engine, cwd, tmp)
                    compared += 1
                    if got != want:
                        what = [k for k, a, b in zip(("exit code", "stdout", "stderr", "files"), want, got) if a != b]
                        failures.append(f"{name} {' '.join(form)}: {engine} differs from vm in {', '.join(what)}\n"
                                        f"  vm:  {want[0]} {want[2][:300]!r} {want[1][:300]!r}\n"
                                        f"  {engine}: {got[0]} {got[2][:300]!r} {got[1][:300]!r}")
    for f in failures:
        print("FAIL", f)
    print(f"engines {', '.join(engines)}: {compared} runs compared with the interpreter's, {len(failures)} differ")
    if len(engines) < 2:
        print("(this build has one engine: nothing to compare)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
