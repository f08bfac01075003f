#!/usr/bin/env node
// Runs bench/run/reference.sql with DuckDB (the npm package @duckdb/node-api) and writes the payouts as CSV
// (partner,period,rebate,amount), the same computation as `rebate run bench/run/reference.rebate`.
//
//   node bench/run/duckdb_run.mjs --partners P.csv --sales S.csv --out payouts.csv [--threads N]
//                                 [--sql bench/run/reference.sql] [--memory-limit 8GB]
//
// Install once: (cd bench/run && npm install). DuckDB runs in memory (no database file); the thread
// count is set explicitly (default 1). Prints the DuckDB version, the settings and the query time to
// standard error.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function usage(msg) {
  if (msg) console.error(`duckdb_run.mjs: ${msg}`);
  console.error('usage: node duckdb_run.mjs --partners P.csv --sales S.csv --out OUT.csv [--threads N] ' +
                '[--sql FILE] [--memory-limit SIZE]');
  process.exit(2);
}

const opts = { threads: '1', sql: join(dirname(fileURLToPath(import.meta.url)), 'reference.sql') };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i];
  const val = argv[i + 1];
  if (!key.startsWith('--') || val === undefined) usage(`bad argument ${key}`);
  opts[key.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = val;
  i++;
}
for (const k of ['partners', 'sales', 'out']) if (!opts[k]) usage(`--${k} is required`);
if (!/^[1-9][0-9]*$/.test(opts.threads)) usage('--threads must be a positive integer');

const quote = (p) => resolve(p).replaceAll("'", "''");
const sql = readFileSync(opts.sql, 'utf8')
  .replaceAll('{{partners}}', quote(opts.partners))
  .replaceAll('{{sales}}', quote(opts.sales))
  .replaceAll('{{out}}', quote(opts.out));

const t0 = process.hrtime.bigint();
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
await con.run(`SET threads = ${opts.threads}`);
if (opts.memoryLimit) await con.run(`SET memory_limit = '${opts.memoryLimit.replaceAll("'", "")}'`);
const info = await con.runAndReadAll(
  "SELECT version(), current_setting('threads'), current_setting('memory_limit')");
const [version, threads, memoryLimit] = info.getRows()[0];
const t1 = process.hrtime.bigint();
await con.run(sql);
const t2 = process.hrtime.bigint();
console.error(`duckdb ${version}: threads=${threads} memory_limit=${memoryLimit}; ` +
              `query ${(Number(t2 - t1) / 1e9).toFixed(3)} s (setup ${(Number(t1 - t0) / 1e9).toFixed(3)} s)`);
