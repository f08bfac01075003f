// The lowering phase's working state: the Lowerer walks a checked program's declarations (lower.cpp)
// and turns their expressions into stack bytecode (lower_expr.cpp). Private to compiler/lower.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "check/checker.h"
#include "plan/plan.h"
#include "source/source.h"

namespace rebate::lowering {

using plan::FunctionId;
using plan::Opcode;

// Which kind of load a name resolves to depends on where the expression runs.
struct Context {
  plan::FunctionKind kind = plan::FunctionKind::PartnerPeriod;
  const ast::Source* row_source = nullptr;  // Row: the ledger whose line is read
  const ast::Group* row_group = nullptr;    // GroupRow: the group whose row is read
  const ast::Group* in_group = nullptr;     // a group's field: aggregates of the group's ledger are per group
  bool otherwise = false;                   // inside the left side of `otherwise`: x/0 gives none
};

class Lowerer {
 public:
  Lowerer(const TypedProgram& tp, const SourceMap& sources) : tp_(tp), sources_(sources) {}

  plan::Plan run();

 private:
  const TypedProgram& tp_;
  const SourceMap& sources_;
  plan::Plan plan_;
  std::map<const ast::Source*, uint32_t> input_index_;
  std::map<const ast::Measure*, uint32_t> measure_index_;
  std::map<const ast::Tiers*, uint32_t> tiers_index_;
  std::map<const ast::Decision*, uint32_t> decision_index_;
  std::map<const ast::Group*, uint32_t> group_index_;
  std::map<const ast::Rebate*, uint32_t> rebate_index_;
  std::map<const ast::Const*, uint32_t> named_constant_index_;
  plan::Function* fn_ = nullptr;  // the function being emitted (re-pointed after nested functions)

  template <typename F>
  void each_module(F f) {
    for (const ast::Module* m : tp_.modules) f(*m);
  }

  // ---- locations, constants, emission --------------------------------------------------------

  uint32_t location(Span span);

  uint32_t constant(plan::Value v);

  size_t emit(Opcode op, uint32_t a = 0, uint32_t b = 0, uint32_t where = 0);
  void patch(size_t at) { fn_->code[at].a = static_cast<uint32_t>(fn_->code.size()); }

  FunctionId begin(std::string name, plan::FunctionKind kind, uint32_t input = UINT32_MAX);

  // A whole function computing one expression.
  FunctionId function(std::string name, const ast::Expr& e, const Context& ctx, uint32_t input = UINT32_MAX);

  // ---- header and inputs -------------------------------------------------------------------

  void header();

  void inputs();
  void ledger_indexes();

  ledger::ColumnSpec column_spec(const ast::Column& c);

  // ---- tiers, groups, measures, decisions --------------------------------------------------

  static Decimal constant_of(const ast::Expr& e);

  // A constant-valued expression (tier bounds and values, budgets) folded to a number.
  Decimal fold(const ast::Expr& e);

  static std::string unit_of(const Type& t);

  // Notes that the function being emitted reads constant `c` (when it has a number's value), for
  // explanations.
  void named_constant(const ast::Const& c);

  std::string text_of(const ast::Expr& e);

  void tiers();

  void groups();

  void measures();

  void decisions();
  FunctionId decision_function(const ast::Decision& d, const std::string& name, bool row_index);

  // ---- rebates, awards, budgets ------------------------------------------------------------

  void rebates();

  // What an explanation shows about the pay clause: the measures it reads, and the tier table it
  // applies with its metric and basis (`volume of revenue`, `(growth_tiers by growth) of revenue`).
  void explain_pay(plan::Rebate& pr, const ast::Expr& pay);

  void collect_measures(const ast::Expr& e, std::vector<uint32_t>& out);

  // `LEDGER.count_distinct((a, b) where c)` (lower_distinct.cpp): the number of rows of a group by the
  // columns, counting only the rows that have a line passing `c`. Returns the aggregate.
  uint32_t distinct_combinations(const ast::Expr& e, const Context& row, uint32_t where);

  void awards();

  void budgets();

  // ---- expressions ---------------------------------------------------------------------------

  static Opcode compare_opcode(ast::Op op);

  // Emits `e` into the current function; restores fn_ after nested functions (aggregates).
  void expr(const ast::Expr& e, const Context& ctx);

  void expr_inner(const ast::Expr& e, const Context& ctx, FunctionId self);

  // `family in storage_families`: the list or range a constant names.
  const ast::Expr& through_consts(const ast::Expr& e);

  plan::Value period_value(const std::string& text);

  void name(const ast::Expr& e, const Context& ctx, uint32_t where);

  void member(const ast::Expr& e, const Context& ctx, uint32_t where);

  void call(const ast::Expr& e, const Context& ctx, uint32_t where);
  void convert(const ast::Expr& e, const Context& ctx, uint32_t where);

  void binary(const ast::Expr& e, const Context& ctx, uint32_t where);

  // Registers the aggregate (per partner and period, or per group row inside a group's field) with its
  // filter and argument functions; returns its index for the `Aggregate` instruction.
  uint32_t aggregate(const ast::Expr& e, const Context& ctx, uint32_t where);
};

}  // namespace rebate::lowering
