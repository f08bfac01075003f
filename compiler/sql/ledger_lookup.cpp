// Lookups across ledgers in SQL (docs/language.md §26, docs/sql.md): a keyed ledger's lines as a table,
// `key_<ledger>`, that other ledgers' lines look up by key, as the engine's ledger index
// (runtime/engine/ledger_index.cpp). Every line of the looked-up ledger is in it, whatever its period:
// a line the run would leave out of its index (a malformed cell, an unknown partner, a key its own
// lookups miss) stops the query anyway, as it stops the run. Each line's partner is kept with it, for a
// ledger whose lines take the partner of the line they name (`as partner`).
#include <fmt/format.h>

#include "sql/generator.h"

namespace rebate::sql {

namespace {

std::string col(uint32_t c) { return quote_name("c" + std::to_string(c)); }

}  // namespace

std::string Generator::lookup_table(uint32_t table) const {
  const plan::Input& t = plan_.inputs[table];
  return quote_name((t.kind == plan::InputKind::LedgerIndex ? "key_" : "in_") + t.name);
}

std::string Generator::check_name(uint32_t input) const {
  const plan::Input& in = plan_.inputs[input];
  return quote_name((in.kind == plan::InputKind::LedgerIndex ? "check_key_" : "check_") + in.name);
}

std::string Generator::lookup_miss(uint32_t input, uint32_t column, uint32_t table) const {
  const plan::Input& in = plan_.inputs[input];
  const plan::Input& t = plan_.inputs[table];
  // (The run's words: engine/scan.cpp, keys_known.)
  return quote_text(fmt::format("{}: column `{}` (\"{}\"): `", in.name, in.spec.columns[column].name, in.spec.columns[column].header)) + " || l." +
         col(column) + " || " + quote_text(fmt::format("` is not a key of {} `{}`", t.kind == plan::InputKind::LedgerIndex ? "ledger" : "table", t.name));
}

std::string Generator::looked_up(uint32_t table, const std::string& column, const std::string& key) const {
  const plan::Input& t = plan_.inputs[table];
  // A key on two lines of a ledger stops the query (check_key_<ledger>); until it does, one of them is
  // read, not PostgreSQL's own error for a subquery of two rows, so that the query stops with the run's
  // words.
  return fmt::format("(SELECT k.{} FROM {} AS k WHERE k.{} = {}{})", column, lookup_table(table), col(t.key_column), key,
                     t.kind == plan::InputKind::LedgerIndex ? " LIMIT 1" : "");
}

std::string Generator::partner_through(uint32_t input, const std::string& line) const {
  const plan::Input& in = plan_.inputs[input];
  for (const auto& [column, table] : in.lookups) {
    if (column == in.partner_column) return looked_up(table, "partner", line + "." + col(column));
  }
  return line + "." + col(in.partner_column);
}

// `key_<ledger>`: the lines of the ledger it indexes, with their partner (through the index it looks up,
// for `as partner` on a lookup: the lowering puts an index after those it reads).
std::string Generator::ledger_index_cte(uint32_t index) {
  const plan::Input& in = plan_.inputs[index];
  return fmt::format("{} AS (\n  -- the lines other ledgers look up by key, each with its partner\n  SELECT l.*, {} AS partner\n  FROM {} AS l)", lookup_table(index), partner_through(index, "l"),
                     quote_name("in_" + plan_.inputs[in.indexes].name));
}

// `check_key_<ledger>`: a key on two lines stops the query, as it stops the run (which names both lines;
// a table has no line numbers, so the query names the key).
std::string Generator::ledger_index_check_cte(uint32_t index) {
  const plan::Input& in = plan_.inputs[index];
  const std::string key = "k." + col(in.key_column);
  const std::string message = quote_text(fmt::format("{}: duplicate key `", in.name)) + " || CAST(" + key + " AS " + d_.text_type + ") || " +
                              quote_text(fmt::format("` in ledger `{}`: each line of a ledger looked up by key has a key of its own", in.name));
  return fmt::format(
      "{} AS (\n  SELECT COUNT(*) AS bad FROM (SELECT {}, COUNT(*) AS n FROM {} AS k GROUP BY {}) AS k WHERE length(CASE WHEN k.n > 1 THEN {} ELSE '' END) < 0)",
      check_name(index), key, lookup_table(index), key, d_.fail(message, d_.text_type));
}

}  // namespace rebate::sql
