#!/usr/bin/env python3
"""A fund whose accruals expire (docs/language.md §27, "Expiry: `expire after`") through the real CLI, on one
engine: claims take the oldest money first, returns take back the newest, a debt is paid off before a new
lot forms, and what is left of a period's accrual lapses at the end of its last period; the seventh figure
(`expired`) in the metrics; the explanation's lapse line; `6 months` and `2 quarters` the same expiry; the
degenerate `expire after 1 quarter`; `rebate test` on an expiring fund.

Every expected amount is worked out by hand in the comments.

Usage: fund_expiry.py --rebate build/bin/rebate [--engine vm]
"""
import csv
import io
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

PROGRAM = """
program "Expiring fund" {{ currency: USD  period: quarter  effective: 2026-01-01 .. 2027-12-31 }}
partner table partners {{ id: Text as key }}
ledger sales {{ date: Date as date  partner_id: Text as partner  amount: Money }}
claims ledger claims {{ id: Text as claim  partner_id: Text as partner  day: Date as date  amount: Money as amount }}
measure revenue = sales.sum(amount)
fund coop "Co-op fund" {{
    accrue 10% of revenue
    pay claims from claims
    expire after {expiry}
}}
test "the first quarter's money lapses after two quarters" {{
    given partners (id) {{ ("P1") }}
    given sales (date, partner_id, amount) {{ (2026-02-01, "P1", 1_000 USD) (2026-08-01, "P1", 500 USD) }}
    given claims (id, partner_id, day, amount) {{ ("A", "P1", 2026-09-01, 60 USD) }}
    // Q1 accrues 100 and lapses at the end of Q2 unclaimed; Q3 accrues 50: the claim of 60 is refused.
    expect coop for "P1" in 2026-Q3 = 0 USD
}}
"""
PARTNERS = "id\nP1\n"
SALES = """date,partner_id,amount
2026-02-01,P1,1000
2026-05-01,P1,500
2026-08-01,P1,-300
2026-11-01,P1,-100
2027-02-01,P1,400
"""
CLAIMS = """id,partner_id,day,amount
C1,P1,2026-03-01,30
C2,P1,2026-06-01,40
C3,P1,2026-09-01,25
C4,P1,2026-12-01,5
C5,P1,2027-03-01,30
"""
NAMES = ["opening", "accrued", "claimed", "paid", "refused", "expired", "closing"]
# expire after 2 quarters: a quarter's accrual pays claims of that quarter and the next, then lapses.
# 2026-Q1: accrues 100 (a lot of Q1); C1 30 paid from it (70 left). Closing 70.
# 2026-Q2: accrues 50 (a lot of Q2); balance 120; C2 40 paid from the oldest, Q1's (30 left); balance 80.
#          At the end of Q2, Q1's lot lapses: 30 expired. Closing 70 + 50 - 40 - 30 = 50 (Q2's lot).
# 2026-Q3: accrues 10% of -300 = -30: taken back from the newest lot, Q2's (20 left); balance 20.
#          C3 25 > 20: refused. At the end of Q3, Q2's lot lapses: 20 expired. Closing 0.
# 2026-Q4: accrues -10 with no lot left: a debt of 10, balance -10. C4 5 refused. A debt does not lapse. Closing -10.
# 2027-Q1: accrues 40: 10 pays the debt, a lot of 30; C5 30 = the balance: paid. Closing 0.
EXPECTED_2Q = {
    "2026-Q1": (["0.00", "100.00", "30.00", "30.00", "0.00", "0.00", "70.00"], "paid"),
    "2026-Q2": (["70.00", "50.00", "40.00", "40.00", "0.00", "30.00", "50.00"], "paid"),
    "2026-Q3": (["50.00", "-30.00", "25.00", "0.00", "25.00", "20.00", "0.00"], "refused"),
    "2026-Q4": (["0.00", "-10.00", "5.00", "0.00", "5.00", "0.00", "-10.00"], "refused"),
    "2027-Q1": (["-10.00", "40.00", "30.00", "30.00", "0.00", "0.00", "0.00"], "paid"),
}
# expire after 1 quarter: a quarter's accrual pays that quarter's claims only.
# Q1: 100, C1 30 paid, 70 expired, closing 0. Q2: 50, C2 40 paid, 10 expired, closing 0.
# Q3: -30: a debt of 30 (balance -30); C3 refused; closing -30. Q4: -10: debt 40; C4 refused; closing -40.
# 2027-Q1: 40 pays the debt (balance 0); C5 30 refused; closing 0.
EXPECTED_1Q = {
    "2026-Q1": (["0.00", "100.00", "30.00", "30.00", "0.00", "70.00", "0.00"], "paid"),
    "2026-Q2": (["0.00", "50.00", "40.00", "40.00", "0.00", "10.00", "0.00"], "paid"),
    "2026-Q3": (["0.00", "-30.00", "25.00", "0.00", "25.00", "0.00", "-30.00"], "refused"),
    "2026-Q4": (["-30.00", "-10.00", "5.00", "0.00", "5.00", "0.00", "-40.00"], "refused"),
    "2027-Q1": (["-40.00", "40.00", "30.00", "0.00", "30.00", "0.00", "0.00"], "refused"),
}


def main():
    t, _ = cli_checks.CliChecks.from_command_line()
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        for name, text in (("partners.csv", PARTNERS), ("sales.csv", SALES), ("claims.csv", CLAIMS)):
            (d / name).write_text(text)
        inputs = ["--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}", "--input", f"claims={d / 'claims.csv'}"]

        def run(expiry, extra):
            program = d / f"program-{expiry.replace(' ', '-')}.rebate"
            program.write_text(PROGRAM.format(expiry=expiry))
            return program, t.run(["run", str(program)] + inputs + ["--period", "2026-Q1..2027-Q1"] + extra)

        outputs = {}
        for expiry, expected in (("2 quarters", EXPECTED_2Q), ("6 months", EXPECTED_2Q), ("1 quarter", EXPECTED_1Q)):
            metrics = d / f"metrics-{expiry.replace(' ', '-')}.csv"
            program, r = run(expiry, ["--metrics", str(metrics)])
            outputs[expiry] = r.stdout
            paid = {x["period"]: (x["amount"], x["status"]) for x in csv.DictReader(io.StringIO(r.stdout))}
            want = {period: (figures[3], status) for period, (figures, status) in expected.items()}
            t.check(paid == want, f"expire after {expiry}: payouts {paid}, expected {want}")
            got = {}
            for m in csv.DictReader(io.StringIO(metrics.read_text() if metrics.exists() else "")):
                got.setdefault(m["period"], []).append((m["metric"], m["value"]))
            want = {period: [(f"coop.{n}", v) for n, v in zip(NAMES, figures)] for period, (figures, _) in expected.items()}
            t.check(got == want, f"expire after {expiry}: figures {got}, expected {want}")
        t.check(outputs["2 quarters"] == outputs["6 months"], "`6 months` and `2 quarters` are the same expiry in a quarterly program")

        # The explanation says what lapsed, and when it accrued.
        program = d / "program-2-quarters.rebate"
        r = t.run(["explain", str(program)] + inputs + ["--period", "2026-Q2", "--partner", "P1"])
        for line in ["claim C2 of 2026-06-01: 40.00 USD paid; the balance 120.00 USD leaves 80.00 USD",
                     "expired at the end of 2026-Q2: 30.00 USD of what accrued in 2026-Q1 (expire after 2 quarters)",
                     "closing balance: 50.00 USD"]:
            t.check(line in r.stdout, f"explain shows {line!r}:\n{r.stdout}")

        # rebate test runs the program's test on the expiring fund.
        r = t.run(["test", str(program)])
        t.check("1 passed, 0 failed" in r.stdout, f"rebate test: {r.stdout!r}")
    return t.report("fund_expiry")


if __name__ == "__main__":
    sys.exit(main())
