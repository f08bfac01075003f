#!/usr/bin/env python3
"""`rebate diff OLD NEW` through the real CLI: the changes it reports against figures worked out by hand
and against an independent route (two `rebate run` invocations compared here), rebates added and
removed, band and status changes, award changes, --fail-above on both sides of the threshold, the md /
csv / json shapes (the Markdown within a pull-request comment), `git:REV:PATH` (imports from the same
revision) in a throwaway repository, the two-run way for programs that cannot share a scan, and the exit
codes (2 for usage and I/O, 1 for errors in programs and for --fail-above)."""
import argparse
import csv
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

# A small program whose payouts are easy to work out. Sales in 2026-Q3: P1 (gold) 1,500, P2 (silver) 50,
# P3 (bronze) 200.
SMALL_HEAD = """
program "Diff test" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner: Text as partner  amount: Money }
measure revenue = sales.sum(amount)
"""
# Old: 1% below 1,000 USD and 2% from it, silver and above; a 10 USD legacy bonus on any revenue; the
# next level is gold from 1,000 USD.
SMALL_OLD = SMALL_HEAD + """
tiers volume retroactive { from 0 USD to 1_000 USD: 1%  from 1_000 USD: 2% }
rebate r "Volume rebate" { eligible when partner.tier >= silver  pay volume of revenue }
rebate legacy "Legacy bonus" { pay 10 USD when revenue > 0 USD }
award level: Tier for next period "Level" { when revenue >= 1_000 USD => gold  otherwise => bronze }
"""
# New: the first band goes up to 2,000 USD, gold partners only, the legacy bonus removed, a 5 USD
# `fresh` bonus added, gold from 100 USD.
SMALL_NEW = SMALL_HEAD + """
tiers volume retroactive { from 0 USD to 2_000 USD: 1%  from 2_000 USD: 2% }
rebate r "Volume rebate" { eligible when partner.tier >= gold  pay volume of revenue }
rebate fresh "Fresh bonus" { pay 5 USD }
award level: Tier for next period "Level" { when revenue >= 100 USD => gold  otherwise => bronze }
"""
PARTNERS = "id,tier\nP1,gold\nP2,silver\nP3,bronze\n"
SALES = "date,partner,amount\n2026-07-01,P1,1500\n2026-07-02,P2,50\n2026-07-03,P3,200\n"


class Checks:
    def __init__(self, rebate, engine=None):
        self.rebate = rebate
        self.engine = engine
        self.failures = []
        self.passed = 0

    def run(self, argv, code, out_has=(), err_has=(), cwd=None, what=""):
        if self.engine and argv and argv[0] in ("run", "explain", "diff"):
            argv = argv + ["--engine", self.engine]
        r = subprocess.run([self.rebate] + argv, capture_output=True, text=True, errors="replace", timeout=120, cwd=cwd)
        problems = []
        if r.returncode != code:
            problems.append(f"exit {r.returncode}, expected {code}")
        problems += [f"stdout lacks {s!r}" for s in out_has if s not in r.stdout]
        problems += [f"stderr lacks {s!r}" for s in err_has if s not in r.stderr]
        self.check(not problems, f"{what or ' '.join(argv[:3])}: " + "; ".join(problems) + f"\n  stdout: {r.stdout[:600]}\n  stderr: {r.stderr[:600]}")
        return r

    def check(self, ok, message):
        if ok:
            self.passed += 1
        else:
            self.failures.append(message)

    def equal(self, got, expected, what):
        self.check(got == expected, f"{what}: got {got!r}, expected {expected!r}")


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def payout_rows(text):
    """The `payout` rows of a diff's CSV, by (partner, period, rebate)."""
    return {(r["partner"], r["period"], r["name"]): r for r in csv_rows(text) if r["kind"] == "payout"}


def summary_rows(text):
    return {(r["kind"], r["name"]): r for r in csv_rows(text) if r["kind"] in ("rebate", "total")}


def run_payouts(c, program, inputs, period=None):
    """One `rebate run` as CSV: (partner, period, rebate) -> (amount, status, band); the payouts file
    holds payouts only (the totals go to --totals' file)."""
    argv = ["run", str(program)] + inputs + (["--period", period] if period else [])
    r = c.run(argv, 0, what=f"rebate run {program}")
    return {(p["partner"], p["period"], p["rebate"]): (Decimal(p["amount"]), p["status"], p["band"]) for p in csv_rows(r.stdout) if p["status"]}


def independent_changes(old, new):
    """The rows two runs' payouts differ in (amount, status or band text), and the two totals."""
    changed = {}
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a is None or b is None:
            if (a or b)[0] != 0:
                changed[key] = (a, b)
        elif a != b:
            changed[key] = (a, b)
    return changed, sum(v[0] for v in old.values()), sum(v[0] for v in new.values())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--engine", default=None, help="run every program on this engine (vm or jit; default: the CLI's)")
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    rebate = str(pathlib.Path(args.rebate).resolve())
    root = pathlib.Path(args.root).resolve()
    c = Checks(rebate, args.engine)
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        example_rate_change(c, root, d / "ex04")
        small_programs(c, d / "small")
        large_report(c, d / "large")
        two_runs_when_inputs_differ(c, d / "inputs")
        git_revisions(c, d / "repo")
        ci_recipes(c, root, d / "ci")
        exit_codes(c, d / "codes")
    for f in c.failures:
        print("FAIL:", f)
    print(f"{c.passed} passed, {len(c.failures)} failed")
    return 1 if c.failures else 0


def example_rate_change(c, root, d):
    """Example 04 with its first band's rate 2% -> 2.5%: each partner paid in that band gets 0.5% more of
    its storage revenue, rounded half-even to the cent (examples/04-storage-volume-tiers/expected.md has
    the bases):
      P1 2026-Q2  45,000.00 x 2.5% = 1,125.00          (was   900.00)  +225.00
      P3 2026-Q3  99,999.99 x 2.5% = 2,499.99975 -> 2,500.00  (was 2,000.00)  +500.00
      P4 2026-Q3  12,345.25 x 2.5% =   308.63125 ->   308.63  (was   246.90)   +61.73
      P7 2026-Q3  80,000.00 x 2.5% = 2,000.00          (was 1,600.00)  +400.00
    P6 is bronze (not eligible), P7 2026-Q4 is below the first band, the rest are in other bands or sell
    nothing. Total 140,626.90 -> 141,813.63: +1,186.73, 1,186.73 / 140,626.90 = 0.8439% -> 0.84%."""
    ex = root / "examples" / "04-storage-volume-tiers"
    d.mkdir(parents=True)
    old = d / "old.rebate"
    new = d / "new.rebate"
    text = (ex / "program.rebate").read_text()
    old.write_text(text)
    changed = text.replace("from 0 USD       to 100_000 USD: 2%", "from 0 USD       to 100_000 USD: 2.5%")
    c.check(changed != text, "example 04: the rate line to change was not found")
    new.write_text(changed)
    inputs = ["--input", f"partners={ex / 'partners.csv'}", "--input", f"sales={ex / 'sales.csv'}"]
    r = c.run(["diff", str(old), str(new)] + inputs + ["--format", "csv"], 0, what="example 04 csv")
    rows = payout_rows(r.stdout)
    expected = {
        ("P1", "2026-Q2"): ("900.00", "1125.00", "225.00"),
        ("P3", "2026-Q3"): ("2000.00", "2500.00", "500.00"),
        ("P4", "2026-Q3"): ("246.90", "308.63", "61.73"),
        ("P7", "2026-Q3"): ("1600.00", "2000.00", "400.00"),
    }
    c.equal(sorted(k[:2] for k in rows), sorted(expected), "example 04: the changed rows")
    for key, (before, after, delta) in expected.items():
        row = rows.get(key + ("storage_volume",))
        if row:
            c.equal((row["old"], row["new"], row["delta"], row["change"]), (before, after, delta, "amount"), f"example 04 {key}")
    total = summary_rows(r.stdout).get(("total", ""))
    c.equal(total and (total["old"], total["new"], total["delta"], total["percent"]), ("140626.90", "141813.63", "1186.73", "0.84"),
            "example 04: the totals")

    # The independent route: two `rebate run`s, compared here row by row.
    before = run_payouts(c, old, inputs)
    after = run_payouts(c, new, inputs)
    changes, old_total, new_total = independent_changes(before, after)
    c.equal(set(changes), set(rows), "example 04: the rows two runs differ in")
    for key, (a, b) in changes.items():
        row = rows.get(key)
        if row:
            c.equal((Decimal(row["old"]), Decimal(row["new"]), Decimal(row["delta"])), (a[0], b[0], b[0] - a[0]), f"example 04 {key} vs two runs")
    if total:
        c.equal((Decimal(total["old"]), Decimal(total["new"])), (old_total, new_total), "example 04: totals vs two runs")

    # Markdown: the summary table, the largest changes (P3 and P7 first), the folded detail.
    r = c.run(["diff", str(old), str(new)] + inputs, 0, what="example 04 md")
    md = r.stdout
    for piece in ["## Payout changes:", "| `storage_volume` | 140,626.90 | 141,813.63 | +1,186.73 | +0.84% |",
                  "| **total** | **140,626.90** | **141,813.63** | **+1,186.73** | **+0.84%** |", "### Largest changes",
                  "<details>", "All 4 changed payouts", "</details>"]:
        c.check(piece in md, f"example 04 md lacks {piece!r}\n{md}")
    movers = [line for line in md.split("### Largest changes")[-1].splitlines() if line.startswith("| P")][:4]
    c.equal([m.split(" | ")[0] for m in movers], ["| P3", "| P7", "| P1", "| P4"], "example 04: the largest changes first")
    # The same report whether the two programs share a scan or not, on one thread or two, wherever the
    # batches of payouts end.
    for fmt in ("md", "csv"):
        one = c.run(["diff", str(old), str(new)] + inputs + ["--format", fmt], 0).stdout
        for how in (["--two-runs"], ["--threads", "1", "--batch-partners", "1"], ["--threads", "2", "--batch-partners", "3"],
                    ["--two-runs", "--batch-partners", "2"]):
            other = c.run(["diff", str(old), str(new)] + inputs + ["--format", fmt] + how, 0).stdout
            c.equal(other, one, f"example 04 {fmt}: {' '.join(how)} gives the same report")
    # A program against itself: nothing changed.
    r = c.run(["diff", str(old), str(old)] + inputs + ["--format", "json"], 0)
    doc = json.loads(r.stdout)
    c.equal((doc["payouts_changed"], doc["changes"], doc["total"]["delta"], doc["one_scan"]), (0, [], "0.00", True), "example 04 with itself")


def small_programs(c, d):
    """Added and removed rebates, band and status changes, award changes, --fail-above.

    Old, 2026-Q3: r pays P1 1,500 x 2% = 30.00 (second band), P2 50 x 1% = 0.50, P3 not eligible (bronze);
    legacy pays 10.00 to each (all three sold): total 30.00 + 0.50 + 30.00 = 60.50.
    New: r pays P1 1,500 x 1% = 15.00 (now the first band), P2 is not eligible (silver), P3 neither;
    fresh pays 5.00 to each: total 15.00 + 15.00 = 30.00.
    Change: -30.50, -30.50 / 60.50 = -50.4132% -> -50.41%.
    Rows: r P1 amount and band (-15.00), r P2 amount and status (-0.50), legacy removed x3 (-10.00 each),
    fresh added x3 (+5.00 each): 8 rows, 2 of them in band or status.
    Awards for 2026-Q4 (next period): P3's 200 USD reaches the new 100 USD threshold: bronze -> gold; P1
    (1,500) stays gold, P2 (50) bronze."""
    d.mkdir(parents=True)
    (d / "old.rebate").write_text(SMALL_OLD)
    (d / "new.rebate").write_text(SMALL_NEW)
    (d / "partners.csv").write_text(PARTNERS)
    (d / "sales.csv").write_text(SALES)
    inputs = ["--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}", "--period", "2026-Q3"]
    base = ["diff", str(d / "old.rebate"), str(d / "new.rebate")] + inputs
    r = c.run(base + ["--format", "json"], 0, what="small json")
    try:
        doc = json.loads(r.stdout)
    except json.JSONDecodeError as e:
        c.check(False, f"small json does not parse: {e}\n{r.stdout}")
        return
    c.equal(doc["total"], {"old": "60.50", "new": "30.00", "delta": "-30.50", "percent": "-50.41"}, "small: total")
    c.equal((doc["payouts_compared"], doc["payouts_changed"], doc["band_or_status_changed"], doc["awards_changed"]), (9, 8, 2, 1),
            "small: counts")
    kinds = {r["rebate"]: (r["change"], r["old"], r["new"], r["delta"], r["percent"], r["payouts_changed"]) for r in doc["rebates"]}
    c.equal(kinds, {"r": ("changed", "30.50", "15.00", "-15.50", "-50.82", 2), "fresh": ("added", None, "15.00", "15.00", "new", 3),
                    "legacy": ("removed", "30.00", None, "-30.00", "-100.00", 3)}, "small: the rebates")
    c.equal([r["rebate"] for r in doc["rebates"]], ["r", "fresh", "legacy"], "small: the new program's order, then the removed")
    by_key = {(x["partner"], x["rebate"]): x for x in doc["changes"]}
    c.equal(sorted(by_key), sorted([("P1", "r"), ("P2", "r")] + [(p, k) for p in ("P1", "P2", "P3") for k in ("fresh", "legacy")]),
            "small: the changed rows")
    p1 = by_key.get(("P1", "r"), {})
    c.equal((p1.get("change"), p1.get("old", {}).get("amount"), p1.get("new", {}).get("amount"), p1.get("delta")),
            (["amount", "band"], "30.00", "15.00", "-15.00"), "small: P1's band change")
    p2 = by_key.get(("P2", "r"), {})
    c.equal((p2.get("change"), p2.get("old", {}).get("status"), p2.get("new", {}).get("status")), (["amount", "status"], "paid", "not eligible"),
            "small: P2's status change")
    fresh = by_key.get(("P3", "fresh"), {})
    c.equal((fresh.get("change"), fresh.get("old"), fresh.get("new", {}).get("amount")), (["added"], None, "5.00"), "small: an added row")
    legacy = by_key.get(("P3", "legacy"), {})
    c.equal((legacy.get("change"), legacy.get("old", {}).get("amount"), legacy.get("new")), (["removed"], "10.00", None), "small: a removed row")
    c.equal(doc["award_changes"], [{"partner": "P3", "period": "2026-Q4", "award": "level", "old": "bronze", "new": "gold"}], "small: awards")
    c.equal([(m["partner"], m["rebate"], m["delta"]) for m in doc["top_movers"]][:3],
            [("P1", "r", "-15.00"), ("P1", "legacy", "-10.00"), ("P2", "legacy", "-10.00")], "small: the largest movers, ties in output order")

    # Markdown: added and removed rebates, the band and status section, the award section.
    r = c.run(base, 0, what="small md")
    for piece in ["| `fresh` (added) | — | 15.00 | +15.00 | new |", "| `legacy` (removed) | 30.00 | — | -30.00 | -100.00% |",
                  "### Band and status changes (2)", "### Award changes (1)", "| P3 | 2026-Q4 | `level` | bronze | gold |",
                  "status paid → not eligible"]:
        c.check(piece in r.stdout, f"small md lacks {piece!r}\n{r.stdout}")
    # CSV: every changed row, the award, the rebates and the total.
    r = c.run(base + ["--format", "csv"], 0, what="small csv")
    kinds = [row["kind"] for row in csv_rows(r.stdout)]
    c.equal(kinds, ["payout"] * 8 + ["award", "rebate", "rebate", "rebate", "total"], "small csv: the rows' kinds")
    # --top limits the movers.
    r = c.run(base + ["--format", "json", "--top", "1"], 0)
    c.equal(len(json.loads(r.stdout)["top_movers"]), 1, "small: --top 1")

    # --fail-above: the change is 30.50 (50.41%): more than 30.49 and 50.41%, not more than 30.50 or 50.42%.
    c.run(base + ["--fail-above", "30.50", "--format", "csv"], 0, what="--fail-above 30.50 (equal: within)")
    c.run(base + ["--fail-above", "30.49", "--format", "csv"], 1, err_has=["more than --fail-above 30.49"], what="--fail-above 30.49")
    c.run(base + ["--fail-above", "50.42%", "--format", "csv"], 0, what="--fail-above 50.42%")
    r = c.run(base + ["--fail-above", "50.41%"], 1, err_has=["-30.50 USD (-50.41%)", "more than --fail-above 50.41%"], what="--fail-above 50.41%")
    c.check("more than `--fail-above 50.41%`" in r.stdout, "the md report says the threshold is exceeded")
    r = c.run(base + ["--fail-above", "1000", "--format", "json"], 0)
    c.equal(json.loads(r.stdout)["fail_above"], {"threshold": "1000", "exceeded": False}, "json fail_above")
    # A change from a zero total exceeds any percentage.
    (d / "zero.rebate").write_text(SMALL_HEAD + "rebate z \"Zero\" { pay 0 USD }\n")
    c.run(["diff", str(d / "zero.rebate"), str(d / "new.rebate")] + inputs + ["--fail-above", "1000%"], 1, out_has=["| new |"],
          what="--fail-above from a zero total")
    c.run(["diff", str(d / "zero.rebate"), str(d / "zero.rebate")] + inputs + ["--fail-above", "0%"], 0, what="zero to zero within 0%")
    # The two-run way gives the same reports (awards, added and removed rebates included).
    for fmt in ("md", "csv"):
        one = c.run(base + ["--format", fmt], 0).stdout
        two = c.run(base + ["--format", fmt, "--two-runs"], 0).stdout
        c.equal(two, one, f"small {fmt}: two runs give the one-scan report")


def large_report(c, d):
    """3,000 partners whose payout all change: the Markdown stays within a pull-request comment and says
    how many rows it left out; CSV and JSON list every row."""
    d.mkdir(parents=True)
    n = 3000
    (d / "partners.csv").write_text("id,tier\n" + "".join(f"P{i:05d},gold\n" for i in range(n)))
    (d / "sales.csv").write_text("date,partner,amount\n" + "".join(f"2026-07-01,P{i:05d},{1000 + i}.00\n" for i in range(n)))
    (d / "old.rebate").write_text(SMALL_HEAD + 'rebate r "R" { pay 1% of revenue }\n')
    (d / "new.rebate").write_text(SMALL_HEAD + 'rebate r "R" { pay 2% of revenue }\n')
    base = ["diff", str(d / "old.rebate"), str(d / "new.rebate"), "--input", f"partners={d / 'partners.csv'}", "--input",
            f"sales={d / 'sales.csv'}", "--period", "2026-Q3"]
    md = c.run(base, 0, what="large md").stdout
    c.check(len(md) <= 65536, f"the md report has {len(md)} characters, more than a comment's 65,536")
    c.check("All 3,000 changed payouts" in md and "more rows left out" in md, "large md: the detail is cut with a note")
    detail = md.split("<details>")[-1]
    shown = sum(1 for line in detail.splitlines() if line.startswith("| P"))
    left = re.search(r"_([\d,]+) more rows left out", detail)
    c.equal(shown + (int(left.group(1).replace(",", "")) if left else 0), n, "large md: rows shown in the detail plus those left out")
    doc = json.loads(c.run(base + ["--format", "json"], 0).stdout)
    c.equal(len(doc["changes"]), n, "large json: every row")
    # Each payout doubles: the change is the old total, 1% of (1,000 + ... + 3,999) x 1,000 = 7,498,500 x 1%.
    c.equal(doc["total"]["delta"], "74985.00", "large: the change")
    rows = payout_rows(c.run(base + ["--format", "csv"], 0).stdout)
    c.equal(len(rows), n, "large csv: every row")
    c.equal(rows[("P02999", "2026-Q3", "r")]["delta"], "39.99", "large csv: 3,999.00 x 1% more")


def two_runs_when_inputs_differ(c, d):
    """A new program that reads another column of the ledger cannot share the old one's scan: the two
    run one after the other (a note says so), and the report is still exact. Sales as SMALL plus a
    channel: the new program pays 2% of online revenue (P1's 1,500 online: 30.00)."""
    d.mkdir(parents=True)
    (d / "partners.csv").write_text(PARTNERS)
    (d / "sales.csv").write_text("date,partner,amount,channel\n2026-07-01,P1,1500,online\n2026-07-02,P2,50,shop\n2026-07-03,P3,200,shop\n")
    (d / "old.rebate").write_text(SMALL_HEAD + 'rebate r "R" { pay 1% of revenue }\n')
    new_head = SMALL_HEAD.replace("amount: Money }", "amount: Money  channel: Text }")
    (d / "new.rebate").write_text(new_head + 'rebate r "R" { pay 2% of sales.sum(amount where channel == "online") }\n')
    inputs = ["--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}", "--period", "2026-Q3"]
    r = c.run(["diff", str(d / "old.rebate"), str(d / "new.rebate")] + inputs + ["--format", "csv"], 0,
              err_has=["cannot share one scan", "has different columns"], what="inputs differ")
    rows = payout_rows(r.stdout)
    # Old: 15.00, 0.50, 2.00; new: 30.00, 0, 0.
    c.equal({k[0]: (v["old"], v["new"]) for k, v in rows.items()}, {"P1": ("15.00", "30.00"), "P2": ("0.50", "0.00"), "P3": ("2.00", "0.00")},
            "inputs differ: the rows")
    doc = json.loads(c.run(["diff", str(d / "old.rebate"), str(d / "new.rebate")] + inputs + ["--format", "json"], 0).stdout)
    c.equal(doc["one_scan"], False, "inputs differ: json says two runs")

    # Two currencies: 1% of 1,500 USD and 1% of 1,500 EUR are not the same money; no report is written.
    (d / "eur.rebate").write_text(SMALL_HEAD.replace("USD", "EUR") + 'rebate r "R" { pay 1% of revenue }\n')
    out = d / "report.csv"
    c.run(["diff", str(d / "old.rebate"), str(d / "eur.rebate")] + inputs + ["--format", "csv", "--out", str(out)], 2,
          err_has=["the programs compute in different currencies (`USD` in", "`EUR` in", "cannot be compared", "help: "],
          what="currencies differ")
    c.check(not out.exists(), "currencies differ: no report written")


def git_revisions(c, d):
    """`git:REV:PATH` in a throwaway repository: the program and its import from the revision, the new
    version from the working tree. The committed rates module pays 1%; the working tree's pays 3%: P1's
    1,500 -> 15.00 to 45.00, P2's 50 -> 0.50 to 1.50, P3's 200 -> 2.00 to 6.00."""
    if shutil.which("git") is None:
        c.check(False, "git is not installed")
        return
    d.mkdir(parents=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(git + ["init", "-q"], cwd=d, check=True)
    (d / "lib").mkdir()
    (d / "lib" / "rates.rebate").write_text("const rate = 1%\n")
    (d / "program.rebate").write_text('import "lib/rates"\n' + SMALL_HEAD + 'rebate r "R" { pay rate of revenue }\n')
    (d / "partners.csv").write_text(PARTNERS)
    (d / "sales.csv").write_text(SALES)
    subprocess.run(git + ["add", "-A"], cwd=d, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "one"], cwd=d, check=True)
    (d / "lib" / "rates.rebate").write_text("const rate = 3%\n")
    inputs = ["--input", "partners=partners.csv", "--input", "sales=sales.csv", "--period", "2026-Q3"]
    r = c.run(["diff", "git:HEAD:program.rebate", "program.rebate"] + inputs + ["--format", "csv"], 0, cwd=d, what="git:HEAD")
    rows = payout_rows(r.stdout)
    c.equal({k[0]: (v["old"], v["new"]) for k, v in rows.items()}, {"P1": ("15.00", "45.00"), "P2": ("0.50", "1.50"), "P3": ("2.00", "6.00")},
            "git: the import comes from the revision")
    # The same from a subdirectory with a path from the current directory (`./`).
    (d / "sub").mkdir()
    r = c.run(["diff", "git:HEAD:../program.rebate", "../program.rebate", "--input", "partners=../partners.csv", "--input", "sales=../sales.csv",
               "--period", "2026-Q3", "--format", "csv"], 0, cwd=d / "sub", what="git:HEAD:../program.rebate")
    c.equal(len(payout_rows(r.stdout)), 3, "git: a path from the current directory")
    md = c.run(["diff", "git:HEAD:program.rebate", "program.rebate"] + inputs, 0, cwd=d).stdout
    c.check("## Payout changes: `git:HEAD:program.rebate` → `program.rebate`" in md, f"git md names the programs as given\n{md}")
    # Errors in a program read from git name it by its revision.
    (d / "broken.rebate").write_text(SMALL_HEAD + 'rebate r "R" { pay 100 of revenue }\n')
    subprocess.run(git + ["add", "-A"], cwd=d, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "two"], cwd=d, check=True)
    c.run(["diff", "git:HEAD:broken.rebate", "program.rebate"] + inputs, 1, err_has=["HEAD:/broken.rebate:"], cwd=d, what="git: an error in the old program")
    # Usage and I/O problems: exit 2 with git's message.
    c.run(["diff", "git:no-such-rev:program.rebate", "program.rebate"] + inputs, 2, err_has=["no-such-rev"], cwd=d, what="git: a bad revision")
    c.run(["diff", "git:HEAD:missing.rebate", "program.rebate"] + inputs, 2, err_has=["missing.rebate"], cwd=d, what="git: a path not in the revision")
    c.run(["diff", "git:HEAD:lib", "program.rebate"] + inputs, 2, cwd=d, what="git: a directory")
    c.run(["diff", "git:--output=x:program.rebate", "program.rebate"] + inputs, 2, err_has=["is not a revision"], cwd=d, what="git: an option")
    c.check(not (d / "x").exists(), "git: an option-like revision wrote a file")
    c.run(["diff", "git:HEAD", "program.rebate"] + inputs, 2, err_has=["git:REV:PATH"], cwd=d, what="git: no path")
    c.run(["diff", "git:HEAD:../../outside.rebate", "program.rebate"] + inputs, 2, err_has=["outside the repository"], cwd=d, what="git: outside")
    outside = d.parent / "not-a-repo"
    outside.mkdir()
    shutil.copy(d / "program.rebate", outside / "program.rebate")
    env_dir = {"GIT_CEILING_DIRECTORIES": str(d.parent)}
    r = subprocess.run([c.rebate, "diff", "git:HEAD:program.rebate", "program.rebate"] + inputs, capture_output=True, text=True, cwd=outside,
                       env={**os.environ, **env_dir}, timeout=60)
    c.check(r.returncode == 2 and "not a git repository" in r.stderr, f"git: no repository: exit {r.returncode}\n{r.stderr}")


def ci_recipes(c, root, d):
    """The `rebate diff` command of each docs/ci.md recipe, as written there, in a git repository holding a
    copy of examples/ whose target branch (origin/main) has the example's rates and whose working tree
    changes one: 2% -> 2.5% moves the total by 0.84% (example_rate_change), within `--fail-above 1%`;
    6% -> 8% moves it by 2% of 598,000 + 500,000 (P1 2026-Q3, P4 2026-Q4; P5's 50,000 stays capped):
    +21,960.00, 15.6%, above it."""
    ci = (root / "docs" / "ci.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", ci, re.S)
    recipes = []
    for block in blocks:
        lines = [line.strip() for line in block.splitlines()]
        script = [line for line in lines if re.match(r"(PROGRAM|INPUTS)=", line)]
        script += [line for line in lines if re.search(r"\brebate diff\b", line)]
        if any("rebate diff" in line for line in script):
            recipes.append("\n".join(script))
    c.equal(len(recipes), 2, "docs/ci.md: a `rebate diff` step in the GitHub Actions and the GitLab recipe")
    shutil.copytree(root / "examples", d)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(git + ["init", "-q"], cwd=d, check=True)
    subprocess.run(git + ["add", "-A"], cwd=d, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "base"], cwd=d, check=True)
    subprocess.run(["git", "update-ref", "refs/remotes/origin/main", "HEAD"], cwd=d, check=True)
    program = d / "04-storage-volume-tiers" / "program.rebate"
    original = program.read_text()
    env = dict(os.environ, BASE="main", CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
               PATH=f"{pathlib.Path(c.rebate).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for change, code in ((("to 100_000 USD: 2%", "to 100_000 USD: 2.5%"), 0), (("from 500_000 USD:                6%", "from 500_000 USD:                8%"), 1)):
        program.write_text(original.replace(*change))
        c.check(program.read_text() != original, f"ci recipes: {change[0]!r} not found in example 04")
        for recipe in recipes:
            report = d / "payout-diff.md"
            if report.exists():
                report.unlink()
            # The recipes keep the diff's exit status for the step's end, after posting the report.
            p = subprocess.run(["bash", "-c", "set -u\nstatus=0\n" + recipe + "\nexit $status"], cwd=d, env=env, capture_output=True, text=True, timeout=120)
            c.check(p.returncode == code, f"docs/ci.md `rebate diff` exits {p.returncode}, expected {code}\n{recipe}\n{p.stderr[-600:]}")
            c.check(report.exists() and report.read_text().startswith("## Payout changes"), "docs/ci.md: the recipe writes payout-diff.md")


def exit_codes(c, d):
    d.mkdir(parents=True)
    (d / "old.rebate").write_text(SMALL_OLD)
    (d / "new.rebate").write_text(SMALL_NEW)
    (d / "partners.csv").write_text(PARTNERS)
    (d / "sales.csv").write_text(SALES)
    old, new = str(d / "old.rebate"), str(d / "new.rebate")
    inputs = ["--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}"]
    c.run(["diff", old, new] + inputs[:2], 2, err_has=["sales"], what="a missing --input")
    c.run(["diff", old, new] + inputs + ["--input", f"nope={d / 'sales.csv'}"], 2, err_has=["neither program has a ledger or table `nope`"],
          what="an unknown --input")
    c.run(["diff", old, new] + inputs + ["--input", "sales"], 2, err_has=["must be NAME=PATH"], what="--input without =")
    c.run(["diff", old, new, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'none.csv'}"], 2, what="an input that does not exist")
    c.run(["diff", str(d / "none.rebate"), new] + inputs, 2, err_has=["none.rebate"], what="an old program that does not exist")
    c.run(["diff", old, str(d)] + inputs, 2, what="a directory as the new program")
    c.run(["diff", old] + inputs, 2, what="no new program")
    c.run(["diff", old, new] + inputs + ["--fail-above", "abc"], 2, err_has=["--fail-above abc"], what="--fail-above abc")
    c.run(["diff", old, new] + inputs + ["--fail-above", "-5"], 2, what="--fail-above -5")
    c.run(["diff", old, new] + inputs + ["--format", "xml"], 2, what="--format xml")
    c.run(["diff", old, new] + inputs + ["--period", "2026-Q9"], 2, what="a period that does not exist")
    c.run(["diff", old, new] + inputs + ["--out", str(d / "sales.csv")], 2, err_has=["sales"], what="--out onto an input")
    c.run(["diff", old, new] + inputs + ["--out", old], 2, what="--out onto a program")
    c.check((d / "old.rebate").read_text() == SMALL_OLD, "--out overwrote the old program")
    out = d / "report.md"
    c.run(["diff", old, new] + inputs + ["--out", str(out)], 0, what="--out")
    c.check(out.exists() and out.read_text().startswith("## Payout changes"), "--out wrote the report")
    # Errors in a program or at run time: 1.
    (d / "bad.rebate").write_text(SMALL_HEAD + 'rebate r "R" { pay 100 + revenue }\n')
    c.run(["diff", old, str(d / "bad.rebate")] + inputs, 1, err_has=["bad.rebate"], what="a program with a type error")
    (d / "div.rebate").write_text(SMALL_HEAD + 'measure none = sales.sum(amount where amount > 1_000_000 USD)\n'
                                  'rebate r "R" { pay 1% of revenue * (revenue / none) }\n')
    c.run(["diff", old, str(d / "div.rebate")] + inputs + ["--period", "2026-Q3"], 1, err_has=["div.rebate"], what="a division by zero at run time")
    (d / "badrow.csv").write_text("date,partner,amount\n2026-07-01,P1,12.3.4\n")
    c.run(["diff", old, new, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'badrow.csv'}"], 1, err_has=["badrow.csv:2"],
          what="a malformed input row")


if __name__ == "__main__":
    sys.exit(main())
