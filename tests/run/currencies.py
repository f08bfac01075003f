#!/usr/bin/env python3
"""Currencies (docs/language.md §24) through the real CLI, on one engine:

- `convert(..., at: period_average)`: the mean of the rates in force on each day of the period, rounded
  half-even to 10 places, worked out by hand below;
- a line whose pair has no rate on or before its date: a runtime error naming the pair and the day, exit 1,
  nothing written (and the same with `--on-bad-row reject`: a missing rate is never skipped);
- FX table rows that are wrong: two rates of one pair on one day (both lines named), a rate that is not
  above zero, a rate from a currency to itself; a currency cell that is not an ISO code (a malformed row
  with file, line and column);
- the explanation (text and JSON) and the statement show the rate each conversion used.

Every expected amount is worked out by hand in the comments.

Usage: currencies.py --rebate build/bin/rebate [--engine vm]
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
program "Currencies" { currency: EUR  period: quarter }
partner table partners { id: Text as key }
fx table rates { base: Currency as base  quote: Currency as quote  day: Date as date  rate: Decimal as rate }
ledger sales { date: Date as date  partner_id: Text as partner  currency: Currency  amount: Money(currency) }
ledger uk { date: Date as date  partner_id: Text as partner  amount: Money(GBP) }
measure revenue = sales.sum(convert(amount, to: EUR, at: line_date))
measure uk_gbp = uk.sum(amount)
rebate volume { pay 2% of revenue }
rebate average { pay 10% of convert(uk_gbp, to: EUR, at: period_average) }
rebate quarter_end { pay 10% of convert(uk_gbp, to: EUR, at: period_end) }
"""
PARTNERS = "id\nP1\nP2\n"
# GBP -> EUR: 1.10 from 07-01, 1.20 from 08-01, 1.30 from 09-01. CHF -> EUR: 1.05 from 07-10.
RATES = ("base,quote,day,rate\nGBP,EUR,2026-07-01,1.10\nGBP,EUR,2026-08-01,1.20\nGBP,EUR,2026-09-01,1.30\n"
         "CHF,EUR,2026-07-10,1.05\n")
# P1: 100 EUR on 07-02 (rate 1) + 200 GBP on 08-15 (1.20: 240) + 300 CHF on 09-30 (1.05: 315) = 655 EUR;
# volume 2% = 13.10. P2: 50 GBP on 07-31 (1.10: 55) -> 1.10.
SALES = ("date,partner_id,currency,amount\n2026-07-02,P1,EUR,100\n2026-08-15,P1,GBP,200\n2026-09-30,P1,CHF,300\n"
         "2026-07-31,P2,GBP,50\n")
# P1: 1,000 GBP of UK services in the quarter.
UK = "date,partner_id,amount\n2026-07-15,P1,400\n2026-09-20,P1,600\n"


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line()
    check, run = checks.check, checks.run

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        prog = d / "program.rebate"
        prog.write_text(PROGRAM)

        def write(partners=PARTNERS, rates=RATES, sales=SALES, uk=UK):
            for name, text in (("partners", partners), ("rates", rates), ("sales", sales), ("uk", uk)):
                (d / f"{name}.csv").write_text(text)
            return [f"--input={n}={d / (n + '.csv')}" for n in ("partners", "rates", "sales", "uk")]

        inputs = write()
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"])
        got = {(row["partner"], row["rebate"]): row["amount"] for row in csv.DictReader(io.StringIO(r.stdout))}
        check(got.get(("P1", "volume")) == "13.10", f"P1 volume: 100 + 200 x 1.20 + 300 x 1.05 = 655 EUR x 2% = 13.10, got {got.get(('P1', 'volume'))}")
        check(got.get(("P2", "volume")) == "1.10", f"P2 volume: 50 GBP x 1.10 (07-31 takes the 07-01 rate) = 55 x 2% = 1.10, got {got.get(('P2', 'volume'))}")
        # The daily rates of 2026-Q3 (92 days): 31 days at 1.10, 31 at 1.20, 30 at 1.30: 34.1 + 37.2 + 39.0 =
        # 110.3; 110.3 / 92 = 1.19891304347826... -> 10 places, half-even: 1.1989130435. 1,000 GBP x that =
        # 1,198.9130435 EUR x 10% = 119.89130435 -> 119.89.
        check(got.get(("P1", "average")) == "119.89", f"P1 average: 1,000 GBP x 1.1989130435 x 10% = 119.89, got {got.get(('P1', 'average'))}")
        # Quarter end: the 09-01 rate, in force on 09-30: 1,000 x 1.30 x 10% = 130.00.
        check(got.get(("P1", "quarter_end")) == "130.00", f"P1 quarter_end: 1,000 GBP x 1.30 x 10% = 130.00, got {got.get(('P1', 'quarter_end'))}")
        check(got.get(("P2", "average")) == "0.00", f"P2 has no UK services: 0.00, got {got.get(('P2', 'average'))}")

        # The explanation shows the rates: the one of the quarter's end with the amount before and after,
        # the average, and the rates the lines took.
        r = run(["explain", str(prog)] + inputs + ["--period", "2026-Q3", "--partner", "P1"])
        text = r.stdout
        for expected in ["rate GBP to EUR = 1.3 (in force on 2026-09-30 (period_end): 1,000.00 GBP is 1,300.00 EUR)",
                         "rate GBP to EUR = 1.1989130435 (the average of the daily rates 2026-07-01 .. 2026-09-30 (period_average): 1,000.00 GBP is 1,198.91 EUR)",
                         "rate GBP to EUR = 1.1 from 2026-07-01, 1.2 from 2026-08-01, 1.3 from 2026-09-01 (each line at the rate of its date (line_date))",
                         "rate CHF to EUR = 1.05 from 2026-07-10 (each line at the rate of its date (line_date))"]:
            check(expected in text, f"explain shows `{expected}`:\n{text}")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3", "--format", "json"])
        rates = [e for p in json.loads(r.stdout)["payouts"] if p["partner"] == "P1" and p["rebate"] == "quarter_end"
                 for e in p["explanation"]["trace"] if e["kind"] == "rate"] if r.returncode == 0 else []
        check(len(rates) == 1 and rates[0]["name"] == "GBP to EUR" and rates[0]["value"] == "1.3", f"JSON trace: one rate entry, GBP to EUR 1.3: {rates}")
        for fmt_, shown in (("md", "- Exchange rate GBP to EUR: 1.3 (in force on 2026-09-30 (period_end)"),
                            ("html", "Exchange rate GBP to EUR: <strong>1.3</strong>")):
            statements = d / f"statements-{fmt_}"
            run(["run", str(prog)] + inputs + ["--period", "2026-Q3", "--out", str(d / "p.csv"), "--statements", str(statements),
                 "--statement-format", fmt_])
            pages = "".join(p.read_text() for p in statements.rglob("*P1*") if p.is_file()) if statements.exists() else ""
            check(shown in pages, f"P1's {fmt_} statement shows the quarter-end rate: {pages[:600]}")

        # A missing rate: a CHF line before the first CHF rate (07-10).
        out = d / "out.csv"
        inputs = write(sales=SALES + "2026-07-05,P2,CHF,10\n")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3", "--out", str(out)], code=1)
        check("no CHF to EUR rate on or before 2026-07-05 in the FX table `rates`, for ledger `sales` line 6" in r.stderr,
              f"missing rate: {r.stderr[:400]}")
        check(not out.exists(), "nothing written on a missing rate")
        # With --on-bad-row reject the line is left out, noted, and written to the rejects file with why.
        rejects = d / "rejects.csv"
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3", "--out", str(out), "--on-bad-row", "reject", "--rejects", str(rejects)])
        got = {(row["partner"], row["rebate"]): row["amount"] for row in csv.DictReader(io.StringIO(out.read_text()))} if out.exists() else {}
        check(got.get(("P2", "volume")) == "1.10", f"reject: P2's CHF line left out, volume 1.10 as without it, got {got.get(('P2', 'volume'))}")
        check("1 line of `sales` needs an exchange rate the FX table does not have; it was left out" in r.stderr, f"reject note: {r.stderr[:400]}")
        left = pathlib.Path(str(rejects) + ".sales.missing-rates.csv")
        text = left.read_text() if left.exists() else ""
        check("2026-07-05,P2,CHF,10" in text and "no CHF to EUR rate on or before 2026-07-05 in the FX table `rates`" in text and ",6," in text,
              f"rejects file holds the line, its number and why: {text!r}")
        # A first GBP rate on 07-02: the lines are after it, but the average needs one on 07-01 too.
        inputs = write(rates=RATES.replace("GBP,EUR,2026-07-01,1.10\n", "GBP,EUR,2026-07-02,1.10\n"))
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"], code=1)
        check("no GBP to EUR rate for 2026-07-01 (the average over 2026-07-01 .. 2026-09-30 needs a rate in force on every day)" in r.stderr,
              f"average with a day without a rate: {r.stderr[:400]}")

        # Bad FX rows.
        inputs = write(rates=RATES + "GBP,EUR,2026-08-01,1.21\n")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"], code=1)
        check("rates.csv:6: a second GBP to EUR rate for 2026-08-01 (the first is on line 3); keep one of them" in r.stderr, f"duplicate rate: {r.stderr[:400]}")
        inputs = write(rates=RATES + "USD,EUR,2026-07-01,0\n")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"], code=1)
        check("rates.csv:6: column `rate`: a rate is above zero, and this one is 0" in r.stderr, f"zero rate: {r.stderr[:400]}")
        inputs = write(rates=RATES + "EUR,EUR,2026-07-01,1\n")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"], code=1)
        check("rates.csv:6: column `quote`: a rate from EUR to itself" in r.stderr, f"rate to itself: {r.stderr[:400]}")
        inputs = write(sales=SALES + "2026-07-05,P2,EURO,10\n")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"], code=1)
        check("sales.csv:6" in r.stderr and "`EURO`" in r.stderr and "an ISO 4217 currency code in capitals, like EUR" in r.stderr,
              f"a currency cell that is not a code: {r.stderr[:400]}")
        inputs = write(sales=SALES + "2026-07-05,P2,GBP,10 GBP\n")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"], code=1)
        check("sales.csv:6" in r.stderr, f"an amount cell with a code in a line-currency column: {r.stderr[:400]}")

    return checks.report("currencies")


if __name__ == "__main__":
    sys.exit(main())
