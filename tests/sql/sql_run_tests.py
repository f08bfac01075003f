#!/usr/bin/env python3
"""Every run test in SQL (ctest `sql_run_tests`): each tests/run/*.py that calls the CLI through
tests/cli_checks.py is run on the VM engine with the SQL shadow on (tests/sql/shadow.py), so that every
`rebate run` it makes is also compiled with `rebate compile --target sql` for PostgreSQL and DuckDB and run
on the same files, and the payouts compared. The tests run in this process, one after the other, so that
one throwaway PostgreSQL server and one DuckDB serve them all (started at the first run compared, stopped at
the end).

First a self-test: example 1's payouts with an amount a cent off, or a basis changed, must be a mismatch on
both databases (the comparison can fail), and as they are must not be.

Printed per test: the runs compared (payouts equal on both databases), the runs that stopped and whose
query stopped too, the runs refused (E0701, by construct) and those not comparable (by reason). Checked:
  * each test passes, with the shadow's mismatches among its checks;
  * each compares at least MIN_COMPARED[test] runs, and its refusals and reasons not comparable are
    exactly those of EXPECTED: coverage can only grow (a construct the generator learns, a reason that goes
    away, must leave the list; a new one fails the test until it is understood and listed);
  * the tests that call the CLI their own way (not through CliChecks, so not shadowed) are those of
    NOT_SHADOWED.

Usage: sql_run_tests.py --rebate build/bin/rebate --root . --work build/sql-run-tests
(one test alone: REBATE_SQL_SHADOW=build/sql-run-tests python3 tests/run/funds.py --rebate build/bin/rebate)
"""
import collections
import os
import runpy
import subprocess
import sys
import time

import shadow
import sql_compare
from shadow import AS_OF, DEVICE, REJECT, USAGE
from sql_compare import command_line

# The runs each test must compare at least (what it compares today; 80 in all).
MIN_COMPARED = {
    "as_of": 2, "closed_periods": 12, "currencies": 4, "currency_codes": 1, "distinct_combinations": 5, "fund_expiry": 0, "funds": 5,
    "ledger_lookups": 6, "lines": 3, "metrics": 5, "partner_history": 4, "payout_currency": 7, "period_helpers": 3, "records": 5, "settlement": 4,
    "settlement_limits": 6, "text_functions": 8,
}
# What each test's runs cannot be compared for: refused (the construct E0701 names), not comparable (why).
EXPECTED = {
    "as_of": {"not comparable": {AS_OF}},
    "closed_periods": {"not comparable": {AS_OF}},
    "currencies": {"not comparable": {REJECT}},
    "fund_expiry": {"refused": {"a fund whose accruals expire (`expire after`)"}},
    "funds": {"not comparable": {AS_OF, REJECT}},
    "ledger_lookups": {"not comparable": {AS_OF, REJECT}},
    # (`--out /dev/null` beside statements; `--detail` without `--explain` or statements.)
    "lines": {"not comparable": {DEVICE, USAGE}},
    # (`--format json --metrics FILE` and `--metrics -`: usage errors of the run's outputs.)
    "metrics": {"not comparable": {USAGE}},
    "partner_history": {"not comparable": {REJECT}},
    "payout_currency": {"not comparable": {REJECT}},
    # (An output onto an input or onto another output: usage errors of the run's outputs.)
    "records": {"not comparable": {REJECT, USAGE}},
    "settlement": {"not comparable": {REJECT}},
}
# Tests that call the CLI without tests/cli_checks.py, so that nothing they run is shadowed: explain_trace runs
# `rebate explain` only; inputs_cli reads compressed files, directories, globs and standard input (not
# comparable); postgres_cli reads its ledgers from PostgreSQL; outputs and run_cli run commands of every kind
# through runners of their own (memory limits, commands without --engine); stream runs every example at many
# batch sizes (each example is compared by sql_backend).
NOT_SHADOWED = {"explain_trace", "inputs_cli", "outputs", "postgres_cli", "run_cli", "stream"}


def main() -> int:
    rebate, root, work = command_line()
    # Without PostgreSQL's server or npm's DuckDB the test fails here, as sql_backend does; installed before the
    # first test, so that no test's time includes it.
    sql_compare.pg_cluster.pg_bindir()
    sql_compare.install(work / "duckdb")
    os.environ[shadow.ENVIRONMENT] = str(work)
    shade = shadow.from_environment(rebate)
    failures = self_test(shade, root)
    scripts = sorted((root / "tests" / "run").glob("*.py"))
    plain = {s.stem for s in scripts if "cli_checks" not in s.read_text()}
    if plain != NOT_SHADOWED:
        failures.append(f"the tests that do not call the CLI through tests/cli_checks.py are {sorted(plain)}, "
                        f"not {sorted(NOT_SHADOWED)}: update NOT_SHADOWED")
    for script in scripts:
        name = script.stem
        if name in plain:
            continue
        argv = [str(script), "--rebate", rebate, "--engine", "vm"]
        if "from_command_line(root=True)" in script.read_text():
            argv += ["--root", str(root)]
        shade.script, sys.argv = name, argv
        started = time.time()
        try:
            runpy.run_path(str(script), run_name="__main__")
            status = 0
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
        except Exception as e:  # a test that breaks is a failure of this one, and the others still run
            print(f"{name}: {type(e).__name__}: {e}")
            status = 1
        if status != 0:
            failures.append(f"{name}: the test fails with the shadow on (its FAIL lines above)")
        outcomes = [o for o in shade.outcomes if o["script"] == name]
        failures += summarise(name, outcomes, time.time() - started)
    for f in failures:
        print("FAIL", f)
    compared = sum(o["outcome"] == "compared" for o in shade.outcomes)
    print(f"sql run tests: {compared} runs compared in SQL, {len(shade.outcomes)} runs in all, {len(failures)} failed")
    return 1 if failures else 0


def self_test(shade, root):
    """The shadow can fail: example 1's payouts with one amount a cent off, and with a basis changed, are
    each a mismatch naming the payout; as they are, they are equal."""
    example = root / "examples" / "01-ev-dealer-rebate"
    argv = ["run", "program.rebate"] + [a for a in (example / "run.args").read_text().split() if a]
    ran = subprocess.run([shade.rebate, *argv, "--engine", "vm"], cwd=example, capture_output=True, text=True, timeout=60)
    failures = []
    shade.script = "(self-test)"
    # D300 2026-02: 45,000.00 EUR x 5% = 2,250.00 (its line of examples/01-ev-dealer-rebate/expected.csv).
    row = "D300,2026-02,ev_rebate,2250.00,EUR,paid,45000,"
    for changed, want in [(None, 0), (row.replace("2250.00", "2250.01"), 1), (row.replace("45000,", "45001,"), 1)]:
        found = []
        text = ran.stdout.replace(row, changed) if changed else ran.stdout
        if changed and text == ran.stdout:
            failures.append(f"self-test: no row {row} in example 1's payouts")
            continue
        shade.compare(argv, example, subprocess.CompletedProcess(ran.args, ran.returncode, text, ran.stderr), lambda ok, what: found.append(what) if not ok else None)
        if len(found) != want * len(sql_compare.DIALECTS) or not all("('D300', '2026-02', 'ev_rebate', '')" in f for f in found):
            failures.append(f"self-test: example 1 with {changed or 'its own payouts'}: {len(found)} mismatches, {want} per database expected: {found}")
    shade.outcomes.clear()
    return failures


def summarise(name, outcomes, seconds):
    """Prints the test's counts; the failures of its expectations."""
    by = collections.defaultdict(collections.Counter)
    for o in outcomes:
        by[o["outcome"]][o["reason"]] += 1
    compared = sum(by["compared"].values())
    parts = [f"{compared} compared"]
    if by["failed alike"]:
        parts.append(f"{sum(by['failed alike'].values())} stopped alike (" + ", ".join(f"{n} {r}" for r, n in sorted(by["failed alike"].items())) + ")")
    for outcome in ("refused", "not comparable", "mismatch"):
        if by[outcome]:
            parts.append(f"{outcome}: " + "; ".join(f"{r} (x{n})" for r, n in sorted(by[outcome].items())))
    print(f"== {name} ({seconds:.1f} s): " + ", ".join(parts))
    failures = []
    if compared < MIN_COMPARED.get(name, 1):
        failures.append(f"{name}: {compared} runs compared in SQL, fewer than {MIN_COMPARED.get(name, 1)}")
    expected = EXPECTED.get(name, {})
    for outcome in ("refused", "not comparable"):
        want, got = set(expected.get(outcome, ())), set(by[outcome])
        for r in sorted(got - want):
            failures.append(f"{name}: {outcome} not expected: {r}")
        for r in sorted(want - got):
            failures.append(f"{name}: expected {outcome} but not found (remove it from EXPECTED): {r}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
