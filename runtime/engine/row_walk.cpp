// The walk over an input read whole: its errors (row_walk.h).
#include "engine/row_walk.h"

#include <fmt/format.h>

namespace rebate::engine {

std::string cell_text(const State& s, const ledger::Column& c, size_t row) {
  return c.spec.kind == ledger::ColumnKind::Text ? std::string(s.pool.text(static_cast<uint32_t>(c.values[row]))) : std::to_string(c.values[row]);
}

bool RowErrors::finish() {
  if (limit_ != 0 && found_ > limit_) s_.result.errors.push_back(fmt::format("{} more errors in the {} not shown", found_ - limit_, inputs_));
  return found_ == 0;
}

void ReadRow::fail(uint32_t column, std::string_view message) const {
  errors.add(fmt::format("{}:{}: column `{}`: {}", file, line(), in.spec.columns[column].name, message));
}

}  // namespace rebate::engine
