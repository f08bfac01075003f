#!/usr/bin/env python3
"""A Currency column compared with codes written bare (docs/language.md §24, "Comparing a currency with a
code"): tests/sql/programs/currency_codes.rebate through the real CLI on one engine, against amounts
worked out by hand in the program's comments, and `rebate check` refusing a quoted code with a help that
writes the bare one.

Usage: currency_codes.py --rebate build/bin/rebate --root . [--engine vm]
"""
import csv
import io
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402

# By hand (the program's comment): P1 GBP 100, CHF 200, EUR 300; P2 GBP 400, GBP 500, USD 600.
EXPECTED = {
    ("P1", "pounds"): "10.00", ("P1", "outside"): "1.00", ("P1", "swiss"): "4.00",
    ("P2", "pounds"): "20.00", ("P2", "outside"): "3.00", ("P2", "swiss"): "6.00",
}
QUOTED = """
program "Quoted" { currency: USD  period: quarter }
ledger sales { date: Date as date  partner_id: Text as partner  currency: Currency  amount: Money(currency) }
measure pounds = sales.count(where currency == "GBP")
"""


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line(root=True)
    programs = pathlib.Path(args.root).resolve() / "tests" / "sql" / "programs"
    argv = [a for a in (programs / "currency_codes.args").read_text().splitlines() if a.strip()]
    r = checks.run(["run", "currency_codes.rebate"] + argv + ["--format", "csv"], cwd=programs)
    got = {(row["partner"], row["rebate"]): row["amount"] for row in csv.DictReader(io.StringIO(r.stdout))}
    checks.check(got == EXPECTED, f"payouts: {got}")
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "quoted.rebate"
        path.write_text(QUOTED)
        c = subprocess.run([args.rebate, "check", str(path)], capture_output=True, text=True, timeout=60)
        checks.check(c.returncode == 1 and "error[E0313]: cannot compare Currency with Text" in c.stderr
                     and "help: a currency is compared with a code written bare: `currency == GBP`" in c.stderr, f"quoted code: {c.stderr}")
    return checks.report("currency_codes")


if __name__ == "__main__":
    sys.exit(main())
