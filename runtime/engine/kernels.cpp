// Recognising kernel shapes in row functions' bytecode.
#include "engine/kernels.h"

#include <algorithm>

namespace rebate::engine {

namespace {

using plan::Opcode;

bool exact_int(const ledger::Column& col, const Value& v, int64_t& out) {
  // A constant compared with a column must be representable exactly at the column's scale.
  int scale = 0;
  switch (col.spec.kind) {
    case ledger::ColumnKind::Decimal: case ledger::ColumnKind::Money: case ledger::ColumnKind::Percent:
      scale = col.spec.scale;
      break;
    default:
      scale = 0;
  }
  Int128 c = v.coef;
  int vs = v.scale;
  while (vs < scale) {
    c *= 10;
    ++vs;
  }
  while (vs > scale) {
    if (c % 10 != 0) return false;
    c /= 10;
    --vs;
  }
  if (c > INT64_MAX || c < INT64_MIN) return false;
  out = static_cast<int64_t>(c);
  return true;
}

// A value pushed by one instruction: a constant or a text constant (as its interned id).
bool constant_at(const State& s, const plan::Instr& in, const ledger::Column& col, int64_t& out) {
  if (in.op == Opcode::Text) {
    if (col.spec.kind != ledger::ColumnKind::Text) return false;
    out = s.text_ids[in.a];
    return true;
  }
  if (in.op == Opcode::Const) {
    if (col.spec.kind == ledger::ColumnKind::Text) return false;
    return exact_int(col, s.plan.constants[in.a], out);
  }
  return false;
}

// Matches one test starting at code[i]; on success sets `next` past it.
bool match_test(const State& s, uint32_t input, const std::vector<plan::Instr>& code, size_t i, ColumnTest& t, size_t& next) {
  if (i >= code.size() || code[i].op != Opcode::Column) return false;
  uint32_t c = code[i].a;
  const ledger::Column& col = s.tables[input].columns[c];
  if (col.spec.optional) return false;  // empty cells need the VM's "no value" rules
  t = ColumnTest{};
  t.column = c;
  size_t k = i + 1;
  // `flag` alone: a Bool column.
  if (k < code.size() && (code[k].op == Opcode::Return || code[k].op == Opcode::JumpIfFalse || code[k].op == Opcode::Jump) && col.spec.kind == ledger::ColumnKind::Bool) {
    t.values = {1};
    next = k;
    return true;
  }
  // column == c, column != c
  int64_t v = 0;
  if (k + 1 < code.size() && constant_at(s, code[k], col, v) && (code[k + 1].op == Opcode::Eq || code[k + 1].op == Opcode::Ne)) {
    t.values = {v};
    t.negate = code[k + 1].op == Opcode::Ne;
    next = k + 2;
    return true;
  }
  // column in [c1, ..., cn]
  size_t j = k;
  std::vector<int64_t> set;
  while (j < code.size() && constant_at(s, code[j], col, v)) {
    set.push_back(v);
    ++j;
  }
  if (!set.empty() && j < code.size() && code[j].op == Opcode::InList && code[j].a == set.size()) {
    std::sort(set.begin(), set.end());
    t.values = set;
    next = j + 1;
    if (next < code.size() && code[next].op == Opcode::Not) {
      t.negate = true;
      ++next;
    }
    return true;
  }
  // column in lo .. hi
  if (set.size() == 2 && j < code.size() && code[j].op == Opcode::InRange && col.spec.kind != ledger::ColumnKind::Text) {
    t.range = true;
    t.lo = set[0];
    t.hi = set[1];
    next = j + 1;
    if (next < code.size() && code[next].op == Opcode::Not) {
      t.negate = true;
      ++next;
    }
    return true;
  }
  // column >= c, column < c, ...
  if (set.size() == 1 && j < code.size() && col.spec.kind != ledger::ColumnKind::Text) {
    Opcode op = code[j].op;
    int64_t c0 = set[0];
    t.range = true;
    switch (op) {
      case Opcode::Ge: t.lo = c0; t.hi = INT64_MAX; break;
      case Opcode::Gt: if (c0 == INT64_MAX) return false; t.lo = c0 + 1; t.hi = INT64_MAX; break;
      case Opcode::Le: t.lo = INT64_MIN; t.hi = c0; break;
      case Opcode::Lt: if (c0 == INT64_MIN) return false; t.lo = INT64_MIN; t.hi = c0 - 1; break;
      default: return false;
    }
    next = j + 1;
    return true;
  }
  return false;
}

}  // namespace

std::optional<FastFilter> match_filter(const State& s, uint32_t input, plan::FunctionId f) {
  const std::vector<plan::Instr>& code = s.plan.functions[f].code;
  FastFilter out;
  // Conjunctions lower to: test JumpIfFalse L test Jump E L: Const false E: ... Return, nested either way.
  // Between tests only (Jump, Const false) pairs and JumpIfFalse may stand; every false path ends false.
  size_t i = 0;
  while (true) {
    ColumnTest t;
    size_t next = 0;
    if (!match_test(s, input, code, i, t, next)) return std::nullopt;
    out.all.push_back(t);
    size_t k = next;
    while (k + 1 < code.size() && code[k].op == Opcode::Jump && code[k + 1].op == Opcode::Const &&
           !s.plan.constants[code[k + 1].a].truthy()) {
      k += 2;
    }
    if (k + 1 == code.size() && code[k].op == Opcode::Return) return out;
    if (k < code.size() && code[k].op == Opcode::JumpIfFalse) {
      i = k + 1;
      continue;
    }
    return std::nullopt;
  }
}

std::optional<uint32_t> match_column(const State& s, uint32_t input, plan::FunctionId f) {
  const std::vector<plan::Instr>& code = s.plan.functions[f].code;
  if (code.size() != 2 || code[0].op != Opcode::Column || code[1].op != Opcode::Return) return std::nullopt;
  if (s.tables[input].columns[code[0].a].spec.optional) return std::nullopt;
  return code[0].a;
}

std::optional<FastArg> match_arg(const State& s, uint32_t input, plan::FunctionId f) {
  std::optional<uint32_t> column = match_column(s, input, f);
  if (!column) return std::nullopt;
  const ledger::Column& col = s.tables[input].columns[*column];
  const std::vector<plan::Instr>& code = s.plan.functions[f].code;
  switch (col.spec.kind) {
    case ledger::ColumnKind::Int: return FastArg{code[0].a, 0};
    case ledger::ColumnKind::Decimal: case ledger::ColumnKind::Money: return FastArg{code[0].a, col.spec.scale};
    default: return std::nullopt;
  }
}

Fast fast_for(const State& s, uint32_t input, const plan::Aggregate& agg) {
  Fast f;
  if (agg.filter != plan::kNoFunction) f.filter = match_filter(s, input, agg.filter);
  bool filter_ok = agg.filter == plan::kNoFunction || f.filter;
  switch (agg.kind) {
    case plan::AggregateKind::Count: f.usable = filter_ok; break;
    case plan::AggregateKind::Sum:
    case plan::AggregateKind::Avg:
      f.arg = match_arg(s, input, agg.arg);
      f.usable = filter_ok && f.arg;
      break;
    case plan::AggregateKind::CountDistinct:
      f.distinct_column = match_column(s, input, agg.arg);
      f.usable = filter_ok && f.distinct_column;
      break;
    case plan::AggregateKind::Min:
    case plan::AggregateKind::Max:
      break;
  }
  return f;
}

}  // namespace rebate::engine
