// Unit tests for dates and periods.
#include "core/calendar.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <optional>
#include <string>

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

namespace {
// parse_date as it was written before it read the text in two words: a character at a time.
std::optional<DayNumber> parse_date_by_characters(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const size_t from[3] = {0, 5, 8}, count[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k)
    for (size_t i = from[k]; i < from[k] + count[k]; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v[k] = v[k] * 10 + (s[i] - '0');
    }
  CivilDate c{v[0], static_cast<unsigned>(v[1]), static_cast<unsigned>(v[2])};
  if (!is_valid_civil(c)) return std::nullopt;
  return days_from_civil(c);
}
}  // namespace

TEST_CASE("parse_date agrees with a character-at-a-time parser", "[calendar]") {
  // Every day of years 0000 to 9999 written out (and back).
  for (DayNumber d = *parse_date("0000-01-01"); d <= *parse_date("9999-12-31"); ++d) {
    const std::string s = format_date(d);
    const auto parsed = parse_date(s);
    if (!parsed || *parsed != d) FAIL_CHECK(s);
  }
  // Each place of a few dates changed to every byte value, and month and day numbers out of range.
  size_t checked = 0;
  for (std::string date : {"2024-02-29", "1900-02-28", "2000-12-31", "0000-01-01", "9999-09-09"}) {
    for (size_t at = 0; at < date.size(); ++at)
      for (int b = 0; b < 256; ++b) {
        std::string s = date;
        s[at] = static_cast<char>(b);
        if (parse_date(s) != parse_date_by_characters(s)) FAIL_CHECK(s);
        ++checked;
      }
  }
  for (int m = 0; m <= 99; ++m)
    for (int d = 0; d <= 99; ++d)
      for (int y : {1900, 2000, 2023, 2024}) {
        const std::string s = fmt::format("{:04}-{:02}-{:02}", y, m, d);
        if (parse_date(s) != parse_date_by_characters(s)) FAIL_CHECK(s);
        ++checked;
      }
  CHECK(checked == 5 * 10 * 256 + 100 * 100 * 4);
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
