// The check phase: name resolution, types with units, tier and decision table validation, and lints.
// Input: the parsed modules of one program. Output: a TypedProgram (side tables keyed by ExprId) that
// the planner reads, plus diagnostics. The AST is never modified.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "check/types.h"
#include "core/calendar.h"
#include "core/decimal.h"
#include "diagnostics/diagnostic.h"
#include "source/source.h"

namespace rebate {

// What a name refers to.
#define REBATE_SYMBOL_KINDS(X) \
  X(Enum) X(EnumMember) X(Table) X(Ledger) X(Calendar) X(Const) X(Measure) X(Group) X(Tiers) \
  X(Decision) X(Rebate) X(Award) X(Budget) X(Column) X(GroupField) X(Partner) X(Period) X(Builtin)

enum class SymbolKind {
#define X(k) k,
  REBATE_SYMBOL_KINDS(X)
#undef X
};
const char* describe(SymbolKind kind);  // "measure", "ledger", ...

struct Symbol {
  SymbolKind kind;
  std::string name;
  const void* decl = nullptr;  // the ast:: declaration (for Column/GroupField: the ast::Source/Group)
  uint32_t index = 0;          // Column: column index; EnumMember: member index; GroupField: field index
  Span span;                   // where it is defined
};


struct ProgramSettings {
  std::string title;
  std::string currency = "USD";
  PeriodGrain grain = PeriodGrain::Quarter;
  const ast::Calendar* calendar = nullptr;  // fiscal calendar, when the period names one
  std::optional<DayNumber> effective_from, effective_to;
  RoundingMode rounding = RoundingMode::HalfEven;
  // `closed_through: 2026-Q2` and `closed_on: 2026-07-10` (docs/language.md §23): the last closed period, as
  // its label, and the day the periods up to it were closed (nullopt: that period's last day).
  std::optional<std::string> closed_through;
  std::optional<DayNumber> closed_on;
  Span closed_span;  // the `closed_through` setting's value (or `closed_on`'s, when only it is set)
  // `payout_currency: EUR` or `payout_currency: partner.COLUMN`, and `payout_fx: period_end | period_average`
  // (docs/language.md §24, "Paying in the partner's currency"): every payout, final in `currency`, is
  // converted into one currency, or into the one a `Currency` column of the partner table names per
  // partner, at the rate of the period's last day (or the period's average).
  std::string payout_currency;                  // the code, when the whole program pays in one
  std::optional<uint32_t> payout_currency_column;  // else: the partner table's column
  bool payout_at_average = false;
  const ast::Expr* payout_currency_value = nullptr;  // as written (null: no payout currency)
  const ast::Expr* payout_fx_value = nullptr;
};

struct TypedProgram {
  ProgramSettings settings;
  const ast::Program* program = nullptr;  // null for a library module checked on its own
  std::vector<const ast::Module*> modules;
  std::map<std::string, Symbol> globals;
  const ast::Source* partner_table = nullptr;
  const ast::Source* fx_table = nullptr;  // the exchange rates `convert` reads (docs/language.md §24)
  std::vector<const ast::Measure*> measure_order;  // each after the measures it uses

  // Side tables indexed by ExprId.
  std::vector<Type> types;
  std::vector<std::optional<Symbol>> refs;  // Name and Member expressions that name something
  // The value of an expression known before the run (a literal, a constant, a formula of them), a
  // percentage as its ratio: what tier bounds and budgets are lowered from.
  std::vector<std::optional<Decimal>> constants;

  const Type& type_of(const ast::Expr& e) const { return types.at(e.id); }
  const Symbol* ref_of(const ast::Expr& e) const {
    return e.id < refs.size() && refs[e.id] ? &*refs[e.id] : nullptr;
  }
  std::optional<Decimal> constant_of(const ast::Expr& e) const { return e.id < constants.size() ? constants[e.id] : std::nullopt; }
};

std::unique_ptr<TypedProgram> check_program(const std::vector<const ast::Module*>& modules, const SourceMap& sources,
                                            Diagnostics& diags);

// `--dump=types`: every declaration with its type, one per line.
std::string dump_types(const TypedProgram& program);

}  // namespace rebate
