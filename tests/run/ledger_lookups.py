#!/usr/bin/env python3
"""Lookups across ledgers by key (docs/language.md §26), through the real CLI, on one engine, on example 20
(activations looked up by the churns that name them, each churn the activating dealer's):

- the payouts, worked out by hand (examples/20-telecom-spiff-churn/expected.md), the same at 1 to 4 threads
  and without a partner table (the dealers then come from the ledgers, a churn's from its activation);
- a churn whose subscription has no activation: an error naming file, line, column, key and ledger, or with
  `--on-bad-row reject` a line left out, counted, noted and written to PATH.churns.unknown-keys.csv;
- a key on two activation lines: an error naming both lines;
- `--as-of`: an activation booked after the day is not found (its churn is then an unknown key);
- a looked-up ledger from standard input: a usage error (it is read twice);
- `rebate explain --detail` lists the churn lines a clawback took, with their keys.

Usage: ledger_lookups.py --rebate build/bin/rebate --root . [--engine vm]
"""
import csv
import io
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

# By hand (expected.md): SPIFFs 50 basic / 100 premium per activation of the quarter; clawed back in the
# churn's quarter when it churns within 90 days (day 90 included), from the activating dealer.
EXPECTED = {
    ("D1", "2026-Q2", "activation_spiff"): "200.00",  # S01 50 + S02 100 + S03 50
    ("D1", "2026-Q2", "churn_clawback"): "0.00",      # S09's churn is at day 126
    ("D2", "2026-Q2", "activation_spiff"): "100.00",  # S04 premium
    ("D2", "2026-Q2", "churn_clawback"): "0.00",
    ("D3", "2026-Q2", "activation_spiff"): "50.00",   # S07
    ("D3", "2026-Q2", "churn_clawback"): "-50.00",    # S07 churned at day 40
    ("D1", "2026-Q3", "activation_spiff"): "0.00",
    ("D1", "2026-Q3", "churn_clawback"): "-150.00",   # S02 (Q2 activation) at day 51: 100; S03 at day 90: 50
    ("D2", "2026-Q3", "activation_spiff"): "100.00",  # S05 50 + S06 50
    ("D2", "2026-Q3", "churn_clawback"): "-50.00",    # S05 at day 15; S04 at day 91 is kept
    ("D3", "2026-Q3", "activation_spiff"): "100.00",  # S08 premium
    ("D3", "2026-Q3", "churn_clawback"): "0.00",
}

# Lookups in a chain (docs/language.md §26): churns -> activations -> orders, the partner through both.
CHAIN = """
program "Chain" { currency: USD  period: quarter }
partner table partners { id: Text as key }
ledger orders { order_id: Text as key  placed_on: Date as date  partner_id: Text as partner }
ledger activations { subscription_id: Text as key  activated_on: Date as date  order: orders as partner }
ledger churns { subscription: activations as partner  churned_on: Date as date }
measure churn_count = churns.count()
rebate churn_fee "Churn fee" { pay 10 USD * churn_count }
"""


def amounts(stdout):
    return {(r["partner"], r["period"], r["rebate"]): r["amount"] for r in csv.DictReader(io.StringIO(stdout))}


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line(root=True)
    check, run = checks.check, checks.run
    example = pathlib.Path(args.root) / "examples" / "20-telecom-spiff-churn"

    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        for f in ("program.rebate", "dealers.csv", "activations.csv", "churns.csv"):
            shutil.copy(example / f, d / f)
        prog = str(d / "program.rebate")
        inputs = ["--input", "dealers=dealers.csv", "--input", "activations=activations.csv", "--input", "churns=churns.csv"]

        # The example, by hand, at several thread counts: the same bytes each time.
        outputs = set()
        for threads in ("1", "2", "3", "4"):
            r = run(["run", prog, *inputs, "--threads", threads], 0, cwd=d)
            check(amounts(r.stdout) == EXPECTED, f"--threads {threads}: {amounts(r.stdout)}")
            outputs.add(r.stdout)
        check(len(outputs) == 1, "the payouts differ between thread counts")

        # Without a partner table the dealers are those the ledgers name: a churn's is its activation's.
        no_table = d / "no_table.rebate"
        text = (d / "program.rebate").read_text()
        start = text.index("/// The dealers.")
        no_table.write_text(text[:start] + text[text.index("/// New subscriptions"):text.index("\ntest ")])
        r = run(["run", str(no_table), "--input", "activations=activations.csv", "--input", "churns=churns.csv"], 0, cwd=d)
        check(amounts(r.stdout) == EXPECTED, f"without a partner table: {amounts(r.stdout)}")

        # A churn of a subscription that has no activation: line 8 of churns.csv, its first column.
        bad = d / "bad"
        bad.mkdir()
        shutil.copy(d / "activations.csv", bad / "activations.csv")
        shutil.copy(d / "dealers.csv", bad / "dealers.csv")
        (bad / "churns.csv").write_text((d / "churns.csv").read_text() + "S99,2026-08-03,unknown\n")
        r = run(["run", prog, *inputs], 1, cwd=bad)
        check("churns.csv:8:1: column `subscription` (CSV header \"Subscription\"): `S99` is not a key of ledger `activations`" in r.stderr,
              f"unknown subscription: {r.stderr}")
        check(r.stdout == "", f"unknown subscription: payouts written: {r.stdout}")
        r = run(["run", prog, *inputs, "--on-bad-row", "reject", "--rejects", "rej"], 0, cwd=bad)
        check(amounts(r.stdout) == EXPECTED, f"unknown subscription rejected: {amounts(r.stdout)}")
        check("1 line of `churns` holds a key that is not in its lookup table; it was left out" in r.stderr,
              f"unknown subscription rejected: the note: {r.stderr}")
        rejected = bad / "rej.churns.unknown-keys.csv"
        check(rejected.exists() and rejected.read_text() ==
              "Subscription,Churned On,Reason,_line,_error\n"
              "S99,2026-08-03,unknown,8,column `subscription`: `S99` is not a key of ledger `activations`\n",
              f"the rejects file: {rejected.read_text() if rejected.exists() else 'missing'}")
        r = run(["run", prog, *inputs, "--on-bad-row", "reject", "--rejects", "rej", "--format", "json"], 0, cwd=bad)
        check('"name": "churns", "rows": 7, "rejected": 1' in r.stdout.replace("\n", " ").replace("  ", " ") or
              '"rejected":1' in r.stdout.replace(" ", ""), f"JSON summary of the rejected churn: {r.stdout[-600:]}")

        # A subscription activated twice (lines 5 and 11 of activations.csv): an error naming both.
        dup = d / "dup"
        dup.mkdir()
        for f in ("dealers.csv", "churns.csv"):
            shutil.copy(d / f, dup / f)
        (dup / "activations.csv").write_text((d / "activations.csv").read_text() + "S03,D2,2026-07-01,basic\n")
        r = run(["run", prog, *inputs], 1, cwd=dup)
        check("activations.csv:11: duplicate key `S03` in ledger `activations`: line 5 holds it too" in r.stderr,
              f"duplicate key: {r.stderr}")

        # Booking dates and --as-of: S02's activation (20 May) was booked on 20 July. As of 15 July it is not
        # read, so the churn of S02 (10 July, read) names no activation: an unknown key.
        booked = d / "booked"
        booked.mkdir()
        shutil.copy(d / "dealers.csv", booked / "dealers.csv")
        shutil.copy(d / "churns.csv", booked / "churns.csv")
        rows = list(csv.reader(io.StringIO((d / "activations.csv").read_text())))
        lines = [",".join(rows[0] + ["Booked On"])]
        for row in rows[1:]:
            lines.append(",".join(row + ["2026-07-20" if row[0] == "S02" else row[2]]))
        (booked / "activations.csv").write_text("\n".join(lines) + "\n")
        booked_prog = booked / "program.rebate"
        booked_prog.write_text(text.replace('    activated_on: Date as date from "Activated On"\n',
                                            '    activated_on: Date as date from "Activated On"\n'
                                            '    booked_on: Date as booked from "Booked On"\n'))
        r = run(["run", str(booked_prog), *inputs], 0, cwd=booked)
        check(amounts(r.stdout) == EXPECTED, f"booking dates, no --as-of: {amounts(r.stdout)}")
        r = run(["run", str(booked_prog), *inputs, "--as-of", "2026-07-15"], 1, cwd=booked)
        check("churns.csv:5:1: column `subscription` (CSV header \"Subscription\"): `S02` is not a key of ledger `activations`" in r.stderr,
              f"--as-of before S02's activation was booked: {r.stderr}")
        # Rejected instead: read as of 15 July, D1 earned S01 + S03 = 100.00 in Q2 (S02 not booked yet); in Q3
        # its only churn read, S02's, is left out: 0.00. D2's churn of S04 (2 July, day 91) is kept: 0.00; S05's
        # churn (20 July) is not read yet. D3's Q2 clawback of S07 stands: -50.00.
        r = run(["run", str(booked_prog), *inputs, "--as-of", "2026-07-15", "--on-bad-row", "reject", "--rejects", "rej"], 0, cwd=booked)
        got = amounts(r.stdout)
        check(got.get(("D1", "2026-Q2", "activation_spiff")) == "100.00" and got.get(("D1", "2026-Q3", "churn_clawback")) == "0.00"
              and got.get(("D2", "2026-Q3", "churn_clawback")) == "0.00" and got.get(("D3", "2026-Q2", "churn_clawback")) == "-50.00",
              f"--as-of 2026-07-15, rejected: {got}")

        # The activations from standard input cannot be read twice.
        with open(d / "activations.csv") as stdin:
            r = subprocess.run([args.rebate, "run", prog, "--input", "dealers=dealers.csv", "--input", "activations=-",
                                "--input", "churns=churns.csv", "--engine", args.engine], capture_output=True, text=True,
                               cwd=d, stdin=stdin, timeout=60)
        check(r.returncode == 2 and "look up the lines of `activations` by key, so it is read twice (first its keys), and it is read from standard input, which can be read once" in r.stderr,
              f"activations from standard input: exit {r.returncode}: {r.stderr}")

        # The explanation lists the churn lines D1's Q3 clawback took (lines 5 and 7 of churns.csv), with keys.
        r = run(["explain", prog, *inputs, "--partner", "D1", "--period", "2026-Q3", "--detail"], 0, cwd=d)
        check("churn_clawback: -150.00 USD (clawback)" in r.stdout, f"explain: {r.stdout}")
        check("churns.csv:5 (2026-Q3): churned_on 2026-07-10, subscription S02, subscription.activated_on 2026-05-20, subscription.plan premium"
              in r.stdout and
              "churns.csv:7 (2026-Q3): churned_on 2026-09-13, subscription S03, subscription.activated_on 2026-06-15, subscription.plan basic"
              in r.stdout, f"explain --detail: the churn lines with what they read of their activations: {r.stdout}")
        # A malformed activation (S02's date, line 4): reported once, by the ledger's own read, though its index
        # reads the same cell. Rejected, it is in no index either: D1 earns S01 + S03 = 100.00 in Q2, and in Q3
        # the churn of S02 is left out (an unknown key), leaving S03's clawback, -50.00.
        mal = d / "mal"
        mal.mkdir()
        for f in ("dealers.csv", "churns.csv"):
            shutil.copy(d / f, mal / f)
        (mal / "activations.csv").write_text((d / "activations.csv").read_text().replace("S02,D1,2026-05-20", "S02,D1,2026-05-2x"))
        r = run(["run", prog, *inputs], 1, cwd=mal)
        check(r.stderr.count("activations.csv:4:8: column `activated_on`: `2026-05-2x` is not a date") == 1,
              f"malformed activation, reported once: {r.stderr}")
        r = run(["run", prog, *inputs, "--on-bad-row", "reject", "--rejects", "rej"], 0, cwd=mal)
        got = amounts(r.stdout)
        check(got.get(("D1", "2026-Q2", "activation_spiff")) == "100.00" and got.get(("D1", "2026-Q3", "churn_clawback")) == "-50.00",
              f"malformed activation, rejected: {got}")
        check("1 row of `activations` is malformed; it was left out" in r.stderr and
              "`S02` is not a key of ledger `activations`" in r.stderr, f"malformed activation, rejected: the notes: {r.stderr}")

        # A chain: a churn is the partner's of its activation, which is the partner's of its order. Order O3 names
        # a partner the partner table does not have: with --on-bad-row reject it is left out, so activation S3
        # (of O3) finds no order and is left out, so the churn of S3 finds no activation and is left out: nothing
        # is found through a line the run does not read. P1 and P2 each have one churn in 2026-Q1: 1 x 10 USD.
        chain = d / "chain"
        chain.mkdir()
        (chain / "chain.rebate").write_text(CHAIN)
        (chain / "partners.csv").write_text("id\nP1\nP2\n")
        (chain / "orders.csv").write_text("order_id,placed_on,partner_id\nO1,2026-01-05,P1\nO2,2026-01-06,P2\nO3,2026-01-07,PX\n")
        (chain / "activations.csv").write_text("subscription_id,activated_on,order\nS1,2026-02-01,O1\nS2,2026-02-02,O2\nS3,2026-02-03,O3\n")
        (chain / "churns.csv").write_text("subscription,churned_on\nS1,2026-03-01\nS2,2026-03-02\nS3,2026-03-03\n")
        chain_inputs = ["--input", "partners=partners.csv", "--input", "orders=orders.csv", "--input", "activations=activations.csv",
                        "--input", "churns=churns.csv"]
        r = run(["run", "chain.rebate", *chain_inputs], 1, cwd=chain)
        check("orders.csv:4" in r.stderr and "PX" in r.stderr, f"chain, unknown partner of an order: {r.stderr}")
        r = run(["run", "chain.rebate", *chain_inputs, "--on-bad-row", "reject", "--rejects", "rej"], 0, cwd=chain)
        check(amounts(r.stdout) == {("P1", "2026-Q1", "churn_fee"): "10.00", ("P2", "2026-Q1", "churn_fee"): "10.00"},
              f"chain, rejected: {amounts(r.stdout)}")
        check("1 line of `activations` holds a key that is not in its lookup table" in r.stderr and
              "1 line of `churns` holds a key that is not in its lookup table" in r.stderr, f"chain, rejected: the notes: {r.stderr}")
    return checks.report("ledger_lookups")


if __name__ == "__main__":
    sys.exit(main())
