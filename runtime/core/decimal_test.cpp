// Unit tests for exact decimals: parsing, arithmetic, comparison, overflow.
#include "core/decimal.h"

#include <catch2/catch.hpp>

using rebate::Decimal;

static Decimal D(const char* s) { return *Decimal::parse(s); }

TEST_CASE("decimal parses and prints", "[decimal]") {
  struct Case { const char* in; const char* out; };
  const Case cases[] = {
      {"0", "0"}, {"100_000", "100000"}, {"1.50", "1.5"}, {"-0.05", "-0.05"},
      {"+7", "7"}, {"12345678901234567890.123456789", "12345678901234567890.123456789"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto d = Decimal::parse(c.in);
    REQUIRE(d);
    CHECK(d->to_string() == c.out);
  }
  for (const char* bad : {"", "-", "1.2.3", "1e5", "abc", "1.0000000000000000001"}) {
    INFO(bad);
    CHECK_FALSE(Decimal::parse(bad));
  }
}

TEST_CASE("decimal arithmetic is exact", "[decimal]") {
  // 0.1 + 0.2 is exactly 0.3 (binary floating point gives 0.30000000000000004).
  CHECK(*Decimal::add(D("0.1"), D("0.2")) == D("0.3"));
  // Two invoice lines of 20.987: the exact sum is 41.974.
  CHECK(Decimal::add(D("20.987"), D("20.987"))->to_string() == "41.974");
  // 5% of 2,000 = 100; 25% of 1,000 = 250.
  CHECK(*Decimal::mul(D("0.05"), D("2000")) == D("100"));
  CHECK(*Decimal::mul(D("0.25"), D("1000")) == D("250"));
  CHECK(*Decimal::sub(D("1"), D("1.01")) == D("-0.01"));
}

TEST_CASE("decimal compares values, not representations", "[decimal]") {
  CHECK(D("1.50") == D("1.5"));
  CHECK(D("-2") < D("-1.99"));
  CHECK(Decimal::compare(D("100000"), D("99999.999")) == 1);
}

TEST_CASE("decimal overflow is reported, never wrapped", "[decimal]") {
  Decimal big = D("99999999999999999999999999999999999999");  // 38 nines: the largest coefficient
  CHECK_FALSE(Decimal::add(big, D("1")));
  CHECK_FALSE(Decimal::mul(big, D("10")));
  CHECK_FALSE(Decimal::parse("999999999999999999999999999999999999999"));  // 39 digits
  CHECK(Decimal::add(big, D("-1")));
}
