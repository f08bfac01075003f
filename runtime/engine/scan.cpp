// The fused scan: one pass over each ledger's lines updates every aggregate over that ledger for the
// line's partner and period, and every group the line belongs to. Then the groups' rows are scanned the
// same way for aggregates over groups.
#include <fmt/format.h>

#include "engine/kernels.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

// Loads for functions over one ledger line.
class RowFrame : public vm::Frame {
 public:
  RowFrame(State& s, uint32_t input) : s_(s), input_(input) {}
  void at(uint32_t row) { row_ = row; }

  Value column(uint32_t c) override { return s_.cell_value(input_, c, row_); }
  Value lookup(uint32_t c, uint32_t table_column) override {
    Value key = s_.cell_value(input_, c, row_);
    if (key.none) return key;
    for (const auto& [col, table] : s_.plan.inputs[input_].lookups) {
      if (col != c) continue;
      auto it = s_.table_rows[table].find(static_cast<int64_t>(key.coef));
      if (it == s_.table_rows[table].end()) return Value::missing();
      return s_.cell_value(table, table_column, it->second);
    }
    return Value::missing();
  }
  Value group_field(uint32_t) override { return Value::missing(); }
  Value partner_attr(uint32_t c) override {
    uint32_t row = s_.partner_row[s_.row_partner[input_][row_]];
    return row == UINT32_MAX ? Value::missing() : s_.cell_value(s_.plan.partner_table, c, row);
  }
  Value partner_id() override { return Value::integer(s_.partner_ids[s_.row_partner[input_][row_]]); }
  Value period() override {
    PeriodIndex p = s_.row_period[input_][row_];
    Value v = Value::integer(s_.periods.first_day(p));
    v.aux = s_.periods.last_day(p);
    return v;
  }
  Value measure(uint32_t) override { return Value::missing(); }
  Value shifted(uint32_t, uint32_t) override { return Value::missing(); }
  Value aggregate(uint32_t) override { return Value::missing(); }
  Value decision(uint32_t) override { return Value::missing(); }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override {
    const ledger::Table& t = s_.tables[input_];
    return fmt::format("ledger `{}` line {}", s_.plan.inputs[input_].name, t.lines[row_]);
  }

 private:
  State& s_;
  uint32_t input_;
  uint32_t row_ = 0;
};

// Loads for functions over one group row: its fields (and keys), or, in a field's own formula, the
// aggregates of the group row's lines.
class GroupRowFrame : public vm::Frame {
 public:
  GroupRowFrame(State& s, uint32_t group) : s_(s), group_(group), data_(s.groups[group]) {}
  void at(size_t row) { row_ = row; }
  Value column(uint32_t) override { return Value::missing(); }
  Value lookup(uint32_t, uint32_t) override { return Value::missing(); }
  Value group_field(uint32_t f) override {
    size_t width = data_.key_count + s_.plan.groups[group_].field_values.size();
    return data_.values[row_ * width + f];
  }
  Value partner_attr(uint32_t c) override {
    uint32_t row = s_.partner_row[data_.partner[row_]];
    return row == UINT32_MAX ? Value::missing() : s_.cell_value(s_.plan.partner_table, c, row);
  }
  Value partner_id() override { return Value::integer(s_.partner_ids[data_.partner[row_]]); }
  Value period() override {
    Value v = Value::integer(s_.periods.first_day(data_.period[row_]));
    v.aux = s_.periods.last_day(data_.period[row_]);
    return v;
  }
  Value measure(uint32_t) override { return Value::missing(); }
  Value shifted(uint32_t, uint32_t) override { return Value::missing(); }
  Value aggregate(uint32_t a) override {
    const plan::Group& g = s_.plan.groups[group_];
    for (size_t k = 0; k < g.aggregates.size(); ++k) {
      if (g.aggregates[k] != a) continue;
      size_t state = row_ * data_.agg_count + k;
      auto d = data_.distinct.find(state);
      return finish(data_.states[state], d == data_.distinct.end() ? nullptr : &d->second, s_.plan.group_field_aggregates[a].kind);
    }
    return Value::missing();
  }
  Value decision(uint32_t) override { return Value::missing(); }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override {
    return fmt::format("group `{}` of partner {}, period {}", s_.plan.groups[group_].name, s_.partner_name(data_.partner[row_]),
                       s_.periods.label(data_.period[row_]));
  }

 private:
  State& s_;
  uint32_t group_;
  GroupData& data_;
  size_t row_ = 0;
};

void accumulate(AggState& st, DistinctSet* distinct, plan::AggregateKind kind, const Value& v,
                const std::string& where) {
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
      if (!sum) throw vm::EvalError("arithmetic overflow: the sum has more than 38 digits", 0, where);
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

// Kernels for one aggregate, when its filter and argument have shapes they handle.
struct Fast {
  bool usable = false;
  std::optional<FastFilter> filter;
  std::optional<FastArg> arg;
};

Fast fast_for(const State& s, uint32_t input, const plan::Aggregate& agg) {
  Fast f;
  if (agg.filter != plan::kNoFunction) f.filter = match_filter(s, input, agg.filter);
  if (agg.arg != plan::kNoFunction) f.arg = match_arg(s, input, agg.arg);
  bool filter_ok = agg.filter == plan::kNoFunction || f.filter;
  f.usable = filter_ok && (agg.kind == plan::AggregateKind::Count ||
                           ((agg.kind == plan::AggregateKind::Sum || agg.kind == plan::AggregateKind::Avg) && f.arg));
  return f;
}

// Runs a kernel on one line; false when the line does not pass the filter.
inline void run_fast(const Fast& f, const std::vector<ledger::Column>& columns, uint32_t row, AggState& st) {
  if (f.filter) {
    for (const ColumnTest& test : f.filter->all) {
      if (!test.test(columns[test.column].values[row])) return;
    }
  }
  ++st.count;
  if (f.arg) {
    st.raw += columns[f.arg->column].values[row];
    st.raw_scale = static_cast<int16_t>(f.arg->scale);
  }
}

}  // namespace

DistinctKey distinct_key(const Value& v) {
  DistinctKey k{v.coef, v.aux, v.scale};
  while (k.scale > 0 && k.coef % 10 == 0) {
    k.coef /= 10;
    --k.scale;
  }
  return k;
}

uint64_t KeyIndex::hash(const int64_t* key, size_t width) {
  uint64_t h = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < width; ++i) h = (h ^ static_cast<uint64_t>(key[i])) * 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 29);
}

uint32_t KeyIndex::find_or_add(const int64_t* key, bool& fresh) {
  if (slots_.empty() || (size() + 1) * 2 > slots_.size()) grow();
  uint64_t h = hash(key, width_);
  uint64_t tag = h >> 32 << 32;
  size_t mask = slots_.size() - 1;
  for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
    uint64_t entry = slots_[slot];
    if (entry == 0) {
      fresh = true;
      uint32_t row = static_cast<uint32_t>(size());
      keys_.insert(keys_.end(), key, key + width_);
      slots_[slot] = tag | (row + 1);
      return row;
    }
    if ((entry & ~0xFFFFFFFFull) != tag) continue;
    uint32_t row = static_cast<uint32_t>(entry) - 1;
    const int64_t* stored = keys_.data() + static_cast<size_t>(row) * width_;
    bool same = true;
    for (size_t i = 0; i < width_ && same; ++i) same = stored[i] == key[i];
    if (same) {
      fresh = false;
      return row;
    }
  }
}

void KeyIndex::grow() {
  size_t capacity = slots_.empty() ? 1024 : slots_.size() * 2;
  slots_.assign(capacity, 0);
  size_t mask = capacity - 1;
  for (size_t row = 0; row < size(); ++row) {
    uint64_t h = hash(keys_.data() + row * width_, width_);
    size_t slot = h & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = (h >> 32 << 32) | (row + 1);
  }
}

Decimal total(const AggState& st) {
  if (st.raw == 0) return st.sum();
  return Decimal::add(st.sum(), Decimal::from_scaled(st.raw, st.raw_scale)).value_or(st.sum());
}

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

void scan(State& s) {
  const plan::Plan& plan = s.plan;
  size_t cells = s.partner_ids.size() * s.period_count();
  s.aggregates.resize(plan.aggregates.size());
  for (size_t a = 0; a < plan.aggregates.size(); ++a) {
    s.aggregates[a].states.assign(cells, AggState{});
    if (plan.aggregates[a].kind == plan::AggregateKind::CountDistinct) s.aggregates[a].distinct.resize(cells);
  }
  s.groups.clear();
  for (const plan::Group& g : plan.groups) {
    GroupData data;
    data.index = KeyIndex(2 + g.key_columns.size());
    data.key_count = g.key_columns.size();
    data.agg_count = g.aggregates.size();
    s.groups.push_back(std::move(data));
  }

  for (uint32_t input = 0; input < plan.inputs.size(); ++input) {
    if (plan.inputs[input].kind != plan::InputKind::Ledger) continue;
    std::vector<uint32_t> mine, my_groups;
    for (uint32_t a = 0; a < plan.aggregates.size(); ++a) {
      if (!plan.aggregates[a].over_group && plan.aggregates[a].source == input) mine.push_back(a);
    }
    for (uint32_t g = 0; g < plan.groups.size(); ++g) {
      if (plan.groups[g].ledger == input) my_groups.push_back(g);
    }
    if (mine.empty() && my_groups.empty()) continue;
    std::vector<Fast> fast;
    for (uint32_t a : mine) fast.push_back(fast_for(s, input, plan.aggregates[a]));
    std::vector<std::vector<Fast>> group_fast(my_groups.size());
    for (size_t k = 0; k < my_groups.size(); ++k) {
      for (uint32_t a : plan.groups[my_groups[k]].aggregates) group_fast[k].push_back(fast_for(s, input, plan.group_field_aggregates[a]));
    }
    const std::vector<ledger::Column>& columns = s.tables[input].columns;
    RowFrame frame(s, input);
    const ledger::Table& t = s.tables[input];
    std::vector<int64_t> key;
    for (uint32_t row = 0; row < t.row_count(); ++row) {
      if (!s.row_valid[input][row]) continue;
      frame.at(row);
      uint32_t partner = s.row_partner[input][row];
      PeriodIndex period = s.row_period[input][row];
      size_t cell = s.cell(partner, period);
      if (cell == SIZE_MAX) continue;  // outside every period the run pays or looks back to
      auto update = [&](const plan::Aggregate& agg, AggState& st, DistinctSet* distinct) {
        if (agg.filter != plan::kNoFunction) {
          Value keep = s.machine.run(agg.filter, frame);
          if (keep.none) throw vm::EvalError("this filter has no value for a line (it reads an empty cell)", agg.where, frame.context());
          if (!keep.truthy()) return;
        }
        Value v = agg.arg == plan::kNoFunction ? Value::integer(1) : s.machine.run(agg.arg, frame);
        accumulate(st, distinct, agg.kind, v, frame.context());
      };
      for (size_t k = 0; k < mine.size(); ++k) {
        AggTable& table = s.aggregates[mine[k]];
        if (fast[k].usable) {
          run_fast(fast[k], columns, row, table.states[cell]);
        } else {
          update(plan.aggregates[mine[k]], table.states[cell], table.distinct.empty() ? nullptr : &table.distinct[cell]);
        }
      }
      for (size_t k = 0; k < my_groups.size(); ++k) {
        const plan::Group& g = plan.groups[my_groups[k]];
        GroupData& data = s.groups[my_groups[k]];
        key.assign({static_cast<int64_t>(partner), period});
        for (uint32_t c : g.key_columns) key.push_back(columns[c].values[row]);
        bool fresh = false;
        uint32_t grow = data.index.find_or_add(key.data(), fresh);
        if (fresh) {
          data.partner.push_back(partner);
          data.period.push_back(period);
          for (uint32_t c : g.key_columns) data.keys.push_back(s.cell_value(input, c, row));
          data.states.resize(data.states.size() + data.agg_count);
        }
        for (size_t f = 0; f < data.agg_count; ++f) {
          size_t state = static_cast<size_t>(grow) * data.agg_count + f;
          const plan::Aggregate& agg = plan.group_field_aggregates[g.aggregates[f]];
          if (group_fast[k][f].usable) {
            run_fast(group_fast[k][f], columns, row, data.states[state]);
          } else {
            update(agg, data.states[state], agg.kind == plan::AggregateKind::CountDistinct ? &data.distinct[state] : nullptr);
          }
        }
      }
    }
  }

  // Group rows: their field values, then the aggregates over them.
  for (uint32_t g = 0; g < plan.groups.size(); ++g) {
    const plan::Group& pg = plan.groups[g];
    GroupData& data = s.groups[g];
    GroupRowFrame frame(s, g);
    size_t width = data.key_count + pg.field_values.size();
    data.values.assign(data.rows() * width, Value{});
    for (size_t row = 0; row < data.rows(); ++row) {
      frame.at(row);
      for (size_t k = 0; k < data.key_count; ++k) data.values[row * width + k] = data.keys[row * data.key_count + k];
      for (size_t f = 0; f < pg.field_values.size(); ++f) data.values[row * width + data.key_count + f] = s.machine.run(pg.field_values[f], frame);
    }
    for (uint32_t a = 0; a < plan.aggregates.size(); ++a) {
      const plan::Aggregate& agg = plan.aggregates[a];
      if (!agg.over_group || agg.source != g) continue;
      AggTable& table = s.aggregates[a];
      for (size_t row = 0; row < data.rows(); ++row) {
        frame.at(row);
        size_t cell = s.cell(data.partner[row], data.period[row]);
        if (agg.filter != plan::kNoFunction) {
          Value keep = s.machine.run(agg.filter, frame);
          if (keep.none || !keep.truthy()) continue;
        }
        Value v = agg.arg == plan::kNoFunction ? Value::integer(1) : s.machine.run(agg.arg, frame);
        accumulate(table.states[cell], table.distinct.empty() ? nullptr : &table.distinct[cell], agg.kind, v, frame.context());
      }
    }
  }
}

}  // namespace rebate::engine
