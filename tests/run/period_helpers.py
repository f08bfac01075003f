#!/usr/bin/env python3
"""The parts of the current period (docs/language.md §4, "The current period") through the real CLI, on
one engine: `period.quarter_of_year`, `period.month_of_year` and `period.is_first_of_year` in rebates
and in a line filter, on calendar months (tests/sql/programs/period_parts.rebate), on a fiscal 4-4-5
calendar (tests/sql/programs/fiscal_period_parts.rebate, where fiscal and calendar numbers differ), and
on calendar quarters; and `rebate check` refusing a part the program's period does not have (E0319).

Every expected amount is worked out by hand in the comments.

Usage: period_helpers.py --rebate build/bin/rebate --root . [--engine vm]
"""
import csv
import io
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

# Calendar months. P1's sales: 2026-01-10 1,000; 02-15 2,000; 03-31 3,000; 04-01 4,000; 06-30 500. P2's:
# 2026-03-01 10,000.
#   by_quarter (quarter number x 1% of the month's revenue): P1 Jan 1% x 1,000 = 10.00, Feb 1% x 2,000 =
#     20.00, Mar 1% x 3,000 = 30.00, Apr 2% x 4,000 = 80.00, May 0, Jun 2% x 500 = 10.00; P2 Mar 1% x
#     10,000 = 100.00.
#   kickoff (100 USD in the year's first month): January only, for both partners, P2 without sales too.
#   closing (2% of the lines of a quarter's last month, filtered by the line's period): P1 Mar 2% x 3,000
#     = 60.00, Jun 2% x 500 = 10.00 (the 04-01 line is in April: not counted); P2 Mar 2% x 10,000 = 200.00.
CALENDAR = {
    ("P1", "2026-01"): {"by_quarter": "10.00", "kickoff": "100.00", "closing": "0.00"},
    ("P1", "2026-02"): {"by_quarter": "20.00", "kickoff": "0.00", "closing": "0.00"},
    ("P1", "2026-03"): {"by_quarter": "30.00", "kickoff": "0.00", "closing": "60.00"},
    ("P1", "2026-04"): {"by_quarter": "80.00", "kickoff": "0.00", "closing": "0.00"},
    ("P1", "2026-05"): {"by_quarter": "0.00", "kickoff": "0.00", "closing": "0.00"},
    ("P1", "2026-06"): {"by_quarter": "10.00", "kickoff": "0.00", "closing": "10.00"},
    ("P2", "2026-01"): {"by_quarter": "0.00", "kickoff": "100.00", "closing": "0.00"},
    ("P2", "2026-02"): {"by_quarter": "0.00", "kickoff": "0.00", "closing": "0.00"},
    ("P2", "2026-03"): {"by_quarter": "100.00", "kickoff": "0.00", "closing": "200.00"},
    ("P2", "2026-04"): {"by_quarter": "0.00", "kickoff": "0.00", "closing": "0.00"},
    ("P2", "2026-05"): {"by_quarter": "0.00", "kickoff": "0.00", "closing": "0.00"},
    ("P2", "2026-06"): {"by_quarter": "0.00", "kickoff": "0.00", "closing": "0.00"},
}

# retail_445 (FY2026 from 2026-02-01, weeks 4-4-5). The fiscal months: FY2025-P12 2025-12-28 .. 2026-01-31
# (5 weeks; FY2025 started 364 days before 2026-02-01), FY2026-P01 02-01 .. 02-28, P02 03-01 .. 03-28, P03
# 03-29 .. 05-02 (5 weeks), P04 05-03 .. 05-30, P05 05-31 .. 06-27. P1's sales: 2026-01-20 1,000 (P12:
# month 12, quarter 4, though January in the calendar); 02-01 2,000 (P01: 1, 1); 03-28 3,000 (P02: 2, 1);
# 03-29 4,000 (P03: 3, 1); 05-03 5,000 (P04: month 4, quarter 2, though May in the calendar).
#   by_month (fiscal month x 1%): P12 12% x 1,000 = 120.00; P01 1% x 2,000 = 20.00; P02 2% x 3,000 =
#     60.00; P03 3% x 4,000 = 120.00; P04 4% x 5,000 = 200.00; P05 0.
#   by_quarter (fiscal quarter x 1%): P12 4% x 1,000 = 40.00; P01 1% x 2,000 = 20.00; P02 1% x 3,000 =
#     30.00; P03 1% x 4,000 = 40.00; P04 2% x 5,000 = 100.00; P05 0.
#   kickoff: FY2026-P01 only (FY2025-P12 is the last of its year), for P1 and P2.
FISCAL = {
    "FY2025-P12": {"by_month": "120.00", "by_quarter": "40.00", "kickoff": "0.00"},
    "FY2026-P01": {"by_month": "20.00", "by_quarter": "20.00", "kickoff": "100.00"},
    "FY2026-P02": {"by_month": "60.00", "by_quarter": "30.00", "kickoff": "0.00"},
    "FY2026-P03": {"by_month": "120.00", "by_quarter": "40.00", "kickoff": "0.00"},
    "FY2026-P04": {"by_month": "200.00", "by_quarter": "100.00", "kickoff": "0.00"},
    "FY2026-P05": {"by_month": "0.00", "by_quarter": "0.00", "kickoff": "0.00"},
}

# Calendar quarters: quarter number x 1% of revenue, and 50 USD in the first quarter. P1 sells 1,000 on
# 2026-02-10 (Q1: 1% x 1,000 = 10.00, kickoff 50.00) and 1,000 on 2026-08-10 (Q3: 3% x 1,000 = 30.00).
QUARTERLY = """
program "Quarterly parts" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner_id: Text as partner  amount: Money }
measure revenue = sales.sum(amount)
rebate climbing { pay (period.quarter_of_year * 1%) of revenue }
rebate kickoff { pay if period.is_first_of_year then 50 USD else 0 USD }
"""
QUARTERLY_SALES = "date,partner_id,amount\n2026-02-10,P1,1000\n2026-08-10,P1,1000\n"
QUARTERLY_EXPECTED = {
    "2026-Q1": {"climbing": "10.00", "kickoff": "50.00"},
    "2026-Q2": {"climbing": "0.00", "kickoff": "0.00"},
    "2026-Q3": {"climbing": "30.00", "kickoff": "0.00"},
    "2026-Q4": {"climbing": "0.00", "kickoff": "0.00"},
}

# A monthly part in a quarterly program: E0319, exit 1.
MONTH_IN_QUARTER = QUARTERLY.replace("pay (period.quarter_of_year * 1%)", "pay (period.month_of_year * 1%)")


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line(root=True)
    check, run = checks.check, checks.run
    programs = pathlib.Path(args.root).resolve() / "tests" / "sql" / "programs"

    def payouts(argv, cwd):
        r = run(["run"] + argv + ["--format", "csv"], cwd=cwd)
        return {(row["partner"], row["period"], row["rebate"]): row["amount"] for row in csv.DictReader(io.StringIO(r.stdout))}

    def args_of(name):
        return [a for a in (programs / f"{name}.args").read_text().splitlines() if a.strip()]

    got = payouts([f"{programs / 'period_parts.rebate'}"] + args_of("period_parts"), programs)
    for (partner, period), amounts in CALENDAR.items():
        for rebate, amount in amounts.items():
            check(got.get((partner, period, rebate)) == amount,
                  f"calendar months: {partner} {period} {rebate}: {got.get((partner, period, rebate))}, expected {amount}")
    check(len(got) == 2 * 6 * 3, f"calendar months: {len(got)} payouts, expected 36")

    got = payouts([f"{programs / 'fiscal_period_parts.rebate'}"] + args_of("fiscal_period_parts"), programs)
    for period, amounts in FISCAL.items():
        for rebate, amount in amounts.items():
            check(got.get(("P1", period, rebate)) == amount,
                  f"fiscal months: P1 {period} {rebate}: {got.get(('P1', period, rebate))}, expected {amount}")
            p2 = "100.00" if rebate == "kickoff" and period == "FY2026-P01" else "0.00"
            check(got.get(("P2", period, rebate)) == p2, f"fiscal months: P2 {period} {rebate}: {got.get(('P2', period, rebate))}, expected {p2}")
    check(len(got) == 2 * 6 * 3, f"fiscal months: {len(got)} payouts, expected 36")

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "q.rebate").write_text(QUARTERLY)
        (d / "partners.csv").write_text("id\nP1\n")
        (d / "sales.csv").write_text(QUARTERLY_SALES)
        inputs = ["--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}"]
        got = payouts([str(d / "q.rebate")] + inputs, d)
        for period, amounts in QUARTERLY_EXPECTED.items():
            for rebate, amount in amounts.items():
                check(got.get(("P1", period, rebate)) == amount, f"quarters: {period} {rebate}: {got.get(('P1', period, rebate))}, expected {amount}")

        (d / "bad.rebate").write_text(MONTH_IN_QUARTER)
        r = run(["run", str(d / "bad.rebate")] + inputs, code=1)
        check("E0319" in r.stderr and "period.month_of_year" in r.stderr, f"month_of_year in a quarterly program: {r.stderr[:400]}")

    return checks.report("period_helpers")


if __name__ == "__main__":
    sys.exit(main())
