#!/usr/bin/env python3
"""Paying in the partner's currency (docs/language.md §24, "Paying in the partner's currency") through the
real CLI, on one engine:

- per partner (`payout_currency: partner.pay_in`) at the rate of the quarter's last day, rounded to each
  currency's minor unit: cents, whole yen (JPY), thousandths (KWD, BHD), half-even;
- per program (`payout_currency: EUR`) and at the quarter's average rate (`payout_fx: period_average`);
- a budget and a settled rebate: both work in the program's currency, and only what they pay is converted;
- a missing rate: a run error naming the pair, the day, the partner and the period, exit 1, nothing
  written, with or without `--on-bad-row reject`;
- what is written: the payouts and totals CSV columns, the JSON `paid` objects and `summary.paid_by_currency`,
  the run's note, the explanation.

Every expected amount is worked out by hand in the comments.

Usage: payout_currency.py --rebate build/bin/rebate [--engine vm]
"""
import csv
import io
import json
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

HEADER = 'program "Paid in partner currencies" {{ currency: USD  period: quarter  {settings} }}'
DECLS = """
partner table partners { id: Text as key  pay_in: Currency }
fx table rates { base: Currency as base  quote: Currency as quote  day: Date as date  rate: Decimal as rate }
ledger sales { date: Date as date  partner_id: Text as partner  amount: Money }
measure revenue = sales.sum(amount)
rebate volume { pay 10% of revenue }
"""
PARTNERS = "id,pay_in\nB,BHD\nE,EUR\nJ,JPY\nK,KWD\nU,USD\n"
# USD -> EUR: 0.90 from 07-01, 0.92 from 08-01, 0.95 from 09-01 (0.99 from 10-01: the next quarter's).
# USD -> JPY 149.99, USD -> KWD 0.307125, USD -> BHD 0.37605, all from 07-01.
RATES = ("base,quote,day,rate\nUSD,EUR,2026-07-01,0.90\nUSD,EUR,2026-08-01,0.92\nUSD,EUR,2026-09-01,0.95\nUSD,EUR,2026-10-01,0.99\n"
         "USD,JPY,2026-07-01,149.99\nUSD,KWD,2026-07-01,0.307125\nUSD,BHD,2026-07-01,0.37605\n")
# 10% of each partner's revenue, rounded half-even to the cent in USD:
#   B 500.00 -> 50.00;  E 1,234.56 -> 123.456 -> 123.46;  J 1,234.50 -> 123.45;  K 1,000.00 -> 100.00;  U 100.00 -> 10.00
SALES = ("date,partner_id,amount\n2026-07-10,B,500.00\n2026-08-10,E,1234.56\n2026-09-10,J,1234.50\n2026-09-30,K,1000.00\n"
         "2026-07-01,U,100.00\n")


def main() -> int:
    checks, _ = cli_checks.CliChecks.from_command_line()
    check, run = checks.check, checks.run

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        prog = d / "program.rebate"

        def program(settings, decls=DECLS):
            prog.write_text(HEADER.format(settings=settings) + decls)

        def write(partners=PARTNERS, rates=RATES, sales=SALES, extra=()):
            names = ["partners", "rates", "sales"]
            for name, text in (("partners", partners), ("rates", rates), ("sales", sales), *extra):
                (d / f"{name}.csv").write_text(text)
                if name not in names:
                    names.append(name)
            return [f"--input={n}={d / (n + '.csv')}" for n in names]

        def paid_rows(text):
            return {(row["partner"], row["rebate"]): row for row in csv.DictReader(io.StringIO(text))}

        # Per partner, at the quarter's end (2026-09-30): EUR takes the 09-01 rate 0.95.
        program("payout_currency: partner.pay_in")
        inputs = write()
        totals = d / "totals.csv"
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3", "--totals", str(totals)])
        check(r.stdout.splitlines()[0] == "partner,period,rebate,amount,currency,status,basis,band,rate,lines,reason,"
                                          "payout_amount,payout_currency,fx_rate,fx_rate_of", f"payouts header: {r.stdout[:200]}")
        rows = paid_rows(r.stdout)
        expected = {
            # 50.00 USD x 0.37605 = 18.8025 BHD -> 3 places, half-even (2 is even) -> 18.802
            "B": ("50.00", "18.802", "BHD", "0.37605"),
            # 123.46 USD x 0.95 = 117.287 EUR -> 117.29
            "E": ("123.46", "117.29", "EUR", "0.95"),
            # 123.45 USD x 149.99 = 18,516.2655 JPY -> no minor unit -> 18516
            "J": ("123.45", "18516", "JPY", "149.99"),
            # 100.00 USD x 0.307125 = 30.7125 KWD -> 3 places, half-even (2 is even) -> 30.712
            "K": ("100.00", "30.712", "KWD", "0.307125"),
            # USD paid in USD: at 1, with no row -> 10.00
            "U": ("10.00", "10.00", "USD", "1"),
        }
        for partner, (usd, paid, currency, rate) in expected.items():
            row = rows.get((partner, "volume"), {})
            got = (row.get("amount"), row.get("payout_amount"), row.get("payout_currency"), row.get("fx_rate"), row.get("fx_rate_of"))
            check(got == (usd, paid, currency, rate, "2026-09-30"), f"{partner}: {usd} USD paid as {paid} {currency} at {rate} of 2026-09-30, got {got}")
            check(row.get("currency") == "USD", f"{partner}: `currency` stays the program's: {row.get('currency')}")
        text = totals.read_text() if totals.exists() else ""
        check(text.splitlines()[:1] == ["partner,period,amount,currency,payout_amount,payout_currency"], f"totals header: {text[:120]}")
        check("E,2026-Q3,123.46,USD,117.29,EUR" in text and "J,2026-Q3,123.45,USD,18516,JPY" in text, f"totals carry what is paid: {text}")
        # The note: the amounts per currency, by code.
        check("paid in 5 currencies: 18.802 BHD, 117.29 EUR, 18,516 JPY, 30.712 KWD, 10.00 USD" in r.stderr, f"the note of totals per currency: {r.stderr}")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3", "--format", "json"])
        doc = json.loads(r.stdout) if r.returncode == 0 else {}
        e = next((p for p in doc.get("payouts", []) if p["partner"] == "E"), {})
        check(e.get("paid") == {"amount": "117.29", "currency": "EUR", "rate": "0.95", "rate_of": "2026-09-30"}, f"JSON paid: {e.get('paid')}")
        check(e.get("amount") == "123.46", f"JSON amount stays in USD: {e.get('amount')}")
        t = next((t for t in doc.get("totals", []) if t["partner"] == "J"), {})
        check((t.get("paid") or {}).get("amount") == "18516", f"JSON total paid: {t}")
        check({"currency": "KWD", "amount": "30.712"} in doc.get("summary", {}).get("paid_by_currency", []),
              f"summary.paid_by_currency: {doc.get('summary', {}).get('paid_by_currency')}")
        r = run(["explain", str(prog)] + inputs + ["--period", "2026-Q3", "--partner", "E"])
        shown = "paid in EUR: 117.29 EUR = 123.46 USD × 0.95 (USD to EUR, rate of 2026-09-30)"
        check(shown in r.stdout, f"explain shows `{shown}`:\n{r.stdout}")
        statements = d / "statements"
        run(["run", str(prog)] + inputs + ["--period", "2026-Q3", "--out", str(d / "p.csv"), "--statements", str(statements)])
        page = "".join(p.read_text() for p in statements.glob("E-*")) if statements.exists() else ""
        check(shown in page, f"E's statement shows the conversion: {page[:800]}")
        check("**Paid in EUR: 117.29 EUR**" in page, f"E's statement shows the total as paid: {page[:800]}")
        html_dir = d / "statements-html"
        run(["run", str(prog)] + inputs + ["--period", "2026-Q3", "--out", str(d / "p.csv"), "--statements", str(html_dir),
                                           "--statement-format", "html"])
        page = "".join(p.read_text() for p in html_dir.glob("E-*.html")) if html_dir.exists() else ""
        check("<td>Paid in EUR</td><td class=\"num\">117.29 EUR</td>" in page, f"E's HTML statement shows the total as paid: {page[-1500:]}")
        page = "".join(p.read_text() for p in html_dir.glob("U-*.html")) if html_dir.exists() else ""
        check("<td>Paid in USD</td>" in page and "paid-in" in page, f"U's HTML statement shows its total as paid in USD too: {page[-800:]}")

        # A missing rate: J is paid in JPY, and the table has no USD -> JPY rate: the run stops, naming the
        # pair, the day, the partner and the period, and writes nothing, with or without --on-bad-row reject.
        inputs = write(rates=RATES.replace("USD,JPY,2026-07-01,149.99\n", ""))
        out = d / "missing.csv"
        for extra in ([], ["--on-bad-row", "reject", "--rejects", str(d / "rejects.csv")]):
            r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3", "--out", str(out)] + extra, code=1)
            check("no USD to JPY rate on or before 2026-09-30 to pay in JPY in the FX table `rates`" in r.stderr
                  and "for partner J, period 2026-Q3" in r.stderr and "(`partner.pay_in`): error:" in r.stderr, f"missing rate {extra}: {r.stderr[:500]}")
            check(not out.exists(), f"nothing written on a missing rate {extra}")

        # Per program, at the quarter's average. USD -> EUR over 2026-Q3's 92 days: 31 at 0.90, 31 at 0.92,
        # 30 at 0.95: 27.90 + 28.52 + 28.50 = 84.92; 84.92 / 92 = 0.92304347826... -> 10 places, half-even:
        # 0.9230434783.
        program("payout_currency: EUR  payout_fx: period_average")
        inputs = write()
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"])
        rows = paid_rows(r.stdout)
        expected = {
            # 123.46 x 0.9230434783 = 113.9589478309... -> 113.96
            "E": "113.96",
            # 123.45 x 0.9230434783 = 113.9497173961... -> 113.95
            "J": "113.95",
            # 10.00 x 0.9230434783 = 9.230434783 -> 9.23
            "U": "9.23",
        }
        for partner, paid in expected.items():
            row = rows.get((partner, "volume"), {})
            got = (row.get("payout_amount"), row.get("payout_currency"), row.get("fx_rate"), row.get("fx_rate_of"))
            check(got == (paid, "EUR", "0.9230434783", "2026-07-01..2026-09-30"), f"{partner} at the average: {paid} EUR, got {got}")
        r = run(["explain", str(prog)] + inputs + ["--period", "2026-Q3", "--partner", "U"])
        shown = "paid in EUR: 9.23 EUR = 10.00 USD × 0.9230434783 (USD to EUR, average rate of 2026-07-01 .. 2026-09-30)"
        check(shown in r.stdout, f"explain shows `{shown}`:\n{r.stdout}")
        # A day of the quarter without a rate: the first USD -> EUR rate on 07-02 leaves 07-01 without one.
        inputs = write(rates=RATES.replace("USD,EUR,2026-07-01,0.90", "USD,EUR,2026-07-02,0.90"))
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"], code=1)
        check("no USD to EUR rate for 2026-07-01 to pay in EUR (the average over 2026-07-01 .. 2026-09-30 needs a rate in force on every day)"
              in r.stderr and "for partner B, period 2026-Q3" in r.stderr, f"average with a day without a rate: {r.stderr[:500]}")

        # A budget works in USD; only what it pays is converted. 10% of revenue: E 3,000 -> 300.00 USD,
        # U 1,000 -> 100.00 USD: 400 USD against a 200 USD budget, scaled by 200 / 400 = 0.5: E 150.00 USD,
        # U 50.00 USD. E is paid 150.00 x 0.95 = 142.50 EUR, U 50.00 USD.
        program("payout_currency: partner.pay_in", DECLS + "budget pool = 200 USD per quarter\n")
        inputs = write(partners="id,pay_in\nE,EUR\nU,USD\n", sales="date,partner_id,amount\n2026-07-10,E,3000\n2026-07-11,U,1000\n")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"])
        rows = paid_rows(r.stdout)
        got = [(rows.get((p, "volume"), {}).get("amount"), rows.get((p, "volume"), {}).get("payout_amount")) for p in ("E", "U")]
        check(got == [("150.00", "142.50"), ("50.00", "50.00")], f"budget in USD, then converted: {got}")

        # A settled rebate: earned on the year to date, paid each quarter less what `paid` says was paid, all
        # in USD. 2026-Q2 revenue 1,000 (earned 100.00), paid 100.00 USD for Q2 (as the payouts file's
        # `amount` said); Q3 revenue 500: earned to date 150.00 - paid 100.00 = 50.00 USD due, paid at the
        # Q3 end rate 0.95: 47.50 EUR. Converting what was paid back from euros would be neither.
        settled = DECLS.replace("rebate volume { pay 10% of revenue }", """
payments ledger paid { partner_id: Text as partner  rebate_name: Text as rebate  period: Text as period  amount: Money as amount  paid_on: Date as date }
rebate volume { pay 10% of revenue  settle year_to_date against paid  on negative claw back }
""")
        program("payout_currency: partner.pay_in", settled)
        inputs = write(partners="id,pay_in\nE,EUR\n", sales="date,partner_id,amount\n2026-05-10,E,1000\n2026-08-10,E,500\n",
                       extra=(("paid", "partner_id,rebate_name,period,amount,paid_on\nE,volume,2026-Q2,100.00,2026-07-15\n"),))
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3"])
        row = paid_rows(r.stdout).get(("E", "volume"), {})
        check((row.get("amount"), row.get("payout_amount"), row.get("payout_currency")) == ("50.00", "47.50", "EUR"),
              f"settled: 150.00 - 100.00 = 50.00 USD due, 47.50 EUR paid, got {row}")
        # A payments ledger whose amounts are in the payout currency is refused by the checker: what was paid
        # is recorded in the program's currency.
        prog.write_text(prog.read_text().replace("amount: Money as amount", "amount: Money(EUR) as amount"))
        r = subprocess.run([checks.rebate, "check", str(prog)], capture_output=True, text=True, timeout=60)
        check(r.returncode == 1 and "the `amount` column of a payments ledger must be Money in USD, the program's currency" in r.stdout + r.stderr,
              f"payments in EUR refused: {(r.stdout + r.stderr)[:400]}")

    return checks.report("payout_currency")


if __name__ == "__main__":
    sys.exit(main())
