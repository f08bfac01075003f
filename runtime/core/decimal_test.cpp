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

TEST_CASE("decimal division carries 18 places, rounded half-even", "[decimal]") {
  CHECK(Decimal::div(D("1"), D("3"))->to_string() == "0.333333333333333333");
  CHECK(Decimal::div(D("2"), D("3"))->to_string() == "0.666666666666666667");
  CHECK(*Decimal::div(D("10"), D("4")) == D("2.5"));
  CHECK(*Decimal::div(D("-7"), D("2")) == D("-3.5"));
  CHECK_FALSE(Decimal::div(D("1"), D("0")));
}

TEST_CASE("rounding modes", "[decimal]") {
  using rebate::RoundingMode;
  struct Case { const char* in; RoundingMode mode; const char* out; };
  // Hand-computed: halves go to the even neighbour (half_even), away from zero (half_up); down
  // truncates toward zero; up moves away from zero.
  const Case cases[] = {
      {"41.975", RoundingMode::HalfEven, "41.98"}, {"41.985", RoundingMode::HalfEven, "41.98"},
      {"41.975", RoundingMode::HalfUp, "41.98"},   {"41.985", RoundingMode::HalfUp, "41.99"},
      {"-2.345", RoundingMode::HalfUp, "-2.35"},   {"-2.345", RoundingMode::HalfEven, "-2.34"},
      {"20.987", RoundingMode::Down, "20.98"},     {"20.981", RoundingMode::Up, "20.99"},
      {"-20.981", RoundingMode::Up, "-20.99"},     {"-20.989", RoundingMode::Down, "-20.98"},
  };
  for (const auto& c : cases) {
    INFO(c.in << " " << rebate::spelling(c.mode));
    CHECK(D(c.in).rounded(2, c.mode)->to_fixed(2) == c.out);
  }
  // The brief's example: two lines of 20.987 rounded each (20.99 + 20.99 = 41.98) versus the sum
  // rounded (41.974 -> 41.97).
  auto line = D("20.987").rounded(2, RoundingMode::HalfEven);
  CHECK(Decimal::add(*line, *line)->to_fixed(2) == "41.98");
  CHECK(Decimal::add(D("20.987"), D("20.987"))->rounded(2, RoundingMode::HalfEven)->to_fixed(2) == "41.97");
}

TEST_CASE("fixed formatting", "[decimal]") {
  CHECK(D("1234.5").to_fixed(2) == "1234.50");
  CHECK(D("-0.5").to_fixed(2) == "-0.50");
  CHECK(D("7").to_fixed(0) == "7");
  CHECK(D("0").to_fixed(2) == "0.00");
}

TEST_CASE("long products round to 18 places instead of failing", "[decimal]") {
  auto third = Decimal::div(D("1"), D("3"));
  auto p = Decimal::mul(*third, D("0.05"));
  REQUIRE(p);
  CHECK(p->scale() == 18);
  CHECK(p->to_string() == "0.016666666666666667");
}

// add, sub, mul, compare and rounding take a 64-bit path when the coefficients fit 64 bits and a
// 128-bit one otherwise: values on both sides of the boundary (2^63 = 9223372036854775808) must give
// the same, exact results. Expected values hand-computed.
TEST_CASE("the 64-bit fast paths agree with the general ones at their edges", "[decimal]") {
  using rebate::RoundingMode;
  const Decimal max64 = D("9223372036854775807");      // 2^63 - 1: fits 64 bits
  const Decimal past64 = D("9223372036854775808");     // 2^63: does not
  CHECK(Decimal::add(max64, D("1"))->to_string() == "9223372036854775808");
  CHECK(Decimal::add(max64, max64)->to_string() == "18446744073709551614");
  CHECK(Decimal::add(past64, D("-1"))->to_string() == "9223372036854775807");
  CHECK(Decimal::sub(D("-9223372036854775808"), max64)->to_string() == "-18446744073709551615");
  // Scales 0 and 18: the 64-bit path scales max64 by 10^18 exactly.
  CHECK(Decimal::add(max64, D("0.000000000000000001"))->to_string() == "9223372036854775807.000000000000000001");
  CHECK(Decimal::add(D("0.000000000000000001"), D("-9223372036854775807"))->to_string() == "-9223372036854775806.999999999999999999");
  CHECK(Decimal::mul(max64, max64)->to_string() == "85070591730234615847396907784232501249");
  CHECK(Decimal::mul(D("-92233720368547758.07"), D("0.5"))->to_string() == "-46116860184273879.035");
  // Scales adding up past 18 places: rounded half-even to 18, on the general path.
  CHECK(Decimal::mul(D("0.000000000000000005"), D("0.5"))->to_string() == "0.000000000000000002");
  CHECK(Decimal::compare(max64, past64) == -1);
  CHECK(Decimal::compare(past64, max64) == 1);
  CHECK(Decimal::compare(D("9223372036854775807"), D("9223372036854775806.999999999999999999")) == 1);
  CHECK(Decimal::compare(D("-0.000000000000000001"), D("-0")) == -1);
  CHECK(Decimal::compare(D("12.50"), D("12.5")) == 0);
  // The same roundings on a 64-bit and a 128-bit coefficient (10^20 added to the whole part).
  struct Case { const char* in; RoundingMode mode; const char* out; };
  const Case cases[] = {
      {"41.975", RoundingMode::HalfEven, "41.98"},
      {"41.985", RoundingMode::HalfEven, "41.98"},
      {"41.9851", RoundingMode::HalfEven, "41.99"},
      {"41.985", RoundingMode::HalfUp, "41.99"},
      {"41.9849", RoundingMode::HalfUp, "41.98"},
      {"41.981", RoundingMode::Up, "41.99"},
      {"41.989", RoundingMode::Down, "41.98"},
      {"-41.985", RoundingMode::HalfEven, "-41.98"},
      {"-41.985", RoundingMode::HalfUp, "-41.99"},
      {"-41.981", RoundingMode::Up, "-41.99"},
      {"-41.989", RoundingMode::Down, "-41.98"},
  };
  for (const auto& c : cases) {
    INFO(c.in << " " << rebate::spelling(c.mode));
    CHECK(D(c.in).rounded(2, c.mode)->to_fixed(2) == c.out);
    std::string wide_in = std::string(c.in[0] == '-' ? "-1000000000000000000" : "1000000000000000000") + (c.in + (c.in[0] == '-'));
    std::string wide_out = std::string(c.out[0] == '-' ? "-1000000000000000000" : "1000000000000000000") + (c.out + (c.out[0] == '-'));
    CHECK(D(wide_in.c_str()).rounded(2, c.mode)->to_fixed(2) == wide_out);
  }
  // Division scales the dividend by up to 10^19 at once when it fits 64 bits, else digit by digit.
  CHECK(Decimal::div(max64, D("1"))->to_string() == "9223372036854775807");
  CHECK(Decimal::div(max64, D("-2"))->to_string() == "-4611686018427387903.5");
  CHECK_FALSE(Decimal::div(max64, D("-0.5")));  // the dividend x 10^20 needs more than 38 digits
  CHECK(Decimal::div(past64, D("2"))->to_string() == "4611686018427387904");
  CHECK(Decimal::div(D("2"), D("0.000000000000000003"))->to_string() == "666666666666666666.666666666666666667");
  CHECK_FALSE(Decimal::div(past64, D("0.000000000000000001")));  // 9.2 x 10^36 x 10^18: beyond 38 digits
  // The largest 18-place rounding of a 64-bit coefficient, and of INT64_MIN (general path).
  CHECK(D("9.223372036854775807").rounded(0, RoundingMode::HalfEven)->to_string() == "9");
  CHECK(D("-9.223372036854775808").rounded(17, RoundingMode::HalfEven)->to_string() == "-9.22337203685477581");
}
