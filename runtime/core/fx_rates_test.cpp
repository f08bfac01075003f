// FxRates: which rate is in force on a day, a period's average, duplicates (docs/language.md §24). Every
// expected value is worked out by hand in its comment.
#include "core/fx_rates.h"

#include <catch2/catch.hpp>

#include "core/currency.h"

namespace rebate {
namespace {

DayNumber day(int y, unsigned m, unsigned d) { return days_from_civil({y, m, d}); }
Decimal dec(const char* text) { return *Decimal::parse(text); }

TEST_CASE("the rate in force on a day is the pair's latest on or before it", "[fx]") {
  const int gbp = currency_index("GBP"), eur = currency_index("EUR"), chf = currency_index("CHF");
  FxRates fx;
  fx.add(gbp, eur, day(2026, 8, 1), dec("1.18"), 3);  // out of order on purpose: finish() sorts
  fx.add(gbp, eur, day(2026, 7, 1), dec("1.17"), 2);
  REQUIRE_FALSE(fx.finish());
  CHECK_FALSE(fx.on(gbp, eur, day(2026, 6, 30)));                      // before the first rate: none
  CHECK(fx.on(gbp, eur, day(2026, 7, 1))->to_string() == "1.17");      // dated that day
  CHECK(fx.on(gbp, eur, day(2026, 7, 31))->to_string() == "1.17");     // the latest before it
  CHECK(fx.on(gbp, eur, day(2026, 8, 1))->to_string() == "1.18");
  CHECK(fx.on(gbp, eur, day(2027, 1, 1))->to_string() == "1.18");      // no end date: in force until the next
  CHECK_FALSE(fx.on(eur, gbp, day(2026, 8, 1)));                       // never inverted
  CHECK_FALSE(fx.on(chf, eur, day(2026, 8, 1)));                       // a pair with no rows
  CHECK(fx.on(chf, chf, day(2026, 8, 1))->to_string() == "1");         // a currency to itself, without a row
}

TEST_CASE("a period's average weighs every calendar day the same, rounded half-even to 10 places", "[fx]") {
  const int gbp = currency_index("GBP"), eur = currency_index("EUR");
  FxRates fx;
  fx.add(gbp, eur, day(2026, 7, 1), dec("1.10"), 2);
  fx.add(gbp, eur, day(2026, 8, 1), dec("1.20"), 3);
  fx.add(gbp, eur, day(2026, 9, 1), dec("1.30"), 4);
  REQUIRE_FALSE(fx.finish());
  // 2026-Q3: 31 days at 1.10, 31 at 1.20, 30 at 1.30 = 110.3 over 92 days = 1.19891304347826... -> 1.1989130435.
  CHECK(fx.average(gbp, eur, day(2026, 7, 1), day(2026, 9, 30), nullptr)->to_string() == "1.1989130435");
  // July alone: 1.10 every day.
  CHECK(Decimal::compare(*fx.average(gbp, eur, day(2026, 7, 1), day(2026, 7, 31), nullptr), dec("1.1")) == 0);
  // 2026-06-30 has no rate: the first day without one is named.
  DayNumber missing = 0;
  CHECK_FALSE(fx.average(gbp, eur, day(2026, 6, 30), day(2026, 7, 31), &missing));
  CHECK(missing == day(2026, 6, 30));
}

TEST_CASE("two rates of one pair on one day are a duplicate naming both lines", "[fx]") {
  const int gbp = currency_index("GBP"), eur = currency_index("EUR"), usd = currency_index("USD");
  FxRates fx;
  fx.add(gbp, eur, day(2026, 7, 1), dec("1.17"), 2);
  fx.add(usd, eur, day(2026, 7, 1), dec("0.92"), 3);  // another pair the same day: no duplicate
  fx.add(gbp, eur, day(2026, 7, 1), dec("1.18"), 7);
  const std::optional<FxRates::Duplicate> dup = fx.finish();
  REQUIRE(dup);
  CHECK(dup->first_line == 2);
  CHECK(dup->second_line == 7);
  CHECK(FxRates::pair_name(dup->base, dup->quote) == "GBP to EUR");
  CHECK(dup->day == day(2026, 7, 1));
}

}  // namespace
}  // namespace rebate
