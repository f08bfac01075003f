// Partner history (docs/language.md §28): a partner table with `valid_from` (and `valid_to`) columns holds
// one row per partner per stretch of time, and a (partner, period) cell reads the row in force on the
// period's last day, or, when the partner left during the period, the last row in force during it. A
// partner with no row in force during a period is not a partner of that period. Internal to the engine.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/calendar.h"

namespace rebate::engine {

struct State;

// One row's stretch of time, both ends inclusive; an open end is the smallest or largest day.
struct Stretch {
  static constexpr DayNumber kSinceAlways = std::numeric_limits<DayNumber>::min();
  static constexpr DayNumber kStillInForce = std::numeric_limits<DayNumber>::max();
  DayNumber from = kSinceAlways;
  DayNumber to = kStillInForce;
  uint32_t row = UINT32_MAX;  // in the partner table
};

class PartnerHistory {
 public:
  // Whether the partner table has history: without it every cell reads State::partner_row.
  bool on() const { return on_; }
  // The row of `partner` in force during the days [first, last] (a period's) that a cell reads: the one
  // in force on `last`, else the last one in force during the days. None (UINT32_MAX) when no row is in
  // force on any of them, unless `nearest`: then the partner's nearest row in time (a look-back to before
  // the partner joined reads its first row; it has no lines there, so its sums are zero all the same).
  uint32_t row_in(uint32_t partner, DayNumber first, DayNumber last, bool nearest) const {
    const std::vector<Stretch>& stretches = of_partner_[partner];
    // The stretches are sorted and do not overlap: the last one starting by `last` is the one in force
    // then, or, if it ended before, the last one in force during the days.
    for (size_t k = stretches.size(); k-- > 0;) {
      if (stretches[k].from > last) continue;
      return stretches[k].to >= first || nearest ? stretches[k].row : UINT32_MAX;
    }
    return nearest && !stretches.empty() ? stretches.front().row : UINT32_MAX;
  }
  // The stretch of row `row` (for explanations), or null when the row is not in the history.
  const Stretch* stretch_of_row(uint32_t row) const;
  // "2026-01-01 .. 2026-07-31, 2026-08-01 .. still in force": a partner's stretches, for messages.
  std::string stretches_text(uint32_t partner) const;

 private:
  friend bool read_partner_history(State& s);
  bool on_ = false;
  std::vector<std::vector<Stretch>> of_partner_;  // by partner index, sorted by `from`
  std::vector<uint32_t> stretch_index_;           // by table row: its stretch's index in its partner's list (UINT32_MAX: none)
  std::vector<uint32_t> partner_of_row_;          // by table row: its partner (UINT32_MAX: rejected)
};

// "2026-08-01 .. still in force": one stretch, as messages and explanations write it.
std::string stretch_text(const Stretch& s);

// The partners a period pays, by index: every partner, or with a history those with a row in force
// during the period (partner_history.cpp).
std::vector<uint32_t> partners_of_period(const State& s, int64_t period);

// Builds the State's history from the partner table once its partners are numbered (partners_from_table):
// every row checked (a valid_to before its valid_from, two rows of a partner in force on the same day are
// errors naming both rows and the days; with --on-bad-row reject the row is left out, noted and written to
// PATH.<table>.history.csv). False: the run stops on errors (State::result).
bool read_partner_history(State& s);

}  // namespace rebate::engine
