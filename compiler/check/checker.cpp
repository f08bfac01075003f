// Entry point of the check phase: the order of the passes.
#include "check/checker.h"

#include "check/checker_impl.h"

namespace rebate {

const char* describe(SymbolKind kind) {
  switch (kind) {
    case SymbolKind::Enum: return "enum";
    case SymbolKind::EnumMember: return "enum member";
    case SymbolKind::Table: return "table";
    case SymbolKind::Ledger: return "ledger";
    case SymbolKind::Calendar: return "calendar";
    case SymbolKind::Const: return "constant";
    case SymbolKind::Measure: return "measure";
    case SymbolKind::Group: return "group";
    case SymbolKind::Tiers: return "tier table";
    case SymbolKind::Decision: return "decision table";
    case SymbolKind::Rebate: return "rebate";
    case SymbolKind::Award: return "award";
    case SymbolKind::Budget: return "budget";
    case SymbolKind::Column: return "column";
    case SymbolKind::GroupField: return "group field";
    case SymbolKind::Partner: return "partner";
    case SymbolKind::Period: return "period";
    case SymbolKind::Builtin: return "builtin";
  }
  return "name";
}

std::unique_ptr<TypedProgram> check_program(const std::vector<const ast::Module*>& modules, const SourceMap& sources,
                                            Diagnostics& diags) {
  return check::Checker(modules, sources, diags).run();
}

namespace check {

Checker::Checker(const std::vector<const ast::Module*>& modules, const SourceMap& sources_, Diagnostics& diags_)
    : diags(diags_), sources(sources_), out(std::make_unique<TypedProgram>()) {
  out->modules = modules;
  root = modules.empty() ? nullptr : modules.front();
  ast::ExprId max_id = 0;
  for (const ast::Module* m : modules) max_id = std::max(max_id, m->first_expr_id + m->expr_count);
  out->types.assign(max_id, Type::error());
  out->refs.assign(max_id, std::nullopt);
  out->constants.assign(max_id, std::nullopt);
}

std::unique_ptr<TypedProgram> Checker::run() {
  collect_globals();
  check_program_header();
  check_sources();
  check_ledger_lookups();
  check_calendars();
  check_consts();
  check_tiers();
  check_groups();
  check_measures();
  check_decisions();
  check_rebates();
  check_awards();
  check_budgets();
  check_closing();
  check_payout_currency();
  check_funds_program();
  check_tests();
  run_lints();
  return std::move(out);
}

}  // namespace check
}  // namespace rebate
