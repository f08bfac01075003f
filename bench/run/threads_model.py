#!/usr/bin/env python3
"""Each phase's time at 1 and 2 threads, its serial part, and Amdahl's prediction at more threads.

    bench/run/threads_model.py --rebate build-release/bin/rebate [--lines 1000000] [--runs 5]
                               [--predict 8 32 64] [--rss 1 2 4 8]

Runs `rebate run bench/run/reference.rebate --timings` on bench/out/run_LINES (made by compare.sh or
gen_ledger.py) at one and two threads, alternately, RUNS times each, and takes each phase's median.
A phase that takes T1 on one thread and T2 on two has the serial fraction s = 2 * T2 / T1 - 1 (Amdahl:
T2 = T1 * (s + (1 - s) / 2)), clamped to [0, 1]; at N threads it is predicted to take
T1 * (s + (1 - s) / N). The table shows each phase's prediction and which phase is the largest, i.e.
the limit, at each N. With --rss, the peak resident memory (`/usr/bin/time -v`) at those thread counts.
On a machine with two cores shared with other work the fractions are rough: run it when it is quiet,
and read several runs.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_once(rebate, data, threads, out, timed=False):
    cmd = [rebate, "run", str(ROOT / "bench/run/reference.rebate"), "--input", f"partners={data / 'partners.csv'}",
           "--input", f"sales={data / 'sales.csv'}", "--threads", str(threads), "--timings", "--out", out]
    if timed:
        cmd = ["/usr/bin/time", "-v"] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"rebate run --threads {threads} failed: {p.stderr[-500:]}")
    phases = {}
    for line in p.stderr.splitlines():
        m = re.match(r"timing: (.+?)\s+([0-9.]+) s", line)
        if m:
            phases[m.group(1).strip()] = float(m.group(2))
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return phases, (int(rss.group(1)) / 1024 if rss else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rebate", default=str(ROOT / "build-release/bin/rebate"))
    ap.add_argument("--lines", default="1000000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--predict", type=int, nargs="*", default=[8, 32, 64])
    ap.add_argument("--rss", type=int, nargs="*", default=[])
    a = ap.parse_args()
    data = ROOT / "bench/out" / f"run_{a.lines}"
    if not (data / "sales.csv").exists():
        sys.exit(f"{data}/sales.csv is missing: run bench/run/compare.sh {a.lines} first")
    subprocess.run(["cat", str(data / "sales.csv"), str(data / "partners.csv")], stdout=subprocess.DEVNULL, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "payouts.csv")
        runs = {1: [], 2: []}
        for _ in range(a.runs):
            for t in (1, 2):
                runs[t].append(run_once(a.rebate, data, t, out)[0])
        phases = [p for p in runs[1][0] if p != "total"]
        med = {t: {p: statistics.median(r[p] for r in runs[t]) for p in phases + ["total"]} for t in (1, 2)}
        counts = [1, 2] + a.predict
        print(f"{a.lines} lines, median of {a.runs} runs each; seconds")
        print(f"{'phase':<12} {'1 thread':>9} {'2 threads':>9} {'serial':>7} " + " ".join(f"{'@' + str(n):>8}" for n in a.predict))
        predicted = {n: {} for n in counts}
        for p in phases:
            t1, t2 = med[1][p], med[2][p]
            s = min(1.0, max(0.0, 2 * t2 / t1 - 1)) if t1 > 0 else 1.0
            for n in counts:
                predicted[n][p] = t1 * (s + (1 - s) / n)
            print(f"{p:<12} {t1:9.3f} {t2:9.3f} {s:7.2f} " + " ".join(f"{predicted[n][p]:8.3f}" for n in a.predict))
        print(f"{'total':<12} {med[1]['total']:9.3f} {med[2]['total']:9.3f} {'':>7} "
              + " ".join(f"{sum(predicted[n].values()):8.3f}" for n in a.predict))
        for n in a.predict:
            limit = max(predicted[n], key=predicted[n].get)
            print(f"at {n} threads the largest phase is `{limit}` ({predicted[n][limit]:.3f} s of {sum(predicted[n].values()):.3f})")
        for t in a.rss:
            _, mb = run_once(a.rebate, data, t, out, timed=True)
            print(f"peak RSS at {t} thread(s): {mb:.1f} MiB")


if __name__ == "__main__":
    main()
