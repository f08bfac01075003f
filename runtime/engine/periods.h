// The program's periods as consecutive integers: which period a date falls in, a period's first and last
// day, its label ("2026-Q3", "2026-07", "2026", or "FY2026-Q1" on a fiscal calendar), and the shifts
// that time-shift functions use (previous period, same period last year, the year to date).
#pragma once

#include <optional>
#include <string>

#include "plan/plan.h"

namespace rebate::engine {

using PeriodIndex = int64_t;

class Periods {
 public:
  explicit Periods(const plan::Plan& plan);

  PeriodIndex of_day(DayNumber day) const;
  DayNumber first_day(PeriodIndex p) const;
  DayNumber last_day(PeriodIndex p) const;
  std::string label(PeriodIndex p) const;
  // The period a label names, when it has the program's grain ("2026-Q3" in a quarterly program).
  std::optional<PeriodIndex> parse(const std::string& label) const;
  int per_year() const;
  PeriodIndex year_start(PeriodIndex p) const;  // the first period of p's (fiscal) year

 private:
  PeriodGrain grain_;
  std::optional<DayNumber> fiscal_start_;
  int weeks_[3];
};

}  // namespace rebate::engine
