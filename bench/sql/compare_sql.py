#!/usr/bin/env python3
"""The SQL target on the benchmark ledger: `rebate compile --target sql` for PostgreSQL and DuckDB run
on bench/out/run_N (bench/run/gen_ledger.py), every payout compared with `rebate run`'s (amount, status,
basis, band and rate as exact decimals), and the wall times printed side by side.

    python3 bench/sql/compare_sql.py --rebate build/bin/rebate --data bench/out/run_1000000 \
        --work build/sql-tests

One thread everywhere (`rebate run --threads 1`, DuckDB `SET threads = 1`, PostgreSQL's parallel workers
off), so that the times are comparable on a shared machine. PostgreSQL is a throwaway server
(tests/pg_cluster.py, with `jit = off`); DuckDB the npm package installed by tests/sql/sql_compare.py into
--work, one node process for both of its runs (tests/sql/duckdb_query.mjs --serve).
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "sql"))
import pg_cluster  # noqa: E402
from sql_compare import DuckDB, rows_by_key  # noqa: E402


def timed(argv, **kw):
    t = time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    return r, time.monotonic() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebate", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    rebate = str(pathlib.Path(args.rebate).resolve())
    data = pathlib.Path(args.data).resolve()
    program = ROOT / "bench" / "run" / "reference.rebate"
    tables = [("partners", data / "partners.csv"), ("sales", data / "sales.csv")]
    mapping = [a for n, _ in tables for a in ("--table", f"{n}=bench.{n}")]

    vm, t_vm = timed([rebate, "run", str(program), "--input", f"partners={tables[0][1]}", "--input", f"sales={tables[1][1]}",
                      "--threads", "1", "--format", "csv"])
    if vm.returncode != 0:
        sys.exit(f"rebate run failed: {vm.stderr[:500]}")
    want = rows_by_key(vm.stdout)
    print(f"rebate run (1 thread): {t_vm:.2f} s, {len(want)} payouts")
    ok = True

    duck = DuckDB(pathlib.Path(args.work).resolve(), ROOT / "tests" / "sql")
    c = subprocess.run([rebate, "compile", str(program), "--target", "sql", "--dialect", "duckdb", *mapping], capture_output=True, text=True)
    if c.returncode != 0:
        sys.exit(c.stderr)
    # The CSV files loaded into tables (with a query of their own), then the script run on them.
    t = time.monotonic()
    duck.run("SELECT count(*) AS n FROM bench.sales;", tables, "bench")
    t_duck_load = time.monotonic() - t
    t = time.monotonic()
    code, out, err = duck.run(c.stdout, tables, "bench")
    t_duck = time.monotonic() - t
    duck.stop()
    got = rows_by_key(out) if code == 0 else {}
    diffs = [k for k in set(want) | set(got) if want.get(k) != got.get(k)]
    ok = ok and code == 0 and not diffs
    print(f"duckdb: query {t_duck:.2f} s (before it, loading the CSV files into tables {t_duck_load:.2f} s, node's start included); "
          f"{'every payout equal' if code == 0 and not diffs else f'{len(diffs)} differ, exit {code} {err[:300]}'}")

    cluster = pg_cluster.Cluster()
    try:
        cluster.start()
        t = time.monotonic()
        for n, p in tables:
            pg_cluster.load_csv(cluster, f"bench.{n}", p)
        t_pg_load = time.monotonic() - t
        c = subprocess.run([rebate, "compile", str(program), "--target", "sql", "--dialect", "postgres", *mapping], capture_output=True, text=True)
        script = "SET max_parallel_workers_per_gather = 0;\n" + c.stdout
        r, t_pg = timed(cluster.psql_command() + ["--csv"], input=script)
        got = rows_by_key(r.stdout) if r.returncode == 0 else {}
        diffs = [k for k in set(want) | set(got) if want.get(k) != got.get(k)]
        ok = ok and r.returncode == 0 and not diffs
        print(f"postgres: COPY {t_pg_load:.2f} s, query {t_pg:.2f} s; "
              f"{'every payout equal' if r.returncode == 0 and not diffs else f'{len(diffs)} differ, exit {r.returncode} {r.stderr[:300]}'}")
    finally:
        cluster.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
