// Run rate by days elapsed (projection.h; docs/forecast.md, "Run rate").
#include "engine/projection.h"

#include <fmt/format.h>

#include "engine/state.h"

namespace rebate::engine {

namespace {

// 10^n as a 128-bit integer (n <= 36).
Int128 power_of_ten(int n) {
  Int128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

// n / d rounded to an integer by `mode` (d > 0): the quotient truncated, moved one away from zero when
// the remainder says so.
Int128 divide_rounded(Int128 n, Int128 d, RoundingMode mode) {
  const Int128 q = n / d, r = n % d;  // truncated toward zero; r has n's sign
  if (r == 0) return q;
  const Int128 away = n < 0 ? q - 1 : q + 1;
  const Int128 twice = (r < 0 ? -r : r) * 2;
  switch (mode) {
    case RoundingMode::Down: return q;
    case RoundingMode::Up: return away;
    case RoundingMode::HalfUp: return twice >= d ? away : q;
    case RoundingMode::HalfEven: return twice > d || (twice == d && q % 2 != 0) ? away : q;
  }
  return q;
}

}  // namespace

std::optional<Decimal> scale_exactly(const Decimal& x, int64_t num, int64_t den, int places, RoundingMode mode) {
  // x = c / 10^s, so x * num / den at `places` places is c * num * 10^places / (den * 10^s), rounded once.
  Int128 n = 0;
  if (__builtin_mul_overflow(x.coefficient(), static_cast<Int128>(num), &n)) return std::nullopt;
  Int128 d = den;
  if (places >= x.scale()) {
    if (__builtin_mul_overflow(n, power_of_ten(places - x.scale()), &n)) return std::nullopt;
  } else {
    d *= power_of_ten(x.scale() - places);  // den is a few hundred days at most: no overflow below 10^18
  }
  const Int128 q = divide_rounded(n, d, mode);
  const Int128 limit = power_of_ten(38) - 1;  // the 38 digits a Decimal holds
  if (q > limit || q < -limit) return std::nullopt;
  return Decimal::from_scaled(q, places);
}

ElapsedDays elapsed_days(const Periods& periods, DayNumber as_of) {
  ElapsedDays d;
  d.period = periods.of_day(as_of);
  d.elapsed = static_cast<int64_t>(as_of) - periods.first_day(d.period) + 1;
  d.total = static_cast<int64_t>(periods.last_day(d.period)) - periods.first_day(d.period) + 1;
  return d;
}

void project_run_rate(State& s) {
  const ElapsedDays days = elapsed_days(s.periods, *s.options.as_of);
  if (days.period < s.first_period || days.period > s.last_period || days.elapsed == days.total) return;
  auto overflow = [&](uint32_t partner, const plan::Aggregate& agg) {
    return vm::EvalError("arithmetic overflow projecting an aggregate to the end of the period", agg.where,
                         fmt::format("partner {}, {}", s.partner_name(partner), s.periods.label(days.period)));
  };
  for (uint32_t partner = 0; partner < s.partner_ids.size(); ++partner) {
    const size_t cell = s.cell(partner, days.period);
    for (uint32_t a = 0; a < s.plan.aggregates.size(); ++a) {
      const plan::Aggregate& agg = s.plan.aggregates[a];
      AggState& st = s.aggregates.at(cell, a);
      switch (agg.kind) {
        case plan::AggregateKind::Sum: {
          // (The line count stays: it is what the payout's lines say were read.)
          const std::optional<Decimal> projected = scale_exactly(st.sum(), days.total, days.elapsed, st.scale, RoundingMode::HalfEven);
          if (!projected) throw overflow(partner, agg);
          st.set_sum(*projected);
          break;
        }
        case plan::AggregateKind::Count: {
          const auto to_date = static_cast<int64_t>(st.count);
          const std::optional<Decimal> projected = scale_exactly(Decimal::from_int(to_date), days.total, days.elapsed, 0, RoundingMode::HalfEven);
          if (!projected) throw overflow(partner, agg);
          st.count = static_cast<uint64_t>(projected->coefficient());
          break;
        }
        // An average of the lines to date is the run rate's average too; a minimum, a maximum and a number
        // of distinct values do not grow with the days (docs/forecast.md).
        case plan::AggregateKind::Avg:
        case plan::AggregateKind::Min:
        case plan::AggregateKind::Max:
        case plan::AggregateKind::CountDistinct: break;
      }
    }
  }
  // A year to date over a group forms its groups again from the group's rows (an order with lines in two
  // periods is one order): those rows are the lines to date, and the open period's part is not scaled.
  for (uint32_t g = 0; g < s.plan.groups.size(); ++g) {
    if (g < s.group_windowed.size() && s.group_windowed[g]) {
      s.result.summary.notes.push_back(fmt::format("the group `{}` is read over several periods at once (a year to date): those measures count "
                                                   "its rows to date, not projected", s.plan.groups[g].name));
    }
  }
}

}  // namespace rebate::engine
