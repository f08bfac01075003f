"""What the CLI tests that run `rebate` on one engine share: checks counted and failures kept, the CLI
run with the engine appended and its exit code checked, and the report that decides the test's exit.

With REBATE_SQL_SHADOW=<work directory> set, every `rebate run` is also compared with the SQL target's
payouts on PostgreSQL and DuckDB (tests/sql/shadow.py; ctest `sql_run_tests`)."""
import argparse
import os
import pathlib
import subprocess
import sys


class CliChecks:
    def __init__(self, rebate, engine):
        self.rebate = rebate
        self.engine = engine
        self.passed = 0
        self.failures = []
        self.shadow = None
        if os.environ.get("REBATE_SQL_SHADOW"):
            sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "sql"))
            import shadow
            self.shadow = shadow.from_environment(rebate)

    @classmethod
    def from_command_line(cls, root=False):
        """The checks of a test run as `SCRIPT --rebate PATH [--root DIR] [--engine vm|jit]`, and the parsed
        arguments (`root`: the test takes the source tree's root too)."""
        ap = argparse.ArgumentParser()
        ap.add_argument("--rebate", required=True)
        if root:
            ap.add_argument("--root", required=True)
        ap.add_argument("--engine", default="vm")
        args = ap.parse_args()
        return cls(args.rebate, args.engine), args

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)

    def run(self, argv, code=0, cwd=None):
        """`rebate ARGV --engine ENGINE`, its exit code checked against `code`; the completed process."""
        r = subprocess.run([self.rebate] + argv + ["--engine", self.engine], capture_output=True, text=True, timeout=60, cwd=cwd)
        self.check(r.returncode == code, f"{' '.join(argv)}: exit {r.returncode}, expected {code}\n  stderr: {r.stderr[:800]}")
        if self.shadow:
            self.shadow.compare(argv, cwd, r, self.check)
        return r

    def report(self, name):
        """Prints each failure and the counts; 1 when anything failed, else 0 (the test's exit status)."""
        for f in self.failures:
            print("FAIL:", f)
        print(f"{name} ({self.engine}): {self.passed} passed, {len(self.failures)} failed")
        return 1 if self.failures else 0
