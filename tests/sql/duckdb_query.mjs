#!/usr/bin/env node
// Runs SQL scripts with DuckDB (the npm package @duckdb/node-api) and gives the rows of each script's last
// statement as CSV. Used by tests/sql/sql_compare.py (sql_backend.py and the shadow of the run tests).
//
//   node duckdb_query.mjs SCRIPT.sql   the rows on standard output; a statement that fails prints
//                                      DuckDB's message to standard error and exits 1
//   node duckdb_query.mjs --serve      one in-memory database for many scripts: reads a script's path per
//                                      line of standard input and answers one JSON line each,
//                                      {"ok": true, "csv": "..."} or {"ok": false, "error": "..."}. Each
//                                      script runs on a connection of its own (its temporary macros end
//                                      with it); the tables one creates are there for the next.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [script] = process.argv.slice(2);
if (!script) {
  console.error('usage: node duckdb_query.mjs SCRIPT.sql | --serve');
  process.exit(2);
}
const csvCell = (v) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
const instance = await DuckDBInstance.create(':memory:');

async function rowsOf(path) {
  const con = await instance.connect();
  try {
    await con.run('SET threads = 1');
    const reader = await con.runAndReadAll(readFileSync(path, 'utf8'));
    const out = [reader.columnNames().join(',')];
    for (const row of reader.getRows()) out.push(row.map(csvCell).join(','));
    return out.join('\n') + '\n';
  } finally {
    con.closeSync();
  }
}

if (script === '--serve') {
  for await (const path of createInterface({ input: process.stdin })) {
    let answer;
    try {
      answer = { ok: true, csv: await rowsOf(path) };
    } catch (e) {
      answer = { ok: false, error: e.message };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
} else {
  try {
    process.stdout.write(await rowsOf(script));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
