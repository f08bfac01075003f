// The FX input indexed by pair and day (fx.h).
#include "engine/fx.h"

#include <fmt/format.h>

#include "core/currency.h"
#include "engine/state.h"

namespace rebate::engine {

void index_fx(State& s) {
  const plan::Plan& plan = s.plan;
  if (plan.fx_input >= plan.inputs.size() || plan.fx_input >= s.tables.size()) return;
  const plan::Input& in = plan.inputs[plan.fx_input];
  const ledger::Table& t = s.tables[plan.fx_input];
  const std::string file = t.source.empty() ? in.name : t.source;
  const ledger::Column& base = t.columns[in.base_column];
  const ledger::Column& quote = t.columns[in.quote_column];
  const ledger::Column& day = t.columns[in.date_column];
  const ledger::Column& rate = t.columns[in.rate_column];
  for (size_t row = 0; row < t.row_count(); ++row) {
    const Decimal r = Decimal::from_scaled(rate.values[row], rate.spec.scale);
    if (base.values[row] == quote.values[row]) {
      s.result.errors.push_back(fmt::format("{}:{}: column `{}`: a rate from {} to itself; a currency converts to itself at 1 without a row",
                                            file, t.line(row), quote.spec.name, currency_code_at(static_cast<int>(base.values[row]))));
      continue;
    }
    if (r.coefficient() <= 0) {
      s.result.errors.push_back(fmt::format("{}:{}: column `{}`: a rate is above zero, and this one is {}", file, t.line(row),
                                            rate.spec.name, r.to_string()));
      continue;
    }
    s.fx.add(static_cast<int>(base.values[row]), static_cast<int>(quote.values[row]), static_cast<DayNumber>(day.values[row]), r,
             t.line(row));
  }
  if (auto dup = s.fx.finish()) {
    s.result.errors.push_back(fmt::format("{}:{}: a second {} rate for {} (the first is on line {}); keep one of them", file,
                                          dup->second_line, FxRates::pair_name(dup->base, dup->quote), format_date(dup->day), dup->first_line));
  }
}

}  // namespace rebate::engine
