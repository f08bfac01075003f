// A forecast's projection (docs/forecast.md): the period that holds the as-of date, measured on its
// lines to date, projected to the period's end by run rate or by last year's shape. One step between the
// groups' finish and the evaluation, so that the projected payouts come from the evaluation every run uses.
#pragma once

#include <optional>

#include "core/calendar.h"
#include "core/decimal.h"
#include "engine/engine.h"
#include "engine/periods.h"

namespace rebate::engine {

struct State;

// x * num / den rounded to `places` decimal places by `mode`, exactly (one rounding, of the exact
// quotient); nullopt when it does not fit. `den` > 0.
std::optional<Decimal> scale_exactly(const Decimal& x, int64_t num, int64_t den, int places, RoundingMode mode);
// The same with a factor of decimals (last year's whole period / its part to date): `den` > 0.
std::optional<Decimal> scale_by(const Decimal& x, const Decimal& num, const Decimal& den, int places, RoundingMode mode);

// Days of the period holding `as_of` that have elapsed by it (the as-of day included), and all of its days.
struct ElapsedDays {
  PeriodIndex period = 0;
  int64_t elapsed = 0;
  int64_t total = 0;
};
ElapsedDays elapsed_days(const Periods& periods, DayNumber as_of);

// Last year's shape: the same period last year (the one `last_year(...)` reads: a year of periods back)
// and its corresponding day, as many days from its first day as the as-of date is from the open
// period's, or its last day when it is shorter (2025-02-28 for 2024-02-29 in a monthly program).
struct LastYearDay {
  PeriodIndex period = 0;
  DayNumber day = 0;
};
LastYearDay last_year_day(const Periods& periods, DayNumber as_of);

// With last_year: the aggregates a projection scales reach back to last year's same period, whatever
// the program's look-backs read (inputs.cpp, set_run_periods).
void reach_last_year(State& s);

// The capture run of last year's shape: every partner's sums and counts of last year's same period, as
// this run read them (booked by its as-of date, the corresponding day).
void capture_last_year(const State& s, PeriodAggregates& out);

// In every partner's cell of the open period, the sums and counts (over ledger lines and over groups)
// are projected, each rounded half-even to the places of its value to date:
// - run rate: × total / elapsed days;
// - last year's shape: × last year's same period whole / its part to the corresponding day, for the
//   partner's aggregates whose two values last year are both above zero; run rate for the others, named
//   in a note.
// Averages, minimums, maximums and distinct counts stay as they are (docs/forecast.md says why); so do
// the cells of every other period. Throws vm::EvalError on overflow.
void project_open_period(State& s);

}  // namespace rebate::engine
