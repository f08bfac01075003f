#!/usr/bin/env python3
"""The `rebate run` / `rebate explain` command-line contract, through the real CLI: exit codes, what is
written where, and the messages for the mistakes people make (a missing input, a wrong period, a bad
cell, an unknown partner). Payout amounts themselves are checked by tests/examples/run_examples.py."""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

PROGRAM = """
program "CLI test" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner: Text as partner  amount: Money }
tiers volume retroactive { from 0 USD to 1_000 USD: 1%  from 1_000 USD: 2% }
measure revenue = sales.sum(amount)
rebate r "Volume rebate" { eligible when partner.tier >= silver  pay volume of revenue }
"""
PARTNERS = "id,tier\nP1,gold\nP2,bronze\n"
SALES = "date,partner,amount\n2026-07-01,P1,1500\n2026-07-02,P2,50\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    args = ap.parse_args()
    failures = []
    passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "p.rebate").write_text(PROGRAM)
        (d / "partners.csv").write_text(PARTNERS)
        (d / "sales.csv").write_text(SALES)
        (d / "bad.csv").write_text("date,partner,amount\n2026-07-01,P1,12.3.4\n2026-07-02,P9,5\n")
        (d / "unknown.csv").write_text("date,partner,amount\n2026-07-01,P1,10\n2026-07-02,P9,5\n")
        inputs = ["--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'sales.csv'}"]

        def run(argv, code, out_has=(), err_has=()):
            nonlocal passed
            r = subprocess.run([args.rebate] + argv, capture_output=True, text=True, errors="replace", timeout=30)
            problems = []
            if r.returncode != code:
                problems.append(f"exit {r.returncode}, expected {code}")
            problems += [f"stdout lacks {s!r}" for s in out_has if s not in r.stdout]
            problems += [f"stderr lacks {s!r}" for s in err_has if s not in r.stderr]
            if problems:
                failures.append(f"{' '.join(argv[:2])} ...: " + "; ".join(problems) + f"\n  stdout: {r.stdout[:400]}\n  stderr: {r.stderr[:400]}")
            else:
                passed += 1
            return r

        p = str(d / "p.rebate")
        # Payouts as CSV on stdout: 1,500 >= 1,000 -> 2% = 30.00 for gold P1; bronze P2 is not eligible.
        run(["run", p] + inputs + ["--period", "2026-Q3"], 0,
            out_has=["partner,period,rebate,amount,currency,status", "P1,2026-Q3,r,30.00,USD,paid", "P2,2026-Q3,r,0.00,USD,not eligible"])
        # JSON: the brief's shape.
        r = run(["run", p] + inputs + ["--period", "2026-Q3", "--format", "json"], 0)
        try:
            doc = json.loads(r.stdout)
            first = doc["payouts"][0]
            assert {"partner", "period", "rebate", "amount"} <= set(first), first
            assert first["amount"] == "30.00" and first["period"] == "2026-Q3", first
            assert doc["totals"][0]["amount"] == "30.00", doc["totals"]
        except Exception as e:  # noqa: BLE001 - any problem with the document is a failure
            failures.append(f"json output: {e}")
        # --out writes the file, and --explain then explains on stdout (on stderr when the payouts go to
        # stdout); the distance to the next band is there for P2: 950.00 USD more revenue reaches 2%.
        out = d / "payouts.csv"
        run(["run", p] + inputs + ["--period", "2026-Q3", "--out", str(out), "--explain"], 0,
            out_has=["P1 2026-Q3 r: 30.00 USD (paid)", "950.00 USD more revenue reaches 2%"])
        run(["run", p] + inputs + ["--period", "2026-Q3", "--explain"], 0,
            out_has=["P1,2026-Q3,r,30.00"], err_has=["P1 2026-Q3 r: 30.00 USD (paid)"])
        if not out.exists() or "P1,2026-Q3,r,30.00" not in out.read_text():
            failures.append("--out did not write the payouts")
        # Statements: one Markdown file per partner and period.
        st = d / "statements"
        run(["run", p] + inputs + ["--period", "2026-Q3", "--statements", str(st), "--out", str(d / "x.csv")], 0)
        if not (st / "P1-2026-Q3.md").exists() or "30.00 USD" not in (st / "P1-2026-Q3.md").read_text():
            failures.append("--statements did not write P1-2026-Q3.md with the amount")
        # explain: one partner.
        run(["explain", p] + inputs + ["--partner", "P1", "--period", "2026-Q3"], 0, out_has=["P1 2026-Q3 r: 30.00 USD"])
        run(["explain", p] + inputs + ["--partner", "P7", "--period", "2026-Q3"], 2, err_has=["no payouts for partner `P7`"])
        # Usage mistakes: exit 2 with a message that says what to do.
        run(["run", p, "--input", f"partners={d / 'partners.csv'}"], 2, err_has=["no input for ledger `sales`: pass --input sales=PATH.csv"])
        run(["run", p] + inputs + ["--input", f"sale={d / 'sales.csv'}"], 2, err_has=["has no ledger or table `sale`"])
        run(["run", p] + inputs + ["--period", "2026-13"], 2, err_has=["is not a period of this program"])
        run(["run", p] + inputs + ["--period", "2027-Q1"], 2, err_has=["outside the program's effective dates"])
        run(["run", p] + inputs + ["--input", "sales"], 2, err_has=["must be NAME=PATH"])
        # An output that cannot be written (no such directory; a full disk): exit 2, the file named.
        run(["run", p] + inputs + ["--out", str(d / "no-such-dir" / "x.csv")], 2, err_has=["cannot write", "no-such-dir"])
        if pathlib.Path("/dev/full").exists():
            run(["run", p] + inputs + ["--out", "/dev/full"], 2, err_has=["cannot write `/dev/full`"])
        run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'missing.csv'}"], 2,
            err_has=["cannot open the file"])
        run(["run", p] + inputs + ["--engine", "jit"], 2, err_has=["no JIT engine"])
        # A bad cell: exit 1, file:line:column and what was expected; nothing is written on stdout.
        r = run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'bad.csv'}"], 1,
                err_has=[f"{d / 'bad.csv'}:2:", "12.3.4"])
        if r.stdout:
            failures.append("a failed run printed payouts")
        # An unknown partner: an error by default; with reject, counted, written out, and the run goes on.
        run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'unknown.csv'}"], 1,
            err_has=["partner `P9` is not in the partner table"])
        rej = d / "rejects"
        run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'unknown.csv'}",
             "--on-bad-row", "reject", "--rejects", str(rej), "--period", "2026-Q3"], 0,
            out_has=["P1,2026-Q3,r,0.10,USD,paid"], err_has=["1 lines of `sales` name a partner that is not in the partner table"])
        unknown = pathlib.Path(str(rej) + ".sales.unknown-partners.csv")
        if not unknown.exists() or "P9" not in unknown.read_text():
            failures.append("--rejects did not write the unknown partner's row")
        run(["run", p] + inputs + ["--on-bad-row", "reject"], 2, err_has=["needs `--rejects PATH`"])
        # Hostile ledgers finish quickly with one clear error each (a time limit catches work quadratic in
        # a line's length): a 2 MB cell of invalid UTF-8, and a 200,000-cell row (far more than the header).
        (d / "bad_utf8.csv").write_bytes(b"date,partner,amount\n2026-07-01,P1," + b"\xff" * (2 << 20) + b"\n")
        run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'bad_utf8.csv'}", "--max-errors", "1000"], 1,
            err_has=["invalid UTF-8 (byte 0xFF) at character 1 of the cell"])
        (d / "wide.csv").write_text("date,partner,amount\n2026-07-01,P1," + "x," * 200000 + "1\n")
        run(["run", p, "--input", f"partners={d / 'partners.csv'}", "--input", f"sales={d / 'wide.csv'}"], 1,
            err_has=["the row has 200003 cells; the header has 3"])
        # A program with errors does not run: exit 1, the diagnostics on stderr.
        (d / "broken.rebate").write_text(PROGRAM + "rebate s { pay revenue + 100 }\n")
        run(["run", str(d / "broken.rebate")] + inputs, 1, err_has=["E0302"])
    for f in failures:
        print("FAIL", f)
    print(f"run cli: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
