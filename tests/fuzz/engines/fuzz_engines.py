#!/usr/bin/env python3
"""The engines' differential fuzzer: random valid programs and random ledgers, run on the interpreter and on
every other engine of the build (the JIT); the exit code, standard output (the payouts as JSON with their
explanations) and standard error (runtime errors: message, source location, partner, period) must be
identical byte for byte. docs/fuzzing.md says how to run it.

Usage:
  fuzz_engines.py --rebate build/bin/rebate --seed 1 --count 100          # seeds 1..100
  fuzz_engines.py --rebate build/bin/rebate --seed 1000 --minutes 30 --save /tmp/engine-finds
  fuzz_engines.py --rebate build/bin/rebate --replay tests/fuzz/corpus-engines    # the kept cases
  fuzz_engines.py --rebate build/bin/rebate --seed 42 --count 1 --show     # print case 42 and its outputs

A case is a pure function of its seed (gen_program.generate, gen_ledger.ledgers), so `--seed N --count 1`
reproduces it. A disagreement is minimised (declarations, then ledger lines, dropped while the engines
still disagree) and saved as a directory: program.rebate, the CSV files, run.args, and each engine's
outputs; `--replay` runs such directories again. Exit status: 0 when every case agreed and every program
compiled, 1 otherwise.
"""
import argparse
import os
import random
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import gen_ledger  # noqa: E402
import gen_program  # noqa: E402


class Case:
    """A program, its ledgers and the run's extra arguments, as files in a directory."""

    def __init__(self, program, files, args):
        self.program = program  # gen_program.Program, or text when replayed
        self.files = files  # {name: text}
        self.args = args

    def program_text(self):
        return self.program if isinstance(self.program, str) else self.program.text()

    def write(self, where):
        where.mkdir(parents=True, exist_ok=True)
        (where / "program.rebate").write_text(self.program_text())
        for name, text in self.files.items():
            (where / name).write_text(text)
        (where / "run.args").write_text("\n".join(self.run_args()) + "\n")

    def run_args(self):
        # One input per CSV file, named after it (a kept case of an older schema has fewer files).
        return [a for f in sorted(self.files) for a in ("--input", f"{f[:-len('.csv')]}={f}")] + self.args


def case_of(seed):
    r = random.Random(seed * 7919 + 1)  # the run options, apart from the program's and ledgers' streams
    program = gen_program.generate(seed)
    args = ["--format", "json", "--explain", "--threads", "2" if r.random() < 0.25 else "1"]
    if r.random() < 0.2:
        args += ["--period", r.choice(["2026-07", "2026-12"] if "period: month" in program.header else ["2026-Q3", "2026-Q1"])]
    return Case(program, gen_ledger.ledgers(seed), args)


def replayed(directory):
    d = pathlib.Path(directory)
    files = {f.name: f.read_text() for f in d.glob("*.csv")}
    args = [a for a in (d / "run.args").read_text().splitlines() if a]
    extra, i = [], 0
    while i < len(args):  # the inputs are rebuilt from the files; keep the rest
        if args[i] == "--input":
            i += 2
            continue
        extra.append(args[i])
        i += 1
    return Case((d / "program.rebate").read_text(), files, extra)


def run(rebate, case, engine, tmp):
    """(exit code, stdout, stderr) of the case on `engine`."""
    case.write(tmp)
    p = subprocess.run([rebate, "run", "program.rebate", *case.run_args(), "--engine", engine],
                       cwd=tmp, capture_output=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def compile_error(outcome):
    """The program did not compile (a generator bug, not an engine's): the checker's codes in stderr."""
    return outcome[0] != 0 and b"error[E" in outcome[2]


def disagreement(rebate, case, engines, tmp):
    """None when every engine gives the interpreter's bytes; else (engine, vm outcome, its outcome)."""
    want = run(rebate, case, "vm", tmp)
    if compile_error(want):
        return "invalid", want, None
    for engine in engines:
        got = run(rebate, case, engine, tmp)
        if got != want:
            return engine, want, got
    return None


def minimise(rebate, case, engines, tmp, log):
    """Drops declarations, then ledger lines, while the engines still disagree."""
    def still(c):
        d = disagreement(rebate, c, engines, tmp)
        return d is not None and d[0] != "invalid"

    program = case.program
    if not isinstance(program, str):
        changed = True
        while changed:
            changed = False
            for i in reversed(range(len(program.items))):
                trial = gen_program.Program(program.header, program.items[:i] + program.items[i + 1:])
                if still(Case(trial, case.files, case.args)):
                    program, changed = trial, True
        case = Case(program, case.files, case.args)
    for name in sorted(case.files):
        lines = case.files[name].splitlines(keepends=True)
        header, rows = lines[:1], lines[1:]
        chunk = max(1, len(rows) // 2)
        while chunk >= 1 and rows:
            i = 0
            while i < len(rows):
                trial_rows = rows[:i] + rows[i + chunk:]
                trial = Case(case.program, {**case.files, name: "".join(header + trial_rows)}, case.args)
                if still(trial):
                    rows, case = trial_rows, trial
                else:
                    i += chunk
            chunk //= 2
    log(f"  minimised to {len(case.program_text().splitlines())} program lines, "
        f"{sum(t.count(chr(10)) - 1 for t in case.files.values())} ledger rows")
    return case


def first_difference(want, got):
    """Where two outcomes part: the exit codes, or the first line of stdout or stderr that differs."""
    if want[0] != got[0]:
        return f"the exit code: vm {want[0]}, other {got[0]}; stderr {want[2][:300]!r} against {got[2][:300]!r}"
    for stream, a, b in (("stdout", want[1], got[1]), ("stderr", want[2], got[2])):
        for n, (x, y) in enumerate(zip(a.splitlines() + [b""], b.splitlines() + [b""]), 1):
            if x != y:
                return f"{stream} line {n}:\n  vm:    {x[:300]!r}\n  other: {y[:300]!r}"
    return "nothing (flaky?)"


def save(case, found, where):
    where.mkdir(parents=True, exist_ok=True)
    case.write(where)
    engine, want, got = found
    for label, outcome in (("vm", want), (engine, got)):
        (where / f"{label}.exit").write_text(f"{outcome[0]}\n")
        (where / f"{label}.stdout").write_bytes(outcome[1])
        (where / f"{label}.stderr").write_bytes(outcome[2])


def engines_of(rebate):
    version = subprocess.run([rebate, "--version"], capture_output=True, text=True).stdout
    return version.split("(engines: ")[1].split(")")[0].replace(" or ", ", ").split(", ")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--seed", type=int, default=1, help="the first seed")
    ap.add_argument("--count", type=int, help="how many seeds (default: until --minutes is up)")
    ap.add_argument("--minutes", type=float, help="stop after this long")
    ap.add_argument("--replay", nargs="*", default=[], help="directories of saved cases (or folders of them) to run")
    ap.add_argument("--save", help="where to write disagreements (a directory per case)")
    ap.add_argument("--keep", action="store_true", help="with --save: save every case, agreeing ones too (to build a corpus)")
    ap.add_argument("--no-minimise", action="store_true")
    ap.add_argument("--show", action="store_true", help="print each case's program and outputs")
    args = ap.parse_args()
    # The JIT's own code on every call, not the interpreter until a function is worth compiling (vm::Tiering).
    os.environ["REBATE_JIT_TIERED"] = "off"
    rebate = str(pathlib.Path(args.rebate).resolve())
    engines = [e for e in engines_of(rebate) if e != "vm"]
    if not engines:
        print("engines: this build has the interpreter only; nothing to compare")
        return 0
    log = lambda s: print(s, flush=True)  # noqa: E731

    cases = []
    for d in args.replay:
        p = pathlib.Path(d)
        cases += [(c.name, lambda c=c: replayed(c)) for c in sorted(p.iterdir())] if not (p / "program.rebate").exists() \
            else [(p.name, lambda p=p: replayed(p))]
    if args.count is not None:
        cases += [(f"seed {s}", lambda s=s: case_of(s)) for s in range(args.seed, args.seed + args.count)]

    start = time.monotonic()
    stats = {"cases": 0, "errors": 0, "invalid": 0, "disagree": 0}
    failures = []

    def one(name, make):
        case = make()
        with tempfile.TemporaryDirectory() as tmp:
            found = disagreement(rebate, case, engines, pathlib.Path(tmp))
            stats["cases"] += 1
            if args.show:
                log(f"== {name}\n{case.program_text()}")
            if found is None:
                if args.keep and args.save:
                    case.write(pathlib.Path(args.save) / name.replace(" ", "-"))
                if args.show:
                    log(run(rebate, case, "vm", pathlib.Path(tmp))[1].decode()[:4000])
                return
            if found[0] == "invalid":
                stats["invalid"] += 1
                failures.append(f"{name}: the generated program does not compile:\n{found[1][2].decode()[:2000]}")
                return
            stats["disagree"] += 1
            log(f"DISAGREE {name}: {found[0]} differs from vm (exit {found[1][0]} vs {found[2][0]})")
            if not args.no_minimise:
                case = minimise(rebate, case, engines, pathlib.Path(tmp), log)
                found = disagreement(rebate, case, engines, pathlib.Path(tmp)) or found
            if args.save:
                where = pathlib.Path(args.save) / name.replace(" ", "-")
                save(case, found, where)
                log(f"  saved in {where}")
            failures.append(f"{name}: {found[0]} differs from vm in {first_difference(found[1], found[2])}")

    for name, make in cases:
        one(name, make)
    s = args.seed + (args.count or 0)  # --minutes goes on from the seeds given
    while args.minutes is not None and time.monotonic() - start < args.minutes * 60:
        one(f"seed {s}", lambda s=s: case_of(s))
        s += 1
        if stats["cases"] % 100 == 0:
            log(f"... {stats['cases']} cases, seed {s - 1}, {time.monotonic() - start:.0f} s, "
                f"{stats['disagree']} disagreements, {stats['invalid']} invalid")
    for f in failures:
        print("FAIL", f)
    elapsed = time.monotonic() - start
    print(f"engines vm, {', '.join(engines)}: {stats['cases']} cases in {elapsed:.0f} s "
          f"({stats['cases'] / max(elapsed, 1e-9) * 60:.0f}/min), {stats['disagree']} disagree, "
          f"{stats['invalid']} programs did not compile")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
