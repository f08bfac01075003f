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

TEST_CASE("last year's shape: a factor of decimals, rounded once", "[engine][forecast]") {
  auto by = [](const char* x, const char* num, const char* den, int places) {
    const std::optional<Decimal> d = scale_by(*Decimal::parse(x), *Decimal::parse(num), *Decimal::parse(den), places, RoundingMode::HalfEven);
    return d ? d->to_fixed(places) : "overflow";
  };
  // 1,500.50 x 4,000.00 / 1,500.00 = 12,004 / 3 = 4,001.3333...
  CHECK(by("1500.50", "4000.00", "1500.00", 6) == "4001.333333");
  // 44,310 x 27,500 / 30,000 = 40,617.5 exactly (a factor below 1).
  CHECK(by("44310.00", "27500", "30000.00", 6) == "40617.500000");
  // A count: 48 x 8 / 10 = 38.4 -> 38; 10 x 10 / 6 = 16.67 -> 17; 5 x 1 / 2 = 2.5 -> 2 (half-even).
  CHECK(by("48", "8", "10", 0) == "38");
  CHECK(by("10", "10", "6", 0) == "17");
  CHECK(by("5", "1", "2", 0) == "2");
  // The factor is reduced before multiplying: large but equal values do not overflow.
  CHECK(by("99999999999999999999.123456", "123456789012345678.9", "123456789012345678.9", 6) == "99999999999999999999.123456");
}

TEST_CASE("last year's corresponding day counts days from the period's start", "[engine][forecast]") {
  plan::Plan q;
  q.grain = PeriodGrain::Quarter;
  const Periods quarters(q);
  // Day 45 of 2026-Q3 is 2026-08-14; day 45 of 2025-Q3 is 2025-08-14.
  LastYearDay d = last_year_day(quarters, *parse_date("2026-08-14"));
  CHECK(quarters.label(d.period) == "2025-Q3");
  CHECK(format_date(d.day) == "2025-08-14");
  // Day 60 of 2025-Q1 (31 + 28 + 1: 2025-03-01) is day 60 of 2024-Q1: 2024-02-29.
  d = last_year_day(quarters, *parse_date("2025-03-01"));
  CHECK(format_date(d.day) == "2024-02-29");
  plan::Plan m;
  m.grain = PeriodGrain::Month;
  const Periods months(m);
  // Day 29 of February 2024 has no day 29 in February 2023: its last day.
  d = last_year_day(months, *parse_date("2024-02-29"));
  CHECK(months.label(d.period) == "2023-02");
  CHECK(format_date(d.day) == "2023-02-28");
}
