#!/usr/bin/env node
// Runs a SQL script with DuckDB (the npm package @duckdb/node-api) and writes the rows of its last
// statement as CSV to standard output. Used by tests/sql/sql_backend.py.
//
//   node duckdb_query.mjs SCRIPT.sql
//
// A statement that fails prints DuckDB's message to standard error and exits 1.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const [script] = process.argv.slice(2);
if (!script) {
  console.error('usage: node duckdb_query.mjs SCRIPT.sql');
  process.exit(2);
}
const csvCell = (v) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
try {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await con.run('SET threads = 1');
  const reader = await con.runAndReadAll(readFileSync(script, 'utf8'));
  const out = [reader.columnNames().join(',')];
  for (const row of reader.getRowsJS ? reader.getRows() : reader.getRows()) out.push(row.map(csvCell).join(','));
  process.stdout.write(out.join('\n') + '\n');
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
