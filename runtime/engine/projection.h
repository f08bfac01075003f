// A forecast's projection (docs/forecast.md): the period that holds the as-of date, measured on its
// lines to date, projected to the period's end by run rate. One step between the groups' finish and the
// evaluation, so that the projected payouts come from the evaluation every run uses.
#pragma once

#include <optional>

#include "core/calendar.h"
#include "core/decimal.h"
#include "engine/periods.h"

namespace rebate::engine {

struct State;

// x * num / den rounded to `places` decimal places by `mode`, exactly (one rounding, of the exact
// quotient); nullopt when it does not fit. `den` > 0.
std::optional<Decimal> scale_exactly(const Decimal& x, int64_t num, int64_t den, int places, RoundingMode mode);

// Days of the period holding `as_of` that have elapsed by it (the as-of day included), and all of its days.
struct ElapsedDays {
  PeriodIndex period = 0;
  int64_t elapsed = 0;
  int64_t total = 0;
};
ElapsedDays elapsed_days(const Periods& periods, DayNumber as_of);

// Run rate by days elapsed: in every partner's cell of the period holding the forecast's as-of date, the
// sums and counts (over ledger lines and over groups) are scaled by total / elapsed days, each rounded
// half-even to the places of its value to date. Averages, minimums, maximums and distinct counts stay as
// they are (docs/forecast.md says why); so do the cells of every other period. Throws vm::EvalError on
// overflow.
void project_run_rate(State& s);

}  // namespace rebate::engine
