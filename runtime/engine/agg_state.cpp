// An aggregate's state: a line's value added to it (accumulate), two parts' states added up
// (merge_state), and what it comes to (finish); shared by the scan, the merge and the group finish.
#include "engine/state.h"

namespace rebate::engine {

void accumulate(AggState& st, DistinctSet* distinct, const plan::Aggregate& agg, const Value& v, const vm::Frame& frame) {
  const plan::AggregateKind kind = agg.kind;
  switch (kind) {
    case plan::AggregateKind::Count:
      ++st.count;
      return;
    case plan::AggregateKind::CountDistinct:
      if (v.none) return;
      ++st.count;
      distinct->insert(distinct_key(v));
      return;
    case plan::AggregateKind::Sum:
    case plan::AggregateKind::Avg: {
      if (v.none) return;
      auto sum = Decimal::add(st.sum(), v.decimal());
      if (!sum) throw vm::EvalError("arithmetic overflow: the sum has more than 38 digits", agg.where, frame.context());
      st.set_sum(*sum);
      ++st.count;
      return;
    }
    case plan::AggregateKind::Min:
    case plan::AggregateKind::Max: {
      if (v.none) return;
      ++st.count;
      int c = st.has_best ? vm::compare(v, st.best()) : 0;
      if (!st.has_best || (kind == plan::AggregateKind::Min ? c < 0 : c > 0)) st.set_best(v);
      return;
    }
  }
}

Value cell_value(const ledger::ColumnSpec& spec, int64_t v, bool present) {
  if (!present) return Value::missing();
  switch (spec.kind) {
    case ledger::ColumnKind::Decimal:
    case ledger::ColumnKind::Money:
    case ledger::ColumnKind::Percent:
      return Value{v, 0, static_cast<int16_t>(spec.scale), false};
    case ledger::ColumnKind::Int:
    case ledger::ColumnKind::Bool:
    case ledger::ColumnKind::Text:
    case ledger::ColumnKind::Date:
    case ledger::ColumnKind::Enum:
      return Value::integer(v);
  }
  return Value::integer(v);
}

void merge_state(AggState& into, const AggState& from, const plan::Aggregate& agg) {
  into.count += from.count;
  switch (agg.kind) {
    case plan::AggregateKind::Sum:
    case plan::AggregateKind::Avg: {
      if (from.value == 0) return;
      auto sum = Decimal::add(into.sum(), from.sum());
      if (!sum) throw vm::EvalError("arithmetic overflow: the sum has more than 38 digits", agg.where, "the sum of a ledger's lines");
      into.set_sum(*sum);
      return;
    }
    case plan::AggregateKind::Min:
    case plan::AggregateKind::Max: {
      if (!from.has_best) return;
      int c = into.has_best ? vm::compare(from.best(), into.best()) : 0;
      if (!into.has_best || (agg.kind == plan::AggregateKind::Min ? c < 0 : c > 0)) into.set_best(from.best());
      return;
    }
    case plan::AggregateKind::Count:
    case plan::AggregateKind::CountDistinct:
      return;
  }
}

DistinctKey distinct_key(const Value& v) {
  DistinctKey k{v.coef, v.aux, v.scale};
  while (k.scale > 0 && k.coef % 10 == 0) {
    k.coef /= 10;
    --k.scale;
  }
  return k;
}

Decimal total(const AggState& st) { return st.sum(); }

Value finish(const AggState& st, const DistinctSet* distinct, plan::AggregateKind kind) {
  switch (kind) {
    case plan::AggregateKind::Count: return Value::integer(static_cast<int64_t>(st.count));
    case plan::AggregateKind::CountDistinct: return Value::integer(static_cast<int64_t>(distinct ? distinct->size() : 0));
    case plan::AggregateKind::Sum: return Value::number(total(st));
    case plan::AggregateKind::Avg:
      if (st.count == 0) return Value::missing();
      return Value::number(Decimal::div(total(st), Decimal::from_int(static_cast<int64_t>(st.count))).value_or(Decimal()));
    case plan::AggregateKind::Min:
    case plan::AggregateKind::Max:
      return st.has_best ? st.best() : Value::missing();
  }
  return Value::missing();
}

}  // namespace rebate::engine
