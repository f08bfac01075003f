#!/usr/bin/env python3
"""A payout's `lines` (issue 19 §1): the distinct ledger lines its amount was computed from, through the
real CLI on one engine. A line read by several measures is one line; a look-back's lines count in their
own periods; lines read in overlapping windows (the year to date and the quarter) count once; a payout
over a group counts the ledger lines of the groups it takes; a `when` guard's measure is part of the
amount. Every count below is worked out by hand from LEDGER (the comment above each). Also `--period`
over a range of periods (`rebate explain` explains each)."""
import csv
import io
import json
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

PROGRAM = """
program "Line counts" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
partner table partners { id: Text as key }
ledger sales { date: Date as date  partner_id: Text as partner  family: Text  order_id: Text  amount: Money  discount: Money? }
measure revenue = sales.sum(amount)
measure storage = sales.sum(amount where family == "storage")
measure services = sales.sum(amount where family == "services")
measure service_lines = sales.count(where family == "services")
measure discounts = sales.sum(discount otherwise 0 USD where family == "storage")
group orders = sales by order_id {
    storage_value: Money = sales.sum(amount where family == "storage")
    services_value: Money = sales.sum(amount where family == "services")
}
measure mixed_orders = orders.count(where storage_value > 0 USD and services_value > 0 USD)
rebate three "Three measures" { pay 1% of revenue + 1% of storage + 1 USD * service_lines }
rebate two "Storage and services" { pay 1% of storage + 1% of services }
rebate growth "Over last year" { pay 1% of storage + 1% of last_year(storage) }
rebate ytd "Year to date" { pay 1% of year_to_date(storage) + 1% of services }
rebate mixed "Mixed orders" { pay 10 USD * mixed_orders }
rebate target "Service target" { pay 100 USD when service_lines >= 2 }
rebate opt "Discounts and services" { pay 1% of discounts + 1% of services }
"""
PARTNERS = "id\nP1\nP2\n"
# P1's lines (L1..L7); P2 has none.
LEDGER = """date,partner_id,family,order_id,amount,discount
2026-01-10,P1,storage,O1,1000,
2026-02-10,P1,services,O1,500,
2026-03-10,P1,cloud,O2,200,
2026-04-10,P1,storage,O3,2000,50
2026-05-10,P1,services,O3,300,
2026-05-20,P1,services,O4,100,
2025-04-10,P1,storage,O9,800,
"""

EXPECTED = {
    # revenue reads every line of the quarter; storage and service_lines read some of them again.
    # Q1: L1 L2 L3 = 3 (a sum over the aggregates would say 3 + 1 + 1 = 5); Q2: L4 L5 L6 = 3.
    ("2026-Q1", "three"): 3, ("2026-Q2", "three"): 3,
    # Storage or services lines: Q1 L1 L2 = 2; Q2 L4 L5 L6 = 3.
    ("2026-Q1", "two"): 2, ("2026-Q2", "two"): 3,
    # This quarter's storage and last year's: Q1 L1 (no storage in 2025-Q1) = 1; Q2 L4 + L7 (2025-Q2) = 2.
    ("2026-Q1", "growth"): 1, ("2026-Q2", "growth"): 2,
    # Storage over the year to date, services of the quarter: Q1 L1 L2 = 2; Q2 L1 L4 (storage, Q1 and
    # Q2) + L5 L6 (services) = 4, the Q2 storage line counted once though both windows hold it.
    ("2026-Q1", "ytd"): 2, ("2026-Q2", "ytd"): 4,
    # Orders with storage and services: Q1 O1 (L1, L2; O2 is cloud only) = 2; Q2 O3 (L4, L5; O4 is
    # services only) = 2. Lines, not orders.
    ("2026-Q1", "mixed"): 2, ("2026-Q2", "mixed"): 2,
    # The `when` guard reads service_lines: Q1 L2 = 1 (condition not met); Q2 L5 L6 = 2 (paid).
    ("2026-Q1", "target"): 1, ("2026-Q2", "target"): 2,
    # `otherwise 0 USD` gives L1's empty discount a value, so L1 counts: Q1 L1 L2 = 2; Q2 L4 L5 L6 = 3.
    ("2026-Q1", "opt"): 2, ("2026-Q2", "opt"): 3,
}


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line()
    check = checks.check
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "program.rebate").write_text(PROGRAM)
        (d / "partners.csv").write_text(PARTNERS)
        (d / "sales.csv").write_text(LEDGER)
        inputs = ["--input", "partners=partners.csv", "--input", "sales=sales.csv"]
        r = checks.run(["run", "program.rebate", *inputs], 0, cwd=d)
        if r.returncode != 0:
            return checks.report("lines")
        got = {(row["period"], row["rebate"]): (row["partner"], int(row["lines"])) for row in csv.DictReader(io.StringIO(r.stdout))
               if row["partner"] == "P1"}
        zero = [row for row in csv.DictReader(io.StringIO(r.stdout)) if row["partner"] == "P2" and row["lines"] != "0"]
        for key, lines in EXPECTED.items():
            check(got.get(key, (None, None))[1] == lines, f"P1 {key[0]} {key[1]}: lines {got.get(key, (None, None))[1]}, worked out {lines}")
        check(not zero, f"P2 has no lines, but: {zero}")
        # The JSON report and the explanation say the same.
        r = checks.run(["run", "program.rebate", *inputs, "--format", "json", "--period", "2026-Q2"], 0, cwd=d)
        payouts = {p["rebate"]: p["lines"] for p in json.loads(r.stdout)["payouts"] if p["partner"] == "P1"} if r.returncode == 0 else {}
        check(not (payouts.get("ytd") != 4 or payouts.get("mixed") != 2), f"JSON lines for 2026-Q2: {payouts} (exit {r.returncode}: {r.stderr[:300]})")
        r = checks.run(["explain", "program.rebate", *inputs, "--period", "2026-Q2", "--partner", "P1"], 0, cwd=d)
        block = r.stdout[r.stdout.find("P1 2026-Q2 ytd:"):]
        block = block[:block.find("\nP1 ", 1) + 1 or None]
        check(not ("P1 2026-Q2 ytd:" not in r.stdout or "  from 4 ledger lines\n" not in block), f"explain ytd 2026-Q2: no 'from 4 ledger lines' in\n{r.stdout}{r.stderr}")
        # A range of periods: `rebate explain` explains each; `rebate run` pays just those; a reversed
        # range is a usage error (exit 2).
        r = checks.run(["explain", "program.rebate", *inputs, "--period", "2026-Q1..2026-Q2", "--partner", "P1"], 0, cwd=d)
        heads = [line.split(":")[0] for line in r.stdout.splitlines() if line.startswith("P1 ")]
        check(not (r.returncode != 0 or heads != [f"P1 {q} {name}" for q in ("2026-Q1", "2026-Q2") for name in ("three", "two", "growth", "ytd", "mixed", "target", "opt")]), f"explain 2026-Q1..2026-Q2: exit {r.returncode}, blocks {heads}\n{r.stderr}")
        r = checks.run(["run", "program.rebate", *inputs, "--period", "2026-Q2..2026-Q3"], 0, cwd=d)
        periods = sorted({row["period"] for row in csv.DictReader(io.StringIO(r.stdout))})
        check(not (r.returncode != 0 or periods != ["2026-Q2", "2026-Q3"]), f"run --period 2026-Q2..2026-Q3: exit {r.returncode}, periods {periods}")
        r = checks.run(["run", "program.rebate", *inputs, "--period", "2026-Q2..2026-Q1"], 2, cwd=d)
        check(not (r.returncode != 2 or "the range ends before it starts" not in r.stderr or r.stdout), f"run --period 2026-Q2..2026-Q1: exit {r.returncode} (2 expected), {r.stderr!r}")
        # --detail: each payout lists the lines it took, as many as its `lines`, with the cells the program
        # reads (the sales.csv line numbers count the header as line 1: L1 is line 2).
        r = checks.run(["explain", "program.rebate", *inputs, "--period", "2026-Q2", "--partner", "P1", "--detail"], 0, cwd=d)
        detail = {}
        for block in r.stdout.split("\nP1 ")[1:] if r.returncode == 0 else []:
            name = block.split(":")[0].split()[-1]
            detail[name] = [line.strip() for line in block.splitlines() if line.startswith("    sales.csv:")]
        want = {
            # Storage over the year to date (L1 in Q1, L4) and the quarter's services (L5, L6).
            "ytd": ["sales.csv:2 (2026-Q1): date 2026-01-10, family storage, amount 1,000.00 USD",
                    "sales.csv:5 (2026-Q2): date 2026-04-10, family storage, amount 2,000.00 USD",
                    "sales.csv:6 (2026-Q2): date 2026-05-10, family services, amount 300.00 USD",
                    "sales.csv:7 (2026-Q2): date 2026-05-20, family services, amount 100.00 USD"],
            # This quarter's storage (L4) and last year's (L7, line 8).
            "growth": ["sales.csv:5 (2026-Q2): date 2026-04-10, family storage, amount 2,000.00 USD",
                       "sales.csv:8 (2025-Q2): date 2025-04-10, family storage, amount 800.00 USD"],
            # The lines of order O3 (L4, L5), which has storage and services; O4 has services only.
            "mixed": ["sales.csv:5 (2026-Q2): date 2026-04-10, family storage, order_id O3, amount 2,000.00 USD",
                      "sales.csv:6 (2026-Q2): date 2026-05-10, family services, order_id O3, amount 300.00 USD"],
            # A count reads no amount: the family decides.
            "target": ["sales.csv:6 (2026-Q2): date 2026-05-10, family services", "sales.csv:7 (2026-Q2): date 2026-05-20, family services"],
        }
        for name, lines in want.items():
            check(detail.get(name) == lines, f"--detail {name}: {detail.get(name)}, worked out {lines}\n{r.stderr}")
        for name, lines in detail.items():
            check(len(lines) == EXPECTED[("2026-Q2", name)], f"--detail {name}: {len(lines)} lines listed, `lines` is {EXPECTED[('2026-Q2', name)]}")
        r = subprocess.run([checks.rebate, "explain", "program.rebate", "--input", "partners=partners.csv", "--input", "sales=-", "--engine", checks.engine,
                            "--period", "2026-Q2", "--partner", "P1", "--detail"], cwd=d, input=LEDGER, capture_output=True, text=True, timeout=60)
        check(not (r.returncode != 2 or "standard input" not in r.stderr or "note:" in r.stderr), f"--detail with standard input: exit {r.returncode} (2 expected, before reading), {r.stderr!r}")
        # `rebate run --detail` lists every partner's lines in the statements; alone it has nowhere to.
        r = checks.run(["run", "program.rebate", *inputs, "--period", "2026-Q2", "--statements", "st", "--detail", "--out", "/dev/null"], 0, cwd=d)
        page = (d / "st" / "P1-2026-Q2.md").read_text() if r.returncode == 0 else ""
        growth = page[page.find("## Over last year"):]
        check("- Based on 2 invoice lines:\n  - `sales.csv:5 (2026-Q2): date 2026-04-10, family storage, amount 2,000.00 USD`\n"
              "  - `sales.csv:8 (2025-Q2): date 2025-04-10, family storage, amount 800.00 USD`\n" in growth,
              f"statement with --detail: exit {r.returncode}, {growth[:600]!r} {r.stderr}")
        r = checks.run(["run", "program.rebate", *inputs, "--detail"], 2, cwd=d)
        check(not (r.returncode != 2 or "--explain" not in r.stderr or r.stdout), f"run --detail alone: exit {r.returncode} (2 expected), {r.stderr!r}")
    return checks.report("lines")


if __name__ == "__main__":
    sys.exit(main())
