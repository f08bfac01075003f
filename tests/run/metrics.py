#!/usr/bin/env python3
"""Metrics and awards of money (docs/language.md §25) through the real CLI, on one engine:

- `--metrics PATH` writes one row per metric, partner and period (`partner, period, metric, value,
  currency`), Money rounded to the cent by the program's mode, percentages as percentages, numbers,
  enums, yes/no and text as written; the payouts file is unchanged and holds no metric;
- without `--metrics` the run says in a note that the metrics were not written;
- the awards file has a `currency` column: an award of Money with its amount and currency, others empty;
- the JSON document's `metrics` array, and `currency` on an award of Money;
- `--explain` and `rebate explain` show each metric with its trace; statements show them under Figures;
- `--metrics` with JSON, and `--metrics -`, are usage errors (exit 2);
- `rebate test` checks expectations on metrics and on an award of money.

Every expected value is worked out by hand in the comments.

Usage: metrics.py --rebate build/bin/rebate [--engine vm]
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
program "Metrics" { currency: USD  period: quarter  effective: 2026-07-01 .. 2026-09-30 }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner_id: Text as partner  amount: Money }
measure revenue = sales.sum(amount)
rebate volume "Volume" { pay 2% of revenue }
/// How far the partner is from 10,000 USD.
metric gap: Money "Gap to target" = if revenue >= 10_000 USD then 0 USD else 10_000 USD - revenue
metric accrual: Money = revenue * 1.5%
metric share: Percent = if revenue > 0 USD then 1_000 USD / revenue else 0%
metric lines: Int = sales.count()
metric level: Tier = partner.tier
metric big: Bool = revenue >= 5_000 USD
metric note: Text = if revenue > 0 USD then "active, \\"yes\\"" else "idle"
award credit: Money "Marketing credit" {
    when revenue >= 5_000 USD => 250 USD
    otherwise                 => 0 USD
}
test "metrics and a money award" {
    given partners (id, tier) { ("P1", gold) ("P2", bronze) }
    given sales (date, partner_id, amount) { (2026-07-01, "P1", 4_000.333 USD) (2026-07-02, "P1", 2_000 USD) }
    expect gap for "P1" in 2026-Q3 = 3_999.67 USD
    expect accrual for "P1" in 2026-Q3 = 90 USD
    expect share for "P2" in 2026-Q3 = 0%
    expect lines for "P1" in 2026-Q3 = 2
    expect level for "P2" in 2026-Q3 = bronze
    expect big for "P1" in 2026-Q3 = true
    expect credit for "P1" in 2026-Q3 = 250 USD
    expect credit for "P2" in 2026-Q3 = 0 USD
}
test "a wrong expectation on a metric fails" {
    given partners (id, tier) { ("P1", gold) }
    given sales (date, partner_id, amount) { (2026-07-01, "P1", 100 USD) }
    expect accrual for "P1" in 2026-Q3 = 1.51 USD
}
"""

PARTNERS = "id,tier\nP1,gold\nP2,bronze\n"
# P1: 4,000.333 + 2,000 = 6,000.333 USD in 2026-Q3 (2 lines); P2: 8,000 USD (1 line).
SALES = "date,partner_id,amount\n2026-07-01,P1,4000.333\n2026-07-02,P1,2000\n2026-08-01,P2,8000\n"

# By hand:
# P1 gap: 10,000 - 6,000.333 = 3,999.667 -> 3,999.67 (half even: the third place is 7)
# P1 accrual: 6,000.333 x 1.5% = 90.004995 -> 90.00
# P1 share: 1,000 / 6,000.333 = 0.16665741... as a percentage 16.665741...%: written exactly as the division gives it
# P2 gap: 10,000 - 8,000 = 2,000.00; accrual 8,000 x 1.5% = 120.00; share 1,000 / 8,000 = 12.5%
# credit: both above 5,000 -> 250.00 USD
EXPECTED_METRICS = [
    ["P1", "2026-Q3", "gap", "3999.67", "USD"],
    ["P1", "2026-Q3", "accrual", "90.00", "USD"],
    ["P1", "2026-Q3", "lines", "2", ""],
    ["P1", "2026-Q3", "level", "gold", ""],
    ["P1", "2026-Q3", "big", "true", ""],
    ["P1", "2026-Q3", "note", 'active, "yes"', ""],
    ["P2", "2026-Q3", "gap", "2000.00", "USD"],
    ["P2", "2026-Q3", "accrual", "120.00", "USD"],
    ["P2", "2026-Q3", "share", "12.5%", ""],
    ["P2", "2026-Q3", "lines", "1", ""],
    ["P2", "2026-Q3", "level", "bronze", ""],
    ["P2", "2026-Q3", "big", "true", ""],
    ["P2", "2026-Q3", "note", 'active, "yes"', ""],
]


def main():
    t, args = cli_checks.CliChecks.from_command_line()
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "program.rebate").write_text(PROGRAM)
        (d / "partners.csv").write_text(PARTNERS)
        (d / "sales.csv").write_text(SALES)
        base = ["run", str(d / "program.rebate"), "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}"]

        # CSV: the payouts file as before, the metrics and awards in files of their own.
        r = t.run(base + ["--metrics", str(d / "metrics.csv"), "--awards", str(d / "awards.csv")])
        t.check(r.stdout.splitlines()[0] == "partner,period,rebate,amount,currency,status,basis,band,rate,lines,reason",
                f"payouts header unchanged: {r.stdout!r}")
        # 2% of 6,000.333 = 120.00666 -> 120.01; 2% of 8,000 = 160.00
        t.check([row[:4] for row in csv.reader(io.StringIO(r.stdout))][1:] == [["P1", "2026-Q3", "volume", "120.01"], ["P2", "2026-Q3", "volume", "160.00"]],
                f"payouts: {r.stdout!r}")
        t.check("metric" not in r.stderr, f"no note about metrics when written: {r.stderr!r}")
        rows = list(csv.reader(io.StringIO((d / "metrics.csv").read_text())))
        t.check(rows[0] == ["partner", "period", "metric", "value", "currency"], f"metrics header: {rows[:1]}")
        share_p1 = [row for row in rows if row[:3] == ["P1", "2026-Q3", "share"]]
        t.check(len(share_p1) == 1 and share_p1[0][3].startswith("16.6657") and share_p1[0][3].endswith("%"), f"P1 share: {share_p1}")
        t.check([row for row in rows[1:] if row[2] != "share" or row[0] != "P1"] == EXPECTED_METRICS, f"metrics rows: {rows}")
        awards = (d / "awards.csv").read_text()
        t.check(awards == "partner,period,measured,award,value,currency\nP1,2026-Q3,2026-Q3,credit,250.00,USD\nP2,2026-Q3,2026-Q3,credit,250.00,USD\n",
                f"awards file: {awards!r}")

        # Without --metrics: a note names them.
        r = t.run(base + ["--awards", str(d / "awards2.csv")])
        t.check("note: the program reports metrics (`gap`, `accrual`, `share`, `lines`, `level`, `big`, `note`)" in r.stderr,
                f"note without --metrics: {r.stderr!r}")

        # JSON: the metrics array, and the currency of an award of money.
        r = t.run(base + ["--format", "json"])
        doc = json.loads(r.stdout) if r.returncode == 0 else {}
        metrics = doc.get("metrics", [])
        t.check(len(metrics) == 14, f"14 metrics in JSON: {metrics}")
        t.check({"partner": "P2", "period": "2026-Q3", "metric": "accrual", "value": "120.00", "currency": "USD"} in metrics, f"JSON money metric: {metrics}")
        t.check({"partner": "P2", "period": "2026-Q3", "metric": "level", "value": "bronze"} in metrics, f"JSON enum metric: {metrics}")
        t.check(doc.get("awards", []) == [
            {"partner": "P1", "period": "2026-Q3", "measured": "2026-Q3", "award": "credit", "value": "250.00", "currency": "USD"},
            {"partner": "P2", "period": "2026-Q3", "measured": "2026-Q3", "award": "credit", "value": "250.00", "currency": "USD"}],
            f"JSON awards: {doc.get('awards')}")

        # Explanations: the metric's value as people read it, and its trace.
        r = t.run(["explain"] + base[1:] + ["--partner", "P2", "--period", "2026-Q3"])
        t.check("P2 2026-Q3 metric accrual: 120.00 USD\n" in r.stdout, f"explain metric: {r.stdout!r}")
        t.check("P2 2026-Q3 metric gap: 2,000.00 USD\n  revenue = 8,000.00 USD (sales.sum(amount), 1 ledger line)\n" in r.stdout,
                f"explain metric trace: {r.stdout!r}")
        t.check("P2 2026-Q3 credit: 250.00 USD (from 2026-Q3's figures)" in r.stdout, f"explain money award: {r.stdout!r}")

        # Statements: a Figures section, by title or name in words.
        t.run(base + ["--metrics", str(d / "m3.csv"), "--awards", str(d / "a3.csv"), "--statements", str(d / "st")])
        st = (d / "st" / "P2-2026-Q3.md").read_text() if (d / "st" / "P2-2026-Q3.md").exists() else ""
        t.check("## Figures\n\n- Gap to target: 2,000.00 USD\n- accrual: 120.00 USD\n- share: 12.5%\n- lines: 1\n- level: bronze\n" in st,
                f"statement figures: {st!r}")
        t.check("**credit:** 250.00 USD (for 2026-Q3)" in st, f"statement money award: {st!r}")
        t.run(base + ["--statements", str(d / "sth"), "--statement-format", "html", "--metrics", str(d / "m4.csv"), "--awards", str(d / "a4.csv")])
        html = (d / "sth" / "P2-2026-Q3.html").read_text() if (d / "sth" / "P2-2026-Q3.html").exists() else ""
        t.check("<h2>Figures</h2>" in html and "<li>Gap to target: <strong>2,000.00 USD</strong></li>" in html, f"html figures: {html[-1500:]!r}")

        # Usage errors.
        r = t.run(base + ["--format", "json", "--metrics", str(d / "x.csv")], code=2)
        t.check("`--metrics` is for the CSV form" in r.stderr, f"json with --metrics: {r.stderr!r}")
        r = t.run(base + ["--metrics", "-"], code=2)
        t.check("`--metrics -`" in r.stderr, f"--metrics -: {r.stderr!r}")

        # rebate test: the first test passes (8 expectations), the second fails with the value shown.
        # 100 x 1.5% = 1.50, not 1.51.
        r = t.run(["test", str(d / "program.rebate")], code=1)
        t.check("1 passed, 1 failed" in r.stdout, f"rebate test counts: {r.stdout!r}")
        t.check("expected: 1.51 USD\n    actual:   1.50 USD\n" in r.stdout, f"rebate test message: {r.stdout!r}")
    return t.report("metrics")


if __name__ == "__main__":
    sys.exit(main())
