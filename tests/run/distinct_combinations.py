#!/usr/bin/env python3
"""`count_distinct` over several columns (docs/language.md §7, "Distinct combinations of columns") through
the real CLI, on one engine:

- tests/sql/programs/distinct_pairs.rebate: pairs of texts that run together alike (("ab", "c") and
  ("a", "bc") are two pairs), a text with an Int, `where`, and the year to date, worked out by hand;
- a generated ledger of 6,000 lines over two quarters and three partners, run on 1, 2, 3 and 8 threads
  (the scan cuts it into pieces and merges the threads' groups): every count equals the one Python
  computes with sets of tuples, an independent route.

Usage: distinct_combinations.py --rebate build/bin/rebate --root . [--engine vm]
"""
import csv
import io
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import cli_checks  # noqa: E402  (tests/cli_checks.py: the checks and runs the CLI tests share)

# distinct_pairs_training.csv, by hand. P1 in 2026-Q1: lines (ab, c, 1, passed), (a, bc, 1), (ab, c, 2,
# passed), (a, c, 1). Pairs (person, certification): (ab, c), (a, bc), (a, c) = 3 -> per_pair 300.00;
# passed pairs: only (ab, c) -> per_passed 50.00; year to date = Q1 = 3 -> ytd 30.00; (person, level):
# (ab, 1), (a, 1), (ab, 2) -> levels 3.00.
# P1 in 2026-Q2: (ab, c, 1), (x, y, 3, passed). Pairs 2 -> 200.00; passed: (x, y) -> 50.00 (the Q2 line of
# (ab, c) did not pass); year to date: (ab, c), (a, bc), (a, c), (x, y) = 4 (ab, c counted once) -> 40.00;
# (person, level): (ab, 1), (x, 3) -> 2.00.
# P2 in 2026-Q2: the line (a, bc, 1, passed) twice: 1 pair -> 100.00, 50.00, 10.00, 1.00. P2 in Q1: zeros.
EXPECTED = {
    ("P1", "2026-Q1"): {"per_pair": "300.00", "per_passed": "50.00", "ytd": "30.00", "levels": "3.00"},
    ("P1", "2026-Q2"): {"per_pair": "200.00", "per_passed": "50.00", "ytd": "40.00", "levels": "2.00"},
    ("P2", "2026-Q1"): {"per_pair": "0.00", "per_passed": "0.00", "ytd": "0.00", "levels": "0.00"},
    ("P2", "2026-Q2"): {"per_pair": "100.00", "per_passed": "50.00", "ytd": "10.00", "levels": "1.00"},
}

GENERATED = """
program "Many pairs" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-06-30 }
ledger training { date: Date as date  partner_id: Text as partner  person: Text  course: Text  score: Int }
measure pairs = training.count_distinct((person, course))
measure strong = training.count_distinct((person, course, score) where score >= 50)
rebate per_pair { pay 1 USD * pairs }
rebate per_strong { pay 1 USD * strong }
rebate ytd { pay 1 USD * year_to_date(pairs) }
"""


def generated_lines():
    """6,000 lines: people p0..p30 and courses c0..c6 mixed so that pairs repeat within and across quarters."""
    rows = []
    for i in range(6000):
        partner = f"P{i % 3 + 1}"
        month = 1 + (i * 7) % 6
        day = 1 + (i * 11) % 28
        rows.append((f"2026-{month:02d}-{day:02d}", partner, f"p{(i * 13) % 31}", f"c{(i * 5) % 7}", (i * 37) % 100))
    return rows


def main() -> int:
    checks, args = cli_checks.CliChecks.from_command_line(root=True)
    check, run = checks.check, checks.run
    programs = pathlib.Path(args.root).resolve() / "tests" / "sql" / "programs"

    def payouts(argv, cwd):
        r = run(["run"] + argv + ["--format", "csv"], cwd=cwd)
        return {(row["partner"], row["period"], row["rebate"]): row["amount"] for row in csv.DictReader(io.StringIO(r.stdout))}

    argv = [a for a in (programs / "distinct_pairs.args").read_text().splitlines() if a.strip()]
    got = payouts([str(programs / "distinct_pairs.rebate")] + argv, programs)
    for (partner, period), amounts in EXPECTED.items():
        for rebate, amount in amounts.items():
            check(got.get((partner, period, rebate)) == amount, f"{partner} {period} {rebate}: {got.get((partner, period, rebate))}, expected {amount}")
    check(len(got) == 16, f"{len(got)} payouts, expected 16")

    rows = generated_lines()
    expected = {}
    for partner in ("P1", "P2", "P3"):
        ytd = set()
        for q, months in (("2026-Q1", (1, 2, 3)), ("2026-Q2", (4, 5, 6))):
            lines = [r for r in rows if r[1] == partner and int(r[0][5:7]) in months]
            pairs = {(r[2], r[3]) for r in lines}
            strong = {(r[2], r[3], r[4]) for r in lines if r[4] >= 50}
            ytd |= pairs
            expected[(partner, q, "per_pair")] = f"{len(pairs)}.00"
            expected[(partner, q, "per_strong")] = f"{len(strong)}.00"
            expected[(partner, q, "ytd")] = f"{len(ytd)}.00"
    with tempfile.TemporaryDirectory() as tmp:
        d = pathlib.Path(tmp)
        (d / "many.rebate").write_text(GENERATED)
        (d / "training.csv").write_text("date,partner_id,person,course,score\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
        for threads in ("1", "2", "3", "8"):
            got = payouts([str(d / "many.rebate"), "--input", f"training={d / 'training.csv'}", "--threads", threads], d)
            wrong = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
            check(not wrong and len(got) == len(expected), f"--threads {threads}: {len(wrong)} counts differ from Python's sets, e.g. {list(wrong.items())[:3]}")
    return checks.report("distinct_combinations")


if __name__ == "__main__":
    sys.exit(main())
