// The types of the Rebate language. Money carries its currency, so unit errors are type errors.
#pragma once

#include <memory>
#include <string>

#include "ast/ast.h"
#include "core/currency.h"

namespace rebate {

// Type kinds, listed once; switches over them have no `default:`.
#define REBATE_TYPE_KINDS(X)                                                          \
  X(Error)    /* already reported; silences follow-on errors */                        \
  X(Int) X(Decimal) X(Money) X(Percent) X(Bool) X(Text) X(Date) X(Period) X(Duration) \
  X(Currency) /* a Currency column's cell: an ISO 4217 code (docs/language.md §24) */     \
  X(Enum)     /* decl = the ast::Enum */                                               \
  X(Row)      /* a row of a table or ledger (partner, a table lookup); decl = ast::Source */ \
  X(Source)   /* a ledger or table as a whole: what aggregates range over */           \
  X(Group)    /* a group of ledger lines (orders); decl = ast::Group */                \
  X(Tiers)    /* a tier table; decl = ast::Tiers */                                    \
  X(Decision) /* a decision table name, when not applied */                             \
  X(List)     /* [a, b]; element */                                                    \
  X(Range)    /* a .. b; element */

enum class TypeKind {
#define X(k) k,
  REBATE_TYPE_KINDS(X)
#undef X
};

struct Type {
  TypeKind kind = TypeKind::Error;
  std::string currency;                 // Money: the currency; Duration: "days" or "months" (the two never mix)
  // Enum, Row, Source, Group, Tiers, Decision; Money in its line's own currency: the ast::Column that
  // holds the line's currency (`currency` is then empty).
  const void* decl = nullptr;
  std::shared_ptr<const Type> element;  // List, Range

  static Type error() { return Type{}; }
  static Type of(TypeKind k) { return Type{k, {}, nullptr, nullptr}; }
  static Type money(std::string currency) { return Type{TypeKind::Money, std::move(currency), nullptr, nullptr}; }
  static Type with_decl(TypeKind k, const void* decl) { return Type{k, {}, decl, nullptr}; }
  static Type container(TypeKind k, Type element) {
    return Type{k, {}, nullptr, std::make_shared<const Type>(std::move(element))};
  }

  bool is_error() const { return kind == TypeKind::Error; }
  bool is_number() const { return kind == TypeKind::Int || kind == TypeKind::Decimal; }
  // Plain numbers and percentages: dimensionless, so they compare with each other.
  bool is_ratio() const { return is_number() || kind == TypeKind::Percent; }
  bool is_value() const;  // something a measure can hold (not a table, tier table, ...)
  // Money whose currency is read per line from a Currency column (`amount: Money(currency)`).
  bool is_line_money() const { return kind == TypeKind::Money && decl != nullptr; }
  static Type line_money(const ast::Column* currency_column) { return Type{TypeKind::Money, {}, currency_column, nullptr}; }
  const ast::Enum* enum_decl() const { return static_cast<const ast::Enum*>(decl); }
  const ast::Source* source_decl() const { return static_cast<const ast::Source*>(decl); }
  const ast::Group* group_decl() const { return static_cast<const ast::Group*>(decl); }
  const ast::Tiers* tiers_decl() const { return static_cast<const ast::Tiers*>(decl); }
};

bool operator==(const Type& a, const Type& b);
inline bool operator!=(const Type& a, const Type& b) { return !(a == b); }

// "Money(USD)", "Tier", "List(Text)": as the user would write the type.
std::string to_string(const Type& t);

}  // namespace rebate
