// Exchange rates as a program's FX table gives them (docs/language.md §24): for each pair of currencies
// (base -> quote), the rates by the day they take effect. Built once per run from the FX input
// (engine/fx.cpp), then read by the `Convert` instruction on every engine (vm/ops.h).
//
// Which rate applies to a day: the one dated that day, or else the latest one dated before it (rates are
// published on working days; a weekend line takes Friday's). No rate on or before the day is a missing
// rate, an error naming the pair and the day. Rates are never inverted or chained: EUR -> USD does not
// give USD -> EUR (1 / rate is not exact), so the table lists each direction a program converts in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/decimal.h"

namespace rebate {

class FxRates {
 public:
  // Currencies are currency_index() numbers. `line` is where the rate was read (for messages).
  void add(int base, int quote, DayNumber day, const Decimal& rate, uint64_t line);
  // Sorts each pair's rates by day. A pair with two rates on one day is ambiguous: the first such
  // duplicate (by line) is returned (nullopt: none).
  struct Duplicate {
    uint64_t first_line, second_line;
    int base, quote;
    DayNumber day;
  };
  std::optional<Duplicate> finish();

  // The rate in force on `day` (1 when base == quote, without a row), or nullopt.
  std::optional<Decimal> on(int base, int quote, DayNumber day) const;
  // The average of the rates in force on each day of [first, last], every calendar day weighing the
  // same, rounded half-even to kAveragePlaces places; nullopt (and `*missing` the first day without a
  // rate) when a day has none.
  std::optional<Decimal> average(int base, int quote, DayNumber first, DayNumber last, DayNumber* missing) const;
  static constexpr int kAveragePlaces = 10;

  bool empty() const { return pairs_.empty(); }
  // "EUR to USD": how messages name a pair.
  static std::string pair_name(int base, int quote);

 private:
  struct Dated {
    DayNumber day;
    Decimal rate;
    uint64_t line;
  };
  struct Pair {
    int base, quote;
    std::vector<Dated> rates;  // by day once finished
  };
  const Pair* find(int base, int quote) const;
  std::vector<Pair> pairs_;
};

}  // namespace rebate
