#!/usr/bin/env python3
"""The JIT's tiers (runtime/jit/tiers.cpp, docs/architecture.md "The JIT"): `rebate run --engine jit` runs
each function on the interpreter until it has run often enough to be worth compiling, then on native code
compiled on a thread of its own. Checked here, with the payouts worked out in this file from the ledger
it writes (not from either engine):

- a small ledger never loads LLVM (`--timings` says so) and pays what the interpreter pays;
- a ledger long enough for the row functions to be worth compiling loads LLVM and compiles them while
  the scan goes on, and pays the same bytes;
- a division by zero on the last line of that ledger is the same error, exit code and message, as the
  interpreter's, whichever tier ran the line;
- REBATE_JIT_TIERED=off compiles every function the run calls and interprets none;
- without the JIT's library, a run that never needs it pays as the interpreter does, and one that
  needs it stops with exit 2 and the loader's message, as before.

Usage: jit_tiers.py --rebate build/bin/rebate
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from cli_checks import CliChecks  # noqa: E402

PROGRAM = """\
program "Tiers" { currency: USD  period: quarter }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner: Text as partner  units: Int  amount: Money }

// Row functions the scan's kernels do not take (arithmetic on columns), run once per line.
measure weighted = sales.sum(amount * units where amount * 2 > 10 USD)
measure per_unit = sales.sum(amount / units)
rebate r { pay 1% of weighted }
rebate s { pay 2% of per_unit }
"""
PARTNERS = ["P1", "P2", "P3"]
# Past the hot threshold of tiers.cpp (65,536 calls of a function on one thread), with room to compile
# on a loaded machine (the compiling thread must at least start before the scan ends).
LONG = 400_000


def ledger(lines, zero_units_last=False):
    """The CSV text, and each partner's payouts worked out here: r = 1% of the sum of amount * units over
    the lines with amount * 2 > 10 USD; s = 2% of the sum of amount / units. Amounts are whole dollars,
    a multiple of the units, so both sums are whole dollars and both payouts exact cents."""
    rows = ["date,partner,units,amount"]
    weighted = {p: 0 for p in PARTNERS}
    per_unit = {p: 0 for p in PARTNERS}
    for i in range(lines):
        p = PARTNERS[i % 3]
        units = 1 + i % 4
        per = 1 + (i * 7) % 9  # dollars per unit, 1..9
        amount = units * per
        if zero_units_last and i == lines - 1:
            units = 0
        rows.append(f"2026-{7 + i % 3:02d}-{1 + i % 28:02d},{p},{units},{amount}.00")
        if units:
            if amount * 2 > 10:
                weighted[p] += amount * units
            per_unit[p] += amount // units
    # 1% and 2% of whole dollars: cents = dollars (1%) and 2 * dollars (2%).
    expected = {p: {"r": weighted[p], "s": 2 * per_unit[p]} for p in PARTNERS}
    return "\n".join(rows) + "\n", expected


def payouts(csv_text):
    """{partner: {rebate: cents}} from `rebate run`'s CSV."""
    got = {}
    for line in csv_text.splitlines()[1:]:
        cells = line.split(",")
        got.setdefault(cells[0], {})[cells[2]] = round(float(cells[3]) * 100)
    return got


def main() -> int:
    c, args = CliChecks.from_command_line()
    os.environ.pop("REBATE_JIT_TIERED", None)  # what a user's run does
    with tempfile.TemporaryDirectory(prefix="rebate-jit-tiers-") as tmp:
        d = pathlib.Path(tmp)
        (d / "program.rebate").write_text(PROGRAM)
        (d / "partners.csv").write_text("id,tier\n" + "".join(f"{p},gold\n" for p in PARTNERS))
        expectations = {}
        for name, lines, zero in (("short", 300, False), ("long", LONG, False), ("zero", LONG, True)):
            text, expectations[name] = ledger(lines, zero)
            (d / f"{name}.csv").write_text(text)

        def run(ledger_name, engine, rebate=args.rebate, env=None, timings=True):
            argv = [rebate, "run", str(d / "program.rebate"), "--input", f"partners={d / 'partners.csv'}", "--input",
                    f"sales={d / f'{ledger_name}.csv'}", "--threads", "1", "--engine", engine] + (["--timings"] if timings else [])
            return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=dict(os.environ, **(env or {})))

        for name in ("short", "long"):
            vm, jit = run(name, "vm"), run(name, "jit")
            c.check(vm.returncode == 0 and jit.returncode == 0, f"{name}: exit vm {vm.returncode}, jit {jit.returncode}: {jit.stderr[-500:]}")
            c.check(payouts(vm.stdout) == expectations[name], f"{name}: the interpreter pays {payouts(vm.stdout)}, worked out {expectations[name]}")
            c.check(jit.stdout == vm.stdout, f"{name}: the tiered JIT's payouts differ from the interpreter's:\n{jit.stdout[:500]}")
            if name == "short":
                c.check("LLVM not loaded: no function ran often enough to be worth compiling" in jit.stderr and "jit start" not in jit.stderr,
                        f"short: LLVM loaded for 300 lines:\n{jit.stderr}")
            else:
                m = re.search(r"jit compile +[0-9.]+ s +CPU, (\d+) functions", jit.stderr)
                c.check("jit start" in jit.stderr and m and int(m.group(1)) >= 1,
                        f"long: the row functions were not compiled during a {LONG}-line scan:\n{jit.stderr}")

        vm, jit = run("zero", "vm", timings=False), run("zero", "jit", timings=False)
        c.check(vm.returncode == 1 and "division by zero" in vm.stderr and f"line {LONG + 1}" in vm.stderr, f"zero: the interpreter: exit {vm.returncode}, {vm.stderr[:300]}")
        c.check((jit.returncode, jit.stdout, jit.stderr) == (vm.returncode, vm.stdout, vm.stderr),
                f"zero: the tiered JIT's error differs: exit {jit.returncode}, {jit.stderr[:300]!r}; the interpreter's {vm.stderr[:300]!r}")

        native = run("short", "jit", env={"REBATE_JIT_TIERED": "off"})
        m = re.search(r"jit compile +[0-9.]+ s +CPU, (\d+) functions", native.stderr)
        c.check(native.returncode == 0 and m and int(m.group(1)) >= 2 and "interpreted" not in native.stderr,
                f"REBATE_JIT_TIERED=off: not every function compiled:\n{native.stderr}")
        c.check(native.stdout == run("short", "vm").stdout, "REBATE_JIT_TIERED=off: the payouts differ from the interpreter's")

        lonely = d / "lonely"
        lonely.mkdir()
        shutil.copy2(args.rebate, lonely / "rebate")
        short = run("short", "jit", rebate=str(lonely / "rebate"))
        c.check(short.returncode == 0 and payouts(short.stdout) == expectations["short"],
                f"without the JIT's library, a run that never needs it: exit {short.returncode}, {short.stderr[:300]}")
        long = run("long", "jit", rebate=str(lonely / "rebate"))
        c.check(long.returncode == 2 and "the JIT engine's library cannot be loaded" in long.stderr and not long.stdout,
                f"without the JIT's library, a run that needs it: exit {long.returncode}, {long.stderr[:300]}")
    return c.report("jit_tiers")


if __name__ == "__main__":
    sys.exit(main())
