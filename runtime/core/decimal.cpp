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

}  // namespace

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

std::optional<Decimal> Decimal::add(const Decimal& a, const Decimal& b) {
  int scale = std::max(a.scale_, b.scale_);
  auto x = a.rescaled(scale), y = b.rescaled(scale);
  if (!x || !y) return std::nullopt;
  Int128 r;
  if (__builtin_add_overflow(x->coef_, y->coef_, &r) || !in_range(r)) return std::nullopt;
  return Decimal(r, scale);
}

std::optional<Decimal> Decimal::sub(const Decimal& a, const Decimal& b) { return add(a, b.negated()); }

std::optional<Decimal> Decimal::mul(const Decimal& a, const Decimal& b) {
  int scale = a.scale_ + b.scale_;
  Int128 r;
  if (__builtin_mul_overflow(a.coef_, b.coef_, &r) || !in_range(r)) return std::nullopt;
  // Drop trailing zeros beyond the maximum scale; anything else would lose digits.
  while (scale > kMaxScale) {
    if (r % 10 != 0) return std::nullopt;
    r /= 10;
    --scale;
  }
  return Decimal(r, scale);
}

int Decimal::compare(const Decimal& a, const Decimal& b) {
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
