// The SQL generator's state, shared by its two halves: render.cpp writes one expression tree as SQL in
// a scope (a ledger line, or a partner's cell over a window of periods), query.cpp assembles the script
// (the typed inputs, the lines with their periods, the aggregates per window, the measures, the rebates).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sql/sql.h"

namespace rebate::sql {

// The windows a cell's values are read over (windows.cpp): the period itself, the look-backs' windows
// (plan/windows.h: Shifted's b + 1), and those a settled rebate earning over the year to date reads
// (plan::shift_window): the year to date's previous period, and the same months last year. A chain of
// look-backs reaches more, numbered from kKnownWindows on.
enum Window : int { kPeriod = 0, kPrevious = 1, kLastYear = 2, kYearToDate = 3, kYtdPrevious = 4, kYtdLastYear = 5, kKnownWindows = 6 };
// A window's periods relative to a cell's period c: c + at; or (year_to_date) from the first period of
// c + at's year, less `back`, to c + at - back.
struct WindowShape {
  bool year_to_date = false;
  int at = 0;
  int back = 0;
  bool operator==(const WindowShape& o) const { return year_to_date == o.year_to_date && at == o.at && back == o.back; }
};

// The scale every payout's amount, basis and rate is written at, so that the rebates' rows are of one
// type (the VM's numbers have at most 18 places).
constexpr int kOutputScale = Decimal::kMaxScale;
// Rebate r's column `what` in the cells (`r3_amount`), quoted.
std::string rebate_col(size_t r, const char* what);

// Where an expression is evaluated.
struct Scope {
  bool line = false;     // a ledger line (row functions): columns of `l`, its period in l.period
  uint32_t ledger = 0;   // line: the ledger input
  int window = kPeriod;  // cell: the window
  // A group's rows (groups: each row of group `group`'s lines over a window): `fields` while its fields
  // are computed (Aggregate reads the group's own aggregates, c."ga<a>"), `row` for the functions over
  // its rows (GroupField reads g."f<k>": the keys, then the fields).
  bool group_fields = false;
  bool group_row = false;
  uint32_t group = UINT32_MAX;
  std::string function;  // the plan function's name, for error messages
  // Where the row names its partner and period otherwise than a line or a cell does (a group's rows, a
  // fund's events), for error messages: the partner's expression and the period's label's.
  std::string partner, period;
};

class Generator {
 public:
  Generator(const plan::Plan& plan, const SqlOptions& options);
  SqlResult generate();

  // ---- render.cpp ----
  // The tree of function `f` (cached), or nullptr after recording why it cannot be one.
  NodeRef tree(plan::FunctionId f);
  // SQL for `n` in `scope`. Records the constructs it cannot express in unsupported_.
  std::string render(const NodeRef& n, const Scope& scope);
  std::string render_function(plan::FunctionId f, const Scope& scope);
  // An expression that stops the query: `what` at location `where`, with the cell or line it was for.
  std::string fail(const std::string& what, uint32_t where, const Scope& scope, const std::string& type);
  // The same with `what` a SQL text expression (a message that names values of the row).
  std::string fail_with(const std::string& what, uint32_t where, const Scope& scope, const std::string& type);
  // The parts of such a message: the text up to the partner (an expression), the partner, the period
  // (a cell's label; empty for a line) and what follows it (the window; empty for the period's).
  struct FailParts {
    std::string before, partner, period, over;
  };
  FailParts fail_parts(const std::string& what, uint32_t where, const Scope& scope) const;
  // ---- overflow.cpp: arithmetic stopping the query beyond 38 digits, where the VM stops ----
  // Node `n`'s operands added or subtracted (`sign`).
  std::string bounded(const Node& n, const char* sign, const Scope& scope);
  // x + y or x - y (`sign`), of the given scales, for node `n` (its place, scale and whether an operand
  // may have no value); `what` is the VM's message where it is not kOverflow.
  std::string sum(const Node& n, const char* sign, const std::string& x, int x_scale, const std::string& y, int y_scale, const Scope& scope,
                  const std::string& what = "");
  // Tier table n.a applied to basis x (TierOf).
  std::string tiers_applied(const Node& n, const std::string& x, const Scope& scope);
  // x / y (node `n`: b = 1 gives none for a zero y), rounded as the VM divides.
  std::string quotient(const Node& n, const std::string& x, const std::string& y, const Scope& scope);
  // `value` (a number with `scale` places that the database computed without a limit: a sum) stopping
  // the query with `what` when it has more than 38 digits.
  std::string within_digits(const std::string& value, int scale, const std::string& what, uint32_t where, const Scope& scope);
  // SQL from the names the operands are bound to.
  using Operation = std::function<std::string(const std::vector<std::string>&)>;
  // `body` with each of `values` evaluated once (Dialect::bind).
  std::string bound_once(const std::vector<std::string>& values, const Operation& body) const;
  // Where decimals raise their own overflow error: `operation` on the bound `values` as node `n`'s type,
  // that error stopping the query with the VM's message (`what`, else kOverflow) at `n`'s place instead;
  // `before` adds WHEN clauses on the operands, outside the TRY (a division's zero divisor).
  std::string caught(const Node& n, const std::vector<std::string>& values, const Operation& operation, const Scope& scope, const Operation& before = nullptr,
                     const std::string& what = "");
  std::string sql_type(const Node& n) const;
  // `sql`, a number with `from` places, as one with `to` places where the dialect needs one scale per
  // operation (a widening, so exact).
  std::string at_scale(const std::string& sql, int from, int to) const;
  std::string number_literal(const plan::Value& v) const;
  std::string render_at(const NodeRef& n, int to, const Scope& scope);
  // x * y (of the given scales) as the VM multiplies: rounded half-even to 18 places beyond them, an
  // overflow stopping the query at node `n`'s location (overflow.cpp).
  std::string product(const Node& n, const std::string& x, int x_scale, const std::string& y, int y_scale, const Scope& scope, const std::string& what = "");
  // A condition that must have a value (the VM's "this condition has no value").
  std::string condition(plan::FunctionId f, uint32_t where, const Scope& scope);
  void unsupported(std::string construct, uint32_t where);

  // ---- windows.cpp ----
  // The window a look-back (`Shifted`'s b: 0 previous, 1 last year, 2 year to date) reads from `window`.
  int shifted_window(int window, uint32_t shift);
  std::string window_name(int window) const;
  int window_reach(int window) const;
  std::string window_condition(int window) const;

  // ---- query.cpp ----
  // What each (measure or aggregate, window) a cell reads; found by walking the rebates' trees.
  void need_function(plan::FunctionId f, int window);

 private:
  std::string render_op(const Node& n, const Scope& scope);
  std::string render_case(const Node& n, const Scope& scope);
  std::string render_leaf(const Node& n, const Scope& scope);
  std::string period_bound(const NodeRef& p, bool first, const Scope& scope);
  std::string period_part(plan::PeriodPart part, const std::string& first) const;
  std::string text_function(const Node& n, const Scope& scope);  // text.cpp
  // case_map.cpp: `upper`/`lower` of a text through the helpers, and their definitions when used
  std::string case_map(bool upper, const std::string& text);
  std::string case_map_helpers() const;
  std::string tiers(const plan::Tiers& t, bool apply, const std::string& x, int x_scale, int out_scale);
  Node leaf_type(const plan::Instr& in);
  Node aggregate_type(const plan::Aggregate& a);
  void need_tree(const NodeRef& n, int window);
  void known_windows();  // windows.cpp

  // periods.cpp: the periods (labels, days, the paid ones)
  std::string periods_cte();
  void periods_from_data_ctes(int back, std::vector<std::string>& ctes);
  std::string period_label(const std::string& p) const;
  std::string period_of_day(const std::string& day) const;
  std::string floor_quotient(const std::string& x, int64_t k) const;
  std::string period_first_day(const std::string& p) const;

  // query.cpp's parts
  std::string input_cte(uint32_t input);
  std::string cell_value(const ledger::ColumnSpec& c, const std::string& cell, const std::string& where);
  std::string lines_cte(uint32_t ledger);
  std::string checked_partner(uint32_t ledger);
  std::string check_cte(uint32_t input);
  std::string window_cte(uint32_t ledger, int window);
  std::string group_window_cte(uint32_t group, int window);
  int aggregate_scale(uint32_t a);
  int function_scale(plan::FunctionId f);
  std::string aggregate_sql(const plan::Aggregate& a, const Scope& scope);
  void measures(std::vector<std::string>& ctes, std::string& last);
  void rebate(size_t r, std::vector<std::string>& ctes, std::string& last);
  std::string band(const plan::Rebate& pr, size_t r);
  Node clause_node(const plan::GuardedAmount& clause, int scale) const;
  Scope clause_scope(const plan::GuardedAmount& clause, const Scope& scope) const;
  // ledger_lookup.cpp: lookups across ledgers (docs/language.md §26)
  std::string lookup_table(uint32_t table) const;  // the CTE a lookup into input `table` reads
  // The column `column` (quoted) of the row of `table` whose key is `key` (a subquery; NULL: none).
  std::string looked_up(uint32_t table, const std::string& column, const std::string& key) const;
  std::string lookup_miss(uint32_t input, uint32_t column, uint32_t table) const;  // the message of a key not found
  std::string partner_through(uint32_t input, const std::string& line) const;  // a line's partner, maybe the line it names
  std::string ledger_index_cte(uint32_t index);
  std::string ledger_index_check_cte(uint32_t index);
  std::string check_name(uint32_t input) const;  // the check_ CTE of input `input`
  // funds.cpp: funds, a balance carried from period to period (docs/language.md §27)
  bool has_funds() const;
  int fund_scale(size_t r) const;
  void fund(size_t r, std::vector<std::string>& ctes, std::string& last);
  std::string fund_metrics(const std::string& last);
  std::string claim_checks(uint32_t claims) const;
  // convert.cpp: a currency conversion at the FX table's rates (docs/language.md §24)
  std::string convert(const Node& n, const Scope& scope);
  std::string rate_on(const std::string& from, const std::string& to, const std::string& day) const;
  int fx_rate_scale(bool average) const;
  std::string fx_rate(const std::string& from, const std::string& to, bool average, const std::string& first, const std::string& last) const;
  std::string fx_missing(const std::string& from, const std::string& to, bool average, const std::string& first, const std::string& last,
                         const std::string& why = "") const;
  std::string currency_code(const std::string& index) const;
  std::string fx_checks() const;
  std::string currencies_cte() const;
  std::string iso_day(const std::string& day) const;  // a day number as its ISO date, for messages
  // partner_history.cpp: a partner table with history, each cell reading the row in force (docs/language.md §28)
  bool has_history() const;
  std::string stretch_text(const std::string& from, const std::string& to) const;
  std::string stretches_cte() const;
  std::string partner_in_period_cte() const;
  std::string history_check_cte() const;
  std::string history_closing_check_cte() const;
  std::string history_lines_check_cte(uint32_t ledger) const;
  std::string partner_attr_in_window(uint32_t column, int window) const;
  // payout_currency.cpp: each final payout converted into the currency the partner is paid in (docs/language.md §24)
  std::set<int> paid_places() const;
  std::string paid_text(const std::string& value, const std::string& places) const;
  void payout_currency_ctes(std::vector<std::string>& ctes, const std::string& last);
  // closing.cpp: closed periods and the adjustments the first open period pays (docs/language.md §23)
  void resolve_closing();
  std::string late_cte(const std::vector<uint32_t>& ledgers);
  std::string cell_periods_cte();
  std::string closing_check_cte();
  std::string adjustment_rows(size_t r, const std::string& last);
  // settle.cpp: a settled rebate's amount netted against the payments input
  std::string payments_cte(uint32_t input);
  void settle(size_t r, const Scope& scope, std::vector<std::string>& ctes, std::string& last);

  // outputs.cpp: what the query selects (payouts with their budgets, totals, awards)
  void need_awards();
  std::string select_query(std::vector<std::string>& ctes, const std::string& last);
  std::string payouts_cte(const std::string& last);
  void budget_ctes(std::vector<std::string>& ctes);
  std::string records_query(std::vector<std::string>& ctes, const std::string& last, bool metrics);
  std::string record_value(const plan::Award& a, plan::FunctionId value, const Scope& scope);
  std::string shortest_text(const std::string& number) const;  // a number's digits without trailing zeros

 public:
  const plan::Plan& plan_;
  const SqlOptions& options_;
  const Dialect& d_;
  std::map<plan::FunctionId, NodeRef> trees_;
  std::set<plan::FunctionId> failed_;
  std::vector<Unsupported> unsupported_;
  std::set<std::pair<uint32_t, int>> measures_needed_, aggregates_needed_;
  std::set<std::pair<plan::FunctionId, int>> visited_;
  std::vector<WindowShape> windows_;  // by window number (windows.cpp)
  bool case_maps_used_[2] = {false, false};  // rb_upper, rb_lower (case_map.cpp)
  std::map<plan::FunctionId, uint32_t> field_functions_;  // a group field's function -> its group
  std::vector<int> periods_;  // the periods the lines are read into: look-backs' and paid
  std::vector<int> paid_;
  // The program's closing (its header's `closed_through`, `closed_on`): the last closed period, the day it
  // was closed, and the payments input that says what was paid for the rebates that do not settle.
  struct Closing {
    int through = 0;
    int64_t on = 0;
    uint32_t payments = UINT32_MAX;
  };
  std::optional<Closing> closing_;
  std::optional<int> fund_start_;  // with funds: their first period, the program's first effective one
  bool periods_from_data_ = false;  // the periods worked out in SQL from the lines
  bool paid_fixed_ = true;          // the paid periods are paid_ (else the lines' first to last)  // no effective dates or --period: the paid periods come from the lines
};

// A text as a SQL string literal.
std::string quote_text(const std::string& s);
// A name as a quoted SQL identifier.
std::string quote_name(const std::string& s);

}  // namespace rebate::sql
