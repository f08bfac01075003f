// The aggregates over a group whose rows are formed over a window of periods (a look-back or a year
// to date over `orders.count(...)`): the period rows of each key added up into one row, its fields
// worked out again, then the aggregate over those rows (window_group_aggregate, state.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/state.h"

namespace rebate::engine {

namespace {

// Loads for the functions over one row of a window's groups: the keys of one of the rows it was formed
// from, and its fields from the field states of all of them added up.
class WindowRowFrame : public vm::Frame {
 public:
  WindowRowFrame(const State& s, uint32_t group, uint32_t partner, PeriodIndex last, ledger::StringPool& pool)
      : s_(s), pg_(s.plan.groups[group]), partner_(partner), last_(last), pool_(pool) {
    fx_ = &s.fx;
    texts_ = &pool;
  }
  const GroupData* data = nullptr;  // the row the keys are read from
  size_t row = 0;
  const std::vector<AggState>* states = nullptr;     // by field aggregate
  const std::vector<DistinctSet>* distinct = nullptr;
  std::vector<Value> fields;

  Value column(uint32_t) override { return Value::missing(); }
  Value lookup(uint32_t, uint32_t) override { return Value::missing(); }
  Value group_field(uint32_t f) override {
    if (f < data->key_count) return group_key(s_.plan, pg_, *data, row, f, pool_);
    return f - data->key_count < fields.size() ? fields[f - data->key_count] : Value{};
  }
  Value partner_attr(uint32_t c) override {
    uint32_t r = s_.partner_row_in(partner_, last_);
    return r == UINT32_MAX ? Value::missing() : s_.cell_value(s_.plan.partner_table, c, r);
  }
  Value partner_id() override { return Value::integer(s_.partner_ids[partner_]); }
  Value period() override {
    Value v = Value::integer(s_.periods.first_day(last_));
    v.aux = s_.periods.last_day(last_);
    return v;
  }
  Value measure(uint32_t) override { return Value::missing(); }
  Value shifted(uint32_t, uint32_t) override { return Value::missing(); }
  Value aggregate(uint32_t a) override {
    for (size_t k = 0; k < pg_.aggregates.size(); ++k) {
      if (pg_.aggregates[k] == a) return field_aggregate(k);
    }
    return Value::missing();
  }
  Value field_aggregate(size_t k) const {
    return finish((*states)[k], &(*distinct)[k], s_.plan.group_field_aggregates[pg_.aggregates[k]].kind);
  }
  Value decision(uint32_t) override { return Value::missing(); }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override {
    return fmt::format("group `{}` of partner {}, periods to {}", pg_.name, s_.partner_name(partner_), s_.periods.label(last_));
  }

 private:
  const State& s_;
  const plan::Group& pg_;
  uint32_t partner_;
  PeriodIndex last_;
  ledger::StringPool& pool_;
};

// A row's key without its cell word, as bytes: the rows of one key in several periods have the same.
std::string window_key(const GroupData& data, size_t row) {
  std::string key;
  const std::vector<uint32_t>& texts = data.index.text_words();
  for (size_t w = kGroupKeyColumns; w < data.index.width(); ++w) {
    if (std::find(texts.begin(), texts.end(), w) != texts.end()) {
      const std::string_view t = data.index.text(row, w);
      const uint64_t n = t.size();
      key.append(reinterpret_cast<const char*>(&n), sizeof n).append(t);
    } else {
      const int64_t word = data.index.key(row, w);
      key.append(reinterpret_cast<const char*>(&word), sizeof word);
    }
  }
  return key;
}

}  // namespace

Value window_group_aggregate(const State& s, uint32_t a, uint32_t partner, PeriodIndex first, PeriodIndex last,
                             vm::Executor& machine) {
  const plan::Plan& plan = s.plan;
  const plan::Aggregate& agg = plan.aggregates[a];
  const uint32_t g = agg.source;
  const plan::Group& pg = plan.groups[g];
  const size_t fields = pg.aggregates.size();
  // The window's rows by key (ordered by the key's bytes: the same order, and the same first error,
  // whatever the threads), each the sum of the field states of the period rows of that key.
  struct Merged {
    const GroupData* data;
    size_t row;
    std::vector<AggState> states;
    std::vector<DistinctSet> distinct;
  };
  std::map<std::string, Merged> rows;
  for (const State::GroupRowRef& ref : s.group_rows[g][partner]) {
    const GroupData& data = s.groups[g][ref.partition].segments[ref.segment];
    const PeriodIndex p = data.period(ref.row);
    if (p < first || p > last) continue;
    auto [it, fresh] = rows.try_emplace(window_key(data, ref.row), Merged{&data, ref.row, std::vector<AggState>(fields), std::vector<DistinctSet>(fields)});
    Merged& m = it->second;
    for (size_t k = 0; k < fields; ++k) {
      const plan::Aggregate& field = plan.group_field_aggregates[pg.aggregates[k]];
      const AggState st = data.field_state(ref.row, k);
      if (fresh) {
        m.states[k] = st;
      } else {
        merge_state(m.states[k], st, field);
      }
      if (auto d = data.distinct.find(ref.row * data.agg_count + k); d != data.distinct.end()) m.distinct[k].insert(d->second.begin(), d->second.end());
    }
  }
  // Then each row's fields, and the aggregate over the rows, as finish_rows does for one period.
  ledger::StringPool pool(&s.pool);  // texts of keys a formula reads (the State's pool is shared)
  WindowRowFrame frame(s, g, partner, last, pool);
  AggState st;
  DistinctSet distinct;
  for (const auto& [key, m] : rows) {
    frame.data = m.data;
    frame.row = m.row;
    frame.states = &m.states;
    frame.distinct = &m.distinct;
    frame.fields.clear();
    for (size_t f = 0; f < pg.field_values.size(); ++f) frame.fields.push_back(machine.run(pg.field_values[f], frame));
    if (agg.filter != plan::kNoFunction) {
      Value keep = machine.run(agg.filter, frame);
      if (keep.none || !keep.truthy()) continue;
    }
    Value v = agg.arg == plan::kNoFunction ? Value::integer(1) : machine.run(agg.arg, frame);
    accumulate(st, &distinct, agg, v, frame);
  }
  return finish(st, &distinct, agg.kind);
}

}  // namespace rebate::engine
