#!/usr/bin/env python3
"""Settlement against a payments ledger (docs/language.md §22), through the real CLI, on one engine:

- a rebate settled each period (`settle against paid`): a re-run of a paid period pays the difference only,
  an overpaid period is floored at zero (`on negative floor`), and `cap ... per quarter` in a monthly
  program nets what was paid in the quarter;
- example 16 (settled over the year to date) in its last quarter: a deficit carried in the year's last
  period is said not to be recovered, and a quarter not yet in the payments file is not netted;
- the explanation shows what was earned, what was paid before and what is due, in text and JSON;
- every malformed payments row is an error naming the file, the line and the column, also with
  `--on-bad-row reject` (a payment left out would be paid again);
- rows for a rebate that does not settle are counted in a note.

Every expected amount is worked out by hand in the comments.

Usage: settlement.py --rebate build/bin/rebate --root REPO [--engine vm]
"""
import csv
import io
import json
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

MONTHLY = """
program "Monthly settlement" { currency: USD  period: month  effective: 2026-01-01 .. 2026-12-31 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner_id: Text as partner  amount: Money }
/// What was paid; `ref` is a column of its own that settlement does not read.
payments ledger paid {
    partner_id: Text as partner  rebate_name: Text as rebate from "Rebate"  period: Text as period
    amount: Money as amount  paid_on: Date as date  ref: Text
}
measure revenue = sales.sum(amount)
rebate monthly "Monthly rebate" {
    pay 10% of revenue
    settle against paid
    on negative floor
    cap 1_000 USD per quarter
}
rebate plain "Not settled" { pay 1% of revenue }
"""
PARTNERS = "id\nP1\nP2\n"
# P1: January 4,000, February 5,000, March 6,000; P2: February 2,000.
SALES = "date,partner_id,amount\n2026-01-10,P1,4000\n2026-02-10,P1,5000\n2026-03-10,P1,6000\n2026-02-05,P2,2000\n"
# P1 was paid 400 for January and 600 for February (100 more than the 500 it earned); P2 100 of its
# February's 200. The `plain` row is for a rebate that does not settle: it changes no payout.
PAID = ("partner_id,Rebate,period,amount,paid_on,ref\nP1,monthly,2026-01,400,2026-02-05,A1\n"
        "P1,monthly,2026-02,600,2026-03-05,A2\nP2,monthly,2026-02,100,2026-03-05,A3\nP1,plain,2026-01,40,2026-02-05,A4\n")


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line(root=True)
    check, run = checks.check, checks.run

    def payouts(stdout):
        return {(row["partner"], row["period"], row["rebate"]): row for row in csv.DictReader(io.StringIO(stdout))}

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        prog = d / "monthly.rebate"
        prog.write_text(MONTHLY)
        (d / "partners.csv").write_text(PARTNERS)
        (d / "sales.csv").write_text(SALES)
        (d / "paid.csv").write_text(PAID)
        inputs = ["--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}", "--input", f"paid={d / 'paid.csv'}"]

        # January, run again after it was paid: earned 10% x 4,000 = 400, paid 400: nothing more due.
        r = run(["run", str(prog)] + inputs + ["--period", "2026-01"], 0)
        p = payouts(r.stdout)
        check(p.get(("P1", "2026-01", "monthly"), {}).get("amount") == "0.00", f"P1 2026-01 paid already: 0.00 due: {p}")
        check(p.get(("P1", "2026-01", "monthly"), {}).get("status") == "zero", f"P1 2026-01: status zero: {p}")
        # `plain` is not settled: 1% of 4,000 = 40.00, whatever the payments file says about it.
        check(p.get(("P1", "2026-01", "plain"), {}).get("amount") == "40.00", f"P1 2026-01 plain 40.00, not netted: {p}")
        check("1 row of `paid` is for rebates that do not settle against it; it changes no payout" in r.stderr,
              f"a note counts the payments of rebates that do not settle: {r.stderr}")

        # February: P1 earned 500 and was paid 600: -100, floored at zero (not recovered); P2 earned 200
        # and was paid 100: 100.00 due.
        r = run(["run", str(prog)] + inputs + ["--period", "2026-02", "--format", "json", "--explain"], 0)
        doc = json.loads(r.stdout)
        by = {(x["partner"], x["rebate"]): x for x in doc["payouts"]}
        p1, p2 = by[("P1", "monthly")], by[("P2", "monthly")]
        check(p1["amount"] == "0.00" and p1["status"] == "zero", f"P1 2026-02: overpaid, floored: 0.00 zero: {p1['amount']} {p1['status']}")
        check(p1["explanation"]["steps"] == [
            "earned in 2026-02: 500.00 USD",
            "paid before for 2026-02: 600.00 USD (1 payment in `paid`)",
            "due: 500.00 USD - 600.00 USD = -100.00 USD",
            "floored at zero: 100.00 USD was paid more than earned; it is not recovered",
        ], f"P1 2026-02 explanation: earned, paid before, due, the floor: {p1['explanation']['steps']}")
        check(p2["amount"] == "100.00" and p2["status"] == "paid", f"P2 2026-02: 200 - 100 = 100.00 paid: {p2['amount']} {p2['status']}")

        # March: P1 earned 600, nothing paid for March: 600 due; but the quarter's cap of 1,000 has 400 +
        # 600 = 1,000 paid already (January and February): 0 room, 0.00.
        r = run(["run", str(prog)] + inputs + ["--period", "2026-03"], 0)
        p = payouts(r.stdout)
        check(p.get(("P1", "2026-03", "monthly"), {}).get("amount") == "0.00", f"P1 2026-03: the quarter's cap is used up: 0.00: {p}")
        r = run(["explain", str(prog)] + inputs + ["--partner", "P1", "--period", "2026-03"], 0)
        check("cap 1,000.00 USD per quarter: 1,000.00 USD paid for 2026-01 to 2026-03 leaves 0.00 USD (was 600.00 USD)" in r.stdout,
              f"P1 2026-03 explanation names the cap per quarter and what was paid: {r.stdout}")

        # ---- malformed payments rows: file, line and column, never left out ----
        bad = ("partner_id,Rebate,period,amount,paid_on,ref\n"
               "P1,monthly,2026-Q1,400,2026-02-05,B1\n"      # line 2: a quarter in a monthly program
               "P1,monthly_rebate,2026-01,400,2026-02-05,B2\n"  # line 3: no such rebate
               "P9,monthly,2026-01,400,2026-02-05,B3\n"      # line 4: no such partner
               "P1,monthly,2026-01,4x0,2026-02-05,B4\n")     # line 5: not an amount
        (d / "bad_paid.csv").write_text(bad)
        bad_inputs = inputs[:4] + ["--input", f"paid={d / 'bad_paid.csv'}"]
        for extra in ([], ["--on-bad-row", "reject", "--rejects", str(d / "rejects")]):
            r = run(["run", str(prog)] + bad_inputs + ["--period", "2026-01"] + extra, 1)
            check(r.stdout == "", f"no payouts from malformed payments {extra}: {r.stdout[:300]}")
            if extra:
                continue  # the reader's error comes first; the payments rows after it are checked below
            check(":5:" in r.stderr and "amount" in r.stderr, f"line 5's amount is an error at its cell: {r.stderr}")
        good_cells = bad.replace("4x0", "400")
        (d / "bad_paid.csv").write_text(good_cells)
        for extra in ([], ["--on-bad-row", "reject", "--rejects", str(d / "rejects")]):
            r = run(["run", str(prog)] + bad_inputs + ["--period", "2026-01"] + extra, 1)
            err = r.stderr
            check("bad_paid.csv:2: column `period`: `2026-Q1` is not a period of the program; expected its label as the payouts file writes it, like `2026-07`" in err,
                  f"line 2: a quarter in a monthly program {extra}: {err}")
            check("bad_paid.csv:3: column `rebate_name`: `monthly_rebate` is not a rebate of the program" in err, f"line 3: no such rebate {extra}: {err}")
            check("bad_paid.csv:4: column `partner_id`: `P9` is not a partner of the program (it is not in the partner table)" in err,
                  f"line 4: no such partner {extra}: {err}")
        # Three bad rows with --max-errors 2: two said, the third counted; with --max-errors 0 (no limit) all
        # three said. Either way the run stops: a payment row left out would be paid again.
        r = run(["run", str(prog)] + bad_inputs + ["--period", "2026-01", "--max-errors", "2"], 1)
        check("bad_paid.csv:3:" in r.stderr and "bad_paid.csv:4:" not in r.stderr and "1 more errors in the payments not shown" in r.stderr,
              f"--max-errors 2: two errors and a count: {r.stderr}")
        r = run(["run", str(prog)] + bad_inputs + ["--period", "2026-01", "--max-errors", "0"], 1)
        check(r.stdout == "" and all(f"bad_paid.csv:{n}:" in r.stderr for n in (2, 3, 4)) and "not shown" not in r.stderr,
              f"--max-errors 0: every error said, nothing paid: {r.stderr}")

    # ---- example 16 in the year's last quarter ----
    ex = pathlib.Path(args.root) / "examples" / "16-quarterly-true-up"
    ex_inputs = ["--input", "partners=partners.csv", "--input", "sales=sales.csv", "--input", "paid=paid.csv"]
    r = run(["run", "program.rebate"] + ex_inputs + ["--period", "2026-Q4", "--format", "json", "--explain"], 0, cwd=ex)
    doc = json.loads(r.stdout)
    by = {(x["partner"], x["rebate"]): x for x in doc["payouts"]}
    # P2 growth: year to date 80,000 against 110,000: earns 0; 1,000 paid: carried, and 2026-Q4 ends the year.
    g = by[("P2", "growth_true_up")]
    check(g["amount"] == "0.00" and g["status"] == "carried", f"P2 2026-Q4 growth: carried: {g['amount']} {g['status']}")
    check(any("2026-Q4 is the last period of the year: this rebate does not recover it" in s for s in g["explanation"]["steps"]),
          f"P2 2026-Q4: the last period says the carried deficit is not recovered: {g['explanation']['steps']}")
    # P1 volume: no 2026-Q4 sales, year to date still 130,000 x 3% = 3,900; the payments file has Q1 and Q2
    # only (1,800): 2,100 again, as Q3's payout is not in it yet (docs/language.md §22: pay the period
    # being settled).
    v = by[("P1", "volume_true_up")]
    check(v["amount"] == "2100.00", f"P1 2026-Q4 volume: 3,900 - 1,800 = 2,100.00: {v['amount']}")
    check(v["lines"] == 4, f"P1 2026-Q4 volume: the year to date's 4 ledger lines: {v['lines']}")
    # The text explanation of a clawback says why (settled, not `allow negative`).
    r = run(["explain", "program.rebate"] + ex_inputs + ["--partner", "P2", "--period", "2026-Q3"], 0, cwd=ex)
    check("clawback: the partner owes 2,300.00 USD back (it was paid more than it earned)" in r.stdout,
          f"P2 2026-Q3: the clawback's reason: {r.stdout}")
    check("paid before for 2026-Q1 to 2026-Q3: 3,900.00 USD (2 payments in `paid`)" in r.stdout, f"P2 2026-Q3: paid before: {r.stdout}")

    return checks.report("settlement")


if __name__ == "__main__":
    sys.exit(main())
