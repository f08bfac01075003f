// The FX input indexed by pair and day (fx.h).
#include "engine/fx.h"

#include <fmt/format.h>

#include <cstdint>

#include "core/currency.h"
#include "engine/row_walk.h"
#include "engine/state.h"

namespace rebate::engine {

void index_fx(State& s) {
  const plan::Plan& plan = s.plan;
  if (plan.fx_input >= plan.inputs.size() || plan.fx_input >= s.tables.size()) return;
  const plan::Input& in = plan.inputs[plan.fx_input];
  const ledger::Table& t = s.tables[plan.fx_input];
  const ledger::Column& base = t.columns[in.base_column];
  const ledger::Column& quote = t.columns[in.quote_column];
  const ledger::Column& day = t.columns[in.date_column];
  const ledger::Column& rate = t.columns[in.rate_column];
  RowErrors errors(s, "FX table", SIZE_MAX);  // every bad rate said: an FX row is never left out (fx.h)
  for_each_row_read(s, plan.fx_input, errors, AsOf::ReadAll, [&](const ReadRow& at) {
    const size_t row = at.row;
    const Decimal r = Decimal::from_scaled(rate.values[row], rate.spec.scale);
    if (base.values[row] == quote.values[row]) {
      at.fail(in.quote_column, fmt::format("a rate from {} to itself; a currency converts to itself at 1 without a row",
                                           currency_code_at(static_cast<int>(base.values[row]))));
      return;
    }
    if (r.coefficient() <= 0) {
      at.fail(in.rate_column, fmt::format("a rate is above zero, and this one is {}", r.to_string()));
      return;
    }
    s.fx.add(static_cast<int>(base.values[row]), static_cast<int>(quote.values[row]), static_cast<DayNumber>(day.values[row]), r, at.line());
  });
  if (auto dup = s.fx.finish()) {
    errors.add(fmt::format("{}:{}: a second {} rate for {} (the first is on line {}); keep one of them", file_of(in, t),
                           dup->second_line, FxRates::pair_name(dup->base, dup->quote), format_date(dup->day), dup->first_line));
  }
}

}  // namespace rebate::engine
