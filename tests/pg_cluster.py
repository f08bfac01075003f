"""A throwaway PostgreSQL server for the tests that need a real one (tests/run/postgres_cli.py,
tests/sql/sql_backend.py): `initdb` into a temporary directory, a Unix socket there and no TCP port,
`pg_ctl start`; `stop()` stops it and removes the directory (call it in a `finally`). As root the server
runs as the `postgres` user (`runuser`), which PostgreSQL requires. Debian's `postgresql` package
(scripts/install-deps.sh) provides the server.
"""
import csv
import glob
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile


def pg_bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not dirs:
        sys.exit("no PostgreSQL server found (Debian's `postgresql`; scripts/install-deps.sh installs it)")
    return pathlib.Path(dirs[-1]).parent


class Cluster:
    """A throwaway PostgreSQL server on a Unix socket in a temporary directory."""

    def __init__(self, default_db="postgres"):
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="rebate-pg-"))
        self.data = self.root / "data"
        self.bin = pg_bindir()
        self.default_db = default_db
        self.as_user = []
        if os.geteuid() == 0:  # the server refuses to run as root
            shutil.chown(self.root, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.started = False

    def run(self, *argv, **kw):
        return subprocess.run(self.as_user + [str(self.bin / argv[0]), *argv[1:]], check=True, capture_output=True, text=True, **kw)

    def start(self):
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C")
        # The superuser over the socket without a password; every other role with one.
        hba = "local all postgres trust\nlocal all all scram-sha-256\n"
        subprocess.run(self.as_user + ["sh", "-c", f"cat > {self.data}/pg_hba.conf"], input=hba, text=True, check=True)
        # (jit off: on tables without statistics, the planner's estimate of the SQL target's correlated
        # subqueries is huge, and compiling a small query with LLVM took 12 s of its 13.)
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o",
                 f"-k {self.root} -c listen_addresses='' -c fsync=off -c jit=off", "start")
        self.started = True

    def stop(self):
        if self.started:
            subprocess.run(self.as_user + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                           capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def psql_command(self, db=None):
        """psql as the superuser over the socket, stopping at the first error."""
        psql = str(self.bin / "psql") if (self.bin / "psql").exists() else "psql"
        return self.as_user + [psql, "-h", str(self.root), "-U", "postgres", "-d", db or self.default_db, "-v", "ON_ERROR_STOP=1", "-q"]

    def psql(self, sql, db=None):
        r = subprocess.run(self.psql_command(db), input=sql, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr}\n{sql[:500]}")
        return r.stdout


def load_csv(cluster, table, path, db=None):
    """The CSV file as a table of text columns, loaded with COPY (the server reads it from standard input)."""
    cluster.psql(copy_script(table, path), db=db)


def copy_script(table, path):
    """The psql script that (re)creates TABLE of text columns named like the CSV file's header and copies
    the file into it, its rows inline."""
    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    cols = ", ".join('"' + h.replace('"', '""') + '" text' for h in header)
    data = pathlib.Path(path).read_text(encoding="utf-8")
    schema = table.split(".")[0]
    # (Dropped first, quietly: a script that loads tables and then fails has loaded them.)
    sql = f"SET client_min_messages = warning;\nCREATE SCHEMA IF NOT EXISTS {schema};\nDROP TABLE IF EXISTS {table};\nRESET client_min_messages;\n"
    sql += f"CREATE TABLE {table} ({cols});\n"
    sql += f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true);\n"
    return sql + data + ("" if data.endswith("\n") else "\n") + "\\.\n"
