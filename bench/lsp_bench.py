#!/usr/bin/env python3
"""Benchmark `rebate lsp` on a generated 2,000-line program (bench/gen_check_program.py).

Measures, over pipes exactly as an editor talks to the server:
  - the time from a one-character didChange to the publishDiagnostics that follows it (the server run
    with --debounce-ms 0, so the figure is the re-check and publication, not the debounce wait);
  - hover and completion latency (request written -> response read);
  - the server's resident memory (VmRSS) before and after 10,000 one-character edits, each followed by
    its diagnostics, and every 1,000 edits in between.

Usage: bench/lsp_bench.py [--rebate build/bin/rebate] [--lines 2000] [--edits 10000] [--samples 200]
Prints a table of median, p90 and max per figure, for docs/performance.md. Not a test: nothing fails.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "tests", "lsp"))
from lsp_client import LspClient  # noqa: E402


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ms(pid):
    """The server's user + system CPU time so far, from /proc (independent of how loaded the machine is)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def summary(name, values_ms):
    values = sorted(values_ms)
    p90 = values[int(len(values) * 0.9) - 1] if len(values) >= 10 else values[-1]
    print(f"| {name} | {len(values)} | {statistics.median(values):.2f} | {p90:.2f} | {values[-1]:.2f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", default=os.path.join(root, "build", "bin", "rebate"))
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--edits", type=int, default=10000)
    ap.add_argument("--samples", type=int, default=200)
    args = ap.parse_args()

    text = subprocess.run([sys.executable, os.path.join(root, "bench", "gen_check_program.py"), "--lines", str(args.lines)],
                          check=True, capture_output=True, text=True).stdout
    lines = text.split("\n")
    path = os.path.join(tempfile.mkdtemp(prefix="rebate-lsp-bench-"), "program.rebate")
    uri = "file://" + path
    # An edit site: the end of the first measure's line (appending and removing a space keeps it valid).
    edit_line = next(i for i, l in enumerate(lines) if l.startswith("measure "))
    edit_col = len(lines[edit_line])
    name_col = len("measure ") + 1  # inside the measure's name
    # A use of that measure, for hover and completion positions.
    measure = lines[edit_line].split()[1]

    c = LspClient(args.rebate, args=("--debounce-ms", "0"))
    c.initialize()
    t0 = time.perf_counter()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "rebate", "version": 1, "text": text}})
    first = c.diagnostics(uri, timeout=120)
    open_ms = (time.perf_counter() - t0) * 1000
    print(f"program: {len(lines)} lines, {len(text)} bytes; diagnostics on open: {len(first)} in {open_ms:.1f} ms")
    print(f"edit site: line {edit_line + 1}, measure `{measure}`")
    print()
    print("| figure | samples | median ms | p90 ms | max ms |")
    print("|---|---|---|---|---|")

    version = 1
    pending_space = False

    def edit():
        nonlocal version, pending_space
        version += 1
        if pending_space:
            change = {"range": {"start": {"line": edit_line, "character": edit_col}, "end": {"line": edit_line, "character": edit_col + 1}}, "text": ""}
        else:
            change = {"range": {"start": {"line": edit_line, "character": edit_col}, "end": {"line": edit_line, "character": edit_col}}, "text": " "}
        pending_space = not pending_space
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        c.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == version,
                   timeout=60, what=f"diagnostics of version {version}")

    timings = []
    cpu_before = cpu_ms(c.proc.pid)
    for _ in range(args.samples):
        t = time.perf_counter()
        edit()
        timings.append((time.perf_counter() - t) * 1000)
    cpu_per_edit = (cpu_ms(c.proc.pid) - cpu_before) / args.samples
    summary("one-character didChange -> publishDiagnostics", timings)

    hover, completion = [], []
    for _ in range(args.samples):
        t = time.perf_counter()
        r = c.call("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": edit_line, "character": name_col}})
        hover.append((time.perf_counter() - t) * 1000)
        assert r.get("result"), r
        t = time.perf_counter()
        r = c.call("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": edit_line, "character": edit_col}})
        completion.append((time.perf_counter() - t) * 1000)
        assert r.get("result"), r
    summary("hover", hover)
    summary("completion", completion)

    # Requests right after an edit: the re-check is part of the answer.
    after_edit = []
    for _ in range(min(args.samples, 50)):
        version += 1
        change = {"range": {"start": {"line": edit_line, "character": edit_col}, "end": {"line": edit_line, "character": edit_col + (1 if pending_space else 0)}},
                  "text": "" if pending_space else " "}
        pending_space = not pending_space
        t = time.perf_counter()
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        c.call("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": edit_line, "character": name_col}})
        after_edit.append((time.perf_counter() - t) * 1000)
        c.pending.clear()
    summary("didChange + hover (re-check included)", after_edit)
    print()
    print(f"server CPU time per edit (re-check and publication), mean over {args.samples}: {cpu_per_edit:.1f} ms")

    print()
    print("| edits | VmRSS MB |")
    print("|---|---|")
    print(f"| 0 | {rss_kb(c.proc.pid) / 1024:.1f} |")
    for i in range(1, args.edits + 1):
        edit()
        c.pending.clear()
        if i % 1000 == 0:
            print(f"| {i} | {rss_kb(c.proc.pid) / 1024:.1f} |", flush=True)
    c.call("shutdown", None)
    c.notify("exit", None)
    c.proc.wait(timeout=20)


if __name__ == "__main__":
    main()
