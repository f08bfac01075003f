"""Random ledgers for the engines' differential fuzzer: partners.csv, products.csv, sales.csv,
activations.csv, churns.csv and coop_claims.csv for the schema of gen_program.SCHEMA.

The values lean on the edges: zero units, prices and discounts (zero divisors), negative lines
(returns), amounts near a Money column's 64-bit limit (9.2 x 10^12 at 6 places, so that sums and
products run into the 38-digit limit), empty optional cells, and dates over seven quarters so that
look-backs (`previous`, `last_year`, `year_to_date`) find lines. Churns name activations of any period
(and, in one case in 30, a key no activation has: a run error both engines must report alike); claims
are unique, positive, in cents, and inside gen_program.EFFECTIVE.
"""
import random

from gen_program import CUSTOMERS, FAMILIES, PLANS, REGIONS, TIERS


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


def month_of(r, first):
    """(year, month): one of the six (sometimes twelve) months from `first` (a year and a month)."""
    year, month = first[0], first[1] + r.randrange(0, 12 if r.random() < 0.3 else 6)
    return year + (month - 1) // 12, (month - 1) % 12 + 1


def day(r, first):
    year, month = month_of(r, first)
    return f"{year}-{month:02d}-{r.randrange(1, 29):02d}"


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
        year, month = month_of(r, first_quarter)
        units = r.choice([0, 1, 1, 2, 3, 7, -1, 100, 9_000_000_000_000_000])
        price = r.choice(["0", "1", "0.5", "12.3456", "-2.5", "99999999999999"])
        discount = r.choice(["0%", "5%", "12.5%", "100%", "33.333333%", "-10%"])
        credit = r.choice(["", "", "0", "-5.25", "100"])
        sales.append(f"{year}-{month:02d}-{r.randrange(1, 29):02d},P{r.randrange(1, n_partners + 1)},O{r.randrange(1, 8)},"
                     f"S{r.randrange(1, n_products + 1)},{r.choice(FAMILIES)},{r.choice(CUSTOMERS)},{units},"
                     f"{money(r)},{price},{discount},{credit},{r.choice(['true', 'false'])}")
    # Drawn from a stream of their own, so that the three files above are what they were before.
    r2 = random.Random(seed * 104729 + 3)
    activations = ["act_id,dealer,activated_on,plan,fee"]
    n_activations = r2.randrange(0, 12)
    for i in range(1, n_activations + 1):
        activations.append(f"A{i},P{r2.randrange(1, n_partners + 1)},{day(r2, first_quarter)},{r2.choice(PLANS)},{money(r2)}")
    churns = ["act,churned_on,refund"]
    for _ in range(r2.randrange(0, 10) if n_activations else 0):
        churns.append(f"A{r2.randrange(1, n_activations + 1)},{day(r2, first_quarter)},{money(r2)}")
    if r2.random() < 1 / 30:
        churns.append(f"A99,{day(r2, first_quarter)},1.00")
    claims = ["claim_id,claimant,claimed_on,amount"]
    for i in range(1, r2.randrange(0, 10) + 1):
        amount = r2.choice(["0.01", "1.00", "50.00", "250.00", "1000.00", f"{r2.randrange(1, 10**6)}.{r2.randrange(0, 100):02d}"])
        claims.append(f"C{r2.randrange(1, 4)}{i:02d},P{r2.randrange(1, n_partners + 1)},{day(r2, first_quarter)},{amount}")
    return {"partners.csv": "\n".join(partners) + "\n", "products.csv": "\n".join(products) + "\n",
            "sales.csv": "\n".join(sales) + "\n", "activations.csv": "\n".join(activations) + "\n",
            "churns.csv": "\n".join(churns) + "\n", "coop_claims.csv": "\n".join(claims) + "\n"}
