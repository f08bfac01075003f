// `rebate explain --detail`: the ledger lines behind one partner's payouts, each with its file, line and
// the cells the program reads of it. The ledgers are read a second time, for that partner only, once the
// scan is done and before the payouts are evaluated: a list of lines is of use for one partner, and
// keeping every line's place through the scan would cost every run memory per line. Which lines a
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
  uint32_t partner = UINT32_MAX;  // the partner's index (UINT32_MAX: the run has no such partner)
  std::vector<DetailLine> lines;  // ledger by ledger, in the order read
  ledger::StringPool pool;        // the lines' texts (an overlay on the State's pool)
};

// False, with a usage error in the result, when a ledger comes from standard input (checked before any is read).
bool detail_inputs_rereadable(State& s);

// Reads the ledgers again for the partner RunOptions::detail_partner names, into s.detail. False, with
// the result's errors, when a ledger fails this time.
bool read_detail_lines(State& s);

// The lines payout `pr` of the detail partner in period c took, one text each:
// "sales.csv:3 (2026-Q1): date 2026-02-10, family services, amount 500.00".
std::vector<std::string> detail_of(const State& s, vm::Executor& machine, const plan::Rebate& pr, PeriodIndex c);

}  // namespace rebate::engine
