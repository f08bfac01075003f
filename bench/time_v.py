"""The figures of a `/usr/bin/time -v -o FILE` report, for the benchmark scripts (bench/run/compare.sh,
bench/run/diff_bench.sh, bench/partners/run.sh)."""
from typing import NamedTuple


class TimeV(NamedTuple):
    wall: float  # seconds
    cpu: float   # user + system seconds
    rss: int     # peak resident set, bytes


def parse(path) -> TimeV:
    v = {}
    for line in open(path):
        k, _, val = line.strip().rpartition(": ")
        v[k] = val
    wall = v["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
    secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
    cpu = float(v["User time (seconds)"]) + float(v["System time (seconds)"])
    return TimeV(secs, cpu, int(v["Maximum resident set size (kbytes)"]) * 1024)
