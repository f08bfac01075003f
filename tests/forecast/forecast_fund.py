#!/usr/bin/env python3
"""`rebate forecast` of a program with a fund (docs/forecast.md "Funds"), through the real CLI, on one engine.

A fund's row is not a rebate's: its accrual is the share of the days elapsed of what the fund is projected to
accrue in the period (the liability its purchases create), not of the claims it pays (which move money the
fund already holds); its figures (opening, accrued, claimed, paid, closing) come to date and projected; the
claims made by the as-of date are decided on the projected balance, and claims still to come are not projected.
Every figure below is worked out by hand; the back-test on the period's last day is compared with `rebate
run`, an independent route through the engine's ordinary run.

Usage: forecast_fund.py --rebate build/bin/rebate [--engine vm]
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
program "Fund forecast" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
partner table partners { id: Text as key }
ledger purchases { date: Date as date  partner_id: Text as partner  amount: Money }
claims ledger claims {
    id: Text as claim
    partner_id: Text as partner
    date: Date as date
    amount: Money as amount
}
measure purchased = purchases.sum(amount)
fund coop "Co-op fund" {
    accrue 2% of purchased
    pay claims from claims
}
rebate volume "Volume rebate" { pay 1% of purchased }
"""
PARTNERS = "id\nP1\nP2\nP3\n"
PURCHASES = """date,partner_id,amount
2026-05-10,P1,20000
2026-07-10,P1,10000
2026-08-01,P1,5000.50
2026-08-20,P1,9000
2026-07-31,P2,3333.33
"""
CLAIMS = """id,partner_id,date,amount
C-1,P1,2026-06-01,150
C-2,P1,2026-07-20,500
C-3,P1,2026-08-10,300
C-4,P1,2026-08-20,100
"""
# 2026-Q3 is 2026-07-01 .. 2026-09-30, 92 days; as of 2026-08-15, 46 elapsed: the factor is 2. Rounding half-even.
#
# P1, 2026-Q2: accrued 2% x 20,000 = 400.00; C-1 150 paid; closing 250.00 (the Q3 opening).
# P1, 2026-Q3 to date (the 08-20 purchase and claim C-4 are after the as-of date, not read):
#   purchased 10,000 + 5,000.50 = 15,000.50; accrued 2% = 300.01; balance 250 + 300.01 = 550.01.
#   C-2 (07-20) 500 <= 550.01: paid, 50.01 left; C-3 (08-10) 300 > 50.01: refused.
#   claimed 800.00, paid 500.00, closing 50.01; the fund's payout to date 500.00.
# P1 projected: purchased 30,001.00, accrued 600.02; balance 850.02: C-2 paid (350.02 left), C-3 paid (50.02 left).
#   paid 800.00, closing 50.02; payout projected 800.00.
#   The fund's accrual: 600.02 x 46 / 92 = 300.01 (not the claims: 800 x 46 / 92 would be 400.00).
#   volume: to date 1% x 15,000.50 = 150.005 -> 150.00; projected 1% x 30,001 = 300.01; accrual 150.005 -> 150.00.
# P2: no fund before Q3 (opening 0); to date purchased 3,333.33, accrued 66.6666 -> 66.67; projected 6,666.66,
#   accrued 133.3332 -> 133.33; no claims: payout 0 (zero), closing 66.67 / 133.33.
#   The fund's accrual: 133.33 x 46 / 92 = 66.665 -> 66.66 (half-even): from the projection, not the 66.67 to date.
#   volume: to date 33.3333 -> 33.33; projected 66.6666 -> 66.67; accrual 33.335 -> 33.34.
# P3: nothing: every figure 0.
EXPECTED = {
    # (partner, rebate): (metric, to date, projected, payout to date, projected, accrual, status projected)
    ("P1", "coop"): ("coop.accrued", "300.01", "600.02", "500.00", "800.00", "300.01", "paid"),
    ("P1", "volume"): ("", "", "", "150.00", "300.01", "150.00", "paid"),
    ("P2", "coop"): ("coop.accrued", "66.67", "133.33", "0.00", "0.00", "66.66", "zero"),
    ("P2", "volume"): ("", "", "", "33.33", "66.67", "33.34", "paid"),
    ("P3", "coop"): ("coop.accrued", "0.00", "0.00", "0.00", "0.00", "0.00", "zero"),
    ("P3", "volume"): ("", "", "", "0.00", "0.00", "0.00", "zero"),
}
FUNDS_JSON = {
    "P1": {"opening": "250.00", "accrued_to_date": "300.01", "accrued_projected": "600.02", "claimed": "800.00", "paid_to_date": "500.00",
           "paid_projected": "800.00", "expired_to_date": "0.00", "expired_projected": "0.00", "closing_to_date": "50.01", "closing_projected": "50.02"},
    "P2": {"opening": "0.00", "accrued_to_date": "66.67", "accrued_projected": "133.33", "claimed": "0.00", "paid_to_date": "0.00",
           "paid_projected": "0.00", "expired_to_date": "0.00", "expired_projected": "0.00", "closing_to_date": "66.67", "closing_projected": "133.33"},
}


def main() -> int:
    checks, _ = cli_checks.CliChecks.from_command_line()
    check, run = checks.check, checks.run

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        for name, text in (("program.rebate", PROGRAM), ("partners.csv", PARTNERS), ("purchases.csv", PURCHASES), ("claims.csv", CLAIMS)):
            (d / name).write_text(text)
        inputs = [str(d / "program.rebate"), "--input", f"partners={d / 'partners.csv'}", "--input", f"purchases={d / 'purchases.csv'}",
                  "--input", f"claims={d / 'claims.csv'}"]

        def rows_of(text):
            return {(r["partner"], r["rebate"]): r for r in csv.DictReader(io.StringIO(text))}

        # --- CSV -----------------------------------------------------------------------------------------------
        r = run(["forecast"] + inputs + ["--as-of", "2026-08-15"], 0)
        rows = rows_of(r.stdout)
        check(len(rows) == 6, f"6 rows (3 partners x a fund and a rebate), got {len(rows)}")
        for key, want in EXPECTED.items():
            row = rows.get(key, {})
            got = tuple(row.get(c) for c in ("metric", "metric_to_date", "metric_projected", "payout_to_date", "payout_projected", "accrual",
                                             "status_projected"))
            check(got == want, f"{key}: got {got}, expected {want}")
        check(rows.get(("P1", "coop"), {}).get("metric_unit") == "USD", "a fund's metric is money in the program's currency")
        check("1 claim of `claims` was made after the as-of date (2026-08-15) and was not read" in r.stderr,
              f"the claim after the as-of date is counted in a note: {r.stderr}")

        # --- JSON: the fund's figures, and the totals ------------------------------------------------------------
        r = run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--format", "json"], 0)
        try:
            doc = json.loads(r.stdout)
        except json.JSONDecodeError as e:
            doc = {}
            check(False, f"JSON: {e}: {r.stdout[:300]}")
        funds = {x["partner"]: x.get("fund") for x in doc.get("rows", []) if x["rebate"] == "coop"}
        for partner, want in FUNDS_JSON.items():
            check(funds.get(partner) == want, f"JSON {partner} fund: {funds.get(partner)}")
        check(all("fund" not in x for x in doc.get("rows", []) if x["rebate"] == "volume"), "a rebate's row has no fund figures")
        # To date 500 + 150.00 + 0 + 33.33 = 683.33; projected 800 + 300.01 + 0 + 66.67 = 1,166.68;
        # accrual 300.01 + 150.00 + 66.66 + 33.34 = 550.01.
        check(doc.get("totals") == {"payout_to_date": "683.33", "payout_projected": "1166.68", "accrual": "550.01"}, f"JSON totals: {doc.get('totals')}")

        # --- Markdown: the funds' table lists the partners with anything in their fund --------------------------
        r = run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--format", "markdown"], 0)
        md = r.stdout
        check("## Funds" in md, f"Markdown has a Funds section: {md[:600]}")
        check("| P1 | coop | 250.00 | 300.01 | 600.02 | 800.00 | 500.00 | 800.00 | 50.01 | 50.02 |" in md, f"Markdown P1's fund: {md}")
        check("| P2 | coop | 0.00 | 66.67 | 133.33 | 0.00 | 0.00 | 0.00 | 66.67 | 133.33 |" in md, f"Markdown P2's fund: {md}")
        check("| P3 | coop |" not in md.split("## Funds")[-1], "Markdown: an empty fund is not listed")
        check("a fund's: its projected accrual" in md, f"Markdown header says how a fund's accrual is made: {md[:500]}")

        # --- Back-test: as of the period's last day, the projection is the period's payout ---------------------------
        # P1 with every line: purchased 24,000.50, accrued 480.01, balance 730.01; C-2 paid (230.01), C-3 300 refused,
        # C-4 100 paid (130.01): paid 600.00. The accrual is the whole accrued 480.01 (92 of 92 days).
        f = run(["forecast"] + inputs + ["--as-of", "2026-09-30"], 0)
        p = run(["run"] + inputs + ["--period", "2026-Q3"], 0)
        forecast_rows = rows_of(f.stdout)
        paid = {(x["partner"], x["rebate"]): x["amount"] for x in csv.DictReader(io.StringIO(p.stdout))}
        check({k: v["payout_projected"] for k, v in forecast_rows.items()} == paid and len(paid) == 6,
              f"back-test: the forecast's projected payouts are `rebate run --period 2026-Q3`'s: {paid}")
        p1 = forecast_rows.get(("P1", "coop"), {})
        check((p1.get("payout_projected"), p1.get("accrual"), p1.get("metric_projected")) == ("600.00", "480.01", "480.01"),
              f"back-test P1's fund by hand: {p1}")

    return checks.report("forecast_fund")


if __name__ == "__main__":
    sys.exit(main())
