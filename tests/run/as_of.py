#!/usr/bin/env python3
"""Booking dates and `rebate run --as-of DATE` (docs/language.md §23), through the real CLI, on one engine:

- a ledger with an `as booked` column is read up to the as-of day by its booking dates, a ledger without
  one by its transaction dates, a payments ledger by the day paid; what is left out is counted in a note
  and in the JSON summary;
- a line left out decides no period (a program without effective dates pays the periods of what it read);
- `rebate explain --detail --as-of` lists only the lines read;
- a malformed booking date is an error naming the file, line and column (with or without --as-of), and a
  bad --as-of day is a usage error (exit 2).

Every expected amount is worked out by hand in the comments.

Usage: as_of.py --rebate build/bin/rebate [--engine vm]
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
program "Late data" { currency: USD  period: quarter  EFFECTIVE }
partner table partners { id: Text as key }
ledger sales {
    invoice_date: Date as date from "Invoice Date"
    posted_on: Date as booked from "Posting Date"
    partner_id: Text as partner
    amount: Money
}
/// No booking date: a line counts as booked on its date.
ledger training { completed: Date as date  partner_id: Text as partner }
payments ledger paid {
    partner_id: Text as partner  rebate_name: Text as rebate  period: Text as period
    amount: Money as amount  paid_on: Date as date
}
measure revenue = sales.sum(amount)
rebate volume "Volume rebate" { pay 10% of revenue }
rebate certified "Training bonus" { pay 100 USD * training.count() }
rebate settled "Settled rebate" {
    pay 1% of revenue
    settle against paid
    on negative claw back
}
"""
PARTNERS = "id\nP1\nP2\n"
# Data lines 2..6 of sales.csv:
#   line 2: P1 1,000 of 20 June, booked 21 June
#   line 3: P1 2,000 of 28 June, booked 3 July
#   line 4: P1 -500 (a credit note) of 30 June, booked 15 July
#   line 5: P2 3,000 of 10 May, booked 2 August
#   line 6: P2 400 of 5 July (2026-Q3), booked 6 July
SALES = ("Invoice Date,Posting Date,partner_id,amount\n"
         "2026-06-20,2026-06-21,P1,1000\n"
         "2026-06-28,2026-07-03,P1,2000\n"
         "2026-06-30,2026-07-15,P1,-500\n"
         "2026-05-10,2026-08-02,P2,3000\n"
         "2026-07-05,2026-07-06,P2,400\n")
# P1 completed a certification on 15 June, P2 on 20 July (after the as-of day below).
TRAINING = "completed,partner_id\n2026-06-15,P1\n2026-07-20,P2\n"
# P1's `settled` rebate for 2026-Q2 was paid in two parts, on 12 July and 20 August.
PAID = ("partner_id,rebate_name,period,amount,paid_on\n"
        "P1,settled,2026-Q2,30,2026-07-12\n"
        "P1,settled,2026-Q2,5,2026-08-20\n")


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line()
    check, run = checks.check, checks.run

    def amounts(stdout):
        return {(row["partner"], row["period"], row["rebate"]): row["amount"] for row in csv.DictReader(io.StringIO(stdout))}

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        prog = d / "late.rebate"
        prog.write_text(PROGRAM.replace("EFFECTIVE", "effective: 2026-01-01 .. 2026-12-31"))
        open_prog = d / "open.rebate"  # no effective dates: the periods come from the lines read
        open_prog.write_text(PROGRAM.replace("EFFECTIVE", ""))
        (d / "partners.csv").write_text(PARTNERS)
        (d / "sales.csv").write_text(SALES)
        (d / "training.csv").write_text(TRAINING)
        (d / "paid.csv").write_text(PAID)
        inputs = [f"--input=partners={d / 'partners.csv'}", f"--input=sales={d / 'sales.csv'}",
                  f"--input=training={d / 'training.csv'}", f"--input=paid={d / 'paid.csv'}"]

        # Today (no --as-of), 2026-Q2: P1 1,000 + 2,000 - 500 = 2,500 -> volume 10% = 250.00; training 1 x 100
        # = 100.00; settled 1% = 25.00 less 30 + 5 paid = -10.00 (a clawback). P2 3,000 -> 300.00; no
        # training in Q2 -> 0.00; settled 30.00, nothing paid.
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q2"], 0)
        got = amounts(r.stdout)
        want = {("P1", "2026-Q2", "volume"): "250.00", ("P1", "2026-Q2", "certified"): "100.00", ("P1", "2026-Q2", "settled"): "-10.00",
                ("P2", "2026-Q2", "volume"): "300.00", ("P2", "2026-Q2", "certified"): "0.00", ("P2", "2026-Q2", "settled"): "30.00"}
        check(got == want, f"no --as-of: {got}")
        check("as-of" not in r.stderr, f"no --as-of, yet a note about it: {r.stderr}")

        # As of 10 July: sales lines 2 and 3 (booked 21 June and 3 July) and line 6 (6 July, in Q3) are read;
        # lines 4 (15 July) and 5 (2 August) are not, nor P2's training of 20 July (no booking date: its
        # date), nor either payment (12 July, 20 August). P1: 3,000 -> volume 300.00, training 100.00,
        # settled 1% = 30.00 less nothing paid = 30.00. P2: no Q2 line read -> 0.00 everywhere.
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q2", "--as-of", "2026-07-10"], 0)
        got = amounts(r.stdout)
        want = {("P1", "2026-Q2", "volume"): "300.00", ("P1", "2026-Q2", "certified"): "100.00", ("P1", "2026-Q2", "settled"): "30.00",
                ("P2", "2026-Q2", "volume"): "0.00", ("P2", "2026-Q2", "certified"): "0.00", ("P2", "2026-Q2", "settled"): "0.00"}
        check(got == want, f"--as-of 2026-07-10: {got}")
        check("3 ledger lines were booked after the as-of date (2026-07-10) and were not read" in r.stderr,
              f"--as-of 2026-07-10: the note on the lines left out: {r.stderr}")
        check("2 rows of `paid` were paid after the as-of date (2026-07-10) and were not read" in r.stderr,
              f"--as-of 2026-07-10: the note on the payments left out: {r.stderr}")
        # Of the lines read, only line 6 (Q3) is outside the period paid: the 3 left out are in no count.
        check("1 ledger line is dated outside the period the run pays (2026-Q2): 1 counts in no payout" in r.stderr,
              f"--as-of 2026-07-10: the lines left out are counted elsewhere: {r.stderr}")

        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q2", "--as-of", "2026-07-10", "--format", "json"], 0)
        summary = json.loads(r.stdout)["summary"] if r.returncode == 0 else {}
        check(summary.get("lines_booked_after_as_of") == 3 and summary.get("payments_after_as_of") == 2,
              f"JSON summary with --as-of: {summary}")
        check(summary.get("lines_outside_run_periods", {}).get("count") == 1, f"JSON summary, lines outside the run: {summary}")

        # As of 31 July: sales line 4 (15 July) is read too: P1 2,500 -> volume 250.00; the payment of 12 July
        # is read, that of 20 August not: settled 25.00 - 30.00 = -5.00.
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q2", "--as-of", "2026-07-31"], 0)
        got = amounts(r.stdout)
        check(got.get(("P1", "2026-Q2", "volume")) == "250.00" and got.get(("P1", "2026-Q2", "settled")) == "-5.00",
              f"--as-of 2026-07-31: {got}")
        check("1 row of `paid` was paid after the as-of date (2026-07-31) and was not read" in r.stderr, f"--as-of 2026-07-31: {r.stderr}")

        # The day itself is included: as of 3 July, line 3 (booked 3 July) is read: P1 3,000 -> 300.00.
        # As of 2 July it is not: 1,000 -> 100.00.
        for day, volume in (("2026-07-03", "300.00"), ("2026-07-02", "100.00")):
            r = run(["run", str(prog)] + inputs + ["--period", "2026-Q2", "--as-of", day], 0)
            check(amounts(r.stdout).get(("P1", "2026-Q2", "volume")) == volume, f"--as-of {day}: {r.stdout}")

        # Without effective dates the run pays the periods of the lines it reads: as of 5 July, line 6 (dated 5
        # July, booked 6 July) is not read, so only 2026-Q2 is paid; without --as-of 2026-Q2 and 2026-Q3.
        r = run(["run", str(open_prog)] + inputs + ["--as-of", "2026-07-05"], 0)
        check({k[1] for k in amounts(r.stdout)} == {"2026-Q2"}, f"open program --as-of 2026-07-05: {r.stdout}")
        r = run(["run", str(open_prog)] + inputs, 0)
        check({k[1] for k in amounts(r.stdout)} == {"2026-Q2", "2026-Q3"}, f"open program, no --as-of: {r.stdout}")

        # --detail lists the lines read: as of 10 July, P1's volume took lines 2 and 3, not line 4.
        r = run(["explain", str(prog)] + inputs + ["--partner", "P1", "--period", "2026-Q2", "--as-of", "2026-07-10", "--detail"], 0)
        check("sales.csv:2 " in r.stdout and "sales.csv:3 " in r.stdout and "sales.csv:4 " not in r.stdout,
              f"explain --detail --as-of: {r.stdout}")

        # A bad --as-of day: a usage error naming it.
        r = run(["run", str(prog)] + inputs + ["--as-of", "2026-13-01"], 2)
        check("`--as-of 2026-13-01` is not a date" in r.stderr, f"bad --as-of: {r.stderr}")
        r = run(["run", str(prog)] + inputs + ["--as-of", "July"], 2)
        check("`--as-of July` is not a date" in r.stderr, f"bad --as-of: {r.stderr}")

        # A period that starts after the as-of day: a usage error (nothing booked by then is in it).
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q3", "--as-of", "2026-06-30"], 2)
        check("2026-Q3 starts after the as-of date (2026-06-30)" in r.stderr, f"--period after --as-of: {r.stderr}")
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q2..2026-Q3", "--as-of", "2026-06-30"], 0)  # starts before: fine

        # A malformed booking date: file, line and column (the Posting Date is CSV column 2), also without
        # --as-of (the column is read in every run).
        (d / "bad.csv").write_text(SALES.replace("2026-07-15", "2026-07-32"))
        bad_inputs = [i if not i.startswith("--input=sales=") else f"--input=sales={d / 'bad.csv'}" for i in inputs]
        for extra in ([], ["--as-of", "2026-07-10"]):
            r = run(["run", str(prog)] + bad_inputs + extra, 1)
            check(f"{d / 'bad.csv'}:4:" in r.stderr and "posted_on" in r.stderr and "2026-07-32" in r.stderr,
                  f"malformed booking date {extra}: {r.stderr}")

    return checks.report("as_of")


if __name__ == "__main__":
    sys.exit(main())
