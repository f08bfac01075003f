// The interpreter loop. Exact decimal arithmetic throughout; overflow and division by zero are errors
// that name the source location and the partner and period.
#include "vm/vm.h"

#include <fmt/format.h>

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

namespace {

// Months added to a date keep the day of the month where it exists and clamp to the month's end
// (2026-01-31 + 1 month = 2026-02-28).
DayNumber add_months(DayNumber day, int64_t months) {
  CivilDate c = civil_from_days(day);
  int64_t index = static_cast<int64_t>(c.year) * 12 + (c.month - 1) + months;
  int year = static_cast<int>(index >= 0 ? index / 12 : (index - 11) / 12);
  unsigned month = static_cast<unsigned>(index - static_cast<int64_t>(year) * 12) + 1;
  unsigned d = c.day;
  while (d > 28 && !is_valid_civil(CivilDate{year, month, d})) --d;
  return days_from_civil(CivilDate{year, month, d});
}

}  // namespace

Value Machine::run(plan::FunctionId id, Frame& frame, std::vector<TierTrace>* trace) {
  const plan::Function& f = plan_.functions[id];
  // The function's locals sit at the bottom of its part of the stack, below its operands: no allocation
  // per call, and nested runs (a measure read through the frame) stack above them.
  size_t base = stack_.size();
  stack_.resize(base + f.locals);
  auto fail = [&](const plan::Instr& in, const std::string& message) -> Value {
    stack_.resize(base);
    throw EvalError(message, in.where, frame.context());
  };
  auto pop = [&]() {
    Value v = stack_.back();
    stack_.pop_back();
    return v;
  };
  auto number = [&](const plan::Instr& in, std::optional<Decimal> d) {
    if (!d) fail(in, "arithmetic overflow: the result has more than 38 digits");
    return Value::number(*d);
  };
  size_t pc = 0;
  while (pc < f.code.size()) {
    const plan::Instr& in = f.code[pc++];
    switch (in.op) {
      case Opcode::Const: stack_.push_back(plan_.constants[in.a]); break;
      case Opcode::Text: stack_.push_back(frame.text(in.a)); break;
      case Opcode::Load: {
        Value v = stack_[base + in.a];
        stack_.push_back(v);
        break;
      }
      case Opcode::Store: stack_[base + in.a] = pop(); break;
      case Opcode::Column: stack_.push_back(frame.column(in.a)); break;
      case Opcode::Lookup: stack_.push_back(frame.lookup(in.a, in.b)); break;
      case Opcode::GroupField: stack_.push_back(frame.group_field(in.a)); break;
      case Opcode::PartnerAttr: stack_.push_back(frame.partner_attr(in.a)); break;
      case Opcode::PartnerId: stack_.push_back(frame.partner_id()); break;
      case Opcode::Period: stack_.push_back(frame.period()); break;
      case Opcode::PeriodStart:
      case Opcode::PeriodEnd: {
        Value p = pop();
        stack_.push_back(p.none ? p : Value::integer(in.op == Opcode::PeriodStart ? static_cast<int64_t>(p.coef) : p.aux));
        break;
      }
      case Opcode::Measure: stack_.push_back(frame.measure(in.a)); break;
      case Opcode::Shifted: stack_.push_back(frame.shifted(in.a, in.b)); break;
      case Opcode::Aggregate: stack_.push_back(frame.aggregate(in.a)); break;
      case Opcode::Decision: stack_.push_back(frame.decision(in.a)); break;

      case Opcode::Add:
      case Opcode::Sub:
      case Opcode::Mul:
      case Opcode::Div: {
        Value y = pop(), x = pop();
        if (x.none || y.none) {
          stack_.push_back(Value::missing());
          break;
        }
        if (in.op == Opcode::Div) {
          if (y.coef == 0) {
            if (in.b) {
              stack_.push_back(Value::missing());
              break;
            }
            fail(in, "division by zero");
          }
          stack_.push_back(number(in, Decimal::div(x.decimal(), y.decimal())));
        } else if (in.op == Opcode::Mul) {
          stack_.push_back(number(in, Decimal::mul(x.decimal(), y.decimal())));
        } else {
          auto r = in.op == Opcode::Add ? Decimal::add(x.decimal(), y.decimal()) : Decimal::sub(x.decimal(), y.decimal());
          Value v = number(in, r);
          v.aux = x.aux;  // durations keep their unit
          stack_.push_back(v);
        }
        break;
      }
      case Opcode::Neg: {
        Value x = pop();
        if (!x.none) x.coef = -x.coef;
        stack_.push_back(x);
        break;
      }
      case Opcode::Abs: {
        Value x = pop();
        if (!x.none && x.coef < 0) x.coef = -x.coef;
        stack_.push_back(x);
        break;
      }
      case Opcode::Round: {
        Value x = pop();
        if (x.none) {
          stack_.push_back(x);
          break;
        }
        int places = in.a == 255 ? plan_.minor_unit : static_cast<int>(in.a);
        RoundingMode mode = in.b == 255 ? plan_.rounding : static_cast<RoundingMode>(in.b);
        stack_.push_back(number(in, x.decimal().rounded(places, mode)));
        break;
      }
      case Opcode::Min:
      case Opcode::Max: {
        size_t first = stack_.size() - in.a;
        Value best = stack_[first];
        for (size_t k = first; k < stack_.size(); ++k) {
          const Value& x = stack_[k];
          if (x.none) {
            best = x;
            break;
          }
          int c = compare(x, best);
          if ((in.op == Opcode::Min && c < 0) || (in.op == Opcode::Max && c > 0)) best = x;
        }
        stack_.resize(first);
        stack_.push_back(best);
        break;
      }
      case Opcode::AddDuration:
      case Opcode::SubDuration: {
        Value n = pop(), d = pop();
        if (n.none || d.none) {
          stack_.push_back(Value::missing());
          break;
        }
        int64_t count = static_cast<int64_t>(n.coef) * (in.op == Opcode::SubDuration ? -1 : 1);
        DayNumber day = static_cast<DayNumber>(d.coef);
        stack_.push_back(Value::integer(in.b == 1 ? add_months(day, count) : day + count));
        break;
      }

      case Opcode::Eq: case Opcode::Ne: case Opcode::Lt: case Opcode::Le: case Opcode::Gt: case Opcode::Ge: {
        Value y = pop(), x = pop();
        if (x.none || y.none) {
          stack_.push_back(Value::missing());
          break;
        }
        int c = compare(x, y);
        bool r = in.op == Opcode::Eq ? c == 0 : in.op == Opcode::Ne ? c != 0 : in.op == Opcode::Lt ? c < 0
                 : in.op == Opcode::Le ? c <= 0 : in.op == Opcode::Gt ? c > 0 : c >= 0;
        stack_.push_back(Value::boolean(r));
        break;
      }
      case Opcode::Not: {
        Value x = pop();
        stack_.push_back(x.none ? x : Value::boolean(!x.truthy()));
        break;
      }
      case Opcode::InList: {
        size_t first = stack_.size() - in.a;
        Value x = stack_[first - 1];
        bool found = false;
        for (size_t k = first; !x.none && k < stack_.size(); ++k) found = found || (!stack_[k].none && compare(x, stack_[k]) == 0);
        stack_.resize(first - 1);
        stack_.push_back(x.none ? x : Value::boolean(found));
        break;
      }
      case Opcode::InRange: {
        Value hi = pop(), lo = pop(), x = pop();
        if (x.none || lo.none || hi.none) {
          stack_.push_back(Value::missing());
          break;
        }
        stack_.push_back(Value::boolean(compare(lo, x) <= 0 && compare(x, hi) <= 0));
        break;
      }
      case Opcode::InPeriod: {
        Value p = pop(), x = pop();
        if (x.none || p.none) {
          stack_.push_back(Value::missing());
          break;
        }
        int64_t first = static_cast<int64_t>(x.coef);
        int64_t last = in.b == 1 ? x.aux : first;  // b = 1: x is a period
        stack_.push_back(Value::boolean(first >= static_cast<int64_t>(p.coef) && last <= p.aux));
        break;
      }

      case Opcode::Jump: pc = in.a; break;
      case Opcode::JumpIfFalse:
      case Opcode::JumpIfTrue: {
        Value c = pop();
        if (c.none) fail(in, "this condition has no value (it reads a value that is missing)");
        if (c.truthy() == (in.op == Opcode::JumpIfTrue)) pc = in.a;
        break;
      }
      case Opcode::JumpIfSome:
        if (!stack_.back().none) pc = in.a;
        else stack_.pop_back();
        break;
      case Opcode::Pop: stack_.pop_back(); break;
      case Opcode::Return: {
        Value v = pop();
        stack_.resize(base);
        return v;
      }
      case Opcode::Fail:
        fail(in, fmt::format("no row of decision table `{}` matches these inputs", plan_.decisions[in.a].name));
        break;

      case Opcode::TierOf:
      case Opcode::TierBy: {
        Value x = pop();
        if (x.none) {
          stack_.push_back(x);
          break;
        }
        const plan::Tiers& t = plan_.tiers[in.a];
        int band = -1;
        Decimal metric = x.decimal();
        Value result;
        if (in.op == Opcode::TierOf) {
          result = number(in, apply_tiers(t, metric, &band));
        } else {
          band = band_reached(t, metric);
          result = Value::number(band < 0 ? Decimal() : t.bands[static_cast<size_t>(band)].value);
        }
        if (trace) {
          trace->push_back(TierTrace{in.a, band, metric,
                                     band < 0 ? Decimal() : t.bands[static_cast<size_t>(band)].value});
        }
        stack_.push_back(result);
        break;
      }
    }
  }
  stack_.resize(base);
  throw EvalError("function ended without a result", 0, frame.context());
}

}  // namespace rebate::vm
