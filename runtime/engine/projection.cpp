// Run rate by days elapsed and last year's shape (projection.h; docs/forecast.md).
#include "engine/projection.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <utility>

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

std::optional<Decimal> scale_by(const Decimal& x, const Decimal& num, const Decimal& den, int places, RoundingMode mode) {
  // x = c / 10^s and num / den = n / d (both at their larger scale), so x * num / den at `places` places is
  // c * n * 10^places / (d * 10^s), rounded once. The factor is reduced first: it keeps the products small.
  const int k = std::max(num.scale(), den.scale());
  Int128 n = 0, d = 0;
  if (__builtin_mul_overflow(num.coefficient(), power_of_ten(k - num.scale()), &n) ||
      __builtin_mul_overflow(den.coefficient(), power_of_ten(k - den.scale()), &d) || d <= 0) {
    return std::nullopt;
  }
  Int128 a = n < 0 ? -n : n, b = d;  // their greatest common divisor
  while (b != 0) a = std::exchange(b, a % b);
  if (a > 1) {
    n /= a;
    d /= a;
  }
  Int128 top = 0;
  if (__builtin_mul_overflow(x.coefficient(), n, &top)) return std::nullopt;
  if (places >= x.scale()) {
    if (__builtin_mul_overflow(top, power_of_ten(places - x.scale()), &top)) return std::nullopt;
  } else if (__builtin_mul_overflow(d, power_of_ten(x.scale() - places), &d)) {
    return std::nullopt;
  }
  const Int128 q = divide_rounded(top, d, mode);
  const Int128 limit = power_of_ten(38) - 1;  // the 38 digits a Decimal holds
  if (q > limit || q < -limit) return std::nullopt;
  return Decimal::from_scaled(q, places);
}

std::optional<Decimal> scale_exactly(const Decimal& x, int64_t num, int64_t den, int places, RoundingMode mode) {
  return scale_by(x, Decimal::from_int(num), Decimal::from_int(den), places, mode);
}

ElapsedDays elapsed_days(const Periods& periods, DayNumber as_of) {
  ElapsedDays d;
  d.period = periods.of_day(as_of);
  d.elapsed = static_cast<int64_t>(as_of) - periods.first_day(d.period) + 1;
  d.total = static_cast<int64_t>(periods.last_day(d.period)) - periods.first_day(d.period) + 1;
  return d;
}

LastYearDay last_year_day(const Periods& periods, DayNumber as_of) {
  const ElapsedDays open = elapsed_days(periods, as_of);
  LastYearDay ly;
  ly.period = open.period - periods.per_year();
  const int64_t day = static_cast<int64_t>(periods.first_day(ly.period)) + open.elapsed - 1;
  ly.day = static_cast<DayNumber>(std::min<int64_t>(day, periods.last_day(ly.period)));
  return ly;
}

namespace {

bool scaled(const plan::Aggregate& agg) { return agg.kind == plan::AggregateKind::Sum || agg.kind == plan::AggregateKind::Count; }

// An aggregate's value as a projection reads it: a sum, or a count as a whole number.
Decimal additive_value(const plan::Aggregate& agg, const AggState& st) {
  return agg.kind == plan::AggregateKind::Count ? Decimal::from_int(static_cast<int64_t>(st.count)) : st.sum();
}

}  // namespace

void reach_last_year(State& s) {
  if (!s.options.forecast || s.options.forecast->method != ForecastMethod::LastYear || s.run_periods.empty()) return;
  const PeriodIndex ly = last_year_day(s.periods, s.options.forecast->as_of).period;
  s.first_period = std::min(s.first_period, ly);
  for (size_t a = 0; a < s.plan.aggregates.size(); ++a) {
    const plan::Aggregate& agg = s.plan.aggregates[a];
    if (!scaled(agg)) continue;
    s.aggregate_from[a] = std::min(s.aggregate_from[a], ly);
    if (agg.over_group) s.group_from[agg.source] = std::min(s.group_from[agg.source], ly);
  }
}

void capture_last_year(const State& s, PeriodAggregates& out) {
  const PeriodIndex ly = last_year_day(s.periods, s.options.forecast->as_of).period;
  for (uint32_t partner = 0; partner < s.partner_ids.size(); ++partner) {
    const size_t cell = s.cell(partner, ly);
    std::vector<Decimal>& values = out[s.partner_name(partner)];
    values.assign(s.plan.aggregates.size(), Decimal());
    if (cell == SIZE_MAX) continue;
    for (uint32_t a = 0; a < s.plan.aggregates.size(); ++a) {
      if (scaled(s.plan.aggregates[a])) values[a] = additive_value(s.plan.aggregates[a], s.aggregates.at(cell, a));
    }
  }
}

void project_open_period(State& s) {
  const ForecastRun& forecast = *s.options.forecast;
  const ElapsedDays days = elapsed_days(s.periods, forecast.as_of);
  if (days.period < s.first_period || days.period > s.last_period || days.elapsed == days.total) return;
  const bool last_year = forecast.method == ForecastMethod::LastYear;
  const LastYearDay ly = last_year_day(s.periods, forecast.as_of);
  auto overflow = [&](uint32_t partner, const plan::Aggregate& agg) {
    return vm::EvalError("arithmetic overflow projecting an aggregate to the end of the period", agg.where,
                         fmt::format("partner {}, {}", s.partner_name(partner), s.periods.label(days.period)));
  };
  const Decimal elapsed = Decimal::from_int(days.elapsed), total = Decimal::from_int(days.total);
  std::vector<std::string> fell_back;  // "P6 (no positive value last year: program.rebate:41:17)"
  for (uint32_t partner = 0; partner < s.partner_ids.size(); ++partner) {
    const size_t cell = s.cell(partner, days.period);
    const size_t ly_cell = last_year ? s.cell(partner, ly.period) : SIZE_MAX;
    const std::string name = last_year ? s.partner_name(partner) : std::string();
    const std::vector<Decimal>* to_day = nullptr;
    if (last_year && forecast.last_year_to_day) {
      auto it = forecast.last_year_to_day->find(name);
      if (it != forecast.last_year_to_day->end()) to_day = &it->second;
    }
    size_t shaped = 0;
    std::vector<std::string> run_rate;  // the partner's aggregates with a value to date projected by run rate
    for (uint32_t a = 0; a < s.plan.aggregates.size(); ++a) {
      const plan::Aggregate& agg = s.plan.aggregates[a];
      if (!scaled(agg)) continue;  // an average, extreme or distinct count does not grow with the days
      AggState& st = s.aggregates.at(cell, a);
      const Decimal now = additive_value(agg, st);
      // The factor: last year's whole period over its part to the corresponding day, when both are above
      // zero; else (and with run rate) the days of the period over those elapsed.
      Decimal num = total, den = elapsed;
      if (last_year) {
        const Decimal whole = ly_cell == SIZE_MAX ? Decimal() : additive_value(agg, s.aggregates.at(ly_cell, a));
        const Decimal part = to_day ? (*to_day)[a] : Decimal();
        if (Decimal::compare(whole, Decimal()) > 0 && Decimal::compare(part, Decimal()) > 0) {
          num = whole;
          den = part;
          if (!now.is_zero()) ++shaped;
        } else if (!now.is_zero()) {
          run_rate.push_back(s.location_text(agg.where));
        }
      }
      const int places = agg.kind == plan::AggregateKind::Count ? 0 : st.scale;
      const std::optional<Decimal> projected = scale_by(now, num, den, places, RoundingMode::HalfEven);
      if (!projected) throw overflow(partner, agg);
      // (A sum's line count stays: it is what the payout's lines say were read.)
      if (agg.kind == plan::AggregateKind::Count) {
        st.count = static_cast<uint64_t>(projected->coefficient());
      } else {
        st.set_sum(*projected);
      }
    }
    if (!last_year) continue;
    const char* method = run_rate.empty() ? "last_year" : shaped == 0 ? "run_rate" : "mixed";
    if (forecast.partner_methods) (*forecast.partner_methods)[name] = method;
    if (!run_rate.empty()) {
      fell_back.push_back(shaped == 0 ? name : fmt::format("{} (for the aggregate{} at {})", name, run_rate.size() == 1 ? "" : "s",
                                                            fmt::join(run_rate, ", ")));
    }
  }
  if (!fell_back.empty()) {
    constexpr size_t kListed = 20;
    std::string who = fmt::format("{}", fmt::join(fell_back.begin(), fell_back.begin() + static_cast<std::ptrdiff_t>(std::min(fell_back.size(), kListed)), ", "));
    if (fell_back.size() > kListed) who += fmt::format(" and {} more", fell_back.size() - kListed);
    s.result.summary.notes.push_back(fmt::format(
        "{} partner{} had no value above zero in last year's {}, whole or up to {} (day {}), for what {} sold to date: projected by run "
        "rate instead: {}", fell_back.size(), fell_back.size() == 1 ? "" : "s", s.periods.label(ly.period), format_date(ly.day), days.elapsed,
        fell_back.size() == 1 ? "it" : "they", who));
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
