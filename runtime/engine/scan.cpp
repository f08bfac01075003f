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

// Loads for functions over one group row.
class GroupRowFrame : public vm::Frame {
 public:
  GroupRowFrame(State& s, const GroupRow* row, const std::string& group) : s_(s), row_(row), group_(group) {}
  void at(const GroupRow* row) { row_ = row; }
  Value column(uint32_t) override { return Value::missing(); }
  Value lookup(uint32_t, uint32_t) override { return Value::missing(); }
  Value group_field(uint32_t f) override { return row_->values[f]; }
  Value partner_attr(uint32_t c) override {
    uint32_t row = s_.partner_row[row_->partner];
    return row == UINT32_MAX ? Value::missing() : s_.cell_value(s_.plan.partner_table, c, row);
  }
  Value partner_id() override { return Value::integer(s_.partner_ids[row_->partner]); }
  Value period() override {
    Value v = Value::integer(s_.periods.first_day(row_->period));
    v.aux = s_.periods.last_day(row_->period);
    return v;
  }
  Value measure(uint32_t) override { return Value::missing(); }
  Value shifted(uint32_t, uint32_t) override { return Value::missing(); }
  // In a group field's formula, aggregates are those of this group row's lines.
  Value aggregate(uint32_t a) override {
    const plan::Group& g = s_.plan.groups[group_index_];
    for (size_t k = 0; k < g.aggregates.size(); ++k) {
      if (g.aggregates[k] == a) return finish(row_->states[k], &row_->distinct[k], s_.plan.group_field_aggregates[a].kind);
    }
    return Value::missing();
  }
  Value decision(uint32_t) override { return Value::missing(); }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override {
    return fmt::format("group `{}` of partner {}, period {}", group_, s_.partner_name(row_->partner), s_.periods.label(row_->period));
  }
  uint32_t group_index_ = 0;

 private:
  State& s_;
  const GroupRow* row_;
  const std::string& group_;
};

// The key a value has in a count_distinct set: numbers by value (1.50 and 1.5 are one), others exactly.
std::string distinct_key(const Value& v) {
  if (v.scale != 0) return v.decimal().to_string();
  return std::to_string(static_cast<int64_t>(v.coef)) + "/" + std::to_string(v.aux);
}

void accumulate(AggState& st, std::unordered_set<std::string>* distinct, plan::AggregateKind kind, const Value& v,
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
      auto sum = Decimal::add(st.sum, v.decimal());
      if (!sum) throw vm::EvalError("arithmetic overflow: the sum has more than 38 digits", 0, where);
      st.sum = *sum;
      ++st.count;
      return;
    }
    case plan::AggregateKind::Min:
    case plan::AggregateKind::Max: {
      if (v.none) return;
      ++st.count;
      int c = st.has_best ? vm::compare(v, st.best) : 0;
      if (!st.has_best || (kind == plan::AggregateKind::Min ? c < 0 : c > 0)) st.best = v;
      st.has_best = true;
      return;
    }
  }
}

}  // namespace

Decimal total(const AggState& st) {
  if (st.raw == 0) return st.sum;
  return Decimal::add(st.sum, Decimal::from_scaled(st.raw, st.raw_scale)).value_or(st.sum);
}

Value finish(const AggState& st, const std::unordered_set<std::string>* distinct, plan::AggregateKind kind) {
  switch (kind) {
    case plan::AggregateKind::Count: return Value::integer(static_cast<int64_t>(st.count));
    case plan::AggregateKind::CountDistinct: return Value::integer(static_cast<int64_t>(distinct ? distinct->size() : 0));
    case plan::AggregateKind::Sum: return Value::number(total(st));
    case plan::AggregateKind::Avg:
      if (st.count == 0) return Value::missing();
      return Value::number(Decimal::div(total(st), Decimal::from_int(static_cast<int64_t>(st.count))).value_or(Decimal()));
    case plan::AggregateKind::Min:
    case plan::AggregateKind::Max:
      return st.has_best ? st.best : Value::missing();
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
  s.groups.resize(plan.groups.size());

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
    // Kernels for the aggregates whose filter and argument have a simple shape.
    struct Fast {
      bool usable = false;
      std::optional<FastFilter> filter;
      std::optional<FastArg> arg;
    };
    std::vector<Fast> fast(mine.size());
    for (size_t k = 0; k < mine.size(); ++k) {
      const plan::Aggregate& agg = plan.aggregates[mine[k]];
      Fast& f = fast[k];
      if (agg.filter != plan::kNoFunction) f.filter = match_filter(s, input, agg.filter);
      if (agg.arg != plan::kNoFunction) f.arg = match_arg(s, input, agg.arg);
      bool filter_ok = agg.filter == plan::kNoFunction || f.filter;
      f.usable = filter_ok && (agg.kind == plan::AggregateKind::Count ||
                               ((agg.kind == plan::AggregateKind::Sum || agg.kind == plan::AggregateKind::Avg) && f.arg));
    }
    const std::vector<ledger::Column>& columns = s.tables[input].columns;
    // Group rows by (partner, period, keys).
    std::vector<std::map<std::vector<int64_t>, uint32_t>> group_slots(my_groups.size());
    RowFrame frame(s, input);
    const ledger::Table& t = s.tables[input];
    for (uint32_t row = 0; row < t.row_count(); ++row) {
      if (!s.row_valid[input][row]) continue;
      frame.at(row);
      uint32_t partner = s.row_partner[input][row];
      PeriodIndex period = s.row_period[input][row];
      size_t cell = s.cell(partner, period);
      auto update = [&](const plan::Aggregate& agg, AggState& st, std::unordered_set<std::string>* distinct) {
        if (agg.filter != plan::kNoFunction) {
          Value keep = s.machine.run(agg.filter, frame);
          if (keep.none) throw vm::EvalError("this filter has no value for a line (it reads an empty cell)", agg.where, frame.context());
          if (!keep.truthy()) return;
        }
        Value v = agg.arg == plan::kNoFunction ? Value::integer(1) : s.machine.run(agg.arg, frame);
        accumulate(st, distinct, agg.kind, v, frame.context());
      };
      for (size_t k = 0; k < mine.size(); ++k) {
        uint32_t a = mine[k];
        AggTable& table = s.aggregates[a];
        if (fast[k].usable) {
          if (fast[k].filter) {
            bool keep = true;
            for (const ColumnTest& test : fast[k].filter->all) keep = keep && test.test(columns[test.column].values[row]);
            if (!keep) continue;
          }
          AggState& st = table.states[cell];
          ++st.count;
          if (fast[k].arg) {
            st.raw += columns[fast[k].arg->column].values[row];
            st.raw_scale = static_cast<int16_t>(fast[k].arg->scale);
          }
          continue;
        }
        update(plan.aggregates[a], table.states[cell], table.distinct.empty() ? nullptr : &table.distinct[cell]);
      }
      for (size_t k = 0; k < my_groups.size(); ++k) {
        const plan::Group& g = plan.groups[my_groups[k]];
        std::vector<int64_t> key{partner, period};
        for (uint32_t c : g.key_columns) key.push_back(static_cast<int64_t>(s.cell_value(input, c, row).coef));
        auto [it, fresh] = group_slots[k].emplace(key, static_cast<uint32_t>(s.groups[my_groups[k]].rows.size()));
        if (fresh) {
          GroupRow gr;
          gr.partner = partner;
          gr.period = period;
          for (uint32_t c : g.key_columns) gr.keys.push_back(s.cell_value(input, c, row));
          gr.states.resize(g.aggregates.size());
          gr.distinct.resize(g.aggregates.size());
          s.groups[my_groups[k]].rows.push_back(std::move(gr));
        }
        GroupRow& gr = s.groups[my_groups[k]].rows[it->second];
        for (size_t f = 0; f < g.aggregates.size(); ++f) {
          update(plan.group_field_aggregates[g.aggregates[f]], gr.states[f], &gr.distinct[f]);
        }
      }
    }
  }

  // Group rows: their field values, then the aggregates over them.
  for (uint32_t g = 0; g < plan.groups.size(); ++g) {
    const plan::Group& pg = plan.groups[g];
    GroupRowFrame frame(s, nullptr, pg.name);
    frame.group_index_ = g;
    for (GroupRow& row : s.groups[g].rows) {
      frame.at(&row);
      row.values = row.keys;
      for (plan::FunctionId f : pg.field_values) row.values.push_back(s.machine.run(f, frame));
    }
    for (uint32_t a = 0; a < plan.aggregates.size(); ++a) {
      const plan::Aggregate& agg = plan.aggregates[a];
      if (!agg.over_group || agg.source != g) continue;
      AggTable& table = s.aggregates[a];
      for (const GroupRow& row : s.groups[g].rows) {
        frame.at(&row);
        size_t cell = s.cell(row.partner, row.period);
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
