// Awards and metrics evaluated in a cell (cell_evaluator.h, docs/language.md §25): each award's first
// row that holds, its value as files write it, and why it was given.
#include "engine/cell_evaluator.h"

#include "engine/report.h"

namespace rebate::engine {

void CellEvaluator::award_value(const plan::Award& a, const Value& v, uint32_t where, PartnerFrame& frame, AwardValue& out) const {
  out.currency.clear();
  switch (a.type) {
    case plan::ValueType::Text: out.value = frame.texts()->text(static_cast<uint32_t>(v.coef)); break;  // made texts too
    case plan::ValueType::Bool: out.value = v.truthy() ? "true" : "false"; break;
    case plan::ValueType::Enum: out.value = a.members[static_cast<size_t>(v.coef)]; break;
    case plan::ValueType::Money: {
      const std::optional<Decimal> rounded = v.decimal().rounded(a.places, plan_.rounding);
      if (!rounded) throw vm::EvalError("arithmetic overflow rounding the value", where, frame.context());
      out.value.clear();
      append_fixed(out.value, *rounded, a.places);
      out.currency = a.currency;
      out.shown = format_value(Value::number(*rounded), a.currency, a.places);
      return;
    }
    case plan::ValueType::Percent:
      out.value = format_value(v, "%", 0);
      break;
    case plan::ValueType::Number:
      out.value.clear();
      append_shortest(out.value, v.decimal());
      out.shown = format_value(v, "", 0);
      return;
  }
  out.shown = out.value;
}

std::string CellEvaluator::award_text(const plan::Award& a, const Value& v, uint32_t where, PartnerFrame& frame) const {
  AwardValue shown;
  award_value(a, v, where, frame, shown);
  return shown.shown;
}

std::shared_ptr<Explanation> CellEvaluator::explain_award(PartnerFrame& frame, const plan::Award& a, size_t decided) {
  auto e = std::make_shared<Explanation>();
  tracer_.begin(frame, e->trace);
  for (size_t ri = 0; ri <= decided; ++ri) {
    tracer_.clause(a.rows[ri].when);
    tracer_.clause(a.rows[ri].value);
  }
  if (a.metric) return e;  // one formula: its trace is the explanation
  const plan::Location& l = plan_.locations[a.rows[decided].where];
  e->steps.push_back(fmt::format("row {} ({}:{}) decided: {}", decided + 1, l.file, l.line, closed_up(l.text)));
  if (decided == 0) return e;
  // The row above: its value, and when its condition is one comparison of a measure with a constant
  // (`revenue >= 250_000 USD`), how much more of the measure reaches it.
  const plan::AwardRow& above = a.rows[decided - 1];
  const std::string level = award_text(a, frame.run(above.value), above.where, frame);
  const std::vector<plan::Instr>& code = plan_.functions[above.when].code;
  if (code.size() == 4 && (code[0].op == plan::Opcode::Measure || code[0].op == plan::Opcode::Shifted) && code[1].op == plan::Opcode::Const &&
      (code[2].op == plan::Opcode::Ge || code[2].op == plan::Opcode::Gt) && code[3].op == plan::Opcode::Return) {
    const plan::Measure& m = plan_.measures[code[0].a];
    const Value have = code[0].op == plan::Opcode::Measure ? frame.measure(code[0].a) : frame.shifted(code[0].a, code[0].b);
    const std::optional<Decimal> gap = have.none ? std::nullopt : Decimal::sub(plan_.constants[code[1].a].decimal(), have.decimal());
    if (gap && !gap->is_negative()) {
      const char* more = code[2].op == plan::Opcode::Gt ? "more than " : "";
      e->next_band = fmt::format("{}{} more {} reaches {}", more, format_value(Value::number(*gap), m.unit, plan_.minor_unit), as_words(m.name), level);
      return e;
    }
  }
  const plan::Location& next = plan_.locations[above.where];
  e->next_band = fmt::format("{} is row {} ({}:{}): {}", level, decided, next.file, next.line, closed_up(next.text));
  return e;
}

void CellEvaluator::award(PartnerFrame& frame, PeriodIndex period, const std::string& label, uint32_t partner, std::vector<AwardValue>& awards) {
  for (size_t ai = 0; ai < plan_.awards.size(); ++ai) {
    const plan::Award& a = plan_.awards[ai];
    for (size_t ri = 0; ri < a.rows.size(); ++ri) {
      const plan::AwardRow& row = a.rows[ri];
      if (row.when != plan::kNoFunction) {
        Value w = frame.run(row.when);
        if (w.none || !w.truthy()) continue;
      }
      if (coverage_ && coverage_->counts_name(a.name)) ++coverage_->counts.award_rows[ai][ri];
      Value v = frame.run(row.value);
      AwardValue& out = awards.emplace_back();
      out.partner = s_.partner_name(partner);
      out.period = s_.periods.label(a.next_period ? period + 1 : period);
      out.measured = label;
      out.award = a.name;
      out.metric = a.metric;
      award_value(a, v, row.where, frame, out);
      if (explain_) out.explanation = explain_award(frame, a, ri);
      break;
    }
  }
}

}  // namespace rebate::engine
