// The interpreter loop. Exact decimal arithmetic throughout; overflow and division by zero are errors
// that name the source location and the partner and period.
#include "vm/vm.h"

#include <fmt/format.h>

#include <algorithm>

namespace rebate::vm {

using plan::Opcode;

int compare(const Value& a, const Value& b) {
  if (a.scale != 0 || b.scale != 0) return Decimal::compare(a.decimal(), b.decimal());
  return a.coef < b.coef ? -1 : a.coef > b.coef ? 1 : 0;
}

int band_reached(const plan::Tiers& tiers, const Decimal& metric) {
  // Bands are sorted and half-open [lower, upper): a value on a boundary belongs to the upper band.
  for (int i = static_cast<int>(tiers.bands.size()) - 1; i >= 0; --i) {
    const plan::TierBand& b = tiers.bands[static_cast<size_t>(i)];
    if (Decimal::compare(metric, b.lower) >= 0) {
      if (b.upper && Decimal::compare(metric, *b.upper) >= 0) return -1;  // beyond a closed last band
      return i;
    }
  }
  return -1;
}

std::optional<Decimal> apply_tiers(const plan::Tiers& tiers, const Decimal& basis, int* band) {
  int reached = band_reached(tiers, basis);
  if (band) *band = reached;
  if (tiers.mode == plan::TierMode::Retroactive) {
    if (reached < 0) return Decimal();
    return Decimal::mul(tiers.bands[static_cast<size_t>(reached)].value, basis);
  }
  // Incremental: each slice [lower, min(upper, basis)) earns its own band's rate.
  Decimal total;
  for (const plan::TierBand& b : tiers.bands) {
    if (Decimal::compare(basis, b.lower) <= 0) break;
    Decimal top = b.upper && Decimal::compare(*b.upper, basis) < 0 ? *b.upper : basis;
    auto slice = Decimal::sub(top, b.lower);
    if (!slice) return std::nullopt;
    auto earned = Decimal::mul(*slice, b.value);
    if (!earned) return std::nullopt;
    auto sum = Decimal::add(total, *earned);
    if (!sum) return std::nullopt;
    total = *sum;
  }
  return total;
}

namespace ops {

DayNumber add_months(DayNumber day, int64_t months) {
  CivilDate c = civil_from_days(day);
  int64_t index = static_cast<int64_t>(c.year) * 12 + (c.month - 1) + months;
  int year = static_cast<int>(index >= 0 ? index / 12 : (index - 11) / 12);
  unsigned month = static_cast<unsigned>(index - static_cast<int64_t>(year) * 12) + 1;
  unsigned d = c.day;
  while (d > 28 && !is_valid_civil(CivilDate{year, month, d})) --d;
  return days_from_civil(CivilDate{year, month, d});
}

std::string no_decision_row(const plan::Plan& plan, uint32_t decision) {
  return fmt::format("no row of decision table `{}` matches these inputs", plan.decisions[decision].name);
}

}  // namespace ops

namespace {

// The interpreter's engine: nothing to prepare.
class Interpreter final : public Engine {
 public:
  explicit Interpreter(const plan::Plan& plan) : plan_(plan) {}
  std::unique_ptr<Executor> executor() const override { return std::make_unique<Machine>(plan_); }

 private:
  const plan::Plan& plan_;
};

}  // namespace

std::unique_ptr<Engine> interpreter(const plan::Plan& plan) { return std::make_unique<Interpreter>(plan); }

void Machine::grow(size_t slots) { stack_.resize(std::max(slots, 2 * stack_.size())); }

Value Machine::run(plan::FunctionId id, Frame& frame) {
  const plan::Function& f = plan_.functions[id];
  // Most functions the engine runs are one load and a return (a measure that is an aggregate, a basis
  // that is a measure, a cap that is a constant): their value is the load's, with no stack to set up.
  if (f.code.size() == 2 && f.code[1].op == Opcode::Return) {
    const plan::Instr& in = f.code[0];
    switch (in.op) {
      case Opcode::Const: return plan_.constants[in.a];
      case Opcode::Measure: return frame.measure(in.a);
      case Opcode::Aggregate: return frame.aggregate(in.a);
      case Opcode::Shifted: return frame.shifted(in.a, in.b);
      case Opcode::Decision: return frame.decision(in.a);
      case Opcode::PartnerAttr: return frame.partner_attr(in.a);
      case Opcode::Column: return frame.column(in.a);
      case Opcode::GroupField: return frame.group_field(in.a);
      default: break;
    }
  }
  return execute(f, frame);
}

Value Machine::execute(const plan::Function& f, Frame& frame) {
  // The function's locals sit at the bottom of its part of the stack, below its operands. Every
  // instruction pushes at most one value, so its locals and one slot per instruction are room enough
  // until a jump goes back (the lowering emits none; a backward jump makes room again).
  const size_t base = top_;
  const size_t room = f.locals + f.code.size();
  reserve(base + room);
  // However the run ends, a return or an error, the runs after it stack from where this one started.
  struct Restore {
    size_t& top;
    size_t base;
    ~Restore() { top = base; }
  } restore{top_, base};
  Value* locals = stack_.data() + base;
  Value* sp = locals + f.locals;  // the next free slot
  for (Value* l = locals; l < sp; ++l) *l = Value{};
  const plan::Instr* const code = f.code.data();
  const plan::Instr* const end = code + f.code.size();
  const plan::Instr* ip = code;
  const Value* const constants = plan_.constants.data();

  auto fail = [&](const plan::Instr& in, const std::string& message) {
    throw EvalError(message, in.where, frame.context());
  };
  // A load through the frame may run other functions on this machine (a measure's, a decision's): they
  // stack from top_ and may move the stack, so the pointers into it are taken anew afterwards.
  auto load = [&](auto get) {
    const size_t depth = static_cast<size_t>(sp - stack_.data());
    top_ = depth;
    Value v = get();
    locals = stack_.data() + base;
    sp = stack_.data() + depth;
    *sp++ = v;
  };
  auto jump = [&](uint32_t target) {
    const plan::Instr* to = code + target;
    if (to < ip) {  // backward: room for the instructions that may run again
      const size_t depth = static_cast<size_t>(sp - stack_.data());
      reserve(depth + f.code.size());
      locals = stack_.data() + base;
      sp = stack_.data() + depth;
    }
    ip = to;
  };

  while (ip < end) {
    const plan::Instr& in = *ip++;
    switch (in.op) {
      case Opcode::Const: *sp++ = constants[in.a]; break;
      case Opcode::Text: load([&] { return frame.text(in.a); }); break;
      case Opcode::Load: *sp++ = locals[in.a]; break;
      case Opcode::Store: locals[in.a] = *--sp; break;
      case Opcode::Column: load([&] { return frame.column(in.a); }); break;
      case Opcode::Lookup: load([&] { return frame.lookup(in.a, in.b); }); break;
      case Opcode::GroupField: load([&] { return frame.group_field(in.a); }); break;
      case Opcode::PartnerAttr: load([&] { return frame.partner_attr(in.a); }); break;
      case Opcode::PartnerId: load([&] { return frame.partner_id(); }); break;
      case Opcode::Period: load([&] { return frame.period(); }); break;
      case Opcode::PeriodStart:
      case Opcode::PeriodEnd: ops::period_bound(in.op == Opcode::PeriodStart, sp[-1]); break;
      case Opcode::PeriodPart: ops::period_part(plan_, in.a, sp[-1]); break;
      case Opcode::Measure: load([&] { return frame.measure(in.a); }); break;
      case Opcode::Shifted: load([&] { return frame.shifted(in.a, in.b); }); break;
      case Opcode::Aggregate: load([&] { return frame.aggregate(in.a); }); break;
      case Opcode::Decision: load([&] { return frame.decision(in.a); }); break;

      // Binary operations leave their result where their first operand was (ops.h: the semantics, shared
      // with the JIT).
      case Opcode::Add:
      case Opcode::Sub:
      case Opcode::Mul:
      case Opcode::Div: {
        const Value y = *--sp;
        if (const char* error = ops::arithmetic(in.op, in.b != 0, sp[-1], y)) fail(in, error);
        break;
      }
      case Opcode::Neg: {
        Value& x = sp[-1];
        if (!x.none) x.coef = -x.coef;
        break;
      }
      case Opcode::Abs: {
        Value& x = sp[-1];
        if (!x.none && x.coef < 0) x.coef = -x.coef;
        break;
      }
      case Opcode::Round:
        if (const char* error = ops::round(plan_, in.a, in.b, sp[-1])) fail(in, error);
        break;
      case Opcode::Min:
      case Opcode::Max: {
        Value* first = sp - in.a;
        const Value best = ops::min_max(in.op == Opcode::Min, first, sp);
        sp = first;
        *sp++ = best;
        break;
      }
      case Opcode::Convert: {
        sp -= 2;
        const std::string error = ops::convert(plan_, frame.fx(), in.a, in.b, sp[-1], sp[0], sp[1]);
        if (!error.empty()) fail(in, error);
        break;
      }
      case Opcode::TextTest: {
        const Value y = *--sp;
        if (const char* error = ops::text_test(frame, in.a, sp[-1], y)) fail(in, error);
        break;
      }
      case Opcode::TextMap:
        if (const char* error = ops::text_map(frame, in.a, sp[-1])) fail(in, error);
        break;
      case Opcode::AddDuration:
      case Opcode::SubDuration: {
        const Value n = *--sp;
        ops::add_duration(in.op == Opcode::SubDuration, in.b == 1, sp[-1], n);
        break;
      }

      case Opcode::Eq: case Opcode::Ne: case Opcode::Lt: case Opcode::Le: case Opcode::Gt: case Opcode::Ge: {
        const Value y = *--sp;
        ops::comparison(in.op, sp[-1], y);
        break;
      }
      case Opcode::Not: ops::logical_not(sp[-1]); break;
      case Opcode::InList: {
        Value* first = sp - in.a;
        ops::in_list(first[-1], first, sp);
        sp = first;
        break;
      }
      case Opcode::InRange:
        sp -= 2;
        ops::in_range(sp[-1], sp[0], sp[1]);
        break;
      case Opcode::InPeriod: {
        const Value p = *--sp;
        ops::in_period(in.b == 1, sp[-1], p);  // b = 1: x is a period
        break;
      }

      case Opcode::Jump: jump(in.a); break;
      case Opcode::JumpIfFalse:
      case Opcode::JumpIfTrue: {
        const Value& c = *--sp;
        if (c.none) fail(in, ops::kNoCondition);
        if (c.truthy() == (in.op == Opcode::JumpIfTrue)) jump(in.a);
        break;
      }
      case Opcode::JumpIfSome:
        if (!sp[-1].none) jump(in.a);
        else --sp;
        break;
      case Opcode::Pop: --sp; break;
      case Opcode::Return: return sp[-1];
      case Opcode::Fail:
        fail(in, ops::no_decision_row(plan_, in.a));
        break;

      case Opcode::TierOf:
      case Opcode::TierBy:
        if (const char* error = ops::tier(plan_, in.op == Opcode::TierOf, in.a, observer_, sp[-1])) fail(in, error);
        break;
    }
  }
  throw EvalError(ops::kNoResult, 0, frame.context());
}

}  // namespace rebate::vm
