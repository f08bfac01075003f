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
  static std::optional<Decimal> add(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> sub(const Decimal& a, const Decimal& b);
  static std::optional<Decimal> mul(const Decimal& a, const Decimal& b);
  // a / b to kMaxScale places, rounded half-even; nullopt on overflow or when b is zero.
  static std::optional<Decimal> div(const Decimal& a, const Decimal& b);

  // Rounded to `places` decimal places (0..kMaxScale) with `mode`; nullopt on overflow.
  std::optional<Decimal> rounded(int places, RoundingMode mode) const;
  // The same value written with exactly `places` places ("1234.50"); the value must fit (round first).
  std::string to_fixed(int places) const;
  Decimal negated() const { return Decimal(-coef_, scale_); }

  // Three-way comparison of values (1.50 == 1.5).
  static int compare(const Decimal& a, const Decimal& b);
  friend bool operator==(const Decimal& a, const Decimal& b) { return compare(a, b) == 0; }
  friend bool operator<(const Decimal& a, const Decimal& b) { return compare(a, b) < 0; }

  // Shortest form that keeps the value: 1.50 -> "1.5", 100 -> "100".
  std::string to_string() const;

 private:
  constexpr Decimal(Int128 coef, int scale) : coef_(coef), scale_(scale) {}
  // The same value at a larger scale, or nullopt on overflow.
  std::optional<Decimal> rescaled(int scale) const;

  Int128 coef_ = 0;
  int scale_ = 0;
};

}  // namespace rebate
