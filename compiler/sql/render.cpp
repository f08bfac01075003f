// Expression trees as SQL (generator.h): one function per kind of node, in a scope that says what a
// leaf reads (a ledger line's columns, or a cell's aggregates and measures over a window).
#include <fmt/format.h>

#include "sql/generator.h"
#include "vm/ops.h"

namespace rebate::sql {

using plan::Opcode;

std::string quote_text(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string quote_name(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

namespace {

// The type of a ledger column's values as the trees see them.
Node column_node(const ledger::ColumnSpec& c) {
  Node n;
  switch (c.kind) {
    case ledger::ColumnKind::Int: n.type = SqlType::Number; break;
    case ledger::ColumnKind::Decimal: case ledger::ColumnKind::Money: case ledger::ColumnKind::Percent:
      n.type = SqlType::Number;
      n.scale = c.scale;
      break;
    case ledger::ColumnKind::Bool: n.type = SqlType::Bool; break;
    case ledger::ColumnKind::Text: n.type = SqlType::Text; break;
    case ledger::ColumnKind::Date: case ledger::ColumnKind::Enum: n.type = SqlType::Day; break;
  }
  n.nullable = c.optional;
  return n;
}

}  // namespace

void Generator::unsupported(std::string construct, uint32_t where) {
  for (const Unsupported& u : unsupported_) {
    if (u.construct == construct && u.where == where) return;
  }
  unsupported_.push_back(Unsupported{std::move(construct), where});
}

// An aggregate's value as a leaf: a count is a whole number, an average has the most places, a sum, a
// minimum or a maximum those of its argument; only a sum always has a value (0 over no line).
Node Generator::aggregate_type(const plan::Aggregate& a) {
  Node n;
  if (a.kind == plan::AggregateKind::Count || a.kind == plan::AggregateKind::CountDistinct) return n;
  if (a.kind == plan::AggregateKind::Avg) {
    n.scale = Decimal::kMaxScale;
  } else if (NodeRef t = tree(a.arg)) {
    n = *t;
    n.args.clear();
  }
  n.nullable = a.kind != plan::AggregateKind::Sum;
  return n;
}

Node Generator::leaf_type(const plan::Instr& in) {
  switch (in.op) {
    case Opcode::PartnerAttr: return column_node(plan_.inputs[plan_.partner_table].spec.columns[in.a]);
    case Opcode::PartnerId: {
      Node n;
      n.type = SqlType::Text;
      return n;
    }
    case Opcode::Measure: case Opcode::Shifted: {
      const plan::Measure& m = plan_.measures[in.a];
      Node n;
      if (NodeRef t = tree(m.value)) n = *t;
      for (plan::FunctionId limit : {m.cap, m.floor}) {
        if (limit == plan::kNoFunction) continue;
        if (NodeRef t = tree(limit)) n.scale = std::max(n.scale, t->scale);
      }
      n.args.clear();
      return n;
    }
    case Opcode::Aggregate: return aggregate_type(plan_.aggregates[in.a]);
    case Opcode::Decision: {
      Node n;
      if (NodeRef t = tree(plan_.decisions[in.a].value)) n = *t;
      n.args.clear();
      return n;
    }
    default: return Node{};  // Column and Lookup: typed by the function's ledger (tree())
  }
}

NodeRef Generator::tree(plan::FunctionId f) {
  if (f == plan::kNoFunction) return nullptr;
  if (auto it = trees_.find(f); it != trees_.end()) return it->second;
  if (failed_.count(f)) return nullptr;
  const plan::Function& fn = plan_.functions[f];
  LeafTypes leaves;
  leaves.leaf = [&](const plan::Instr& in) -> Node {
    if (in.op == Opcode::Aggregate && field_functions_.count(f)) {
      // A group field reads the group's own aggregates over its lines.
      return aggregate_type(plan_.group_field_aggregates[in.a]);
    }
    if (in.op == Opcode::GroupField && fn.kind == plan::FunctionKind::GroupRow) {
      const plan::Group& g = plan_.groups[fn.input];
      if (in.a < g.key_columns.size()) return column_node(plan_.inputs[g.ledger].spec.columns[g.key_columns[in.a]]);
      Node n;
      if (NodeRef t = tree(g.field_values.at(in.a - g.key_columns.size()))) n = *t;
      n.args.clear();
      return n;
    }
    if (in.op == Opcode::Column && fn.kind == plan::FunctionKind::Row) return column_node(plan_.inputs[fn.input].spec.columns[in.a]);
    if (in.op == Opcode::Lookup && fn.kind == plan::FunctionKind::Row) {
      for (const auto& [column, table] : plan_.inputs[fn.input].lookups) {
        if (column == in.a) return column_node(plan_.inputs[table].spec.columns[in.b]);
      }
    }
    return leaf_type(in);
  };
  failed_.insert(f);  // while it is built: a function reading itself is no tree
  Built b = build_tree(plan_, f, leaves);
  if (b.unsupported) {
    unsupported(b.unsupported->construct, b.unsupported->where);
    return nullptr;
  }
  failed_.erase(f);
  return trees_[f] = b.tree;
}

std::string Generator::render_function(plan::FunctionId f, const Scope& scope) {
  NodeRef t = tree(f);
  if (!t) return "NULL";
  Scope inner = scope;
  inner.function = plan_.functions[f].name;
  return render(t, inner);
}

std::string Generator::sql_type(const Node& n) const {
  switch (n.type) {
    case SqlType::Number: return d_.decimal(n.scale);
    case SqlType::Bool: return "BOOLEAN";
    case SqlType::Text: return d_.text_type;
    case SqlType::Day: case SqlType::Period: return "BIGINT";
  }
  return "NUMERIC";
}

std::string Generator::fail(const std::string& what, uint32_t where, const Scope& scope, const std::string& type) {
  return fail_with(quote_text(what), where, scope, type);
}

Generator::FailParts Generator::fail_parts(const std::string& what, uint32_t where, const Scope& scope) const {
  std::string at = "the program";
  if (where < plan_.locations.size()) {
    const plan::Location& l = plan_.locations[where];
    at = fmt::format("{}:{}:{}", l.file, l.line, l.column);
  }
  const std::string text = where < plan_.locations.size() ? fmt::format(" (`{}`)", plan_.locations[where].text) : "";
  FailParts parts;
  parts.before = quote_text(fmt::format("{}: error: ", at)) + " || " + what + " || " + quote_text(fmt::format(" in {}{}, for partner ", scope.function, text));
  if (!scope.partner.empty()) {
    parts.partner = scope.partner;
    parts.period = scope.period;
    return parts;
  }
  parts.partner = scope.line ? fmt::format("l.{}", quote_name("partner")) : "c.partner";
  if (!scope.line) {
    parts.period = "c.label";
    if (scope.window != kPeriod) parts.over = quote_text(fmt::format(" (over {})", window_name(scope.window)));
  }
  return parts;
}

std::string Generator::fail_with(const std::string& what, uint32_t where, const Scope& scope, const std::string& type) {
  const FailParts parts = fail_parts(what, where, scope);
  std::string message = parts.before + " || " + parts.partner;
  if (!parts.period.empty()) message += " || " + quote_text(", period ") + " || " + parts.period;
  if (!parts.over.empty()) message += " || " + parts.over;
  return d_.fail(message, type);
}

std::string Generator::condition(plan::FunctionId f, uint32_t where, const Scope& scope) {
  NodeRef t = tree(f);
  if (!t) return "NULL";
  Scope inner = scope;
  inner.function = plan_.functions[f].name;
  const std::string c = render(t, inner);
  if (!t->nullable) return c;
  return fmt::format("CASE WHEN ({0}) IS NULL THEN {1} ELSE ({0}) END", c, fail("this condition has no value", where, inner, "BOOLEAN"));
}

std::string Generator::number_literal(const plan::Value& v) const {
  const std::string text = v.decimal().to_fixed(v.scale);
  // A negative literal in parentheses: `x - -1` is not what a reader (or every parser) wants.
  const std::string typed = d_.name == "duckdb" ? fmt::format("CAST({} AS {})", text, d_.decimal(v.scale)) : text;
  return v.coef < 0 && d_.name != "duckdb" ? "(" + typed + ")" : typed;
}

std::string Generator::render(const NodeRef& n, const Scope& scope) {
  // Where the dialect's decimals have one width, each computed number is cast to the scale the tree
  // says it has, so that every operation above it sees the type it expects (exact: the tree's scale is
  // the operation's).
  const bool computed = n->kind == Node::Kind::Case || (n->kind == Node::Kind::Op && n->args.size() > 0);
  if (d_.one_scale_per_operation && computed && n->type == SqlType::Number) {
    return fmt::format("CAST(({}) AS {})", n->kind == Node::Kind::Op ? render_op(*n, scope) : render_case(*n, scope), d_.decimal(n->scale));
  }
  switch (n->kind) {
    case Node::Kind::Op: return render_op(*n, scope);
    case Node::Kind::Case: return render_case(*n, scope);
    case Node::Kind::IsSome: return fmt::format("({}) IS NOT NULL", render(n->args[0], scope));
    case Node::Kind::Fail: return fail(vm::ops::no_decision_row(plan_, n->a), n->where, scope, sql_type(*n));
  }
  return "NULL";
}

std::string Generator::at_scale(const std::string& sql, int from, int to) const {
  if (!d_.one_scale_per_operation || from == to) return sql;
  return fmt::format("CAST({} AS {})", sql, d_.decimal(to));
}

std::string Generator::render_at(const NodeRef& n, int to, const Scope& scope) {
  const std::string sql = "(" + render(n, scope) + ")";
  if (n->type != SqlType::Number || n->kind == Node::Kind::Fail) return sql;
  return at_scale(sql, n->scale, to);
}

std::string Generator::render_case(const Node& n, const Scope& scope) {
  std::string out = "CASE";
  for (size_t i = 0; i + 1 < n.args.size(); i += 2) {
    out += fmt::format(" WHEN {} THEN {}", render(n.args[i], scope), render_at(n.args[i + 1], n.scale, scope));
  }
  return out + fmt::format(" ELSE {} END", render_at(n.args.back(), n.scale, scope));
}

std::string Generator::period_bound(const NodeRef& p, bool first, const Scope& scope) {
  if (p->op == Opcode::Const) {
    const plan::Value& v = plan_.constants[p->a];
    return std::to_string(first ? static_cast<int64_t>(v.coef) : v.aux);
  }
  if (scope.line) return first ? "l.first_day" : "l.last_day";
  if (scope.window != kPeriod) unsupported("the current period inside a look-back", p->where);
  return first ? "c.first_day" : "c.last_day";
}

// PeriodPart of the period whose first day (a day number) is `first`: vm::ops::period_part, in SQL that
// both dialects run (EXTRACT on a calendar date; on a fiscal calendar, comparisons of the day's place in
// its 364-day year, so that no integer division is needed: DuckDB's `/` on integers is not one).
std::string Generator::period_part(plan::PeriodPart part, const std::string& first) const {
  if (!plan_.fiscal_start) {
    const std::string date = fmt::format("(DATE '1970-01-01' + CAST({} AS INTEGER))", first);
    switch (part) {
      case plan::PeriodPart::QuarterOfYear: return fmt::format("CAST(EXTRACT(QUARTER FROM {}) AS {})", date, d_.decimal(0));
      case plan::PeriodPart::MonthOfYear: return fmt::format("CAST(EXTRACT(MONTH FROM {}) AS {})", date, d_.decimal(0));
      case plan::PeriodPart::IsFirstOfYear: return fmt::format("(EXTRACT(MONTH FROM {0}) = 1 AND EXTRACT(DAY FROM {0}) = 1)", date);
    }
  }
  const std::string in_year = fmt::format("((({} - {}) % 364 + 364) % 364)", first, *plan_.fiscal_start);
  // The first day (in the fiscal year) of each fiscal month after the first: P02 .. P12.
  std::vector<int> starts;
  for (int q = 0; q < 4; ++q) {
    starts.push_back(q * 91 + 7 * plan_.fiscal_weeks[0]);
    starts.push_back(q * 91 + 7 * (plan_.fiscal_weeks[0] + plan_.fiscal_weeks[1]));
    if (q < 3) starts.push_back((q + 1) * 91);
  }
  auto numbered = [&](const std::vector<int>& bounds) {
    std::string out = "CASE";
    for (size_t i = bounds.size(); i-- > 0;) out += fmt::format(" WHEN {} >= {} THEN {}", in_year, bounds[i], i + 2);
    return fmt::format("CAST({} ELSE 1 END AS {})", out, d_.decimal(0));
  };
  switch (part) {
    case plan::PeriodPart::QuarterOfYear: return numbered({91, 182, 273});
    case plan::PeriodPart::MonthOfYear: return numbered(starts);
    case plan::PeriodPart::IsFirstOfYear: return fmt::format("({} = 0)", in_year);
  }
  return "NULL";
}

std::string Generator::render_leaf(const Node& n, const Scope& scope) {
  const bool line = scope.line;
  switch (n.op) {
    case Opcode::Column:
      if (!line) break;
      return fmt::format("l.{}", quote_name("c" + std::to_string(n.a)));
    case Opcode::Lookup: {
      if (!line) break;
      for (const auto& [column, table] : plan_.inputs[scope.ledger].lookups) {
        if (column != n.a) continue;
        return looked_up(table, quote_name("c" + std::to_string(n.b)), "l." + quote_name("c" + std::to_string(n.a)));
      }
      break;
    }
    case Opcode::PartnerAttr:
      if (line || scope.group_row || scope.group_fields) {
        if (!line) break;
        // With history, the row of the line's period (partner_history.cpp).
        if (has_history())
          return fmt::format("(SELECT h.{} FROM partner_in_period AS h WHERE h.partner = l.partner AND h.rb_period = l.period)", quote_name("p" + std::to_string(n.a)));
        const plan::Input& t = plan_.inputs[plan_.partner_table];
        return fmt::format("(SELECT k.{} FROM {} AS k WHERE k.{} = l.partner)", quote_name("c" + std::to_string(n.a)),
                           quote_name("in_" + t.name), quote_name("c" + std::to_string(t.key_column)));
      }
      // A look-back reads the row of the period it looks at; the cell has its own period's.
      if (has_history() && scope.window != kPeriod) return partner_attr_in_window(n.a, scope.window);
      return fmt::format("c.{}", quote_name("p" + std::to_string(n.a)));
    case Opcode::PartnerId: return line ? "l.partner" : scope.group_row ? "g.partner" : "c.partner";
    case Opcode::Measure:
      if (line || scope.group_row || scope.group_fields) break;
      return fmt::format("c.{}", quote_name(fmt::format("m{}_w{}", n.a, scope.window)));
    case Opcode::Shifted:
      if (line || scope.group_row || scope.group_fields) break;
      return fmt::format("c.{}", quote_name(fmt::format("m{}_w{}", n.a, shifted_window(scope.window, n.b))));
    case Opcode::Aggregate:
      if (line || scope.group_row) break;
      if (scope.group_fields) return fmt::format("c.{}", quote_name(fmt::format("ga{}", n.a)));
      return fmt::format("c.{}", quote_name(fmt::format("a{}_w{}", n.a, scope.window)));
    case Opcode::Decision: {
      if (line) break;
      return "(" + render_function(plan_.decisions[n.a].value, scope) + ")";
    }
    case Opcode::GroupField:
      if (!scope.group_row) break;
      return fmt::format("g.{}", quote_name(fmt::format("f{}", n.a)));
    default: break;
  }
  unsupported(fmt::format("`{}` here", plan::name(n.op)), n.where);
  return "NULL";
}

std::string Generator::tiers(const plan::Tiers& t, bool apply, const std::string& x, int x_scale, int out_scale) {
  // Every number at one scale: the basis and the bounds at the wider of theirs (out_scale less the
  // rates'), the rates at the widest rate's.
  int rate_scale = 0, basis_scale = x_scale;
  for (const plan::TierBand& b : t.bands) {
    rate_scale = std::max(rate_scale, b.value.scale());
    basis_scale = std::max(basis_scale, b.lower.scale());
    if (b.upper) basis_scale = std::max(basis_scale, b.upper->scale());
  }
  const std::string xs = at_scale("(" + x + ")", x_scale, basis_scale);
  auto bound = [&](const Decimal& v) { return at_scale(number_literal(plan::Value::number(v)), v.scale(), basis_scale); };
  auto rate = [&](const Decimal& v) { return at_scale(number_literal(plan::Value::number(v)), v.scale(), rate_scale); };
  const std::string zero = at_scale(number_literal(plan::Value::number(Decimal())), 0, out_scale);
  if (!apply || t.mode == plan::TierMode::Retroactive) {
    // The band reached (band_reached in runtime/vm): the last whose lower bound x reaches, unless x is
    // past a closed last band.
    std::string out = "CASE";
    const plan::TierBand& last = t.bands.back();
    if (last.upper) out += fmt::format(" WHEN {} >= {} THEN {}", xs, bound(*last.upper), zero);
    for (size_t i = t.bands.size(); i-- > 0;) {
      const plan::TierBand& b = t.bands[i];
      const std::string value = apply ? fmt::format("{} * {}", xs, rate(b.value)) : rate(b.value);
      out += fmt::format(" WHEN {} >= {} THEN {}", xs, bound(b.lower), value);
    }
    return out + fmt::format(" ELSE {} END", zero);
  }
  // Incremental: each slice [lower, min(upper, x)) at its band's rate.
  std::string out;
  const std::string slice_zero = at_scale(number_literal(plan::Value::number(Decimal())), 0, basis_scale);
  for (const plan::TierBand& b : t.bands) {
    const std::string top = b.upper ? fmt::format("LEAST({}, {})", xs, bound(*b.upper)) : xs;
    const std::string slice = fmt::format("CASE WHEN {0} > {1} THEN {2} - {1} ELSE {3} END", xs, bound(b.lower), top, slice_zero);
    out += (out.empty() ? "" : " + ") + fmt::format("({}) * {}", slice, rate(b.value));
  }
  return "(" + out + ")";
}

std::string Generator::render_op(const Node& n, const Scope& scope) {
  auto arg = [&](size_t k) { return "(" + render(n.args[k], scope) + ")"; };
  // Operands of one scale: the result's (sums, min, max), or the widest (comparisons).
  int widest = 0;
  for (const NodeRef& a : n.args) widest = std::max(widest, a->scale);
  auto same = [&](size_t k) { return render_at(n.args[k], widest, scope); };
  switch (n.op) {
    case Opcode::Const:
      if (n.type == SqlType::Bool) return n.b == 1 ? (n.a ? "TRUE" : "FALSE") : (plan_.constants[n.a].coef != 0 ? "TRUE" : "FALSE");
      return number_literal(plan_.constants[n.a]);
    case Opcode::Text: return quote_text(plan_.texts[n.a]);
    case Opcode::Load: case Opcode::Store: case Opcode::Pop: case Opcode::Jump: case Opcode::JumpIfTrue: case Opcode::JumpIfSome:
    case Opcode::Return: case Opcode::Fail:
      break;  // never a node
    case Opcode::JumpIfFalse:  // a condition that must have a value
      return fmt::format("CASE WHEN {0} IS NULL THEN {1} ELSE {0} END", arg(0), fail("this condition has no value", n.where, scope, "BOOLEAN"));
    case Opcode::Column: case Opcode::Lookup: case Opcode::GroupField: case Opcode::PartnerAttr: case Opcode::PartnerId:
    case Opcode::Measure: case Opcode::Shifted: case Opcode::Aggregate: case Opcode::Decision:
      return render_leaf(n, scope);
    case Opcode::Period:
      unsupported("a period as a value", n.where);
      return "NULL";
    case Opcode::PeriodStart: case Opcode::PeriodEnd: return period_bound(n.args[0], n.op == Opcode::PeriodStart, scope);
    case Opcode::PeriodPart: return period_part(static_cast<plan::PeriodPart>(n.a), period_bound(n.args[0], true, scope));
    case Opcode::Add: return bounded(n, "+", scope);
    case Opcode::Sub: return bounded(n, "-", scope);
    case Opcode::Mul: return product(n, arg(0), n.args[0]->scale, arg(1), n.args[1]->scale, scope);
    case Opcode::Div: return quotient(n, arg(0), arg(1), scope);
    case Opcode::Neg: return "-" + arg(0);
    case Opcode::Abs: return "abs" + arg(0);
    case Opcode::Round: {
      const int places = n.a == 255 ? plan_.minor_unit : static_cast<int>(n.a);
      const int mode = n.b == 255 ? static_cast<int>(plan_.rounding) : static_cast<int>(n.b);
      return d_.round(d_, arg(0), places, mode);
    }
    case Opcode::Min: case Opcode::Max: {
      // LEAST/GREATEST skip NULLs in PostgreSQL; the VM's min of a missing value is missing.
      std::string list, any_null;
      for (size_t k = 0; k < n.args.size(); ++k) {
        list += (k ? ", " : "") + same(k);
        if (n.args[k]->nullable) any_null += (any_null.empty() ? "" : " OR ") + arg(k) + " IS NULL";
      }
      const std::string best = fmt::format("{}({})", n.op == Opcode::Min ? "LEAST" : "GREATEST", list);
      return any_null.empty() ? best : fmt::format("CASE WHEN {} THEN NULL ELSE {} END", any_null, best);
    }
    case Opcode::AddDuration: case Opcode::SubDuration: {
      const char* sign = n.op == Opcode::AddDuration ? "" : "-";
      if (n.b == 0) return fmt::format("{} {} {}", arg(0), n.op == Opcode::AddDuration ? "+" : "-", arg(1));
      // Months: through the database's dates, whose month arithmetic clamps to the month's end as the
      // VM's add_months does (2026-01-31 + 1 month = 2026-02-28).
      return d_.day_number(d_.add_months(fmt::format("(DATE '1970-01-01' + CAST({} AS INTEGER))", arg(0)), fmt::format("{}CAST({} AS INTEGER)", sign, arg(1))));
    }
    case Opcode::Eq: return fmt::format("{} = {}", same(0), same(1));
    case Opcode::Ne: return fmt::format("{} <> {}", same(0), same(1));
    case Opcode::Lt: return fmt::format("{} < {}", same(0), same(1));
    case Opcode::Le: return fmt::format("{} <= {}", same(0), same(1));
    case Opcode::Gt: return fmt::format("{} > {}", same(0), same(1));
    case Opcode::Ge: return fmt::format("{} >= {}", same(0), same(1));
    case Opcode::Not: return "NOT " + arg(0);
    case Opcode::InList: {
      std::string list;
      for (size_t k = 1; k < n.args.size(); ++k) list += (k > 1 ? ", " : "") + same(k);
      return fmt::format("{} IN ({})", same(0), list);
    }
    case Opcode::InRange: return fmt::format("{} BETWEEN {} AND {}", same(0), same(1), same(2));
    case Opcode::Convert: return convert(n, scope);
    case Opcode::TextTest: case Opcode::TextMap: return text_function(n, scope);
    case Opcode::InPeriod: {
      const std::string first = n.b == 1 ? period_bound(n.args[0], true, scope) : arg(0);
      const std::string last = n.b == 1 ? period_bound(n.args[0], false, scope) : arg(0);
      return fmt::format("({} >= {} AND {} <= {})", first, period_bound(n.args[1], true, scope), last, period_bound(n.args[1], false, scope));
    }
    case Opcode::TierOf: case Opcode::TierBy: {
      const std::string x = render(n.args[0], scope);
      if (n.op == Opcode::TierOf) return tiers_applied(n, x, scope);  // a product, checked (overflow.cpp)
      const std::string applied = tiers(plan_.tiers[n.a], false, x, n.args[0]->scale, n.scale);
      // A missing metric stays missing (the VM's tier of none is none).
      return n.args[0]->nullable ? fmt::format("CASE WHEN ({}) IS NULL THEN NULL ELSE {} END", x, applied) : applied;
    }
  }
  unsupported(fmt::format("the instruction `{}`", plan::name(n.op)), n.where);
  return "NULL";
}

}  // namespace rebate::sql
