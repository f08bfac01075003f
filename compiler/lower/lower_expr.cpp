// Expressions to stack bytecode: literals, names, members, calls, operators, aggregates. Each
// aggregate's filter and argument become functions of their own, registered for the fused scan.
#include <fmt/format.h>

#include <algorithm>

#include "core/currency.h"
#include "lower/lowerer.h"

namespace rebate::lowering {

uint32_t Lowerer::location(Span span) {
  plan::Location loc;
  if (span.valid() && span.file < sources_.size()) {
    const SourceFile& file = sources_.file(span.file);
    LineCol lc = file.line_col(span.begin);
    loc.file = file.path();
    loc.line = lc.line;
    loc.column = lc.column;
    if (span.end <= file.text().size() && span.end >= span.begin) {
      loc.text = file.text().substr(span.begin, std::min<uint32_t>(span.end - span.begin, 200));
    }
  }
  plan_.locations.push_back(std::move(loc));
  return static_cast<uint32_t>(plan_.locations.size() - 1);
}

uint32_t Lowerer::constant(plan::Value v) {
  plan_.constants.push_back(v);
  return static_cast<uint32_t>(plan_.constants.size() - 1);
}

size_t Lowerer::emit(Opcode op, uint32_t a, uint32_t b, uint32_t where) {
  fn_->code.push_back(plan::Instr{op, a, b, where});
  return fn_->code.size() - 1;
}

FunctionId Lowerer::begin(std::string name, plan::FunctionKind kind, uint32_t input) {
  plan_.functions.push_back(plan::Function{std::move(name), kind, input, 0, {}});
  fn_ = &plan_.functions.back();
  return static_cast<FunctionId>(plan_.functions.size() - 1);
}

FunctionId Lowerer::function(std::string name, const ast::Expr& e, const Context& ctx, uint32_t input) {
  // Functions are emitted one at a time: an aggregate's own functions are finished before the caller
  // resumes, so the caller's function pointer is saved and restored around nested emission.
  FunctionId id = begin(std::move(name), ctx.kind, input);
  expr(e, ctx);
  fn_ = &plan_.functions[id];
  emit(Opcode::Return, 0, 0, location(e.span));
  return id;
}

Opcode Lowerer::compare_opcode(ast::Op op) {
  switch (op) {
    case ast::Op::Eq: return Opcode::Eq;
    case ast::Op::Ne: return Opcode::Ne;
    case ast::Op::Lt: return Opcode::Lt;
    case ast::Op::Le: return Opcode::Le;
    case ast::Op::Gt: return Opcode::Gt;
    default: return Opcode::Ge;
  }
}

void Lowerer::expr(const ast::Expr& e, const Context& ctx) {
  FunctionId current = static_cast<FunctionId>(fn_ - plan_.functions.data());
  expr_inner(e, ctx, current);
  fn_ = &plan_.functions[current];
}

void Lowerer::expr_inner(const ast::Expr& e, const Context& ctx, FunctionId self) {
  auto resume = [&] { fn_ = &plan_.functions[self]; };
  uint32_t where = location(e.span);
  switch (e.kind) {
    case ast::ExprKind::Int:
    case ast::ExprKind::Decimal:
    case ast::ExprKind::Percent:
      emit(Opcode::Const, constant(plan::Value::number(constant_of(e))), 0, where);
      return;
    case ast::ExprKind::Quantity: {
      plan::Value v = plan::Value::number(constant_of(e));
      if (tp_.type_of(e).kind == TypeKind::Duration) {
        bool months = tp_.type_of(e).currency == "months";
        int64_t factor = e.unit.rfind("week", 0) == 0 ? 7 : e.unit.rfind("quarter", 0) == 0 ? 3 : e.unit.rfind("year", 0) == 0 ? 12 : 1;
        v = plan::Value::integer(static_cast<int64_t>(v.coef) * factor);
        v.aux = months ? 1 : 0;
      }
      emit(Opcode::Const, constant(v), 0, where);
      return;
    }
    case ast::ExprKind::Date:
      emit(Opcode::Const, constant(plan::Value::integer(parse_date(e.text).value_or(0))), 0, where);
      return;
    case ast::ExprKind::Period: {
      emit(Opcode::Const, constant(period_value(e.text)), 0, where);
      return;
    }
    case ast::ExprKind::String:
      plan_.texts.push_back(e.text);
      emit(Opcode::Text, static_cast<uint32_t>(plan_.texts.size() - 1), 0, where);
      return;
    case ast::ExprKind::Bool:
      emit(Opcode::Const, constant(plan::Value::boolean(e.text == "true")), 0, where);
      return;
    case ast::ExprKind::List:
      for (const auto& item : e.args) expr(*item, ctx);
      return;  // only inside `in`, which counts the items
    case ast::ExprKind::Tuple:
      return;  // only in `count_distinct((a, b))`, lowered as a group (lower_distinct.cpp)
    case ast::ExprKind::Name:
      name(e, ctx, where);
      return;
    case ast::ExprKind::Member:
      member(e, ctx, where);
      return;
    case ast::ExprKind::Call:
      call(e, ctx, where);
      resume();
      return;
    case ast::ExprKind::Method: {
      uint32_t index = aggregate(e, ctx, where);
      resume();  // the aggregate's filter and argument were emitted as functions of their own
      emit(Opcode::Aggregate, index, 0, where);
      return;
    }
    case ast::ExprKind::Unary: {
      const size_t before = fn_->code.size();
      expr(e.arg(0), ctx);
      // `-` on a constant (`-0.01 USD`) is a negative constant, as the VM's Neg would make it: filters
      // that compare with it keep the shapes the kernels and the group finish run directly.
      if (e.op == ast::Op::Neg && fn_->code.size() == before + 1 && fn_->code.back().op == Opcode::Const) {
        plan::Value v = plan_.constants[fn_->code.back().a];
        if (!v.none) v.coef = -v.coef;
        fn_->code.back().a = constant(v);  // (a new one: a declared constant's may be shared)
        return;
      }
      if (e.op == ast::Op::Neg) emit(Opcode::Neg, 0, 0, where);
      if (e.op == ast::Op::Not) emit(Opcode::Not, 0, 0, where);
      return;
    }
    case ast::ExprKind::Binary:
      binary(e, ctx, where);
      return;
    case ast::ExprKind::In: {
      const ast::Expr& rhs = through_consts(e.arg(1));
      expr(e.arg(0), ctx);
      if (rhs.kind == ast::ExprKind::List) {
        expr(rhs, ctx);
        emit(Opcode::InList, static_cast<uint32_t>(rhs.args.size()), 0, where);
      } else if (rhs.kind == ast::ExprKind::Binary && rhs.op == ast::Op::Range) {
        expr(rhs.arg(0), ctx);
        expr(rhs.arg(1), ctx);
        emit(Opcode::InRange, 0, 0, where);
      } else {
        expr(rhs, ctx);
        emit(Opcode::InPeriod, 0, tp_.type_of(e.arg(0)).kind == TypeKind::Period ? 1 : 0, where);
      }
      if (e.negated) emit(Opcode::Not, 0, 0, where);
      return;
    }
    case ast::ExprKind::If: {
      expr(e.arg(0), ctx);
      size_t to_else = emit(Opcode::JumpIfFalse, 0, 0, where);
      expr(e.arg(1), ctx);
      size_t to_end = emit(Opcode::Jump);
      patch(to_else);
      expr(e.arg(2), ctx);
      patch(to_end);
      return;
    }
  }
}

const ast::Expr& Lowerer::through_consts(const ast::Expr& e) {
  const Symbol* s = tp_.ref_of(e);
  if (e.kind == ast::ExprKind::Name && s && s->kind == SymbolKind::Const) {
    return through_consts(*static_cast<const ast::Const*>(s->decl)->value);
  }
  return e;
}

plan::Value Lowerer::period_value(const std::string& text) {
  plan::Value v;
  auto p = parse_period(text);
  if (!p) return v;
  DayNumber first = 0, last = 0;
  if (plan_.fiscal_start) {
    // Under a fiscal calendar a literal names a fiscal period (docs/language.md §3): FY`year` starts 364
    // days a year after `year_start`, quarters are 13 weeks, months the calendar's weeks (as the engine's
    // periods.cpp counts them, so `period >= 2026-Q3` compares like with like).
    const int64_t year_first = *plan_.fiscal_start + (static_cast<int64_t>(p->year) - civil_from_days(*plan_.fiscal_start).year) * 364;
    const auto month_offset = [&](int m) {  // days from the year's start to fiscal month m (0..12)
      int64_t d = (m / 3) * 91;
      for (int i = 0; i < m % 3; ++i) d += plan_.fiscal_weeks[i] * 7;
      return d;
    };
    int64_t from = 0, to = 0;  // [from, to) in days from the fiscal year's start
    switch (p->grain) {
      case PeriodGrain::Month: from = month_offset(p->index - 1), to = month_offset(p->index); break;
      case PeriodGrain::Quarter: from = (p->index - 1) * 91, to = p->index * 91; break;
      case PeriodGrain::Half: from = (p->index - 1) * 182, to = p->index * 182; break;
      case PeriodGrain::Year: from = 0, to = 364; break;
    }
    v.coef = year_first + from;
    v.aux = year_first + to - 1;
    return v;
  }
  switch (p->grain) {
    case PeriodGrain::Month:
      first = days_from_civil({p->year, static_cast<unsigned>(p->index), 1});
      last = days_from_civil({p->year + (p->index == 12 ? 1 : 0), static_cast<unsigned>(p->index % 12 + 1), 1}) - 1;
      break;
    case PeriodGrain::Quarter:
      first = days_from_civil({p->year, static_cast<unsigned>(3 * p->index - 2), 1});
      last = days_from_civil({p->year + (p->index == 4 ? 1 : 0), static_cast<unsigned>((3 * p->index) % 12 + 1), 1}) - 1;
      break;
    case PeriodGrain::Half:
      first = days_from_civil({p->year, static_cast<unsigned>(6 * p->index - 5), 1});
      last = days_from_civil({p->year + (p->index == 2 ? 1 : 0), p->index == 2 ? 1u : 7u, 1}) - 1;
      break;
    case PeriodGrain::Year:
      first = days_from_civil({p->year, 1, 1});
      last = days_from_civil({p->year + 1, 1, 1}) - 1;
      break;
  }
  v.coef = first;
  v.aux = last;
  return v;
}

void Lowerer::name(const ast::Expr& e, const Context& ctx, uint32_t where) {
  const Symbol* s = tp_.ref_of(e);
  if (!s) {
    // A currency code compared with a Currency value (`currency == GBP`): its currency_index(), as a
    // Currency cell holds it.
    if (tp_.type_of(e).kind == TypeKind::Currency && currency_index(e.text) >= 0) {
      emit(Opcode::Const, constant(plan::Value::integer(currency_index(e.text))), 0, where);
    }
    return;
  }
  switch (s->kind) {
    case SymbolKind::Column:
      if (ctx.kind == plan::FunctionKind::GroupRow) {
        emit(Opcode::GroupField, s->index, 0, where);  // a group key
      } else {
        emit(Opcode::Column, s->index, 0, where);
      }
      return;
    case SymbolKind::GroupField: {
      const auto* g = static_cast<const ast::Group*>(s->decl);
      emit(Opcode::GroupField, static_cast<uint32_t>(g->keys.size()) + s->index, 0, where);
      return;
    }
    case SymbolKind::Measure:
      emit(Opcode::Measure, measure_index_[static_cast<const ast::Measure*>(s->decl)], 0, where);
      return;
    case SymbolKind::Const: {
      const auto& c = *static_cast<const ast::Const*>(s->decl);
      named_constant(c);
      expr(*c.value, ctx);
      return;
    }
    case SymbolKind::Decision:
      emit(Opcode::Decision, decision_index_[static_cast<const ast::Decision*>(s->decl)], 0, where);
      return;
    case SymbolKind::EnumMember:
      emit(Opcode::Const, constant(plan::Value::integer(s->index)), 0, where);
      return;
    case SymbolKind::Partner:
      emit(Opcode::PartnerId, 0, 0, where);
      return;
    case SymbolKind::Period:
      emit(Opcode::Period, 0, 0, where);
      return;
    case SymbolKind::Enum: case SymbolKind::Table: case SymbolKind::Ledger: case SymbolKind::Calendar:
    case SymbolKind::Group: case SymbolKind::Tiers: case SymbolKind::Rebate: case SymbolKind::Award:
    case SymbolKind::Budget: case SymbolKind::Builtin:
      return;  // not values; the operators that take them read the declaration directly
  }
}

void Lowerer::member(const ast::Expr& e, const Context& ctx, uint32_t where) {
  const Symbol* s = tp_.ref_of(e);
  const ast::Expr& obj = e.arg(0);
  if (s && s->kind == SymbolKind::EnumMember) {
    emit(Opcode::Const, constant(plan::Value::integer(s->index)), 0, where);
    return;
  }
  const Symbol* os = tp_.ref_of(obj);
  if (os && os->kind == SymbolKind::Partner && s && s->kind == SymbolKind::Column) {
    emit(Opcode::PartnerAttr, s->index, 0, where);
    return;
  }
  if (os && os->kind == SymbolKind::Partner && s && s->kind == SymbolKind::Partner) {
    emit(Opcode::PartnerId, 0, 0, where);  // `partner.id` without a partner table: the id itself
    return;
  }
  if (os && os->kind == SymbolKind::Period) {
    emit(Opcode::Period, 0, 0, where);
    if (e.text == "start" || e.text == "end") {
      emit(e.text == "start" ? Opcode::PeriodStart : Opcode::PeriodEnd, 0, 0, where);
    } else {
      const plan::PeriodPart part = e.text == "quarter_of_year" ? plan::PeriodPart::QuarterOfYear
                                    : e.text == "month_of_year" ? plan::PeriodPart::MonthOfYear
                                                                : plan::PeriodPart::IsFirstOfYear;
      emit(Opcode::PeriodPart, static_cast<uint32_t>(part), 0, where);
    }
    return;
  }
  // `(2026-Q3).start`: the first or last day of a period that is not the current one (a literal).
  if ((e.text == "start" || e.text == "end") && tp_.type_of(obj).kind == TypeKind::Period) {
    expr(obj, ctx);
    emit(e.text == "start" ? Opcode::PeriodStart : Opcode::PeriodEnd, 0, 0, where);
    return;
  }
  // `sku.family`: a lookup column of the line, then a column of the table row it names.
  if (os && os->kind == SymbolKind::Column && s && s->kind == SymbolKind::Column) {
    emit(Opcode::Lookup, os->index, s->index, where);
    return;
  }
  (void)ctx;
}

void Lowerer::call(const ast::Expr& e, const Context& ctx, uint32_t where) {
  const std::string& f = e.text;
  if (f == "previous" || f == "last_year" || f == "year_to_date") {
    const Symbol* s = tp_.ref_of(e.arg(0));
    uint32_t shift = f == "previous" ? 0 : f == "last_year" ? 1 : 2;
    emit(Opcode::Shifted, measure_index_[static_cast<const ast::Measure*>(s->decl)], shift, where);
    return;
  }
  if (f == "round") {
    expr(e.arg(0), ctx);
    // `places` count in the unit the value is written in (docs/language.md §4): a money value's default
    // is its own currency's minor unit (a `Money(JPY)` column in a USD program rounds to whole yen), and
    // a percentage's places are places of the percentage, so the ratio the VM holds (12.35% = 0.1235)
    // is rounded to two places more: round(12.35%, 1) is 12.4% = 0.124.
    const Type& type = tp_.type_of(e.arg(0));
    uint32_t places = e.args.size() >= 2 ? static_cast<uint32_t>(std::stoi(e.arg(1).text))
                      : type.kind == TypeKind::Money ? static_cast<uint32_t>(currency_minor_unit(type.currency))
                                                     : 0u;
    if (type.kind == TypeKind::Percent) places += 2;
    uint32_t mode = e.args.size() == 3 ? static_cast<uint32_t>(*rounding_mode_named(e.arg(2).text)) : 255u;
    emit(Opcode::Round, places, mode, where);
    return;
  }
  if (f == "convert") {
    convert(e, ctx, where);
    return;
  }
  for (const auto& a : e.args) expr(*a, ctx);
  // The text functions (docs/language.md §4): a test of two texts, or a function of one.
  using plan::TextFunction;
  const std::optional<TextFunction> text = f == "starts_with" ? TextFunction::StartsWith : f == "ends_with" ? TextFunction::EndsWith
                                           : f == "contains"  ? TextFunction::Contains   : f == "upper"     ? TextFunction::Upper
                                           : f == "lower"     ? TextFunction::Lower      : f == "length"    ? std::optional(TextFunction::Length)
                                                                                                            : std::nullopt;
  if (text) {
    const bool test = *text == TextFunction::StartsWith || *text == TextFunction::EndsWith || *text == TextFunction::Contains;
    emit(test ? Opcode::TextTest : Opcode::TextMap, static_cast<uint32_t>(*text), 0, where);
    return;
  }
  if (f == "min") emit(Opcode::Min, static_cast<uint32_t>(e.args.size()), 0, where);
  else if (f == "max") emit(Opcode::Max, static_cast<uint32_t>(e.args.size()), 0, where);
  else if (f == "abs") emit(Opcode::Abs, 0, 0, where);
}

void Lowerer::binary(const ast::Expr& e, const Context& ctx, uint32_t where) {
  using ast::Op;
  const ast::Expr& l = e.arg(0);
  const ast::Expr& r = e.arg(1);
  switch (e.op) {
    case Op::And:
    case Op::Or: {
      // Short circuit: `a and b` is false without reading b when a is false.
      bool is_and = e.op == Op::And;
      expr(l, ctx);
      size_t short_circuit = emit(is_and ? Opcode::JumpIfFalse : Opcode::JumpIfTrue, 0, 0, where);
      expr(r, ctx);
      size_t to_end = emit(Opcode::Jump);
      patch(short_circuit);
      emit(Opcode::Const, constant(plan::Value::boolean(!is_and)), 0, where);
      patch(to_end);
      return;
    }
    case Op::Otherwise: {
      Context inner = ctx;
      inner.otherwise = true;
      expr(l, inner);
      size_t to_end = emit(Opcode::JumpIfSome, 0, 0, where);
      expr(r, ctx);
      patch(to_end);
      return;
    }
    case Op::Of:
      if (tp_.type_of(l).kind == TypeKind::Tiers) {
        expr(r, ctx);
        emit(Opcode::TierOf, tiers_index_[tp_.type_of(l).tiers_decl()], 0, where);
        return;
      }
      expr(l, ctx);
      expr(r, ctx);
      emit(Opcode::Mul, 0, 0, where);
      return;
    case Op::By:
      expr(r, ctx);
      emit(Opcode::TierBy, tiers_index_[tp_.type_of(l).tiers_decl()], 0, where);
      return;
    case Op::Add:
    case Op::Sub: {
      const Type& lt = tp_.type_of(l);
      const Type& rt = tp_.type_of(r);
      if (lt.kind == TypeKind::Date && rt.kind == TypeKind::Duration) {
        expr(l, ctx);
        expr(r, ctx);
        emit(e.op == Op::Add ? Opcode::AddDuration : Opcode::SubDuration, 0, rt.currency == "months" ? 1 : 0, where);
        return;
      }
      if (lt.kind == TypeKind::Duration && rt.kind == TypeKind::Date) {
        expr(r, ctx);
        expr(l, ctx);
        emit(Opcode::AddDuration, 0, lt.currency == "months" ? 1 : 0, where);
        return;
      }
      expr(l, ctx);
      expr(r, ctx);
      emit(e.op == Op::Add ? Opcode::Add : Opcode::Sub, 0, 0, where);
      return;
    }
    case Op::Mul:
      expr(l, ctx);
      expr(r, ctx);
      emit(Opcode::Mul, 0, 0, where);
      return;
    case Op::Div:
      expr(l, ctx);
      expr(r, ctx);
      emit(Opcode::Div, 0, ctx.otherwise ? 1 : 0, where);
      return;
    case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
      expr(l, ctx);
      expr(r, ctx);
      emit(compare_opcode(e.op), 0, 0, where);
      return;
    case Op::Range:
      expr(l, ctx);
      expr(r, ctx);
      return;  // only inside `in`
    case Op::Neg: case Op::Plus: case Op::Not:
      return;  // unary operators never stand in a Binary node
  }
}

uint32_t Lowerer::aggregate(const ast::Expr& e, const Context& ctx, uint32_t where) {
  const Symbol* s = tp_.ref_of(e.arg(0));
  plan::Aggregate a;
  const std::string& m = e.text;
  a.kind = m == "sum" ? plan::AggregateKind::Sum : m == "count" ? plan::AggregateKind::Count
           : m == "count_distinct" ? plan::AggregateKind::CountDistinct : m == "min" ? plan::AggregateKind::Min
           : m == "max" ? plan::AggregateKind::Max : plan::AggregateKind::Avg;
  a.where = where;
  Context row;
  bool in_group_field = false;
  if (s->kind == SymbolKind::Group) {
    const auto* g = static_cast<const ast::Group*>(s->decl);
    a.over_group = true;
    a.source = group_index_[g];
    row.kind = plan::FunctionKind::GroupRow;
    row.row_group = g;
  } else {
    const auto* l = static_cast<const ast::Source*>(s->decl);
    a.source = input_index_[l];
    row.kind = plan::FunctionKind::Row;
    row.row_source = l;
    in_group_field = ctx.in_group != nullptr;
  }
  std::string label = fmt::format("{}.{}", e.arg(0).text, m);
  if (a.kind == plan::AggregateKind::CountDistinct && e.args.size() > 1 && e.args[1]->kind == ast::ExprKind::Tuple)
    return distinct_combinations(e, row, where);  // lower_distinct.cpp
  if (e.where) a.filter = function(label + " where", *e.where, row, a.source);
  if (e.args.size() > 1) {
    a.arg = function(label, *e.args[1], row, a.source);
    a.arg_is_text = tp_.type_of(*e.args[1]).kind == TypeKind::Text;
  }
  if (in_group_field) {
    plan_.group_field_aggregates.push_back(a);
    uint32_t index = static_cast<uint32_t>(plan_.group_field_aggregates.size() - 1);
    plan_.groups[group_index_[ctx.in_group]].aggregates.push_back(index);
    return index;
  }
  plan_.aggregates.push_back(a);
  return static_cast<uint32_t>(plan_.aggregates.size() - 1);
}

// `convert(amount, to: EUR, at: ...)`: the amount, its currency (the line's Currency column, or its
// type's currency as a constant), the day or period of the rate, then Convert (docs/language.md §24).
void Lowerer::convert(const ast::Expr& e, const Context& ctx, uint32_t where) {
  expr(e.arg(0), ctx);
  const Type& type = tp_.type_of(e.arg(0));
  if (type.is_line_money()) {
    const auto* currency_column = static_cast<const ast::Column*>(type.decl);
    uint32_t index = 0;
    each_module([&](const ast::Module& m) {
      for (const auto& s : m.sources) {
        for (uint32_t i = 0; i < s.columns.size(); ++i) {
          if (&s.columns[i] == currency_column) index = i;
        }
      }
    });
    emit(Opcode::Column, index, 0, where);
  } else {
    emit(Opcode::Const, constant(plan::Value::integer(currency_index(type.currency))), 0, where);
  }
  const std::string& at = e.arg(2).text;
  if (at == "line_date") emit(Opcode::Column, plan_.inputs[fn_->input].date_column, 0, where);
  else emit(Opcode::Period, 0, 0, where);
  const uint32_t mode = at == "line_date" ? 0 : at == "period_end" ? 1 : 2;
  emit(Opcode::Convert, static_cast<uint32_t>(currency_index(e.arg(1).text)), mode, where);
}

}  // namespace rebate::lowering
