// Paying in the partner's currency (docs/language.md §24): the program's one step after budgets and
// settlement that converts each final payout from the program's currency into the currency it is paid in
// (the header's `payout_currency`, one code or a `Currency` column of the partner table) at the rate of the
// paid period (`payout_fx: period_end | period_average`), rounded to that currency's minor unit. Every
// engine's payouts go through it, as they go through budgets: it reads amounts, not bytecode.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/periods.h"

namespace rebate::engine {

struct State;

class PayoutConversion {
 public:
  explicit PayoutConversion(const State& s);
  // Sets b.paid and b.paid_totals (a program without a payout currency: leaves them null), and adds the
  // conversion to each explained payout's steps; `payouts` is b.payouts, writable. A pair without a rate
  // is a vm::EvalError naming the pair, the day, the partner and the period.
  void apply(PayoutBatch& b, Payout* payouts, PeriodIndex period);
  // The run's totals per currency paid in, as a note (`paid in 2 currencies: 1,234.00 EUR, 567.00 GBP`).
  void add_note(Summary& summary) const;

 private:
  const State& s_;
  std::vector<PaidIn> paid_, totals_;
  std::map<std::string_view, Decimal> by_currency_;
};

// "920.00 EUR = 1,000.00 USD × 0.92 (USD to EUR, rate of 2026-09-30)": what the explanations and
// statements say of a paid amount; `program_amount` in `program_currency`.
std::string paid_in_text(const PaidIn& paid, const Decimal& program_amount, const std::string& program_currency, int program_places);

}  // namespace rebate::engine

namespace rebate::engine {

// What the reports add for a payout currency (report.cpp), into room of at least kPaidRoom bytes:
// the CSV columns `,payout_amount,payout_currency,fx_rate,fx_rate_of` (`2026-09-30`, or
// `2026-07-01..2026-09-30` for an average), and the JSON member `, "paid": {...}` with the same four.
inline constexpr size_t kPaidRoom = 160;
char* put_paid_csv(char* w, const PaidIn& paid);
char* put_paid_json(char* w, const PaidIn& paid);
// The CSV headers' extra columns.
inline constexpr std::string_view kPaidColumns = ",payout_amount,payout_currency,fx_rate,fx_rate_of";
inline constexpr std::string_view kPaidTotalColumns = ",payout_amount,payout_currency";

}  // namespace rebate::engine
