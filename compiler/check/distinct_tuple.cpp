// `count_distinct` over several columns (docs/language.md §7, "Distinct combinations of columns"):
// `sales.count_distinct((person, certification))` counts the different combinations of the columns on
// the partner's lines in the period. The values of the tuple must be columns of the ledger aggregated (the
// plan forms the combinations as the rows of a group by those columns, which compares their values, so
// two different combinations are never merged), and a tuple means nothing anywhere else (E0320).
#include <fmt/format.h>

#include <set>

#include "check/checker_impl.h"

namespace rebate::check {

Value Checker::check_tuple_elsewhere(const ast::Expr& e) {
  diags.report(DiagKind::MisplacedTuple, e.span, "a tuple of values `(a, b)` means something only in `count_distinct`")
      .with_help("to count distinct combinations of columns write `sales.count_distinct((customer, sku))`; to group an expression, write one value inside the parentheses");
  return Value{};
}

Value Checker::check_distinct_tuple(const ast::Expr& call, const ast::Expr& tuple, const ast::Source* ledger, const ast::Group* group,
                                    const Scope& scope, const Scope& row) {
  const std::string receiver = call.arg(0).text;
  if (group) {
    diags.report(DiagKind::MisplacedTuple, tuple.span, fmt::format("`count_distinct` over several values counts a ledger's lines, and `{}` is a group", receiver))
        .with_help(fmt::format("count the rows of a group with the columns in its `by`: `group {} = {} by ..., ...`", receiver, group->ledger.name));
    return Value{};
  }
  if (scope.in_group) {
    diags.report(DiagKind::MisplacedTuple, tuple.span, "`count_distinct` over several values cannot stand in a group's field")
        .with_help("define it as a measure, or add the columns to the group's `by` and count its rows");
    return Value{};
  }
  bool ok = true;
  std::set<std::string> seen;
  for (const auto& item : tuple.args) {
    Value v = check_value(*item, row);
    if (v.type.is_error()) {
      ok = false;
      continue;
    }
    const Symbol* s = item->id < out->refs.size() && out->refs[item->id] ? &*out->refs[item->id] : nullptr;
    if (item->kind != ast::ExprKind::Name || !s || s->kind != SymbolKind::Column || s->decl != ledger) {
      diags.report(DiagKind::MisplacedTuple, item->span, fmt::format("each value counted together must be a column of `{}`", receiver))
          .with_help(fmt::format("name a column of `{}` here; to count a formula of a line, have the export write it as a column", receiver));
      ok = false;
      continue;
    }
    if (!seen.insert(item->text).second) {
      diags.report(DiagKind::MisplacedTuple, item->span, fmt::format("`{}` is counted twice in one combination", item->text))
          .with_help("name each column once");
      ok = false;
    }
  }
  if (!ok) return Value{};
  return Value{Type::of(TypeKind::Int)};
}

}  // namespace rebate::check
