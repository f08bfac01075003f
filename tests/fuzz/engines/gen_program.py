"""Random valid Rebate programs for the engines' differential fuzzer (fuzz_engines.py).

A program is built from a fixed schema (gen_ledger.py writes matching CSV files) and typed expression
generators: every expression is generated for a type ("money", "num", "pct", "bool", ...) in a scope
(a ledger line, a group field, a group row, a partner and period), so what comes out type-checks by
construction. What the JIT compiles is exercised on purpose: arithmetic of every kind on columns and
measures, lookups into a product table and across ledgers (`churns` reads `activations` by key, and is
the activating dealer's), text tests and the text functions (`starts_with`, `ends_with`, `contains`,
`upper`, `lower`, `length`; measures of text, shown in explanations), nested `if`, `otherwise`,
`min`/`max`/`abs`/`round` with every mode, comparisons on boundaries, durations and period tests, groups
with computed fields, time shifts, tiers of both modes applied with `of` and `by`, decision tables, every
rebate clause, budgets, awards and a co-op fund (`accrue`, `pay claims from`, `expire after`); and values that break:
literals near the 38-digit limit (overflow), divisions by columns and measures that can be zero.

Each top-level declaration is one item of `Program.items`, so the minimiser can drop items.
"""
import random

MODES = ["half_even", "half_up", "down", "up"]
FAMILIES = ["storage", "support", "server", "EV", "x", "Straße", "été"]
PLANS = ["basic", "premium", "Premium", "PRO-é", ""]
# Texts the text tests look for: the ledgers' values, their parts in either case, the empty text.
TEXT_LITERALS = ["", "s", "S", "EV", "ev", "st", "ST", "port", "ß", "SS", "É", "é", "été", "ÉTÉ", "pre", "PRE", "-é", "C1", "P1", "p1", "O3"]
CUSTOMERS = ["C1", "C2", "C3", "C4"]
TIERS = ["bronze", "silver", "gold"]
REGIONS = ["amer", "emea", "apac"]

SCHEMA = """enum Tier { bronze, silver, gold }
enum Region { amer, emea, apac }
partner table partners { id: Text as key  tier: Tier  region: Region  certified: Bool  joined: Date }
table products { sku: Text as key  family: Text  list_price: Money  weight: Decimal(3)  launched: Date }
ledger sales {
    date: Date as date
    partner_id: Text as partner
    order_id: Text
    sku: products
    family: Text
    customer: Text
    units: Int
    amount: Money
    price: Decimal(4)
    discount: Percent
    credit: Money?
    promo: Bool
}
ledger activations {
    act_id: Text as key
    dealer: Text as partner
    activated_on: Date as date
    plan: Text
    fee: Money
}
ledger churns {
    act: activations as partner
    churned_on: Date as date
    refund: Money
}
claims ledger coop_claims {
    claim_id: Text as claim
    claimant: Text as partner
    claimed_on: Date as date
    amount: Money as amount
}"""
# With a fund, the program's `effective` dates: they hold every date gen_ledger.py writes.
EFFECTIVE = "effective: 2025-01-01 .. 2027-12-31"


class Program:
    def __init__(self, header, items):
        self.header = header
        self.items = items  # top-level declarations after the schema, each a string

    def text(self):
        return "\n".join([self.header, SCHEMA, *self.items]) + "\n"


class Scope:
    """What an expression may read: leaves by type, and whether it is inside an aggregate."""

    def __init__(self, leaves, line=False, partner_level=True, columns=True, tests=()):
        self.leaves = leaves  # type -> list of expression texts ("text" too)
        self.line = line
        self.columns = line and columns  # the sales ledger's columns (not over a group's rows or another ledger)
        self.partner_level = partner_level
        self.tests = list(tests)  # Boolean tests of this scope's own columns (another ledger's lines)


class Generator:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.consts = {"money": [], "num": [], "pct": []}
        self.measures = {"money": [], "num": [], "pct": [], "text": []}
        self.decisions = {"money": [], "num": [], "pct": []}
        self.tiers = []  # (name, mode, bound type, value type)
        self.counter = 0
        self.max_depth = 3

    def name(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p):
        return self.r.random() < p

    def pick(self, xs):
        return self.r.choice(xs)

    # ---- literals --------------------------------------------------------------------------------------

    def digits(self, big_ok=True):
        """A decimal literal's text: small values, zero, boundaries, and values near the 38-digit limit."""
        r = self.r
        k = r.random()
        if k < 0.15:
            return "0"
        if k < 0.55:
            return str(r.randrange(1, 1000))
        if k < 0.8:
            return f"{r.randrange(0, 100000)}.{r.randrange(0, 10**r.randrange(1, 7)):d}"
        if k < 0.9 or not big_ok:
            return f"{r.randrange(1, 100)}_000"
        # Near the limits: 10^18 .. 10^37 (a product of two of these overflows 38 digits).
        return "9" * r.randrange(12, 20) if self.chance(0.5) else "1" + "0" * r.randrange(18, 37)

    def literal(self, t):
        r = self.r
        if t == "money":
            return f"{self.digits()} USD"
        if t == "num":
            return self.digits()
        if t == "pct":
            return self.pick(["0%", "1%", "2.5%", "5%", "10%", "12.345%", "50%", "100%", "120%", "0.001%"])
        if t == "bool":
            return self.pick(["true", "false"])
        if t == "date":
            return f"2026-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}"
        raise ValueError(t)

    # ---- expressions ----------------------------------------------------------------------------------

    def leaf(self, t, scope):
        options = list(scope.leaves.get(t, []))
        if scope.partner_level or scope.line:
            options += self.consts.get(t, [])
        if options and self.chance(0.75):
            return self.pick(options)
        return self.literal(t)

    def expr(self, t, scope, depth=0):
        if depth >= self.max_depth or self.chance(0.3):
            return self.leaf(t, scope)
        return getattr(self, "expr_" + t)(scope, depth + 1)

    def sub(self, t, scope, depth):
        e = self.expr(t, scope, depth)
        return f"({e})" if " " in e else e

    def common(self, t, scope, d):
        """The forms every arithmetic type has; None when none was chosen."""
        r = self.r.random()
        if r < 0.08:
            return f"if {self.expr('bool', scope, d)} then {self.expr(t, scope, d)} else {self.expr(t, scope, d)}"
        if r < 0.14:
            return f"{self.pick(['min', 'max'])}({', '.join(self.expr(t, scope, d) for _ in range(self.r.randrange(2, 4)))})"
        if r < 0.18:
            return f"abs({self.expr(t, scope, d)})"
        if r < 0.24:
            return self.round_of(t, scope, d)
        if r < 0.28:
            return f"-{self.sub(t, scope, d)}"
        return None

    def round_of(self, t, scope, d):
        inner = self.expr(t, scope, d)
        k = self.r.random()
        if k < 0.3:
            return f"round({inner})"
        if k < 0.6:
            return f"round({inner}, {self.r.randrange(0, 10)})"
        return f"round({inner}, {self.r.randrange(0, 10)}, {self.pick(MODES)})"

    def guarded(self, t, division):
        """A division, usually given a fallback for no value (a zero divisor); else a runtime error."""
        if self.chance(0.85):
            return f"({division} otherwise {self.literal(t)})"
        return f"({division})"

    def expr_money(self, s, d):
        c = self.common("money", s, d)
        if c:
            return c
        k = self.r.randrange(9)
        if k == 0:
            return f"{self.sub('money', s, d)} + {self.sub('money', s, d)}"
        if k == 1:
            return f"{self.sub('money', s, d)} - {self.sub('money', s, d)}"
        if k == 2:
            return f"{self.sub('money', s, d)} * {self.sub('num', s, d)}"
        if k == 3:
            return f"{self.sub('pct', s, d)} of {self.sub('money', s, d)}"
        if k == 4:
            return f"{self.sub('money', s, d)} * {self.sub('pct', s, d)}"
        if k == 5:
            return self.guarded("money", f"{self.sub('money', s, d)} / {self.sub(self.pick(['num', 'pct']), s, d)}")
        if k == 6 and s.partner_level and not s.line:
            return self.tier_use(s, d) or self.leaf("money", s)
        if k == 7 and s.partner_level and not s.line and self.decisions["money"]:
            return self.pick(self.decisions["money"])
        return self.leaf("money", s)

    def expr_num(self, s, d):
        c = self.common("num", s, d)
        if c:
            return c
        k = self.r.randrange(7)
        if k == 0:
            return f"{self.sub('num', s, d)} + {self.sub('num', s, d)}"
        if k == 1:
            return f"{self.sub('num', s, d)} - {self.sub('num', s, d)}"
        if k == 2:
            return f"{self.sub('num', s, d)} * {self.sub('num', s, d)}"
        if k == 3:
            t = self.pick(["num", "money", "pct"])
            return self.guarded("num", f"{self.sub(t, s, d)} / {self.sub(t, s, d)}")
        if k == 4 and s.partner_level and not s.line and self.decisions["num"]:
            return self.pick(self.decisions["num"])
        if k == 5 and (s.leaves.get("text") or s.partner_level):
            return f"length({self.expr_text(s, d)})"
        return self.leaf("num", s)

    def expr_pct(self, s, d):
        c = self.common("pct", s, d)
        if c:
            return c
        k = self.r.randrange(8)
        if k == 0:
            return f"{self.sub('pct', s, d)} + {self.sub('pct', s, d)}"
        if k == 1:
            return f"{self.sub('pct', s, d)} - {self.sub('pct', s, d)}"
        if k == 2:
            return f"{self.sub('pct', s, d)} * {self.sub('num', s, d)}"
        if k == 3:
            return f"{self.sub('pct', s, d)} * {self.sub('pct', s, d)}"
        if k == 4:
            return self.guarded("pct", f"{self.sub('pct', s, d)} / {self.sub('num', s, d)}")
        if k == 5 and s.partner_level and not s.line:
            rates = [t for t in self.tiers if t[1] == "retroactive" and t[3] == "pct"]
            if rates:
                name, _, bound, _ = self.pick(rates)
                return f"{name} by {self.sub(bound, s, d)}"
        if k == 6 and s.partner_level and not s.line and self.decisions["pct"]:
            return self.pick(self.decisions["pct"])
        return self.leaf("pct", s)

    # ---- text -----------------------------------------------------------------------------------------

    def expr_text(self, s, d):
        """A text: a column, an attribute or a text measure, a literal, or `upper`/`lower` of a text."""
        k = self.r.random()
        if k < 0.35 and d < self.max_depth:
            return f"{self.pick(['upper', 'lower'])}({self.expr_text(s, d + 1)})"
        if k < 0.45:
            return f'"{self.pick(TEXT_LITERALS)}"'
        if k < 0.5 and d < self.max_depth:
            return f"(if {self.expr('bool', s, d + 1)} then {self.expr_text(s, d + 1)} else {self.expr_text(s, d + 1)})"
        return self.pick(s.leaves.get("text") or ["partner.id"])

    def text_test(self, s, d):
        t = self.expr_text(s, d)
        k = self.r.randrange(6)
        lit = f'"{self.pick(TEXT_LITERALS)}"'
        if k < 3:
            return f"{['starts_with', 'ends_with', 'contains'][k]}({t}, {lit if self.chance(0.8) else self.expr_text(s, d)})"
        if k == 3:
            return f"{t} {self.pick(['==', '!='])} {lit if self.chance(0.7) else self.expr_text(s, d)}"
        if k == 4:
            return f"{t} {self.pick(['in', 'not in'])} [{', '.join(chr(34) + x + chr(34) for x in self.r.sample(TEXT_LITERALS, 3))}]"
        return f"length({t}) {self.pick(['==', '!=', '<', '<=', '>', '>='])} {self.r.randrange(0, 8)}"

    # Values the ledgers hold (gen_ledger.py), so that comparisons land exactly on their boundaries.
    BOUNDARIES = [("units", ["0", "1", "2", "-1", "100"]), ("price", ["0", "1", "0.5", "12.3456", "-2.5"]),
                  ("discount", ["0%", "5%", "12.5%", "100%", "-10%"]), ("sku.weight", ["0", "1", "0.5", "12.125", "-3"]),
                  ("amount", ["0 USD", "0.000001 USD", "9000000000000 USD"]), ("(credit otherwise 0 USD)", ["0 USD", "-5.25 USD", "100 USD"])]

    def comparison(self, s, d):
        op = self.pick(["==", "!=", "<", "<=", ">", ">="])
        if self.chance(0.5):
            if s.columns:
                column, values = self.pick(self.BOUNDARIES)
                if self.chance(0.7):  # arithmetic that changes nothing: the scan's kernels take a bare column
                    column = self.pick([f"({column} * 1)", f"-(-{column})", f"({column} * 2 - {column})"])
                return f"{column} {op} {self.pick(values)}"
            kinds = [t for t in ("money", "num", "pct") if s.leaves.get(t)]
            if kinds:  # a measure or a group field against zero: empty periods and groups are common
                t = self.pick(kinds)
                return f"{self.pick(s.leaves[t])} {op} {dict(money='0 USD', num='0', pct='0%')[t]}"
        t = self.pick(["money", "num", "pct", "num"])
        other = self.pick(["num", "pct"]) if t in ("num", "pct") else t
        return f"{self.sub(t, s, d)} {op} {self.sub(other, s, d)}"

    def expr_bool(self, s, d):
        if (s.leaves.get("text") or s.partner_level) and self.chance(0.15):
            return self.text_test(s, d)
        if s.tests and self.chance(0.4):
            return self.pick(s.tests)
        k = self.r.randrange(12)
        if k < 3 or (s.columns and k == 9):  # line filters outside the kernels: comparisons most of all
            return self.comparison(s, d)
        if k == 3:
            return f"{self.sub('bool', s, d)} and {self.sub('bool', s, d)}"
        if k == 4:
            return f"{self.sub('bool', s, d)} or {self.sub('bool', s, d)}"
        if k == 5:
            return f"not ({self.expr('bool', s, d)})"
        if k == 6:
            lo, hi = sorted([self.literal("money"), self.literal("money")], key=lambda x: float(x.split()[0].replace("_", "")))
            t = self.pick(["money"])
            return f"{self.sub(t, s, d)} {self.pick(['in', 'not in'])} {lo} .. {hi}"
        if k == 7:
            return f"partner.tier {self.pick(['==', '!=', '<', '>=', '>'])} {self.pick(TIERS)}"
        if k == 8:
            return self.pick(["partner.certified", f"partner.region == {self.pick(REGIONS)}",
                              f"partner.region in [{', '.join(self.r.sample(REGIONS, 2))}]",
                              f"period >= 2026-Q{self.r.randrange(1, 5)}", f"partner.joined < {self.literal('date')}",
                              f"partner.id in [\"P1\", \"P{self.r.randrange(2, 6)}\"]", "2026-08-01 in period",
                              f"partner.joined + {self.r.randrange(1, 4)} * {self.r.randrange(0, 40)} days < period.start",
                              f"period.end - partner.joined > {self.r.randrange(0, 900)} days"])
        if s.columns and k >= 9:
            return self.pick([
                f"family == \"{self.pick(FAMILIES)}\"", f"family != \"{self.pick(FAMILIES)}\"",
                f"family in [{', '.join(chr(34) + f + chr(34) for f in self.r.sample(FAMILIES, 2))}]",
                f"sku.family == \"{self.pick(FAMILIES)}\"", f"customer not in [\"C1\", \"C{self.r.randrange(2, 5)}\"]",
                "promo", f"date >= {self.literal('date')}", f"date in {self.literal('date')} .. 2026-12-31",
                f"date - {self.r.randrange(0, 100)} days < sku.launched", f"date + {self.r.randrange(1, 4)} months > {self.literal('date')}",
                "date in period", f"date >= period.start + {self.r.randrange(0, 60)} days",
                f"date <= period.end - {self.r.randrange(0, 3)} months", f"order_id == \"O{self.r.randrange(1, 8)}\"",
                f"(credit otherwise 0 USD) {self.pick(['<', '>=', '=='])} {self.literal('money')}",
            ])
        return self.comparison(s, d)

    # ---- tiers and decisions --------------------------------------------------------------------------

    def tier_use(self, s, d):
        if not self.tiers:
            return None
        name, mode, bound, value = self.pick(self.tiers)
        if mode == "incremental" or (value == "pct" and bound == "money" and self.chance(0.5)):
            if bound != "money":
                return None
            return f"{name} of {self.sub('money', s, d)}"
        if value == "money":
            return f"{name} by {self.sub(bound, s, d)}"
        return f"{name} by {self.sub(bound, s, d)} of {self.sub('money', s, d)}"

    def bound_literals(self, t, n):
        start = self.pick([0, 0, 0, -100, 10])
        xs = [start]
        for _ in range(n - 1):
            xs.append(xs[-1] + self.pick([1, 5, 50, 100, 1000, 250000, 10**13]))
        unit = {"money": " USD", "num": "", "pct": "%"}[t]
        return [f"{x}{unit}" for x in xs]

    def tiers_decl(self):
        name = self.name("t")
        mode = self.pick(["retroactive", "incremental"])
        bound = "money" if mode == "incremental" else self.pick(["money", "money", "num", "pct"])
        value = "pct" if mode == "incremental" or self.chance(0.6) else "money"
        n = self.r.randrange(1, 5)
        bounds = self.bound_literals(bound, n + 1)
        lines = []
        for i in range(n):
            v = self.literal(value) if value == "pct" else f"{self.digits(big_ok=False)} USD"
            upper = "" if i == n - 1 and self.chance(0.7) else f" to {bounds[i + 1]}"
            lines.append(f"    from {bounds[i]}{upper}: {v}")
        self.tiers.append((name, mode, bound, value))
        return f"tiers {name} {mode} {{\n" + "\n".join(lines) + "\n}"

    def pattern(self, t):
        if t == "tier":
            k = self.r.randrange(3)
            return [self.pick(TIERS), f"at least {self.pick(TIERS)}", " | ".join(self.r.sample(TIERS, 2))][k]
        if t == "region":
            return self.pick(REGIONS)
        if t == "bool":
            return self.pick(["true", "false"])
        lit = self.literal(t)
        k = self.r.randrange(4)
        return [f"below {lit}", f"at least {lit}", f"above {lit}", lit][k]

    def decision_decl(self, scope):
        name = self.name("d")
        t = self.pick(["money", "pct", "pct", "num"])
        inputs = []
        for _ in range(self.r.randrange(1, 3)):
            k = self.r.randrange(4)
            if k == 0:
                inputs.append(("partner.tier", "tier"))
            elif k == 1:
                inputs.append(("partner.region", "region"))
            elif k == 2:
                inputs.append(("partner.certified", "bool"))
            else:
                mt = self.pick(["money", "num"])
                inputs.append((self.pick(self.measures[mt]) if self.measures[mt] else self.literal(mt), mt))
        rows = []
        for _ in range(self.r.randrange(1, 4)):
            pats = [self.pattern(it) if self.chance(0.8) else "_" for _, it in inputs]
            rows.append(f"    {', '.join(pats)} => {self.expr(t, scope, 2)}")
        rows.append(f"    otherwise => {self.expr(t, scope, 2)}")
        decl = f"decision {name}: {dict(money='Money', pct='Percent', num='Decimal')[t]} by {', '.join(i for i, _ in inputs)} {{\n" + "\n".join(rows) + "\n}"
        self.decisions[t].append(name)
        return decl

    # ---- declarations ---------------------------------------------------------------------------------

    def line_scope(self, extra=None):
        leaves = {"money": ["amount", "sku.list_price", "(credit otherwise 0 USD)"],
                  "num": ["units", "price", "sku.weight"], "pct": ["discount"],
                  "text": ["family", "customer", "order_id", "sku.family", "sku.sku"]}
        for t, xs in (extra or {}).items():
            leaves.setdefault(t, []).extend(xs)
        return Scope(leaves, line=True, partner_level=False)

    def partner_scope(self):
        leaves = {t: list(self.measures[t]) for t in self.measures}
        leaves["text"] += ["partner.id"]
        return Scope(leaves, line=False, partner_level=True)

    def activation_scope(self):
        """The lines of `activations`, a ledger looked up by key."""
        n = self.r.randrange(0, 200)
        return Scope({"money": ["fee"], "num": [], "pct": [], "text": ["plan", "act_id", "dealer"]}, line=True, partner_level=False,
                     columns=False, tests=[f"activated_on >= {self.literal('date')}", f"fee > {n} USD", "activated_on in period"])

    def churn_scope(self):
        """The lines of `churns`, each reading the activation it names."""
        n = self.r.randrange(0, 120)
        return Scope({"money": ["refund", "act.fee"], "num": [], "pct": [], "text": ["act.plan", "act.act_id", "act.dealer"]},
                     line=True, partner_level=False, columns=False,
                     tests=[f"churned_on - act.activated_on <= {n} days", f"act.activated_on in period",
                            f"act.activated_on < {self.literal('date')}", f"act.fee >= refund"])

    def const_decl(self):
        t = self.pick(["money", "num", "pct"])
        name = self.name("k")
        value = self.literal(t) if self.chance(0.7) or not self.consts[t] else \
            f"{self.pick(self.consts[t])} + {self.literal(t)}"
        self.consts[t].append(name)
        return f"const {name} = {value}"

    def where(self, scope):
        return f" where {self.expr('bool', scope, 1)}" if self.chance(0.7) else ""

    def aggregate(self, ledger, scope, t):
        """`ledger.fn(...)` of type t over `scope`'s rows."""
        if t == "num" and self.chance(0.4):
            k = self.r.randrange(3)
            if k == 0:
                return f"{ledger}.count({self.where(scope).strip()})"
            keys = ["order_id", "family", "customer", "sku.family", "units"] if scope.columns else self.measure_keys(scope)
            if k == 1:
                return f"{ledger}.count_distinct({self.pick(keys)}{self.where(scope)})"
        fn = self.pick(["sum", "sum", "sum", "min", "max", "avg"])
        if t == "pct":
            fn = self.pick(["min", "max", "avg"])
        inner = f"{ledger}.{fn}({self.expr(t, scope)}{self.where(scope)})"
        if fn != "sum":
            inner += f" otherwise {self.literal(t)}"
        return inner

    def measure_keys(self, scope):
        """count_distinct over a group's rows: of one of its fields."""
        return scope.leaves.get("money", []) + scope.leaves.get("num", []) or ["1"]

    def measure_decl(self):
        name = self.name("m")
        t = self.pick(["money", "money", "num", "pct"])
        k = self.r.random()
        ms = self.measures[t]
        if k < 0.45 or not any(self.measures.values()):
            value = self.aggregate("sales", self.line_scope(), t)
        elif k < 0.55 and t != "pct":
            ledger, scope = self.pick([("activations", self.activation_scope()), ("churns", self.churn_scope())])
            value = self.aggregate(ledger, scope, t)
        elif k < 0.65 and ms:
            shifts = ["last_year", "previous"] + (["year_to_date"] if t != "pct" else [])  # E0315: percents do not add up
            value = f"{self.pick(shifts)}({self.pick(ms)})"
        elif k < 0.75 and self.groups:
            g, fields = self.pick(self.groups)
            value = self.aggregate(g, Scope(dict(fields), line=True, partner_level=False, columns=False), t)
        else:
            value = self.expr(t, self.partner_scope())
        if t != "pct" and self.chance(0.15):
            value = f"({value}) {self.pick(['cap', 'floor'])} {self.literal(t)}"
        ms.append(name)
        return f"measure {name} = {value}"

    def text_measure_decl(self):
        """A measure of text (explanations show it quoted)."""
        name = self.name("m")
        value = self.expr_text(self.partner_scope(), 1)
        self.measures["text"].append(name)
        return f"measure {name} = {value}"

    def fund_decl(self):
        name = self.name("fund")
        self.funds.append(name)
        expiry = ""
        if self.chance(0.5):  # accruals that lapse: in the program's periods, or in months, quarters or years that make whole ones
            unit = self.pick(["quarters", "year", "months"] if self.period == "quarter" else ["months", "quarters", "year"])
            count = {"year": 1, "quarters": self.r.randrange(1, 5), "months": 3 * self.r.randrange(1, 5)}[unit]
            expiry = f"\n    expire after {count} {unit}"
        return f"fund {name} {{\n    accrue {self.expr('money', self.partner_scope())}\n    pay claims from coop_claims{expiry}\n}}"

    def group_decl(self):
        name = self.name("g")
        fields, lines = {"money": [], "num": []}, []
        for _ in range(self.r.randrange(1, 4)):
            f = self.name("f")
            t = self.pick(["money", "num"])
            value = self.aggregate("sales", self.line_scope(), t)
            if self.chance(0.3):
                value = f"{value} {self.pick(['+', '-'])} {self.aggregate('sales', self.line_scope(), t)}"
            lines.append(f"    {f} = {value}")
            fields[t].append(f)
        self.groups.append((name, fields))
        return f"group {name} = sales by {self.pick(['order_id', 'order_id', 'customer', 'order_id, family'])} {{\n" + "\n".join(lines) + "\n}"

    def condition(self):
        return self.expr("bool", self.partner_scope(), 1)

    def rebate_decl(self):
        name = self.name("r")
        s = self.partner_scope()
        clauses = []
        if self.chance(0.3):
            clauses.append(f"eligible when {self.pick(['partner.tier >= silver', 'partner.certified', 'partner.region != apac', 'period >= 2026-Q2', 'not partner.certified or partner.tier == gold'])}")
        if self.chance(0.3):
            clauses.append(f"require {self.condition()}")
        pay = f"pay {self.expr('money', s)}"
        if self.chance(0.25):
            pay += f" when {self.condition()}"
        clauses.append(pay)
        for _ in range(self.r.randrange(0, 2)):
            clauses.append(f"accelerate {self.expr(self.pick(['pct', 'num']), s, 2)}" + (f" when {self.condition()}" if self.chance(0.5) else ""))
        for _ in range(self.r.randrange(0, 2)):
            clauses.append(f"uplift {self.expr('money', s, 2)}" + (f" when {self.condition()}" if self.chance(0.5) else ""))
        if self.chance(0.25):
            clauses.append(f"cap {self.expr('money', s, 2)}")
        if self.chance(0.2):
            clauses.append(f"floor {self.expr('money', s, 2)}")
        if self.chance(0.3):
            clauses.append("allow negative")
        if self.chance(0.4):
            clauses.append(f"rounding {self.pick(MODES)}" + (f" to {self.r.randrange(0, 3)}" if self.chance(0.4) else ""))
        self.rebates.append(name)
        return f"rebate {name} {{\n" + "\n".join("    " + c for c in clauses) + "\n}"

    def award_decl(self):
        name = self.name("a")
        rows = [f"    when {self.condition()} => {self.pick(TIERS)}" for _ in range(self.r.randrange(1, 3))]
        if self.chance(0.7):
            rows.append(f"    otherwise => {self.pick(TIERS)}")
        nxt = " for next period" if self.chance(0.5) else ""
        return f"award {name}: Tier{nxt} {{\n" + "\n".join(rows) + "\n}"

    def program(self):
        self.groups, self.rebates, self.funds = [], [], []
        period = self.pick(["quarter", "quarter", "month"])
        self.period = period
        fund = self.chance(0.3)
        header = f'program "Fuzz" {{ currency: USD  period: {period}'
        if self.chance(0.5):
            header += f"  rounding: {self.pick(MODES)}"
        if fund:
            header += f"  {EFFECTIVE}"
        header += " }"
        items = []
        for _ in range(self.r.randrange(0, 4)):
            items.append(self.const_decl())
        for _ in range(self.r.randrange(0, 3)):
            items.append(self.tiers_decl())
        if self.chance(0.5):
            items.append(self.group_decl())
        for _ in range(self.r.randrange(1, 7)):
            items.append(self.text_measure_decl() if self.chance(0.15) else self.measure_decl())
            if self.chance(0.2):
                items.append(self.decision_decl(self.partner_scope()))
        for _ in range(self.r.randrange(1, 5)):
            items.append(self.rebate_decl())
        if fund:
            items.append(self.fund_decl())
        if self.chance(0.2):
            items.append(self.award_decl())
        if self.chance(0.15):
            covered = self.r.sample(self.rebates, self.r.randrange(1, len(self.rebates) + 1))
            scope = "" if self.chance(0.5) else " for " + ", ".join(covered)
            items.append(f"budget b{self.counter} = {self.r.randrange(1, 5000)}.{self.r.randrange(0, 100):02d} USD per {period}{scope}")
        return Program(header, items)


def generate(seed):
    return Generator(seed).program()
