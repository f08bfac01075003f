#!/usr/bin/env python3
"""The JIT's object cache (runtime/jit/object_cache.h, docs/architecture.md): a second run of the same
program loads every compiled function from the cache and writes the same bytes as the first run and as the
interpreter; a cache file damaged on disk (a flipped byte in the object, a file cut short) is not used, the
run compiles again and writes the same bytes; `REBATE_JIT_CACHE=off` writes nothing; a changed program
compiles the functions that changed.

Usage: jit_object_cache.py --rebate build/bin/rebate --root .
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from cli_checks import CliChecks  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    os.environ["REBATE_JIT_TIERED"] = "off"  # every function compiled when it first runs (vm::Tiering)
    ex = pathlib.Path(args.root).resolve() / "examples" / "04-storage-volume-tiers"
    argv = ["run", "program.rebate"] + [a for a in (ex / "run.args").read_text().splitlines() if a.strip()]
    c = CliChecks(args.rebate, "jit")
    with tempfile.TemporaryDirectory(prefix="rebate-jit-cache-") as tmp:
        cache = pathlib.Path(tmp) / "cache"

        def run(extra=(), env_cache=str(cache), engine="jit"):
            env = dict(os.environ, REBATE_JIT_CACHE=env_cache)
            r = subprocess.run([args.rebate, *argv, *extra, "--engine", engine, "--timings"], cwd=ex, capture_output=True, text=True, env=env, timeout=120)
            c.check(r.returncode == 0, f"{engine} run exit {r.returncode}: {r.stderr[:500]}")
            m = re.search(r"jit compile .* (\d+) functions( \((\d+) from the object cache\))?", r.stderr)
            compiled = int(m.group(1)) if m else 0
            cached = int(m.group(3)) if m and m.group(3) else 0
            return r.stdout, compiled, cached

        vm, _, _ = run(engine="vm")
        first, compiled, cached = run()
        c.check(compiled > 0 and cached == 0, f"the first run compiles ({compiled} functions, {cached} from the cache)")
        entries = sorted(cache.glob("*.o"))
        c.check(len(entries) > 0, f"the first run stores its objects ({len(entries)} files in {cache})")
        second, compiled2, cached2 = run()
        c.check(compiled2 == compiled and cached2 == compiled, f"the second run loads every function from the cache ({cached2} of {compiled2})")
        c.check(first == second == vm, "the cached code writes the bytes the compiled code and the interpreter write")

        # A flipped byte in each stored object, then each file cut short: not used, compiled again.
        for damage in ("flip", "cut"):
            for e in cache.glob("*.o"):
                data = bytearray(e.read_bytes())
                if damage == "flip":
                    data[-10] ^= 0xFF
                else:
                    data = data[: len(data) // 2]
                e.write_bytes(bytes(data))
            out, compiled3, cached3 = run()
            c.check(cached3 == 0 and compiled3 == compiled, f"a damaged cache ({damage}) is not used: {cached3} of {compiled3} from the cache")
            c.check(out == vm, f"after a damaged cache ({damage}), the same bytes")
        out, _, cached4 = run()
        c.check(cached4 == compiled and out == vm, f"the entries written again are used ({cached4} of {compiled})")

        # Off: nothing read or written.
        off = pathlib.Path(tmp) / "off"
        out, compiled5, cached5 = run(env_cache="off")
        c.check(cached5 == 0 and out == vm and not off.exists(), "REBATE_JIT_CACHE=off: compiled, nothing stored")

        # A changed program generates other IR: a miss, then its own entries.
        changed = pathlib.Path(tmp) / "changed.rebate"
        changed.write_text((ex / "program.rebate").read_text().replace("50_000 USD", "40_000 USD"))
        before = len(list(cache.glob("*.o")))
        r = subprocess.run([args.rebate, "run", str(changed)] + argv[2:] + ["--engine", "jit", "--timings"], cwd=ex, capture_output=True, text=True,
                           env=dict(os.environ, REBATE_JIT_CACHE=str(cache)), timeout=120)
        m = re.search(r"jit compile .* (\d+) functions( \((\d+) from the object cache\))?", r.stderr)
        fresh = int(m.group(1)) - int(m.group(3) or 0) if m else 0
        c.check(r.returncode == 0 and fresh > 0, f"a changed program (another cap) compiles its changed functions: {r.stderr[-300:]}")
        c.check(len(list(cache.glob("*.o"))) > before, "a changed program stores entries of its own")
    return c.report("jit object cache")


if __name__ == "__main__":
    sys.exit(main())
