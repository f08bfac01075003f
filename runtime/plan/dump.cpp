// `--dump=plan` and `--dump=bytecode`: the plan as text, for golden tests and curious users.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plan/plan.h"

namespace rebate::plan {

const char* name(Opcode op) {
  switch (op) {
#define OPCODE(Name, Effect, Doc) \
  case Opcode::Name: return #Name;
#include "plan/opcodes.def"
  }
  return "?";
}

const char* name(AggregateKind kind) {
  switch (kind) {
    case AggregateKind::Sum: return "sum";
    case AggregateKind::Count: return "count";
    case AggregateKind::CountDistinct: return "count_distinct";
    case AggregateKind::Min: return "min";
    case AggregateKind::Max: return "max";
    case AggregateKind::Avg: return "avg";
  }
  return "?";
}

std::string dump_plan(const Plan& p) {
  std::string out = fmt::format("program {:?} currency {} places {}\n", p.title, p.currency, p.minor_unit);
  if (p.payout_currency) {  // docs/language.md §24: what each final payout is converted into
    const Plan::PayoutCurrency& pc = *p.payout_currency;
    out += fmt::format("payout currency {} at {}\n", pc.partner_column == UINT32_MAX ? pc.code : fmt::format("partner column {}", pc.partner_column),
                       pc.average ? "period_average" : "period_end");
  }
  for (const Input& in : p.inputs) {
    out += fmt::format("input {} ({})\n", in.name, in.kind == InputKind::Ledger ? "ledger" : in.kind == InputKind::Table ? "table"
                       : in.kind == InputKind::Payments ? "payments ledger" : in.kind == InputKind::Fx ? "fx table"
                       : in.kind == InputKind::Claims ? "claims ledger" : in.kind == InputKind::LedgerIndex ? "ledger index" : "partner table");
  }
  for (size_t a = 0; a < p.aggregates.size(); ++a) {
    const Aggregate& g = p.aggregates[a];
    out += fmt::format("aggregate {}: {} over {} {}{}{}\n", a, name(g.kind), g.over_group ? "group" : "ledger",
                       g.over_group ? p.groups[g.source].name : p.inputs[g.source].name,
                       g.filter != kNoFunction ? fmt::format(" where f{}", g.filter) : "",
                       g.arg != kNoFunction ? fmt::format(" of f{}", g.arg) : "");
  }
  for (const Group& g : p.groups) out += fmt::format("group {} over {} ({} fields)\n", g.name, p.inputs[g.ledger].name, g.field_names.size());
  for (size_t m = 0; m < p.measures.size(); ++m) out += fmt::format("measure {} {} = f{}\n", m, p.measures[m].name, p.measures[m].value);
  for (const Tiers& t : p.tiers) {
    out += fmt::format("tiers {} {}\n", t.name, t.mode == TierMode::Retroactive ? "retroactive" : "incremental");
    for (const TierBand& b : t.bands) {
      out += fmt::format("  [{}, {}) -> {}\n", b.lower.to_string(), b.upper ? b.upper->to_string() : "inf", b.value.to_string());
    }
  }
  for (const Rebate& r : p.rebates) {
    out += fmt::format("rebate {}: pay f{}{}{}{}{}{}\n", r.name, r.pay.value, r.eligible.empty() ? "" : fmt::format(", {} eligible", r.eligible.size()),
                       r.require.empty() ? "" : fmt::format(", {} gates", r.require.size()), r.cap != kNoFunction ? ", cap" : "",
                       std::string(r.cap_per ? " per window" : "") + (r.floor_per ? ", floor per window" : ""),
                       r.payments == UINT32_MAX ? ""
                       : fmt::format(", settles{} against {} ({})", r.settle_year_to_date ? " year to date" : "", p.inputs[r.payments].name,
                                     r.on_negative == SettlePolicy::ClawBack ? "claw back" : r.on_negative == SettlePolicy::CarryForward ? "carry forward" : "floor"));
    // Its lines (plan/line_counts.h): per place of the period in its year, aggregate over c+first..c+last.
    std::vector<std::string> lines;
    for (const LineCount& l : r.line_counts) {
      lines.push_back(l.first == l.last ? fmt::format("{}: aggregate {} at {:+}", l.pos, l.aggregate, l.first)
                                        : fmt::format("{}: aggregate {} at {:+}..{:+}", l.pos, l.aggregate, l.first, l.last));
    }
    if (!lines.empty()) out += fmt::format("  lines {}\n", fmt::join(lines, "; "));
  }
  for (const Budget& b : p.budgets) out += fmt::format("budget {} {}\n", b.name, b.amount.to_string());
  for (const Award& a : p.awards) {
    if (a.metric) out += fmt::format("metric {}\n", a.name);
    else out += fmt::format("award {} ({} rows)\n", a.name, a.rows.size());
  }
  return out;
}

std::string dump_bytecode(const Plan& p) {
  std::string out;
  for (size_t f = 0; f < p.functions.size(); ++f) {
    const Function& fn = p.functions[f];
    out += fmt::format("f{} {}:\n", f, fn.name);
    for (size_t i = 0; i < fn.code.size(); ++i) {
      const Instr& in = fn.code[i];
      std::string operand;
      switch (in.op) {
        case Opcode::Const: {
          const Value& v = p.constants[in.a];
          operand = v.scale ? v.decimal().to_string() : std::to_string(static_cast<int64_t>(v.coef));
          break;
        }
        case Opcode::Text: operand = fmt::format("{:?}", p.texts[in.a]); break;
        case Opcode::Measure: case Opcode::Shifted: operand = p.measures[in.a].name; break;
        case Opcode::TierOf: case Opcode::TierBy: operand = p.tiers[in.a].name; break;
        case Opcode::Decision: operand = p.decisions[in.a].name; break;
        default: operand = fmt::format("{} {}", in.a, in.b); break;
      }
      out += fmt::format("  {:4} {:<12} {}\n", i, name(in.op), operand);
    }
  }
  return out;
}

}  // namespace rebate::plan
