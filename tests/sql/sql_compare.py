"""What the tests of `rebate compile --target sql` share (tests/sql/sql_backend.py, and the shadow of the run
tests, tests/sql/shadow.py): the two databases, each running a script on CSV files loaded as tables of text
columns, and the comparison of the rows a script selects with what `rebate run` writes, as exact decimals.

  * `Postgres`: a throwaway server (tests/pg_cluster.py); a CSV file loaded with `COPY`, a script run by psql.
  * `DuckDB`: the npm package @duckdb/node-api (`npm ci` from tests/sql/package-lock.json into the work
    directory), one node process serving every script of the test (tests/sql/duckdb_query.mjs --serve): a
    CSV file read with `read_csv(..., all_varchar = true)` once, each script on a connection of its own.
  * `rows_by_key`: the rows of a payouts, totals, awards or metrics CSV (or of `rebate run --format json`'s
    payouts) by their key, the compared columns as exact decimals (`1949.50` equals `1949.5`).
"""
import argparse
import csv
import io
import json
import os
import pathlib
import re
import select
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import pg_cluster  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
DIALECTS = ["postgres", "duckdb"]
COMPARED = ["amount", "status", "basis", "band", "rate"]
# The columns a program paying in the partner's currency adds (docs/language.md §24), compared when `rebate
# run` writes them: to the payouts, and to the totals.
PAID = ["payout_amount", "payout_currency", "fx_rate", "fx_rate_of"]
PAID_TOTALS = ["payout_amount", "payout_currency"]
NUMBERS = ("amount", "basis", "rate", "payout_amount", "fx_rate")
PAYOUT_KEY = ("partner", "period", "rebate")

# What else a script can select (`--select`), compared with what `rebate run` writes with the option beside
# it: the option, the key of a row, the compared columns.
SELECTS = {
    "totals": ("--totals", ("partner", "period"), ["amount", "currency"]),
    "awards": ("--awards", ("partner", "period", "award"), ["measured", "value", "currency"]),
    "metrics": ("--metrics", ("partner", "period", "metric"), ["value", "currency"]),
}


def command_line():
    """`--rebate PATH --root DIR --work DIR`, the paths resolved: the CLI, the source tree, the work directory."""
    ap = argparse.ArgumentParser()
    for option in ("--rebate", "--root", "--work"):
        ap.add_argument(option, required=True)
    args = ap.parse_args()
    return str(pathlib.Path(args.rebate).resolve()), pathlib.Path(args.root).resolve(), pathlib.Path(args.work).resolve()


def number(text):
    """A cell as an exact decimal (`5%` as 5), or the text itself when it is none."""
    text = (text or "").strip()
    if text == "":
        return None
    try:
        return Decimal(text.rstrip("%"))
    except Exception:
        return text


def corrects(row):
    """The period an adjustment corrects: the script's `corrects` column, or in `rebate run`'s CSV the
    start of its reason (`corrects 2026-Q1: 1 line booked ...`, `corrects 2025-Q4 (the year to date): ...`)."""
    if row.get("corrects"):
        return row["corrects"]
    m = re.match(r"corrects (\S+?)(?: \(the year to date\))?:", row.get("reason") or "")
    return m.group(1) if m else ""


def json_payouts(text):
    """The payouts of `rebate run --format json` as the rows of its CSV form (the paid columns flattened)."""
    rows = []
    for p in json.loads(text)["payouts"]:
        row = {k: v for k, v in p.items() if isinstance(v, str) or v is None}
        paid = p.get("paid")
        if paid:
            row.update(zip(PAID, (paid.get("amount"), paid.get("currency"), paid.get("rate"), paid.get("rate_of"))))
        rows.append(row)
    return rows


def pays_in_partner_currency(rows):
    """Whether payout rows carry the paid columns (a program paying in the partner's currency)."""
    return any(PAID[0] in r for r in rows)


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def rows_by_key(rows, key_columns=PAYOUT_KEY, compared=COMPARED):
    """The rows (CSV text, or rows already read) by key; a key on two rows is kept under a second key, so
    that a repeated row differs."""
    if isinstance(rows, str):
        rows = csv_rows(rows)
    out = {}
    for r in rows:
        # (A payout and the adjustments of a rebate in one period differ by the period they correct.)
        key = tuple(r[k] for k in key_columns) + ((corrects(r),) if key_columns == PAYOUT_KEY else ())
        while key in out:
            key = key + ("repeated",)
        out[key] = {c: (number(r.get(c)) if c in NUMBERS else (r.get(c) or None)) for c in compared}
    return out


def differences(want, got, shown=4):
    """The keys whose rows differ, and a few of them written out (`vm ... sql ...`)."""
    keys = [k for k in sorted(set(want) | set(got)) if want.get(k) != got.get(k)]
    return keys, "; ".join(f"{k}: vm {want.get(k)} sql {got.get(k)}" for k in keys[:shown])


class DuckDB:
    """DuckDB in one node process; tables loaded once per (schema, name), each script on its own connection."""

    def __init__(self, work, here=HERE):
        self.dir = pathlib.Path(work) / "duckdb"
        install(self.dir, here)
        self.server = None
        self.loaded = set()

    def _ask(self, sql):
        """(exit code, CSV rows, error) of one script."""
        if self.server is None or self.server.poll() is not None:
            self.server = subprocess.Popen(["node", str(self.dir / "duckdb_query.mjs"), "--serve"], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write(sql)
        try:
            self.server.stdin.write(f.name + "\n")
            self.server.stdin.flush()
            if not select.select([self.server.stdout], [], [], 600)[0]:
                self.stop()
                return 1, "", "DuckDB: no answer in 600 s"
            line = self.server.stdout.readline()
        finally:
            os.unlink(f.name)
        if not line:
            self.stop()
            return 1, "", "DuckDB: the node process ended"
        answer = json.loads(line)
        return (0, answer["csv"], "") if answer["ok"] else (1, "", answer["error"])

    def run(self, script_text, tables, schema):
        """The script's rows as CSV text, after loading each (name, csv path) as SCHEMA.NAME of text columns."""
        new = [(name, path) for name, path in tables if (schema, name) not in self.loaded]
        setup = f"CREATE SCHEMA IF NOT EXISTS {schema};\n" if new else ""
        for name, path in new:
            p = str(path).replace("'", "''")
            setup += f"CREATE OR REPLACE TABLE {schema}.{name} AS SELECT * FROM read_csv('{p}', header = true, all_varchar = true);\n"
        code, out, err = self._ask(setup + script_text)
        if code == 0:
            self.loaded.update((schema, name) for name, _ in new)
        return code, out, err

    def stop(self):
        if self.server is not None:
            self.server.stdin.close()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
            self.server = None


def install(directory, here=HERE):
    """@duckdb/node-api installed with `npm ci` into DIRECTORY (again only when the lock file changed)."""
    directory.mkdir(parents=True, exist_ok=True)
    for f in ["package.json", "package-lock.json", "duckdb_query.mjs"]:
        shutil.copyfile(here / f, directory / f)
    stamp = directory / "node_modules" / ".lock-copy"
    lock = (here / "package-lock.json").read_text()
    if not stamp.exists() or stamp.read_text() != lock:
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=directory, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"`npm ci` for @duckdb/node-api failed:\n{r.stderr}")
        stamp.write_text(lock)


class Postgres:
    """A throwaway PostgreSQL server; tables loaded once per (schema, name), each script run by psql."""

    def __init__(self):
        self.cluster = pg_cluster.Cluster()
        self.cluster.start()
        self.loaded = set()

    def stop(self):
        self.cluster.stop()

    def run(self, script_text, tables, schema):
        """The script's rows as CSV text, after loading each (name, csv path) not loaded yet as SCHEMA.NAME of text
        columns, in the same psql session."""
        new = [(name, path) for name, path in tables if (schema, name) not in self.loaded]
        setup = "".join(pg_cluster.copy_script(f"{schema}.{name}", path) for name, path in new)
        r = subprocess.run(self.cluster.psql_command() + ["--csv"], input=setup + script_text, capture_output=True, text=True, timeout=600)
        if r.returncode == 0:
            self.loaded.update((schema, name) for name, _ in new)
        return r.returncode, r.stdout, r.stderr
