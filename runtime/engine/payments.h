// What a program's payments inputs say was paid, by rebate, partner and period: what settled rebates
// net against (docs/language.md §22). Built once the partners are known (after the scan); read by the
// evaluation of every cell.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/decimal.h"
#include "engine/periods.h"

namespace rebate::engine {

struct State;

// The payments of one partner and rebate over some periods: their sum and how many rows it adds up.
struct Paid {
  Decimal amount;
  uint64_t payments = 0;
};

class PaymentsIndex {
 public:
  // Sizes the index for the plan's rebates.
  void reset(size_t rebates) { by_rebate_.assign(rebates, {}); }
  // False when the partner and period's payments of the rebate would pass 38 digits (nothing added).
  bool add(uint32_t rebate, uint32_t partner, PeriodIndex period, const Decimal& amount);
  // What was paid for plan rebate `rebate` to `partner` for the periods [first, last].
  Paid paid(uint32_t rebate, uint32_t partner, PeriodIndex first, PeriodIndex last) const;

 private:
  std::vector<std::map<std::pair<uint32_t, PeriodIndex>, Paid>> by_rebate_;  // (partner, period) -> paid
};

// Reads every payments input's rows into s.payments. A row that names no partner, rebate or period of
// the program is an error naming its file, line and column: a payment left out would be paid again.
// False when there were errors (in s.result.errors).
bool index_payments(State& s);

}  // namespace rebate::engine
