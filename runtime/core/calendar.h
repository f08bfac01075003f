// Civil dates as day numbers and the periods (month, quarter, half, year) a date falls in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rebate {

// Days since 1970-01-01 (proleptic Gregorian); negative before.
using DayNumber = int32_t;

struct CivilDate {
  int year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

DayNumber days_from_civil(CivilDate d);
CivilDate civil_from_days(DayNumber days);
bool is_valid_civil(CivilDate d);

// "2026-07-01" -> day number; nullopt for a malformed or impossible date (2026-02-30).
std::optional<DayNumber> parse_date(std::string_view text);
std::string format_date(DayNumber days);

enum class PeriodGrain { Month, Quarter, Half, Year };

struct PeriodValue {
  PeriodGrain grain;
  int year;
  int index;  // month 1..12, quarter 1..4, half 1..2, year 1
};

// "2026-Q3", "2026-H1", "2026-07"; nullopt for anything else (2026-Q5, 2026-13).
std::optional<PeriodValue> parse_period(std::string_view text);
std::string format_period(const PeriodValue& p);

}  // namespace rebate
