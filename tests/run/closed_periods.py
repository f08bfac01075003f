#!/usr/bin/env python3
"""Closed periods and adjustment payouts (docs/language.md §23), through the real CLI, on one engine:

- `--closed-through 2026-Q2 --closed-on 2026-07-10`: the run pays only open periods; for each partner with
  lines dated in a closed period and booked after the close, the first open period carries an
  `adjustment` per rebate: the period recomputed with every line, less what the payments ledger says
  was paid (a rebate settled against it: its re-run is that difference; one settled over the year to
  date: the current payout trues up its own year, an earlier year by the re-run of its last period);
- every output has the adjustments: CSV, JSON (`corrects`, `late_lines`, the summary), totals, the
  explanation, statements, `rebate diff`; the same bytes at --threads 1, 2 and 3 and without --period;
- --as-of and --closed-on decide which lines are late;
- usage errors (exit 2): a closed --period, no payments ledger, a budget with late lines, a close before
  the period ends, --closed-on alone, a label that is no period.

Every expected amount is worked out by hand in the comments.

Usage: closed_periods.py --rebate build/bin/rebate [--engine vm]
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
program "Closed quarters" { currency: USD  period: quarter }
partner table partners { id: Text as key }
ledger sales {
    invoice_date: Date as date from "Invoice Date"
    posted_on: Date as booked from "Posting Date"
    partner_id: Text as partner
    amount: Money
}
payments ledger paid {
    partner_id: Text as partner  rebate_name: Text as rebate  period: Text as period
    amount: Money as amount  paid_on: Date as date
}
measure revenue = sales.sum(amount)
rebate volume "Volume rebate" { pay VOLUME_RATE of revenue }
rebate settled "Settled rebate" {
    pay 1% of revenue
    settle against paid
    on negative claw back
}
rebate ytd "Year-to-date rebate" {
    pay 2% of revenue
    settle year_to_date against paid
    on negative claw back
}
BUDGET
"""
PARTNERS = "id\nP1\nP2\nP3\nP4\n"
# The lines, their quarter, and whether they are late for a close on 10 July 2026 (booked after it):
SALES = ("Invoice Date,Posting Date,partner_id,amount\n"
         "2026-02-10,2026-02-11,P1,1000\n"    # 2026-Q1
         "2026-03-30,2026-07-15,P1,500\n"     # 2026-Q1, late
         "2026-05-10,2026-05-11,P1,2000\n"    # 2026-Q2
         "2026-08-01,2026-08-02,P1,3000\n"    # 2026-Q3
         "2026-05-05,2026-05-06,P2,4000\n"    # 2026-Q2
         "2026-06-29,2026-07-20,P2,300\n"     # 2026-Q2, late
         "2026-06-29,2026-07-21,P2,-300\n"    # 2026-Q2, late (the two net to zero)
         "2026-07-15,2026-07-16,P2,1000\n"    # 2026-Q3
         "2026-04-10,2026-04-11,P3,5000\n"    # 2026-Q2
         "2026-06-15,2026-08-01,P3,-2000\n"   # 2026-Q2, late (a credit note)
         "2025-10-05,2025-10-06,P4,2000\n"    # 2025-Q4
         "2025-11-10,2026-07-30,P4,1000\n")   # 2025-Q4, late (an earlier year)
# What was paid at each close, from the lines booked by then. P1's Q1 volume rebate was paid in two parts
# booked with three places (100.004 + 0.004): they stay exact until the adjustment is rounded once.
PAID = ("partner_id,rebate_name,period,amount,paid_on\n"
        "P1,volume,2026-Q1,100.004,2026-04-20\n"   # 10% of 1,000 (and a part of a cent)
        "P1,volume,2026-Q1,0.004,2026-04-21\n"
        "P1,settled,2026-Q1,10,2026-04-20\n"        # 1% of 1,000
        "P1,ytd,2026-Q1,20,2026-04-20\n"            # 2% of 1,000
        "P1,volume,2026-Q2,200,2026-07-20\n"        # 10% of 2,000
        "P1,settled,2026-Q2,20,2026-07-20\n"
        "P1,ytd,2026-Q2,40,2026-07-20\n"            # 2% of 3,000 to date, less 20
        "P2,volume,2026-Q2,400,2026-07-20\n"
        "P2,settled,2026-Q2,40,2026-07-20\n"
        "P2,ytd,2026-Q2,80,2026-07-20\n"
        "P3,volume,2026-Q2,500,2026-07-20\n"
        "P3,settled,2026-Q2,50,2026-07-20\n"
        "P3,ytd,2026-Q2,100,2026-07-20\n"
        "P4,volume,2025-Q4,200,2026-01-20\n"        # 10% of 2,000
        "P4,settled,2025-Q4,20,2026-01-20\n"
        "P4,ytd,2025-Q4,40,2026-01-20\n")           # 2% of 2025's 2,000, nothing paid before

# The run of 2026-Q3, closed through 2026-Q2 on 10 July, by (partner, rebate, corrects) -> (amount, status):
EXPECTED = {
    # Q3's own payouts. P1: 3,000 -> volume 300; settled 30 (nothing paid for Q3); ytd: the year to date
    # 1,000 + 500 + 2,000 + 3,000 = 6,500 x 2% = 130, less 20 + 40 paid = 70 (the late Q1 line is trued up
    # here: no adjustment row for ytd in the current year).
    ("P1", "volume", ""): ("300.00", "paid"), ("P1", "settled", ""): ("30.00", "paid"), ("P1", "ytd", ""): ("70.00", "paid"),
    # P2: 1,000 -> 100, 10; ytd 4,000 + 300 - 300 + 1,000 = 5,000 x 2% = 100 - 80 = 20.
    ("P2", "volume", ""): ("100.00", "paid"), ("P2", "settled", ""): ("10.00", "paid"), ("P2", "ytd", ""): ("20.00", "paid"),
    # P3: no Q3 line; ytd 5,000 - 2,000 = 3,000 x 2% = 60 - 100 = -40, clawed back.
    ("P3", "volume", ""): ("0.00", "zero"), ("P3", "settled", ""): ("0.00", "zero"), ("P3", "ytd", ""): ("-40.00", "clawback"),
    # P4: nothing in 2026.
    ("P4", "volume", ""): ("0.00", "zero"), ("P4", "settled", ""): ("0.00", "zero"), ("P4", "ytd", ""): ("0.00", "zero"),
    # Adjustments. P1 for 2026-Q1 (1 late line): Q1 is 1,500 now: volume 150 - (100.004 + 0.004) = 49.992,
    # rounded once: 49.99 (each payment rounded first would give 50.00); settled 15 - 10 = 5.
    ("P1", "volume", "2026-Q1"): ("49.99", "adjustment"), ("P1", "settled", "2026-Q1"): ("5.00", "adjustment"),
    # P2 for 2026-Q2 (2 late lines, +300 and -300): 4,000 as paid: 400 - 400 = 0; 40 - 40 = 0.
    ("P2", "volume", "2026-Q2"): ("0.00", "adjustment"), ("P2", "settled", "2026-Q2"): ("0.00", "adjustment"),
    # P3 for 2026-Q2 (a late credit note of -2,000): 3,000 x 10% = 300 - 500 = -200; 30 - 50 = -20.
    ("P3", "volume", "2026-Q2"): ("-200.00", "adjustment"), ("P3", "settled", "2026-Q2"): ("-20.00", "adjustment"),
    # P4 for 2025-Q4 (1 late line of an earlier year): 3,000 x 10% = 300 - 200 = 100; 30 - 20 = 10; ytd
    # re-runs 2025's last period over 2025: 3,000 x 2% = 60 - 40 paid for 2025 = 20.
    ("P4", "volume", "2025-Q4"): ("100.00", "adjustment"), ("P4", "settled", "2025-Q4"): ("10.00", "adjustment"),
    ("P4", "ytd", "2025-Q4"): ("20.00", "adjustment"),
}
# Each partner's total for 2026-Q3, its payouts and adjustments added by hand:
TOTALS = {"P1": "454.99",   # 300 + 30 + 70 + 49.99 + 5
          "P2": "130.00",   # 100 + 10 + 20 + 0 + 0
          "P3": "-260.00",  # 0 + 0 - 40 - 200 - 20
          "P4": "130.00"}   # 0 + 0 + 0 + 100 + 10 + 20


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line()
    check, run = checks.check, checks.run

    def rows(stdout):
        """CSV payouts by (partner, rebate, corrects): the period each corrects is read from its reason."""
        out = {}
        for row in csv.DictReader(io.StringIO(stdout)):
            corrects = row["reason"].split(":")[0].removeprefix("corrects ").split(" ")[0] if row["status"] == "adjustment" else ""
            key = (row["partner"], row["rebate"], corrects)
            check(key not in out, f"a payout written twice: {key}")
            check(row["period"] == "2026-Q3", f"a payout outside the open period: {row}")
            out[key] = (row["amount"], row["status"])
        return out

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        prog = d / "closed.rebate"
        prog.write_text(PROGRAM.replace("VOLUME_RATE", "10%").replace("BUDGET", ""))
        (d / "partners.csv").write_text(PARTNERS)
        (d / "sales.csv").write_text(SALES)
        (d / "paid.csv").write_text(PAID)
        inputs = [f"--input=partners={d / 'partners.csv'}", f"--input=sales={d / 'sales.csv'}", f"--input=paid={d / 'paid.csv'}"]
        closing = ["--closed-through", "2026-Q2", "--closed-on", "2026-07-10"]
        q3 = ["--period", "2026-Q3"]

        r = run(["run", str(prog)] + inputs + q3 + closing, 0)
        got = rows(r.stdout)
        for key in sorted(set(got) | set(EXPECTED)):
            check(got.get(key) == EXPECTED.get(key), f"{key}: expected {EXPECTED.get(key)}, got {got.get(key)}")
        check("5 lines were booked after the close of the periods up to 2026-Q2 (2026-07-10); they are paid as adjustments in 2026-Q3" in r.stderr,
              f"the note on the late lines: {r.stderr}")
        reasons = {row["reason"] for row in csv.DictReader(io.StringIO(r.stdout)) if row["status"] == "adjustment"}
        check(reasons == {"corrects 2026-Q1: 1 line booked after its close on 2026-07-10",
                          "corrects 2026-Q2: 2 lines booked after its close on 2026-07-10",
                          "corrects 2026-Q2: 1 line booked after its close on 2026-07-10",
                          "corrects 2025-Q4: 1 line booked after its close on 2026-07-10",
                          "corrects 2025-Q4 (the year to date): 1 line booked after its close on 2026-07-10"}, f"the reasons: {reasons}")
        # In each cell, the payouts in the program's order, then the adjustments by corrected period.
        order = [(row["partner"], row["rebate"], row["status"]) for row in csv.DictReader(io.StringIO(r.stdout))]
        check(order[:5] == [("P1", "volume", "paid"), ("P1", "settled", "paid"), ("P1", "ytd", "paid"),
                            ("P1", "volume", "adjustment"), ("P1", "settled", "adjustment")], f"the rows' order: {order[:5]}")
        baseline = r.stdout

        # The same bytes at every thread count, and without --period (the open periods of the data: 2026-Q3).
        for threads in ("1", "2", "3"):
            r = run(["run", str(prog)] + inputs + q3 + closing + ["--threads", threads], 0)
            check(r.stdout == baseline, f"--threads {threads} differs:\n{r.stdout}")
        r = run(["run", str(prog)] + inputs + closing, 0)
        check(r.stdout == baseline, f"without --period (the open periods of the data) differs:\n{r.stdout}")
        r = run(["run", str(prog)] + inputs + q3 + closing + ["--batch-partners", "1"], 0)
        check(r.stdout == baseline, f"one partner a batch differs:\n{r.stdout}")

        # JSON: the adjustments' `corrects` and `late_lines`, the totals, the summary's counts.
        r = run(["run", str(prog)] + inputs + q3 + closing + ["--format", "json", "--explain"], 0)
        doc = json.loads(r.stdout) if r.returncode == 0 else {}
        adjusted = [p for p in doc.get("payouts", []) if p.get("status") == "adjustment"]
        check(len(adjusted) == 9, f"JSON: 9 adjustments, got {len(adjusted)}")
        p1 = [p for p in adjusted if p["partner"] == "P1" and p["rebate"] == "volume"]
        check(len(p1) == 1 and p1[0].get("corrects") == "2026-Q1" and p1[0].get("late_lines") == 1 and p1[0]["amount"] == "49.99",
              f"JSON: P1's volume adjustment: {p1}")
        p2 = [p for p in adjusted if p["partner"] == "P2"]
        check(all(p.get("late_lines") == 2 and p.get("corrects") == "2026-Q2" for p in p2) and len(p2) == 2, f"JSON: P2's adjustments: {p2}")
        settlement = p1[0].get("explanation", {}).get("settlement", {}) if p1 else {}
        check(settlement.get("window") == "2026-Q1" and settlement.get("earned") == "150.00" and settlement.get("paid_before") == "100.008"
              and settlement.get("payments") == 2, f"JSON: P1's volume adjustment, its netting: {settlement}")
        check(all("corrects" not in p for p in doc.get("payouts", []) if p.get("status") != "adjustment"), "JSON: `corrects` on a payout")
        totals = {t["partner"]: t["amount"] for t in doc.get("totals", [])}
        check(totals == TOTALS, f"JSON totals (adjustments included): {totals}")
        summary = doc.get("summary", {})
        check(summary.get("lines_booked_after_close") == 5 and summary.get("adjustments") == 9, f"JSON summary: {summary}")

        # The totals file of a CSV run has them too.
        r = run(["run", str(prog)] + inputs + q3 + closing + ["--totals", str(d / "totals.csv")], 0)
        if (d / "totals.csv").exists():
            written = {row["partner"]: row["amount"] for row in csv.DictReader((d / "totals.csv").open())}
            check(written == TOTALS, f"--totals: {written}")
        else:
            check(False, f"--totals wrote nothing: {r.stderr}")

        # The explanation says what the adjustment corrects, how many lines, and the netting.
        r = run(["explain", str(prog)] + inputs + ["--partner", "P3", "--period", "2026-Q3"] + closing, 0)
        check("P3 2026-Q3 volume: -200.00 USD (adjustment)" in r.stdout
              and "adjustment: corrects 2026-Q2: 1 line booked after its close on 2026-07-10; paid in 2026-Q3, with 2026-Q2's figures "
                  "recomputed from every line booked by now, below" in r.stdout
              and "revenue = 3,000.00 USD (sales.sum(amount), 2 ledger lines)" in r.stdout
              and "recomputed payout for 2026-Q2: 300.00 USD (paid)" in r.stdout
              and "paid before for 2026-Q2: 500.00 USD (1 payment in `paid`)" in r.stdout
              and "adjustment: 300.00 USD - 500.00 USD = -200.00 USD" in r.stdout, f"explain P3:\n{r.stdout}")

        # Statements: the adjustments are on the partner's page, named with the period they correct, in the total.
        r = run(["run", str(prog)] + inputs + q3 + closing + ["--statements", str(d / "statements")], 0)
        pages = sorted((d / "statements").rglob("*.md")) if (d / "statements").exists() else []
        p1_page = next((p.read_text() for p in pages if "P1" in p.name), "")
        check("| Volume rebate (adjustment for 2026-Q1) | 49.99 USD | adjustment |" in p1_page and "**454.99 USD**" in p1_page
              and "Adjustment: this corrects 2026-Q1: 1 line booked after its close on 2026-07-10." in p1_page, f"P1's statement:\n{p1_page}")
        p3_page = next((p.read_text() for p in pages if "P3" in p.name), "")
        check("**Clawback: 200.00 USD to be paid back**" in p3_page, f"P3's statement, a negative adjustment:\n{p3_page}")

        # rebate diff: the adjustments compared, paired by rebate and corrected period. The new program pays
        # 12%: P1's adjustment 1,500 x 12% = 180 - 100.008 = 79.992 -> 79.99 (was 49.99).
        new_prog = d / "new.rebate"
        new_prog.write_text(PROGRAM.replace("VOLUME_RATE", "12%").replace("BUDGET", ""))
        r = run(["diff", str(prog), str(new_prog)] + inputs + q3 + closing + ["--format", "json"], 0)
        diff = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
        rows_changed = diff.get("rows", diff.get("changes", []))
        hit = [x for x in rows_changed if x.get("partner") == "P1" and x.get("corrects") == "2026-Q1" and x.get("rebate") == "volume"]
        check(len(hit) == 1, f"diff: P1's volume adjustment compared: {json.dumps(diff)[:1500]}")

        # --as-of 25 July: lines booked after it are not read (P3's credit note, P4's late line): only P1's
        # and P2's lines are late. --closed-on 16 July: P1's line (booked 15 July) was in the close: only P2's.
        for extra, want in ((["--as-of", "2026-07-25"], {("P1", "2026-Q1"), ("P2", "2026-Q2")}),
                            (["--closed-through", "2026-Q2", "--closed-on", "2026-07-16"], {("P2", "2026-Q2"), ("P3", "2026-Q2"), ("P4", "2025-Q4")})):
            argv = ["run", str(prog)] + inputs + q3 + (closing + extra if extra[0] == "--as-of" else extra)
            r = run(argv, 0)
            seen = {(k[0], k[2]) for k in rows(r.stdout) if k[2]}
            check(seen == want, f"{extra}: the adjustments {seen}, expected {want}")

        # Without closing: 2026-Q3 alone, no adjustment (the late lines are in their periods, not paid again).
        r = run(["run", str(prog)] + inputs + q3, 0)
        check("adjustment" not in r.stdout and "close" not in r.stderr, f"no closing: {r.stdout} {r.stderr}")

        # Usage errors (exit 2).
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q2"] + closing, 2)
        check("2026-Q2 is closed" in r.stderr, f"a closed --period: {r.stderr}")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q2..2026-Q3"] + closing, 2)
        check("2026-Q2 is closed" in r.stderr, f"a range starting closed: {r.stderr}")
        r = run(["run", str(prog)] + inputs + q3 + ["--closed-through", "2026-Q2", "--closed-on", "2026-06-29"], 2)
        check("2026-Q2 is closed on 2026-06-29, before it ends on 2026-06-30" in r.stderr, f"a close before the end: {r.stderr}")
        r = run(["run", str(prog)] + inputs + q3 + ["--closed-on", "2026-07-10"], 2)
        check("--closed-on" in r.stderr and "give --closed-through too" in r.stderr, f"--closed-on alone: {r.stderr}")
        r = run(["run", str(prog)] + inputs + q3 + ["--closed-through", "2026-06"], 2)
        check("`2026-06` is not a period of this program" in r.stderr, f"a label that is no quarter: {r.stderr}")
        r = run(["run", str(prog)] + inputs + q3 + ["--closed-through", "2026-Q2", "--closed-on", "10 July"], 2)
        check("`--closed-on 10 July` is not a date" in r.stderr, f"a bad --closed-on: {r.stderr}")

        budgeted = d / "budgeted.rebate"
        budgeted.write_text(PROGRAM.replace("VOLUME_RATE", "10%").replace("BUDGET", "budget all_rebates = 1_000_000 USD per quarter"))
        r = run(["run", str(budgeted)] + inputs + q3 + closing, 2)
        check("has a budget (`all_rebates`)" in r.stderr and "5 lines booked after the close" in r.stderr, f"a budget with late lines: {r.stderr}")
        r = run(["run", str(budgeted)] + inputs + q3 + ["--closed-through", "2026-Q2", "--closed-on", "2026-12-31"], 0)  # no late line: fine

        unpaid = d / "unpaid.rebate"
        unpaid.write_text("""
program "No payments" { currency: USD  period: quarter }
partner table partners { id: Text as key }
ledger sales { invoice_date: Date as date from "Invoice Date"  posted_on: Date as booked from "Posting Date"  partner_id: Text as partner  amount: Money }
rebate volume "Volume rebate" { pay 10% of sales.sum(amount) }
""")
        r = run(["run", str(unpaid)] + inputs[:2] + q3 + closing, 2)
        check("no payments ledger" in r.stderr, f"no payments ledger: {r.stderr}")

    return checks.report("closed_periods")


if __name__ == "__main__":
    sys.exit(main())
