// The `Convert` instruction (ops.h): an amount from one currency into another at a rate of the run's
// FX table, shared by the interpreter and the JIT's runtime.
#include <fmt/format.h>

#include "core/currency.h"
#include "vm/ops.h"

namespace rebate::vm::ops {

std::string convert(const plan::Plan& plan, const FxRates* fx, uint32_t to, uint32_t mode, Value& x, const Value& currency,
                    const Value& at) {
  if (x.none || currency.none || at.none) {
    x = Value::missing();
    return "";
  }
  const int from = static_cast<int>(currency.coef);
  const int into = static_cast<int>(to);
  const std::string table = plan.fx_input < plan.inputs.size() ? fmt::format(" in the FX table `{}`", plan.inputs[plan.fx_input].name) : "";
  std::optional<Decimal> rate;
  if (mode == 2) {
    const DayNumber first = static_cast<DayNumber>(at.coef), last = static_cast<DayNumber>(at.aux);
    DayNumber missing = first;
    rate = from == into ? Decimal::from_int(1) : fx ? fx->average(from, into, first, last, &missing) : std::nullopt;
    if (!rate) {
      return fmt::format("no {} rate for {} (the average over {} .. {} needs a rate in force on every day){}", FxRates::pair_name(from, into),
                         format_date(missing), format_date(first), format_date(last), table);
    }
  } else {
    const DayNumber day = static_cast<DayNumber>(mode == 1 ? at.aux : at.coef);
    rate = from == into ? Decimal::from_int(1) : fx ? fx->on(from, into, day) : std::nullopt;
    if (!rate) return fmt::format("no {} rate on or before {}{}", FxRates::pair_name(from, into), format_date(day), table);
  }
  std::optional<Decimal> r = Decimal::mul(x.decimal(), *rate);
  if (!r) return kOverflow;
  x = Value::number(*r);
  return "";
}

}  // namespace rebate::vm::ops
