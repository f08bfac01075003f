"""Random ledgers for the engines' differential fuzzer: partners.csv, products.csv and sales.csv for the
schema of gen_program.SCHEMA.

The values lean on the edges: zero units, prices and discounts (zero divisors), negative lines
(returns), amounts near a Money column's 64-bit limit (9.2 x 10^12 at 6 places, so that sums and
products run into the 38-digit limit), empty optional cells, and dates over seven quarters so that
look-backs (`previous`, `last_year`, `year_to_date`) find lines.
"""
import random

from gen_program import CUSTOMERS, FAMILIES, REGIONS, TIERS


def money(r):
    k = r.random()
    if k < 0.1:
        return "0"
    if k < 0.2:
        return f"-{r.randrange(0, 100000) / 100:.2f}"
    if k < 0.85:
        return f"{r.randrange(0, 10**7) / 100:.2f}"
    if k < 0.93:
        return f"{r.randrange(0, 10**6)}.{r.randrange(0, 10**6):06d}"
    return r.choice(["9223372036854.775807", "-9223372036854.775807", "9000000000000", "0.000001"])


def ledgers(seed):
    """{file name: CSV text} for one fuzz case."""
    r = random.Random(seed)
    n_partners = r.randrange(1, 7)
    partners = ["id,tier,region,certified,joined"]
    for i in range(1, n_partners + 1):
        partners.append(f"P{i},{r.choice(TIERS)},{r.choice(REGIONS)},{r.choice(['true', 'false'])},"
                        f"202{r.randrange(4, 7)}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}")
    n_products = r.randrange(1, 5)
    products = ["sku,family,list_price,weight,launched"]
    for i in range(1, n_products + 1):
        products.append(f"S{i},{r.choice(FAMILIES)},{money(r)},{r.choice(['0', '1', '0.5', '12.125', '-3'])},"
                        f"2026-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}")
    sales = ["date,partner_id,order_id,sku,family,customer,units,amount,price,discount,credit,promo"]
    first_quarter = r.choice([(2025, 4), (2026, 1), (2026, 1), (2026, 3)])
    for _ in range(r.randrange(0, 40)):
        year, month = first_quarter[0], first_quarter[1] + r.randrange(0, 12 if r.random() < 0.3 else 6)
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        units = r.choice([0, 1, 1, 2, 3, 7, -1, 100, 9_000_000_000_000_000])
        price = r.choice(["0", "1", "0.5", "12.3456", "-2.5", "99999999999999"])
        discount = r.choice(["0%", "5%", "12.5%", "100%", "33.333333%", "-10%"])
        credit = r.choice(["", "", "0", "-5.25", "100"])
        sales.append(f"{year}-{month:02d}-{r.randrange(1, 29):02d},P{r.randrange(1, n_partners + 1)},O{r.randrange(1, 8)},"
                     f"S{r.randrange(1, n_products + 1)},{r.choice(FAMILIES)},{r.choice(CUSTOMERS)},{units},"
                     f"{money(r)},{price},{discount},{credit},{r.choice(['true', 'false'])}")
    return {"partners.csv": "\n".join(partners) + "\n", "products.csv": "\n".join(products) + "\n",
            "sales.csv": "\n".join(sales) + "\n"}
