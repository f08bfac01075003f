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

TEST_CASE("a product whose coefficients pass 2^127 is the exact product rounded to 18 places", "[decimal]") {
  // Expected values from Python's decimal module at 100 digits, quantized to 18 places half-even.
  // 1000.5 at 18 places times a third: the exact product is 333.4999999999999996665, rounded
  // 333.499999999999999666 (rounding the factors first gave 333.4999996665).
  const Decimal wide_1000_5 = Decimal::from_scaled(static_cast<rebate::Int128>(10005) * 100000000000000000, 18);
  auto p = Decimal::mul(wide_1000_5, D("0.333333333333333333"));
  REQUIRE(p);
  CHECK(p->to_string() == "333.499999999999999666");
  // Negative, 37 digits in the result: -98765432109876543.210987654321098765 x 12.345678901234567891
  // = -1219326311370217952.348422496334842244298794439108754615 -> ...842244.
  p = Decimal::mul(D("-98765432109876543.210987654321098765"), D("12.345678901234567891"));
  REQUIRE(p);
  CHECK(p->to_string() == "-1219326311370217952.348422496334842244");
  // A half at the 19th place goes to the even neighbour (coefficients 1000000000000000000003 x
  // 500000000000000000 pass 2^127): 1000.000000000000000003 x 0.5 = 500.0000000000000000015 -> ...002,
  // and 1000.000000000000000001 x 0.5 = 500.0000000000000000005 -> 500.
  const Decimal half = Decimal::from_scaled(500000000000000000, 18);
  p = Decimal::mul(D("1000.000000000000000003"), half);
  REQUIRE(p);
  CHECK(p->to_string() == "500.000000000000000002");
  p = Decimal::mul(D("1000.000000000000000001"), half);
  REQUIRE(p);
  CHECK(p->to_string() == "500");
  // 38 digits at 18 places times 5 units of the 18th: 99999999999999999999.999999999999999999 x
  // 0.000000000000000005 = 499.999999999999999999999999999999999995 -> 500.
  p = Decimal::mul(D("99999999999999999999.999999999999999999"), D("0.000000000000000005"));
  REQUIRE(p);
  CHECK(p->to_string() == "500");
  // Still beyond 38 digits: an overflow.
  CHECK_FALSE(Decimal::mul(D("99999999999999999999.999999999999999999"), D("99999999999999999999.999999999999999999")));
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
  CHECK(Decimal::div(max64, D("-0.5"))->to_string() == "-18446744073709551614");  // general path: max64 x 10^20
  CHECK(Decimal::div(past64, D("2"))->to_string() == "4611686018427387904");
  CHECK(Decimal::div(D("2"), D("0.000000000000000003"))->to_string() == "666666666666666666.666666666666666667");
  // 9.2 x 10^36: 37 whole digits leave room for one place.
  const auto huge = Decimal::div(past64, D("0.000000000000000001"));
  REQUIRE(huge);
  CHECK(huge->to_string() == "9223372036854775808000000000000000000");
  CHECK(huge->scale() == 1);
  // The largest 18-place rounding of a 64-bit coefficient, and of INT64_MIN (general path).
  CHECK(D("9.223372036854775807").rounded(0, RoundingMode::HalfEven)->to_string() == "9");
  CHECK(D("-9.223372036854775808").rounded(17, RoundingMode::HalfEven)->to_string() == "-9.22337203685477581");
}

// Division never fails on an intermediate value: only a quotient of more than 38 whole digits
// overflows, and one of more than 20 keeps fewer places. Expected values computed independently with
// Python's fractions.Fraction, rounded half-even with decimal.quantize.
TEST_CASE("division of large or finely scaled values finds every quotient that fits", "[decimal]") {
  // Money divided by a ratio that came from a division (18 places): the dividend scaled by 10^35 is
  // beyond 38 digits, the quotient is not.
  CHECK(Decimal::div(D("1800.00"), D("0.333333333333333333"))->to_string() == "5400.0000000000000054");
  CHECK(Decimal::div(D("-1"), D("3.000000000000000001"))->to_string() == "-0.333333333333333333");
  // A quotient of 34 whole digits keeps 4 places; one of 29 keeps 9.
  const auto big = Decimal::div(D("1000000000000000000000000000000"), D("0.001"));
  REQUIRE(big);
  CHECK(big->to_string() == "1000000000000000000000000000000000");
  CHECK(big->scale() == 4);
  const auto third = Decimal::div(D("123456789012345678901234567890.12"), D("7"));
  REQUIRE(third);
  CHECK(third->to_fixed(9) == "17636684144620811271604938270.017142857");
  CHECK(third->scale() == 9);
  // 39 whole digits: overflow.
  CHECK_FALSE(Decimal::div(D("10000000000000000000000000000000000000"), D("0.01")));
  CHECK_FALSE(Decimal::div(D("10000000000000000000000000000000000000"), D("0")));
  // Remainders of more than 2^125 (a divisor of 38 digits): a digit at a time without wrapping.
  CHECK(Decimal::div(D("80000000000000000000000000000000000000"), D("90000000000000000000000000000000000001"))->to_string() ==
        "0.888888888888888889");
}

// The same values written with 18 places take the general path (their coefficients pass 64 bits) and
// must give what the 64-bit path gives, for quotients of every size and sign.
TEST_CASE("division's 64-bit and general paths agree", "[decimal]") {
  uint64_t x = 88172645463325252ull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int i = 0; i < 20000; ++i) {
    const auto a_coef = static_cast<int64_t>(next() % 2000000000000ull) - 1000000000000;
    auto b_coef = static_cast<int64_t>(next() % 20000000ull) - 10000000;
    if (b_coef == 0) b_coef = 7;
    const int a_scale = static_cast<int>(next() % 5), b_scale = static_cast<int>(next() % 5);
    const Decimal a = Decimal::from_scaled(a_coef, a_scale), b = Decimal::from_scaled(b_coef, b_scale);
    // a x 10^(18 - scale) at scale 18: the same value, a coefficient past 2^63 for most a.
    rebate::Int128 wide = a_coef;
    for (int k = a_scale; k < 18; ++k) wide *= 10;
    const Decimal a18 = Decimal::from_scaled(wide, 18);
    const auto fast = Decimal::div(a, b), general = Decimal::div(a18, b);
    INFO(a.to_string() << " / " << b.to_string());
    REQUIRE(fast);
    REQUIRE(general);
    CHECK(fast->to_string() == general->to_string());
  }
}
