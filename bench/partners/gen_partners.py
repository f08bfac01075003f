#!/usr/bin/env python3
"""Generate a partner table and a sales ledger with many partners, for the partners benchmark
(bench/partners/run.sh): what a telecom or pharmacy network looks like to bench/run/reference.rebate.

    python3 bench/partners/gen_partners.py --seed 1 --partners 1000000 --out bench/out/partners_1000000

writes, in --out:

- partners.csv: --partners partners P0000001, P0000002, ... with a tier, region and certification
  (the columns of bench/run/gen_ledger.py's partner table);
- sales.csv: --lines invoice lines (default: as many as partners) dated 2025-01-01 .. 2026-12-31, each
  for a partner drawn uniformly (so about 37% of partners have no line at one line per partner: they are
  paid nothing, but every partner has a cell and a payout per rebate and quarter), with the columns
  reference.rebate reads: invoice_date, partner_id, order_id, family, customer_id, new_customer,
  quantity, amount. Orders have one line; about 3% are credit notes (negative quantity and amount).

Deterministic for a given --seed, --partners and --lines; standard library only; written a block of
lines at a time. About 75 bytes a line.
"""

import argparse
import datetime
import os
import random
import sys
import time

TIERS = ["bronze", "silver", "gold", "platinum"]
TIER_WEIGHTS = [55, 27, 13, 5]
REGIONS = ["amer", "emea", "apac"]
# family -> (unit price in cents, quantity range)
FAMILIES = [("storage", 1_899_900, 6), ("all-flash", 1_599_900, 4), ("servers", 1_125_000, 12),
            ("networking", 749_900, 24), ("services", 180_000, 10), ("support", 219_900, 12),
            ("licences", 34_900, 60), ("cloud", 250_000, 20)]


def money(cents):
    sign = "-" if cents < 0 else ""
    q, r = divmod(abs(cents), 100)
    return f"{sign}{q}.{r:02d}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--partners", type=int, required=True)
    ap.add_argument("--lines", type=int, default=None, help="invoice lines (default: as many as partners)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    lines = a.partners if a.lines is None else a.lines
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    rng = random.Random(f"{a.seed}/partners")
    width = max(7, len(str(a.partners)))
    with open(os.path.join(a.out, "partners.csv.tmp"), "w", newline="", buffering=1 << 20) as f:
        f.write("partner_id,name,tier,region,certified\r\n")
        block = []
        for i in range(1, a.partners + 1):
            tier = rng.choices(TIERS, TIER_WEIGHTS)[0]
            block.append(f"P{i:0{width}d},Partner {i},{tier},{REGIONS[i % 3]},{'true' if rng.random() < 0.4 else 'false'}\r\n")
            if len(block) == 100_000:
                f.write("".join(block))
                block = []
        f.write("".join(block))
    os.replace(os.path.join(a.out, "partners.csv.tmp"), os.path.join(a.out, "partners.csv"))

    rng = random.Random(f"{a.seed}/sales")
    first = datetime.date(2025, 1, 1)
    days = [(first + datetime.timedelta(days=d)).isoformat() for d in range(730)]
    with open(os.path.join(a.out, "sales.csv.tmp"), "w", newline="", buffering=1 << 20) as f:
        f.write("invoice_date,partner_id,order_id,family,customer_id,new_customer,quantity,amount\r\n")
        block = []
        randrange = rng.randrange
        rand = rng.random
        for n in range(lines):
            p = randrange(a.partners) + 1
            fam, price, qmax = FAMILIES[randrange(8)]
            qty = randrange(qmax) + 1
            ret = rand() < 0.03
            if ret:
                qty = -qty
            cust = randrange(50)
            block.append(f"{days[randrange(730)]},P{p:0{width}d},{'CN' if ret else 'SO'}-{n:09d},{fam},CU-{p}-{cust},"
                         f"{'true' if cust >= 45 else 'false'},{qty},{money(price * qty)}\r\n")
            if len(block) == 100_000:
                f.write("".join(block))
                block = []
        f.write("".join(block))
    os.replace(os.path.join(a.out, "sales.csv.tmp"), os.path.join(a.out, "sales.csv"))
    size = os.path.getsize(os.path.join(a.out, "sales.csv"))
    print(f"wrote {a.out}: {a.partners:,} partners, {lines:,} lines ({size / 1e6:.1f} MB) in {time.time() - t0:.1f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
