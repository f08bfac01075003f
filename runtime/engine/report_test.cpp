// The reports' decimal text must be Decimal's own, byte for byte: the fast formatting is checked against
// Decimal::to_fixed and Decimal::to_string on edge cases and on many random values.
#include <catch2/catch.hpp>

#include <random>

#include "engine/report.h"

using rebate::Decimal;
using rebate::Int128;

namespace {

std::string fixed(const Decimal& d, int places) {
  std::string out = "x";  // appended to what is there
  rebate::engine::append_fixed(out, d, places);
  return out.substr(1);
}

std::string shortest(const Decimal& d) {
  std::string out = "x";
  rebate::engine::append_shortest(out, d);
  return out.substr(1);
}

void check_same(const Decimal& d) {
  INFO(d.to_string() << " at scale " << d.scale());
  CHECK(shortest(d) == d.to_string());
  for (int places = 0; places <= Decimal::kMaxScale; ++places) {
    INFO("places " << places);
    CHECK(fixed(d, places) == d.to_fixed(places));
  }
}

}  // namespace

TEST_CASE("decimal text in reports is Decimal's own", "[report]") {
  const Int128 big = static_cast<Int128>(UINT64_MAX);
  const Int128 max = Int128{10'000'000'000'000'000'000u} * Int128{10'000'000'000'000'000'000u} - 1;  // 10^38 - 1
  for (Int128 coef : {Int128{0}, Int128{1}, Int128{-1}, Int128{5}, Int128{-5}, Int128{15}, Int128{25}, Int128{-25},
                      Int128{100}, Int128{123456789}, Int128{-1000000}, big - 1, big, big + 1, -big, -(big + 1), max, -max}) {
    for (int scale = 0; scale <= Decimal::kMaxScale; ++scale) check_same(Decimal::from_scaled(coef, scale));
  }
  std::mt19937_64 rng(20260701);
  for (int i = 0; i < 20000; ++i) {
    // Magnitudes from one digit to beyond 64 bits, both signs, every scale.
    Int128 coef = static_cast<Int128>(rng() >> (rng() % 64));
    if (i % 7 == 0) coef *= static_cast<Int128>(rng() % 100000);
    if (rng() % 2) coef = -coef;
    check_same(Decimal::from_scaled(coef, static_cast<int>(rng() % (Decimal::kMaxScale + 1))));
  }
}
