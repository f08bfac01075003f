#!/usr/bin/env python3
"""`rebate forecast --method last_year` (docs/forecast.md, "Last year's shape") through the real CLI, on one
engine. Every expected figure is worked out by hand in the comments:

- the factor, per partner and aggregate: last year's same period whole / its part up to the corresponding
  day (the day as many days from its first day as the as-of date is from the open period's), for sums and
  counts; a line dated on the corresponding day is in the part, the day after is not;
- the fall-backs to run rate, per aggregate: no lines last year, a part at or below zero, a whole at or
  below zero; the row's method (`last_year`, `run_rate`, `mixed`) and the note naming the partners;
- the corresponding day of 2025-03-01 is 2024-02-29 (day 60 of both quarters), not 2024-03-01;
- a ledger with booking dates: last year's part is what was booked by the corresponding day;
- a count over a group's rows is shaped like a count of lines, at one thread and at three;
- the back-test: as of the period's last day, the forecast's projected payouts are `rebate run`'s;
- `--method` other than run_rate or last_year is a usage error, and so is last_year on an input that can be
  read only once (it reads the inputs twice).

Usage: forecast_last_year.py --rebate build/bin/rebate [--engine vm]
"""
import csv
import io
import json
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

PROGRAM = """
program "Last year's shape" { currency: USD  period: quarter  effective: EFFECTIVE }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner_id: Text as partner  amount: Money  units: Int }
measure revenue = sales.sum(amount)
measure orders = sales.count()
measure units_sold = sales.sum(units)
rebate volume "Volume" { pay 10% of revenue }
rebate per_order "Per order" { pay 5 USD * orders }
rebate per_unit "Per unit" { pay 1 USD * units_sold }
"""
PARTNERS = "id\nA\nB\nC\nD\n"
# As of 2026-08-15: 2026-Q3 day 46 of 92; last year's 2025-Q3 (2025-07-01 .. 09-30), corresponding day
# 2025-07-01 + 45 = 2025-08-15.
SALES = """date,partner_id,amount,units
2025-07-10,A,1000,2
2025-08-15,A,500,1
2025-08-16,A,1500,3
2025-09-30,A,1000,2
2026-07-05,A,1200.00,2
2026-08-01,A,300.50,1
2026-08-20,A,9999,9
2026-07-20,B,900,3
2025-07-03,C,-200,-1
2025-08-30,C,100,1
2025-09-01,C,800,4
2026-07-15,C,700,2
2025-07-02,D,500,1
2025-09-15,D,-500,-1
2026-08-10,D,250,1
"""
# A: last year's part (to 2025-08-15, that day's line in): 1,000 + 500 = 1,500.00, 2 lines, 3 units; whole:
#    4,000.00, 4 lines, 8 units. To date 1,200.00 + 300.50 = 1,500.50, 2 lines, 3 units (08-20 is after the date).
#    revenue 1,500.50 x 4,000 / 1,500 = 12,004 / 3 = 4,001.333333 (6 places, half-even): volume 10% = 400.1333 -> 400.13,
#    accrual 400.13 x 46 / 92 = 200.065 -> 200.06 (half-even); orders 2 x 4 / 2 = 4: 20.00; units 3 x 8 / 3 = 8: 8.00.
#    (Run rate would give 3,001.00: 300.10.) Method last_year.
# B: no line last year: run rate, x 92 / 46 = 2: revenue 1,800 -> 180.00, orders 2 -> 10.00, units 6 -> 6.00. Method run_rate.
# C: last year's revenue part is -200 (at or below zero): revenue by run rate, 700 x 2 = 1,400 -> 140.00; orders: part
#    1 line, whole 3: 1 x 3 = 3 -> 15.00 (run rate would give 2); units: part -1: run rate, 2 x 2 = 4 -> 4.00. Method mixed.
# D: last year's revenue whole is 500 - 500 = 0: run rate, 250 x 2 = 500 -> 50.00; orders part 1 whole 2: x 2 -> 2 ->
#    10.00; units whole 1 - 1 = 0: run rate, 1 x 2 = 2 -> 2.00. Method mixed.
EXPECTED = {
    ("A", "volume"): ("last_year", "400.13", "200.06"),
    ("A", "per_order"): ("last_year", "20.00", "10.00"),
    ("A", "per_unit"): ("last_year", "8.00", "4.00"),
    ("B", "volume"): ("run_rate", "180.00", "90.00"),
    ("B", "per_order"): ("run_rate", "10.00", "5.00"),
    ("B", "per_unit"): ("run_rate", "6.00", "3.00"),
    ("C", "volume"): ("mixed", "140.00", "70.00"),
    ("C", "per_order"): ("mixed", "15.00", "7.50"),
    ("C", "per_unit"): ("mixed", "4.00", "2.00"),
    ("D", "volume"): ("mixed", "50.00", "25.00"),
    ("D", "per_order"): ("mixed", "10.00", "5.00"),
    ("D", "per_unit"): ("mixed", "2.00", "1.00"),
}

# 29 February: as of 2025-03-01, 2025-Q1's day 60 (31 + 28 + 1) of 90; 2024-Q1's day 60 is 2024-02-29 (31 + 29).
# E's part is the 02-29 line, 100.00; its 03-01 line (300) is after the corresponding day; whole 100 + 300 + 100 = 500.
# To date 40.00: x 500 / 100 = 200.00, volume 20.00, accrual 20.00 x 60 / 90 = 13.333 -> 13.33. (Taking 2024-03-01,
# the same calendar date, the part would be 400 and the projection 50.00.)
LEAP_SALES = """date,partner_id,amount,units
2024-02-29,E,100,1
2024-03-01,E,300,1
2024-03-31,E,100,1
2025-01-10,E,40,1
"""

# Booking dates: last year's part is what was booked by the corresponding day (2025-08-15), as this year's lines to
# date are what was booked by the as-of date. F's 2025-08-01 line was booked on 08-20: not in the part. Part 1,000,
# whole 1,000 + 1,000 + 2,000 = 4,000: x 4. To date 500 (its 2026-08-10 line is booked on 08-17: not read): 2,000.00,
# volume 200.00. (By transaction date the part would be 2,000 and the projection 1,000.00: 100.00.)
BOOKED = """
program "Booked" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  booked: Date as booked  partner_id: Text as partner  amount: Money }
measure revenue = sales.sum(amount)
rebate volume "Volume" { pay 10% of revenue }
"""
BOOKED_SALES = """date,booked,partner_id,amount
2025-07-10,2025-07-12,F,1000
2025-08-01,2025-08-20,F,1000
2025-09-01,2025-09-02,F,2000
2026-07-05,2026-07-06,F,500
2026-08-10,2026-08-17,F,700
"""

# Groups: a count of group rows is shaped like a count of lines. P1's big customers (a customer with 1,000 USD or
# more) in 2025-Q3: by 2025-08-15 only `a`; the whole quarter a, b, c, d: x 4. To date x and y: 2 -> 8, 80.00 USD;
# accrual 80 x 46 / 92 = 40.00. (Run rate: 2 x 2 = 4: 40.00.)
GROUPS = """
program "Groups" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner_id: Text as partner  amount: Money  units: Int  customer: Text }
group by_customer = sales by customer { value = sales.sum(amount) }
measure big_customers = by_customer.count(where value >= 1_000 USD)
rebate per_big "Per big customer" { pay 10 USD * big_customers }
"""
GROUP_SALES = """date,partner_id,amount,units,customer
2025-07-05,P1,2000,1,a
2025-09-05,P1,2000,1,b
2025-09-06,P1,2000,1,c
2025-09-07,P1,2000,1,d
2026-07-05,P1,2000,1,x
2026-07-06,P1,2000,1,y
"""


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line()
    check, run = checks.check, checks.run

    def rows_of(text):
        return {(r["partner"], r["rebate"]): r for r in csv.DictReader(io.StringIO(text))}

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)

        def program(name, text, partners, sales):
            (d / f"{name}.rebate").write_text(text)
            (d / f"{name}-partners.csv").write_text(partners)
            (d / f"{name}-sales.csv").write_text(sales)
            return [str(d / f"{name}.rebate"), "--input", f"partners={d / f'{name}-partners.csv'}", "--input", f"sales={d / f'{name}-sales.csv'}"]

        main_inputs = program("main", PROGRAM.replace("EFFECTIVE", "2026-01-01 .. 2026-12-31"), PARTNERS, SALES)
        r = run(["forecast"] + main_inputs + ["--as-of", "2026-08-15", "--method", "last_year"], 0)
        rows = rows_of(r.stdout)
        check(len(rows) == 12, f"12 rows (4 partners x 3 rebates), got {len(rows)}")
        for key, (method, projected, accrual) in EXPECTED.items():
            row = rows.get(key, {})
            got = (row.get("method"), row.get("payout_projected"), row.get("accrual"))
            check(got == (method, projected, accrual), f"{key}: expected {(method, projected, accrual)}, got {got}")
        check(rows.get(("A", "volume"), {}).get("metric_projected") == "" and rows.get(("A", "volume"), {}).get("days_elapsed") == "46",
              "A volume: no tier table, day 46")
        note = [line for line in r.stderr.splitlines() if "last year's 2025-Q3" in line]
        check(len(note) == 1 and "3 partners" in note[0] and "up to 2025-08-15 (day 46)" in note[0], f"one note for the fall-backs: {note}")
        check(note and ": B, C (for the aggregates at " in note[0] and ", D (for the aggregates at " in note[0],
              f"the note names B (every aggregate), C and D (some): {note}")

        r = run(["forecast"] + main_inputs + ["--as-of", "2026-08-15", "--method", "last_year", "--format", "json"], 0)
        doc = json.loads(r.stdout or "{}")
        check((doc.get("method"), doc.get("method_text"), doc.get("last_year")) ==
              ("last_year", "last year's shape", {"period": "2025-Q3", "corresponding_day": "2025-08-15"}),
              f"JSON names the method and last year's period and day: {doc.get('method')}, {doc.get('last_year')}")
        # Totals by hand: projected 400.13 + 20 + 8 + 180 + 10 + 6 + 140 + 15 + 4 + 50 + 10 + 2 = 845.13.
        check(doc.get("totals", {}).get("payout_projected") == "845.13", f"JSON totals: {doc.get('totals')}")
        methods = {(x["partner"], x["rebate"]): x.get("method") for x in doc.get("rows", [])}
        check(methods.get(("C", "volume")) == "mixed" and methods.get(("B", "per_unit")) == "run_rate", f"JSON rows' methods: {methods}")

        r = run(["forecast"] + main_inputs + ["--as-of", "2026-08-15", "--method", "last_year", "--format", "markdown"], 0)
        check("Method: last year's shape" in r.stdout and "last year's 2025-Q3 whole / its part up to 2025-08-15" in r.stdout,
              f"Markdown explains the method: {r.stdout[:400]}")

        # The default stays run rate: A's revenue 1,500.50 x 2 = 3,001.00 -> 300.10.
        r = run(["forecast"] + main_inputs + ["--as-of", "2026-08-15"], 0)
        check(rows_of(r.stdout).get(("A", "volume"), {}).get("payout_projected") == "300.10", "without --method: run rate")
        check(rows_of(r.stdout).get(("A", "volume"), {}).get("method") == "run_rate", "without --method: named run_rate")

        # The back-test: as of the quarter's last day nothing is projected; the forecast is what `rebate run` pays.
        r = run(["forecast"] + main_inputs + ["--as-of", "2026-09-30", "--method", "last_year"], 0)
        paid = run(["run"] + main_inputs + ["--period", "2026-Q3"], 0)
        run_amounts = {(x["partner"], x["rebate"]): x["amount"] for x in csv.DictReader(io.StringIO(paid.stdout))}
        forecast_amounts = {k: v["payout_projected"] for k, v in rows_of(r.stdout).items()}
        check(run_amounts and forecast_amounts == run_amounts, f"as of 2026-09-30 the forecast is the run: {forecast_amounts} vs {run_amounts}")
        # A's run: 1,200 + 300.50 + 9,999 = 11,499.50 -> 1,149.95 (an independent check of the pair).
        check(run_amounts.get(("A", "volume")) == "1149.95", f"A's 2026-Q3 run: {run_amounts.get(('A', 'volume'))}")

        leap_inputs = program("leap", PROGRAM.replace("EFFECTIVE", "2025-01-01 .. 2025-12-31"), "id\nE\n", LEAP_SALES)
        r = run(["forecast"] + leap_inputs + ["--as-of", "2025-03-01", "--method", "last_year", "--format", "json"], 0)
        doc = json.loads(r.stdout or "{}")
        check(doc.get("last_year") == {"period": "2024-Q1", "corresponding_day": "2024-02-29"}, f"29 Feb: {doc.get('last_year')}")
        e = [x for x in doc.get("rows", []) if x["rebate"] == "volume"]
        check(e and (e[0]["payout_projected"], e[0]["accrual"], e[0]["method"]) == ("20.00", "13.33", "last_year"), f"29 Feb: E's volume {e}")

        booked_inputs = program("booked", BOOKED, "id\nF\n", BOOKED_SALES)
        r = run(["forecast"] + booked_inputs + ["--as-of", "2026-08-15", "--method", "last_year"], 0)
        f = rows_of(r.stdout).get(("F", "volume"), {})
        check((f.get("payout_to_date"), f.get("payout_projected"), f.get("method")) == ("50.00", "200.00", "last_year"),
              f"booking dates: last year's part as booked by the corresponding day: {f}")

        group_inputs = program("groups", GROUPS, "id\nP1\n", GROUP_SALES)
        for threads in ("1", "3"):
            r = run(["forecast"] + group_inputs + ["--as-of", "2026-08-15", "--method", "last_year", "--threads", threads], 0)
            g = rows_of(r.stdout).get(("P1", "per_big"), {})
            check((g.get("payout_to_date"), g.get("payout_projected"), g.get("accrual"), g.get("method")) == ("20.00", "80.00", "40.00", "last_year"),
                  f"groups, --threads {threads}: a count of group rows by last year's shape: {g}")

        # Read twice: an input that can be read once (here /dev/stdin) is a usage error before anything is read.
        once = [a if not a.startswith("sales=") else "sales=/dev/stdin" for a in main_inputs]
        r = run(["forecast"] + once + ["--as-of", "2026-08-15", "--method", "last_year"], 2)
        check("reads the inputs twice" in r.stderr and r.stdout == "", f"last_year on standard input: {r.stderr}")

        r = run(["forecast"] + main_inputs + ["--as-of", "2026-08-15", "--method", "same_as_last_year"], 2)
        check("--method" in r.stderr and r.stdout == "", f"an unknown method is a usage error: {r.stderr}")

    return checks.report("forecast_last_year")


if __name__ == "__main__":
    sys.exit(main())
