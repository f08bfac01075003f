// The runtime side of compiled code: instructions run with the interpreter's semantics (vm/ops.h).
#include "jit/helpers.h"

#include "vm/ops.h"

namespace rebate::jit {

using plan::Opcode;
using plan::Value;

namespace {

// Instruction `in` on `v`; throws EvalError for a runtime error of the program, as the interpreter does.
void run_instr(Runtime& rt, vm::Frame& frame, const plan::Instr& in, Value* v) {
  const plan::Plan& plan = *rt.plan;
  const char* error = nullptr;
  switch (in.op) {
    case Opcode::Const: v[0] = plan.constants[in.a]; break;
    case Opcode::Text: v[0] = frame.text(in.a); break;
    case Opcode::Column: v[0] = frame.column(in.a); break;
    case Opcode::Lookup: v[0] = frame.lookup(in.a, in.b); break;
    case Opcode::GroupField: v[0] = frame.group_field(in.a); break;
    case Opcode::PartnerAttr: v[0] = frame.partner_attr(in.a); break;
    case Opcode::PartnerId: v[0] = frame.partner_id(); break;
    case Opcode::Period: v[0] = frame.period(); break;
    case Opcode::Measure: v[0] = frame.measure(in.a); break;
    case Opcode::Shifted: v[0] = frame.shifted(in.a, in.b); break;
    case Opcode::Aggregate: v[0] = frame.aggregate(in.a); break;
    case Opcode::Decision: v[0] = frame.decision(in.a); break;
    case Opcode::PeriodStart:
    case Opcode::PeriodEnd: vm::ops::period_bound(in.op == Opcode::PeriodStart, v[0]); break;
    case Opcode::PeriodPart: vm::ops::period_part(plan, in.a, v[0]); break;
    case Opcode::Add:
    case Opcode::Sub:
    case Opcode::Mul:
    case Opcode::Div: error = vm::ops::arithmetic(in.op, in.b != 0, v[0], v[1]); break;
    case Opcode::Neg:
      if (!v[0].none) v[0].coef = -v[0].coef;
      break;
    case Opcode::Abs:
      if (!v[0].none && v[0].coef < 0) v[0].coef = -v[0].coef;
      break;
    case Opcode::Round: error = vm::ops::round(plan, in.a, in.b, v[0]); break;
    case Opcode::Min:
    case Opcode::Max: v[0] = vm::ops::min_max(in.op == Opcode::Min, v, v + in.a); break;
    case Opcode::Convert: {
      const std::string message = vm::ops::convert(plan, frame.fx(), in.a, in.b, v[0], v[1], v[2]);
      if (!message.empty()) throw vm::EvalError(message, in.where, frame.context());
      break;
    }
    case Opcode::TextTest: error = vm::ops::text_test(frame, in.a, v[0], v[1]); break;
    case Opcode::TextMap: error = vm::ops::text_map(frame, in.a, v[0]); break;
    case Opcode::AddDuration:
    case Opcode::SubDuration: vm::ops::add_duration(in.op == Opcode::SubDuration, in.b == 1, v[0], v[1]); break;
    case Opcode::Eq: case Opcode::Ne: case Opcode::Lt: case Opcode::Le: case Opcode::Gt: case Opcode::Ge:
      vm::ops::comparison(in.op, v[0], v[1]);
      break;
    case Opcode::Not: vm::ops::logical_not(v[0]); break;
    case Opcode::InList: vm::ops::in_list(v[0], v + 1, v + 1 + in.a); break;
    case Opcode::InRange: vm::ops::in_range(v[0], v[1], v[2]); break;
    case Opcode::InPeriod: vm::ops::in_period(in.b == 1, v[0], v[1]); break;
    // Compiled code calls for a conditional jump only when its condition has no value.
    case Opcode::JumpIfFalse:
    case Opcode::JumpIfTrue: error = vm::ops::kNoCondition; break;
    case Opcode::Fail: throw vm::EvalError(vm::ops::no_decision_row(plan, in.a), in.where, frame.context());
    case Opcode::TierOf:
    case Opcode::TierBy: error = vm::ops::tier(plan, in.op == Opcode::TierOf, in.a, rt.observer, v[0]); break;
    // Moves and jumps are always compiled inline.
    case Opcode::Load:
    case Opcode::Store:
    case Opcode::Jump:
    case Opcode::JumpIfSome:
    case Opcode::Pop:
    case Opcode::Return: throw std::logic_error("the JIT called its runtime for a move or a jump");
  }
  if (error) throw vm::EvalError(error, in.where, frame.context());
}

}  // namespace

void rebate_jit_fail(const char* message) { throw vm::EngineUnavailable(message); }

extern "C" int32_t rebate_jit_instr(Runtime* rt, vm::Frame* frame, uint32_t function, uint32_t instr, Value* values) noexcept {
  try {
    const plan::Function& f = rt->plan->functions[function];
    if (instr == f.code.size()) throw vm::EvalError(vm::ops::kNoResult, 0, frame->context());
    run_instr(*rt, *frame, f.code[instr], values);
    return 0;
  } catch (...) {
    rt->error = std::current_exception();
    return 1;
  }
}

}  // namespace rebate::jit
