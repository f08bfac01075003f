#!/usr/bin/env python3
"""Funds (docs/language.md §27) through the real CLI, on one engine:

- claims are served in order of date then id (not file order), each paid whole while the balance covers
  it, else refused; the balance is carried from the program's first period, also when the run pays one
  later period (`--period`), whose aggregates then reach back to the fund's start;
- the payout rows (amount, status `paid` / `refused` / `zero`, basis = claimed, lines = claims, reason);
- the fund's figures in the metrics file and the JSON `metrics`; a note when they are not written;
- `--explain` shows the opening balance, the accrual, each claim and the closing balance;
- `--as-of` leaves out the claims made after it, with a note;
- bad claims (duplicate id, an amount not above zero or finer than the cent, an unknown partner, a date
  outside the effective dates) are errors naming file, line and column, whatever `--on-bad-row` says;
- a budget over every rebate leaves the fund out; `--closed-through` is refused (exit 2);
- `rebate test` runs the fund's expectations.

Every expected amount is worked out by hand in the comments.

Usage: funds.py --rebate build/bin/rebate [--engine vm]
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
program "Funds" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner_id: Text as partner  amount: Money }
claims ledger claims { id: Int as claim  partner_id: Text as partner  day: Date as date  amount: Money as amount  note: Text? }
measure revenue = sales.sum(amount)
rebate volume "Volume" { pay 1% of revenue }
fund mdf "Market development fund" {
    accrue 5% of revenue
    pay claims from claims
}
budget pool = 10 USD per quarter
test "the fund pays and refuses" {
    given partners (id) { ("P1") }
    given sales (date, partner_id, amount) { (2026-02-01, "P1", 1_000 USD) (2026-05-01, "P1", 2_000 USD) }
    given claims (id, partner_id, day, amount) { (10, "P1", 2026-03-01, 60 USD) (2, "P1", 2026-06-01, 100 USD) (9, "P1", 2026-06-01, 100 USD) }
    // Q1: 5% of 1,000 = 50 accrued; the claim of 60 is more: refused, 0 paid.
    expect mdf for "P1" in 2026-Q1 = 0 USD
    // Q2: 50 + 5% of 2,000 = 150; claim 2 (100) paid, 50 left; claim 9 (100) refused.
    expect mdf for "P1" in 2026-Q2 = 100 USD
}
"""

PARTNERS = "id\nP1\nP2\n"
# P1: Q1 1,000.10, Q2 2,000; P2: Q2 333.33.
SALES = "date,partner_id,amount\n2026-02-01,P1,1000.10\n2026-05-01,P1,2000\n2026-04-15,P2,333.33\n"
# In file order on purpose: claims 7 and 3 of P1 on the same day are served 3 then 7 (ids as numbers: 3 < 7,
# where as text "7" < "30" would not hold for claim 30).
CLAIMS = ("id,partner_id,day,amount,note\n"
          "7,P1,2026-06-10,90.00,second\n"
          "30,P1,2026-06-10,10.00,\n"
          "3,P1,2026-06-10,80.00,first\n"
          "1,P1,2026-03-31,40.00,\n"
          "5,P2,2026-05-01,20.00,\n")

# By hand (the accrual rounded half-even to the cent each quarter):
# P1 Q1: opening 0; accrued 5% x 1,000.10 = 50.005 -> 50.00 (half even: 50.00|5 -> the even 50.00);
#   claim 1 (40.00) <= 50.00: paid; closing 10.00. Payout 40.00 paid, basis 40.00, 1 claim.
# P1 Q2: opening 10.00; accrued 5% x 2,000 = 100.00; balance 110.00. Same day 2026-06-10, by id: 3, 7, 30.
#   claim 3 (80.00) <= 110.00: paid, 30.00 left; claim 7 (90.00) > 30.00: refused; claim 30 (10.00) <= 30.00:
#   paid, 20.00 left. Paid 90.00, claimed 180.00, refused 90.00, closing 20.00; status paid, reason names 7.
# P1 Q3: opening 20.00; nothing accrued, no claims: zero; closing 20.00.
# P2 Q1: nothing: zero, all 0.00.
# P2 Q2: accrued 5% x 333.33 = 16.6665 -> 16.67; claim 5 (20.00) > 16.67: refused. 0.00, status refused.
# P2 Q3: opening 16.67, closing 16.67.
# volume (1% of revenue): P1 Q1 10.001 -> 10.00, Q2 20.00; P2 Q2 3.3333 -> 3.33. The budget (10 USD per
# quarter, every rebate) covers volume only: Q2's 20.00 + 3.33 = 23.33 > 10 scales it, the fund's 90.00
# stays whole.
EXPECTED_FUND = {
    ("P1", "2026-Q1"): ["40.00", "paid", "40", "1"],
    ("P2", "2026-Q1"): ["0.00", "zero", "0", "0"],
    ("P1", "2026-Q2"): ["90.00", "paid", "180", "3"],
    ("P2", "2026-Q2"): ["0.00", "refused", "20", "1"],
    ("P1", "2026-Q3"): ["0.00", "zero", "0", "0"],
    ("P2", "2026-Q3"): ["0.00", "zero", "0", "0"],
}
# opening, accrued, claimed, paid, refused, closing
FIGURES = {
    ("P1", "2026-Q1"): ["0.00", "50.00", "40.00", "40.00", "0.00", "10.00"],
    ("P2", "2026-Q1"): ["0.00", "0.00", "0.00", "0.00", "0.00", "0.00"],
    ("P1", "2026-Q2"): ["10.00", "100.00", "180.00", "90.00", "90.00", "20.00"],
    ("P2", "2026-Q2"): ["0.00", "16.67", "20.00", "0.00", "20.00", "16.67"],
    ("P1", "2026-Q3"): ["20.00", "0.00", "0.00", "0.00", "0.00", "20.00"],
    ("P2", "2026-Q3"): ["16.67", "0.00", "0.00", "0.00", "0.00", "16.67"],
}
NAMES = ["opening", "accrued", "claimed", "paid", "refused", "closing"]


def main():
    t, args = cli_checks.CliChecks.from_command_line()
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "program.rebate").write_text(PROGRAM)
        (d / "partners.csv").write_text(PARTNERS)
        (d / "sales.csv").write_text(SALES)
        (d / "claims.csv").write_text(CLAIMS)

        def base(claims="claims.csv"):
            return ["run", str(d / "program.rebate"), "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}",
                    "--input", f"claims={d / claims}"]

        # The payouts and the figures, 2026-Q1 to Q3.
        r = t.run(base() + ["--period", "2026-Q1..2026-Q3", "--metrics", str(d / "m.csv")])
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        fund = {(x["partner"], x["period"]): [x["amount"], x["status"], x["basis"], x["lines"]] for x in rows if x["rebate"] == "mdf"}
        t.check(fund == EXPECTED_FUND, f"fund payouts: {fund}")
        reason = [x["reason"] for x in rows if x["rebate"] == "mdf" and x["partner"] == "P1" and x["period"] == "2026-Q2"]
        t.check(reason == ["claim refused: 7 (90.00 USD over a balance of 30.00 USD)"], f"P1 Q2 reason: {reason}")
        reason = [x["reason"] for x in rows if x["rebate"] == "mdf" and x["partner"] == "P2" and x["period"] == "2026-Q2"]
        t.check(reason == ["claim refused: 5 (20.00 USD over a balance of 16.67 USD)"], f"P2 Q2 reason: {reason}")
        # The budget scaled volume (23.33 -> 10.00 in all) and left the fund whole.
        q2_volume = sum(float(x["amount"]) for x in rows if x["rebate"] == "volume" and x["period"] == "2026-Q2")
        t.check(abs(q2_volume - 10.00) < 1e-9, f"budget over volume only: {q2_volume}")
        metrics = list(csv.reader(io.StringIO((d / "m.csv").read_text()))) if (d / "m.csv").exists() else []
        got = {}
        for m in metrics[1:]:
            got.setdefault((m[0], m[1]), []).append((m[2], m[3], m[4]))
        want = {k: [(f"mdf.{n}", v, "USD") for n, v in zip(NAMES, vals)] for k, vals in FIGURES.items()}
        t.check(got == want, f"fund figures: {got}")

        # One later period alone: the balance still carried from 2026-Q1.
        r = t.run(base() + ["--period", "2026-Q2", "--metrics", str(d / "m2.csv")])
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        fund = {(x["partner"], x["period"]): [x["amount"], x["status"], x["basis"], x["lines"]] for x in rows if x["rebate"] == "mdf"}
        t.check(fund == {k: v for k, v in EXPECTED_FUND.items() if k[1] == "2026-Q2"}, f"--period 2026-Q2 alone: {fund}")
        m2 = (d / "m2.csv").read_text() if (d / "m2.csv").exists() else ""
        t.check("P1,2026-Q2,mdf.opening,10.00,USD\n" in m2 and "P1,2026-Q2,mdf.closing,20.00,USD\n" in m2, f"--period figures: {m2!r}")

        # Without --metrics: a note says the fund's figures were not written.
        r = t.run(base() + ["--period", "2026-Q2"])
        t.check("`mdf` (a fund's balance)" in r.stderr, f"note about the fund's figures: {r.stderr!r}")

        # JSON: the payout and the figures.
        r = t.run(base() + ["--period", "2026-Q2", "--format", "json"])
        doc = json.loads(r.stdout) if r.returncode == 0 else {}
        p1 = [p for p in doc.get("payouts", []) if p["partner"] == "P1" and p["rebate"] == "mdf"]
        t.check(len(p1) == 1 and p1[0]["amount"] == "90.00" and p1[0]["status"] == "paid", f"JSON payout: {p1}")
        t.check({"partner": "P2", "period": "2026-Q2", "metric": "mdf.closing", "value": "16.67", "currency": "USD"} in doc.get("metrics", []),
                f"JSON figures: {doc.get('metrics')}")

        # The explanation: the balance through the quarter.
        r = t.run(["explain"] + base()[1:] + ["--partner", "P1", "--period", "2026-Q2"])
        want = ("P1 2026-Q2 mdf: 90.00 USD (paid)\n",
                "  opening balance: 10.00 USD\n  accrued in 2026-Q2: 100.00 USD (accrue 5% of revenue)\n",
                "  claim 3 of 2026-06-10: 80.00 USD paid; the balance 110.00 USD leaves 30.00 USD\n"
                "  claim 7 of 2026-06-10: 90.00 USD refused: more than the balance 30.00 USD\n"
                "  claim 30 of 2026-06-10: 10.00 USD paid; the balance 30.00 USD leaves 20.00 USD\n"
                "  closing balance: 20.00 USD\n")
        t.check(all(w in r.stdout for w in want), f"explain: {r.stdout!r}")
        t.check("P1 2026-Q2 metric mdf.closing: 20.00 USD" in r.stdout, f"explain figures: {r.stdout!r}")

        # Statements: the refused claims, the claims counted, the figures by the fund's title.
        t.run(base() + ["--period", "2026-Q2", "--metrics", str(d / "m4.csv"), "--statements", str(d / "st")])
        st = (d / "st" / "P1-2026-Q2.md").read_text() if (d / "st" / "P1-2026-Q2.md").exists() else ""
        for want in ["Refused: 7 (90.00 USD over a balance of 30.00 USD).\n", "- Based on 3 claims\n",
                     "- Market development fund: opening balance: 10.00 USD\n", "- Market development fund: closing balance: 20.00 USD\n"]:
            t.check(want in st, f"statement {want!r}: {st!r}")

        # --as-of 2026-06-09: the claims of 10 June were not made yet. P1 Q2: balance 110.00, nothing claimed.
        r = t.run(base() + ["--period", "2026-Q2", "--as-of", "2026-06-09", "--metrics", str(d / "m3.csv")])
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        fund = {x["partner"]: [x["amount"], x["status"]] for x in rows if x["rebate"] == "mdf"}
        t.check(fund == {"P1": ["0.00", "zero"], "P2": ["0.00", "refused"]}, f"--as-of payouts: {fund}")
        t.check("note: 3 claims of `claims` were made after the as-of date (2026-06-09) and were not read" in r.stderr, f"--as-of note: {r.stderr!r}")
        m3 = (d / "m3.csv").read_text() if (d / "m3.csv").exists() else ""
        t.check("P1,2026-Q2,mdf.closing,110.00,USD\n" in m3, f"--as-of closing: {m3!r}")

        # Closed periods cannot be combined with a fund.
        r = t.run(base() + ["--period", "2026-Q3", "--closed-through", "2026-Q2"], code=2)
        t.check("funds" in r.stderr, f"--closed-through refused: {r.stderr!r}")

        # Bad claims: each an error naming its file, line and column, also with --on-bad-row reject.
        bad = ("id,partner_id,day,amount,note\n"
               "1,P1,2026-03-01,10.00,\n"
               "1,P1,2026-03-02,10.00,\n"
               "2,P1,2026-03-03,0.00,\n"
               "3,P1,2026-03-04,-5.00,\n"
               "4,P1,2026-03-05,1.005,\n"
               "5,P9,2026-03-06,10.00,\n"
               "6,P1,2027-01-02,10.00,\n")
        (d / "bad.csv").write_text(bad)
        r = t.run(base("bad.csv") + ["--on-bad-row", "reject", "--rejects", str(d / "rej")], code=1)
        for line in ["bad.csv:3: column `id`: claim `1` is claimed twice (first on line 2); each claim has an id of its own",
                     "bad.csv:4: column `amount`: a claim is for an amount above zero, and this one is 0.00 USD",
                     "bad.csv:5: column `amount`: a claim is for an amount above zero, and this one is -5.00 USD",
                     "bad.csv:6: column `amount`: `1.005` has more decimal places than USD has (2); a claim is paid as claimed, to the cent",
                     "bad.csv:7: column `partner_id`: `P9` is not a partner of the program (it is not in the partner table)",
                     "bad.csv:8: column `day`: 2027-01-02 is outside the program's effective dates (2026-01-01 .. 2026-12-31)"]:
            t.check(line in r.stderr, f"bad claim error {line!r}: {r.stderr!r}")

        # rebate test: the program's test passes.
        r = t.run(["test", str(d / "program.rebate")])
        t.check("1 passed, 0 failed" in r.stdout, f"rebate test: {r.stdout!r}")
    return t.report("funds")


if __name__ == "__main__":
    sys.exit(main())
