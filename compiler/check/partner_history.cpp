// Partner history (docs/language.md §28): the `valid_from` and `valid_to` roles, which let the partner
// table hold one row per partner per stretch of time. Only the partner table's `Date` columns take them
// (E0521), and `valid_to` needs `valid_from` beside it (E0522): an end without a start would leave every
// row "since always", so two rows of one partner would always overlap. A role given twice is E0506, as
// for every role.
#include <fmt/format.h>

#include "check/checker_impl.h"

namespace rebate::check {

void Checker::check_validity_role(const ast::Source& s, const ast::Column& c, const ast::Ident& role, const Type& t) {
  const std::string& r = role.name;
  if (s.kind != ast::SourceKind::PartnerTable) {
    diags.report(DiagKind::InvalidValidityRole, role.span, fmt::format("only a partner table column can have the role `{}`", r))
        .with_help("a history of partner attributes lives in the partner table (`partner table NAME { ... }`, docs/language.md §28); "
                   "other tables and ledgers have no validity dates");
    return;
  }
  // An empty cell is an open end: in formulas (`partner.valid_to`) the column may have no value.
  decl_value[&c].maybe_none = true;
  decl_value[&c].none_origin = c.name.span;
  if (!t.is_error() && t.kind != TypeKind::Date) {
    diags.report(DiagKind::InvalidValidityRole, c.type.span, fmt::format("the `{}` column must have type `Date`", r))
        .with_label(fmt::format("this column is {}", to_string(t)))
        .with_help(fmt::format("declare it `{}: Date as {}`; an empty cell means {}", c.name.name, r,
                               r == "valid_from" ? "since always" : "still in force"));
  }
}

void Checker::check_partner_history(const ast::Source& s, const std::map<std::string, const ast::Column*>& roles) {
  if (s.kind != ast::SourceKind::PartnerTable) return;
  auto to = roles.find("valid_to");
  if (to == roles.end() || roles.count("valid_from")) return;
  const ast::Column& c = *to->second;
  for (const ast::Ident& role : c.roles) {
    if (role.name != "valid_to") continue;
    diags.report(DiagKind::ValidToWithoutValidFrom, role.span, "the partner table has a `valid_to` column but no `valid_from` column")
        .with_help("mark the first day of each row's stretch too (`valid_from: Date as valid_from from \"Valid From\"`); a table may "
                   "have `valid_from` alone (each row in force until the partner's next one starts), not `valid_to` alone");
  }
}

}  // namespace rebate::check
