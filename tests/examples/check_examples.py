#!/usr/bin/env python3
"""Every example program must check clean: no error and no warning (run with --strict), and the
examples must cover the fifteen scenarios of the brief (one folder each, numbered 01..15)."""
import argparse
import pathlib
import subprocess
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    examples = pathlib.Path(args.root) / "examples"
    programs = sorted(examples.glob("*/program.rebate"))
    passed = failed = 0
    numbers = {p.parent.name[:2] for p in programs}
    missing = [f"{n:02d}" for n in range(1, 16) if f"{n:02d}" not in numbers]
    if missing:
        print(f"FAIL examples for scenarios {', '.join(missing)} are missing")
        failed += 1
    for program in programs:
        result = subprocess.run([args.rebate, "check", "--strict", "--format", "gnu", str(program)],
                                capture_output=True, text=True, timeout=60)
        if result.returncode == 0 and not result.stderr.strip():
            passed += 1
        else:
            failed += 1
            print(f"FAIL {program.relative_to(args.root)} (exit {result.returncode})\n{result.stderr}")
    print(f"examples: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
