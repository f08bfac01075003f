// Exact decimal arithmetic with overflow checks.
#include "core/decimal.h"

#include <algorithm>

namespace rebate {
namespace {

// Coefficients are kept within ±(10^38 - 1) so that every value prints in at most 38 digits.
constexpr Int128 pow10(int n) {
  Int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}
constexpr Int128 kLimit = pow10(38) - 1;

bool in_range(Int128 v) { return v <= kLimit && v >= -kLimit; }

// a * b / 10^k rounded half-even, from the exact product in 256 bits (k <= 18, so 10^k fits 64 bits);
// nullopt when the quotient does not fit 127 bits. For products whose coefficients' product passes
// 2^127 but whose rounding to 18 places fits: two factors of 18 places, a value times a ratio.
std::optional<Int128> product_over_pow10(Int128 a, Int128 b, int k) {
  using U128 = unsigned __int128;
  const bool negative = (a < 0) != (b < 0);
  const U128 x = a < 0 ? -static_cast<U128>(a) : static_cast<U128>(a);
  const U128 y = b < 0 ? -static_cast<U128>(b) : static_cast<U128>(b);
  const auto x0 = static_cast<uint64_t>(x), x1 = static_cast<uint64_t>(x >> 64);
  const auto y0 = static_cast<uint64_t>(y), y1 = static_cast<uint64_t>(y >> 64);
  const U128 p00 = static_cast<U128>(x0) * y0, p01 = static_cast<U128>(x0) * y1;
  const U128 p10 = static_cast<U128>(x1) * y0, p11 = static_cast<U128>(x1) * y1;
  // The product's four 64-bit limbs, least significant first.
  uint64_t limb[4];
  limb[0] = static_cast<uint64_t>(p00);
  const U128 mid = (p00 >> 64) + static_cast<uint64_t>(p01) + static_cast<uint64_t>(p10);
  limb[1] = static_cast<uint64_t>(mid);
  const U128 high = (mid >> 64) + (p01 >> 64) + (p10 >> 64) + static_cast<uint64_t>(p11);
  limb[2] = static_cast<uint64_t>(high);
  limb[3] = static_cast<uint64_t>((high >> 64) + (p11 >> 64));
  // Long division by 10^k, a limb at a time.
  uint64_t d = 1;
  for (int i = 0; i < k; ++i) d *= 10;
  uint64_t q[4];
  U128 rest = 0;
  for (int i = 3; i >= 0; --i) {
    const U128 current = (rest << 64) | limb[i];
    q[i] = static_cast<uint64_t>(current / d);
    rest = current % d;
  }
  if (q[3] != 0 || q[2] != 0 || (q[1] >> 63) != 0) return std::nullopt;
  U128 quotient = (static_cast<U128>(q[1]) << 64) | q[0];
  if (2 * rest > d || (2 * rest == d && (quotient & 1) != 0)) ++quotient;  // half-even (rest < 10^18: no overflow)
  const auto r = static_cast<Int128>(quotient);
  return negative ? -r : r;
}

}  // namespace

const char* spelling(RoundingMode mode) {
  switch (mode) {
    case RoundingMode::HalfEven: return "half_even";
    case RoundingMode::HalfUp: return "half_up";
    case RoundingMode::Down: return "down";
    case RoundingMode::Up: return "up";
  }
  return "half_even";
}

std::optional<RoundingMode> rounding_mode_named(std::string_view name) {
  if (name == "half_even") return RoundingMode::HalfEven;
  if (name == "half_up") return RoundingMode::HalfUp;
  if (name == "down") return RoundingMode::Down;
  if (name == "up") return RoundingMode::Up;
  return std::nullopt;
}

std::optional<Decimal> Decimal::parse(std::string_view text) {
  bool negative = false;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  Int128 coef = 0;
  int scale = 0;
  bool seen_digit = false, seen_point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') continue;
    if (c == '.') {
      if (seen_point) return std::nullopt;
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    seen_digit = true;
    if (coef > (kLimit - (c - '0')) / 10) return std::nullopt;
    coef = coef * 10 + (c - '0');
    if (seen_point && ++scale > kMaxScale) return std::nullopt;
  }
  if (!seen_digit) return std::nullopt;
  return Decimal(negative ? -coef : coef, scale);
}

std::optional<Decimal> Decimal::rescaled(int scale) const {
  if (scale <= scale_) return *this;
  Int128 factor = pow10(scale - scale_);
  Int128 r;
  if (__builtin_mul_overflow(coef_, factor, &r) || !in_range(r)) return std::nullopt;
  return Decimal(r, scale);
}

std::optional<Decimal> Decimal::add_wide(const Decimal& a, const Decimal& b) {
  int scale = std::max(a.scale_, b.scale_);
  auto x = a.rescaled(scale), y = b.rescaled(scale);
  if (!x || !y) return std::nullopt;
  Int128 r;
  if (__builtin_add_overflow(x->coef_, y->coef_, &r) || !in_range(r)) return std::nullopt;
  return Decimal(r, scale);
}

namespace {

// q = n / 10^k rounded with `mode`, in 64 bits: the same steps as divide_pow10 below.
int64_t divide_pow10_narrow(int64_t n, int k, RoundingMode mode) {
  static constexpr int64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
                                       10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
                                       1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000};
  int64_t d = kPow10[k];
  int64_t q = n / d;
  int64_t r = n % d;  // same sign as n
  if (r == 0) return q;
  // |r| < d <= 10^18, so 2|r| fits 64 bits.
  uint64_t abs_r = r < 0 ? static_cast<uint64_t>(-r) : static_cast<uint64_t>(r);
  uint64_t twice = abs_r * 2, ud = static_cast<uint64_t>(d);
  bool away = false;
  switch (mode) {
    case RoundingMode::Down: away = false; break;
    case RoundingMode::Up: away = true; break;
    case RoundingMode::HalfUp: away = twice >= ud; break;
    case RoundingMode::HalfEven: away = twice > ud || (twice == ud && (q % 2 != 0)); break;
  }
  return away ? q + (n < 0 ? -1 : 1) : q;
}

// q = n / 10^k rounded with `mode`; n may be negative.
Int128 divide_pow10(Int128 n, int k, RoundingMode mode) {
  if (k <= 0) return n;
  // Most values fit 64 bits: 64-bit division is several times cheaper than 128-bit division.
  // INT64_MIN is left to the general path (its magnitude does not fit).
  if (k <= Decimal::kMaxScale && n > INT64_MIN && n <= INT64_MAX) return divide_pow10_narrow(static_cast<int64_t>(n), k, mode);
  Int128 d = pow10(k);
  Int128 q = n / d;
  Int128 r = n % d;  // same sign as n
  if (r == 0) return q;
  Int128 abs_r = r < 0 ? -r : r;
  int direction = n < 0 ? -1 : 1;
  bool away = false;
  switch (mode) {
    case RoundingMode::Down: away = false; break;
    case RoundingMode::Up: away = true; break;
    case RoundingMode::HalfUp: away = abs_r * 2 >= d; break;
    case RoundingMode::HalfEven: away = abs_r * 2 > d || (abs_r * 2 == d && (q % 2 != 0)); break;
  }
  return away ? q + direction : q;
}

}  // namespace

std::optional<Decimal> Decimal::mul_wide(const Decimal& a, const Decimal& b) {
  int scale = a.scale_ + b.scale_;
  Int128 r;
  if (__builtin_mul_overflow(a.coef_, b.coef_, &r)) {
    // The coefficients' product does not fit 128 bits: beyond 38 digits, unless places beyond 18 are
    // to be rounded off, which the exact product in 256 bits is then rounded from (rounding the factors
    // first would lose digits the result keeps: 1000.5 x 0.333333333333333333 gave 333.4999996665).
    if (scale <= kMaxScale) return std::nullopt;
    const std::optional<Int128> rounded = product_over_pow10(a.coef_, b.coef_, scale - kMaxScale);
    if (!rounded || !in_range(*rounded)) return std::nullopt;
    return Decimal(*rounded, kMaxScale);
  }
  if (scale > kMaxScale) {
    r = divide_pow10(r, scale - kMaxScale, RoundingMode::HalfEven);
    scale = kMaxScale;
  }
  if (!in_range(r)) return std::nullopt;
  return Decimal(r, scale);
}

std::optional<Decimal> Decimal::div(const Decimal& a, const Decimal& b) {
  if (b.coef_ == 0) return std::nullopt;
  // a/b = (a.coef * 10^(kMaxScale + b.scale - a.scale) / b.coef) / 10^kMaxScale; one extra digit to round.
  const int shift = kMaxScale + b.scale_ - a.scale_ + 1;
  if (narrow(a) && shift >= 0 && shift <= 19) {
    // |a| < 2^63 and 10^19 < 2^64: the product is below 2^127, no overflow to check (equal scales,
    // the usual case, shift by 19).
    static constexpr uint64_t kPow10to19[20] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u,
                                                1000000000u, 10000000000u, 100000000000u, 1000000000000u,
                                                10000000000000u, 100000000000000u, 1000000000000000u,
                                                10000000000000000u, 100000000000000000u, 1000000000000000000u,
                                                10000000000000000000u};
    const Int128 n = a.coef_ * static_cast<Int128>(kPow10to19[shift]);
    Int128 q = n / b.coef_;
    const Int128 rest = n % b.coef_;
    // Round the extra digit half-even, looking at the remainder for exact halves.
    const Int128 last = q % 10;
    q /= 10;
    const Int128 abs_last = last < 0 ? -last : last;
    const bool negative = (a.coef_ < 0) != (b.coef_ < 0);
    const bool away = abs_last > 5 || (abs_last == 5 && (rest != 0 || (q % 2 != 0)));
    if (away) q += negative ? -1 : 1;
    if (in_range(q)) return Decimal(q, kMaxScale);
    // 18 places make it more than 38 digits: the general path keeps fewer.
  }
  return div_wide(a, b);
}

namespace {

__extension__ using UInt128 = unsigned __int128;

constexpr UInt128 upow10(int n) {
  UInt128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

int bit_length(UInt128 v) {
  const auto high = static_cast<uint64_t>(v >> 64), low = static_cast<uint64_t>(v);
  if (high) return 128 - __builtin_clzll(high);
  return low ? 64 - __builtin_clzll(low) : 0;
}

// round(n x 10^k / d) half-even, for n, d > 0 and k >= 0, or nullopt when it is above `limit`. Long
// division, as many digits at a time as the remainder x 10^j fits 128 bits: no intermediate value
// overflows however large n, d and k are, so a quotient that fits is always found.
std::optional<UInt128> scaled_quotient(UInt128 n, UInt128 d, int k, UInt128 limit) {
  UInt128 q = n / d, r = n % d;
  if (q > limit) return std::nullopt;
  while (k > 0) {
    // r < d <= 10^38 < 2^127. 10^j < 2^(3.3220 j) <= 2^(128 - bits(r)), so r x 10^j < 2^128.
    int j = std::min(k, (128 - bit_length(r)) * 1000 / 3322);
    UInt128 digits;
    if (j > 0) {
      const UInt128 scaled = r * upow10(j);
      digits = scaled / d;
      r = scaled % d;
    } else {
      // r >= 2^125: one digit, 10r / d, as the number of times r added ten times wraps past d.
      j = 1;
      digits = 0;
      UInt128 m = 0;
      for (int i = 0; i < 10; ++i) {
        // m, r < d < 2^127: the sum does not wrap.
        m += r;
        if (m >= d) {
          m -= d;
          ++digits;
        }
      }
      r = m;
    }
    const UInt128 p = upow10(j);
    if (q > (limit - digits) / p) return std::nullopt;
    q = q * p + digits;
    k -= j;
  }
  // Half-even on what is left: r / d against one half (r < d, so d - r does not wrap).
  const UInt128 other = d - r;
  if (r > other || (r == other && (q & 1) != 0)) ++q;
  if (q > limit) return std::nullopt;
  return q;
}

}  // namespace

std::optional<Decimal> Decimal::div_wide(const Decimal& a, const Decimal& b) {
  const bool negative = (a.coef_ < 0) != (b.coef_ < 0);
  const auto magnitude = [](Int128 v) { return v < 0 ? static_cast<UInt128>(-v) : static_cast<UInt128>(v); };
  const UInt128 n = magnitude(a.coef_), d = magnitude(b.coef_), limit = static_cast<UInt128>(kLimit);
  // kMaxScale places when the quotient has at most 20 whole digits; one place less for each digit more,
  // so that the coefficient keeps to 38 digits (a quotient of 39 whole digits or more overflows).
  for (int scale = kMaxScale; scale >= 0; --scale) {
    const int k = scale + b.scale_ - a.scale_;  // the power of ten n is scaled by
    std::optional<UInt128> q;
    if (k >= 0) {
      q = scaled_quotient(n, d, k, limit);
    } else {
      // Fewer places than the dividend has: divide by d x 10^-k instead. When that does not fit 128
      // bits, the quotient is below 1/2 (n < 2^127) and rounds to zero.
      UInt128 divisor = d;
      bool beyond = false;
      for (int i = 0; i < -k && !beyond; ++i) beyond = __builtin_mul_overflow(divisor, UInt128{10}, &divisor);
      q = beyond ? std::optional<UInt128>(0) : scaled_quotient(n, divisor, 0, limit);
    }
    if (q) return Decimal(negative ? -static_cast<Int128>(*q) : static_cast<Int128>(*q), scale);
  }
  return std::nullopt;
}

std::optional<Decimal> Decimal::rounded(int places, RoundingMode mode) const {
  if (places >= scale_) return *this;
  Int128 q = divide_pow10(coef_, scale_ - places, mode);
  return Decimal(q, places);
}

std::string Decimal::to_fixed(int places) const {
  std::optional<Decimal> r = rescaled(places);
  if (places < scale_) r = rounded(places, RoundingMode::HalfEven);
  if (!r) return to_string();
  Int128 v = r->coef_ < 0 ? -r->coef_ : r->coef_;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v > 0);
  while (static_cast<int>(digits.size()) <= places) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  std::string out = r->coef_ < 0 ? "-" : "";
  if (places == 0) return out + digits;
  return out + digits.substr(0, digits.size() - places) + "." + digits.substr(digits.size() - places);
}

int Decimal::compare_wide(const Decimal& a, const Decimal& b) {
  int scale = std::max(a.scale_, b.scale_);
  auto x = a.rescaled(scale), y = b.rescaled(scale);
  if (x && y) return x->coef_ < y->coef_ ? -1 : x->coef_ > y->coef_ ? 1 : 0;
  // Rescaling overflowed: the one that overflowed has the larger magnitude.
  const Decimal& big = x ? b : a;
  int s = big.sign();
  return (&big == &a) ? s : -s;
}

std::string Decimal::to_string() const {
  Int128 v = coef_ < 0 ? -coef_ : coef_;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v > 0);
  while (static_cast<int>(digits.size()) <= scale_) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  std::string out = coef_ < 0 ? "-" : "";
  if (scale_ == 0) return out + digits;
  std::string whole = digits.substr(0, digits.size() - scale_);
  std::string frac = digits.substr(digits.size() - scale_);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return frac.empty() ? out + whole : out + whole + "." + frac;
}

}  // namespace rebate
