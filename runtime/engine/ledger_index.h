// The indexes of keyed ledgers that other ledgers look up (docs/language.md §26): `subscription:
// activations` in `churns` reads, for each churn line, the activation line with that key.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ledger/ledger.h"
#include "plan/plan.h"

namespace rebate::engine {

struct State;

// The columns an index keeps of its ledger's lines (the others are not parsed): the key, the partner,
// the date (and booking date) that decide whether a line is read, its own lookup columns, and the
// columns other ledgers' formulas read through it. The ledger's own scan parses them too, so that a
// malformed cell is reported once, by the scan, as any malformed cell of the ledger.
ledger::TableSpec ledger_index_spec(const plan::Plan& plan, uint32_t index);

// False when an index cannot be read: its ledger comes from standard input, which cannot be read twice
// (a usage error in s.result).
bool ledger_indexes_rereadable(State& s);

// Reads each index's file (in the plan's order: an index after those it looks up) and keys its visible
// lines: those a run reads (well formed, booked by --as-of, of a known partner, whose own lookups find
// their rows). A key on two visible lines is an error naming both (in s.result.errors).
void read_ledger_indexes(State& s);

// For a ledger whose `as partner` column looks up a keyed ledger: that index's partner keys by row, and
// the rows the scan found for the column's lookup (`lookup_rows`: by lookup, as the scan keeps them);
// otherwise {nullptr, nullptr}.
std::pair<const int64_t*, const uint32_t*> partner_through_lookup(const State& s, const plan::Input& in,
                                                                  const std::vector<std::vector<uint32_t>>& lookup_rows);

// For such a ledger, the partner id (as text) of the line that `key` (a cell of its `as partner` column,
// as the State's pool or an overlay of it holds it) names; empty when it names none.
std::string partner_through_lookup_text(const State& s, const plan::Input& in, int64_t key);

}  // namespace rebate::engine
