// `count_distinct` over several columns (docs/language.md §7): the different combinations of the columns
// are the rows of a group by those columns, formed by the group machinery the engines, the parallel scan's
// merge, the time shifts and the SQL target already have. A group row is keyed by the columns' values
// themselves, so two different combinations are never one row (no hash of the tuple is counted), and a
// year to date forms its rows over the whole window like any group's.
#include <fmt/format.h>

#include "lower/lowerer.h"

namespace rebate::lowering {

uint32_t Lowerer::distinct_combinations(const ast::Expr& e, const Context& row, uint32_t where) {
  const ast::Source& ledger = *row.row_source;
  const uint32_t input = input_index_[&ledger];
  plan::Group g;
  g.name = text_of(e);  // `sales.count_distinct((person, certification))`, for --dump=plan
  g.ledger = input;
  for (const auto& item : e.args[1]->args) {
    for (uint32_t i = 0; i < ledger.columns.size(); ++i) {
      if (ledger.columns[i].name.name == item->text) g.key_columns.push_back(i);
    }
  }
  const auto keys = static_cast<uint32_t>(g.key_columns.size());
  const auto group = static_cast<uint32_t>(plan_.groups.size());
  plan_.groups.push_back(std::move(g));

  plan::Aggregate count;
  count.kind = plan::AggregateKind::Count;
  count.over_group = true;
  count.source = group;
  count.where = where;
  if (e.where) {
    // A combination counts when one of its lines passes the filter: the group's one field is the number
    // of such lines, and the count keeps the rows where it is above zero.
    plan::Aggregate lines;
    lines.kind = plan::AggregateKind::Count;
    lines.source = input;
    lines.where = where;
    lines.filter = function(fmt::format("{}.count_distinct where", e.arg(0).text), *e.where, row, input);
    plan_.group_field_aggregates.push_back(lines);
    const auto field_aggregate = static_cast<uint32_t>(plan_.group_field_aggregates.size() - 1);
    plan_.groups[group].aggregates.push_back(field_aggregate);
    const FunctionId field = begin(fmt::format("group {}.lines", plan_.groups[group].name), plan::FunctionKind::PartnerPeriod);
    emit(Opcode::Aggregate, field_aggregate, 0, where);
    emit(Opcode::Return, 0, 0, where);
    plan_.groups[group].field_names.push_back("lines");
    plan_.groups[group].field_values.push_back(field);

    count.filter = begin(fmt::format("{} where lines > 0", plan_.groups[group].name), plan::FunctionKind::GroupRow, group);
    emit(Opcode::GroupField, keys, 0, where);  // a group row's values are its keys, then its fields
    emit(Opcode::Const, constant(plan::Value::integer(0)), 0, where);
    emit(Opcode::Gt, 0, 0, where);
    emit(Opcode::Return, 0, 0, where);
  }
  plan_.aggregates.push_back(count);
  return static_cast<uint32_t>(plan_.aggregates.size() - 1);
}

}  // namespace rebate::lowering
