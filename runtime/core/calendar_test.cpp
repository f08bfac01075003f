// Unit tests for dates and periods.
#include "core/calendar.h"

#include <catch2/catch.hpp>

using namespace rebate;

TEST_CASE("day numbers round-trip through civil dates", "[calendar]") {
  CHECK(*parse_date("1970-01-01") == 0);
  CHECK(*parse_date("2000-03-01") - *parse_date("2000-02-28") == 2);  // 2000 is a leap year
  CHECK(*parse_date("1900-03-01") - *parse_date("1900-02-28") == 1);  // 1900 is not
  for (DayNumber d = -800000; d < 800000; d += 997) {
    CHECK(days_from_civil(civil_from_days(d)) == d);
  }
  CHECK(format_date(*parse_date("2026-07-01")) == "2026-07-01");
}

TEST_CASE("impossible dates are rejected", "[calendar]") {
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-7-1", "26-07-01"}) {
    INFO(bad);
    CHECK_FALSE(parse_date(bad));
  }
  CHECK(parse_date("2024-02-29"));
}

TEST_CASE("periods parse and print", "[calendar]") {
  for (const char* p : {"2026-Q3", "2026-H1", "2026-07", "2026"}) {
    INFO(p);
    auto v = parse_period(p);
    REQUIRE(v);
    CHECK(format_period(*v) == p);
  }
  for (const char* bad : {"2026-Q5", "2026-Q0", "2026-H3", "2026-13", "2026-00", "Q3-2026"}) {
    INFO(bad);
    CHECK_FALSE(parse_period(bad));
  }
}
