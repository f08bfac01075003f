"""The table of bench/jit/compare.sh: best-of-RUNS wall, CPU and peak RSS of each program, rebate's phases
(--timings, with the JIT's compile time, which is spent within the phases), and the ratios the issue sets
goals for.

    PYTHONPATH=bench python3 bench/jit/report.py OUT RUNS "1 2" REFERENCE [NATIVE]

"jit" is the JIT as a run uses it (tiered: LLVM loaded only when a function is worth compiling), "jit native"
the JIT with REBATE_JIT_TIERED=off (every function compiled when it first runs).
"""
import re
import sys

from time_v import parse

out, runs, threads, reference = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4] == "1"
native = len(sys.argv) > 5 and sys.argv[5] == "1"
PHASES = ["prepare", "read + scan", "groups", "evaluate", "total", "jit start", "jit compile"]


def llvm_skipped(name):
    """How many of the runs never loaded LLVM (nothing was worth compiling)."""
    return sum(any("LLVM not loaded" in line for line in open(f"{out}/stderr.{name}.{i}")) for i in range(1, runs + 1))


def best(name):
    rs = [parse(f"{out}/time.{name}.{i}") for i in range(1, runs + 1)]
    return min(r.wall for r in rs), min(r.cpu for r in rs), max(r.rss for r in rs)


def phases(name):
    """The best of each --timings phase over the runs."""
    got = {}
    for i in range(1, runs + 1):
        for line in open(f"{out}/stderr.{name}.{i}"):
            m = re.match(r"timing: (.+?)\s+([0-9.]+) s", line)
            if m and m.group(1) in PHASES:
                got[m.group(1)] = min(got.get(m.group(1), 1e9), float(m.group(2)))
    return got


def table(rows, with_phases):
    cols = PHASES if with_phases else []
    print(f"| {'':30} | wall s | CPU s | peak RSS MB | " + " | ".join(cols) + (" |" if cols else ""))
    print("|" + "---|" * (4 + len(cols)))
    for label, name, has_phases in rows:
        w, c, rss = best(name)
        ph = phases(name) if has_phases else {}
        cells = " | ".join(f"{ph[p]:.3f}" if p in ph else "-" for p in cols)
        print(f"| {label:30} | {w:.3f} | {c:.3f} | {rss / 1e6:.0f} | " + cells + (" |" if cols else ""))


print(f"\nwall, CPU, RSS: /usr/bin/time -v, best of {runs}; phases: `--timings`, best of {runs} (seconds)")
for t in threads:
    print(f"\nlines.rebate, {t} thread(s):")
    table([("vm", f"lines.vm.t{t}", True), ("jit", f"lines.jit.t{t}", True)] + ([("jit native", f"lines.jitnative.t{t}", True)] if native else []) +
          [("hand loop", f"lines.hand.t{t}", False)], True)
    vm, jit, hand = best(f"lines.vm.t{t}"), best(f"lines.jit.t{t}"), best(f"lines.hand.t{t}")
    pv, pj = phases(f"lines.vm.t{t}"), phases(f"lines.jit.t{t}")
    per_phase = ", ".join(f"{p} {pv[p] / pj[p]:.2f}x" for p in PHASES[1:5] if pj.get(p))
    print(f"  vm / jit: end to end {vm[0] / jit[0]:.2f}x (CPU {vm[1] / jit[1]:.2f}x); per phase: {per_phase}")
    print(f"  jit / hand loop end to end: {jit[0] / hand[0]:.2f}x (goal <= 1.2x; CPU {jit[1] / hand[1]:.2f}x); "
          f"vm / hand loop: {vm[0] / hand[0]:.2f}x (CPU {vm[1] / hand[1]:.2f}x)")
    if native:
        jn = best(f"lines.jitnative.t{t}")
        print(f"  jit native / hand loop: {jn[0] / hand[0]:.2f}x (CPU {jn[1] / hand[1]:.2f}x)")
if reference:
    print("\nreference.rebate, 1 thread:")
    table([("vm", "reference.vm.t1", True), ("jit", "reference.jit.t1", True), ("jit native", "reference.jitnative.t1", True)], True)
    vm, jit, jn = best("reference.vm.t1"), best("reference.jit.t1"), best("reference.jitnative.t1")
    print(f"  jit / vm end to end: {jit[0] / vm[0]:.2f}x (goal <= 1.0x; CPU {jit[1] / vm[1]:.2f}x); LLVM not loaded in "
          f"{llvm_skipped('reference.jit.t1')} of {runs} runs")
    print(f"  jit native / vm end to end: {jn[0] / vm[0]:.2f}x (CPU {jn[1] / vm[1]:.2f}x)")
    # The first native run compiled into an empty object cache; the later ones loaded from it.
    compile_times = []
    for i in range(1, runs + 1):
        for line in open(f"{out}/stderr.reference.jitnative.t1.{i}"):
            m = re.match(r"timing: jit compile\s+([0-9.]+) s", line)
            if m:
                compile_times.append(float(m.group(1)))
    warm = min(compile_times[1:]) if len(compile_times) > 1 else float("nan")
    print(f"  jit native compile (CPU, the functions the run called): cold {compile_times[0] if compile_times else float('nan'):.3f} s, "
          f"warm (from the object cache, best of {len(compile_times) - 1}) {warm:.3f} s (goal <= 0.050 s)")
