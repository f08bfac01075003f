"""What the CLI tests that run `rebate` on one engine share: checks counted and failures kept, the CLI
run with the engine appended and its exit code checked, and the report that decides the test's exit."""
import argparse
import subprocess


class CliChecks:
    def __init__(self, rebate, engine):
        self.rebate = rebate
        self.engine = engine
        self.passed = 0
        self.failures = []

    @classmethod
    def from_command_line(cls):
        """The checks of a test run as `TEST.py --rebate build/bin/rebate [--engine vm]`."""
        ap = argparse.ArgumentParser()
        ap.add_argument("--rebate", required=True)
        ap.add_argument("--engine", default="vm")
        args = ap.parse_args()
        return cls(args.rebate, args.engine)

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)

    def run(self, argv, code=0, cwd=None):
        """`rebate ARGV --engine ENGINE`, its exit code checked against `code`; the completed process."""
        r = subprocess.run([self.rebate] + argv + ["--engine", self.engine], capture_output=True, text=True, timeout=60, cwd=cwd)
        self.check(r.returncode == code, f"{' '.join(argv)}: exit {r.returncode}, expected {code}\n  stderr: {r.stderr[:800]}")
        return r

    def report(self, name):
        """Prints each failure and the counts; 1 when anything failed, else 0 (the test's exit status)."""
        for f in self.failures:
            print("FAIL:", f)
        print(f"{name} ({self.engine}): {self.passed} passed, {len(self.failures)} failed")
        return 1 if self.failures else 0
