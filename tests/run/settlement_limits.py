#!/usr/bin/env python3
"""A settled rebate's `floor ... per year`, and the JSON form of a settlement (docs/language.md §22), through
the real CLI, on one engine:

- `floor E per year` tops up the year's last period to E less what was paid for the year, and leaves the
  earlier periods alone (their explanation says where the floor is met);
- `explanation.settlement` in the JSON output holds the window, earned, paid before, the number of
  payments and due, for a rebate settled per period and one settled over the year to date, with a payment
  booked with more places than cents shown as it was booked.

Every expected amount is worked out by hand in the comments.

Usage: settlement_limits.py --rebate build/bin/rebate [--engine vm]
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
program "Guaranteed minimum" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner_id: Text as partner  amount: Money }
payments ledger paid {
    partner_id: Text as partner  rebate_name: Text as rebate  period: Text as period
    amount: Money as amount  paid_on: Date as date
}
measure revenue = sales.sum(amount)
rebate guaranteed "Volume rebate with a guaranteed minimum" {
    pay 2% of revenue
    settle against paid
    on negative floor
    floor 5_000 USD per year
}
rebate ytd "Earned on the year" {
    pay 1% of revenue
    settle year_to_date against paid
    on negative claw back
}
"""
PARTNERS = "id\nP1\nP2\nP3\n"
# P1: 40,000 in Q1, 50,000 in Q2, 30,000 in Q3, 60,000 in Q4. P2: 300,000 in Q4. P3: nothing.
SALES = ("date,partner_id,amount\n2026-02-10,P1,40000\n2026-05-10,P1,50000\n2026-08-10,P1,30000\n2026-11-10,P1,60000\n"
         "2026-11-20,P2,300000\n")
# `guaranteed`: P1 was paid 2% of each quarter, 800, 1,000 and 600, for Q1 to Q3.
# `ytd`: P1 was paid 400 for Q1 and 900 for Q2; P2 10.005 for Q1 (booked with three places).
PAID = ("partner_id,rebate_name,period,amount,paid_on\n"
        "P1,guaranteed,2026-Q1,800,2026-04-10\nP1,guaranteed,2026-Q2,1000,2026-07-10\nP1,guaranteed,2026-Q3,600,2026-10-10\n"
        "P1,ytd,2026-Q1,400,2026-04-10\nP1,ytd,2026-Q2,900,2026-07-10\nP2,ytd,2026-Q1,10.005,2026-04-10\n")


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line()
    check, run = checks.check, checks.run

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        prog = d / "program.rebate"
        prog.write_text(PROGRAM)
        for name, text in (("partners", PARTNERS), ("sales", SALES), ("paid", PAID)):
            (d / f"{name}.csv").write_text(text)
        inputs = [f"--input={n}={d / (n + '.csv')}" for n in ("partners", "sales", "paid")]

        def payouts(period, fmt="csv"):
            r = run(["run", str(prog)] + inputs + ["--period", period, "--format", fmt])
            if fmt == "json":
                return {(p["partner"], p["rebate"]): p for p in json.loads(r.stdout)["payouts"]} if r.returncode == 0 else {}
            return {(row["partner"], row["rebate"]): row for row in csv.DictReader(io.StringIO(r.stdout))}

        # 2026-Q4, `guaranteed`: P1 earns 2% of 60,000 = 1,200, nothing paid for Q4 yet: due 1,200; the floor
        # leaves 5,000 - (800 + 1,000 + 600) = 2,600 -> 2,600.00. P2 earns 6,000, above the 5,000 the floor
        # leaves (nothing paid): 6,000.00. P3 earns 0: the floor pays the whole minimum, 5,000.00.
        q4 = payouts("2026-Q4")
        got = {k[0]: (v["amount"], v["status"]) for k, v in q4.items() if k[1] == "guaranteed"}
        check(got == {"P1": ("2600.00", "paid"), "P2": ("6000.00", "paid"), "P3": ("5000.00", "paid")}, f"floor per year in Q4: {got}")

        # The floor is paid only to a partner that qualifies in the year's last period: with `require revenue
        # > 0 USD`, P3 (no Q4 revenue) does not meet the gate and gets 0.00; P1 still gets 2,600.00.
        gated = d / "gated.rebate"
        gated.write_text(PROGRAM.replace("    pay 2% of revenue\n    settle against paid", "    require revenue > 0 USD\n    pay 2% of revenue\n    settle against paid"))
        r = run(["run", str(gated)] + inputs + ["--period", "2026-Q4"])
        got = {(row["partner"], row["rebate"]): (row["amount"], row["status"]) for row in csv.DictReader(io.StringIO(r.stdout))}
        check(got.get(("P3", "guaranteed")) == ("0.00", "gate not met") and got.get(("P1", "guaranteed")) == ("2600.00", "paid"),
              f"floor per year, gate not met: {got}")

        # 2026-Q3 again (a re-run; 600 was paid for it): earned 600, paid 600, due 0 -> 0.00. The floor is not
        # met before the year's last period: P3 earns nothing and is paid nothing in Q3.
        q3 = payouts("2026-Q3")
        got = {k[0]: (v["amount"], v["status"]) for k, v in q3.items() if k[1] == "guaranteed"}
        check(got == {"P1": ("0.00", "zero"), "P2": ("0.00", "zero"), "P3": ("0.00", "zero")}, f"floor per year in Q3: {got}")

        r = run(["explain", str(prog)] + inputs + ["--partner", "P1", "--period", "2026-Q4"])
        check("paid for 2026-Q1 to 2026-Q4 leaves 2,600.00 USD to reach it (was 1,200.00 USD)" in r.stdout, f"explain Q4: {r.stdout}")
        r = run(["explain", str(prog)] + inputs + ["--partner", "P3", "--period", "2026-Q3"])
        check("per year: met by the payout of 2026-Q4, the year's last period" in r.stdout, f"explain Q3: {r.stdout}")

        # JSON, 2026-Q4 `guaranteed`, P1: the window is the period; earned 1,200, nothing paid for it, due 1,200
        # (the amount, 2,600, is after the floor).
        j4 = payouts("2026-Q4", "json")
        st = j4.get(("P1", "guaranteed"), {}).get("explanation", {}).get("settlement")
        check(st == {"window": "2026-Q4", "earned": "1200.00", "paid_before": "0.00", "payments": 0, "due": "1200.00"}
              and j4.get(("P1", "guaranteed"), {}).get("amount") == "2600.00", f"JSON settlement, Q4 guaranteed: {st}")

        # JSON, 2026-Q3 `ytd`: P1 earned 1% of 40,000 + 50,000 + 30,000 = 1,200 over Q1..Q3, was paid 400 + 900 =
        # 1,300 in 2 payments: due -100 -> a clawback of -100.00. P2 earned 0 over Q1..Q3 (its sales are in Q4)
        # and was paid 10.005: due -10.005, shown as booked; the payout rounds it half-even to -10.00.
        j3 = payouts("2026-Q3", "json")
        st = j3.get(("P1", "ytd"), {}).get("explanation", {}).get("settlement")
        check(st == {"window": "2026-Q1..2026-Q3", "earned": "1200.00", "paid_before": "1300.00", "payments": 2, "due": "-100.00"}
              and j3.get(("P1", "ytd"), {}).get("amount") == "-100.00" and j3.get(("P1", "ytd"), {}).get("status") == "clawback",
              f"JSON settlement, Q3 ytd P1: {j3.get(('P1', 'ytd'))}")
        st = j3.get(("P2", "ytd"), {}).get("explanation", {}).get("settlement")
        check(st == {"window": "2026-Q1..2026-Q3", "earned": "0.00", "paid_before": "10.005", "payments": 1, "due": "-10.005"}
              and j3.get(("P2", "ytd"), {}).get("amount") == "-10.00", f"JSON settlement, Q3 ytd P2: {j3.get(('P2', 'ytd'))}")
        # An unsettled payout has no settlement object: none here is unsettled, so check the JSON of a
        # program without settlement instead.
        plain = d / "plain.rebate"
        plain.write_text(PROGRAM.split("rebate guaranteed")[0] + 'rebate plain "Plain" { pay 2% of revenue }\n')
        (d / "none-paid.csv").write_text(PAID.splitlines()[0] + "\n")  # its rows name rebates `plain` does not have
        plain_inputs = inputs[:2] + [f"--input=paid={d / 'none-paid.csv'}"]
        r = run(["run", str(plain)] + plain_inputs + ["--period", "2026-Q4", "--format", "json"])
        if r.returncode == 0:
            check(all("settlement" not in p["explanation"] for p in json.loads(r.stdout)["payouts"]), "an unsettled payout has a settlement")

    return checks.report("settlement_limits")


if __name__ == "__main__":
    sys.exit(main())
