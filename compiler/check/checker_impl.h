// The checker's internal state, shared by the files of compiler/check/ (one file per concern:
// declarations, expressions, calls, operators, tier and decision tables, rebates, lints). Not a public header.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "check/checker.h"
#include "check/suggest.h"
#include "core/decimal.h"

namespace rebate::check {

// Where an expression stands decides which names it may use.
enum class ScopeKind {
  Constant,       // const values, tier bounds, settings: literals and other constants only
  PartnerPeriod,  // measures, rebate clauses, awards: measures, partner, period, aggregates
  Row,            // inside an aggregate: the columns of one line (or one group), constants, partner
  TestValue,      // a value in a test row or expectation: literals and enum members
};

struct Scope {
  ScopeKind kind = ScopeKind::PartnerPeriod;
  const ast::Source* row_source = nullptr;  // Row scope over a ledger
  const ast::Group* row_group = nullptr;    // Row scope over a group's rows
  const ast::Group* in_group = nullptr;     // checking a group's fields: its ledger means its lines
  const ast::Measure* measure = nullptr;    // the measure being defined, for dependencies
  bool tier_bound = false;                  // Constant scope of a tier band bound (E0408, not E0211)
  bool tier_value = false;                  // ... of what a tier band pays (E0408 too)
};

// What checking an expression found out about it, beyond its type.
struct Value {
  Type type;
  bool maybe_none = false;  // may have no value (min/max/avg over no lines, an empty optional column)
  Span none_origin;         // the aggregate or column that may have no value
  std::optional<Decimal> constant;  // numeric value when known at compile time (numbers, money, percent as ratio)
  std::optional<bool> constant_bool;
};

// What the checker learned about a tier table: the unit of its bounds and the type of what it pays.
struct TierInfo {
  Type unit;
  Type pays;
};

class Checker {
 public:
  Checker(const std::vector<const ast::Module*>& modules, const SourceMap& sources, Diagnostics& diags);
  std::unique_ptr<TypedProgram> run();

  // ---- shared by the files of this folder ----
  Diagnostics& diags;
  const SourceMap& sources;
  std::unique_ptr<TypedProgram> out;
  const ast::Module* root = nullptr;

  // declarations.cpp
  void collect_globals();
  void define(SymbolKind kind, const ast::Ident& name, const void* decl, uint32_t index = 0);
  void check_program_header();
  void check_sources();
  void check_partner_id_types();
  void check_ledger_lookups();  // ledger_lookups.cpp: cycles of ledgers looking each other up by key
  void check_calendars();
  void check_consts();
  Value const_value(const ast::Const& c, const ast::Expr& use);
  void check_measures();
  void check_groups();
  Type resolve_type(const ast::TypeRef& ref);
  // ledger_lookups.cpp: lookups across ledgers by key (docs/language.md §26).
  Type ledger_lookup_type(const ast::TypeRef& ref, const ast::Source& ledger);
  void check_partner_lookup(const ast::Column& column, const ast::Ident& role, const Type& type);
  std::optional<Type> column_type(const ast::Source& source, const std::string& column) const;

  // expressions.cpp
  Value check(const ast::Expr& e, const Scope& scope, const Type* hint = nullptr);
  Value check_value(const ast::Expr& e, const Scope& scope, const Type* hint = nullptr);  // + no-value check
  Value check_condition(const ast::Expr& e, const Scope& scope);
  Value record(const ast::Expr& e, Value v);
  Value check_name(const ast::Expr& e, const Scope& scope, const Type* hint);
  Value check_member(const ast::Expr& e, const Scope& scope);
  Value check_period_member(const ast::Expr& e, const ast::Expr& obj);  // period_members.cpp
  // distinct_tuple.cpp: `count_distinct((a, b))`, and a tuple anywhere else.
  Value check_distinct_tuple(const ast::Expr& call, const ast::Expr& tuple, const ast::Source* ledger, const ast::Group* group,
                             const Scope& scope, const Scope& row);
  Value check_tuple_elsewhere(const ast::Expr& e);
  Value check_method(const ast::Expr& e, const Scope& scope);
  // The first measure, aggregate or look-back an (already checked) expression reads, directly or through
  // a decision table: what an `eligible when` condition may not read (E0514). Null when none.
  const ast::Expr* reads_figures(const ast::Expr& e) const;
  // The `year_to_date(...)` call a measure's value is made from, directly or through the measures it
  // reads; null when none (W0010: `previous` of it crosses into the year before).
  const ast::Expr* year_to_date_inside(const ast::Expr& e, std::set<const ast::Measure*>& seen) const;
  // A column of `ledger` (or a field or key of `group`) that the aggregate `method` can take, for a
  // help's example: one the program has, never a guess. Empty when none fits.
  std::string example_argument(const ast::Source* ledger, const ast::Group* group, const std::string& method) const;
  Value check_call(const ast::Expr& e, const Scope& scope);
  Value check_text_function(const ast::Expr& e, const Scope& scope);  // text_functions.cpp
  // text_lints.cpp: W0012, a text test whose answer is known before any line is read.
  void lint_text_comparison(const ast::Expr& e, const Value& a, const Value& b);
  void lint_text_in(const ast::Expr& e);
  void lint_text_test(const ast::Expr& e);
  Value check_quantity(const ast::Expr& e);
  void report_unrepresentable(const ast::Expr& e, std::string_view what, int max_places);
  std::string aggregate_help(const ast::Source& ledger, const ast::Column& column);
  Value measure_value(const ast::Measure& m, const ast::Expr& use);
  void require_value(const Value& v, const ast::Expr& e);
  void report_unknown(const std::string& name, Span span, const Scope& scope, const std::string& what,
                      const std::vector<std::string>* candidates = nullptr);

  // operators.cpp
  Value check_binary(const ast::Expr& e, const Scope& scope, const Type* hint);
  Value check_unary(const ast::Expr& e, const Scope& scope);
  Value check_in(const ast::Expr& e, const Scope& scope);
  Value check_if(const ast::Expr& e, const Scope& scope, const Type* hint);
  bool comparable(const Type& a, const Type& b) const;
  std::optional<Type> unify(const Type& a, const Type& b) const;  // common type of two branches / list items

  // tables.cpp
  void check_tiers();
  void check_decisions();
  Value decision_value(const ast::Decision& d, const ast::Expr& use);
  void check_decision_coverage(const ast::Decision& d, const std::vector<Type>& input_types);
  std::unordered_map<const ast::Tiers*, TierInfo> tier_info;
  std::string source_text(Span span) const;
  std::string with_currency(const ast::Expr& number, const std::string& currency) const;
  // The fix that writes a literal number as an amount (`100` -> `100 USD`); none for another expression.
  std::optional<Fix> currency_fix(const ast::Expr& number, const std::string& currency) const;

  // rebates.cpp
  void check_rebates();
  void check_awards();
  void check_budgets();
  void check_tests();

  // settlement.cpp: `settle`, `on negative` and `cap ... per` clauses (docs/language.md §22)
  void check_settlement(const ast::Rebate& r);
  void check_payments_ledger(const ast::Source& s, const std::map<std::string, const ast::Column*>& roles);
  // Funds (funds.cpp, docs/language.md §27): a claims ledger's roles, and a fund's clauses.
  void check_claims_role(const ast::Source& s, const ast::Column& c, const std::string& role, const Type& t);
  void check_claims_ledger(const ast::Source& s, const std::map<std::string, const ast::Column*>& roles);
  void check_fund(const ast::Rebate& f);
  void check_fund_expiry(const ast::Expr& after);
  void check_funds_program();
  // Partner history (partner_history.cpp, docs/language.md §28): `valid_from` / `valid_to` roles.
  void check_validity_role(const ast::Source& s, const ast::Column& c, const ast::Ident& role, const Type& t);
  void check_partner_history(const ast::Source& s, const std::map<std::string, const ast::Column*>& roles);
  // Currencies (currencies.cpp): FX tables, `Money(column)`, `convert`.
  void check_fx_table(const ast::Source& s, const std::map<std::string, const ast::Column*>& roles);
  std::optional<Type> line_currency(const ast::Source& s, const ast::Column& c);
  Value check_convert(const ast::Expr& e, const Scope& scope);
  bool line_money_misuse(const ast::Expr& e, const Type& a, const Type& b, const char* what);
  std::string convert_example(const ast::Expr& amount) const;

  // closing.cpp: `closed_through` / `closed_on` in the header (docs/language.md §23)
  void closing_setting(const std::string& name, const ast::Expr& value);
  void check_closing();
  // payout_currency.cpp: `payout_currency` / `payout_fx` in the header (docs/language.md §24)
  void check_payout_currency();

  // lints.cpp
  void run_lints();

  // suggest.cpp: "did you mean" over the names visible in a scope
  std::vector<std::string> visible_names(const Scope& scope) const;

  // State
  std::string currency() const { return out->settings.currency; }
  bool is_root_decl(Span span) const { return root && span.file == root->file; }

  enum class State { Unchecked, InProgress, Done };
  // Checking a constant, measure or decision table checks what it uses first, recursively: a chain of
  // 200,000 constants each defined by the next overflowed even the CLI's 256 MiB stack. Past this many
  // definitions in progress, the next one is reported (E0108) instead of being followed.
  static constexpr int kMaxDefinitionChain = 256;
  int definition_depth = 0;
  bool definition_chain_too_deep(const ast::Expr& use, const std::string& name);
  std::unordered_map<const void*, State> decl_state;
  std::unordered_map<const void*, Value> decl_value;  // measures, consts, decisions, awards
  std::vector<const ast::Measure*> measure_stack;     // for cycle reports
  std::set<const void*> used;                         // declarations something refers to
  std::set<std::pair<const void*, const void*>> uses; // (user, used) edges between declarations
  const void* current_user = nullptr;                 // the declaration being checked
  std::map<const ast::Source*, const ast::Rebate*> claims_paid_by_;  // a claims ledger -> the fund that pays from it (funds.cpp)
  std::set<std::pair<std::string, FileId>> reported_shadowing;
};

// Ordered comparison of two known constants of the same unit.
int compare_constants(const Decimal& a, const Decimal& b);

// `starts_with`, `ends_with`, `contains`, `upper`, `lower`, `length` (text_functions.cpp).
bool is_text_function(std::string_view name);

// Levenshtein distance, for suggestions.
size_t edit_distance(std::string_view a, std::string_view b);
// `s` is one of `list` (the checker's short lists of known names).
inline bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace rebate::check
