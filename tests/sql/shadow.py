"""The run tests' shadow in SQL: with REBATE_SQL_SHADOW=<work directory> set, every `rebate run` a test makes
through tests/cli_checks.py (`CliChecks.run`) is also compiled with `rebate compile --target sql` for both
dialects and run on the same input files, on a throwaway PostgreSQL server and on DuckDB (tests/sql/sql_compare.py;
one of each per test process, started at the first run compared and stopped at its exit).

  * A run that exits 0: the query's payouts equal the run's (`--out` or standard output, CSV or JSON): the
    same rows, and in each the amount, status, basis, band and rate, and the paid columns when the program
    pays in the partner's currency, as exact decimals; so do the totals, awards and metrics the run wrote
    (`--totals`, `--awards`, `--metrics`).
  * A run that stops (exit 1 or 2): the compile or the query stops too ("failed alike"; "same words" when
    the query's error repeats the run's, else "other words"). A query that pays where the run stopped with
    exit 1 is a mismatch; with exit 2 (a usage or I/O error of the run) it is not comparable.
  * Not compared, and said so: a run whose options have no SQL equivalent (`--as-of`, `--on-bad-row reject`,
    `--dump`) or whose inputs are not plain CSV files (standard input, a directory or glob, a compressed file,
    a PostgreSQL URI), and a program the generator refuses (E0701, with the construct it names).

A mismatch fails the test through its checks, like any other check. Every run's outcome is kept (`outcomes`,
counted by tests/sql/sql_run_tests.py, which runs the tests in its own process) and written to
<work directory>/shadow.<pid>.json when the process ends.

    REBATE_SQL_SHADOW=build/sql-shadow python3 tests/run/funds.py --rebate build/bin/rebate
"""
import atexit
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys

import sql_compare

ENVIRONMENT = "REBATE_SQL_SHADOW"

# The options of `rebate run` that take a value (the others are flags: --explain, --timings, --detail).
VALUE_OPTIONS = {"--input", "--period", "--as-of", "--max-errors", "--threads", "--max-span-years", "--batch-partners", "--engine",
                 "--closed-through", "--closed-on", "--format", "--out", "--totals", "--awards", "--metrics", "--on-bad-row",
                 "--rejects", "--dump", "--statements", "--statement-format"}
# What `rebate compile` takes as `rebate run` does.
COMPILE_OPTIONS = ("--period", "--closed-through", "--closed-on")


def parse_run(argv):
    """The program and the options of `run PROGRAM ...` (each option's values, in order)."""
    program, options, i = None, {}, 1
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if eq:
                options.setdefault(name, []).append(value)
            elif name in VALUE_OPTIONS and i + 1 < len(argv):
                i += 1
                options.setdefault(name, []).append(argv[i])
                # (`--input` takes several values, as CLI11 reads it: `--input a=x b=y`.)
                while name == "--input" and i + 1 < len(argv) and not argv[i + 1].startswith("-") and "=" in argv[i + 1]:
                    i += 1
                    options[name].append(argv[i])
            else:
                options.setdefault(name, []).append(None)
        elif program is None:
            program = a
        i += 1
    return program, options


# Why a run is not compared (the others are about its inputs, below).
AS_OF = "--as-of (a query reads every line)"
REJECT = "--on-bad-row reject (a query stops at a bad row)"
DUMP = "--dump (no payouts)"
USAGE = "a usage or I/O error of the run (exit 2), the query pays"
DEVICE = "payouts written to a device or pipe (--out)"


def not_comparable(options, inputs, base):
    """Why a run cannot be compared in SQL, or None."""
    if "--as-of" in options:
        return AS_OF
    if "reject" in options.get("--on-bad-row", []):
        return REJECT
    if "--dump" in options:
        return DUMP
    out = options.get("--out", [None])[-1]
    if out and not (base / out).is_file() and (base / out).exists():
        return DEVICE
    for _, path in inputs:
        if path == "-":
            return "an input from standard input"
        if re.match(r"postgres(ql)?://", path):
            return "an input from PostgreSQL"
        if path.endswith((".gz", ".zst")):
            return "a compressed input"
        if any(c in path for c in "*?[") or os.path.isdir(path):
            return "an input of many files (a directory or glob)"
    return None


def file_hash(path):
    return hashlib.sha1(pathlib.Path(path).read_bytes()).hexdigest()


def first_error(stderr):
    return next((line for line in stderr.splitlines() if "error" in line), "")


def shared_words(run_error, query_error):
    """Whether the query's error repeats one of the run's (which may report several): every `quoted` value of
    the query's error is in the run's errors, or else every one of the run's first error is in the query's."""
    quoted = re.findall(r"`([^`]+)`", query_error)
    if quoted:
        return all(f"`{q}`" in run_error for q in quoted)
    quoted = re.findall(r"`([^`]+)`", first_error(run_error))
    return bool(quoted) and all(q in query_error for q in quoted)


class Shadow:
    def __init__(self, work, rebate):
        self.work = pathlib.Path(work).resolve()
        self.work.mkdir(parents=True, exist_ok=True)
        self.rebate = rebate
        self.engines = None
        self.results = {}  # (dialect, script's hash) -> (exit, rows, error): a query run once per process
        self.outcomes = []
        self.script = pathlib.Path(sys.argv[0]).stem  # the test whose runs are shadowed (set by sql_run_tests.py)
        atexit.register(self.finish)

    def engine(self, dialect):
        if self.engines is None:
            self.engines = {"duckdb": sql_compare.DuckDB(self.work), "postgres": sql_compare.Postgres()}
        return self.engines[dialect]

    def finish(self):
        if self.engines:
            for e in self.engines.values():
                e.stop()
        (self.work / f"shadow.{os.getpid()}.json").write_text(json.dumps(self.outcomes, indent=1) + "\n")

    def note(self, outcome, reason, argv, **detail):
        self.outcomes.append({"script": self.script, "outcome": outcome, "reason": reason, "argv": " ".join(argv), **detail})

    def query(self, dialect, script, tables, schema):
        key = (dialect, hashlib.sha1(script.encode()).hexdigest())
        if key not in self.results:
            self.results[key] = self.engine(dialect).run(script, tables, schema)
        return self.results[key]

    def compare(self, argv, cwd, ran, check):
        """Shadows one `rebate ARGV` that ran in CWD (`ran`: the completed process); a mismatch is a failed check."""
        if argv[:1] != ["run"]:
            return
        program, options = parse_run(argv)
        base = pathlib.Path(cwd or os.getcwd())
        inputs = [(n, str(base / p) if p != "-" and "://" not in p else p) for n, _, p in (v.partition("=") for v in options.get("--input", []))]
        reason = not_comparable(options, inputs, base)
        if reason:
            return self.note("not comparable", reason, argv)
        # The inputs as tables of a schema named after their contents: a run on the same files reads the same tables.
        tables = [(n, p) for n, p in inputs if os.path.isfile(p)]
        schema = "h_" + hashlib.sha1(" ".join(f"{n}:{file_hash(p)}" for n, p in tables).encode()).hexdigest()[:16]
        compile_argv = ["compile", program, "--target", "sql"] + [a for n, _ in tables for a in ("--table", f"{n}={schema}.{n}")]
        compile_argv += [a for o in COMPILE_OPTIONS for v in options.get(o, []) for a in (o, v)]
        what = " ".join(argv)
        stopped = []  # for a run that stops: whether each query stopped with the run's words
        mismatches = []  # for a run that pays: what differs on each database
        for dialect in sql_compare.DIALECTS:
            c = subprocess.run([self.rebate, *compile_argv, "--dialect", dialect], cwd=cwd, capture_output=True, text=True, timeout=120)
            refused = re.search(r"error\[E0701\]: the SQL target cannot express (.+?)(?: yet)?$", c.stderr, re.M)
            if refused:
                return self.note("refused", refused.group(1), argv)
            if c.returncode != 0:
                if ran.returncode == 0:
                    check(False, f"SQL shadow [{dialect}]: `{what}` pays, but `rebate compile` fails (exit {c.returncode}): {c.stderr[:600]}")
                    return self.note("mismatch", f"compile exit {c.returncode}", argv)
                return self.note("failed alike", f"the compile stops too (exit {c.returncode})", argv)
            code, out, err = self.query(dialect, c.stdout, tables, schema)
            if ran.returncode != 0:
                if code != 0:
                    stopped.append((shared_words(ran.stderr, err), err.strip().splitlines()[0][:300] if err.strip() else ""))
                    continue
                if ran.returncode == 2:
                    return self.note("not comparable", USAGE, argv)
                check(False, f"SQL shadow [{dialect}]: `{what}` stops (exit {ran.returncode}: {ran.stderr.strip()[:300]}), but the query pays")
                return self.note("mismatch", "the query pays where the run stops", argv)
            if code != 0:
                check(False, f"SQL shadow [{dialect}]: `{what}` pays, but the query stops: {err.strip()[:600]}")
                return self.note("mismatch", "the query stops", argv)
            for p in self.differences(dialect, options, base, ran, out, compile_argv, tables, schema, cwd):
                check(False, f"SQL shadow [{dialect}]: `{what}`: {p}")
                mismatches.append(f"[{dialect}] {p}")
        if mismatches:
            self.note("mismatch", "; ".join(mismatches)[:300], argv)
        elif ran.returncode == 0:
            self.note("compared", "", argv)
        else:
            self.note("failed alike", f"the query stops too ({'same words' if all(same for same, _ in stopped) else 'other words'})", argv,
                      run_error=first_error(ran.stderr), query_errors=[e for _, e in stopped])

    def differences(self, dialect, options, base, ran, out, compile_argv, tables, schema, cwd):
        """What differs between the run's payouts (and totals, awards, metrics) and the query's."""
        problems = []
        written = options.get("--out", [None])[-1]
        text = (base / written).read_text() if written else ran.stdout
        rows = sql_compare.json_payouts(text) if options.get("--format", ["csv"])[-1] == "json" else sql_compare.csv_rows(text)
        paid_in = sql_compare.pays_in_partner_currency(rows)
        compared = sql_compare.COMPARED + sql_compare.PAID * paid_in
        want, got = sql_compare.rows_by_key(rows, compared=compared), sql_compare.rows_by_key(out, compared=compared)
        keys, detail = sql_compare.differences(want, got)
        if keys:
            problems.append(f"{len(keys)} of {len(want)} payouts differ: {detail}")
        for what, (option, key_columns, columns) in sql_compare.SELECTS.items():
            written = options.get(option, [None])[-1]
            if not written or written == "-":
                continue
            columns = columns + sql_compare.PAID_TOTALS * (paid_in and what == "totals")
            c = subprocess.run([self.rebate, *compile_argv, "--dialect", dialect, "--select", what], cwd=cwd, capture_output=True, text=True, timeout=120)
            code, out, err = self.query(dialect, c.stdout, tables, schema) if c.returncode == 0 else (c.returncode, "", c.stderr)
            if code != 0:
                problems.append(f"the {what} query stops: {err.strip()[:300]}")
                continue
            keys, detail = sql_compare.differences(sql_compare.rows_by_key((base / written).read_text(), key_columns, columns),
                                                   sql_compare.rows_by_key(out, key_columns, columns))
            if keys:
                problems.append(f"{len(keys)} {what} differ: {detail}")
        return problems


_shadow = None


def from_environment(rebate):
    """The process's shadow when REBATE_SQL_SHADOW names its work directory, else None."""
    global _shadow
    work = os.environ.get(ENVIRONMENT)
    if work and _shadow is None:
        _shadow = Shadow(work, str(pathlib.Path(rebate).resolve()))
    return _shadow if work else None
