#!/usr/bin/env python3
"""`rebate forecast` (docs/forecast.md) through the real CLI, on one engine:

- a small ledger whose forecast is worked out by hand below: days elapsed, the scale factor, the projected
  measures, bands, payouts and accruals, at an as-of date with a whole factor (2026-08-15: x 2) and one
  with a fraction (2026-07-31: x 92/31, sums and counts rounded half-even);
- what is not scaled: a distinct count, and a year to date's complete earlier quarter;
- `--near`: the partners within that distance of their next band and the amount they still need,
  inclusive at the boundary, the top band never listed;
- CSV, JSON and Markdown, each naming the as-of date, the period, its days and the method;
- the back-test, by an independent route: as of a period's last day the forecast's projected payouts
  equal `rebate run`'s payouts of that period (lines after it in the ledger are left out and counted);
- bad input: a malformed date, a date outside the effective dates, a period not open at the date, a
  range, `--near` out of range, an output that is an input: exit 2 and nothing written.

Usage: forecast_cli.py --rebate build/bin/rebate [--engine vm]
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
program "Forecast test" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner_id: Text as partner  amount: Money  customer: Text }

tiers volume_rates retroactive {
    from 0 USD      to 10_000 USD: 2%
    from 10_000 USD to 20_000 USD: 4%
    from 20_000 USD:               6%
}

measure revenue = sales.sum(amount)
measure orders = sales.count()
measure customers = sales.count_distinct(customer)
measure revenue_ytd = year_to_date(revenue)

rebate volume "Volume rebate" { pay volume_rates of revenue }
rebate order_bonus "Order bonus" { pay 1_000 USD when orders >= 6 }
rebate ytd "Year to date" { pay 1% of revenue_ytd }
rebate logos "Customers" { pay 100 USD * customers }
"""
PARTNERS = "id\nP1\nP2\nP3\n"
# Groups: a count of group rows is scaled like a count of lines; a year to date over a group forms the year's
# groups again from the rows to date, is not projected, and a note says so.
GROUPS = """
program "Groups" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner_id: Text as partner  amount: Money  customer: Text }
group by_customer = sales by customer { value = sales.sum(amount) }
measure big_customers = by_customer.count(where value >= 1_000 USD)
measure big_ytd = year_to_date(big_customers)
rebate per_big "Per big customer" { pay 10 USD * big_customers }
rebate per_big_ytd "Per big customer, year to date" { pay 1 USD * big_ytd }
"""
# 2026-Q3 is 2026-07-01 .. 2026-09-30: 31 + 31 + 30 = 92 days.
SALES = """date,partner_id,amount,customer
2026-05-10,P1,8000,c1
2026-07-05,P1,3000,c1
2026-07-25,P1,2500.50,c2
2026-08-10,P1,1200,c3
2026-08-15,P1,800,c1
2026-08-16,P1,5000,c4
2026-09-20,P1,4000,c5
2026-07-01,P2,12000,c9
2026-08-01,P2,-1000,c9
2026-09-30,P2,1000,c9
"""

# As of 2026-08-15: 31 days of July + 15 of August = 46 elapsed of 92; the factor is 92 / 46 = 2.
# Lines dated after it: P1's 08-16 and 09-20, P2's 09-30: 3 left out.
#
# P1 to date: revenue 3,000 + 2,500.50 + 1,200 + 800 = 7,500.50 (2% band), orders 4, customers c1, c2, c3 = 3.
#   projected: revenue 7,500.50 x 2 = 15,001.00 (4% band), orders 8, customers 3 (a distinct count is not scaled).
#   volume: to date 7,500.50 x 2% = 150.01; projected 15,001.00 x 4% = 600.04; accrual 600.04 x 46 / 92 = 300.02.
#   order_bonus: to date 4 < 6: 0; projected 8 >= 6: 1,000.00; accrual 500.00.
#   ytd: Q2 is complete and not scaled: to date 1% x (8,000 + 7,500.50) = 155.005 -> 155.00 (half-even);
#        projected 1% x (8,000 + 15,001) = 230.01; accrual 230.01 x 46 / 92 = 115.005 -> 115.00 (half-even).
#   logos: 3 x 100 = 300.00 both; accrual 150.00.
#   next band of volume: 6% from 20,000; needed 20,000 - 15,001 = 4,999.00; 4,999 / 20,000 = 24.995% -> 25.00.
# P2 to date: revenue 12,000 - 1,000 = 11,000 (4%), orders 2, customers 1.
#   projected: 22,000.00 (6%, the top band: never near), orders 4, customers 1.
#   volume: 440.00 -> 1,320.00, accrual 660.00; order_bonus 0; ytd: 110.00 -> 220.00, accrual 110.00;
#   logos: 100.00, accrual 50.00.
# P3: no lines: every payout 0; volume's next band 2%... it is in the first band (from 0); the next, 4% from
#   10,000, needs 10,000.00: 100.00%.
EXPECTED_0815 = {
    # (partner, rebate): (payout to date, projected, accrual, band to date, band projected, metric to date, projected)
    ("P1", "volume"): ("150.01", "600.04", "300.02", "from 0 USD to 10,000 USD", "from 10,000 USD to 20,000 USD", "7500.50", "15001.00"),
    ("P1", "order_bonus"): ("0.00", "1000.00", "500.00", "", "", "", ""),
    ("P1", "ytd"): ("155.00", "230.01", "115.00", "", "", "", ""),
    ("P1", "logos"): ("300.00", "300.00", "150.00", "", "", "", ""),
    ("P2", "volume"): ("440.00", "1320.00", "660.00", "from 10,000 USD to 20,000 USD", "from 20,000 USD", "11000.00", "22000.00"),
    ("P2", "order_bonus"): ("0.00", "0.00", "0.00", "", "", "", ""),
    ("P2", "ytd"): ("110.00", "220.00", "110.00", "", "", "", ""),
    ("P2", "logos"): ("100.00", "100.00", "50.00", "", "", "", ""),
    ("P3", "volume"): ("0.00", "0.00", "0.00", "from 0 USD to 10,000 USD", "from 0 USD to 10,000 USD", "0.00", "0.00"),
    ("P3", "order_bonus"): ("0.00", "0.00", "0.00", "", "", "", ""),
    ("P3", "ytd"): ("0.00", "0.00", "0.00", "", "", "", ""),
    ("P3", "logos"): ("0.00", "0.00", "0.00", "", "", "", ""),
}

# As of 2026-07-31: 31 elapsed of 92; the factor is 92 / 31.
# P1 to date: 3,000 + 2,500.50 = 5,500.50, orders 2, customers 2.
#   projected revenue 5,500.50 x 92 / 31 = 506,046 / 31 = 16,324.0645161... -> 16,324.064516 (half-even, to the 6
#   places a money sum is kept at); volume 4% x 16,324.064516 = 652.9625... -> 652.96;
#   accrual 652.96 x 31 / 92 = 20,241.76 / 92 = 220.0191... -> 220.02.
#   orders 2 x 92 / 31 = 5.935... -> 6 (half-even, whole lines): the bonus is projected: 1,000.00;
#   accrual 1,000 x 31 / 92 = 336.9565... -> 336.96.
# P2 to date: 12,000 (its return of 08-01 is after the date): 4%: 480.00; 12,000 x 92 / 31 = 1,104,000 / 31 =
#   35,612.9032258... -> 35,612.903226 (6%): 2,136.7741... -> 2,136.77; accrual 2,136.77 x 31 / 92 = 66,239.87 / 92 =
#   719.9985... -> 720.00.
EXPECTED_0731 = {
    ("P1", "volume"): ("110.01", "652.96", "220.02", "5500.50", "16324.064516"),
    ("P1", "order_bonus"): ("0.00", "1000.00", "336.96", "", ""),
    ("P2", "volume"): ("480.00", "2136.77", "720.00", "12000.00", "35612.903226"),
}


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line()
    check, run = checks.check, checks.run

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        prog, partners, sales = d / "program.rebate", d / "partners.csv", d / "sales.csv"
        prog.write_text(PROGRAM)
        partners.write_text(PARTNERS)
        sales.write_text(SALES)
        inputs = [str(prog), "--input", f"partners={partners}", "--input", f"sales={sales}"]

        def rows_of(text):
            return {(r["partner"], r["rebate"]): r for r in csv.DictReader(io.StringIO(text))}

        # --- As of 2026-08-15, CSV -------------------------------------------------------------------
        r = run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--near", "25%"], 0)
        rows = rows_of(r.stdout)
        check(len(rows) == 12, f"08-15: 12 rows (3 partners x 4 rebates), got {len(rows)}")
        for key, (now, end, accrual, band_now, band_end, metric_now, metric_end) in EXPECTED_0815.items():
            row = rows.get(key, {})
            got = (row.get("payout_to_date"), row.get("payout_projected"), row.get("accrual"), row.get("band_to_date"),
                   row.get("band_projected"), row.get("metric_to_date"), row.get("metric_projected"))
            check(got == (now, end, accrual, band_now, band_end, metric_now, metric_end), f"08-15 {key}: got {got}")
        for row in rows.values():
            check((row["as_of"], row["period"], row["days_elapsed"], row["days_in_period"], row["method"]) ==
                  ("2026-08-15", "2026-Q3", "46", "92", "run_rate"), f"08-15: every row names the date, period, days, method: {row}")
        p1v = rows.get(("P1", "volume"), {})
        check((p1v.get("next_band"), p1v.get("next_band_from"), p1v.get("needed_for_next_band"), p1v.get("distance_pct"), p1v.get("near")) ==
              ("6%", "20000.00", "4999.00", "25.00", "yes"), f"08-15 P1 volume's next band: {p1v}")
        p2v = rows.get(("P2", "volume"), {})
        check((p2v.get("next_band"), p2v.get("near")) == ("", "no"), f"08-15 P2 is in the top band: no next band, not near: {p2v}")
        p3v = rows.get(("P3", "volume"), {})
        check((p3v.get("needed_for_next_band"), p3v.get("distance_pct"), p3v.get("near")) == ("10000.00", "100.00", "no"),
              f"08-15 P3 volume: 10,000 needed, 100% away, not within 25%: {p3v}")
        check(rows.get(("P1", "volume"), {}).get("lines_to_date") == "4", "08-15 P1 volume read the 4 lines to date")
        check("3 ledger lines were booked after the as-of date (2026-08-15) and were not read" in r.stderr,
              f"08-15: the lines after the date are counted in a note: {r.stderr}")

        # --near at the boundary: 4,999 <= 24.995% x 20,000 = 4,999 (inclusive); 24.99% x 20,000 = 4,998 < 4,999.
        for near, listed in (("24.995%", "yes"), ("24.99", "no"), ("100%", "yes")):
            r = run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--near", near], 0)
            check(rows_of(r.stdout).get(("P1", "volume"), {}).get("near") == listed, f"--near {near}: P1 volume near = {listed}")
        # 100% takes P3 too (10,000 needed of 10,000); P2 is in the top band whatever the distance.
        check(rows_of(r.stdout).get(("P3", "volume"), {}).get("near") == "yes", "--near 100%: P3 volume is near")
        check(rows_of(r.stdout).get(("P2", "volume"), {}).get("near") == "no", "--near 100%: P2 (top band) is never near")

        # --- JSON ------------------------------------------------------------------------------------------
        r = run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--near", "25%", "--format", "json"], 0)
        try:
            doc = json.loads(r.stdout)
        except json.JSONDecodeError as e:
            doc = {}
            check(False, f"JSON: {e}: {r.stdout[:300]}")
        check(doc.get("as_of") == "2026-08-15" and doc.get("method") == "run_rate", f"JSON names the date and method: {str(doc)[:300]}")
        check(doc.get("period") == {"period": "2026-Q3", "first_day": "2026-07-01", "last_day": "2026-09-30", "days_elapsed": 46,
                                    "days_in_period": 92}, f"JSON period: {doc.get('period')}")
        # Totals by hand: to date 150.01 + 155.00 + 300 + 440 + 110 + 100 = 1,255.01; projected 600.04 + 1,000 + 230.01 +
        # 300 + 1,320 + 220 + 100 = 3,770.05; accrual 300.02 + 500 + 115 + 150 + 660 + 110 + 50 = 1,885.02.
        check(doc.get("totals") == {"payout_to_date": "1255.01", "payout_projected": "3770.05", "accrual": "1885.02"},
              f"JSON totals: {doc.get('totals')}")
        near = doc.get("near", {}).get("partners", [])
        check([(n["partner"], n["rebate"], n["needed"], n["distance_pct"]) for n in near] == [("P1", "volume", "4999.00", "25.00")],
              f"JSON near list: {near}")
        p1 = [x for x in doc.get("rows", []) if x["partner"] == "P1" and x["rebate"] == "order_bonus"]
        measures = {m["name"]: (m["to_date"], m["projected"]) for m in (p1[0]["measures"] if p1 else [])}
        check(measures.get("orders") == ("4", "8"), f"JSON P1 order_bonus measures: orders 4 to date, 8 projected: {measures}")
        p1l = [x for x in doc.get("rows", []) if x["partner"] == "P1" and x["rebate"] == "logos"]
        measures = {m["name"]: (m["to_date"], m["projected"]) for m in (p1l[0]["measures"] if p1l else [])}
        check(measures.get("customers") == ("3", "3"), f"JSON P1 logos: customers not scaled: {measures}")
        check(any("after the as-of date" in n for n in doc.get("notes", [])), "JSON notes the lines left out")

        # --- Markdown ---------------------------------------------------------------------------------------
        r = run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--near", "25%", "--format", "markdown"], 0)
        md = r.stdout
        check("As of **2026-08-15**: period **2026-Q3** (2026-07-01 .. 2026-09-30, day 46 of 92)" in md, f"Markdown header: {md[:400]}")
        check("run rate by days elapsed" in md, "Markdown names the method")
        table = [line for line in md.splitlines() if line.startswith("| P") and not line.startswith("| Partner")]
        order = [tuple(c.strip() for c in line.split("|")[1:3]) for line in table]
        # By accrual: P2 volume 660, P1 order_bonus 500, P1 volume 300.02, P1 logos 150, P1 ytd 115, P2 ytd 110,
        # P2 logos 50; then the near list's P1 volume.
        check(order[:7] == [("P2", "volume"), ("P1", "order\\_bonus"), ("P1", "volume"), ("P1", "logos"), ("P1", "ytd"), ("P2", "ytd"),
                            ("P2", "logos")], f"Markdown rows by accrual: {order}")
        check("| **Total** | | | | | | | 1,255.01 | 3,770.05 | 1,885.02 |" in md, "Markdown totals")
        check("## Near the next band (within 25%)" in md and "| P1 | volume | revenue | 15,001.00 USD | from 20,000 USD (6%) | 20,000.00 USD | "
              "4,999.00 USD | 25.00% |" in md, f"Markdown near list: {md[-900:]}")
        check("## Notes\n\n- 3 ledger lines were booked after the as-of date (2026-08-15) and were not read\n" in md,
              f"Markdown notes: {md[-600:]}")

        # --- As of 2026-07-31: a fractional factor --------------------------------------------------------
        r = run(["forecast"] + inputs + ["--as-of", "2026-07-31"], 0)
        rows = rows_of(r.stdout)
        for key, (now, end, accrual, metric_now, metric_end) in EXPECTED_0731.items():
            row = rows.get(key, {})
            got = (row.get("payout_to_date"), row.get("payout_projected"), row.get("accrual"), row.get("metric_to_date"), row.get("metric_projected"))
            check(got == (now, end, accrual, metric_now, metric_end), f"07-31 {key}: got {got}")
            check((row.get("days_elapsed"), row.get("days_in_period")) == ("31", "92"), f"07-31 {key}: 31 of 92 days")

        # --- Back-test: as of a period's last day, the projection is the period's own payout ------------------
        for as_of, period in (("2026-09-30", "2026-Q3"), ("2026-06-30", "2026-Q2")):
            f = run(["forecast"] + inputs + ["--as-of", as_of], 0)
            p = run(["run"] + inputs + ["--period", period], 0)
            forecast_rows = rows_of(f.stdout)
            paid = {(x["partner"], x["rebate"]): x["amount"] for x in csv.DictReader(io.StringIO(p.stdout))}
            check(len(paid) == 12 and {k: v["payout_projected"] for k, v in forecast_rows.items()} == paid,
                  f"back-test {as_of}: the forecast's projected payouts are `rebate run --period {period}`'s")
            check(all(v["payout_to_date"] == v["payout_projected"] == v["accrual"] for v in forecast_rows.values()),
                  f"back-test {as_of}: to date, projected and accrual are one amount when the period is over")
        # ... and as of 2026-06-30 the Q3 lines (P1's 6 and P2's 3) are left out of the Q2 forecast.
        check("9 ledger lines were booked after the as-of date (2026-06-30) and were not read" in f.stderr, f"06-30 note: {f.stderr}")

        # Groups, as of 2026-08-15 (x 2). P1's customers in Q3 to date: c1 3,000 + 800, c2 2,500.50, c3 1,200: 3 of
        # at least 1,000 USD: 30.00 USD to date, 6 projected: 60.00, accrual 30.00. The year to date's groups
        # (c1 with Q2's 8,000 too, c2, c3: 3) are not projected: 3.00 USD both ways, accrual 1.50.
        # P2: c9 12,000 - 1,000 = 11,000: 1 big customer, 2 projected: 10.00 -> 20.00, accrual 10.00; year to date 1.00.
        groups = d / "groups.rebate"
        groups.write_text(GROUPS)
        r = run(["forecast", str(groups), "--input", f"partners={partners}", "--input", f"sales={sales}", "--as-of", "2026-08-15"], 0)
        g = {k: (v["payout_to_date"], v["payout_projected"], v["accrual"]) for k, v in rows_of(r.stdout).items()}
        check(g.get(("P1", "per_big")) == ("30.00", "60.00", "30.00"), f"groups: P1 per_big: {g.get(('P1', 'per_big'))}")
        check(g.get(("P1", "per_big_ytd")) == ("3.00", "3.00", "1.50"), f"groups: P1 per_big_ytd: {g.get(('P1', 'per_big_ytd'))}")
        check(g.get(("P2", "per_big")) == ("10.00", "20.00", "10.00"), f"groups: P2 per_big: {g.get(('P2', 'per_big'))}")
        check(g.get(("P2", "per_big_ytd")) == ("1.00", "1.00", "0.50"), f"groups: P2 per_big_ytd: {g.get(('P2', 'per_big_ytd'))}")
        check("the group `by_customer` is read over several periods at once" in r.stderr, f"groups: the note: {r.stderr}")

        # The same forecast on 1 and 3 threads: the same bytes.
        one = run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--format", "json", "--threads", "1"], 0)
        three = run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--format", "json", "--threads", "3"], 0)
        check(one.stdout == three.stdout and one.stdout, "--threads 1 and 3 give the same forecast")

        # --- Bad input: exit 2, a clear message, nothing written ---------------------------------------------
        out = d / "forecast.csv"
        bad = [
            (["--as-of", "2026-13-01"], "`--as-of 2026-13-01` is not a date"),
            (["--as-of", "15/08/2026"], "`--as-of 15/08/2026` is not a date"),
            (["--as-of", "2025-12-31"], "outside the program's effective dates (2026-01-01 .. 2026-12-31)"),
            (["--as-of", "2027-01-01"], "outside the program's effective dates"),
            (["--as-of", "2026-08-15", "--period", "2026-Q2"], "the period 2026-Q2 is not open at 2026-08-15: it ended before"),
            (["--as-of", "2026-08-15", "--period", "2026-Q4"], "the period 2026-Q4 is not open at 2026-08-15: it starts after"),
            (["--as-of", "2026-08-15", "--period", "2026-07"], "`--period 2026-07` is not a period of this program"),
            (["--as-of", "2026-08-15", "--period", "2026-Q1..2026-Q3"], "not a range"),
            (["--as-of", "2026-08-15", "--near", "0%"], "`--near 0%` must be a percentage above 0 and at most 100"),
            (["--as-of", "2026-08-15", "--near", "150%"], "`--near 150%` must be"),
            (["--as-of", "2026-08-15", "--near", "-5"], "`--near -5` must be"),
            (["--as-of", "2026-08-15", "--near", "ten"], "`--near ten` must be"),
        ]
        for extra, message in bad:
            r = run(["forecast"] + inputs + extra + ["--out", str(out)], 2)
            check(message in r.stderr, f"{extra}: the message says `{message}`: {r.stderr}")
            check(not out.exists(), f"{extra}: nothing written")
        r = run(["forecast"] + inputs, 2)  # no --as-of
        check("--as-of" in r.stderr, f"--as-of is required: {r.stderr}")
        r = run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--out", str(sales)], 2)
        check(sales.read_text() == SALES, "--out naming an input is refused, the input untouched")
        # The --period of the open period is accepted, and the same forecast.
        a = run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--period", "2026-Q3"], 0)
        b = run(["forecast"] + inputs + ["--as-of", "2026-08-15"], 0)
        check(a.stdout == b.stdout and a.stdout, "--period naming the open period gives the same forecast")
        # --out writes the file.
        run(["forecast"] + inputs + ["--as-of", "2026-08-15", "--out", str(out)], 0)
        check(out.exists() and out.read_text() == b.stdout, "--out writes what standard output would have")

    return checks.report("forecast_cli")


if __name__ == "__main__":
    sys.exit(main())
