#!/usr/bin/env python3
"""Generate one large, realistic Rebate program for benchmarking `rebate check`.

The program models a hardware vendor's 2026 partner program with many product lines. Each product line
contributes its own constants, measures, a group, tier tables, decision tables and a dozen rebates of
every form the language has (percent of a measure, retroactive and incremental tiers with `of` and
`by ... of`, per unit, per distinct thing, target bonus with `when`, growth with guarded division,
eligible / require / uplift / accelerate / cap / floor / allow negative / rounding). The end of the file
holds program-wide awards, a budget and test blocks whose expected amounts are worked out by this script
(exact decimals, half-even rounding to the cent) and shown in a comment.

The output is deterministic for a given --seed and --lines, and is meant to pass `rebate check` with no
diagnostic at all: every constant, measure, group, tier table and decision table is used, every division
is guarded, no tier table has a cliff, no decision row is unreachable and every decision table is
complete.

Usage: gen_check_program.py [--seed N] [--lines N] [-o FILE]
"""

import argparse
import random
import sys
from decimal import Decimal, ROUND_HALF_EVEN

FAMILY_WORDS = [
    "Primary Storage", "All-Flash", "Backup Appliances", "Storage Software", "Hyperconverged",
    "Edge Servers", "Rack Servers", "Blade Systems", "Campus Switching", "Data Center Networking",
    "Wireless", "Firewalls", "SD-WAN", "Endpoint Security", "Identity", "Observability",
    "Object Storage", "Tape Libraries", "GPU Servers", "Converged Infrastructure", "Power and Cooling",
    "Collaboration", "Contact Center", "Video Endpoints", "Print Fleet", "Thin Clients",
]
SUFFIXES = ["Core", "Plus", "Pro", "Max", "Lite", "Ultra", "Select", "One"]


def money(n):
    """A money literal: 100000 -> '100_000 USD', Decimal('99.5') -> '99.50 USD'."""
    d = Decimal(n)
    if d == d.to_integral_value():
        return f"{int(d):_} USD"
    whole = int(d)
    frac = str(d.quantize(Decimal("0.01"))).split(".")[1]
    return f"{whole:_}.{frac} USD"


def pct(p):
    """A percent literal from a Decimal number of percent: Decimal('2.5') -> '2.5%'."""
    s = format(Decimal(p).normalize(), "f")
    return s + "%"


def cents(d):
    return d.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def ascending_rates(rng, n, start_choices, step_choices):
    rates = [Decimal(rng.choice(start_choices))]
    for _ in range(n - 1):
        rates.append(rates[-1] + Decimal(rng.choice(step_choices)))
    return rates


class Line:
    """One product line: everything it declares, and the facts its tests need."""

    def __init__(self, rng, k):
        self.k = k
        self.p = f"l{k:02d}_"
        word = FAMILY_WORDS[k % len(FAMILY_WORDS)]
        suffix = SUFFIXES[(k // len(FAMILY_WORDS)) % len(SUFFIXES)]
        self.title = f"{word} {suffix}"
        self.families = [f"{word} {suffix}", f"{word} {suffix} Services"]
        self.code = f"PL-{k:02d}"
        self.rng = rng
        self.rebates = []        # every rebate name of the line
        self.spiffs = []         # rebates under the SPIFF budget
        self.lines = []

    def emit(self, *text):
        self.lines.extend(text)

    def build(self):
        rng, p = self.rng, self.p
        # ------------------------------------------------------------------ constants
        self.cap = rng.choice([25_000, 40_000, 50_000, 75_000, 100_000])
        self.min_revenue = rng.choice([5_000, 10_000, 20_000, 25_000])
        self.unit_target = rng.choice([50, 80, 100, 120, 150, 200])
        self.target_bonus = rng.choice([2_500, 5_000, 7_500, 10_000])
        self.per_unit = rng.choice([10, 15, 20, 25, 40])
        self.per_logo = rng.choice([250, 300, 400, 500])
        self.per_solution = rng.choice([150, 200, 300])
        self.per_cert = rng.choice([500, 750, 1_000])
        promo_month = rng.choice([4, 5, 7, 8, 10])
        self.promo_start = f"2026-{promo_month:02d}-01"
        self.promo_end = f"2026-{promo_month + 1:02d}-{30 if promo_month + 1 in (4, 6, 9, 11) else 31}"
        self.joined_before = rng.choice(["2025-01-01", "2025-07-01", "2026-01-01"])
        self.launch = rng.choice(["2025-10-01", "2026-01-01", "2026-04-01"])
        fam = ", ".join(f'"{f}"' for f in self.families)
        self.emit(
            "",
            "// " + "-" * 99,
            f"// Product line {self.k:02d}: {self.title} ({self.code})",
            "// " + "-" * 99,
            "",
            f"/// The product families of the {self.title} line (hardware and attached services).",
            f"const {p}families = [{fam}]",
            f'/// The line code used by deal registrations for {self.title}.',
            f'const {p}code = "{self.code}"',
            f"/// The most one partner can earn on the {self.title} volume rebate in one quarter.",
            f"const {p}cap = {money(self.cap)}",
            f"/// The least net revenue that qualifies for the {self.title} rebates.",
            f"const {p}min_revenue = {money(self.min_revenue)}",
            f"/// Units to sell in a quarter for the {self.title} target bonus.",
            f"const {p}unit_target: Int = {self.unit_target}",
            f"const {p}target_bonus = {money(self.target_bonus)}",
            f"const {p}per_unit = {money(self.per_unit)}",
            f"const {p}per_logo = {money(self.per_logo)}",
            f"const {p}per_solution = {money(self.per_solution)}",
            f"const {p}per_cert = {money(self.per_cert)}",
            f"/// The {self.title} promotion window (both days included).",
            f"const {p}promo_start = {self.promo_start}",
            f"const {p}promo_end = {self.promo_end}",
            f"const {p}launch = {self.launch}",
            "",
        )
        # ------------------------------------------------------------------ measures
        self.emit(
            f"/// Net revenue of the {self.title} line in the quarter (credit notes net out).",
            f"measure {p}revenue = sales.sum(amount where family in {p}families)",
            f"measure {p}gross = sales.sum(amount where family in {p}families and amount > 0 USD)",
            f"measure {p}returns = sales.sum(amount where family in {p}families and amount < 0 USD)",
            f"/// Share of gross sales returned; no gross sales means no returns to speak of.",
            f"measure {p}return_rate = -{p}returns / {p}gross otherwise 0%",
            f"measure {p}units = sales.sum(quantity where family in {p}families)",
            f"measure {p}promo_units = sales.sum(quantity where family in {p}families and invoice_date in {p}promo_start .. {p}promo_end)",
            f"measure {p}new_product_revenue = sales.sum(amount where family in {p}families and sku.launched >= {p}launch)",
            f"measure {p}hardware_lines = sales.count(where family == \"{self.families[0]}\" and amount > 0 USD)",
            f"measure {p}service_lines = sales.count(where family == \"{self.families[1]}\" and amount > 0 USD)",
            f"measure {p}attach_rate = {p}service_lines / {p}hardware_lines otherwise 0%",
            f"measure {p}new_logos = sales.count_distinct(customer where family in {p}families and new_customer and amount > 0 USD)",
            f"measure {p}average_deal = sales.avg(amount where family in {p}families and amount > 0 USD) otherwise 0 USD",
            f"measure {p}largest_order = sales.max(amount where family in {p}families) otherwise 0 USD",
            f"measure {p}largest_credit = sales.min(amount where family in {p}families) otherwise 0 USD",
            f"measure {p}discounts = sales.sum(discount otherwise 0 USD where family in {p}families)",
            f"measure {p}baseline = last_year({p}revenue)",
            f"measure {p}growth = {p}revenue - {p}baseline",
            f"/// Growth over the same quarter last year; no baseline means no growth rate.",
            f"measure {p}growth_rate = if {p}baseline > 0 USD then {p}growth / {p}baseline else 0%",
            f"measure {p}counted_growth = {p}growth floor 0 USD cap {money(rng.choice([250_000, 500_000, 1_000_000]))}",
            f"measure {p}prior_quarter = previous({p}revenue)",
            f"measure {p}qoq_rate = ({p}revenue - {p}prior_quarter) / {p}prior_quarter otherwise 0%",
            f"measure {p}revenue_ytd = year_to_date({p}revenue)",
            f"measure {p}registered = registrations.sum(deal_value where line_code == {p}code and stage == won)",
            f"measure {p}registered_deals = registrations.count_distinct(deal_id where line_code == {p}code)",
            f"measure {p}registered_share = {p}registered / {p}revenue otherwise 0",
            f"measure {p}certs = certifications.count(where course == {p}code and track in paid_tracks)",
            "",
            f"/// The partner's {self.title} orders in the quarter, with their hardware and service value.",
            f"group {p}orders = sales by order_id {{",
            f"    hardware_value: Money = sales.sum(amount where family == \"{self.families[0]}\")",
            f"    service_value = sales.sum(amount where family == \"{self.families[1]}\")",
            f"    order_lines = sales.count()",
            "}",
            f"measure {p}solution_orders = {p}orders.count(where hardware_value > 0 USD and service_value > 0 USD)",
            f"measure {p}biggest_solution = {p}orders.max(hardware_value + service_value where order_lines >= 2) otherwise 0 USD",
            "",
        )
        # ------------------------------------------------------------------ tier tables
        b1 = rng.choice([50_000, 100_000, 150_000])
        b2 = b1 * rng.choice([3, 4, 5])
        b3 = b2 * 2
        self.bounds = [0, b1, b2, b3]
        self.rates = ascending_rates(rng, 4, ["1", "1.5", "2"], ["0.5", "1", "1.5"])
        r = self.rates
        self.emit(
            f"/// {self.title} volume rates; the band reached applies to the whole quarter.",
            f"tiers {p}volume retroactive {{",
            f"    from 0 USD to {money(b1)}: {pct(r[0])}",
            f"    from {money(b1)} to {money(b2)}: {pct(r[1])}",
            f"    from {money(b2)} to {money(b3)}: {pct(r[2])}",
            f"    from {money(b3)}: {pct(r[3])}",
            "}",
        )
        m1 = rng.choice([100_000, 250_000])
        m2 = m1 * 4
        mr = ascending_rates(rng, 3, ["0", "0.5"], ["0.5", "1"])
        self.emit(
            f"/// {self.title} year-end rates: each slice earns its own band's rate.",
            f"tiers {p}marginal incremental {{",
            f"    from 0 USD to {money(m1)}: {pct(mr[0])}",
            f"    from {money(m1)} to {money(m2)}: {pct(mr[1])}",
            f"    from {money(m2)}: {pct(mr[2])}",
            "}",
        )
        g1, g2 = rng.choice([(5, 15), (10, 25), (10, 30)])
        gr = ascending_rates(rng, 3, ["0.5", "1"], ["0.5", "1"])
        self.emit(
            f"/// The {self.title} growth kicker rate, picked by growth, paid on revenue.",
            f"tiers {p}growth_rates retroactive {{",
            f"    from 0% to {g1}%: {pct(gr[0])}",
            f"    from {g1}% to {g2}%: {pct(gr[1])}",
            f"    from {g2}%: {pct(gr[2])}",
            "}",
        )
        u1 = self.unit_target // 2
        u2 = self.unit_target
        ub = sorted(rng.sample([500, 1_000, 1_500, 2_000, 2_500, 3_000], 2))
        self.emit(
            f"/// A fixed {self.title} bonus by units sold in the quarter.",
            f"tiers {p}unit_bonus retroactive {{",
            f"    from 0 to {u1}: 0 USD",
            f"    from {u1} to {u2}: {money(ub[0])}",
            f"    from {u2}: {money(ub[1])}",
            "}",
            "",
        )
        # ------------------------------------------------------------------ decision tables
        base = Decimal(rng.choice(["1", "1.5", "2"]))
        self.seg_rates = {
            ("emea", "platinum"): base + Decimal("2"),
            ("emea", "gold"): base + Decimal("1.5"),
            ("emea", None): base + Decimal("0.5"),
            ("amer", ">=gold"): base + Decimal("1.5"),
            ("amer", "silver"): base + Decimal("1"),
            ("apac", "gold|platinum"): base + Decimal("1"),
            ("otherwise", None): base,
        }
        s = self.seg_rates
        self.emit(
            f"/// The {self.title} sell-through rate by region and level; the first matching row wins.",
            f"decision {p}segment_rate: Percent by partner.region, partner.tier {{",
            f"    emea, platinum        => {pct(s[('emea', 'platinum')])}",
            f"    emea, gold            => {pct(s[('emea', 'gold')])}",
            f"    emea, _               => {pct(s[('emea', None)])}",
            f"    amer, at least gold    => {pct(s[('amer', '>=gold')])}",
            f"    amer, silver          => {pct(s[('amer', 'silver')])}",
            f"    apac, gold | platinum => {pct(s[('apac', 'gold|platinum')])}",
            f"    otherwise             => {pct(s[('otherwise', None)])}",
            "}",
            f"/// The {self.title} accelerator by segment and certification (every combination listed).",
            f"decision {p}kicker: Percent by partner.segment, partner.certified {{",
            f"    smb, true               => {rng.choice([105, 110])}%",
            f"    smb, false              => 100%",
            f"    midmarket, _            => {rng.choice([100, 105])}%",
            f"    enterprise, true        => {rng.choice([115, 120, 125])}%",
            f"    enterprise, false       => {rng.choice([105, 110])}%",
            f"    public_sector, _        => 100%",
            "}",
        )
        t1 = rng.choice([20_000, 50_000])
        t2 = t1 * rng.choice([4, 5])
        sb = sorted(rng.sample([250, 500, 750, 1_000, 1_500, 2_000], 2))
        self.emit(
            # A row may not start with a comparison pattern after another row: `=> 250 USD` followed by
            # `>= 80_000 USD` on the next line reads as one expression `250 USD >= 80_000 USD`. Only the
            # first row starts with `>=`, the range row starts with a literal, and `otherwise` ends it.
            f"/// The {self.title} signing bonus by net revenue.",
            f"decision {p}signing_bonus: Money by {p}revenue {{",
            f"    at least {money(t2)} => {money(sb[1])}",
            f"    {money(t1)} .. {money(Decimal(t2) - Decimal('0.01'))} => {money(sb[0])}",
            f"    otherwise => 0 USD",
            "}",
            "",
        )
        # ------------------------------------------------------------------ rebates
        R = self.rebate
        self.sell_through_cap = self.cap
        R("sell_through", "sell-through rebate", [
            f"pay {p}segment_rate of {p}revenue",
            f"cap {p}cap",
        ], doc=f"The {self.title} sell-through rebate: a segment rate on the quarter's net revenue.")
        R("volume_rebate", "volume rebate", [
            "eligible when partner.tier >= silver",
            f"require {p}revenue >= {p}min_revenue",
            f"pay {p}volume of {p}revenue",
            f"accelerate {p}kicker",
            f"uplift 0.5% of {p}revenue when partner.certified",
            f"cap {p}cap",
        ], doc=f"The {self.title} volume rebate: retroactive tiers, silver partners and above.")
        R("year_end", "year-end rebate", [
            f"eligible when partner.joined < {self.joined_before}",
            f"pay {p}marginal of {p}revenue_ytd when period >= 2026-Q3",
            "floor 0 USD",
            "rounding half_up",
        ], doc=f"The {self.title} year-end rebate on the year to date, incremental tiers, second half only.")
        R("growth_kicker", "growth kicker", [
            f"require {p}growth_rate > 0%",
            f"pay {p}growth_rates by {p}growth_rate of {p}revenue",
            f"accelerate 150% when {p}growth_rate > {g2 * 2}%",
        ])
        R("growth_rebate", "growth rebate", [
            f"require {p}baseline > 0 USD",
            f"pay {rng.choice(['2%', '3%', '4%'])} of {p}counted_growth",
            f"accelerate 120% when {p}qoq_rate > 10%",
            "rounding down to 0",
        ])
        self.spiff_per_unit_joined = self.joined_before
        R("spiff", "promotion SPIFF", [
            f"pay {p}per_unit * {p}promo_units",
        ], doc=f"{money(self.per_unit)} per {self.title} unit invoiced in the promotion window.", spiff=True)
        R("logo_bonus", "new logo bonus", [
            "eligible when partner.channel != distributor",
            f"pay {p}per_logo * {p}new_logos",
            f"cap {money(self.per_logo * 10)}",
        ], spiff=True)
        R("target", "target bonus", [
            f"pay {p}target_bonus when {p}units >= {p}unit_target",
            f"uplift {money(rng.choice([500, 1_000]))} when partner.certified and {p}units >= {p}unit_target",
        ], doc=f"A fixed bonus after {self.unit_target} {self.title} units in a quarter.")
        R("units_bonus", "units bonus", [
            f"require {p}return_rate <= 10%",
            f"pay {p}unit_bonus by {p}units",
        ])
        R("solution_bonus", "solution selling bonus", [
            f"pay {p}per_solution * {p}solution_orders",
            f"uplift 1% of {p}biggest_solution when {p}solution_orders >= 3",
        ], spiff=True)
        R("attach", "service attach rebate", [
            f"require {p}attach_rate >= 30%",
            f"pay 2% of {p}gross",
            f"uplift {p}signing_bonus",
        ])
        R("launch_rebate", "new product launch rebate", [
            "eligible when partner.region in [amer, emea]",
            f"pay (if period >= 2026-Q3 then 3% else 2%) of {p}new_product_revenue",
            f"floor {money(rng.choice([100, 250]))}",
            f"cap {money(self.cap // 2)}",
            "allow negative",
        ])
        R("deal_reg", "deal registration rebate", [
            f"require {p}registered_deals >= 2 and {p}registered_share >= 0.5",
            f"pay 1% of {p}registered",
            f"accelerate 110% when {p}average_deal >= {money(rng.choice([10_000, 25_000]))}",
            f"uplift 250 USD when {p}largest_order >= {money(rng.choice([100_000, 200_000]))}",
        ])
        R("clean_book", "clean book bonus", [
            f"require {p}largest_credit > -{money(rng.choice([5_000, 10_000]))}",
            f"pay 0.5% of ({p}revenue - {p}discounts) when {p}revenue >= {p}min_revenue",
        ])
        R("training", "certification incentive", [
            f"require {p}revenue >= {p}min_revenue",
            f"pay {p}per_cert * {p}certs",
            f"cap {money(self.per_cert * 8)}",
        ])
        return self

    def rebate(self, short, title, clauses, doc=None, spiff=False):
        name = self.p + short
        self.rebates.append(name)
        if spiff:
            self.spiffs.append(name)
        if doc:
            self.emit(f"/// {doc}")
        self.emit(f'rebate {name} "{self.title} {title}" {{')
        self.emit(*("    " + c for c in clauses))
        self.emit("}")

    # ---------------------------------------------------------------- tests with hand-worked amounts
    def test_sell_through(self, rng, serial):
        """The segment rate: one partner in each of three segments, one of them capped."""
        p = self.p
        fam = self.families[0]
        cases = [("emea", "gold"), ("amer", "silver"), ("apac", "bronze")]
        rows, expects = [], []
        for i, (region, tier) in enumerate(cases):
            pid = f"T{serial:03d}{i}"
            if region == "emea":
                rate = self.seg_rates[("emea", "gold")]
            elif region == "amer":
                rate = self.seg_rates[("amer", "silver")]
            else:
                rate = self.seg_rates[("otherwise", None)]
            amount = Decimal(rng.randrange(20_000, 2_000_000, 1)) + Decimal(rng.choice(["0", "0.25", "0.50", "0.75"]))
            credit = Decimal(rng.randrange(0, 5_000, 100))
            net = amount - credit
            raw = net * rate / 100
            paid = cents(min(raw, Decimal(self.cap)))
            rows.append((pid, region, tier, amount, credit))
            why = f"{region}, {tier}: {net:,} x {pct(rate)} = {raw:,}"
            why += f", above the cap: {Decimal(self.cap):,.2f}" if raw > self.cap else f", rounded: {paid:,}"
            expects.append((pid, why, paid))
        out = [f'test "{self.title}: each segment gets its rate ({serial})" {{',
               "    given partners (id, region, tier) {"]
        out += [f'        ("{pid}", {reg}, {tier})' for pid, reg, tier, _, _ in rows]
        out += ["    }", "    given sales (invoice_date, partner_id, family, amount) {"]
        for pid, _, _, amount, credit in rows:
            out.append(f'        (2026-07-{rng.randrange(1, 29):02d}, "{pid}", "{fam}", {money(amount)})')
            if credit:
                out.append(f'        (2026-09-{rng.randrange(1, 29):02d}, "{pid}", "{fam}", -{money(credit)})')
        out.append("    }")
        for pid, why, paid in expects:
            out.append(f"    // {why}")
            out.append(f'    expect {p}sell_through for "{pid}" in 2026-Q3 = {money(paid)}')
        out.append("}")
        return out

    def test_volume(self, rng, serial):
        """The volume rebate on a band boundary and one cent below it, for an uncertified smb partner."""
        p = self.p
        b = self.bounds[1]
        out = [f'test "{self.title}: the {b:,} USD boundary is in the upper band ({serial})" {{',
               "    given partners (id, tier, segment, certified) {",
               f'        ("V{serial:03d}1", gold, smb, false)',
               f'        ("V{serial:03d}2", gold, smb, false)',
               "    }",
               "    given sales (invoice_date, partner_id, family, amount) {",
               f'        (2026-08-03, "V{serial:03d}1", "{self.families[0]}", {money(b)})',
               f'        (2026-08-03, "V{serial:03d}2", "{self.families[0]}", {money(Decimal(b) - Decimal("0.01"))})',
               "    }"]
        for pid, basis, rate in ((f"V{serial:03d}1", Decimal(b), self.rates[1]),
                                 (f"V{serial:03d}2", Decimal(b) - Decimal("0.01"), self.rates[0])):
            raw = basis * rate / 100
            paid = cents(min(raw, Decimal(self.cap)))
            cap_note = f", capped at {Decimal(self.cap):,.2f}" if raw > self.cap else ""
            out.append(f"    // {basis:,} is in the {pct(rate)} band: {basis:,} x {pct(rate)} = {raw:,}{cap_note},"
                       f" x 100% (smb, not certified) = {paid:,}")
            out.append(f'    expect {p}volume_rebate for "{pid}" in 2026-Q3 = {money(paid)}')
        out.append("}")
        return out

    def test_target(self, rng, serial):
        """The target bonus: exactly on the target, and one unit short."""
        p = self.p
        t = self.unit_target
        out = [f'test "{self.title}: {t} units earn the target bonus, {t - 1} do not ({serial})" {{',
               "    given partners (id, certified) {",
               f'        ("U{serial:03d}1", false)',
               f'        ("U{serial:03d}2", false)',
               "    }",
               "    given sales (invoice_date, partner_id, family, quantity) {",
               f'        (2026-04-10, "U{serial:03d}1", "{self.families[0]}", {t - 10})',
               f'        (2026-05-20, "U{serial:03d}1", "{self.families[1]}", 10)',
               f'        (2026-06-30, "U{serial:03d}2", "{self.families[0]}", {t - 1})',
               f'        (2026-07-01, "U{serial:03d}2", "{self.families[0]}", 1)',
               "    }",
               f"    // {t - 10} + 10 = {t} units, on the target: {Decimal(self.target_bonus):,.2f}",
               f'    expect {p}target for "U{serial:03d}1" in 2026-Q2 = {money(self.target_bonus)}',
               f"    // {t - 1} units in Q2 (the unit of 2026-07-01 is in Q3): below the target, nothing",
               f'    expect {p}target for "U{serial:03d}2" in 2026-Q2 = 0 USD',
               "}"]
        return out


def build_header(seed):
    return [
        "// A generated benchmark program for `rebate check` (bench/gen_check_program.py, seed "
        f"{seed}). Do not edit:",
        "// regenerate it. It models a hardware vendor's partner program with many product lines.",
        "",
        "/// Partner program 2026: sell-through, volume, growth, SPIFF and bonus rebates across all",
        "/// product lines, paid per quarter in US dollars.",
        'program "Partner program 2026 (all product lines)" {',
        "    currency: USD",
        "    period: quarter",
        "    effective: 2026-01-01 .. 2026-12-31",
        "    rounding: half_even",
        "}",
        "",
        "/// Partner levels, lowest first.",
        "enum Tier { bronze, silver, gold, platinum }",
        "/// Sales regions.",
        "enum Region { amer, emea, apac }",
        "/// Customer segments a partner mainly sells to.",
        "enum Segment { smb, midmarket, enterprise, public_sector }",
        "/// How the partner buys from us.",
        "enum Channel { reseller, distributor, msp }",
        "/// The stage of a registered deal.",
        "enum Stage { registered, won, lost }",
        "",
        "/// The partner master, exported every night from the partner portal.",
        "partner table partners {",
        '    id: Text as key from "Partner ID"',
        '    name: Text from "Partner Name"',
        '    tier: Tier from "Program Level"',
        "    region: Region",
        "    segment: Segment",
        "    channel: Channel",
        "    certified: Bool",
        '    joined: Date from "Join Date"',
        "}",
        "",
        "/// The SKU master.",
        "table skus {",
        '    sku: Text as key from "SKU"',
        '    description: Text from "Description"',
        '    launched: Date from "Launch Date"',
        "}",
        "",
        "/// Invoice lines from the ERP. Credit notes are lines with a negative amount.",
        "ledger sales {",
        '    invoice_date: Date as date from "Invoice Date"',
        '    partner_id: Text as partner from "Sold-To Partner"',
        '    invoice_no: Text from "Invoice"',
        '    order_id: Text from "Sales Order"',
        "    sku: skus",
        '    /// The product family from the SKU master, e.g. "All-Flash Core".',
        '    family: Text from "Product Family"',
        "    customer: Text",
        "    new_customer: Bool",
        '    quantity: Int from "Qty"',
        '    amount: Money from "Net Amount"',
        '    discount: Money? from "Discount"',
        "}",
        "",
        "/// Deal registrations from the partner portal.",
        "ledger registrations {",
        '    registered_on: Date as date from "Registered On"',
        '    partner_id: Text as partner from "Partner ID"',
        '    deal_id: Text from "Deal"',
        "    customer: Text",
        '    line_code: Text from "Product Line"',
        "    stage: Stage",
        '    deal_value: Money from "Deal Value"',
        "}",
        "",
        "/// Certifications completed on the learning platform.",
        "ledger certifications {",
        '    completed_on: Date as date from "Completion Date"',
        '    partner_id: Text as partner from "Partner ID"',
        '    person: Text from "Learner"',
        '    course: Text from "Course"',
        '    track: Text from "Track"',
        "}",
        "",
        "/// The learning tracks that earn certification incentives.",
        'const paid_tracks = ["sales", "presales", "technical"]',
        "/// The program-wide SPIFF pool per quarter.",
        "const spiff_pool_amount = 1_500_000 USD",
    ]


def build_footer(lines_, seed, n_tests):
    out = ["", "// " + "-" * 99, "// Program-wide measures, awards and budget", "// " + "-" * 99, ""]
    total = " +\n        ".join(
        " + ".join(f"{l.p}revenue" for l in lines_[i:i + 6]) for i in range(0, len(lines_), 6))
    out += [
        "/// Net revenue of the partner over every product line in the quarter.",
        f"measure total_revenue =\n        {total}",
        "measure total_units = sales.sum(quantity)",
        "measure total_baseline = last_year(total_revenue)",
        "measure total_growth_rate = (total_revenue - total_baseline) / total_baseline otherwise 0%",
        "measure active_lines = sales.count_distinct(family where amount > 0 USD)",
        "",
        "/// The partner's level for the next quarter, from this quarter's revenue over all lines.",
        'award next_level: Tier for next period "Partner level" {',
        "    when total_revenue >= 5_000_000 USD and partner.certified => platinum",
        "    when total_revenue >= 2_000_000 USD                        => gold",
        "    when total_revenue >= 500_000 USD                          => silver",
        "    otherwise                                                  => bronze",
        "}",
        "",
        "/// Recognition for the fastest-growing partners of the quarter.",
        'award growth_star: Bool "Growth star of the quarter" {',
        "    when total_growth_rate >= 50% and active_lines >= 5 => true",
        "    otherwise                                          => false",
        "}",
        "",
        "/// Recognition for partners selling many units across many lines.",
        'award breadth: Text "Portfolio breadth" {',
        '    when active_lines >= 20 and total_units >= 10_000 => "full portfolio"',
        '    when active_lines >= 10                           => "broad"',
        '    otherwise                                         => "focused"',
        "}",
        "",
    ]
    spiffs = [s for l in lines_ for s in l.spiffs]
    chunks = [", ".join(spiffs[i:i + 5]) for i in range(0, len(spiffs), 5)]
    out += [
        "/// The SPIFF pool: per-unit, per-logo and per-solution bonuses share it, pro rata when exceeded.",
        "budget spiff_pool = spiff_pool_amount per quarter for\n    " + ",\n    ".join(chunks),
        "",
        "// " + "-" * 99,
        "// Tests. Each expected amount is worked out in the comment next to it.",
        "// " + "-" * 99,
    ]
    rng = random.Random(seed * 7919 + 17)
    kinds = ["test_sell_through", "test_volume", "test_target"]
    for i in range(n_tests):
        line = lines_[(i * 7) % len(lines_)]
        out.append("")
        out += getattr(line, kinds[i % len(kinds)])(rng, i + 1)
    return out


def count_lines(chunks):
    return sum(c.count("\n") + 1 for c in chunks)


def generate(seed, target_lines):
    rng = random.Random(seed)
    header = build_header(seed)
    lines_ = []
    min_tests = 4
    # Add product lines while the program (with the fewest tests) stays within the target.
    while True:
        candidate = Line(random.Random(rng.random()), len(lines_) + 1).build()
        body = header + [x for l in lines_ + [candidate] for x in l.lines]
        if lines_ and count_lines(body + build_footer(lines_ + [candidate], seed, min_tests)) > target_lines:
            break
        lines_.append(candidate)
        if len(lines_) >= 999:
            break
    body = header + [x for l in lines_ for x in l.lines]
    # Then fill up with tests (about 14 lines each) to land close to the target.
    n_tests = min_tests
    while count_lines(body + build_footer(lines_, seed, n_tests + 1)) <= target_lines:
        n_tests += 1
    text = "\n".join(body + build_footer(lines_, seed, n_tests)) + "\n"
    return text, len(lines_), sum(len(l.rebates) for l in lines_)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--lines", type=int, default=5000, help="approximate number of lines (default 5000)")
    ap.add_argument("-o", "--output", help="output file (default: standard output)")
    args = ap.parse_args()
    text, n_lines, n_rebates = generate(args.seed, args.lines)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    print(f"generated {text.count(chr(10))} lines, {len(text.encode())} bytes, {n_lines} product lines, "
          f"{n_rebates} rebates (seed {args.seed})", file=sys.stderr)


if __name__ == "__main__":
    main()
