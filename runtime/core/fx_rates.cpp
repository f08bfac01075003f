// Exchange rates by pair and day (fx_rates.h).
#include "core/fx_rates.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/currency.h"

namespace rebate {

void FxRates::add(int base, int quote, DayNumber day, const Decimal& rate, uint64_t line) {
  auto it = std::find_if(pairs_.begin(), pairs_.end(), [&](const Pair& p) { return p.base == base && p.quote == quote; });
  if (it == pairs_.end()) it = pairs_.insert(pairs_.end(), Pair{base, quote, {}});
  it->rates.push_back(Dated{day, rate, line});
}

std::optional<FxRates::Duplicate> FxRates::finish() {
  std::optional<Duplicate> duplicate;
  for (Pair& p : pairs_) {
    // Stable, so that of two rows on one day the earlier line comes first in the message.
    std::stable_sort(p.rates.begin(), p.rates.end(), [](const Dated& a, const Dated& b) { return a.day < b.day; });
    for (size_t k = 1; k < p.rates.size(); ++k) {
      if (p.rates[k].day != p.rates[k - 1].day) continue;
      const Duplicate d{std::min(p.rates[k - 1].line, p.rates[k].line), std::max(p.rates[k - 1].line, p.rates[k].line), p.base, p.quote,
                        p.rates[k].day};
      if (!duplicate || d.second_line < duplicate->second_line) duplicate = d;
    }
  }
  return duplicate;
}

const FxRates::Pair* FxRates::find(int base, int quote) const {
  for (const Pair& p : pairs_) {
    if (p.base == base && p.quote == quote) return &p;
  }
  return nullptr;
}

std::optional<Decimal> FxRates::on(int base, int quote, DayNumber day) const {
  if (base == quote) return Decimal::from_int(1);
  const Pair* p = find(base, quote);
  if (!p) return std::nullopt;
  // The last rate dated on or before the day.
  auto it = std::upper_bound(p->rates.begin(), p->rates.end(), day, [](DayNumber d, const Dated& r) { return d < r.day; });
  if (it == p->rates.begin()) return std::nullopt;
  return std::prev(it)->rate;
}

std::optional<Decimal> FxRates::average(int base, int quote, DayNumber first, DayNumber last, DayNumber* missing) const {
  if (base == quote) return Decimal::from_int(1);
  Decimal sum;
  for (DayNumber d = first; d <= last; ++d) {
    std::optional<Decimal> r = on(base, quote, d);
    if (!r) {
      if (missing) *missing = d;
      return std::nullopt;
    }
    // A rate has at most 18 places and a period at most 366 days: the sum stays far within 38 digits.
    sum = Decimal::add(sum, *r).value_or(sum);
  }
  std::optional<Decimal> mean = Decimal::div(sum, Decimal::from_int(static_cast<int64_t>(last - first + 1)));
  if (!mean) return std::nullopt;
  return mean->rounded(kAveragePlaces, RoundingMode::HalfEven);
}

std::string FxRates::pair_name(int base, int quote) {
  return fmt::format("{} to {}", currency_code_at(base), currency_code_at(quote));
}

}  // namespace rebate
