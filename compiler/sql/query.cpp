// The script's assembly (generator.h): the typed inputs, each ledger's lines with their periods, the
// aggregates per partner and window, the measures, then each rebate's clauses in the order the engine
// applies them (runtime/engine/rebate_clauses.cpp), and one row per partner, period and rebate.
#include <fmt/format.h>

#include <algorithm>

#include "engine/engine.h"
#include "engine/periods.h"
#include "plan/windows.h"
#include "sql/generator.h"

namespace rebate::sql {

namespace {

std::string col(uint32_t c) { return quote_name("c" + std::to_string(c)); }
std::string agg_col(uint32_t a, int w) { return quote_name(fmt::format("a{}_w{}", a, w)); }
std::string measure_col(uint32_t m, int w) { return quote_name(fmt::format("m{}_w{}", m, w)); }
// `name AS (SELECT c.*, <columns> FROM <from> AS c)`: one more layer of computed columns.
std::string layer(const std::string& name, const std::string& from, const std::vector<std::string>& columns) {
  std::string list;
  for (const std::string& c : columns) list += ",\n    " + c;
  return fmt::format("{} AS (\n  SELECT c.*{}\n  FROM {} AS c)", quote_name(name), list, quote_name(from));
}

}  // namespace

std::string rebate_col(size_t r, const char* what) { return quote_name(fmt::format("r{}_{}", r, what)); }

Generator::Generator(const plan::Plan& plan, const SqlOptions& options) : plan_(plan), options_(options), d_(*options.dialect) {
  known_windows();
  for (uint32_t g = 0; g < plan_.groups.size(); ++g) {
    for (plan::FunctionId f : plan_.groups[g].field_values) field_functions_[f] = g;
  }
}

void Generator::need_tree(const NodeRef& n, int window) {
  if (n->kind == Node::Kind::Op) {
    switch (n->op) {
      case plan::Opcode::Measure: {
        if (measures_needed_.insert({n->a, window}).second) {
          const plan::Measure& m = plan_.measures[n->a];
          for (plan::FunctionId f : {m.value, m.cap, m.floor}) need_function(f, window);
        }
        break;
      }
      case plan::Opcode::Shifted: {
        const int shifted = shifted_window(window, n->b);
        if (measures_needed_.insert({n->a, shifted}).second) {
          const plan::Measure& m = plan_.measures[n->a];
          for (plan::FunctionId f : {m.value, m.cap, m.floor}) need_function(f, shifted);
        }
        break;
      }
      case plan::Opcode::Aggregate: aggregates_needed_.insert({n->a, window}); break;
      case plan::Opcode::Decision: need_function(plan_.decisions[n->a].value, window); break;
      default: break;
    }
  }
  for (const NodeRef& a : n->args) need_tree(a, window);
}

void Generator::need_function(plan::FunctionId f, int window) {
  if (f == plan::kNoFunction || !visited_.insert({f, window}).second) return;
  if (NodeRef t = tree(f)) need_tree(t, window);
}

// A cell as the program declares its column, from its text (a table of text columns or of typed ones:
// the cell is read as text either way, as the CSV reader reads it).
std::string Generator::cell_value(const ledger::ColumnSpec& c, const std::string& cell, const std::string& where) {
  const std::string text = fmt::format("NULLIF(TRIM(CAST({} AS {})), '')", cell, d_.text_type);
  Scope scope;
  scope.line = true;
  auto bad = [&](const std::string& what, const std::string& type) {
    const std::string message =
        quote_text(fmt::format("{}: column `{}` (\"{}\"): ", where, c.name, c.header)) + " || " + text + " || " + quote_text(" is not " + what);
    return d_.fail(message, type);
  };
  // The text checked against what the CSV reader accepts before the database casts it: its casts accept
  // more (`+5`, `.5`, `1e3`, `NaN`, `5` for 5%; DuckDB reads the date `2026-05-2x` as 2026-05-02), and
  // must not turn a cell `rebate run` refuses into a number or a day.
  auto written = [&](const std::string& of, const std::string& pattern, const std::string& what, const std::string& type, const std::string& value) {
    return fmt::format("CASE WHEN NOT {} THEN {} ELSE {} END", d_.regex_match(of, pattern), bad(what, type), value);
  };
  std::string value;
  switch (c.kind) {
    case ledger::ColumnKind::Int: case ledger::ColumnKind::Decimal: case ledger::ColumnKind::Money: {
      // Read with every digit written (18 places), then kept to the column's places as the CSV reader
      // keeps them: more places are an error, or rounded with the column's `rounding` mode.
      const int scale = c.kind == ledger::ColumnKind::Int ? 0 : c.scale;
      // A money cell may carry its currency's code (`1049.35 USD`, `USD 1049.35`).
      // An amount in each line's currency (`Money(currency)`, no currency of its own) is a bare number.
      const std::string number =
          c.kind == ledger::ColumnKind::Money && !c.currency.empty() ? fmt::format("TRIM(REPLACE({}, {}, ''))", text, quote_text(c.currency)) : text;
      const std::string wide = fmt::format("CAST({} AS {})", number, d_.decimal(Decimal::kMaxScale));
      if (c.excess_digits == ledger::ExcessDigits::Error || c.kind == ledger::ColumnKind::Int) {
        const std::string message = quote_text(fmt::format("{}: column `{}` (\"{}\"): ", where, c.name, c.header)) + " || " + text + " || " +
                                    quote_text(c.kind == ledger::ColumnKind::Int ? " is not a whole number"
                                                                                 : fmt::format(" has more than {} decimal places", scale));
        value = fmt::format("CASE WHEN {0} <> trunc({0}, {1}) THEN {2} ELSE CAST({0} AS {3}) END", wide, scale, d_.fail(message, d_.decimal(scale)),
                            d_.decimal(scale));
      } else {
        value = fmt::format("CAST({} AS {})", d_.round(d_, wide, scale, static_cast<int>(c.excess_digits) - 1), d_.decimal(scale));
      }
      // (The currency's code before or after the number, not both, nor inside it.)
      const std::string digits = "-?[0-9]+([.][0-9]+)?";
      const std::string pattern = number == text ? "^" + digits + "$" : fmt::format("^({1}|{0} *{1}|{1} *{0})$", c.currency, digits);
      value = written(text, pattern, "a number like 1049.35", d_.decimal(scale), value);
      break;
    }
    case ledger::ColumnKind::Percent:
      // `2.5%`: the ratio 0.025, kept to the column's scale of the ratio.
      value = written(text, "^-?[0-9]+([.][0-9]+)? *%$", "a percentage like 2.5%", d_.decimal(std::max(c.scale - 2, 0)),
                      fmt::format("CAST(REPLACE({}, '%', '') AS {}) * CAST(0.01 AS {})", text, d_.decimal(std::max(c.scale - 2, 0)), d_.decimal(2)));
      break;
    case ledger::ColumnKind::Bool:
      value = fmt::format("CASE WHEN LOWER({0}) IN ('true', 'yes', '1', 't') THEN TRUE WHEN LOWER({0}) IN ('false', 'no', '0', 'f') THEN FALSE ELSE {1} END",
                          text, bad("true or false", "BOOLEAN"));
      break;
    case ledger::ColumnKind::Text: value = text; break;
    case ledger::ColumnKind::Date:
      // (A day that is not of the calendar, 2026-02-30, gets the database's own cast error.)
      value = written(text, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "a date written YYYY-MM-DD, like 2026-07-01", "BIGINT", d_.day_number(text));
      break;
    case ledger::ColumnKind::Enum: {
      value = "CASE " + text;
      for (size_t m = 0; m < c.enum_members.size(); ++m) value += fmt::format(" WHEN {} THEN {}", quote_text(c.enum_members[m]), m);
      std::string members;
      for (const std::string& m : c.enum_members) members += (members.empty() ? "" : ", ") + m;
      value += fmt::format(" ELSE {} END", bad(c.currency_codes ? "an ISO 4217 currency code in capitals, like EUR" : "one of " + members, "BIGINT"));
      break;
    }
  }
  if (c.optional || c.kind == ledger::ColumnKind::Text) return value;
  const std::string missing = quote_text(fmt::format("{}: column `{}` (\"{}\"): an empty cell, and the column is not optional", where, c.name, c.header));
  const std::string type = c.kind == ledger::ColumnKind::Bool ? "BOOLEAN" : c.kind == ledger::ColumnKind::Date || c.kind == ledger::ColumnKind::Enum ? "BIGINT" : "NUMERIC";
  return fmt::format("CASE WHEN {} IS NULL THEN {} ELSE {} END", text, d_.fail(missing, type), value);
}

std::string Generator::input_cte(uint32_t input) {
  const plan::Input& in = plan_.inputs[input];
  if (in.kind == plan::InputKind::LedgerIndex) return ledger_index_cte(input);  // (ledger_lookup.cpp)
  auto mapped = options_.tables.find(in.name);
  const std::string table = mapped != options_.tables.end() ? *quoted_table_name(mapped->second) : quote_name(in.name);
  const std::string where = mapped != options_.tables.end() ? mapped->second : in.name;
  std::string list;
  for (size_t c = 0; c < in.spec.columns.size(); ++c) {
    const ledger::ColumnSpec& spec = in.spec.columns[c];
    list += fmt::format("{}\n    {} AS {}", c ? "," : "", cell_value(spec, "t." + quote_name(spec.header), where), col(static_cast<uint32_t>(c)));
  }
  return fmt::format("{} AS (\n  SELECT{}\n  FROM {} AS t)", quote_name("in_" + in.name), list, table);
}

// A line's partner, checked: a line naming a partner the partner table does not have, or a key its
// table does not have (docs/language.md §5, whether or not the program reads the table's columns), stops
// the query, as it stops `rebate run` (`--on-bad-row fail`, the default).
std::string Generator::checked_partner(uint32_t ledger) {
  const plan::Input& in = plan_.inputs[ledger];
  // (A line taking the partner of the line it names, `as partner`, has one its own ledger checked.)
  std::string partner = partner_through(ledger, "l");
  if (plan_.partner_table != UINT32_MAX && !in.partner_through_lookup) {
    const plan::Input& pt = plan_.inputs[plan_.partner_table];
    const std::string message = quote_text(fmt::format("{}: a line names partner `", in.name)) + " || " + partner + " || " +
                                quote_text(fmt::format("`, which is not in the partner table `{}`", pt.name));
    partner = fmt::format("CASE WHEN EXISTS (SELECT 1 FROM {} AS k WHERE k.{} = {}) THEN {} ELSE {} END", quote_name("in_" + pt.name),
                          col(pt.key_column), partner, partner, d_.fail(message, d_.text_type));
  }
  for (const auto& [column, table] : in.lookups) {
    const plan::Input& t = plan_.inputs[table];
    const std::string key = "l." + col(column);
    partner = fmt::format("CASE WHEN {0} IS NULL OR EXISTS (SELECT 1 FROM {1} AS k WHERE k.{2} = {0}) THEN {3} ELSE {4} END", key, lookup_table(table),
                          col(t.key_column), partner, d_.fail(lookup_miss(ledger, column, table), d_.text_type));
  }
  return partner;
}

std::string Generator::lines_cte(uint32_t ledger) {
  const plan::Input& in = plan_.inputs[ledger];
  // (The checks are part of the partner's column, which every aggregate reads: a column of its own could
  // be left out by the database's optimizer.)
  return fmt::format("{} AS (\n  SELECT l.*, {} AS partner, p.period, p.first_day, p.last_day\n  FROM {} AS l JOIN periods AS p ON l.{} BETWEEN p.first_day AND p.last_day)",
                     quote_name("l_" + in.name), checked_partner(ledger), quote_name("in_" + in.name), col(in.date_column));
}

// `check_<input>`: every row of an input read, as `rebate run` reads every row: a cell that is not what
// its column declares, or a line naming an unknown partner or key, stops the query even where no payout
// reads the row (a line of a year the run does not look at). Its one value, 0, is a condition of the
// cells (generate()), so no database can leave it out; each row's cells are joined into one text whose
// length is compared, which reads every one of them.
std::string Generator::check_cte(uint32_t input) {
  const plan::Input& in = plan_.inputs[input];
  if (in.kind == plan::InputKind::LedgerIndex) return ledger_index_check_cte(input);  // its cells are its ledger's, checked there
  const bool payments = in.kind == plan::InputKind::Payments;
  std::vector<std::string> parts;
  for (size_t c = 0; c < in.spec.columns.size(); ++c) parts.push_back(fmt::format("COALESCE(CAST(l.{} AS {}), '')", col(static_cast<uint32_t>(c)), d_.text_type));
  if (in.kind == plan::InputKind::Ledger) parts.push_back(fmt::format("CAST({} AS {})", checked_partner(input), d_.text_type));
  std::string from = quote_name("in_" + in.name);
  if (in.kind == plan::InputKind::Fx) {  // each row's rate checked (convert.cpp), a pair's days counted for duplicates
    from = fmt::format("(SELECT f.*, COUNT(*) OVER (PARTITION BY f.{}, f.{}, f.{}) AS rb_same_day FROM {} AS f)", col(in.base_column), col(in.quote_column),
                       col(in.date_column), from);
    parts.push_back(fx_checks());
  }
  if (in.kind == plan::InputKind::Claims) {  // each claim checked (funds.cpp), its id counted for duplicates
    from = fmt::format("(SELECT k.*, COUNT(*) OVER (PARTITION BY k.{}) AS rb_same_id FROM {} AS k)", col(in.claim_column), from);
    parts.push_back(claim_checks(input));
  }
  if (payments) {  // its partner, rebate and period checked (settle.cpp)
    from = quote_name("pay_" + in.name);
    parts = {fmt::format("CAST(l.partner AS {})", d_.text_type), fmt::format("CAST(l.rebate_index AS {})", d_.text_type),
             fmt::format("COALESCE(CAST(l.period AS {}), '')", d_.text_type), fmt::format("COALESCE(CAST(l.amount AS {}), '')", d_.text_type)};
  }
  std::string joined;
  for (const std::string& p : parts) joined += (joined.empty() ? "" : " || ") + p;
  return fmt::format("{} AS (\n  SELECT COUNT(*) AS bad FROM {} AS l WHERE length({}) < 0)", check_name(input), from, joined);
}

int Generator::aggregate_scale(uint32_t a) {
  plan::Instr in;
  in.op = plan::Opcode::Aggregate;
  in.a = a;
  return leaf_type(in).scale;
}

int Generator::function_scale(plan::FunctionId f) {
  NodeRef t = tree(f);
  return t ? t->scale : 0;
}

std::string Generator::aggregate_sql(const plan::Aggregate& a, const Scope& scope) {
  Scope line = scope;
  const std::string filter = a.filter == plan::kNoFunction ? "" : render_function(a.filter, line);
  const std::string arg = a.arg == plan::kNoFunction ? "1" : render_function(a.arg, line);
  const std::string taken = filter.empty() ? arg : fmt::format("CASE WHEN {} THEN {} END", filter, arg);
  // A sum (an average's too) beyond the VM's 38 digits stops the run there; PostgreSQL's NUMERIC would
  // give it exactly, and DuckDB's SUM holds it in a DECIMAL(38) unchecked (overflow.cpp).
  NodeRef t = tree(a.arg);
  const int scale = t ? t->scale : 0;
  auto checked_sum = [&] {
    Scope at = scope;
    at.function = fmt::format("{}.{}", a.over_group ? plan_.groups[a.source].name : plan_.inputs[a.source].name, a.kind == plan::AggregateKind::Avg ? "avg" : "sum");
    // (Over no lines, zero: a group's row with no line of a family has 0 of it.)
    return within_digits(fmt::format("CAST(COALESCE(SUM({}), 0) AS {})", taken, d_.decimal(scale)), scale, "arithmetic overflow: the sum has more than 38 digits",
                         a.where, at);
  };
  switch (a.kind) {
    case plan::AggregateKind::Sum: return checked_sum();
    case plan::AggregateKind::Count: return fmt::format("COUNT({})", filter.empty() ? "*" : fmt::format("CASE WHEN {} THEN 1 END", filter));
    case plan::AggregateKind::CountDistinct: return fmt::format("COUNT(DISTINCT {})", taken);
    case plan::AggregateKind::Min: return fmt::format("MIN({})", taken);
    case plan::AggregateKind::Max: return fmt::format("MAX({})", taken);
    case plan::AggregateKind::Avg: {
      // (The sum and count bound once where the dialect binds: its division names them several times.)
      const std::vector<std::string> parts = {checked_sum(), fmt::format("CAST(COUNT({}) AS {})", taken, d_.decimal(0))};
      auto average = [&](const std::vector<std::string>& p) { return d_.divide(d_, p[0], scale, p[1], 0); };
      return fmt::format("CASE WHEN COUNT({}) = 0 THEN NULL ELSE {} END", taken, d_.bind ? bound_once(parts, average) : average(parts));
    }
  }
  return "NULL";
}

// A group's rows over a window, formed again for each window as the engine forms them (an order whose
// lines span two quarters is one row of the year to date), and the aggregates over them per partner
// and cell.
std::string Generator::group_window_cte(uint32_t group, int window) {
  const plan::Group& g = plan_.groups[group];
  const plan::Input& in = plan_.inputs[g.ledger];
  std::string keys, key_list, fields, aggs;
  for (size_t k = 0; k < g.key_columns.size(); ++k) {
    keys += fmt::format(", l.{} AS {}", col(g.key_columns[k]), quote_name(fmt::format("f{}", k)));
    key_list += ", l." + col(g.key_columns[k]);
  }
  Scope line;
  line.line = true;
  line.ledger = g.ledger;
  for (uint32_t a : g.aggregates) keys += fmt::format(",\n      {} AS {}", aggregate_sql(plan_.group_field_aggregates[a], line), quote_name(fmt::format("ga{}", a)));
  Scope field_scope;
  field_scope.group_fields = true;
  field_scope.group = group;
  for (size_t f = 0; f < g.field_values.size(); ++f) {
    fields += fmt::format(", {} AS {}", render_function(g.field_values[f], field_scope), quote_name(fmt::format("f{}", g.key_columns.size() + f)));
  }
  Scope row;
  row.group_row = true;
  row.group = group;
  row.partner = "g.partner";  // (the rows' cell is g.cell, a period's number)
  row.period = period_label("g.cell");
  for (const auto& [a, w] : aggregates_needed_) {
    const plan::Aggregate& agg = plan_.aggregates[a];
    if (w != window || !agg.over_group || agg.source != group) continue;
    aggs += fmt::format(",\n    {} AS {}", aggregate_sql(agg, row), agg_col(a, w));
  }
  return fmt::format(
      "{} AS (\n  SELECT g.partner, g.cell{}\n  FROM (SELECT c.*{} FROM (\n    SELECT l.partner, c.period AS cell{}\n    FROM {} AS l JOIN cell_periods AS c ON {}\n"
      "    WHERE c.computed\n    GROUP BY l.partner, c.period{}) AS c) AS g\n  GROUP BY g.partner, g.cell)",
      quote_name(fmt::format("w{}_group_{}", window, g.name)), aggs, fields, keys, quote_name("l_" + in.name), window_condition(window), key_list);
}

std::string Generator::window_cte(uint32_t ledger, int window) {
  const plan::Input& in = plan_.inputs[ledger];
  const std::string on = window_condition(window);
  std::string list;
  for (const auto& [a, w] : aggregates_needed_) {
    const plan::Aggregate& agg = plan_.aggregates[a];
    if (w != window || agg.over_group || agg.source != ledger) continue;
    Scope scope;
    scope.line = true;
    scope.ledger = ledger;
    list += fmt::format(",\n    {} AS {}", aggregate_sql(agg, scope), agg_col(a, w));
  }
  return fmt::format("{} AS (\n  SELECT l.partner, c.period AS cell{}\n  FROM {} AS l JOIN cell_periods AS c ON {}\n  WHERE c.computed\n  GROUP BY l.partner, c.period)",
                     quote_name(fmt::format("w{}_{}", window, in.name)), list, quote_name("l_" + in.name), on);
}

void Generator::measures(std::vector<std::string>& ctes, std::string& last) {
  for (uint32_t m = 0; m < plan_.measures.size(); ++m) {
    const plan::Measure& pm = plan_.measures[m];
    std::vector<std::string> columns;
    for (int w = 0; w < static_cast<int>(windows_.size()); ++w) {
      if (!measures_needed_.count({m, w})) continue;
      Scope scope;
      scope.window = w;
      std::string v = render_function(pm.value, scope);
      // Limits as the engine applies them (cell_frame.h): a cap or floor without a value is no limit.
      int scale = function_scale(pm.value);
      for (const auto& [limit, is_cap] : {std::pair{pm.cap, true}, std::pair{pm.floor, false}}) {
        if (limit == plan::kNoFunction) continue;
        const int l_scale = function_scale(limit), at = std::max(scale, l_scale);
        const std::string x = at_scale("(" + v + ")", scale, at), bound = at_scale("(" + render_function(limit, scope) + ")", l_scale, at);
        v = fmt::format("CASE WHEN {0} IS NOT NULL AND {1} IS NOT NULL AND {0} {2} {1} THEN {1} ELSE {0} END", x, bound, is_cap ? ">" : "<");
        scale = at;
      }
      columns.push_back(fmt::format("{} AS {}", v, measure_col(m, w)));
    }
    if (columns.empty()) continue;
    const std::string name = fmt::format("measure_{}", m);
    ctes.push_back(layer(name, last, columns));
    last = name;
  }
}

std::string Generator::band(const plan::Rebate& pr, size_t r) {
  const plan::Tiers& t = plan_.tiers[pr.pay_tiers];
  int at = function_scale(pr.pay_metric);
  for (const plan::TierBand& b : t.bands) at = std::max({at, b.lower.scale(), b.upper ? b.upper->scale() : 0});
  const std::string metric = at_scale("c." + rebate_col(r, "metric"), function_scale(pr.pay_metric), at);
  auto lit = [&](const Decimal& v) { return at_scale(number_literal(plan::Value::number(v)), v.scale(), at); };
  const bool slices = t.mode == plan::TierMode::Incremental && pr.pay_metric == pr.pay_basis;
  std::string band = fmt::format("CASE WHEN {} IS NULL THEN NULL", metric);
  // A basis past a closed last band has earned every slice (its band is the last); a metric past it
  // reaches none (runtime/engine/rebate_clauses.cpp, band()).
  if (t.bands.back().upper && !slices) band += fmt::format(" WHEN {} >= {} THEN -1", metric, lit(*t.bands.back().upper));
  for (size_t i = t.bands.size(); i-- > 0;) band += fmt::format(" WHEN {} >= {} THEN {}", metric, lit(t.bands[i].lower), i);
  return band + " ELSE -1 END";
}

// An accelerator's or uplift's arithmetic as a node of the amount's scale at its clause, and the scope
// that names its function, for the overflow checks.
Node Generator::clause_node(const plan::GuardedAmount& clause, int scale) const {
  Node n;
  n.where = clause.where;
  n.scale = scale;
  return n;
}

Scope Generator::clause_scope(const plan::GuardedAmount& clause, const Scope& scope) const {
  Scope s = scope;
  s.function = plan_.functions[clause.value].name;
  return s;
}

void Generator::rebate(size_t r, std::vector<std::string>& ctes, std::string& last) {
  const plan::Rebate& pr = plan_.rebates[r];
  if (pr.claims != UINT32_MAX) return fund(r, ctes, last);  // a fund: its accrual, then its claims (funds.cpp)
  Scope scope;
  if (pr.payments != UINT32_MAX && pr.settle_year_to_date) scope.window = kYearToDate;  // earned over the year so far
  auto push = [&](const char* suffix, std::vector<std::string> columns) {
    const std::string name = fmt::format("rebate_{}_{}", r, suffix);
    ctes.push_back(layer(name, last, columns));
    last = name;
  };
  // The conditions in order: the first that does not hold decides the status.
  std::string blocked = "CASE";
  for (const auto& [conds, status] : {std::pair{&pr.eligible, "not eligible"}, std::pair{&pr.require, "gate not met"}}) {
    for (const plan::Condition& c : *conds) blocked += fmt::format(" WHEN NOT ({}) THEN {}", condition(c.test, c.where, scope), quote_text(status));
  }
  blocked = blocked == "CASE" ? fmt::format("CAST(NULL AS {})", d_.text_type) : blocked + " ELSE NULL END";
  std::vector<std::string> first = {fmt::format("{} AS {}", blocked, rebate_col(r, "blocked"))};
  // The basis and the metric are read for every cell, as the engine's explanations read them.
  const std::string no_number = fmt::format("CAST(NULL AS {})", d_.decimal(0));
  first.push_back(fmt::format("{} AS {}", pr.pay_basis == plan::kNoFunction ? no_number : render_function(pr.pay_basis, scope), rebate_col(r, "basis")));
  first.push_back(fmt::format("{} AS {}", pr.pay_tiers == UINT32_MAX ? no_number : render_function(pr.pay_metric, scope), rebate_col(r, "metric")));
  push("conditions", first);
  const std::string open = fmt::format("c.{} IS NULL", rebate_col(r, "blocked"));
  const std::string when = pr.pay.when == plan::kNoFunction ? "TRUE" : condition(pr.pay.when, pr.pay.where, scope);
  NodeRef pay = tree(pr.pay.value);
  int scale = pay ? pay->scale : 0;  // the amount's scale so far, as the VM's Decimal has it
  auto zero = [&](int at) { return at_scale(number_literal(plan::Value::number(Decimal())), 0, at); };
  std::string value = render_function(pr.pay.value, scope);
  if (pay && pay->nullable) {
    Scope s = scope;
    s.function = plan_.functions[pr.pay.value].name;
    value = fmt::format("CASE WHEN ({0}) IS NULL THEN {1} ELSE ({0}) END", value, fail("the payout has no value", pr.pay.where, s, sql_type(*pay)));
  }
  // Each layer's amount and uplift flag get a column of their own (v0, v1, ...): a layer keeps the
  // columns of the one before it.
  int step = 0;
  auto amount_col = [&](int k) { return rebate_col(r, fmt::format("v{}", k).c_str()); };
  auto uplifted_col = [&](int k) { return rebate_col(r, fmt::format("up{}", k).c_str()); };
  push("pay", {fmt::format("CASE WHEN {} THEN ({}) ELSE FALSE END AS {}", open, when, rebate_col(r, "when")),
               fmt::format("CASE WHEN {} THEN CASE WHEN ({}) THEN {} ELSE {} END ELSE {} END AS {}", open, when, value, zero(scale), zero(scale),
                           amount_col(0)),
               fmt::format("FALSE AS {}", uplifted_col(0))});
  for (const plan::GuardedAmount& acc : pr.accelerate) {
    const std::string v = "c." + amount_col(step);
    const std::string applies = acc.when == plan::kNoFunction ? "TRUE" : condition(acc.when, acc.where, scope);
    NodeRef f = tree(acc.value);
    const int f_scale = f ? f->scale : 0;
    const int before = scale;
    scale = std::min(scale + f_scale, static_cast<int>(Decimal::kMaxScale));
    // Checked as the VM multiplies, an overflow named at the clause (overflow.cpp).
    const std::string accelerated = product(clause_node(acc, scale), v, before, "(" + render_function(acc.value, scope) + ")", f_scale, clause_scope(acc, scope),
                                              "arithmetic overflow");
    push("accelerate", {fmt::format("CASE WHEN {} AND ({}) THEN {} ELSE {} END AS {}", open, applies, accelerated, at_scale(v, before, scale), amount_col(step + 1)),
                        fmt::format("c.{} AS {}", uplifted_col(step), uplifted_col(step + 1))});
    ++step;
  }
  for (const plan::GuardedAmount& up : pr.uplift) {
    const std::string v = "c." + amount_col(step);
    const std::string applies = up.when == plan::kNoFunction ? "TRUE" : condition(up.when, up.where, scope);
    NodeRef u = tree(up.value);
    const int u_scale = u ? u->scale : 0, before = scale;
    scale = std::max(scale, u_scale);
    // An uplift that applies pays even when the pay clause's condition did not hold (status `paid`).
    const std::string uplifted = sum(clause_node(up, scale), "+", v, before, "(" + render_function(up.value, scope) + ")", u_scale, clause_scope(up, scope),
                                     "arithmetic overflow");
    push("uplift", {fmt::format("CASE WHEN {} AND ({}) THEN {} ELSE {} END AS {}", open, applies, uplifted, at_scale(v, before, scale), amount_col(step + 1)),
                    fmt::format("c.{} OR ({} AND ({})) AS {}", uplifted_col(step), open, applies, uplifted_col(step + 1))});
    ++step;
  }
  // Returns floor the amount at zero unless negatives are allowed; then the floor and the cap, each
  // at the wider of its scale and the amount's.
  std::string amount = "c." + amount_col(step);
  if (!pr.allow_negative) amount = fmt::format("CASE WHEN {0} < {1} THEN {1} ELSE {0} END", amount, zero(scale));
  // (A cap or floor per year is netted against what was paid: settle.cpp.)
  for (const auto& [limit, is_cap] : {std::pair{pr.floor_per ? plan::kNoFunction : pr.floor, false}, std::pair{pr.cap_per ? plan::kNoFunction : pr.cap, true}}) {
    if (limit == plan::kNoFunction) continue;
    NodeRef l = tree(limit);
    const int l_scale = l ? l->scale : 0, at = std::max(scale, l_scale);
    const std::string x = at_scale("(" + amount + ")", scale, at), bound = at_scale("(" + render_function(limit, scope) + ")", l_scale, at);
    amount = fmt::format("CASE WHEN {0} AND {1} {2} {3} THEN {3} ELSE {1} END", open, x, is_cap ? ">" : "<", bound);
    scale = at;
  }
  push("amount", {fmt::format("{} AS {}", d_.round(d_, amount, pr.places, static_cast<int>(pr.rounding)), rebate_col(r, "amount"))});
  const std::string amt = "c." + rebate_col(r, "amount");
  const std::string status = fmt::format(
      "CASE WHEN NOT {open} THEN c.{blocked} WHEN NOT c.{when} AND NOT {uplifted} THEN 'condition not met' WHEN {amt} = 0 THEN 'zero' "
      "WHEN {amt} < 0 THEN 'clawback' ELSE 'paid' END",
      fmt::arg("open", open), fmt::arg("blocked", rebate_col(r, "blocked")), fmt::arg("when", rebate_col(r, "when")),
      fmt::arg("uplifted", "c." + uplifted_col(step)), fmt::arg("amt", amt));
  std::vector<std::string> out = {fmt::format("{} AS {}", status, rebate_col(r, "status"))};
  if (pr.pay_tiers != UINT32_MAX) {
    const plan::Tiers& t = plan_.tiers[pr.pay_tiers];
    const std::vector<std::string> texts = engine::band_texts(plan_)[pr.pay_tiers];
    std::string band_text = fmt::format("CASE {} WHEN -1 THEN 'none reached'", band(pr, r));
    std::string rate = fmt::format("CASE {}", band(pr, r));
    for (size_t i = 0; i < t.bands.size(); ++i) {
      band_text += fmt::format(" WHEN {} THEN {}", i, quote_text(texts[i]));
      rate += fmt::format(" WHEN {} THEN {}", i, t.pays_percent ? at_scale(number_literal(plan::Value::number(t.bands[i].value)), t.bands[i].value.scale(), kOutputScale) : "NULL");
    }
    out.push_back(fmt::format("{} END AS {}", band_text, rebate_col(r, "band")));
    out.push_back(fmt::format("{} ELSE NULL END AS {}", rate, rebate_col(r, "rate")));
  } else {
    out.push_back(fmt::format("CAST(NULL AS {}) AS {}", d_.text_type, rebate_col(r, "band")));
    out.push_back(fmt::format("CAST(NULL AS {}) AS {}", d_.decimal(kOutputScale), rebate_col(r, "rate")));
  }
  push("status", out);
  if (pr.payments != UINT32_MAX) settle(r, scope, ctes, last);
}

SqlResult Generator::generate() {
  SqlResult result;
  engine::Periods periods(plan_);
  // The periods paid: the program's effective dates (docs/language.md §3); the lines of the periods
  // before them that look-backs read are read too.
  if (options_.periods) {
    for (int64_t p = options_.periods->first; p <= options_.periods->second; ++p) paid_.push_back(static_cast<int>(p));
  } else if (!plan_.effective_from || !plan_.effective_to) {
    // The periods from the first line's to the last's, within the one effective date given, as
    // `rebate run` chooses them (periods.cpp).
    periods_from_data_ = true;
    paid_fixed_ = false;
  } else {
    for (int p = static_cast<int>(periods.of_day(*plan_.effective_from)); p <= periods.of_day(*plan_.effective_to); ++p) paid_.push_back(p);
  }
  if (options_.select == Select::Awards || options_.select == Select::Metrics) need_awards();
  // Closed periods: only open ones are paid, the first carrying the adjustments (closing.cpp).
  resolve_closing();
  // Funds carry a balance from the program's first period (docs/language.md §27): their cells are
  // computed from there (funds.cpp); the checker makes a program with a fund declare its effective dates.
  if (has_funds() && plan_.effective_from) fund_start_ = static_cast<int>(periods.of_day(*plan_.effective_from));
  // A fund carries each partner's balance from period to period, which a partner's history would cut
  // into the periods it is a partner of: not generated yet.
  if (has_history() && has_funds()) unsupported("a fund with a partner table with history (`valid_from`)", UINT32_MAX);
  // A fund whose accruals expire is made of lots, spent oldest first (engine/fund_lots.h): not generated yet.
  for (const plan::Rebate& pr : plan_.rebates) {
    if (pr.fund_expires_after) unsupported("a fund whose accruals expire (`expire after`)", pr.pay.where);
  }
  for (const plan::Rebate& pr : plan_.rebates) {
    // A rebate settled over the year to date earns over that window (docs/language.md §22).
    for (plan::FunctionId f : plan::rebate_functions(pr)) need_function(f, pr.payments != UINT32_MAX && pr.settle_year_to_date ? kYearToDate : kPeriod);
  }
  // How far back the adjustments reach is the lines' to say: the periods are worked out from them.
  if (closing_) periods_from_data_ = true;
  if (!unsupported_.empty() || (paid_.empty() && !periods_from_data_)) {
    result.unsupported = unsupported_;
    return result;
  }
  // The periods before the first paid one that the windows read: a year back at most, two for the
  // year to date last year.
  const int per_year = plan::periods_per_year(plan_.grain);
  int back = 0;
  for (const auto& [m, w] : measures_needed_) back = std::max(back, window_reach(w));
  // (A settlement reads what was paid for the year so far: its periods must have their labels here.)
  for (const plan::Rebate& pr : plan_.rebates) back = std::max(back, pr.payments != UINT32_MAX ? per_year : 0);
  std::vector<std::string> ctes;
  if (plan_.fx_input < plan_.inputs.size()) ctes.push_back(currencies_cte());
  for (uint32_t i = 0; i < plan_.inputs.size(); ++i) ctes.push_back(input_cte(i));
  if (periods_from_data_) {
    periods_from_data_ctes(back, ctes);
  } else {
    const int first = fund_start_ ? std::min(*fund_start_, paid_.front()) : paid_.front();
    for (int p = first - back; p <= paid_.back(); ++p) periods_.push_back(p);
    ctes.push_back(periods_cte());
  }
  std::vector<uint32_t> ledgers;
  for (uint32_t i = 0; i < plan_.inputs.size(); ++i) {
    if (plan_.inputs[i].kind == plan::InputKind::Ledger) ledgers.push_back(i);
  }
  // With history, each partner's rows as stretches of time, and the row each (partner, period) reads.
  if (has_history()) {
    ctes.push_back(stretches_cte());
    ctes.push_back(partner_in_period_cte());
  }
  for (uint32_t l : ledgers) ctes.push_back(lines_cte(l));
  if (closing_) ctes.push_back(late_cte(ledgers));
  ctes.push_back(cell_periods_cte());
  // The cells: every partner in every paid period (the partner table's, or without one every partner
  // any ledger line names, whatever its date, as the run knows them: a partner whose lines all fall
  // outside the periods read still gets its (zero) payouts, and its fund claims are a partner's).
  std::string partners;
  std::string attrs;
  if (plan_.partner_table != UINT32_MAX) {
    const plan::Input& pt = plan_.inputs[plan_.partner_table];
    for (size_t c = 0; c < pt.spec.columns.size(); ++c) attrs += fmt::format(", pt.{} AS {}", col(static_cast<uint32_t>(c)), quote_name("p" + std::to_string(c)));
    partners = fmt::format("SELECT pt.{} AS partner{} FROM {} AS pt", col(pt.key_column), attrs, quote_name("in_" + pt.name));
  } else {
    // (DISTINCT: with one ledger there is no UNION to remove the repeats, and a partner's cells would be
    // formed once per line.)
    for (uint32_t l : ledgers) {
      partners += fmt::format("{}SELECT DISTINCT {} AS partner FROM {} AS l", partners.empty() ? "" : " UNION ", partner_through(l, "l"),
                              quote_name("in_" + plan_.inputs[l].name));
    }
  }
  ctes.push_back(fmt::format("partners AS (\n  {})", partners));
  for (uint32_t i = 0; i < plan_.inputs.size(); ++i) {
    if (plan_.inputs[i].kind == plan::InputKind::Payments) ctes.push_back(payments_cte(i));
  }
  std::vector<std::string> joins;
  std::vector<std::string> columns;
  for (uint32_t l : ledgers) {
    for (int w = 0; w < static_cast<int>(windows_.size()); ++w) {
      bool any = false;
      for (const auto& [a, aw] : aggregates_needed_) any = any || (aw == w && plan_.aggregates[a].source == l && !plan_.aggregates[a].over_group);
      if (!any) continue;
      ctes.push_back(window_cte(l, w));
      const std::string alias = fmt::format("w{}_{}", w, l);
      joins.push_back(fmt::format("LEFT JOIN {} AS {} ON {}.partner = c.partner AND {}.cell = c.period", quote_name(fmt::format("w{}_{}", w, plan_.inputs[l].name)),
                                  alias, alias, alias));
      for (const auto& [a, aw] : aggregates_needed_) {
        const plan::Aggregate& agg = plan_.aggregates[a];
        if (aw != w || agg.source != l || agg.over_group) continue;
        const bool zero_when_empty = agg.kind == plan::AggregateKind::Sum || agg.kind == plan::AggregateKind::Count || agg.kind == plan::AggregateKind::CountDistinct;
        const std::string v = fmt::format("{}.{}", alias, agg_col(a, w));
        const std::string typed = fmt::format("CAST({} AS {})", zero_when_empty ? fmt::format("COALESCE({}, 0)", v) : v, d_.decimal(aggregate_scale(a)));
        columns.push_back(fmt::format("{} AS {}", agg.kind == plan::AggregateKind::Min || agg.kind == plan::AggregateKind::Max ? v : typed, agg_col(a, w)));
      }
    }
  }
  for (uint32_t g = 0; g < plan_.groups.size(); ++g) {
    for (int w = 0; w < static_cast<int>(windows_.size()); ++w) {
      bool any = false;
      for (const auto& [a, aw] : aggregates_needed_) any = any || (aw == w && plan_.aggregates[a].source == g && plan_.aggregates[a].over_group);
      if (!any) continue;
      ctes.push_back(group_window_cte(g, w));
      const std::string alias = fmt::format("w{}_g{}", w, g);
      joins.push_back(fmt::format("LEFT JOIN {} AS {} ON {}.partner = c.partner AND {}.cell = c.period",
                                  quote_name(fmt::format("w{}_group_{}", w, plan_.groups[g].name)), alias, alias, alias));
      for (const auto& [a, aw] : aggregates_needed_) {
        const plan::Aggregate& agg = plan_.aggregates[a];
        if (aw != w || agg.source != g || !agg.over_group) continue;
        const bool zero_when_empty = agg.kind == plan::AggregateKind::Sum || agg.kind == plan::AggregateKind::Count || agg.kind == plan::AggregateKind::CountDistinct;
        const std::string v = fmt::format("{}.{}", alias, agg_col(a, w));
        const std::string typed = fmt::format("CAST({} AS {})", zero_when_empty ? fmt::format("COALESCE({}, 0)", v) : v, d_.decimal(aggregate_scale(a)));
        columns.push_back(fmt::format("{} AS {}", agg.kind == plan::AggregateKind::Min || agg.kind == plan::AggregateKind::Max ? v : typed, agg_col(a, w)));
      }
    }
  }
  std::string list, join_text;
  for (const std::string& c : columns) list += ",\n    " + c;
  for (const std::string& j : joins) join_text += "\n  " + j;
  // Every input checked whole before any cell is formed (check_cte).
  std::string checked;
  for (uint32_t i = 0; i < plan_.inputs.size(); ++i) {
    ctes.push_back(check_cte(i));
    checked += fmt::format(" AND (SELECT bad FROM {}) = 0", check_name(i));
  }
  if (closing_ && !plan_.budgets.empty()) {
    ctes.push_back(closing_check_cte());
    checked += " AND (SELECT bad FROM check_closing) = 0";
  }
  // The cells' partners: every partner in every period, or with history those with a row in force in
  // the period, with that row's attributes.
  std::string cell_partners = "partners AS p CROSS JOIN cell_periods AS pe";
  if (has_history()) {
    ctes.push_back(history_check_cte());
    checked += " AND (SELECT bad FROM check_history) = 0";
    for (uint32_t l : ledgers) {
      ctes.push_back(history_lines_check_cte(l));
      checked += fmt::format(" AND (SELECT bad FROM {}) = 0", quote_name("check_history_" + plan_.inputs[l].name));
    }
    if (closing_) {
      ctes.push_back(history_closing_check_cte());
      checked += " AND (SELECT bad FROM check_history_closing) = 0";
    }
    cell_partners = "partner_in_period AS p JOIN cell_periods AS pe ON pe.period = p.rb_period AND p.rb_in_force";
  }
  ctes.push_back(fmt::format(
      "cells AS (\n  SELECT c.*{}\n  FROM (SELECT p.*, pe.period, pe.label, pe.first_day, pe.last_day, pe.year_start, pe.paid AS is_paid FROM {} "
      "WHERE pe.computed{}) AS c{})",
      list, cell_partners, checked, join_text));
  std::string last = "cells";
  measures(ctes, last);
  for (size_t r = 0; r < plan_.rebates.size(); ++r) rebate(r, ctes, last);
  if (!unsupported_.empty()) {
    result.unsupported = unsupported_;
    return result;
  }
  const std::string query = select_query(ctes, last);
  if (!unsupported_.empty()) {
    result.unsupported = unsupported_;
    return result;
  }
  std::string with;
  // (A fund's balance is a recursive query: RECURSIVE covers the whole list, the other queries included.)
  for (const std::string& c : ctes) with += (with.empty() ? (has_funds() ? "WITH RECURSIVE\n" : "WITH\n") : ",\n") + c;
  static constexpr const char* kColumns[] = {"partner, period, rebate, amount, currency, status, basis, band, rate (as in `rebate run --format csv`), and with closed periods corrects",
                                             "partner, period, amount, currency (as in `rebate run --totals`)",
                                             "partner, period, measured, award, value, currency (as in `rebate run --awards`)",
                                             "partner, period, metric, value, currency (as in `rebate run --metrics`)"};
  static constexpr const char* kWhat[] = {"payouts", "totals", "awards", "metrics"};
  const auto which = static_cast<size_t>(options_.select);
  result.script = fmt::format("-- {}: {} computed by `rebate compile --target sql --dialect {}`.\n-- Columns: {}.\n{}\n{}\n{}", plan_.title, kWhat[which],
                              d_.name, kColumns[which], d_.prelude + case_map_helpers(), with, query);
  return result;
}

SqlResult compile_sql(const plan::Plan& plan, const SqlOptions& options) { return Generator(plan, options).generate(); }

std::optional<std::string> quoted_table_name(const std::string& text) {
  const size_t dot = text.find('.');
  const std::string schema = dot == std::string::npos ? "" : text.substr(0, dot);
  const std::string name = dot == std::string::npos ? text : text.substr(dot + 1);
  if (name.empty() || name.find('.') != std::string::npos || (dot != std::string::npos && schema.empty())) return std::nullopt;
  return schema.empty() ? quote_name(name) : quote_name(schema) + "." + quote_name(name);
}

}  // namespace rebate::sql
