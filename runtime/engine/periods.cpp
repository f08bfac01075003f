// Period arithmetic for calendar and fiscal (4-4-5 style) years.
#include "engine/periods.h"

#include <fmt/format.h>

#include "plan/windows.h"

namespace rebate::engine {

namespace {

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

Periods::Periods(const plan::Plan& plan) : grain_(plan.grain), fiscal_start_(plan.fiscal_start) {
  for (int i = 0; i < 3; ++i) weeks_[i] = plan.fiscal_weeks[i];
}

int Periods::per_year() const { return plan::periods_per_year(grain_); }

PeriodIndex Periods::year_start(PeriodIndex p) const { return plan::year_start(p, per_year()); }

PeriodIndex Periods::of_day(DayNumber day) const {
  if (fiscal_start_) {
    // Fiscal years of 52 weeks from the start; quarters of 13 weeks; months of the weeks pattern.
    int64_t offset = static_cast<int64_t>(day) - *fiscal_start_;
    int64_t year = floor_div(offset, 364);
    int64_t in_year = offset - year * 364;
    int64_t quarter = in_year / 91;
    int64_t in_quarter_weeks = (in_year - quarter * 91) / 7;
    int64_t month = in_quarter_weeks < weeks_[0] ? 0 : in_quarter_weeks < weeks_[0] + weeks_[1] ? 1 : 2;
    switch (grain_) {
      case PeriodGrain::Month: return year * 12 + quarter * 3 + month;
      case PeriodGrain::Quarter: return year * 4 + quarter;
      case PeriodGrain::Half: return year * 2 + quarter / 2;
      case PeriodGrain::Year: return year;
    }
  }
  CivilDate c = civil_from_days(day);
  switch (grain_) {
    case PeriodGrain::Month: return static_cast<int64_t>(c.year) * 12 + (c.month - 1);
    case PeriodGrain::Quarter: return static_cast<int64_t>(c.year) * 4 + (c.month - 1) / 3;
    case PeriodGrain::Half: return static_cast<int64_t>(c.year) * 2 + (c.month - 1) / 6;
    case PeriodGrain::Year: return c.year;
  }
  return 0;
}

DayNumber Periods::first_day(PeriodIndex p) const {
  int per = per_year();
  int64_t year = floor_div(p, per);
  int64_t k = p - year * per;  // index within the year
  if (fiscal_start_) {
    int64_t day = *fiscal_start_ + year * 364;
    switch (grain_) {
      case PeriodGrain::Month: {
        int64_t quarter = k / 3, month = k % 3;
        day += quarter * 91;
        for (int i = 0; i < month; ++i) day += weeks_[i] * 7;
        break;
      }
      case PeriodGrain::Quarter: day += k * 91; break;
      case PeriodGrain::Half: day += k * 182; break;
      case PeriodGrain::Year: break;
    }
    return static_cast<DayNumber>(day);
  }
  int months_per = 12 / per;
  int64_t month_index = year * 12 + k * months_per;
  int y = static_cast<int>(floor_div(month_index, 12));
  unsigned m = static_cast<unsigned>(month_index - static_cast<int64_t>(y) * 12) + 1;
  return days_from_civil(CivilDate{y, m, 1});
}

DayNumber Periods::last_day(PeriodIndex p) const { return first_day(p + 1) - 1; }

std::string Periods::label(PeriodIndex p) const {
  int per = per_year();
  int64_t year = floor_div(p, per);
  int64_t k = p - year * per + 1;
  if (fiscal_start_) {
    int64_t fy = civil_from_days(static_cast<DayNumber>(*fiscal_start_ + year * 364)).year;
    switch (grain_) {
      case PeriodGrain::Month: return fmt::format("FY{}-P{:02}", fy, k);
      case PeriodGrain::Quarter: return fmt::format("FY{}-Q{}", fy, k);
      case PeriodGrain::Half: return fmt::format("FY{}-H{}", fy, k);
      case PeriodGrain::Year: return fmt::format("FY{}", fy);
    }
  }
  switch (grain_) {
    case PeriodGrain::Month: return fmt::format("{:04}-{:02}", year, k);
    case PeriodGrain::Quarter: return fmt::format("{:04}-Q{}", year, k);
    case PeriodGrain::Half: return fmt::format("{:04}-H{}", year, k);
    case PeriodGrain::Year: return fmt::format("{:04}", year);
  }
  return {};
}

std::optional<PeriodIndex> Periods::parse(const std::string& text) const {
  // Labels are compared with the program's own (label() above: `2026-Q3`, `2026-07`, `2026`, and under a
  // fiscal calendar `FY2026-Q2`, `FY2026-P01`, `FY2026`): cheap, exact, and every label the tool prints
  // is accepted. Only the year is read here, to know where to look.
  std::string_view rest = text;
  if (fiscal_start_) {
    if (rest.substr(0, 2) != "FY") return std::nullopt;
    rest.remove_prefix(2);
  }
  if (rest.size() < 4 || (rest.size() > 4 && rest[4] != '-')) return std::nullopt;
  int64_t year = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return std::nullopt;
    year = year * 10 + (rest[i] - '0');
  }
  // Fiscal period indexes count fiscal years from the calendar's `year_start` (index 0), not from year
  // 0, and a 52-week fiscal year is named after the calendar year it starts in, which drifts: look one
  // year either side.
  const int64_t base = fiscal_start_ ? year - civil_from_days(static_cast<DayNumber>(*fiscal_start_)).year : year;
  for (PeriodIndex guess = (base - 1) * per_year(); guess < (base + 2) * per_year(); ++guess) {
    if (label(guess) == text) return guess;
  }
  return std::nullopt;
}

}  // namespace rebate::engine
