#!/usr/bin/env python3
"""Partner history (docs/language.md §28), through the real CLI, on one engine: a partner table with
`valid_from` / `valid_to` rows, each (partner, quarter) paid from the row in force then, by hand:

- a promotion, a partner who leaves, a partner who joins; empty cells (since always, still in force);
- a decision table, a filter inside an aggregate, a look-back (`previous`) and a settlement over the year to
  date, each reading the row of the period it is about; the same bytes at 1 and 3 threads;
- two rows of a partner in force on the same days, and a row that ends before it starts: errors naming
  the rows and the days; with `--on-bad-row reject` the row left out, noted and written to
  PATH.partners.history.csv;
- a ledger line dated when its partner has no row: the unknown-partner error, naming the partner's rows;
  with `--on-bad-row reject` left out and written to PATH.sales.unknown-partners.csv;
- `valid_from` alone: each row in force until the partner's next row starts; two rows starting the same day;
- `rebate explain` names the row it read; example 22's `test` blocks pass.

Usage: partner_history.py --rebate build/bin/rebate --root . [--engine vm]
"""
import csv
import io
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

PROGRAM = """
program "History" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
enum Tier { bronze, silver, gold }
partner table partners {
    id: Text as key
    tier: Tier
    valid_from: Date as valid_from from "Valid From"
    valid_to: Date as valid_to from "Valid To"
}
ledger sales {
    day: Date as date
    partner_id: Text as partner
    amount: Money
}
payments ledger paid {
    partner_id: Text as partner
    rebate_name: Text as rebate
    period: Text as period
    amount: Money as amount
    paid_on: Date as date
}
measure revenue = sales.sum(amount)
measure gold_revenue = sales.sum(amount where partner.tier == gold)
decision rate: Percent by partner.tier {
    gold   => 4%
    silver => 2%
    bronze => 0%
}
measure earned = rate of revenue
rebate level "Level" {
    pay rate of revenue
}
rebate gold_share "Gold lines" {
    pay 1% of gold_revenue
}
rebate prev_bonus "Bonus on last quarter" {
    pay 10% of previous(earned)
}
rebate ytd "Level, year to date" {
    pay rate of revenue
    settle year_to_date against paid
    on negative claw back
}
"""

# P1 silver until 31 July, gold from 1 August (empty cells: since always, still in force); P2 gold until it
# left on 15 August; P3 silver from 20 August.
PARTNERS = """id,tier,Valid From,Valid To
P1,silver,,2026-07-31
P1,gold,2026-08-01,
P2,gold,,2026-08-15
P3,silver,2026-08-20,
"""
SALES = """day,partner_id,amount
2026-02-10,P1,10000
2026-05-10,P1,20000
2026-07-15,P1,30000
2026-08-20,P1,40000
2026-03-01,P2,5000
2026-07-10,P2,50000
2026-09-01,P3,25000
2026-11-11,P3,10000
"""
PAID = """partner_id,rebate_name,period,amount,paid_on
P1,ytd,2026-Q1,200.00,2026-04-15
P1,ytd,2026-Q2,400.00,2026-07-15
"""

# By hand. Rows read: P1 Q1, Q2 silver, Q3, Q4 gold; P2 Q1..Q3 gold (Q3: left in August, its last row in
# force), no Q4; P3 no Q1, Q2, Q3 and Q4 silver. Revenue: P1 10,000 / 20,000 / 70,000 / 0; P2 5,000 / 0 /
# 50,000; P3 25,000 / 10,000 (Q3, Q4).
EXPECTED = {
    # level: the row's rate x the quarter's revenue
    ("P1", "2026-Q1", "level"): "200.00",     # 2% x 10,000
    ("P1", "2026-Q2", "level"): "400.00",     # 2% x 20,000
    ("P1", "2026-Q3", "level"): "2800.00",    # 4% x 70,000: the July line too, at the quarter's row
    ("P1", "2026-Q4", "level"): "0.00",
    ("P2", "2026-Q1", "level"): "200.00",     # 4% x 5,000
    ("P2", "2026-Q2", "level"): "0.00",
    ("P2", "2026-Q3", "level"): "2000.00",    # 4% x 50,000
    ("P3", "2026-Q3", "level"): "500.00",     # 2% x 25,000
    ("P3", "2026-Q4", "level"): "200.00",     # 2% x 10,000
    # gold_share: 1% of the lines whose partner is gold in the line's quarter
    ("P1", "2026-Q1", "gold_share"): "0.00",
    ("P1", "2026-Q2", "gold_share"): "0.00",
    ("P1", "2026-Q3", "gold_share"): "700.00",  # 1% x (30,000 + 40,000)
    ("P1", "2026-Q4", "gold_share"): "0.00",
    ("P2", "2026-Q1", "gold_share"): "50.00",   # 1% x 5,000
    ("P2", "2026-Q2", "gold_share"): "0.00",
    ("P2", "2026-Q3", "gold_share"): "500.00",  # 1% x 50,000
    ("P3", "2026-Q3", "gold_share"): "0.00",
    ("P3", "2026-Q4", "gold_share"): "0.00",
    # prev_bonus: 10% of the previous quarter's earned, at the previous quarter's row
    ("P1", "2026-Q1", "prev_bonus"): "0.00",    # 2025-Q4: no lines
    ("P1", "2026-Q2", "prev_bonus"): "20.00",   # 10% x (2% x 10,000)
    ("P1", "2026-Q3", "prev_bonus"): "40.00",   # 10% x (2% x 20,000): Q2's silver row, not Q3's gold (80.00)
    ("P1", "2026-Q4", "prev_bonus"): "280.00",  # 10% x (4% x 70,000)
    ("P2", "2026-Q1", "prev_bonus"): "0.00",
    ("P2", "2026-Q2", "prev_bonus"): "20.00",   # 10% x (4% x 5,000)
    ("P2", "2026-Q3", "prev_bonus"): "0.00",    # Q2 earned 0
    ("P3", "2026-Q3", "prev_bonus"): "0.00",    # Q2: before P3 joined (its first row, no lines): 0
    ("P3", "2026-Q4", "prev_bonus"): "50.00",   # 10% x (2% x 25,000)
    # ytd: the paid quarter's row's rate x the year-to-date revenue, less what paid.csv says was paid
    ("P1", "2026-Q1", "ytd"): "0.00",     # 2% x 10,000 = 200 - 200 paid
    ("P1", "2026-Q2", "ytd"): "0.00",     # 2% x 30,000 = 600 - (200 + 400)
    ("P1", "2026-Q3", "ytd"): "3400.00",  # 4% x 100,000 = 4,000 - 600: the year trued up at gold
    ("P1", "2026-Q4", "ytd"): "3400.00",  # 4% x 100,000 = 4,000 - 600 (Q3 not recorded as paid)
    ("P2", "2026-Q1", "ytd"): "200.00",   # 4% x 5,000
    ("P2", "2026-Q2", "ytd"): "200.00",   # 4% x 5,000, nothing paid
    ("P2", "2026-Q3", "ytd"): "2200.00",  # 4% x 55,000
    ("P3", "2026-Q3", "ytd"): "500.00",   # 2% x 25,000
    ("P3", "2026-Q4", "ytd"): "700.00",   # 2% x 35,000
}


def amounts(stdout):
    return {(r["partner"], r["period"], r["rebate"]): r["amount"] for r in csv.DictReader(io.StringIO(stdout))}


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line(root=True)
    check, run = checks.check, checks.run

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "program.rebate").write_text(PROGRAM)

        def case(name, partners=PARTNERS, sales=SALES):
            c = d / name
            c.mkdir()
            (c / "partners.csv").write_text(partners)
            (c / "sales.csv").write_text(sales)
            (c / "paid.csv").write_text(PAID)
            return c

        prog = str(d / "program.rebate")
        inputs = ["--input", "partners=partners.csv", "--input", "sales=sales.csv", "--input", "paid=paid.csv"]

        # The history, by hand, at 1 and 3 threads: the same bytes.
        ok = case("ok")
        outputs = set()
        for threads in ("1", "3"):
            r = run(["run", prog, *inputs, "--threads", threads], 0, cwd=ok)
            got = amounts(r.stdout)
            check(got == EXPECTED, f"--threads {threads}: {sorted(set(got.items()) ^ set(EXPECTED.items()))}")
            outputs.add(r.stdout)
        check(len(outputs) == 1, "the payouts differ between thread counts")

        # The explanation names the row read by its stretch: P1 in Q3 reads the row in force from 1 August.
        r = run(["explain", prog, *inputs, "--partner", "P1", "--period", "2026-Q3"], 0, cwd=ok)
        check("gold (the row of partners in force 2026-08-01 .. still in force)" in r.stdout, f"explain P1 Q3: {r.stdout}")
        r = run(["explain", prog, *inputs, "--partner", "P2", "--period", "2026-Q3"], 0, cwd=ok)
        check("gold (the row of partners in force since always .. 2026-08-15)" in r.stdout, f"explain P2 Q3: {r.stdout}")

        # Two rows of P1 in force from 1 to 15 August: an error naming both rows and the days.
        overlap = PARTNERS.replace("P1,silver,,2026-07-31", "P1,silver,,2026-08-15")
        bad = case("overlap", partners=overlap)
        r = run(["run", prog, *inputs], 1, cwd=bad)
        check("partners.csv:3: partner `P1`: this row (2026-08-01 .. still in force) and the row on line 2 (since always .. 2026-08-15) "
              "are both in force over 2026-08-01 .. 2026-08-15" in r.stderr, f"overlap: {r.stderr}")
        check(r.stdout == "", f"overlap: payouts written: {r.stdout}")
        # Rejected: the later row (P1's gold one) left out, so P1 is silver until 15 August and has no row in Q4.
        r = run(["run", prog, *inputs, "--on-bad-row", "reject", "--rejects", "rej"], 0, cwd=bad)
        got = amounts(r.stdout)
        # P1 in Q3: no row on 30 September; the last in force in Q3 is silver: 2% x 70,000 = 1,400.00
        check(got.get(("P1", "2026-Q3", "level")) == "1400.00" and ("P1", "2026-Q4", "level") not in got
              and got.get(("P2", "2026-Q3", "level")) == "2000.00", f"overlap rejected: {got}")
        check("1 row of `partners` does not fit the partners' history; it was left out (written to `rej.partners.history.csv`)" in r.stderr,
              f"overlap rejected: the note: {r.stderr}")
        rejected = bad / "rej.partners.history.csv"
        check(rejected.exists() and rejected.read_text() ==
              "id,tier,Valid From,Valid To,_line,_error\n"
              "P1,gold,2026-08-01,,3,this row (2026-08-01 .. still in force) and the row on line 2 (since always .. 2026-08-15) are both in "
              "force over 2026-08-01 .. 2026-08-15\n", f"the rejects file: {rejected.read_text() if rejected.exists() else 'missing'}")

        # A row that ends before it starts.
        reversed_row = PARTNERS.replace("P3,silver,2026-08-20,", "P3,silver,2026-08-20,2026-08-01")
        bad = case("reversed", partners=reversed_row)
        r = run(["run", prog, *inputs], 1, cwd=bad)
        check("partners.csv:5: partner `P3`: `valid_to` (2026-08-01) is before `valid_from` (2026-08-20): the row is in force on no day"
              in r.stderr, f"reversed: {r.stderr}")
        # --max-errors: both bad rows said when allowed, one and a count otherwise.
        both = case("both", partners=overlap.replace("P3,silver,2026-08-20,", "P3,silver,2026-08-20,2026-08-01"))
        r = run(["run", prog, *inputs, "--max-errors", "1"], 1, cwd=both)
        check("partners.csv:3: partner `P1`" in r.stderr and "1 more errors in `partners` not shown" in r.stderr and
              "partners.csv:5" not in r.stderr, f"--max-errors 1: {r.stderr}")
        r = run(["run", prog, *inputs, "--max-errors", "5"], 1, cwd=both)
        check("partners.csv:3: partner `P1`" in r.stderr and "partners.csv:5: partner `P3`" in r.stderr, f"--max-errors 5: {r.stderr}")

        # A line of P3 in May, before it joined: the unknown-partner error, naming P3's rows.
        outside = case("outside", sales=SALES + "2026-05-02,P3,1000\n")
        r = run(["run", prog, *inputs], 1, cwd=outside)
        check("sales.csv:10:12: column `partner_id`: partner `P3` has no row of the partner table `partners` in force in 2026-Q2 "
              "(its rows: 2026-08-20 .. still in force)" in r.stderr, f"outside: {r.stderr}")
        r = run(["run", prog, *inputs, "--on-bad-row", "reject", "--rejects", "rej"], 0, cwd=outside)
        check(amounts(r.stdout) == EXPECTED, f"outside, rejected: {amounts(r.stdout)}")
        check("1 line of `sales` names a partner that is not in the partner table; it was left out" in r.stderr, f"outside, the note: {r.stderr}")
        rejected = outside / "rej.sales.unknown-partners.csv"
        check(rejected.exists() and rejected.read_text() ==
              "day,partner_id,amount,_line,_error\n"
              "2026-05-02,P3,1000,10,partner `P3` has no row of the partner table `partners` in force in 2026-Q2 (its rows: 2026-08-20 .. still in force)\n",
              f"outside, the rejects file: {rejected.read_text() if rejected.exists() else 'missing'}")

        # `valid_from` alone: each row runs until the partner's next row starts.
        alone = d / "alone"
        alone.mkdir()
        (alone / "program.rebate").write_text(PROGRAM.replace('    valid_to: Date as valid_to from "Valid To"\n', ""))
        (alone / "partners.csv").write_text("id,tier,Valid From\nP1,gold,2026-08-01\nP1,silver,\nP2,gold,\nP3,silver,2026-08-20\n")
        (alone / "sales.csv").write_text(SALES)
        (alone / "paid.csv").write_text(PAID)
        r = run(["run", "program.rebate", *inputs], 0, cwd=alone)
        got = amounts(r.stdout)
        # P1 as before (silver until 31 July: the gold row starts 1 August); P2 now never leaves: Q4 with 0.00.
        check(got.get(("P1", "2026-Q2", "level")) == "400.00" and got.get(("P1", "2026-Q3", "level")) == "2800.00"
              and got.get(("P2", "2026-Q4", "level")) == "0.00" and ("P3", "2026-Q2", "level") not in got, f"valid_from alone: {got}")
        (alone / "partners.csv").write_text("id,tier,Valid From\nP1,silver,2026-08-01\nP1,gold,2026-08-01\nP2,gold,\nP3,silver,\n")
        r = run(["run", "program.rebate", *inputs], 1, cwd=alone)
        check("partners.csv:3: partner `P1`: this row and the row on line 2 both start 2026-08-01" in r.stderr, f"same start: {r.stderr}")

        # Closed periods (§23): a late line of P2 for 2026-Q3, closed on 10 October, is an adjustment paid in
        # Q4, where P2 (gone on 15 August) has no row in force: refused, naming the partner and its rows,
        # rather than the adjustment dropped. The same late line of P1 (in force in Q4) is paid.
        closed = d / "closed"
        closed.mkdir()
        (closed / "program.rebate").write_text(PROGRAM.replace("    amount: Money\n}", "    amount: Money\n    booked_on: Date as booked\n}", 1))
        (closed / "partners.csv").write_text(PARTNERS)
        (closed / "paid.csv").write_text(PAID)
        lines = SALES.splitlines()
        booked = "\n".join([lines[0] + ",booked_on"] + [f"{line},{line.split(',')[0]}" for line in lines[1:]]) + "\n"  # booked the day dated
        closing = ["--closed-through", "2026-Q3", "--closed-on", "2026-10-10"]
        (closed / "sales.csv").write_text(booked + "2026-08-01,P2,1000,2026-10-20\n")
        r = run(["run", "program.rebate", *inputs, *closing], 2, cwd=closed)  # refused as the budget with late lines is (§23)
        check("partner `P2` has 1 line booked after the close of 2026-Q3 (2026-10-10), and no row of the partner table `partners` in force in "
              "2026-Q4, the period that pays the adjustments (its rows: since always .. 2026-08-15)" in r.stderr and r.stdout == "",
              f"a late line of a partner gone: {r.stderr}")
        (closed / "sales.csv").write_text(booked + "2026-08-01,P1,1000,2026-10-20\n")
        r = run(["run", "program.rebate", *inputs, *closing], 0, cwd=closed)
        adjusted = [row for row in csv.DictReader(io.StringIO(r.stdout)) if row["partner"] == "P1" and row["status"] == "adjustment"]
        # P1's Q3 recomputed with the late 1,000 at its Q3 row (gold, 4%): level +40.00, gold_share 1% +10.00,
        # and nothing was paid for Q3 but through paid.csv's ytd rows (none for Q3)
        level = [row["amount"] for row in adjusted if row["rebate"] == "level"]
        check(level and level[0] == "2840.00", f"a late line of a partner in force: {adjusted} {r.stderr}")

    # SQL is generated for a history (its payouts are compared with the run's on the databases by
    # tests/sql/sql_backend.py, example 22 and tests/sql/programs/partner_history*).
    r = subprocess.run([args.rebate, "compile", str(pathlib.Path(args.root) / "examples" / "22-partner-tier-history" / "program.rebate"),
                        "--target", "sql", "--dialect", "duckdb"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "partner_in_period" in r.stdout, f"compile --target sql: {r.returncode} {r.stderr}")
    # Example 22's tests: `given partners (id, tier, valid_from, valid_to)`.
    r = subprocess.run([args.rebate, "test", str(pathlib.Path(args.root) / "examples" / "22-partner-tier-history" / "program.rebate")],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"rebate test example 22: {r.returncode} {r.stdout} {r.stderr}")
    return checks.report("partner_history")


if __name__ == "__main__":
    sys.exit(main())
