#!/usr/bin/env python3
"""Runs the shipped examples end to end and checks their payouts against hand-computed expectations.

For every folder examples/NN-name/ that holds a `run.args` file:

  1. runs `rebate run program.rebate ARGS... --format json` (ARGS from run.args, one argument per line,
     input paths relative to the example folder);
  2. compares every payout (partner, period, rebate) with `expected.csv` (columns partner,period,rebate,
     amount): the same set of payouts, and the amounts equal as strings (exactly, two places); when
     `expected.csv` also has a `status` column, the statuses too (`paid`, `clawback`, `carried`, ...); with
     `payout_amount` and `payout_currency` columns, each payout as paid in the partner's currency;
     with a `corrects` column, the adjustments for closed periods too, keyed by the period they correct;
  3. if the folder has `expected_awards.csv` (partner,period,award,value), compares the awards the same
     way (`period` is the period the award is for, as in the output);
  4. checks that each total (partner, period) is the sum of that partner's payouts in the period;
  5. copies every input file to a temporary folder with its data rows in a seeded random order (same
     header, rows byte for byte) and checks that the run's JSON and CSV outputs are byte-identical to
     the runs on the original files;
  6. runs with `--threads 1`, `2`, `3` and `8` (each ledger read and scanned by that many threads, then
     merged), also with pieces of 64 bytes (`--piece-bytes`: a small file cut into many pieces, which the
     threads claim as they go and take over from one another, as a large one is), on the original and
     the shuffled files, and checks that the JSON and CSV outputs are byte-identical to the default run's;
  7. deals every input's shuffled rows out to three files of a directory (path order unlike the deal's)
     and checks that the run on the directories gives the same JSON at every thread count;
  8. for every `forecast*.args` file beside run.args (`forecast.args`, `forecast-last-year.args`), runs
     `rebate forecast program.rebate ARGS... --format csv` and compares its rows with the hand-computed
     `expected-forecast*.csv` of the same suffix (`expected-forecast.csv`, `expected-forecast-last-year.csv`):
     the same (partner, rebate) rows, and every column the expected file has equal as strings; then the
     same forecast on the shuffled inputs must give the same bytes.

Usage: run_examples.py --rebate build/bin/rebate --root . [--example 04] [--seed 20260701] [--engine vm]
Prints a readable diff for each failing example and ends with `examples run: N passed, M failed`; exits 1
when any example fails.
"""

import argparse
import csv
from decimal import Decimal
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


THREAD_COUNTS = ("1", "2", "3", "8")


def read_run_args(path):
    return [line.rstrip("\r\n") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def input_bindings(args):
    """(index in args, name, relative path) of every `--input NAME=PATH` (or `--input=NAME=PATH`)."""
    out = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--input" and i + 1 < len(args):
            name, _, rel = args[i + 1].partition("=")
            out.append((i + 1, name, rel))
            i += 2
            continue
        if a.startswith("--input="):
            name, _, rel = a[len("--input="):].partition("=")
            out.append((i, name, rel))
        i += 1
    return out


def run_cli(rebate, program, args, cwd, fmt, engine, command="run"):
    cmd = [rebate, command, str(program), *args, "--format", fmt]
    if engine:
        cmd += ["--engine", engine]
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return cmd, p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def split_records(data):
    """Splits CSV bytes into raw records (bytes, line ending included), keeping quoted line breaks inside."""
    records, cur, quotes = [], b"", 0
    for line in data.splitlines(keepends=True):
        cur += line
        quotes += line.count(b'"')
        if quotes % 2 == 0:
            records.append(cur)
            cur, quotes = b"", 0
    if cur:
        records.append(cur)
    return records


def shuffled_copy(src, dst, rng):
    records = split_records(src.read_bytes())
    if not records:
        shutil.copyfile(src, dst)
        return
    header, rows = records[0], records[1:]
    if rows and not rows[-1].endswith((b"\n", b"\r")):
        rows[-1] += b"\n"  # the last row may lack a line ending; every row needs one once moved
    original = list(rows)
    for _ in range(20):
        rng.shuffle(rows)
        if rows != original or len(set(rows)) <= 1:
            break
    dst.write_bytes(header + b"".join(rows))


def split_copy(src, directory, rng):
    """Deals the rows of `src` (a shuffled copy) out to three files of `directory`, each with the header,
    named c.csv, a.csv, b.csv in the order they get rows (so the path order is not the deal's)."""
    records = split_records(src.read_bytes())
    header, rows = (records[0], records[1:]) if records else (b"", [])
    if rows and not rows[-1].endswith((b"\n", b"\r")):
        rows[-1] += b"\n"
    for k, name in enumerate(("c.csv", "a.csv", "b.csv")):
        (directory / name).write_bytes(header + b"".join(rows[k::3]))


def load_expected(path, key_cols, value_col):
    rows = {}
    dups = []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in (*key_cols, value_col) if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        for r in reader:
            key = tuple(r[c].strip() for c in key_cols)
            if key in rows:
                dups.append(key)
            rows[key] = r[value_col].strip()
    return rows, dups


def compare(kind, expected, actual_rows, key_cols, value_col):
    """Returns a list of human-readable problem lines."""
    problems = []
    actual = {}
    for r in actual_rows:
        key = tuple(str(r.get(c, "")) for c in key_cols)
        value = r.get(value_col)
        value = "" if value is None else str(value)
        if key in actual:
            problems.append(f"  {kind} {'/'.join(key)}: written twice by the engine ({actual[key]} and {value})")
        actual[key] = value
    width = max([len("/".join(k)) for k in (*expected, *actual)] + [10])
    for key in sorted(set(expected) | set(actual)):
        label = "/".join(key).ljust(width)
        if key not in actual:
            problems.append(f"  {kind} {label}  expected {expected[key]:>14}   missing from the output")
        elif key not in expected:
            problems.append(f"  {kind} {label}  not expected           output   {actual[key]:>14}")
        elif expected[key] != actual[key]:
            problems.append(f"  {kind} {label}  expected {expected[key]:>14}   actual {actual[key]:>14}")
    return problems


def check_totals(doc):
    """Each total of the output must be the sum of its partner's payouts in that period."""
    sums = {}
    for r in doc.get("payouts", []):
        key = (str(r.get("partner")), str(r.get("period")))
        sums[key] = sums.get(key, Decimal(0)) + Decimal(str(r.get("amount", "0")))
    problems = []
    seen = set()
    for t in doc.get("totals", []):
        key = (str(t.get("partner")), str(t.get("period")))
        seen.add(key)
        if key not in sums:
            problems.append(f"  total   {'/'.join(key)}: a total with no payout ({t.get('amount')})")
        elif Decimal(str(t.get("amount"))) != sums[key]:
            problems.append(f"  total   {'/'.join(key)}: total {t.get('amount')} but its payouts add up to {sums[key]}")
    if doc.get("totals") is not None:
        for key in sorted(set(sums) - seen):
            problems.append(f"  total   {'/'.join(key)}: payouts ({sums[key]}) but no total")
    return problems


def first_difference(a, b):
    a_lines = a.decode("utf-8", "replace").splitlines()
    b_lines = b.decode("utf-8", "replace").splitlines()
    for i, (x, y) in enumerate(zip(a_lines, b_lines)):
        if x != y:
            return f"line {i + 1}:\n      original: {x}\n      shuffled: {y}"
    return f"lengths differ: {len(a_lines)} vs {len(b_lines)} lines"


def check_example(folder, rebate, seed, engine):
    """Returns (ok, report lines)."""
    report = []
    program = (folder / "program.rebate").resolve()
    args = read_run_args(folder / "run.args")
    cmd, rc, out, err = run_cli(rebate, program, args, folder, "json", engine)
    if rc != 0:
        return False, [f"  `{' '.join(cmd)}` exited with {rc}:", *("    " + l for l in err.splitlines())]
    try:
        doc = json.loads(out)
    except json.JSONDecodeError as e:
        return False, [f"  the JSON output does not parse: {e}"]

    ok = True
    with (folder / "expected.csv").open(encoding="utf-8", newline="") as f:
        columns = csv.DictReader(f).fieldnames or []
    # A `corrects` column: the rows of adjustments for closed periods (docs/language.md §23) are told apart
    # from the period's payouts by the period they correct (empty for a payout).
    keys = ("partner", "period", "rebate", "corrects") if "corrects" in columns else ("partner", "period", "rebate")
    expected, dups = load_expected(folder / "expected.csv", keys, "amount")
    for d in dups:
        report.append(f"  expected.csv lists {'/'.join(d)} twice")
        ok = False
    problems = compare("payout", expected, doc.get("payouts", []), keys, "amount")
    if "status" in columns:
        statuses, _ = load_expected(folder / "expected.csv", keys, "status")
        problems += compare("status", statuses, doc.get("payouts", []), keys, "status")
    # A payout currency (docs/language.md §24): each payout as paid, `paid.amount` and `paid.currency`.
    for column in ("payout_amount", "payout_currency"):
        if column in columns:
            paid, _ = load_expected(folder / "expected.csv", keys, column)
            flat = [{**p, column: (p.get("paid") or {}).get(column.removeprefix("payout_"), "")} for p in doc.get("payouts", [])]
            problems += compare(column.replace("_", " "), paid, flat, keys, column)
    awards_file = folder / "expected_awards.csv"
    if awards_file.exists():
        exp_awards, dups = load_expected(awards_file, ("partner", "period", "award"), "value")
        for d in dups:
            report.append(f"  expected_awards.csv lists {'/'.join(d)} twice")
            ok = False
        problems += compare("award", exp_awards, doc.get("awards", []), ("partner", "period", "award"), "value")
    elif doc.get("awards"):
        problems.append(f"  the output has {len(doc['awards'])} awards but the folder has no expected_awards.csv")
    problems += check_totals(doc)
    if problems:
        ok = False
        report.append(f"  payouts/awards differ from the hand-computed expectations ({len(problems)}):")
        report += problems

    # Determinism: the same run on copies of the inputs with their rows shuffled must give the same bytes.
    _, rc_csv, out_csv, err_csv = run_cli(rebate, program, args, folder, "csv", engine)
    if rc_csv != 0:
        return False, report + [f"  the CSV run exited with {rc_csv}:", *("    " + l for l in err_csv.splitlines())]
    rng = random.Random(f"{seed}:{folder.name}")
    with tempfile.TemporaryDirectory(prefix=f"rebate-{folder.name}-") as tmp:
        tmp = Path(tmp)
        for _, _, rel in input_bindings(args):
            dst = tmp / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shuffled_copy(folder / rel, dst, rng)
        def expect_same(extra, cwd, fmt, original, what):
            """Runs again with `extra` arguments in `cwd`; the output must be `original`, byte for byte."""
            _, rc2, out2, err2 = run_cli(rebate, program, [*args, *extra], cwd, fmt, engine)
            if rc2 != 0:
                report.append(f"  the run {what} ({fmt}) exited with {rc2}: {err2.strip()}")
                return False
            if out2 != original:
                report.append(f"  the {fmt} output {what} differs; first difference at " + first_difference(original, out2))
                return False
            return True

        for fmt, original in (("json", out), ("csv", out_csv)):
            ok = expect_same([], tmp, fmt, original, f"on inputs with shuffled rows (seed {seed})") and ok
        # Threads: the pieces' states merged must give what one pass gives, at every thread count (8:
        # more threads than this machine's cores, a check of correctness), in JSON and CSV.
        for where, cwd in (("original", folder), ("shuffled", tmp)):
            for threads in THREAD_COUNTS:
                for fmt, original in (("json", out), ("csv", out_csv)):
                    ok = expect_same(["--threads", threads], cwd, fmt, original, f"with --threads {threads} on the {where} inputs") and ok
                # Pieces of 64 bytes: a few rows each, many per thread, claimed as the threads go and taken over
                # from one another, as a ledger of gigabytes is read.
                ok = expect_same(["--threads", threads, "--piece-bytes", "64"], cwd, "json", out,
                                 f"with --threads {threads} and pieces of 64 bytes on the {where} inputs") and ok
        # Many files: each input's shuffled rows dealt out to three files of a directory, named so that
        # their path order is not the rows' first order; read as one input, at every thread count.
        split_args = list(args)
        for index, name, rel in input_bindings(args):
            directory = tmp / f"{name}.parts"
            directory.mkdir()
            split_copy(tmp / rel, directory, rng)
            split_args[index] = split_args[index].replace(f"{name}={rel}", f"{name}={directory}")
        for threads in THREAD_COUNTS:
            _, rc3, out3, err3 = run_cli(rebate, program, [*split_args, "--threads", threads], tmp, "json", engine)
            if rc3 != 0 or out3 != out:
                report.append(f"  the run on inputs split into three files each, --threads {threads}, "
                              + (f"exited with {rc3}: {err3.strip()}" if rc3 != 0 else "differs; first difference at " + first_difference(out, out3)))
                ok = False
        ok = check_forecasts(folder, program, rebate, engine, tmp, report) and ok
    return ok, report


def check_forecasts(folder, program, rebate, engine, shuffled, report):
    """Step 8: each forecast*.args against its expected-forecast*.csv, then on the shuffled inputs in
    `shuffled` (the same relative paths). Appends problems to `report`; False when there are any."""
    ok = True
    for args_file in sorted(folder.glob("forecast*.args")):
        suffix = args_file.name[len("forecast"):-len(".args")]
        expected_file = folder / f"expected-forecast{suffix}.csv"
        if not expected_file.exists():
            report.append(f"  {args_file.name} has no {expected_file.name}")
            ok = False
            continue
        args = read_run_args(args_file)
        cmd, rc, out, err = run_cli(rebate, program, args, folder, "csv", engine, "forecast")
        if rc != 0:
            report += [f"  `{' '.join(cmd)}` exited with {rc}:", *("    " + l for l in err.splitlines())]
            ok = False
            continue
        actual = list(csv.DictReader(out.decode("utf-8").splitlines()))
        with expected_file.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            columns = [c for c in (reader.fieldnames or []) if c not in ("partner", "rebate")]
            expected = list(reader)
        problems = []
        for c in columns:
            if actual and c not in actual[0]:
                problems.append(f"  {expected_file.name}: the forecast has no column `{c}`")
        if not problems:
            for c in columns:
                exp, dups = load_expected(expected_file, ("partner", "rebate"), c)
                problems += [f"  {expected_file.name} lists {'/'.join(d)} twice" for d in dups]
                problems += compare(f"forecast {c}", exp, actual, ("partner", "rebate"), c)
        if problems:
            report.append(f"  `rebate forecast` with {args_file.name} differs from {expected_file.name} ({len(problems)}):")
            report += problems
            ok = False
            continue
        _, rc2, out2, err2 = run_cli(rebate, program, args, shuffled, "csv", engine, "forecast")
        if rc2 != 0 or out2 != out:
            report.append(f"  `rebate forecast` with {args_file.name} on inputs with shuffled rows "
                          + (f"exited with {rc2}: {err2.strip()}" if rc2 != 0 else "differs; first difference at " + first_difference(out, out2)))
            ok = False
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rebate", required=True, help="path to the rebate CLI")
    ap.add_argument("--root", default=".", help="the repository root (holds examples/)")
    ap.add_argument("--example", action="append", default=[], help="only the examples whose folder name contains this (repeatable)")
    ap.add_argument("--seed", default="20260701", help="seed of the row shuffle")
    ap.add_argument("--engine", default=None, help="pass --engine to rebate run (vm or jit)")
    a = ap.parse_args()

    rebate = str(Path(a.rebate).resolve())
    examples = Path(a.root).resolve() / "examples"
    folders = sorted(p for p in examples.iterdir() if p.is_dir() and (p / "run.args").exists())
    if a.example:
        folders = [f for f in folders if any(s in f.name for s in a.example)]
    if not folders:
        print(f"no example with a run.args under {examples}", file=sys.stderr)
        return 2

    passed = failed = 0
    for folder in folders:
        try:
            ok, report = check_example(folder, rebate, a.seed, a.engine)
        except (OSError, ValueError) as e:
            ok, report = False, [f"  {e}"]
        print(f"{'PASS' if ok else 'FAIL'}  {folder.name}")
        for line in report:
            print(line)
        if ok:
            passed += 1
        else:
            failed += 1
    print(f"examples run: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
