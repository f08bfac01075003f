// `--detail`: the ledger lines behind a partner's payouts (`rebate explain`), or every partner's
// (`rebate run --explain` or `--statements`), each with its file, line and the cells the program reads of
// it. The ledgers are read a second time, keeping those partners' lines, once the scan is done and before
// the payouts are evaluated: keeping every line's place through the scan would cost every run memory per
// line, where only these runs need it. Which lines a
// payout took is the question its `lines` answers by counting (plan::LineCount): here each term's
// aggregate is asked of each of the partner's lines (a group's rows formed again from them).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/cell_frame.h"

namespace rebate::engine {

// One ledger line of the partner.
struct DetailLine {
  uint32_t input = 0;  // the ledger
  PeriodIndex period = 0;
  std::string where;                // "sales.csv:12"
  std::vector<Value> cells;         // by column, as the VM reads them
  std::vector<std::string> texts;   // by column, as written
};

struct DetailLines {
  explicit DetailLines(const ledger::StringPool& base) : pool(&base) {}
  // By partner index: its lines, ledger by ledger, in the order read (for one partner, or for all).
  std::vector<std::vector<DetailLine>> of_partner;
  ledger::StringPool pool;  // the lines' texts (an overlay on the State's pool)
  bool has(uint32_t partner) const { return partner < of_partner.size() && !of_partner[partner].empty(); }
};

// False, with a usage error in the result, when a ledger comes from standard input (checked before any is read).
bool detail_inputs_rereadable(State& s);

// Reads the ledgers again for the partner RunOptions::detail_partner names (every partner when it is
// empty), into s.detail. False, with
// the result's errors, when a ledger fails this time.
bool read_detail_lines(State& s);

// The lines payout `pr` of `partner` in period c took, one text each (none when its lines were not kept):
// "sales.csv:3 (2026-Q1): date 2026-02-10, family services, amount 500.00".
std::vector<std::string> detail_of(const State& s, vm::Executor& machine, uint32_t partner, const plan::Rebate& pr, PeriodIndex c);

}  // namespace rebate::engine
