#!/usr/bin/env python3
"""`rebate run` writes its payouts a batch of partners at a time: the output must not depend on where
the batches end. For every example with a `run.args`, runs the CLI with batches of 1 and 2 partners
(the hidden `--batch-partners`; the examples have 3 to 12 partners, so batches end inside each period,
between the payouts a budget scales, and between a period's last partner and the next period's first)
and checks that every output is byte for byte the default run's: the CSV and the JSON on standard output
and with `--out`, `--explain` (on stderr after standard output's payouts, or on stdout after `--out`'s),
the `--statements` files, and `rebate explain --partner`. Exit codes and stderr must match too.

Usage: stream.py --rebate build/bin/rebate --root .
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile


ENGINE = None  # --engine: every run on this engine


def read_args(path):
    return [line.rstrip("\r\n") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def first_partner_and_period(rebate, program, args, cwd):
    """The first payout's partner and period, from the default CSV run."""
    p = subprocess.run([rebate, "run", str(program), *args] + (["--engine", ENGINE] if ENGINE else []), cwd=cwd, capture_output=True)
    lines = p.stdout.decode().splitlines()
    if p.returncode != 0 or len(lines) < 2:
        return None
    fields = lines[1].split(",")
    return fields[0], fields[1]


def outputs(rebate, program, args, cwd, extra, batch, threads, tmp):
    """(exit code, stdout, stderr, {file name: bytes}) of one run; files: --out and the statements."""
    out_dir = pathlib.Path(tmp)
    for f in out_dir.glob("**/*"):
        if f.is_file():
            f.unlink()
    cmd = [rebate, *extra[0], str(program), *args, *[a.replace("{tmp}", tmp) for a in extra[1]], "--threads", str(threads)]
    if ENGINE:
        cmd += ["--engine", ENGINE]
    if batch:
        cmd += ["--batch-partners", str(batch)]
    p = subprocess.run(cmd, cwd=cwd, capture_output=True)
    files = {str(f.relative_to(out_dir)): f.read_bytes() for f in sorted(out_dir.glob("**/*")) if f.is_file()}
    return p.returncode, p.stdout, p.stderr, files


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--engine", default=None, help="run every program on this engine (vm or jit; default: the CLI's)")
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    global ENGINE
    ENGINE = args.engine
    rebate = str(pathlib.Path(args.rebate).resolve())
    failures, passed = [], 0
    examples = sorted(d for d in (pathlib.Path(args.root) / "examples").iterdir() if (d / "run.args").is_file())
    for ex in examples:
        run_args = read_args(ex / "run.args")
        program = ex / "program.rebate"
        variants = [
            (["run"], ["--format", "csv"]),
            (["run"], ["--format", "json", "--explain"]),
            (["run"], ["--format", "csv", "--explain", "--out", "{tmp}/payouts.csv"]),
            (["run"], ["--format", "json", "--out", "{tmp}/payouts.json", "--statements", "{tmp}/statements"]),
        ]
        first = first_partner_and_period(rebate, program, run_args, ex)
        if first:
            variants.append((["explain"], ["--partner", first[0], "--period", first[1]]))
        for extra in variants:
            run_args_here = run_args  # `rebate explain` takes the same inputs
            with tempfile.TemporaryDirectory() as tmp:
                base = outputs(rebate, program, run_args_here, ex, extra, 0, 1, tmp)
                for batch, threads in ((1, 2), (2, 1), (3, 2)):
                    got = outputs(rebate, program, run_args_here, ex, extra, batch, threads, tmp)
                    what = f"{ex.name}: {' '.join(extra[0] + extra[1])} with batches of {batch} on {threads} thread(s)"
                    # (`rebate explain` of a partner without payouts, in a program of awards only, exits 2.)
                    if got == base and (base[0] == 0 and (base[1] or base[3]) or extra[0] == ["explain"]):
                        passed += 1
                    else:
                        detail = "exit %s vs %s" % (got[0], base[0])
                        if got[1] != base[1]:
                            detail += "; stdout differs"
                        if got[2] != base[2]:
                            detail += "; stderr differs"
                        if got[3] != base[3]:
                            detail += "; files differ"
                        failures.append(f"{what}: {detail}")
    for f in failures:
        print("FAIL", f)
    print(f"streamed outputs: {passed} passed, {len(failures)} failed")
    return 1 if failures or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
