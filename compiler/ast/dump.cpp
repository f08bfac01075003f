// S-expression printer for the AST. Stable output: golden tests compare it byte for byte.
#include "ast/dump.h"

#include <fmt/format.h>

namespace rebate::ast {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

std::string type_text(const TypeRef& t) {
  std::string out = t.name.name;
  if (!t.args.empty()) {
    out += "(";
    for (size_t i = 0; i < t.args.size(); ++i) out += (i ? ", " : "") + t.args[i].name;
    out += ")";
  }
  return t.optional ? out + "?" : out;
}

std::string opt_type(const std::optional<TypeRef>& t) { return t ? " : " + type_text(*t) : ""; }

std::string maybe(const ExprPtr& e) { return e ? dump(*e) : "_"; }

std::string pattern_text(const Pattern& p) {
  std::string out;
  for (size_t i = 0; i < p.alternatives.size(); ++i) {
    const PatternAlt& a = p.alternatives[i];
    if (i) out += " | ";
    switch (a.kind) {
      case PatternKind::Wildcard: out += "_"; break;
      case PatternKind::Equals: out += maybe(a.value); break;
      case PatternKind::Compare: out += fmt::format("{} {}", spelling(a.compare), maybe(a.value)); break;
      case PatternKind::Range: out += fmt::format("{} .. {}", maybe(a.value), maybe(a.upper)); break;
    }
  }
  return out;
}

}  // namespace

std::string dump(const Expr& e) {
  auto args = [&](size_t from) {
    std::string out;
    for (size_t i = from; i < e.args.size(); ++i) {
      const bool named = i < e.labels.size() && !e.labels[i].name.empty();
      out += " " + (named ? e.labels[i].name + ": " : std::string()) + dump(*e.args[i]);
    }
    if (e.where) out += " where " + dump(*e.where);
    return out;
  };
  switch (e.kind) {
    case ExprKind::Int:
    case ExprKind::Decimal:
    case ExprKind::Date:
    case ExprKind::Period:
    case ExprKind::Bool:
      return e.text;
    case ExprKind::Quantity: return fmt::format("{} {}", e.text, e.unit);
    case ExprKind::Percent: return e.text + "%";
    case ExprKind::String: return quoted(e.text);
    case ExprKind::List: return "[" + args(0) + " ]";
    case ExprKind::Tuple: return fmt::format("(tuple{})", args(0));
    case ExprKind::Name: return e.text.empty() ? "<missing>" : e.text;
    case ExprKind::Member: return fmt::format("(. {} {})", dump(e.arg(0)), e.text);
    case ExprKind::Call: return fmt::format("(call {}{})", e.text, args(0));
    case ExprKind::Method: return fmt::format("(method {} {}{})", dump(e.arg(0)), e.text, args(1));
    case ExprKind::Unary: return fmt::format("({} {})", spelling(e.op), dump(e.arg(0)));
    case ExprKind::Binary: return fmt::format("({} {} {})", spelling(e.op), dump(e.arg(0)), dump(e.arg(1)));
    case ExprKind::In:
      return fmt::format("({} {} {})", e.negated ? "not in" : "in", dump(e.arg(0)), dump(e.arg(1)));
    case ExprKind::If: return fmt::format("(if {} {} {})", dump(e.arg(0)), dump(e.arg(1)), dump(e.arg(2)));
  }
  return "?";
}

std::string dump(const Module& m) {
  std::string out;
  for (const auto& i : m.imports) out += fmt::format("(import {})\n", quoted(i.path));
  for (const auto& p : m.programs) {
    out += fmt::format("(program {}", quoted(p.title));
    for (const auto& s : p.settings) out += fmt::format("\n  ({} {})", s.name.name, maybe(s.value));
    out += ")\n";
  }
  for (const auto& e : m.enums) {
    out += fmt::format("(enum {}", e.name.name);
    for (const auto& member : e.members) out += " " + member.name;
    out += ")\n";
  }
  for (const auto& s : m.sources) {
    const char* kind = s.kind == SourceKind::Ledger ? "ledger" : s.kind == SourceKind::Table ? "table" : s.kind == SourceKind::Payments ? "payments-ledger" : s.kind == SourceKind::Fx ? "fx-table" : s.kind == SourceKind::Claims ? "claims-ledger" : "partner-table";
    out += fmt::format("({} {}", kind, s.name.name);
    for (const auto& c : s.columns) {
      out += fmt::format("\n  ({} : {}", c.name.name, type_text(c.type));
      for (const auto& r : c.roles) out += " as " + r.name;
      if (c.header) out += " from " + quoted(*c.header);
      out += ")";
    }
    out += ")\n";
  }
  for (const auto& c : m.calendars) {
    out += fmt::format("(calendar {}", c.name.name);
    for (const auto& s : c.settings) out += fmt::format("\n  ({} {})", s.name.name, maybe(s.value));
    out += ")\n";
  }
  for (const auto& c : m.consts) out += fmt::format("(const {}{} {})\n", c.name.name, opt_type(c.type), maybe(c.value));
  for (const auto& ms : m.measures) {
    out += fmt::format("(measure {}{} {}", ms.name.name, opt_type(ms.type), maybe(ms.value));
    for (const auto& l : ms.limits) out += fmt::format(" ({} {})", l.is_cap ? "cap" : "floor", maybe(l.value));
    out += ")\n";
  }
  for (const auto& g : m.groups) {
    out += fmt::format("(group {} {} by", g.name.name, g.ledger.name);
    for (const auto& k : g.keys) out += " " + k.name;
    for (const auto& f : g.fields) out += fmt::format("\n  ({}{} {})", f.name.name, opt_type(f.type), maybe(f.value));
    out += ")\n";
  }
  for (const auto& t : m.tiers) {
    out += fmt::format("(tiers {} {}", t.name.name, t.mode == TierMode::Retroactive ? "retroactive" : "incremental");
    for (const auto& b : t.bands) out += fmt::format("\n  (band {} {} {})", maybe(b.lower), maybe(b.upper), maybe(b.value));
    out += ")\n";
  }
  for (const auto& d : m.decisions) {
    out += fmt::format("(decision {} : {} by", d.name.name, type_text(d.result));
    for (const auto& i : d.inputs) out += " " + maybe(i);
    for (const auto& r : d.rows) {
      out += "\n  (row";
      if (r.is_otherwise) out += " otherwise";
      for (const auto& p : r.patterns) out += " [" + pattern_text(p) + "]";
      out += " => " + maybe(r.value) + ")";
    }
    out += ")\n";
  }
  for (const auto& r : m.rebates) {
    out += fmt::format("({} {}", r.fund ? "fund" : "rebate", r.name.name);
    if (!r.title.empty()) out += " " + quoted(r.title);
    for (const auto& c : r.clauses) {
      out += fmt::format("\n  ({}", spelling(c.kind));
      if (c.kind == ClauseKind::Rounding) {
        out += " " + c.rounding_mode.name;
        if (c.rounding_to) out += " to " + dump(*c.rounding_to);
      } else if (c.value) {
        out += " " + dump(*c.value);
      }
      if (c.when) out += " when " + dump(*c.when);
      if (c.per) out += " per " + c.per->name;
      if (c.kind == ClauseKind::Settle) out += (c.window ? " " + c.window->name : std::string()) + " against " + c.payments.name;
      for (const auto& word : c.policy) out += " " + word.name;
      out += ")";
    }
    out += ")\n";
  }
  for (const auto& a : m.awards) {
    if (a.metric) {
      out += fmt::format("(metric {} : {} {})\n", a.name.name, type_text(a.type), a.rows.empty() ? "<missing>" : maybe(a.rows[0].value));
      continue;
    }
    out += fmt::format("(award {} : {}{}", a.name.name, type_text(a.type), a.next_period ? " for next period" : "");
    for (const auto& r : a.rows) out += fmt::format("\n  ({} => {})", r.when ? "when " + dump(*r.when) : "otherwise", maybe(r.value));
    out += ")\n";
  }
  for (const auto& b : m.budgets) {
    out += fmt::format("(budget {} {}", b.name.name, maybe(b.amount));
    if (b.per) out += " per " + b.per->name;
    if (!b.rebates.empty()) {
      out += " for";
      for (const auto& r : b.rebates) out += " " + r.name;
    }
    out += ")\n";
  }
  for (const auto& t : m.tests) {
    out += fmt::format("(test {}", quoted(t.title));
    for (const auto& g : t.given) {
      if (g.from) {
        out += fmt::format("\n  (given {} from {})", g.source.name, quoted(*g.from));
        continue;
      }
      out += fmt::format("\n  (given {} (", g.source.name);
      for (size_t i = 0; i < g.columns.size(); ++i) out += (i ? " " : "") + g.columns[i].name;
      out += ")";
      for (const auto& row : g.rows) {
        out += "\n    (";
        for (size_t i = 0; i < row.size(); ++i) out += (i ? " " : "") + maybe(row[i]);
        out += ")";
      }
      out += ")";
    }
    for (const auto& e : t.expects) {
      out += fmt::format("\n  (expect {} {} {} {})", e.rebate.name, maybe(e.partner), maybe(e.period), maybe(e.amount));
    }
    out += ")\n";
  }
  return out;
}

}  // namespace rebate::ast
