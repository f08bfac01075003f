// A fund's lots (fund_lots.h): claims take the oldest money, returns the newest, a debt is paid off first,
// and lots lapse after their periods. Every expected figure is worked out by hand in the comments.
#include <catch2/catch.hpp>

#include "engine/fund_lots.h"

using namespace rebate;
using namespace rebate::engine;

namespace {
Decimal usd(const char* text) { return *Decimal::parse(text); }
std::string text(const Decimal& d) { return d.to_fixed(2); }
}  // namespace

TEST_CASE("a fund's claims take its oldest money, which then does not lapse", "[engine][funds]") {
  FundLots fund;
  // expire after 2 periods: period 0's accrual pays claims of periods 0 and 1, and lapses at the end of 1.
  REQUIRE(fund.accrue(0, usd("100")));
  CHECK(fund.expire(0, 2).empty());
  REQUIRE(fund.accrue(1, usd("50")));
  fund.pay(usd("70"));  // from period 0's 100: 30 of it left, period 1's 50 untouched
  CHECK(text(fund.balance()) == "80.00");
  const std::vector<FundLots::Lot> gone = fund.expire(1, 2);
  REQUIRE(gone.size() == 1);
  CHECK((gone[0].accrued_in == 0 && text(gone[0].left) == "30.00"));
  CHECK(text(fund.balance()) == "50.00");  // period 1's 50, lapsing at the end of period 2
  CHECK(fund.expire(2, 2).size() == 1);
  CHECK(text(fund.balance()) == "0.00");
}

TEST_CASE("returns take back a fund's newest money, and beyond it leave a debt paid off first", "[engine][funds]") {
  FundLots fund;
  REQUIRE(fund.accrue(0, usd("100")));
  REQUIRE(fund.accrue(1, usd("40")));
  REQUIRE(fund.accrue(2, usd("-60")));  // period 1's 40 gone, then 20 of period 0's: 80 left, from period 0
  CHECK(text(fund.balance()) == "80.00");
  const std::vector<FundLots::Lot> gone = fund.expire(2, 3);  // period 0's lot lapses at the end of period 2
  REQUIRE(gone.size() == 1);
  CHECK(text(gone[0].left) == "80.00");
  REQUIRE(fund.accrue(3, usd("-25")));  // nothing to take back: a debt of 25
  CHECK(text(fund.balance()) == "-25.00");
  CHECK(fund.expire(5, 1).empty());  // a debt never lapses
  REQUIRE(fund.accrue(4, usd("30")));  // 25 pays the debt; a lot of 5 from period 4
  CHECK(text(fund.balance()) == "5.00");
  CHECK(fund.expire(3, 1).empty());  // the lot is period 4's, not 3's
  const std::vector<FundLots::Lot> last = fund.expire(4, 1);
  REQUIRE(last.size() == 1);
  CHECK((last[0].accrued_in == 4 && text(last[0].left) == "5.00"));
}

TEST_CASE("a fund without expiry never lapses a lot", "[engine][funds]") {
  FundLots fund;
  REQUIRE(fund.accrue(0, usd("10")));
  CHECK(fund.expire(1'000'000, 0).empty());
  CHECK(text(fund.balance()) == "10.00");
  CHECK_FALSE(fund.accrue(1, *Decimal::parse("99999999999999999999999999999999999999")));  // 38 nines + 10: overflow
  CHECK(text(fund.balance()) == "10.00");
}
