// Exact decimal numbers: a 128-bit integer coefficient and a scale (value = coefficient / 10^scale).
// Money, percentages and plain decimals are all Decimal underneath; no binary floating point is used
// anywhere on a money path. Every operation reports overflow instead of wrapping.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rebate {

// GCC and Clang both have a 128-bit integer; __extension__ keeps -Wpedantic quiet about it.
__extension__ using Int128 = __int128;

// How a value is rounded to fewer decimal places. HalfUp rounds halves away from zero; Down is toward
// zero (truncation); Up is away from zero.
enum class RoundingMode { HalfEven, HalfUp, Down, Up };
const char* spelling(RoundingMode mode);                          // "half_even"
std::optional<RoundingMode> rounding_mode_named(std::string_view name);

class Decimal {
 public:
  static constexpr int kMaxScale = 18;

  constexpr Decimal() = default;
  static Decimal from_int(int64_t v) { return Decimal(v, 0); }
  // coefficient / 10^scale; the scale must be within 0..kMaxScale.
  static constexpr Decimal from_scaled(Int128 coefficient, int scale) { return Decimal(coefficient, scale); }
  // "123", "-1.50", "1_000.25" (underscores are digit separators). nullopt for anything else.
  static std::optional<Decimal> parse(std::string_view text);

  Int128 coefficient() const { return coef_; }
  int scale() const { return scale_; }
  bool is_zero() const { return coef_ == 0; }
  bool is_negative() const { return coef_ < 0; }
  int sign() const { return coef_ < 0 ? -1 : coef_ > 0 ? 1 : 0; }

  // nullopt on overflow. A product with more than kMaxScale decimal places is rounded half-even to
  // kMaxScale places: intermediate values carry 18 places, far below a cent.
  //
  // Inline fast paths: when both coefficients fit 64 bits (every amount, count and rate of a real
  // ledger does) the exact result fits 128 bits within the 38-digit limit, so it needs no overflow
  // check: |a| < 2^63 and 10^18 < 2^60 make |a x 10^18| + |b x 10^18| < 2^124 and |a x b| <= 2^126,
  // both below 10^38 - 1. Anything else takes the general, checked path.
  static std::optional<Decimal> add(const Decimal& a, const Decimal& b) {
    if (narrow(a) && narrow(b)) {
      if (a.scale_ == b.scale_) return Decimal(a.coef_ + b.coef_, a.scale_);
      if (a.scale_ < b.scale_) return Decimal(a.coef_ * kPow10[b.scale_ - a.scale_] + b.coef_, b.scale_);
      return Decimal(a.coef_ + b.coef_ * kPow10[a.scale_ - b.scale_], a.scale_);
    }
    return add_wide(a, b);
  }
  static std::optional<Decimal> sub(const Decimal& a, const Decimal& b) { return add(a, b.negated()); }
  static std::optional<Decimal> mul(const Decimal& a, const Decimal& b) {
    if (narrow(a) && narrow(b) && a.scale_ + b.scale_ <= kMaxScale) return Decimal(a.coef_ * b.coef_, a.scale_ + b.scale_);
    return mul_wide(a, b);
  }
  // a / b rounded half-even to kMaxScale places, or to as many as keep the result within 38 digits
  // (a quotient above 10^20 has fewer); nullopt when b is zero or the quotient has more than 38 whole
  // digits. No intermediate step overflows: a small quotient of large values is always found.
  static std::optional<Decimal> div(const Decimal& a, const Decimal& b);

  // Rounded to `places` decimal places (0..kMaxScale) with `mode`; nullopt on overflow.
  std::optional<Decimal> rounded(int places, RoundingMode mode) const;
  // The same value written with exactly `places` places ("1234.50"); the value must fit (round first).
  std::string to_fixed(int places) const;
  Decimal negated() const { return Decimal(-coef_, scale_); }

  // Three-way comparison of values (1.50 == 1.5). Inline for 64-bit coefficients (see add).
  static int compare(const Decimal& a, const Decimal& b) {
    if (narrow(a) && narrow(b)) {
      Int128 x = a.coef_, y = b.coef_;
      if (a.scale_ < b.scale_) x *= kPow10[b.scale_ - a.scale_];
      else if (b.scale_ < a.scale_) y *= kPow10[a.scale_ - b.scale_];
      return x < y ? -1 : x > y ? 1 : 0;
    }
    return compare_wide(a, b);
  }
  friend bool operator==(const Decimal& a, const Decimal& b) { return compare(a, b) == 0; }
  friend bool operator<(const Decimal& a, const Decimal& b) { return compare(a, b) < 0; }

  // Shortest form that keeps the value: 1.50 -> "1.5", 100 -> "100".
  std::string to_string() const;

 private:
  constexpr Decimal(Int128 coef, int scale) : coef_(coef), scale_(scale) {}
  // 10^0 .. 10^kMaxScale.
  static constexpr int64_t kPow10[kMaxScale + 1] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
                                                    1000000000, 10000000000, 100000000000, 1000000000000,
                                                    10000000000000, 100000000000000, 1000000000000000,
                                                    10000000000000000, 100000000000000000, 1000000000000000000};
  // The coefficient fits 64 bits and the scale is a valid one: the fast paths' condition.
  static bool narrow(const Decimal& d) {
    return static_cast<Int128>(static_cast<int64_t>(d.coef_)) == d.coef_ && static_cast<unsigned>(d.scale_) <= kMaxScale;
  }
  // The general paths, with overflow checks.
  static std::optional<Decimal> add_wide(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> mul_wide(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> div_wide(const Decimal& a, const Decimal& b);
  static int compare_wide(const Decimal& a, const Decimal& b);
  // The same value at a larger scale, or nullopt on overflow.
  std::optional<Decimal> rescaled(int scale) const;

  Int128 coef_ = 0;
  int scale_ = 0;
};

}  // namespace rebate
