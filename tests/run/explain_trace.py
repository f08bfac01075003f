#!/usr/bin/env python3
"""Explanations through the real CLI (`rebate explain`): the whole trace of a payout, down to the ledger
lines, and awards explained like payouts. Each expected block is written out in full and worked out by
hand from the example's program and CSV files (the comment above each says how); none is copied from
the program's output."""
import argparse
import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"

CASES = [
    # Example 09, P4 in 2026-Q3: sales.csv has 1,000,000 on 2025-07-15 (last year's quarter) and
    # 2,000,000 on 2026-07-15. baseline = last_year(revenue) = 1,000,000 (one 2025-Q3 line); growth =
    # 2,000,000 - 1,000,000 = 1,000,000; growth_rate = 1,000,000 / 1,000,000 = 100%; counted_growth =
    # growth capped at 500,000. Pay 3% x 500,000 = 15,000; growth_rate > 30%: x 150% = 22,500.
    # growth_rate reads baseline twice (the test and the division): it is listed once under it; growth
    # and baseline, read again below, are "as above"; the accelerate clause's growth_rate is not repeated.
    # The payout's distinct ledger lines: 2, one per quarter (the 2026 line read by revenue, the 2025
    # line by last year's revenue; read again by growth_rate and the accelerator, still 2).
    ("09-growth-rebate", "2026-Q3", "P4", """\
P4 2026-Q3 growth_rebate: 22,500.00 USD (paid)
  The growth rebate.
  growth_rate = 100% (if baseline > 0 USD then growth / baseline else 0%)
    baseline = 1,000,000.00 USD (last_year(revenue))
      revenue in 2025-Q3 = 1,000,000.00 USD (sales.sum(amount), 1 ledger line)
    growth = 1,000,000.00 USD (revenue - baseline)
      revenue = 2,000,000.00 USD (sales.sum(amount), 1 ledger line)
      baseline = 1,000,000.00 USD (as above)
  counted_growth = 500,000.00 USD (growth cap 500_000 USD)
    growth = 1,000,000.00 USD (as above)
  basis: 500,000
  require growth_rate > 10%: holds
  accelerate 150% when growth_rate > 30%: 15,000.00 USD became 22,500.00 USD
  from 2 ledger lines
"""),
    # Example 05, P1 in 2026: four lines of 375,000 = 1,500,000. Incremental slices: 0-250,000 at 0%
    # earns 0; 250,000-1,000,000 (750,000) at 1% earns 7,500; above 1,000,000 (500,000) at 2% earns
    # 10,000; total 17,500.
    ("05-incremental-revenue-tiers", "2026", "P1", """\
P1 2026 annual_revenue: 17,500.00 USD (paid)
  The annual revenue rebate.
  total_revenue = 1,500,000.00 USD (sales.sum(amount), 4 ledger lines)
  basis: 1,500,000
  band: from 1,000,000 USD, rate 2%
  slice from 0 USD to 250,000 USD at 0%: 250,000.00 USD earns 0.00 USD
  slice from 250,000 USD to 1,000,000 USD at 1%: 750,000.00 USD earns 7,500.00 USD
  slice from 1,000,000 USD at 2%: 500,000.00 USD earns 10,000.00 USD
  from 4 ledger lines
"""),
    # Example 04, P5 in 2026-Q3 (expected.md): 700,000 + 300,000 of storage families = 1,000,000, the
    # 6% band: 60,000, over the named cap quarterly_cap = 50,000 USD. P5 is platinum in partners.csv.
    ("04-storage-volume-tiers", "2026-Q3", "P5", """\
P5 2026-Q3 storage_volume: 50,000.00 USD (paid)
  The quarterly storage volume rebate.
  partner.tier = platinum
  storage_revenue = 1,000,000.00 USD (sales.sum(amount where family in storage_families), 2 ledger lines)
  quarterly_cap = 50,000.00 USD (constant)
  basis: 1,000,000
  band: from 500,000 USD, rate 6%
  eligible when partner.tier >= silver: holds
  cap quarterly_cap (50,000.00 USD) applied (was 60,000.00 USD)
  from 2 ledger lines
"""),
    # Example 08, P1 (certified: true in partners.csv) in 2026-Q3: revenue 100,000; 2% = 2,000, uplift 1% of 100,000 = 1,000.
    ("08-certification-uplift", "2026-Q3", "P1", """\
P1 2026-Q3 sell_through: 3,000.00 USD (paid)
  The base rebate, plus the certification uplift.
  revenue = 100,000.00 USD (sales.sum(amount), 1 ledger line)
  partner.certified = true
  basis: 100,000
  uplift 1% of revenue when partner.certified: 1,000.00 USD added, 2,000.00 USD became 3,000.00 USD
  from 1 ledger line
"""),
    # Example 14 (awards only), N3 in 2026-Q3: revenue 150,000 (one line). next_level: rows 1-3 need
    # at least 250,000, so `otherwise => bronze` (row 4) decides; the row above gives silver at
    # revenue >= 250,000 USD: 250,000 - 150,000 = 100,000 more. newcomer: N3 joined before 2026, row 2.
    # The partner attributes the rows read, as partners.csv has them: certified true, joined 2025-12-31.
    ("14-status-awards", "2026-Q3", "N3", """\
N3 2026-Q4 next_level: bronze (from 2026-Q3's figures)
  revenue = 150,000.00 USD (sales.sum(amount), 1 ledger line)
  partner.certified = true
  row 4 (program.rebate:34) decided: otherwise => bronze
  next: 100,000.00 USD more revenue reaches silver
N3 2026-Q3 newcomer: false (from 2026-Q3's figures)
  partner.joined = 2025-12-31
  revenue = 150,000.00 USD (sales.sum(amount), 1 ledger line)
  row 2 (program.rebate:40) decided: otherwise => false
  next: true is row 1 (program.rebate:39): when partner.joined >= 2026-01-01 and revenue >= 100_000 USD => true
"""),
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--engine", default=None, help="run on this engine (vm or jit; default: the CLI's)")
    args = ap.parse_args()
    failures = []
    for example, period, partner, expected in CASES:
        d = EXAMPLES / example
        argv = [args.rebate, "explain", "program.rebate"] + (d / "run.args").read_text().split() + ["--period", period, "--partner", partner]
        argv += ["--engine", args.engine] if args.engine else []
        r = subprocess.run(argv, cwd=d, capture_output=True, text=True, timeout=60)
        got = r.stdout
        if r.returncode != 0 or got != expected:
            failures.append(f"{example} {partner} {period}: exit {r.returncode}\n--- expected\n{expected}--- got\n{r.stdout}{r.stderr}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{len(CASES) - len(failures)} of {len(CASES)} explanations as worked out by hand")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
