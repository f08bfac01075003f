#!/usr/bin/env python3
"""Ledgers and tables read from PostgreSQL (`--input sales=postgresql://...?table=...`), against a throwaway
server this script starts itself: `initdb` into a temporary directory, a Unix socket in it (no TCP port),
`pg_ctl start`; stopped and removed at the end, also when a check fails or the script is interrupted. As
root the server runs as the `postgres` user (`runuser`), which PostgreSQL requires.

Checked:
  * every example whose run.args binds inputs, read from the database (each CSV loaded with COPY into a
    table of text columns), pays exactly what expected.csv says (hand-computed) and writes the same JSON,
    byte for byte, as the run on the CSV files;
  * typed columns (date, numeric, integer, boolean) are read as CSV cells are, `?query=` as well as
    `?table=`; a bad value names the table, the row, its primary key and the column;
  * a wrong password, an unknown database, a missing table, a missing column, a query that fails midway:
    clear errors, exit 2 (1 for a missing column, as for a CSV file), nothing written, and the password in
    no message; PGPASSFILE is honoured.

Usage: postgres_cli.py --rebate build/bin/rebate --root .
"""
import argparse
import csv
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
import pg_cluster  # noqa: E402  (tests/pg_cluster.py: the throwaway server)

PASSWORD = "s3cret:p@ss"  # a colon and an at sign: percent-encoded in a URI


class InputCluster(pg_cluster.Cluster):
    """The shared throwaway server (tests/pg_cluster.py), its `shop` database, and URIs for alice."""

    def __init__(self):
        super().__init__(default_db="shop")

    def uri(self, what, user="alice", password=PASSWORD, db="shop"):
        auth = user if password is None else f"{user}:{urllib.parse.quote(password, safe='')}"
        return f"postgresql://{auth}@/{db}?host={urllib.parse.quote(str(self.root), safe='')}&{what}"


load_csv = pg_cluster.load_csv


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--root", required=True)
    args = ap.parse_args()
    rebate = str(pathlib.Path(args.rebate).resolve())
    root = pathlib.Path(args.root).resolve()
    failures, passed = [], 0
    cluster = InputCluster()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}  # nothing of the caller's
    try:
        cluster.start()
        cluster.psql("CREATE DATABASE shop;", db="postgres")
        cluster.psql(f"CREATE ROLE alice LOGIN PASSWORD '{PASSWORD}'; GRANT ALL ON DATABASE shop TO alice;"
                     "ALTER DATABASE shop OWNER TO alice;", db="postgres")

        def check(name, ok, detail=""):
            nonlocal passed
            if ok:
                passed += 1
            else:
                failures.append(f"{name}: {detail}")

        def run(argv, cwd=None, extra_env=None):
            e = dict(env, **(extra_env or {}))
            return subprocess.run([rebate, *argv], cwd=cwd, capture_output=True, text=True, timeout=120, env=e)

        # ---- every example, from the database --------------------------------------------------------
        examples = sorted(p for p in (root / "examples").iterdir() if (p / "run.args").exists())
        for ex in examples:
            argv = [a for a in (ex / "run.args").read_text().splitlines() if a.strip()]
            schema = "ex" + ex.name.split("-")[0]
            db_argv = list(argv)
            for i, a in enumerate(argv):
                if i > 0 and argv[i - 1] == "--input":
                    name, _, rel = a.partition("=")
                    table = f"{schema}.{name}"
                    load_csv(cluster, table, ex / rel)
                    db_argv[i] = f"{name}={cluster.uri('table=' + table)}"
            cluster.psql(f"ALTER SCHEMA {schema} OWNER TO alice; GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO alice;")
            from_csv = run(["run", "program.rebate", *argv, "--format", "json"], cwd=ex)
            from_db = run(["run", "program.rebate", *db_argv, "--format", "json"], cwd=ex)
            check(f"{ex.name} from PostgreSQL exits 0", from_db.returncode == 0, from_db.stderr[:600])
            check(f"{ex.name}: the same JSON as from CSV", from_db.stdout == from_csv.stdout and from_csv.returncode == 0,
                  f"csv exit {from_csv.returncode}, db exit {from_db.returncode}")
            # The hand-computed amounts of expected.csv.
            if from_db.returncode == 0:
                with open(ex / "expected.csv", newline="") as f:
                    expected = {(r["partner"], r["period"], r["rebate"]): r["amount"] for r in csv.DictReader(f)}
                got = {(p["partner"], p["period"], p["rebate"]): p["amount"] for p in json.loads(from_db.stdout)["payouts"]}
                check(f"{ex.name}: payouts from PostgreSQL equal expected.csv", got == expected,
                      f"{len(set(got.items()) ^ set(expected.items()))} differences")

        # ---- typed columns, queries, keys ---------------------------------------------------------------
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="rebate-pg-cli-"))
        try:
            program = tmp / "p.rebate"
            program.write_text("""
program "PG test" { currency: USD  period: quarter }
ledger sales { date: Date as date  partner: Text as partner  amount: Money  units: Int  promo: Bool }
measure revenue = sales.sum(amount where promo)
measure units = sales.sum(units)
rebate r "Promo rebate" { pay 10% of revenue }
rebate u "Per unit" { pay 2 USD * units }
""")
            cluster.psql("""
CREATE SCHEMA erp AUTHORIZATION alice;
CREATE TABLE erp.invoice_lines (id bigint PRIMARY KEY, date date, partner text, amount numeric(12,2), units integer, promo boolean, note text);
INSERT INTO erp.invoice_lines VALUES
  (1, '2026-07-01', 'P1', 1000.00, 3, true, 'a, "quoted" note'),
  (2, '2026-07-15', 'P1', 250.50, 1, false, E'two\\nlines'),
  (3, '2026-08-01', 'P2', 99.99, 2, true, NULL);
CREATE TABLE erp.bad_lines (id bigint PRIMARY KEY, date date, partner text, amount text, units integer, promo boolean);
INSERT INTO erp.bad_lines VALUES (7, '2026-07-01', 'P1', '10.00', 1, true), (4711, '2026-07-02', 'P1', '12.3.4', 1, true);
CREATE TABLE erp.no_units (id bigint, date date, partner text, amount numeric, promo boolean);
GRANT SELECT ON ALL TABLES IN SCHEMA erp TO alice;
""")
            # P1: promo revenue 1000.00 -> 10% = 100.00; units 3 + 1 = 4 -> 8.00. P2: 99.99 -> 10.00 (9.999
            # rounded half-even to cents); units 2 -> 4.00.
            want = {("P1", "r"): "100.00", ("P1", "u"): "8.00", ("P2", "r"): "10.00", ("P2", "u"): "4.00"}
            # `query=` takes the rest of the URI: its `&` is the query's (the note is not that text).
            for what in ["table=erp.invoice_lines",
                         "query=" + urllib.parse.quote("SELECT * FROM erp.invoice_lines WHERE id < 100", safe="=*"),
                         "query=SELECT * FROM erp.invoice_lines WHERE coalesce(note, '') <> 'x&y' AND id < 100"]:
                r = run(["run", str(program), "--input", "sales=" + cluster.uri(what), "--format", "json"])
                ok = r.returncode == 0
                got = {(p["partner"], p["rebate"]): p["amount"] for p in json.loads(r.stdout)["payouts"]} if ok else {}
                check(f"typed columns through `{what[:5]}`", ok and got == want, f"exit {r.returncode} {r.stderr[:400]} {got}")

            def fails(name, what, code, has, extra_env=None, uri=None):
                out = tmp / "out.csv"
                if out.exists():
                    out.unlink()
                r = run(["run", str(program), "--input", "sales=" + (uri or cluster.uri(what)), "--out", str(out)], extra_env=extra_env)
                problems = []
                if r.returncode != code:
                    problems.append(f"exit {r.returncode}, expected {code}")
                problems += [f"stderr lacks {h!r}" for h in has if h not in r.stderr]
                if PASSWORD in r.stderr or urllib.parse.quote(PASSWORD, safe="") in r.stderr:
                    problems.append("the password is in the message")
                if out.exists():
                    problems.append("--out was written")
                check(name, not problems, "; ".join(problems) + f"\n  stderr: {r.stderr[:500]}")

            fails("a bad value names the table, row, key and column", "table=erp.bad_lines", 1,
                  ["erp.bad_lines: row 2 (`id` `4711`): column `amount`:", "`12.3.4`"])
            fails("a missing column", "table=erp.no_units", 1, ["erp.no_units", "missing column `units`"])
            fails("a missing table", "table=erp.nope", 2, ["erp.nope", "does not exist"])
            fails("a wrong password", "table=erp.invoice_lines", 2, ["cannot connect", "password authentication failed", ":***@"],
                  uri=cluster.uri("table=erp.invoice_lines", password="wrong-" + PASSWORD))
            fails("an unknown database", "table=erp.invoice_lines", 2, ["cannot connect", "nodb"],
                  uri=cluster.uri("table=erp.invoice_lines", db="nodb"))
            fails("neither table nor query", "sslmode=disable", 2, ["`?table=SCHEMA.TABLE` or `?query=SELECT ...`"])
            # A query that fails after rows have been sent: 1/0 on the last of 200,000 rows.
            fails("a query failing midway", "query=" + urllib.parse.quote(
                "SELECT DATE '2026-07-01' AS date, 'P1' AS partner, 1.00 AS amount, 1 AS units, true AS promo, "
                "1 / (200000 - g) AS boom FROM generate_series(1, 200000) AS g", safe="=*"), 2,
                ["the query failed while its rows were read", "division by zero"])
            # The password from PGPASSFILE (libpq's own lookup): no password in the URI.
            passfile = tmp / "pgpass"
            passfile.write_text(f"*:*:shop:alice:{PASSWORD.replace(':', chr(92) + ':')}\n")
            passfile.chmod(0o600)
            r = run(["run", str(program), "--input", "sales=" + cluster.uri("table=erp.invoice_lines", password=None)],
                    extra_env={"PGPASSFILE": str(passfile)})
            check("PGPASSFILE is honoured", r.returncode == 0 and "P1,2026-Q3,r,100.00" in r.stdout, r.stderr[:400])
            fails("PGPASSWORD is masked too", "table=erp.nope", 2, ["does not exist"], extra_env={"PGPASSWORD": PASSWORD},
                  uri=cluster.uri("table=erp.nope", password=None))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        cluster.stop()
    for f in failures:
        print("FAIL", f)
    print(f"postgres inputs: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
