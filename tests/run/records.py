#!/usr/bin/env python3
"""Outputs that cannot be misread (issue 19 §3 and §4), through the real CLI:

- the CSV payouts file holds payouts only, so that the sum of its amount column is what the run pays;
  totals and awards go to files of their own (`--totals`, `--awards`), which are outputs like any other
  (refused when they are an input or another output, left untouched by a failing run);
- award rows carry the period measured and the period the award is for, in CSV and JSON;
- clawbacks (negative payouts kept by `allow negative`) have their own status and wording;
- the notes are grammatical, each given once on standard error, true for the program (no look-backs
  mentioned to a program without them), and the JSON `summary` has the same counts;
- a paid period without ledger lines is named in a note (effective dates past the last line);
- an unknown partner's error names the file, line and column, and both the program's column and the
  CSV header.

Every expected amount is worked out by hand in the comments."""
import csv
import io
import json
import pathlib
import sys
import tempfile
from decimal import Decimal

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

PROGRAM = """
program "Records" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner_id: Text as partner from "Sold-To Partner"  amount: Money }
measure revenue = sales.sum(amount)
rebate r "Volume rebate" { pay 10% of revenue  allow negative }
award level: Tier for next period "Partner level" { when revenue >= 1_000 USD => gold  otherwise => bronze }
"""
PARTNERS = "id,tier\nP1,gold\nP2,bronze\n"
# 2026-Q2 only (and one line of 2025, before the effective dates):
#   P1: 2,000 - 500 = 1,500 USD -> 10% = 150.00 paid; level gold for 2026-Q3 (1,500 >= 1,000)
#   P2:   300 - 800 = -500 USD -> 10% = -50.00, kept by `allow negative`: a clawback; level bronze
# Every other quarter of 2026 has no line: zero for both. The payouts add up to 150.00 - 50.00 = 100.00.
SALES = ("date,Sold-To Partner,amount\n2026-04-10,P1,2000\n2026-05-01,P2,300\n2026-05-02,P2,-800\n"
         "2026-06-30,P1,-500\n2025-12-31,P1,100\n")


def main() -> int:
    checks, _ = cli_checks.CliChecks.from_command_line()
    check, run = checks.check, checks.run

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        prog = d / "p.rebate"
        prog.write_text(PROGRAM)
        (d / "partners.csv").write_text(PARTNERS)
        (d / "sales.csv").write_text(SALES)
        inputs = ["--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}"]
        totals, awards = d / "totals.csv", d / "awards.csv"

        # ---- §3: one kind of record per CSV file ----
        r = run(["run", str(prog)] + inputs + ["--totals", str(totals), "--awards", str(awards)], 0)
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        check(len(rows) == 8 and all(row["rebate"] == "r" for row in rows), f"payouts file: 8 payouts of `r` and nothing else: {rows}")
        check(sum(Decimal(row["amount"]) for row in rows) == Decimal("100.00"), "the payouts file's amounts add up to 100.00")
        by_key = {(row["partner"], row["period"]): row for row in rows if row["rebate"] == "r"}
        p1, p2, p1_q3 = (by_key.get(k, {}) for k in (("P1", "2026-Q2"), ("P2", "2026-Q2"), ("P1", "2026-Q3")))
        check(p1.get("amount") == "150.00" and p1.get("status") == "paid", f"P1 2026-Q2 paid 150.00: {p1}")
        check(p2.get("amount") == "-50.00" and p2.get("status") == "clawback", f"P2 2026-Q2: a clawback of -50.00, not `paid`: {p2}")
        check(p1_q3.get("status") == "zero", f"P1 2026-Q3 (no lines): zero: {p1_q3}")
        t = totals.read_text() if totals.exists() else ""
        check(t.startswith("partner,period,amount,currency\n") and t.count("\n") == 9, f"totals file: header and 8 rows: {t!r}")
        check("P1,2026-Q2,150.00,USD\n" in t and "P2,2026-Q2,-50.00,USD\n" in t, f"totals by hand: {t!r}")
        trows = list(csv.DictReader(io.StringIO(t)))
        check(sum(Decimal(x["amount"]) for x in trows) == Decimal("100.00"), "the totals add up to what the payouts do")
        a = awards.read_text() if awards.exists() else ""
        check(a.startswith("partner,period,measured,award,value,currency\n") and a.count("\n") == 9, f"awards file: header and 8 rows: {a!r}")
        check("P1,2026-Q3,2026-Q2,level,gold,\n" in a and "P2,2026-Q3,2026-Q2,level,bronze,\n" in a and "P1,2027-Q1,2026-Q4,level,bronze,\n" in a,
              f"awards name the period they are for and the period measured: {a!r}")
        check("awards" not in r.stderr, f"no note about awards when --awards is given: {r.stderr}")

        # Without --awards, the awards are not in the payouts file, and a note says so.
        r = run(["run", str(prog)] + inputs, 0)
        check("TOTAL" not in r.stdout and "level" not in r.stdout, "no totals or awards in the payouts file")
        check("note: the program gives awards (`level`), which the payouts file does not hold: write them with `--awards PATH`" in r.stderr,
              f"a note about the awards not written: {r.stderr}")

        # ---- notes: grammatical, once, on stderr, true for a program without look-backs ----
        notes = [line[len("note: "):] for line in r.stderr.splitlines() if line.startswith("note: ")]
        check(len(notes) == len(set(notes)), f"each note once: {notes}")
        check("1 ledger line is dated outside the program's effective dates (2026-01-01 .. 2026-12-31): 1 counts in no payout" in notes,
              f"the effective-dates note, in the singular: {notes}")
        check("3 paid periods have no ledger lines: 2026-Q1 and 2026-Q3 .. 2026-Q4 (the latest ledger line is in 2026-Q2); "
              "they are paid from no lines of their own" in notes, f"the periods without lines: {notes}")
        check("look-back" not in r.stderr, f"a program without look-backs is not told about look-backs: {r.stderr}")
        check("note:" not in r.stdout, "notes are on standard error only")
        # The one line of 2025 is told once: not again as a line outside the run's periods.
        check(sum("2025" in n or "outside the period" in n for n in notes) == 0, f"the 2025 line is not told twice: {notes}")

        # JSON: the same counts as the notes, awards with both periods, the clawback's status.
        r = run(["run", str(prog)] + inputs + ["--format", "json"], 0)
        doc = json.loads(r.stdout)
        s = doc["summary"]
        s.setdefault("periods_without_lines", None)
        check(s["lines_outside_effective_dates"] == {"count": 1, "in_paid_periods": 0, "only_in_look_backs": 0, "in_no_payout": 1},
              f"summary: the effective-dates counts of the note: {s}")
        check(s["lines_outside_run_periods"] == {"count": 0, "only_in_look_backs": 0, "in_no_payout": 0}, f"summary: no other line outside: {s}")
        check(s["periods_without_lines"] == ["2026-Q1", "2026-Q3", "2026-Q4"], f"summary: periods without lines: {s}")
        stderr_notes = [line[len("note: "):] for line in r.stderr.splitlines() if line.startswith("note: ")]
        check(s["notes"] == stderr_notes, f"summary.notes are the notes printed: {s['notes']} vs {stderr_notes}")
        check({"partner": "P1", "period": "2026-Q3", "measured": "2026-Q2", "award": "level", "value": "gold"} in doc["awards"],
              f"JSON awards carry both periods: {doc['awards'][:3]}")
        claw = ([p for p in doc["payouts"] if p["partner"] == "P2" and p["period"] == "2026-Q2"] + [{}])[0]
        check(claw.get("status") == "clawback" and claw.get("amount") == "-50.00", f"JSON clawback: {claw}")
        check(sum(Decimal(p["amount"]) for p in doc["payouts"]) == sum(Decimal(t["amount"]) for t in doc["totals"]) == Decimal("100.00"),
              "JSON payouts and totals add up to 100.00")

        # A look-back program is told about look-backs, with their periods: --period 2026-Q3 of a program
        # reading last_year: the 2025-Q4 line is within the reach (2025-Q3 .. 2026-Q2) and outside the dates.
        lb = d / "lb.rebate"
        lb.write_text(PROGRAM.replace("rebate r \"Volume rebate\" { pay 10% of revenue  allow negative }",
                                      "rebate r \"Volume rebate\" { pay 10% of (revenue - last_year(revenue))  allow negative }"))
        r = run(["run", str(lb)] + inputs + ["--period", "2026-Q3", "--awards", str(d / "a2.csv")], 0)
        notes = [line[len("note: "):] for line in r.stderr.splitlines() if line.startswith("note: ")]
        # last_year reaches four quarters back from 2026-Q3: 2025-Q3 .. 2026-Q2. The 2025-12-31 line (2025-Q4)
        # is outside the dates and within that reach; the four 2026-Q2 lines are inside the dates, in a
        # period the run does not pay, within the reach too. Neither is told it counts for sure: last_year
        # of 2026-Q3 reads 2025-Q3 only, so "can".
        check("1 ledger line is dated outside the program's effective dates (2026-01-01 .. 2026-12-31): "
              "1 can count only through look-backs (2025-Q3 .. 2026-Q2)" in notes, f"look-back program, effective note: {notes}")
        check("4 other ledger lines are dated outside the period the run pays (2026-Q3): 4 can count only through look-backs (2025-Q3 .. 2026-Q2)" in notes,
              f"look-back program, run-period note: {notes}")
        check("1 paid period has no ledger lines: 2026-Q3 (the latest ledger line is in 2026-Q2); it is paid from no lines of its own "
              "(look-backs still read earlier periods)" in notes, f"look-back program, period without lines: {notes}")

        # ---- the new files are outputs like any other ----
        run(["run", str(prog)] + inputs + ["--totals", str(d / "sales.csv")], 2)
        r = run(["run", str(prog)] + inputs + ["--out", str(d / "same.csv"), "--totals", str(d / "same.csv")], 2)
        check("the totals (--totals)" in r.stderr and "the payouts (--out)" in r.stderr, f"a shared output names both: {r.stderr}")
        r = run(["run", str(prog)] + inputs + ["--format", "json", "--awards", str(awards)], 2)
        check("the JSON document holds the totals, awards and metrics" in r.stderr, f"--awards with JSON refused: {r.stderr}")
        run(["run", str(prog)] + inputs + ["--totals", "-"], 2)
        # A failing run leaves the files as they were.
        (d / "bad.csv").write_text("date,Sold-To Partner,amount\n2026-04-10,P1,12.3.4\n")
        before = t
        run(["run", str(prog), "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'bad.csv'}", "--totals", str(totals)], 1)
        check((totals.read_text() if totals.exists() else "") == before, "a failing run left the totals file as it was")

        # ---- §4: the unknown partner's error: file:line:column, the program's column and the CSV header ----
        (d / "unknown.csv").write_text('date,Sold-To Partner,amount\n2026-04-10,P1,10\n2026-04-11,P9,5\n"2026-04-12",P8,5\n')
        r = run(["run", str(prog), "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'unknown.csv'}"], 1)
        # Line 3: `2026-04-11,` is 11 characters, so the partner cell starts at column 12; line 4: the
        # quoted date is 12 characters and its comma one more, so column 14.
        for line, column, partner in ((3, 12, "P9"), (4, 14, "P8")):
            want = (f"{d / 'unknown.csv'}:{line}:{column}: column `partner_id` (CSV header \"Sold-To Partner\"): "
                    f"partner `{partner}` is not in the partner table `partners`")
            check(want in r.stderr, f"unknown partner error: want {want!r} in {r.stderr!r}")

        # Rows left out with --on-bad-row reject are said in notes too, and counted as the summary counts
        # them: line 2 is malformed (`12.3.4`), line 3 names an unknown partner: 2 rejected rows of `sales`.
        (d / "mixed.csv").write_text("date,Sold-To Partner,amount\n2026-04-10,P1,12.3.4\n2026-04-11,P9,5\n2026-04-12,P1,10\n")
        rej = d / "rej"
        r = run(["run", str(prog), "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'mixed.csv'}",
                 "--on-bad-row", "reject", "--rejects", str(rej), "--format", "json"], 0)
        doc = json.loads(r.stdout) if r.stdout else {"summary": {"inputs": [], "notes": []}}
        rejected = {i["name"]: i["rejected"] for i in doc["summary"]["inputs"]}
        check(rejected.get("sales") == 2, f"summary: 2 rejected rows of sales: {doc['summary']['inputs']}")
        check(f"1 row of `sales` is malformed; it was left out (written to `{rej}.sales.csv`)" in doc["summary"]["notes"],
              f"the malformed row is said: {doc['summary']['notes']}")
        check("1 line of `sales` names a partner that is not in the partner table; it was left out" in doc["summary"]["notes"],
              f"the unknown partner's line is said: {doc['summary']['notes']}")

        # ---- clawbacks in explanations and statements ----
        st = d / "statements"
        r = run(["run", str(prog)] + inputs + ["--period", "2026-Q2", "--explain", "--out", str(d / "x.csv"), "--statements", str(st)], 0)
        check("P2 2026-Q2 r: -50.00 USD (clawback)" in r.stdout and "clawback: the partner owes 50.00 USD back" in r.stdout,
              f"explanation of a clawback: {r.stdout}")
        md = (st / "P2-2026-Q2.md").read_text() if (st / "P2-2026-Q2.md").exists() else ""
        check("| Volume rebate | -50.00 USD | clawback |" in md and "**Clawback: 50.00 USD to be paid back**" in md, f"statement of a clawback: {md}")

    return checks.report("records")


if __name__ == "__main__":
    sys.exit(main())
