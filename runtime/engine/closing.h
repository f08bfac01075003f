// Closed periods and adjustment payouts (docs/language.md §23). `--closed-through 2026-Q2 [--closed-on
// 2026-07-10]` (or the header's `closed_through:` / `closed_on:`) closes every period up to 2026-Q2 on that
// day. A ledger line dated in a closed period and booked after the close is *late*: the run does not pay
// the closed periods again, but the first open period it pays carries, for each partner with late lines
// in a closed period C and each rebate, an adjustment: C's payout recomputed with every line read, less
// what the payments ledger says was paid for C (for a rebate settled against it, the settled payout of C
// re-run is that difference already; for one settled over the year to date, the payout of the current
// year trues up its closed periods itself, and an earlier year's are trued up by the re-run of that
// year's last period).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/calendar.h"
#include "engine/periods.h"

namespace rebate::engine {

struct State;
class TextStore;

struct Closing {
  PeriodIndex through = 0;         // the last closed period
  DayNumber on = 0;                // the day the periods up to it were closed
  uint32_t payments = UINT32_MAX;  // the program's payments input, read for the rebates that do not settle
};

// The run's closing, from --closed-through / --closed-on, else the program's header, into s.closing
// (left unset when nothing is closed, and for a forecast, which projects the open period). False after an
// error: a usage error when the command line's options are at fault.
bool resolve_closing(State& s);

// After the scan, with the late lines known: what adjustments cannot do is refused (a budget), and the
// run's notes say how many lines were late. False after an error.
bool check_adjustments(State& s);

// One adjustment row kind a partner's cell carries: the closed period it corrects and the late lines
// behind it. `year_to_date`: the row of the rebates settled over the year to date (the year's last
// period, re-run over the year); else the row of every other rebate.
struct AdjustmentRow {
  PeriodIndex corrects = 0;
  uint64_t late_lines = 0;
  bool year_to_date = false;
  const std::string* label = nullptr;   // the corrected period's label, kept in the run's texts
  const std::string* reason = nullptr;  // "corrects 2026-Q2: 3 lines booked after its close on 2026-07-10"
};

// Every partner's adjustment rows, worked out once before the cells are evaluated (their texts are kept
// in the run's store then: the cells are evaluated on several threads).
class Adjustments {
 public:
  Adjustments() = default;
  // `carrier`: the run period that carries them (the first open period it pays).
  Adjustments(const State& s, PeriodIndex carrier, TextStore& texts);
  // The partner's rows, by corrected period (the rows of other rebates before the year-to-date one).
  std::pair<const AdjustmentRow*, const AdjustmentRow*> of(uint32_t partner) const {
    auto it = by_partner_.find(partner);
    if (it == by_partner_.end()) return {nullptr, nullptr};
    return {rows_.data() + it->second.first, rows_.data() + it->second.second};
  }
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<AdjustmentRow> rows_;
  std::unordered_map<uint32_t, std::pair<size_t, size_t>> by_partner_;  // partner -> [first, last) of rows_
};

}  // namespace rebate::engine
