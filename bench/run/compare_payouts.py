#!/usr/bin/env python3
"""Compare the payouts of `rebate run` (CSV or JSON) with DuckDB's (CSV), to the cent.

    python3 bench/run/compare_payouts.py REBATE_OUTPUT DUCKDB_OUTPUT [--show N]

Keys are (partner, period, rebate); amounts are compared as exact decimals (decimal.Decimal). TOTAL rows
(per partner and period), which older versions of the engine wrote in the payouts file, are left out. Exit 0 when every key is present on both sides with the
same amount, 1 otherwise (the first --show differences are printed).
"""
import argparse
import csv
import json
import sys
from decimal import Decimal


def load(path):
    rows = {}
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        items = ((p["partner"], p["period"], p["rebate"], p["amount"]) for p in data["payouts"])
    else:
        f = open(path, newline="", encoding="utf-8")
        items = ((r["partner"], r["period"], r["rebate"], r["amount"]) for r in csv.DictReader(f))
    dups = 0
    for partner, period, rebate, amount in items:
        if rebate == "TOTAL":
            continue
        key = (partner, period, rebate)
        if key in rows:
            dups += 1
        rows[key] = Decimal(amount)
    return rows, dups


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rebate_output")
    ap.add_argument("duckdb_output")
    ap.add_argument("--show", type=int, default=10)
    a = ap.parse_args()
    r, rd = load(a.rebate_output)
    d, dd = load(a.duckdb_output)
    diffs = []
    for key in sorted(set(r) | set(d)):
        rv, dv = r.get(key), d.get(key)
        if rv != dv:
            diffs.append((key, rv, dv))
    total_r = sum(r.values(), Decimal(0))
    total_d = sum(d.values(), Decimal(0))
    print(f"payouts: rebate {len(r):,}, duckdb {len(d):,}; totals rebate {total_r:,} USD, "
          f"duckdb {total_d:,} USD; nonzero {sum(1 for v in r.values() if v):,}")
    if rd or dd:
        print(f"duplicate keys: rebate {rd}, duckdb {dd}")
    if not diffs and not rd and not dd:
        print("MATCH: every partner/period/rebate has the same amount to the cent")
        return 0
    print(f"MISMATCH: {len(diffs):,} differences")
    by_rebate = {}
    for (_, _, rebate), _, _ in diffs:
        by_rebate[rebate] = by_rebate.get(rebate, 0) + 1
    print("  by rebate: " + ", ".join(f"{k} {v:,}" for k, v in sorted(by_rebate.items())))
    for key, rv, dv in diffs[: a.show]:
        print(f"  {key[0]} {key[1]} {key[2]}: rebate {rv}  duckdb {dv}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
