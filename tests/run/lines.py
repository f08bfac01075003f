#!/usr/bin/env python3
"""A payout's `lines` (issue 19 §1): the distinct ledger lines its amount was computed from, through the
real CLI on one engine. A line read by several measures is one line; a look-back's lines count in their
own periods; lines read in overlapping windows (the year to date and the quarter) count once; a payout
over a group counts the ledger lines of the groups it takes; a `when` guard's measure is part of the
amount. Every count below is worked out by hand from LEDGER (the comment above each). Also `--period`
over a range of periods (`rebate explain` explains each)."""
import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
import pathlib

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
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--engine", default=None, help="run on this engine (vm or jit; default: the CLI's)")
    args = ap.parse_args()
    engine = ["--engine", args.engine] if args.engine else []
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "program.rebate").write_text(PROGRAM)
        (d / "partners.csv").write_text(PARTNERS)
        (d / "sales.csv").write_text(LEDGER)
        inputs = ["--input", "partners=partners.csv", "--input", "sales=sales.csv"]
        r = subprocess.run([args.rebate, "run", "program.rebate", *inputs, *engine], cwd=d, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            print(f"FAIL rebate run: exit {r.returncode}\n{r.stderr}")
            return 1
        got = {(row["period"], row["rebate"]): (row["partner"], int(row["lines"])) for row in csv.DictReader(io.StringIO(r.stdout))
               if row["partner"] == "P1"}
        zero = [row for row in csv.DictReader(io.StringIO(r.stdout)) if row["partner"] == "P2" and row["lines"] != "0"]
        for key, lines in EXPECTED.items():
            if got.get(key, (None, None))[1] != lines:
                failures.append(f"P1 {key[0]} {key[1]}: lines {got.get(key, (None, None))[1]}, worked out {lines}")
        if zero:
            failures.append(f"P2 has no lines, but: {zero}")
        # The JSON report and the explanation say the same.
        r = subprocess.run([args.rebate, "run", "program.rebate", *inputs, *engine, "--format", "json", "--period", "2026-Q2"], cwd=d,
                           capture_output=True, text=True, timeout=60)
        payouts = {p["rebate"]: p["lines"] for p in json.loads(r.stdout)["payouts"] if p["partner"] == "P1"} if r.returncode == 0 else {}
        if payouts.get("ytd") != 4 or payouts.get("mixed") != 2:
            failures.append(f"JSON lines for 2026-Q2: {payouts} (exit {r.returncode}: {r.stderr[:300]})")
        r = subprocess.run([args.rebate, "explain", "program.rebate", *inputs, *engine, "--period", "2026-Q2", "--partner", "P1"],
                           cwd=d, capture_output=True, text=True, timeout=60)
        block = r.stdout[r.stdout.find("P1 2026-Q2 ytd:"):]
        block = block[:block.find("\nP1 ", 1) + 1 or None]
        if "P1 2026-Q2 ytd:" not in r.stdout or "  from 4 ledger lines\n" not in block:
            failures.append(f"explain ytd 2026-Q2: no 'from 4 ledger lines' in\n{r.stdout}{r.stderr}")
        # A range of periods: `rebate explain` explains each; `rebate run` pays just those; a reversed
        # range is a usage error (exit 2).
        r = subprocess.run([args.rebate, "explain", "program.rebate", *inputs, *engine, "--period", "2026-Q1..2026-Q2", "--partner", "P1"],
                           cwd=d, capture_output=True, text=True, timeout=60)
        heads = [line.split(":")[0] for line in r.stdout.splitlines() if line.startswith("P1 ")]
        if r.returncode != 0 or heads != [f"P1 {q} {name}" for q in ("2026-Q1", "2026-Q2") for name in ("three", "two", "growth", "ytd", "mixed", "target", "opt")]:
            failures.append(f"explain 2026-Q1..2026-Q2: exit {r.returncode}, blocks {heads}\n{r.stderr}")
        r = subprocess.run([args.rebate, "run", "program.rebate", *inputs, *engine, "--period", "2026-Q2..2026-Q3"], cwd=d, capture_output=True,
                           text=True, timeout=60)
        periods = sorted({row["period"] for row in csv.DictReader(io.StringIO(r.stdout))})
        if r.returncode != 0 or periods != ["2026-Q2", "2026-Q3"]:
            failures.append(f"run --period 2026-Q2..2026-Q3: exit {r.returncode}, periods {periods}")
        r = subprocess.run([args.rebate, "run", "program.rebate", *inputs, *engine, "--period", "2026-Q2..2026-Q1"], cwd=d, capture_output=True,
                           text=True, timeout=60)
        if r.returncode != 2 or "the range ends before it starts" not in r.stderr or r.stdout:
            failures.append(f"run --period 2026-Q2..2026-Q1: exit {r.returncode} (2 expected), {r.stderr!r}")
        # --detail: each payout lists the lines it took, as many as its `lines`, with the cells the program
        # reads (the sales.csv line numbers count the header as line 1: L1 is line 2).
        r = subprocess.run([args.rebate, "explain", "program.rebate", *inputs, *engine, "--period", "2026-Q2", "--partner", "P1", "--detail"],
                           cwd=d, capture_output=True, text=True, timeout=60)
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
            if detail.get(name) != lines:
                failures.append(f"--detail {name}: {detail.get(name)}, worked out {lines}\n{r.stderr}")
        for name, lines in detail.items():
            if len(lines) != EXPECTED[("2026-Q2", name)]:
                failures.append(f"--detail {name}: {len(lines)} lines listed, `lines` is {EXPECTED[('2026-Q2', name)]}")
        r = subprocess.run([args.rebate, "explain", "program.rebate", "--input", "partners=partners.csv", "--input", "sales=-", *engine,
                            "--period", "2026-Q2", "--partner", "P1", "--detail"], cwd=d, input=LEDGER, capture_output=True, text=True, timeout=60)
        if r.returncode != 2 or "standard input" not in r.stderr or "note:" in r.stderr:
            failures.append(f"--detail with standard input: exit {r.returncode} (2 expected, before reading), {r.stderr!r}")
        # `rebate run --detail` lists every partner's lines in the statements; alone it has nowhere to.
        r = subprocess.run([args.rebate, "run", "program.rebate", *inputs, *engine, "--period", "2026-Q2", "--statements", "st", "--detail",
                            "--out", "/dev/null"], cwd=d, capture_output=True, text=True, timeout=60)
        page = (d / "st" / "P1-2026-Q2.md").read_text() if r.returncode == 0 else ""
        growth = page[page.find("## Over last year"):]
        if "- Based on 2 invoice lines:\n  - `sales.csv:5 (2026-Q2): date 2026-04-10, family storage, amount 2,000.00 USD`\n" \
           "  - `sales.csv:8 (2025-Q2): date 2025-04-10, family storage, amount 800.00 USD`\n" not in growth:
            failures.append(f"statement with --detail: exit {r.returncode}, {growth[:600]!r} {r.stderr}")
        r = subprocess.run([args.rebate, "run", "program.rebate", *inputs, *engine, "--detail"], cwd=d, capture_output=True, text=True, timeout=60)
        if r.returncode != 2 or "--explain" not in r.stderr or r.stdout:
            failures.append(f"run --detail alone: exit {r.returncode} (2 expected), {r.stderr!r}")
    for f in failures:
        print(f"FAIL {f}")
    checks = len(EXPECTED) + 5 + 4 + 7 + 1 + 2
    print(f"{checks - len(failures)} of {checks} checks as worked out by hand")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
