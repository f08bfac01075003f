#!/usr/bin/env python3
"""Generate a partner table and a sales ledger for the `rebate run` benchmark.

    python3 bench/run/gen_ledger.py --seed 1 --lines 1000000 --out bench/out/run_1000000

writes, in --out:

- partners.csv: --partners partners (5,000 by default): partner_id, name, tier (bronze/silver/gold/
  platinum), region (amer/emea/apac), certified (true/false).
- sales.csv: exactly --lines invoice lines dated 2025-01-01 .. 2026-12-31: invoice_date, partner_id,
  order_id, line_no, sku, family, customer_id, new_customer, quantity, unit_price, amount.

Shape of the data:

- partner sizes are skewed (Zipf-like: a few partners have a large share of the lines, most have few);
- each partner has its own growth from 2025 to 2026, its own product mix and its own service attach
  propensity, so that tiers, growth and attach-rate conditions are met by some partners and not others;
- orders have 1-5 lines on one date, for one customer; about 3% of orders are credit notes (returns):
  negative quantity and amount;
- dates lean towards the end of each quarter (the usual hockey stick);
- families: storage, all-flash, servers, networking, services, support, licences, cloud;
- customers: a pool per partner; some lines are flagged as a new customer;
- money has exactly 2 decimals and is computed in integer cents (no floating point in amounts);
- CRLF line endings, one header row. About 100 bytes a line: 10M lines is about 1 GB.

Output is deterministic for a given --seed, --lines and --partners (whatever --jobs): the ledger is made
of blocks of --block lines, each generated from its own seed. Only the standard library is used; lines
are generated and written block by block, never held in memory all at once.
"""

import argparse
import datetime
import itertools
import os
import random
import sys
import time

TIERS = ["bronze", "silver", "gold", "platinum"]
TIER_WEIGHTS = [55, 27, 13, 5]
REGIONS = ["amer", "emea", "apac"]
REGION_WEIGHTS = [45, 35, 20]

# family -> (share of lines, list of (sku, unit price in cents), quantity range)
FAMILIES = {
    "storage": (16, [("STG-H100-24T", 1_899_900), ("STG-H200-48T", 3_450_000), ("STG-E40-8T", 459_950),
                     ("STG-SHELF-12", 129_900)], (1, 6)),
    "all-flash": (11, [("AFA-X20-15T", 1_599_900), ("AFA-X50-61T", 5_890_000), ("AFA-C10-7T", 849_900)],
                  (1, 4)),
    "servers": (19, [("SRV-R650-2S", 1_125_000), ("SRV-R750-GPU", 3_999_900), ("SRV-T150-1S", 219_950),
                     ("SRV-BLADE-8", 689_000)], (1, 12)),
    "networking": (9, [("NET-SW48-10G", 749_900), ("NET-SW32-100G", 1_899_000), ("NET-OPT-SR4", 34_950)],
                   (1, 24)),
    "services": (12, [("SVC-INSTALL-D", 180_000), ("SVC-MIGRATE-P", 1_250_000), ("SVC-HEALTHCHK", 95_000)],
                 (1, 10)),
    "support": (15, [("SUP-NBD-1Y", 89_900), ("SUP-4H-3Y", 459_900), ("SUP-PRO-1Y", 219_900)], (1, 12)),
    "licences": (13, [("LIC-VAULT-SEAT", 12_900), ("LIC-OS-CORE", 34_900), ("LIC-BACKUP-TB", 7_950)],
                 (1, 60)),
    "cloud": (5, [("CLD-OBJ-100T", 250_000), ("CLD-DR-VM", 45_000)], (1, 20)),
}
FAMILY_NAMES = list(FAMILIES)
HARDWARE = {"storage", "all-flash", "servers", "networking"}
DISCOUNTS = [0, 0, 0, 5, 10, 12, 15, 18, 20, 25, 32, 37]  # percent off the list price

HEADER = ("invoice_date,partner_id,order_id,line_no,sku,family,customer_id,new_customer,quantity,"
          "unit_price,amount\r\n")

FIRST_DAY = datetime.date(2025, 1, 1)


def money(cents):
    """Integer cents -> decimal string with exactly two places."""
    sign = "-" if cents < 0 else ""
    q, r = divmod(abs(cents), 100)
    return f"{sign}{q}.{r:02d}"


def make_partners(rng, n):
    """Partner attributes plus the per-partner generation parameters."""
    partners = []
    names_a = ["Summit", "Blue Harbor", "Northwind", "Atlas", "Cobalt", "Redwood", "Granite", "Vertex",
               "Harbor Point", "Silverline", "Keystone", "Lighthouse", "Meridian", "Pinnacle", "Orbit"]
    names_b = ["Data Systems", "IT", "Solutions", "Networks", "Computing", "Technologies", "Partners",
               "Integration", "Cloud", "Infrastructure"]
    suffixes = ["", "", ", Inc.", ", LLC", " GmbH", " Ltd", " S.A."]
    for i in range(n):
        pid = f"P{i + 1:05d}"
        name = f"{rng.choice(names_a)} {rng.choice(names_b)}{rng.choice(suffixes)} {i + 1}"
        if "," in name:
            name = '"' + name + '"'
        tier = rng.choices(TIERS, TIER_WEIGHTS)[0]
        region = rng.choices(REGIONS, REGION_WEIGHTS)[0]
        certified = "true" if rng.random() < (0.25 + 0.15 * TIERS.index(tier)) else "false"
        partners.append((pid, name, tier, region, certified))
    return partners


def partner_params(seed, n):
    """Per-partner generation parameters (deterministic from the seed)."""
    rng = random.Random(f"{seed}/params")
    params = []
    for _ in range(n):
        growth = rng.choice([0.0, 0.6, 0.85, 1.0, 1.05, 1.15, 1.3, 1.5, 2.0])  # 2026 volume / 2025 volume
        service_bias = rng.choice([0.3, 0.6, 1.0, 1.0, 1.6, 2.5, 3.5])
        family_weights = []
        for fam in FAMILY_NAMES:
            w = FAMILIES[fam][0] * rng.uniform(0.3, 1.7)
            if fam == "services":
                w *= service_bias
            family_weights.append(w)
        cum = list(itertools.accumulate(family_weights))
        customers = rng.randint(20, 400)
        params.append((growth, cum, customers))
    return params


def partner_weights(n):
    """Zipf-like order weights: partner 1 has the largest share, a long tail of small partners."""
    return [1.0 / (i + 8) ** 1.1 for i in range(n)]


# Day-of-year choice: the last month of each quarter gets more sales, its last two weeks even more.
def day_tables():
    tables = {}
    for year in (2025, 2026):
        start = datetime.date(year, 1, 1)
        days = []
        weights = []
        d = start
        while d.year == year:
            w = 1.0
            if d.month % 3 == 0:
                w = 1.4
                if d.day >= 16:
                    w = 2.0
            if d.weekday() >= 5:
                w *= 0.25
            days.append(d.isoformat())
            weights.append(w)
            d += datetime.timedelta(days=1)
        tables[year] = (days, list(itertools.accumulate(weights)))
    return tables


def gen_block(args):
    """Generate one block of exactly `count` lines; returns the CSV text (CRLF)."""
    seed, block_no, count, n_partners = args
    rng = random.Random(f"{seed}/block/{block_no}")
    params = PARAMS
    cum_partner = CUM_PARTNER
    days = DAYS
    out = []
    append = out.append
    made = 0
    order_seq = block_no * 10_000_000
    choices = rng.choices
    rand = rng.random
    randint = rng.randint
    while made < count:
        p = choices(range(n_partners), cum_weights=cum_partner)[0]
        growth, cum_fam, n_customers = params[p]
        # Year: 2026 in proportion to the partner's growth.
        year = 2026 if rand() * (1.0 + growth) >= 1.0 else 2025
        day_list, cum_days = days[year]
        date = choices(day_list, cum_weights=cum_days)[0]
        pid = f"P{p + 1:05d}"
        order_seq += 1
        is_return = rand() < 0.03
        order_id = f"{'CN' if is_return else 'SO'}-{year % 100}-{order_seq:010d}"
        cust_local = int(n_customers * rand() ** 1.5)
        customer = f"CU-{p + 1:05d}-{cust_local:04d}"
        new_customer = "true" if (cust_local >= n_customers - max(2, n_customers // 12)) else "false"
        n_lines = choices((1, 2, 3, 4, 5), cum_weights=(35, 60, 78, 91, 100))[0]
        if n_lines > count - made:
            n_lines = count - made
        fams = choices(FAMILY_NAMES, cum_weights=cum_fam, k=n_lines)
        for line_no in range(1, n_lines + 1):
            fam = fams[line_no - 1]
            _, skus, (qlo, qhi) = FAMILIES[fam]
            sku, price = skus[randint(0, len(skus) - 1)]
            qty = randint(qlo, qhi)
            disc = DISCOUNTS[randint(0, len(DISCOUNTS) - 1)]
            unit = price * (100 - disc) // 100
            if is_return:
                qty = -randint(1, max(1, qty // 2))
            amount = unit * qty
            append(f"{date},{pid},{order_id},{line_no},{sku},{fam},{customer},{new_customer},{qty},"
                   f"{money(unit)},{money(amount)}\r\n")
        made += n_lines
    return "".join(out)


def init_worker(seed, n_partners):
    global PARAMS, CUM_PARTNER, DAYS
    PARAMS = partner_params(seed, n_partners)
    CUM_PARTNER = list(itertools.accumulate(partner_weights(n_partners)))
    DAYS = day_tables()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lines", type=int, default=1_000_000, help="number of invoice lines (default 1M)")
    ap.add_argument("--partners", type=int, default=5_000)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--block", type=int, default=50_000, help="lines per generated block (default 50k)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (output does not depend on it)")
    a = ap.parse_args()
    if a.lines < 0 or a.partners < 1 or a.block < 1:
        ap.error("--lines must be >= 0, --partners and --block >= 1")

    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    rng = random.Random(f"{a.seed}/partners")
    partners = make_partners(rng, a.partners)
    with open(os.path.join(a.out, "partners.csv"), "w", newline="") as f:
        f.write("partner_id,name,tier,region,certified\r\n")
        for row in partners:
            f.write(",".join(row) + "\r\n")

    blocks = [(a.seed, i, min(a.block, a.lines - i * a.block), a.partners)
              for i in range((a.lines + a.block - 1) // a.block)]
    tmp = os.path.join(a.out, "sales.csv.tmp")
    written = 0
    with open(tmp, "w", newline="", buffering=1 << 20) as f:
        f.write(HEADER)
        if a.jobs > 1:
            import multiprocessing
            with multiprocessing.Pool(a.jobs, initializer=init_worker, initargs=(a.seed, a.partners)) as pool:
                for text in pool.imap(gen_block, blocks):
                    f.write(text)
                    written += 1
        else:
            init_worker(a.seed, a.partners)
            for b in blocks:
                f.write(gen_block(b))
                written += 1
                if written % 20 == 0:
                    print(f"  {written * a.block:,} lines, {time.time() - t0:.0f} s", file=sys.stderr)
    os.replace(tmp, os.path.join(a.out, "sales.csv"))
    size = os.path.getsize(os.path.join(a.out, "sales.csv"))
    print(f"wrote {a.out}/partners.csv ({a.partners:,} partners) and {a.out}/sales.csv "
          f"({a.lines:,} lines, {size / 1e6:.1f} MB) in {time.time() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
