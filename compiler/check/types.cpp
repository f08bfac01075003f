// Type equality, printing and the currency table.
#include "check/types.h"


namespace rebate {

bool Type::is_value() const {
  switch (kind) {
    case TypeKind::Error: case TypeKind::Int: case TypeKind::Decimal: case TypeKind::Money:
    case TypeKind::Percent: case TypeKind::Bool: case TypeKind::Text: case TypeKind::Date:
    case TypeKind::Period: case TypeKind::Duration: case TypeKind::Enum: case TypeKind::Currency:
      return true;
    case TypeKind::Row: case TypeKind::Source: case TypeKind::Group: case TypeKind::Tiers:
    case TypeKind::Decision: case TypeKind::List: case TypeKind::Range:
      return false;
  }
  return false;
}

bool operator==(const Type& a, const Type& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == TypeKind::Money) return a.currency == b.currency && a.decl == b.decl;
  if (a.kind == TypeKind::Duration) return a.currency.empty() || b.currency.empty() || a.currency == b.currency;
  if (a.element || b.element) return a.element && b.element && *a.element == *b.element;
  return a.decl == b.decl;
}

std::string to_string(const Type& t) {
  switch (t.kind) {
    case TypeKind::Error: return "<error>";
    case TypeKind::Int: return "Int";
    case TypeKind::Decimal: return "Decimal";
    case TypeKind::Money:
      if (t.is_line_money()) return "Money(" + static_cast<const ast::Column*>(t.decl)->name.name + ")";  // as declared
      return "Money(" + t.currency + ")";
    case TypeKind::Currency: return "Currency";
    case TypeKind::Percent: return "Percent";
    case TypeKind::Bool: return "Bool";
    case TypeKind::Text: return "Text";
    case TypeKind::Date: return "Date";
    case TypeKind::Period: return "Period";
    case TypeKind::Duration: return t.currency.empty() ? "Duration" : "Duration(" + t.currency + ")";
    case TypeKind::Enum: return t.enum_decl() ? t.enum_decl()->name.name : "enum";
    case TypeKind::Row: return t.source_decl() ? "row of " + t.source_decl()->name.name : "row";
    case TypeKind::Source:
      if (!t.source_decl()) return "source";
      return (t.source_decl()->kind == ast::SourceKind::Ledger ? "ledger "
              : t.source_decl()->kind == ast::SourceKind::Payments ? "payments ledger "
              : t.source_decl()->kind == ast::SourceKind::Claims ? "claims ledger "
              : t.source_decl()->kind == ast::SourceKind::Fx ? "fx table " : "table ") + t.source_decl()->name.name;
    case TypeKind::Group: return t.group_decl() ? "group " + t.group_decl()->name.name : "group";
    case TypeKind::Tiers: return t.tiers_decl() ? "tier table " + t.tiers_decl()->name.name : "tier table";
    case TypeKind::Decision: return "decision table";
    case TypeKind::List: return "List(" + (t.element ? to_string(*t.element) : "?") + ")";
    case TypeKind::Range: return "Range(" + (t.element ? to_string(*t.element) : "?") + ")";
  }
  return "?";
}

}  // namespace rebate
