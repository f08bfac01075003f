// scale_exactly, the one rounding behind a forecast's projections and accruals (docs/forecast.md), against
// quotients worked out by hand; and the open period's days.
#include <catch2/catch.hpp>

#include "core/calendar.h"
#include "engine/periods.h"
#include "engine/projection.h"

using namespace rebate;
using namespace rebate::engine;

namespace {

std::string scaled(const char* x, int64_t num, int64_t den, int places, RoundingMode mode) {
  const std::optional<Decimal> d = scale_exactly(*Decimal::parse(x), num, den, places, mode);
  return d ? d->to_fixed(places) : "overflow";
}

}  // namespace

TEST_CASE("a projection is the exact quotient rounded once", "[engine][forecast]") {
  // 5,500.50 x 92 / 31 = 506,046 / 31 = 16,324.064516...
  CHECK(scaled("5500.50", 92, 31, 2, RoundingMode::HalfEven) == "16324.06");
  CHECK(scaled("5500.50", 92, 31, 2, RoundingMode::Up) == "16324.07");
  // 2 lines x 92 / 31 = 5.93...: 6 lines.
  CHECK(scaled("2", 92, 31, 0, RoundingMode::HalfEven) == "6");
  // Halves: 230.01 x 46 / 92 = 115.005 exactly.
  CHECK(scaled("230.01", 46, 92, 2, RoundingMode::HalfEven) == "115.00");
  CHECK(scaled("230.01", 46, 92, 2, RoundingMode::HalfUp) == "115.01");
  CHECK(scaled("230.03", 46, 92, 2, RoundingMode::HalfEven) == "115.02");  // 115.015: to the even cent
  CHECK(scaled("230.01", 46, 92, 2, RoundingMode::Down) == "115.00");
  // Negative values (returns exceeding sales) round symmetrically: -115.005.
  CHECK(scaled("-230.01", 46, 92, 2, RoundingMode::HalfUp) == "-115.01");
  CHECK(scaled("-230.01", 46, 92, 2, RoundingMode::HalfEven) == "-115.00");
  CHECK(scaled("-230.01", 46, 92, 2, RoundingMode::Down) == "-115.00");
  CHECK(scaled("-230.01", 46, 92, 2, RoundingMode::Up) == "-115.01");
  // More places in the value than kept: 1.23456 x 3 / 7 = 0.529097...
  CHECK(scaled("1.23456", 3, 7, 2, RoundingMode::HalfEven) == "0.53");
  // Near the top of the 38 digits: an error, never a wrapped value.
  CHECK(scaled("99999999999999999999999999999999999999", 92, 1, 0, RoundingMode::HalfEven) == "overflow");
}

TEST_CASE("the open period's days count the as-of day", "[engine][forecast]") {
  plan::Plan p;
  p.grain = PeriodGrain::Quarter;
  const Periods periods(p);
  const ElapsedDays d = elapsed_days(periods, *parse_date("2026-08-15"));
  CHECK(periods.label(d.period) == "2026-Q3");
  CHECK(d.elapsed == 46);  // July's 31 and 15 of August
  CHECK(d.total == 92);
  const ElapsedDays first = elapsed_days(periods, *parse_date("2026-07-01"));
  CHECK(first.elapsed == 1);
  const ElapsedDays last = elapsed_days(periods, *parse_date("2026-09-30"));
  CHECK(last.elapsed == 92);
}
