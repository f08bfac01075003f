#!/usr/bin/env python3
"""`rebate compile --target sql` on the real databases: PostgreSQL (a throwaway server this script starts,
tests/pg_cluster.py) and DuckDB (the npm package @duckdb/node-api, installed with `npm ci` from
tests/sql/package-lock.json into the work directory).

Checked, for each dialect:
  * every example and every program of tests/engines/programs and tests/sql/programs (a fiscal calendar,
    look-backs, count distinct, max and avg): the generated script, run on the
    example's ledgers (loaded with COPY into tables of text columns, or read with DuckDB's read_csv as
    text), gives every payout `rebate run --engine vm` gives: the same rows (partner, period, rebate),
    and in each the same amount, status, basis, band and rate, compared as exact decimals (an amount of
    `1949.50` from the VM equals `1949.5` from a database);
  * the examples and programs listed in REFUSED are refused with E0701 naming the construct, and no
    other is: the list can only shrink as the generator learns constructs;
  * runtime errors: a program dividing by zero (tests/engines/programs/division_by_zero.rebate) makes the
    query fail with the message naming the same place as the VM's error, the function and the partner;
  * bad rows: an FX table's, a looked-up ledger's (a key naming no line, a key on two lines) and a claims
    ledger's (an id claimed twice, a partner not of the program, a day outside the effective dates, an
    amount not above zero) stop `rebate run` and the query with the same words;
  * usage: an unknown dialect, target or table mapping is exit 2.

Usage: sql_backend.py --rebate build/bin/rebate --root . --work build/sql-tests
"""
import csv
import io
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

from sql_compare import COMPARED, DIALECTS, PAID, PAID_TOTALS, SELECTS, DuckDB, Postgres, command_line, differences, number, rows_by_key

# Programs the generator refuses today, with the construct its E0701 names. Coverage can only grow: a
# program that compiles must be removed from here, and one that stops compiling fails the test.
REFUSED = {
    "tests/sql/programs/budget_fine_places": "a budget over amounts with 10 decimal places",
    "tests/sql/programs/fund_history": "a fund with a partner table with history",
    "tests/sql/programs/fund_expiry": "a fund whose accruals expire",
}


def programs(root):
    """(name, directory, program file, run arguments) of every example and engines program."""
    out = []
    for ex in sorted((root / "examples").iterdir()):
        if (ex / "run.args").exists():
            out.append((f"examples/{ex.name}", ex, "program.rebate", [a for a in (ex / "run.args").read_text().splitlines() if a.strip()]))
    for folder in [root / "tests" / "engines" / "programs", root / "tests" / "sql" / "programs"]:
        for p in sorted(folder.glob("*.rebate")):
            args = p.with_suffix(".args")
            argv = [a for a in args.read_text().splitlines() if a.strip()] if args.exists() else []
            out.append((str(p.relative_to(root).with_suffix("")), folder, p.name, argv))
    return out


def inputs_of(argv):
    """The `--input NAME=PATH` pairs, and the `--period` value (or None)."""
    pairs, period = [], None
    for i, a in enumerate(argv):
        if i > 0 and argv[i - 1] == "--input":
            name, _, path = a.partition("=")
            pairs.append((name, path))
        if i > 0 and argv[i - 1] == "--period":
            period = a
    return pairs, period


def main() -> int:
    rebate, root, work = command_line()
    here = pathlib.Path(__file__).resolve().parent
    failures, passed = [], 0

    def check(name, ok, detail=""):
        nonlocal passed
        if ok:
            passed += 1
        else:
            failures.append(f"{name}: {detail}")

    def run(argv, cwd=None):
        return subprocess.run([rebate, *argv], cwd=cwd, capture_output=True, text=True, timeout=300)

    duck = DuckDB(work, here)
    pg = Postgres()
    try:
        engines = {"postgres": pg, "duckdb": duck}
        supported = []
        for name, cwd, program, argv in programs(root):
            pairs, period = inputs_of(argv)
            schema = "p_" + re.sub(r"[^a-z0-9]", "_", name.lower())
            if run(["check", program], cwd=cwd).returncode != 0:
                continue  # a program written to fail checking (tests/engines/programs/comparisons): nothing to run
            extra = pathlib.Path(tempfile.mkdtemp(prefix="rebate-sql-vm-"))
            vm = run(["run", program, *argv, "--format", "csv", "--engine", "vm", "--totals", str(extra / "totals.csv"), "--awards", str(extra / "awards.csv"),
                      "--metrics", str(extra / "metrics.csv")], cwd=cwd)
            vm_extra = {k: (extra / f"{k}.csv").read_text() if (extra / f"{k}.csv").exists() else "" for k in SELECTS}
            shutil.rmtree(extra)
            for dialect in DIALECTS:
                compile_argv = ["compile", program, "--target", "sql", "--dialect", dialect]
                compile_argv += [a for n, _ in pairs for a in ("--table", f"{n}={schema}.{n}")]
                if period:
                    compile_argv += ["--period", period]
                c = run(compile_argv, cwd=cwd)
                label = f"{name} [{dialect}]"
                if name in REFUSED:
                    check(f"{label}: refused with E0701 naming {REFUSED[name]}",
                          c.returncode == 1 and "E0701" in c.stderr and REFUSED[name] in c.stderr, f"exit {c.returncode}: {c.stderr[:300]}")
                    continue
                if c.returncode != 0:
                    check(f"{label}: compiles", False, f"exit {c.returncode}: {c.stderr[:600]}")
                    continue
                tables = [(n, cwd / p) for n, p in pairs]
                code, out, err = engines[dialect].run(c.stdout, tables, schema)
                if vm.returncode != 0:
                    # A runtime error: the query fails too, naming the same place (file:line:column); an overflow
                    # with the VM's words, and its partner and period where it names them (docs/sql.md).
                    place = re.search(r"(\S+\.rebate:\d+:\d+)", vm.stderr)
                    has = [place.group(1).split("/")[-1] + ":"] if place else []
                    overflow = re.search(r"error: (arithmetic overflow[^,]*), for (?:group `\w+` of )?(partner \S+, period \S+)?", vm.stderr)
                    if overflow:
                        has += [overflow.group(1)] + ([f"for {overflow.group(2)}"] if overflow.group(2) else [])
                    check(f"{label}: fails as `rebate run` does", code != 0 and place is not None and all(h in err for h in has),
                          f"query exit {code}; vm: {vm.stderr.strip()[:300]}; db: {err.strip()[:300]}")
                    continue
                if code != 0:
                    check(f"{label}: the query runs", False, err[:800])
                    continue
                paid_in = PAID[0] in vm.stdout.partition("\n")[0].split(",")  # paying in the partner's currency
                want, got = rows_by_key(vm.stdout, compared=COMPARED + PAID * paid_in), rows_by_key(out, compared=COMPARED + PAID * paid_in)
                diffs, detail = differences(want, got)
                check(f"{label}: {len(want)} payouts equal `rebate run`'s", not diffs and (len(want) > 0 or len(vm_extra["awards"].splitlines()) > 1),
                      f"{len(diffs)} differ: {detail}")  # (a program of awards only pays nothing)
                # The totals of every program; the awards of those that give any.
                for what, (_, key_columns, compared) in SELECTS.items():
                    compared = compared + PAID_TOTALS * (paid_in and what == "totals")
                    want = rows_by_key(vm_extra[what], key_columns, compared)
                    if what in ("awards", "metrics") and not want:
                        continue
                    c = run(compile_argv + ["--select", what], cwd=cwd)
                    code, out, err = engines[dialect].run(c.stdout, tables, schema) if c.returncode == 0 else (c.returncode, "", c.stderr)
                    got = rows_by_key(out, key_columns, compared) if code == 0 else {}
                    diffs, detail = differences(want, got)
                    detail = detail or err[:600]
                    # (A program of awards only has no totals, in `rebate run` as here.)
                    expect_rows = what in ("awards", "metrics") or bool(rows_by_key(vm.stdout))
                    check(f"{label}: {len(want)} {what} equal `rebate run`'s", code == 0 and not diffs and (len(want) > 0) == expect_rows,
                          f"{len(diffs)} differ: {detail}")
                if dialect == DIALECTS[0]:
                    supported.append(name)

        # Runtime errors name the place (as the VM's error does), the rebate and the cell, on both databases.
        eng = root / "tests" / "engines" / "programs"
        vm = run(["run", "division_by_zero.rebate", "--input", "partners=partners.csv", "--input", "sales=sales.csv", "--period", "2026-Q3"], cwd=eng)
        place = re.search(r"(division_by_zero\.rebate:\d+:\d+)", vm.stderr)
        check("division by zero: `rebate run` fails naming the place", vm.returncode == 1 and place, vm.stderr[:300])
        for dialect in DIALECTS:
            c = run(["compile", "division_by_zero.rebate", "--target", "sql", "--dialect", dialect, "--period", "2026-Q3",
                     "--table", "partners=p_dz.partners", "--table", "sales=p_dz.sales"], cwd=eng)
            if c.returncode != 0 or not place:
                check(f"division by zero [{dialect}]: compiles", False, c.stderr[:400])
                continue
            code, _, err = engines[dialect].run(c.stdout, [("partners", eng / "partners.csv"), ("sales", eng / "sales.csv")], "p_dz")
            has = [place.group(1) + ":", "division by zero", "rebate per_unit", "for partner P2, period 2026-Q3"]
            check(f"division by zero [{dialect}]: the query fails naming the rebate, the place and the cell",
                  code != 0 and all(h in err for h in has), f"exit {code}: {err.strip()[:500]}")

        # The FX table's rows, checked as `rebate run` checks them (compiler/sql/convert.cpp): two rates of one
        # pair on one day, a rate from a currency to itself, a rate that is not above zero each stop the run
        # and the query, with the same words, even where no conversion reads the row.
        progs = root / "tests" / "sql" / "programs"
        head = "base,quote,day,rate\nGBP,EUR,2026-07-01,1.10\nCHF,EUR,2026-07-10,1.05\n"
        bad_rates = {"a second GBP to EUR rate for 2026-08-01": head + "GBP,EUR,2026-08-01,1.20\nGBP,EUR,2026-08-01,1.25\n",
                     "a rate from CHF to itself": head + "CHF,CHF,2026-07-10,1\n",
                     "a rate is above zero, and this one is 0": head + "GBP,EUR,2026-08-01,0\n"}
        fx_tmp = pathlib.Path(tempfile.mkdtemp(prefix="rebate-sql-fx-"))
        try:
            for k, (words, rates) in enumerate(bad_rates.items()):
                (fx_tmp / "rates.csv").write_text(rates)
                vm = run(["run", "fx.rebate", "--input", "partners=partners.csv", "--input", f"rates={fx_tmp / 'rates.csv'}", "--input",
                          "sales=fx_sales.csv", "--input", "uk=fx_uk.csv", "--period", "2026-Q3"], cwd=progs)
                check(f"bad FX table ({words}): `rebate run` stops", vm.returncode != 0 and words in vm.stderr, vm.stderr[:300])
                schema = f"p_fxbad{k}"
                tables = [("partners", progs / "partners.csv"), ("rates", fx_tmp / "rates.csv"), ("sales", progs / "fx_sales.csv"), ("uk", progs / "fx_uk.csv")]
                for dialect in DIALECTS:
                    c = run(["compile", "fx.rebate", "--target", "sql", "--dialect", dialect, "--period", "2026-Q3"]
                            + [a for n, _ in tables for a in ("--table", f"{n}={schema}.{n}")], cwd=progs)
                    code, _, err = engines[dialect].run(c.stdout, tables, schema) if c.returncode == 0 else (c.returncode, "", c.stderr)
                    check(f"bad FX table ({words}) [{dialect}]: the query stops with the same words", code != 0 and words in err, f"exit {code}: {err.strip()[:400]}")
        finally:
            shutil.rmtree(fx_tmp)

        # Bad rows of a looked-up ledger and of a claims ledger stop `rebate run` and the query, with the same
        # words (compiler/sql/ledger_lookup.cpp, funds.cpp), each a change of one file of a program that pays
        # (the other lines as they are, so that the bad row is the only error).
        bad_rows = [
            ("ledger_lookup", "returns", "shipment,returned_on,refund\nSH1,2026-07-15,100.00\nSH9,2026-07-20,50.00\n", "`SH9` is not a key of ledger `shipments`"),
            ("ledger_lookup", "shipments", "shipment_id,shipped_on,order\nSH1,2026-05-20,O1\nSH2,2026-07-10,O2\nSH3,2026-08-03,O3\nSH1,2026-07-10,O2\n", "duplicate key `SH1` in ledger `shipments`"),
            ("ledger_lookup", "shipments", "shipment_id,shipped_on,order\nSH1,2026-05-20,O1\nSH2,2026-07-10,O9\nSH3,2026-08-03,O3\n", "`O9` is not a key of ledger `orders`"),
            ("fund", "claims", "claim_id,partner,claimed_on,amount\n1,P1,2026-02-01,300.00\n1,P1,2026-03-01,250.00\n", "claim `1` is claimed twice"),
            ("fund", "claims", "claim_id,partner,claimed_on,amount\n1,P9,2026-02-01,300.00\n", "`P9` is not a partner of the program"),
            ("fund", "claims", "claim_id,partner,claimed_on,amount\n1,P1,2027-02-01,300.00\n", "is outside the program's effective dates"),
            ("fund", "claims", "claim_id,partner,claimed_on,amount\n1,P1,2026-02-01,-300.00\n", "a claim is for an amount above zero"),
            # A partner history (compiler/sql/partner_history.cpp): two rows of P1 in force on the same days; a row
            # ending before it starts; a line of P3 in May, before it joined; with `valid_from` alone, two rows
            # starting on one day. (A table has no line numbers: the query names the rows by their stretches.)
            ("partner_history", "partners", "id,tier,Valid From,Valid To\nP1,silver,,2026-08-15\nP1,gold,2026-08-01,\nP2,gold,,2026-08-15\nP3,silver,2026-08-20,\n",
             "are both in force over 2026-08-01 .. 2026-08-15"),
            ("partner_history", "partners", "id,tier,Valid From,Valid To\nP1,silver,,2026-07-31\nP1,gold,2026-08-01,\nP2,gold,,2026-08-15\nP3,silver,2026-08-20,2026-08-01\n",
             "partner `P3`: `valid_to` (2026-08-01) is before `valid_from` (2026-08-20): the row is in force on no day"),
            ("partner_history", "sales", (progs / "partner_history_sales.csv").read_text() + "2026-05-02,P3,1000\n",
             "partner `P3` has no row of the partner table `partners` in force in 2026-Q2 (its rows: 2026-08-20 .. still in force)"),
            # Paying in the partner's currency: a missing rate stops the run and the query, naming the pair, the day,
            # the partner and the period (at the period's end in example 23, averaged in payout_fx_average).
            ("payout_fx_average", "rates", "base,quote,day,rate\nUSD,EUR,2026-07-01,0.90\nUSD,JPY,2026-07-02,150\n",
             "payout_fx_average.rebate:22:22 (`partner.pay_in`): error: no USD to JPY rate for 2026-07-01 to pay in JPY (the average over 2026-07-01 .. "
             "2026-09-30 needs a rate in force on every day) in the FX table `rates`, for partner P2, period 2026-Q3"),
            ("payout_currency_places", "rates", "base,quote,day,rate\nUSD,EUR,2026-07-01,0.90\nUSD,KWD,2026-07-01,0.307125\nUSD,BHD,2026-07-01,0.37605\n",
             "payout_currency_places.rebate:11:89 (`partner.pay_in`): error: no USD to JPY rate on or before 2026-09-30 to pay in JPY in the FX table `rates`, "
             "for partner J, period 2026-Q3"),
            ("partner_history_from", "partners", "id,tier,Valid From\nP1,silver,2026-08-01\nP1,gold,2026-08-01\nP2,gold,\nP3,silver,\n",
             "both start 2026-08-01: each row is in force until the partner's next row starts"),
        ]
        bad_tmp = pathlib.Path(tempfile.mkdtemp(prefix="rebate-sql-bad-"))
        try:
            for k, (program, replaced, text, words) in enumerate(bad_rows):
                (bad_tmp / f"{replaced}.csv").write_text(text)
                argv = [a for a in (progs / f"{program}.args").read_text().splitlines() if a.strip()]
                pairs, period = inputs_of(argv)
                pairs = [(n, bad_tmp / f"{n}.csv" if n == replaced else progs / p) for n, p in pairs]
                vm = run(["run", f"{program}.rebate"] + [a for n, p in pairs for a in ("--input", f"{n}={p}")] + (["--period", period] if period else []), cwd=progs)
                check(f"{program} with a bad {replaced} row ({words}): `rebate run` stops", vm.returncode == 1 and words in vm.stderr, vm.stderr[:300])
                schema = f"p_bad{k}"
                for dialect in DIALECTS:
                    c = run(["compile", f"{program}.rebate", "--target", "sql", "--dialect", dialect] + (["--period", period] if period else [])
                            + [a for n, _ in pairs for a in ("--table", f"{n}={schema}.{n}")], cwd=progs)
                    code, _, err = engines[dialect].run(c.stdout, pairs, schema) if c.returncode == 0 else (c.returncode, "", c.stderr)
                    check(f"{program} with a bad {replaced} row ({words}) [{dialect}]: the query stops with the same words", code != 0 and words in err,
                          f"exit {code}: {err.strip()[:400]}")
        finally:
            shutil.rmtree(bad_tmp)

        # Closed periods with a partner history: the adjustments are paid in the partner's cell of the first open
        # period. A late line of P2 for 2026-Q3 (closed on 10 October), gone on 15 August, has no such cell: the
        # run refuses it (exit 2) and the query stops, with the same words; the same late line of P1 (in force in
        # 2026-Q4) is paid, and the payouts with their adjustments equal the run's.
        history_tmp = pathlib.Path(tempfile.mkdtemp(prefix="rebate-sql-history-"))
        try:
            text = (progs / "partner_history.rebate").read_text().replace("    amount: Money\n}", "    amount: Money\n    booked_on: Date as booked\n}", 1)
            (history_tmp / "program.rebate").write_text(text)
            lines = (progs / "partner_history_sales.csv").read_text().splitlines()
            booked = "\n".join([lines[0] + ",booked_on"] + [f"{line},{line.split(',')[0]}" for line in lines[1:]]) + "\n"  # booked the day dated
            closing = ["--closed-through", "2026-Q3", "--closed-on", "2026-10-10"]
            for k, (late, words) in enumerate([("P2", "partner `P2` has 1 line booked after the close of 2026-Q3 (2026-10-10), and no row of the partner "
                                                      "table `partners` in force in 2026-Q4, the period that pays the adjustments (its rows: since always .. 2026-08-15)"),
                                               ("P1", None)]):
                (history_tmp / f"sales{k}.csv").write_text(booked + f"2026-08-01,{late},1000,2026-10-20\n")
                tables = [("partners", progs / "partner_history_partners.csv"), ("sales", history_tmp / f"sales{k}.csv"), ("paid", progs / "partner_history_paid.csv")]
                vm = run(["run", "program.rebate", "--format", "csv"] + [a for n, p in tables for a in ("--input", f"{n}={p}")] + closing, cwd=history_tmp)
                for dialect in DIALECTS:
                    c = run(["compile", "program.rebate", "--target", "sql", "--dialect", dialect] + [a for n, _ in tables for a in ("--table", f"{n}=p_history_closed{k}.{n}")]
                            + closing, cwd=history_tmp)
                    code, out, err = engines[dialect].run(c.stdout, tables, f"p_history_closed{k}") if c.returncode == 0 else (c.returncode, "", c.stderr)
                    if words:
                        check(f"closed periods, a late line of a partner gone [{dialect}]: `rebate run` and the query stop with the same words",
                              vm.returncode == 2 and words in vm.stderr and code != 0 and words in err, f"vm {vm.returncode} {vm.stderr[:300]}; exit {code}: {err.strip()[:400]}")
                        continue
                    want, got = rows_by_key(vm.stdout), rows_by_key(out) if code == 0 else {}
                    check(f"closed periods, a late line of a partner in force [{dialect}]: the payouts and adjustments equal `rebate run`'s",
                          vm.returncode == 0 and want == got and any(k[3] for k in want), f"exit {code} {err[:300]}; vm {vm.stderr[:200]}; want {want}; got {got}")
        finally:
            shutil.rmtree(history_tmp)

        # Closed periods: a budget with late lines is refused by the run (exit 2) and stops the query, with
        # the same words; a --period naming a closed period is a usage error of compile, as of the run.
        closed_tmp = pathlib.Path(tempfile.mkdtemp(prefix="rebate-sql-closed-"))
        try:
            text = (progs / "closed_ytd.rebate").read_text().replace("rebate plain {", "budget pool = 1_000 USD per quarter\nrebate plain {")
            (closed_tmp / "budget.rebate").write_text(text)
            tables = [("partners", progs / "partners.csv"), ("sales", progs / "closed_ytd_sales.csv"), ("paid", progs / "closed_ytd_paid.csv")]
            vm = run(["run", str(closed_tmp / "budget.rebate")] + [a for n, p in tables for a in ("--input", f"{n}={p}")])
            words = "and the program has a budget (`pool`)"
            check("closed periods with a budget: `rebate run` refuses late lines", vm.returncode == 2 and words in vm.stderr, vm.stderr[:300])
            for dialect in DIALECTS:
                c = run(["compile", str(closed_tmp / "budget.rebate"), "--target", "sql", "--dialect", dialect]
                        + [a for n, _ in tables for a in ("--table", f"{n}=p_closed_budget.{n}")])
                code, _, err = engines[dialect].run(c.stdout, tables, "p_closed_budget") if c.returncode == 0 else (c.returncode, "", c.stderr)
                check(f"closed periods with a budget [{dialect}]: the query stops with the same words", code != 0 and words in err, f"exit {code}: {err.strip()[:400]}")
                # The command line's closing replaces the header's, as in `rebate run`: closed through 2026-Q1 on
                # 2026-07-01, the late lines are 2025-11-05's and 2026-03-15's (booked after 07-01) and 2026-Q2 and
                # 2026-Q3 are paid; the payouts equal the run's with the same options.
                closing = ["--closed-through", "2026-Q1", "--closed-on", "2026-07-01"]
                vm = run(["run", "closed_ytd.rebate", "--format", "csv"] + [a for n, p in tables for a in ("--input", f"{n}={p}")] + closing, cwd=progs)
                c = run(["compile", "closed_ytd.rebate", "--target", "sql", "--dialect", dialect]
                        + [a for n, _ in tables for a in ("--table", f"{n}=p_closed_cli.{n}")] + closing, cwd=progs)
                code, out, err = engines[dialect].run(c.stdout, tables, "p_closed_cli") if c.returncode == 0 else (c.returncode, "", c.stderr)
                want, got = rows_by_key(vm.stdout), rows_by_key(out) if code == 0 else {}
                check(f"closed periods from the command line [{dialect}]: the payouts equal `rebate run`'s with the same options",
                      vm.returncode == 0 and want == got and any(k[3] for k in want), f"exit {code} {err[:300]}; vm {vm.stderr[:200]}; want {want}; got {got}")
                c = run(["compile", "closed_ytd.rebate", "--target", "sql", "--dialect", dialect, "--period", "2026-Q2"], cwd=progs)
                check(f"closed periods [{dialect}]: --period naming a closed period is a usage error", c.returncode == 2 and "2026-Q2 is closed" in c.stderr,
                      f"exit {c.returncode}: {c.stderr[:300]}")
        finally:
            shutil.rmtree(closed_tmp)

        # Rounding modes, a column's rounding of extra places, and bad lines, on programs written here.
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="rebate-sql-"))
        try:
            (tmp / "partners.csv").write_text("id\nP1\nP2\nP3\nP4\n")
            (tmp / "modes.rebate").write_text("""
program "Modes" { currency: USD  period: quarter  effective: 2026-07-01 .. 2026-09-30 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner: Text as partner  amount: Money(2) }
measure revenue = sales.sum(amount)
rebate even { pay 0.5% of revenue }
rebate half_up { pay 0.5% of revenue  rounding half_up }
rebate down { pay 0.5% of revenue  rounding down }
rebate up { pay 0.5% of revenue  rounding up }
rebate neg_up { pay 0.5% of revenue  allow negative  rounding up }
rebate third { pay 3% of (revenue / 3) }
""")
            # Amounts with the currency code before or after them, as CSV cells may have it.
            (tmp / "modes.csv").write_text("date,partner,amount\n2026-07-01,P1,1009.00 USD\n2026-07-02,P2,USD 1003.00\n"
                                           "2026-07-03,P3,-1009.00\n2026-07-04,P4,1000.40\n")
            # By hand: P1 1,009.00 x 0.5% = 5.045: half-even 5.04 (4 is even), half-up 5.05, down 5.04, up 5.05.
            # P2 5.015: half-even 5.02 (1 is odd), half-up 5.02, down 5.01, up 5.02. P3 -5.045: floored at 0,
            # except neg_up: up is away from zero, -5.05. P4 5.002: 5.00, 5.00, 5.00, up 5.01.
            # third: P1 1,009.00 / 3 = 336.333333333333333333 (18 places, as the VM divides; a DOUBLE would give
            # 336.33333333333331438...), 3% of it 10.08999... -> 10.09; its basis is compared to all 18 places.
            want_basis = {("P1", "third"): "336.333333333333333333"}
            want = {("P1", "third"): "10.09", ("P1", "even"): "5.04", ("P1", "half_up"): "5.05", ("P1", "down"): "5.04", ("P1", "up"): "5.05",
                    ("P2", "even"): "5.02", ("P2", "half_up"): "5.02", ("P2", "down"): "5.01", ("P2", "up"): "5.02",
                    ("P3", "even"): "0", ("P3", "neg_up"): "-5.05", ("P4", "up"): "5.01", ("P4", "even"): "5.00"}
            (tmp / "lines.rebate").write_text("""
program "Lines" { currency: USD  period: quarter  effective: 2026-07-01 .. 2026-09-30 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner: Text as partner  amount: Money(2) rounding half_up }
measure revenue = sales.sum(amount)
rebate r { pay revenue }
""")
            (tmp / "skus.csv").write_text("SKU,Product Family\nS1,storage\nS2,server\n")
            (tmp / "lookups.rebate").write_text("""
program "Lookups" { currency: USD  period: quarter  effective: 2026-07-01 .. 2026-09-30 }
partner table partners { id: Text as key }
table skus { sku: Text as key from "SKU"  family: Text from "Product Family" }
ledger sales { date: Date as date  partner: Text as partner  sku: skus  amount: Money(2) }
measure storage = sales.sum(amount where sku.family == "storage")
rebate r { pay 10% of storage }
""")
            (tmp / "lookups.csv").write_text("date,partner,sku,amount\n2026-07-01,P1,S1,100.00\n2026-07-02,P1,S2,50.00\n2026-07-03,P2,S2,70.00\n")
            # P1: only the S1 line is storage, 100.00 x 10% = 10.00; P2: no storage line, 0.
            want_lookups = {("P1", "r"): "10.00", ("P2", "r"): "0"}
            (tmp / "lines.csv").write_text("date,partner,amount\n2026-07-01,P1,20.987\n2026-07-02,P1,20.987\n")
            # Each line is read as 20.99 (half-up to the column's cents), so the sum is 41.98, not 41.974 -> 41.97.
            want_lines = {("P1", "r"): "41.98"}
            (tmp / "budget.rebate").write_text("""
program "Budget" { currency: USD  period: quarter  effective: 2026-07-01 .. 2026-09-30 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner: Text as partner  amount: Money(2) }
measure revenue = sales.sum(amount)
budget pool = 200 USD per quarter for a
rebate a { pay revenue }
rebate b { pay revenue }
""")
            (tmp / "budget.csv").write_text("date,partner,amount\n2026-07-01,P1,100.00\n2026-07-01,P2,100.00\n2026-07-01,P3,100.00\n2026-07-01,P4,-5.00\n")
            # Rebate a pays 100.00 to P1, P2 and P3 (P4's -5.00 is floored at 0 and not scaled): 300.00 over the
            # 200.00 budget, so each becomes 100 x 200 / 300 = 66.666... cut to 66.66, 199.98 in all; the two cents
            # left go to the largest payouts, all equal, so by partner id: P1 and P2. Rebate b is not covered.
            want_budget = {("P1", "a"): "66.67", ("P2", "a"): "66.67", ("P3", "a"): "66.66", ("P4", "a"): "0",
                           ("P1", "b"): "100.00", ("P2", "b"): "100.00", ("P3", "b"): "100.00", ("P4", "b"): "0"}
            # Totals: a + b per partner.
            want_budget_totals = {"P1": "166.67", "P2": "166.67", "P3": "166.66", "P4": "0"}
            for dialect in DIALECTS:
                c = run(["compile", "budget.rebate", "--target", "sql", "--dialect", dialect, "--select", "totals",
                         "--table", "partners=p_x.partners", "--table", "sales=p_x.budget"], cwd=tmp)
                code, out, err = engines[dialect].run(c.stdout, [("partners", tmp / "partners.csv"), ("budget", tmp / "budget.csv")], "p_x")
                got = {r["partner"]: number(r["amount"]) for r in csv.DictReader(io.StringIO(out))} if code == 0 else {}
                check(f"budget.rebate [{dialect}]: the hand-computed totals", got == {k: Decimal(v) for k, v in want_budget_totals.items()},
                      f"exit {code} {err[:300]}; got {got}")
                for program, ledger, expected in [("modes.rebate", "modes.csv", want), ("lines.rebate", "lines.csv", want_lines),
                                                  ("lookups.rebate", "lookups.csv", want_lookups), ("budget.rebate", "budget.csv", want_budget)]:
                    extra = [("skus", tmp / "skus.csv")] if program == "lookups.rebate" else []
                    c = run(["compile", program, "--target", "sql", "--dialect", dialect, "--table", "partners=p_x.partners",
                             "--table", f"sales=p_x.{ledger[:-4]}"] + [a for n, _ in extra for a in ("--table", f"{n}=p_x.{n}")], cwd=tmp)
                    vm = run(["run", program, "--input", "partners=partners.csv", "--input", f"sales={ledger}", "--format", "csv"]
                             + [a for n, p in extra for a in ("--input", f"{n}={p.name}")], cwd=tmp)
                    if c.returncode != 0 or vm.returncode != 0:
                        check(f"{program} [{dialect}]: compiles and runs", False, c.stderr[:300] + vm.stderr[:300])
                        continue
                    code, out, err = engines[dialect].run(c.stdout, [("partners", tmp / "partners.csv"), (ledger[:-4], tmp / ledger)] + extra, "p_x")
                    got = {(r["partner"], r["rebate"]): number(r["amount"]) for r in csv.DictReader(io.StringIO(out))} if code == 0 else {}
                    ran = {(r["partner"], r["rebate"]): number(r["amount"]) for r in csv.DictReader(io.StringIO(vm.stdout))}
                    wrong = [k for k, v in expected.items() if got.get(k) != Decimal(v) or ran.get(k) != Decimal(v)]
                    if program == "modes.rebate" and code == 0:
                        bases = {(r["partner"], r["rebate"]): number(r["basis"]) for r in csv.DictReader(io.StringIO(out))}
                        vm_bases = {(r["partner"], r["rebate"]): number(r["basis"]) for r in csv.DictReader(io.StringIO(vm.stdout))}
                        wrong += [k for k, v in want_basis.items() if bases.get(k) != Decimal(v) or vm_bases.get(k) != Decimal(v)]
                    check(f"{program} [{dialect}]: the hand-computed amounts", code == 0 and not wrong and got == ran,
                          f"exit {code} {err[:300]}; wrong {[(k, expected[k], got.get(k), ran.get(k)) for k in wrong]}")
                # A line of a partner not in the partner table, and a cell with more places than the column keeps
                # (`Money(2)` without `rounding`): `rebate run` stops, and so does the query, naming the line's value.
                for program, ledger, text, has in [
                        ("modes.rebate", "unknown.csv", "date,partner,amount\n2026-07-01,P9,10.00\n", "`P9`"),
                        ("modes.rebate", "places.csv", "date,partner,amount\n2026-07-01,P1,10.005\n", "10.005"),
                        # Lines of a year no payout reads are read too, as `rebate run` reads them.
                        ("modes.rebate", "unknown_far.csv", "date,partner,amount\n2026-07-01,P1,10.00\n2019-03-01,P9,10.00\n", "`P9`"),
                        ("modes.rebate", "places_far.csv", "date,partner,amount\n2026-07-01,P1,10.00\n2019-03-01,P1,10.005\n", "10.005"),
                        ("lookups.rebate", "nokey.csv", "date,partner,sku,amount\n2026-07-01,P1,S9,10.00\n", "`S9` is not a key of table `skus`"),
                        # Cells the databases' casts accept and the CSV reader does not (found by the run tests' shadow):
                        # DuckDB read the date 2026-07-0x as 2026-07-01; both read 1e3 as 1000 and +5 as 5.
                        ("modes.rebate", "bad_day.csv", "date,partner,amount\n2026-07-0x,P1,10.00\n", "2026-07-0x is not a date written YYYY-MM-DD"),
                        ("modes.rebate", "exponent.csv", "date,partner,amount\n2026-07-01,P1,1e3\n", "1e3 is not a number"),
                        ("modes.rebate", "plus.csv", "date,partner,amount\n2026-07-01,P1,+5\n", "+5 is not a number")]:
                    (tmp / ledger).write_text(text)
                    extra = [("skus", tmp / "skus.csv")] if program == "lookups.rebate" else []
                    vm = run(["run", program, "--input", "partners=partners.csv", "--input", f"sales={ledger}"]
                             + [a for n, p in extra for a in ("--input", f"{n}={p.name}")], cwd=tmp)
                    c = run(["compile", program, "--target", "sql", "--dialect", dialect, "--table", "partners=p_x.partners",
                             "--table", f"sales=p_x.{ledger[:-4]}"] + [a for n, _ in extra for a in ("--table", f"{n}=p_x.{n}")], cwd=tmp)
                    code, _, err = engines[dialect].run(c.stdout, [("partners", tmp / "partners.csv"), (ledger[:-4], tmp / ledger)] + extra, "p_x")
                    check(f"{ledger} [{dialect}]: `rebate run` and the query both stop, naming {has}",
                          vm.returncode == 1 and code != 0 and has in err, f"vm exit {vm.returncode}; query exit {code}: {err[:300]}")
            # A payment naming no rebate, partner or period of the program stops `rebate run` (a payment left
            # out would be paid again), and the query too, naming the value.
            programs_dir = root / "tests" / "sql" / "programs"
            shutil.copyfile(programs_dir / "settle_floor.rebate", tmp / "settle_floor.rebate")
            shutil.copyfile(programs_dir / "settle_floor_sales.csv", tmp / "settle_sales.csv")
            header = "partner,rebate,period,amount,paid_on\n"
            for dialect in DIALECTS:
                for ledger, row, has in [("bad_rebate", "P1,nope,2026-Q1,800.00,2026-04-10", "`nope`"),
                                         ("bad_partner", "P9,guaranteed,2026-Q1,800.00,2026-04-10", "`P9`"),
                                         ("bad_period", "P1,guaranteed,2026-Q5,800.00,2026-04-10", "`2026-Q5`")]:
                    (tmp / f"{ledger}.csv").write_text(header + row + "\n")
                    vm = run(["run", "settle_floor.rebate", "--input", "partners=partners.csv", "--input", "sales=settle_sales.csv",
                              "--input", f"paid={ledger}.csv", "--period", "2026-Q4"], cwd=tmp)
                    c = run(["compile", "settle_floor.rebate", "--target", "sql", "--dialect", dialect, "--period", "2026-Q4", "--table", "partners=p_x.partners",
                             "--table", "sales=p_x.settle_sales", "--table", f"paid=p_x.{ledger}"], cwd=tmp)
                    code, _, err = engines[dialect].run(c.stdout, [("partners", tmp / "partners.csv"), ("settle_sales", tmp / "settle_sales.csv"),
                                                                   (ledger, tmp / f"{ledger}.csv")], "p_x")
                    check(f"{ledger} [{dialect}]: `rebate run` and the query both stop, naming {has}",
                          vm.returncode != 0 and c.returncode == 0 and code != 0 and has in err, f"vm exit {vm.returncode}; query exit {code}: {err[:300]}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

        # Usage errors.
        ex = root / "examples" / "01-ev-dealer-rebate"
        for argv, has in [(["--dialect", "oracle"], "not a dialect"), (["--dialect", "duckdb", "--table", "nope=x.y"], "no ledger or table `nope`"),
                          (["--dialect", "duckdb", "--table", "deliveries=a.b.c"], "NAME=TABLE"),
                          (["--dialect", "duckdb", "--period", "2026-Q9"], "not a period")]:
            c = run(["compile", "program.rebate", "--target", "sql", *argv], cwd=ex)
            check(f"usage: {' '.join(argv)}", c.returncode == 2 and has in c.stderr, f"exit {c.returncode}: {c.stderr[:300]}")
        c = run(["compile", "program.rebate", "--target", "wasm", "--dialect", "duckdb"], cwd=ex)
        check("usage: --target wasm", c.returncode == 2 and "only target is `sql`" in c.stderr, c.stderr[:300])
        print("compiled and equal on both databases:", ", ".join(supported))
    finally:
        pg.stop()
        duck.stop()
    for f in failures:
        print("FAIL", f)
    print(f"sql backend: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
