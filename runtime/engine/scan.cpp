// The fused scan: each chunk of a ledger's lines, as the reader streams it, updates every aggregate over
// that ledger for the line's partner and period, and every group the line belongs to. A part (one per
// reading thread) keeps its own states; merge.cpp brings them together. Then the groups' rows are
// scanned the same way for aggregates over groups (finish_groups).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "engine/kernels.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

// Where a chunk's lines belong, worked out once per chunk before any aggregate reads them.
struct ChunkRows {
  std::vector<uint32_t> partner;     // the part's partner index
  std::vector<PeriodIndex> period;
  std::vector<size_t> cell;          // in the part's aggregate states; SIZE_MAX: the line is left out
};

// Loads for functions over one ledger line of a chunk.
class RowFrame : public vm::Frame {
 public:
  RowFrame(const ScanPart& part, uint32_t input, const ledger::Table& chunk, const ChunkRows& rows)
      : part_(part), s_(part.state), input_(input), chunk_(chunk), rows_(rows) {}
  void at(uint32_t row) { row_ = row; }

  Value column(uint32_t c) override { return cell_value(chunk_.columns[c], row_); }
  Value lookup(uint32_t c, uint32_t table_column) override {
    Value key = cell_value(chunk_.columns[c], row_);
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
    if (s_.plan.partner_table == UINT32_MAX) return Value::missing();
    uint32_t row = s_.partner_row[rows_.partner[row_]];
    return row == UINT32_MAX ? Value::missing() : s_.cell_value(s_.plan.partner_table, c, row);
  }
  Value partner_id() override {
    if (s_.plan.partner_table != UINT32_MAX) return Value::integer(s_.partner_ids[rows_.partner[row_]]);
    return Value::integer(part_.partner_keys[rows_.partner[row_]]);
  }
  Value period() override {
    PeriodIndex p = rows_.period[row_];
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
    return fmt::format("ledger `{}` line {}", s_.plan.inputs[input_].name, chunk_.lines[row_]);
  }

 private:
  const ScanPart& part_;
  const State& s_;
  uint32_t input_;
  const ledger::Table& chunk_;
  const ChunkRows& rows_;
  uint32_t row_ = 0;
};

// Loads for functions over one group row: its keys and fields (the fields as computed so far for the
// row), or, in a field's own formula, the aggregates of the group row's lines.
class GroupRowFrame : public vm::Frame {
 public:
  GroupRowFrame(State& s, uint32_t group) : s_(s), group_(group), pg_(s.plan.groups[group]), data_(s.groups[group]) {}
  void at(size_t row) { row_ = row; }
  std::vector<Value> fields;  // the current row's field values

  Value column(uint32_t) override { return Value::missing(); }
  Value lookup(uint32_t, uint32_t) override { return Value::missing(); }
  Value group_field(uint32_t f) override {
    if (f < data_.key_count) return group_key(s_.plan, pg_, data_, row_, f);
    return f - data_.key_count < fields.size() ? fields[f - data_.key_count] : Value{};  // a later field: not computed yet
  }
  Value partner_attr(uint32_t c) override {
    uint32_t row = s_.partner_row[data_.partner(row_)];
    return row == UINT32_MAX ? Value::missing() : s_.cell_value(s_.plan.partner_table, c, row);
  }
  Value partner_id() override { return Value::integer(s_.partner_ids[data_.partner(row_)]); }
  Value period() override {
    Value v = Value::integer(s_.periods.first_day(data_.period(row_)));
    v.aux = s_.periods.last_day(data_.period(row_));
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
  // The k-th of the group's field aggregates for the current row.
  Value field_aggregate(size_t k) const {
    size_t state = row_ * data_.agg_count + k;
    auto d = data_.distinct.find(state);
    return finish(data_.states[state], d == data_.distinct.end() ? nullptr : &d->second,
                  s_.plan.group_field_aggregates[pg_.aggregates[k]].kind);
  }
  Value decision(uint32_t) override { return Value::missing(); }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override {
    return fmt::format("group `{}` of partner {}, period {}", pg_.name, s_.partner_name(data_.partner(row_)),
                       s_.periods.label(data_.period(row_)));
  }

 private:
  State& s_;
  uint32_t group_;
  const plan::Group& pg_;
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
  std::optional<FastArg> arg;              // sum, avg: the column added up
  std::optional<uint32_t> distinct_column;  // count_distinct: the column whose values are counted
};

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

// Runs a kernel on one line (nothing when the line does not pass the filter).
inline void run_fast(const Fast& f, const std::vector<ledger::Column>& columns, uint32_t row, AggState& st, DistinctSet* distinct) {
  if (f.filter) {
    for (const ColumnTest& test : f.filter->all) {
      if (!test.test(columns[test.column].values[row])) return;
    }
  }
  ++st.count;
  if (f.arg) {
    st.value += columns[f.arg->column].values[row];  // exact: 2^64 lines of int64 stay far inside 128 bits
    st.scale = static_cast<int16_t>(f.arg->scale);
  } else if (f.distinct_column) {
    distinct->insert(distinct_key(cell_value(columns[*f.distinct_column], row)));
  }
}

// One aggregate on the VM for one line: its filter, then its argument.
void update(vm::Machine& machine, const plan::Aggregate& agg, RowFrame& frame, AggState& st, DistinctSet* distinct) {
  if (agg.filter != plan::kNoFunction) {
    Value keep = machine.run(agg.filter, frame);
    if (keep.none) throw vm::EvalError("this filter has no value for a line (it reads an empty cell)", agg.where, frame.context());
    if (!keep.truthy()) return;
  }
  Value v = agg.arg == plan::kNoFunction ? Value::integer(1) : machine.run(agg.arg, frame);
  accumulate(st, distinct, agg.kind, v, frame.context());
}

// Gives the part's aggregate tables room for `partners` partners and the periods lo..hi (partner-major
// cells: more partners append cells, more periods lay them out again).
void fit(ScanPart& part, size_t partners, PeriodIndex lo, PeriodIndex hi) {
  const size_t old_count = part.period_count();
  const PeriodIndex old_first = part.first_period;
  if (old_count == 0) {
    part.first_period = lo;
    part.last_period = hi;
  } else if (!part.state.periods_fixed) {
    part.first_period = std::min(part.first_period, lo);
    part.last_period = std::max(part.last_period, hi);
  }
  const size_t count = part.period_count();
  const size_t cells = partners * count;
  const bool same_periods = count == old_count && part.first_period == old_first;
  CellStates& a = part.aggregates;
  const size_t old_cells = a.cells();
  // Where an old cell goes when the periods widen (partner-major: more partners only append cells).
  auto moved_to = [&](size_t cell) { return cell / old_count * count + static_cast<size_t>(old_first - part.first_period) + cell % old_count; };
  if (same_periods) {
    a.states.resize(std::max(a.states.size(), cells * a.slots));
  } else {
    BigArray<AggState> wider(cells * a.slots);
    for (size_t cell = 0; cell < old_cells; ++cell) std::copy_n(&a.states[cell * a.slots], a.slots, &wider[moved_to(cell) * a.slots]);
    a.states = std::move(wider);
  }
  for (uint32_t k = 0; k < a.distinct.size(); ++k) {
    const plan::Aggregate& agg = part.state.plan.aggregates[k];
    if (agg.over_group || agg.kind != plan::AggregateKind::CountDistinct) continue;
    std::vector<DistinctSet>& d = a.distinct[k];
    if (same_periods) {
      d.resize(std::max(d.size(), cells));
      continue;
    }
    std::vector<DistinctSet> wider(cells);
    for (size_t cell = 0; cell < d.size(); ++cell) wider[moved_to(cell)] = std::move(d[cell]);
    d = std::move(wider);
  }
}

// How many lines ahead the scan fetches the aggregate state a line will update.
constexpr uint32_t kPrefetch = 16;

// The rows of one ledger that one part reads.
class LedgerSink : public ledger::RowSink {
 public:
  LedgerSink(ScanPart& part, uint32_t input) : part_(part), s_(part.state), plan_(part.state.plan), input_(input) {
    for (uint32_t a = 0; a < plan_.aggregates.size(); ++a) {
      if (!plan_.aggregates[a].over_group && plan_.aggregates[a].source == input) mine_.push_back(a);
    }
    for (uint32_t g = 0; g < plan_.groups.size(); ++g) {
      if (plan_.groups[g].ledger == input) my_groups_.push_back(g);
    }
    for (uint32_t a : mine_) fast_.push_back(fast_for(s_, input, plan_.aggregates[a]));
    for (size_t k = 0; k < mine_.size(); ++k) {
      if (fast_[k].usable) fast_slots_.push_back(k);
    }
    group_fast_.resize(my_groups_.size());
    for (size_t k = 0; k < my_groups_.size(); ++k) {
      for (uint32_t a : plan_.groups[my_groups_[k]].aggregates) group_fast_[k].push_back(fast_for(s_, input, plan_.group_field_aggregates[a]));
    }
  }

  void rows(const ledger::Table& chunk) override {
    if (part_.error) return;  // a runtime error ends the part's computing; the reader still checks the rows
    try {
      place(chunk);
      aggregate(chunk);
      group(chunk);
    } catch (const vm::EvalError& e) {
      part_.error = e;
    }
  }

 private:
  // Each line's partner, period and cell; lines of unknown partners are recorded and left out.
  void place(const ledger::Table& chunk) {
    const plan::Input& in = plan_.inputs[input_];
    const ledger::Column& pc = chunk.columns[in.partner_column];
    const ledger::Column& dc = chunk.columns[in.date_column];
    const size_t n = chunk.row_count();
    rows_.partner.resize(n);
    rows_.period.resize(n);
    rows_.cell.assign(n, SIZE_MAX);
    PeriodIndex lo = 0, hi = -1;
    for (size_t row = 0; row < n; ++row) {
      const int64_t key = pc.values[row];
      uint32_t partner = UINT32_MAX;
      if (!s_.partner_of_text.empty()) {
        // A text the partner table does not have is the overlay's, beyond the State's ids: unknown.
        if (static_cast<uint64_t>(key) < s_.partner_of_text.size()) partner = s_.partner_of_text[static_cast<size_t>(key)];
      } else if (plan_.partner_table != UINT32_MAX) {
        auto it = s_.partner_by_key.find(key);
        if (it != s_.partner_by_key.end()) partner = it->second;
      } else {
        auto [it, fresh] = part_.partner_of_key.try_emplace(key, static_cast<uint32_t>(part_.partner_keys.size()));
        if (fresh) part_.partner_keys.push_back(key);
        partner = it->second;
      }
      if (partner == UINT32_MAX) {
        unknown_partner(chunk, row);
        continue;
      }
      const auto day = static_cast<DayNumber>(dc.values[row]);
      const PeriodIndex p = period_of(day);
      rows_.partner[row] = partner;
      rows_.period[row] = p;
      rows_.cell[row] = 0;  // placed below
      if ((plan_.effective_from && day < *plan_.effective_from) || (plan_.effective_to && day > *plan_.effective_to)) {
        ++part_.outside_effective;
      }
      if (p != last_counted_) {
        counter_ = &part_.lines_per_period[p];
        last_counted_ = p;
      }
      ++*counter_;
      if (lo > hi) lo = hi = p;
      lo = std::min(lo, p);
      hi = std::max(hi, p);
    }
    if (s_.periods_fixed) {
      lo = s_.first_period;
      hi = s_.last_period;
    }
    if (lo <= hi) fit(part_, part_.partner_count(), lo, hi);
    const size_t count = part_.period_count();
    for (size_t row = 0; row < n; ++row) {
      if (rows_.cell[row] == SIZE_MAX) continue;
      const PeriodIndex p = rows_.period[row];
      rows_.cell[row] = p < part_.first_period || p > part_.last_period
                            ? SIZE_MAX  // outside every period the run pays or looks back to
                            : static_cast<size_t>(rows_.partner[row]) * count + static_cast<size_t>(p - part_.first_period);
    }
  }

  // The period of a day, through a small cache: a ledger's dates span a few hundred days, each met
  // thousands of times, and working out a calendar date is dozens of instructions.
  PeriodIndex period_of(DayNumber day) {
    DayPeriod& slot = period_cache_[static_cast<uint64_t>(day) % period_cache_.size()];
    if (!slot.known || slot.day != day) slot = DayPeriod{day, s_.periods.of_day(day), true};
    return slot.period;
  }

  void unknown_partner(const ledger::Table& chunk, size_t row) {
    const plan::Input& in = plan_.inputs[input_];
    const ledger::Column& pc = chunk.columns[in.partner_column];
    ScanPart::Unknown& u = part_.unknown[input_];
    ++u.count;
    if (u.messages.size() < s_.options.max_errors) {
      auto path = s_.options.input_paths.find(in.name);
      const std::string& file = path == s_.options.input_paths.end() ? in.name : path->second;
      u.messages.push_back(fmt::format("{}:{}: column `{}`: partner `{}` is not in the partner table `{}`", file, chunk.lines[row],
                                       pc.spec.name, ledger::format_cell(pc, row, part_.pool),
                                       plan_.inputs[plan_.partner_table].name));
    }
    if (s_.options.reject_bad_rows && !s_.options.rejects_path.empty()) {
      // The row with its values and line, for the rejects file beside the reader's.
      for (const auto& c : chunk.columns) {
        if (c.spec.read) u.rows += ledger::csv_quote(ledger::format_cell(c, row, part_.pool)) + ',';
      }
      u.rows += fmt::format("{},{}\n", chunk.lines[row],
                            ledger::csv_quote(fmt::format("partner `{}` is not in the partner table", ledger::format_cell(pc, row, part_.pool))));
    }
  }

  // Every aggregate over the ledger, one at a time over the chunk's lines.
  void aggregate(const ledger::Table& chunk) {
    const auto n = static_cast<uint32_t>(chunk.row_count());
    CellStates& states = part_.aggregates;
    const size_t slots = states.slots;
    // The kernels, line by line: a line's states are one block, fetched a few lines ahead (the lines come
    // in no order of partner, so each block is a likely cache miss).
    if (!fast_slots_.empty()) {
      for (uint32_t row = 0; row < n; ++row) {
        if (row + kPrefetch < n && rows_.cell[row + kPrefetch] != SIZE_MAX) {
          const AggState* ahead = &states.states[rows_.cell[row + kPrefetch] * slots];
          __builtin_prefetch(ahead, 1);
          __builtin_prefetch(ahead + slots - 1, 1);
        }
        const size_t cell = rows_.cell[row];
        if (cell == SIZE_MAX) continue;
        AggState* block = &states.states[cell * slots];
        for (size_t k : fast_slots_) run_fast(fast_[k], chunk.columns, row, block[mine_[k]], states.distinct_at(cell, mine_[k]));
      }
    }
    // The others on the VM, one aggregate at a time.
    RowFrame frame(part_, input_, chunk, rows_);
    for (size_t k = 0; k < mine_.size(); ++k) {
      if (fast_[k].usable) continue;
      const plan::Aggregate& agg = plan_.aggregates[mine_[k]];
      for (uint32_t row = 0; row < n; ++row) {
        const size_t cell = rows_.cell[row];
        if (cell == SIZE_MAX) continue;
        frame.at(row);
        update(part_.machine, agg, frame, states.at(cell, mine_[k]), states.distinct_at(cell, mine_[k]));
      }
    }
  }

  // Each line into its group rows: keyed by the partner (the part's index), the period and the group's keys.
  void group(const ledger::Table& chunk) {
    const auto n = static_cast<uint32_t>(chunk.row_count());
    RowFrame frame(part_, input_, chunk, rows_);
    for (size_t k = 0; k < my_groups_.size(); ++k) {
      const plan::Group& g = plan_.groups[my_groups_[k]];
      GroupData& data = part_.groups[my_groups_[k]];
      // Every line's key and hash first, so that the index's slots can be fetched ahead of the probes.
      const size_t width = data.index.width();
      keys_.resize(static_cast<size_t>(n) * width);
      hashes_.resize(n);
      for (uint32_t row = 0; row < n; ++row) {
        int64_t* key = &keys_[row * width];
        key[0] = rows_.partner[row];
        key[1] = rows_.period[row];
        int64_t present = 0;
        for (size_t c = 0; c < g.key_columns.size(); ++c) {
          const ledger::Column& column = chunk.columns[g.key_columns[c]];
          key[2 + c] = column.values[row];
          if (column.has_value(row)) present |= int64_t{1} << c;
        }
        if (width > 2 + g.key_columns.size()) key[width - 1] = present;
        hashes_[row] = data.index.hash(key);
      }
      for (uint32_t row = 0; row < n; ++row) {
        if (row + kPrefetch < n) data.index.prefetch(hashes_[row + kPrefetch]);
        if (rows_.cell[row] == SIZE_MAX) continue;
        bool fresh = false;
        const uint32_t grow = data.index.find_or_add(&keys_[row * width], hashes_[row], fresh);
        if (fresh) data.states.resize(data.states.size() + data.agg_count);
        for (size_t f = 0; f < data.agg_count; ++f) {
          const size_t state = static_cast<size_t>(grow) * data.agg_count + f;
          const plan::Aggregate& agg = plan_.group_field_aggregates[g.aggregates[f]];
          DistinctSet* distinct = agg.kind == plan::AggregateKind::CountDistinct ? &data.distinct[state] : nullptr;
          if (group_fast_[k][f].usable) {
            run_fast(group_fast_[k][f], chunk.columns, row, data.states[state], distinct);
          } else {
            frame.at(row);
            update(part_.machine, agg, frame, data.states[state], distinct);
          }
        }
      }
    }
  }

  ScanPart& part_;
  const State& s_;
  const plan::Plan& plan_;
  uint32_t input_;
  std::vector<uint32_t> mine_, my_groups_;
  std::vector<Fast> fast_;
  std::vector<size_t> fast_slots_;  // the k (index into mine_) of the aggregates the kernels run
  std::vector<std::vector<Fast>> group_fast_;
  ChunkRows rows_;
  struct DayPeriod {
    DayNumber day = 0;
    PeriodIndex period = 0;
    bool known = false;
  };
  std::array<DayPeriod, 1024> period_cache_{};
  std::vector<int64_t> keys_;     // group keys of a chunk's lines
  std::vector<uint64_t> hashes_;  // and their hashes
  PeriodIndex last_counted_ = INT64_MIN;
  uint64_t* counter_ = nullptr;
};

}  // namespace

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

GroupData make_group(const plan::Plan& plan, const plan::Group& g) {
  bool optional = false;
  for (uint32_t c : g.key_columns) optional = optional || plan.inputs[g.ledger].spec.columns[c].optional;
  GroupData data;
  data.index = KeyIndex(2 + g.key_columns.size() + (optional ? 1 : 0));
  data.key_count = g.key_columns.size();
  data.agg_count = g.aggregates.size();
  return data;
}

Value group_key(const plan::Plan& plan, const plan::Group& g, const GroupData& data, size_t row, size_t c) {
  const ledger::ColumnSpec& spec = plan.inputs[g.ledger].spec.columns[g.key_columns[c]];
  const bool present = !spec.optional || ((data.index.key(row, data.index.width() - 1) >> c) & 1) != 0;
  return cell_value(spec, data.index.key(row, 2 + c), present);
}

ScanPart::ScanPart(const State& s) : state(s), pool(&s.pool), machine(s.plan) {
  aggregates.slots = s.plan.aggregates.size();
  aggregates.distinct.resize(s.plan.aggregates.size());
  for (const plan::Group& g : s.plan.groups) groups.push_back(make_group(s.plan, g));
  unknown.resize(s.plan.inputs.size());
}

std::unique_ptr<ledger::RowSink> ledger_sink(ScanPart& part, uint32_t input) {
  return std::make_unique<LedgerSink>(part, input);
}

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

void KeyIndex::prefetch(uint64_t h) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[h & (slots_.size() - 1)]);
}

uint32_t KeyIndex::find_or_add(const int64_t* key, bool& fresh) { return find_or_add(key, hash(key), fresh); }

uint32_t KeyIndex::find_or_add(const int64_t* key, uint64_t h, bool& fresh) {
  if (slots_.empty() || (size() + 1) * 4 > slots_.size() * 3) grow();  // load factor 0.75: the tags keep probes short
  uint64_t tag = h >> 32 << 32;
  size_t mask = slots_.size() - 1;
  for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
    uint64_t entry = slots_[slot];
    if (entry == 0) {
      fresh = true;
      if (rows_ >= UINT32_MAX - 1) throw std::length_error("a group has more than 4 billion rows");
      uint32_t row = static_cast<uint32_t>(rows_++);
      keys_.resize(rows_ * width_);
      for (size_t i = 0; i < width_; ++i) keys_[row * width_ + i] = key[i];
      slots_[slot] = tag | (row + 1);
      return row;
    }
    if ((entry & ~0xFFFFFFFFull) != tag) continue;
    uint32_t row = static_cast<uint32_t>(entry) - 1;
    bool same = true;
    for (size_t i = 0; i < width_ && same; ++i) same = keys_[static_cast<size_t>(row) * width_ + i] == key[i];
    if (same) {
      fresh = false;
      return row;
    }
  }
}

void KeyIndex::reserve(size_t rows) {
  size_t capacity = slots_.empty() ? 1024 : slots_.size();
  while ((rows + 1) * 4 > capacity * 3) capacity *= 2;
  if (capacity > slots_.size()) rehash(capacity);
}

void KeyIndex::grow() { rehash(slots_.empty() ? 1024 : slots_.size() * 2); }

void KeyIndex::rehash(size_t capacity) {
  slots_.assign(capacity, 0);
  size_t mask = capacity - 1;
  std::vector<int64_t> key(width_);
  for (size_t row = 0; row < size(); ++row) {
    for (size_t i = 0; i < width_; ++i) key[i] = keys_[row * width_ + i];
    uint64_t h = hash(key.data(), width_);
    size_t slot = h & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = (h >> 32 << 32) | (row + 1);
  }
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

namespace {

// A test on a group row's field against a constant, one of the `and`-joined tests of a filter over group
// rows (`orders.count(where hardware_value > 0 USD and support_value > 0 USD)`), run without the VM.
struct FieldTest {
  uint32_t field = 0;  // as GroupField numbers them: keys, then fields
  plan::Opcode op = plan::Opcode::Eq;
  Value constant;
  bool holds(const Value& v) const {
    if (v.none) return false;  // the VM's comparison gives no value, and the row is not kept
    const int c = vm::compare(v, constant);
    switch (op) {
      case plan::Opcode::Eq: return c == 0;
      case plan::Opcode::Ne: return c != 0;
      case plan::Opcode::Lt: return c < 0;
      case plan::Opcode::Le: return c <= 0;
      case plan::Opcode::Gt: return c > 0;
      case plan::Opcode::Ge: return c >= 0;
      default: return false;
    }
  }
};

bool is_comparison(plan::Opcode op) {
  return op == plan::Opcode::Eq || op == plan::Opcode::Ne || op == plan::Opcode::Lt || op == plan::Opcode::Le ||
         op == plan::Opcode::Gt || op == plan::Opcode::Ge;
}

// The tests of a filter that is `field <cmp> constant` joined by `and` (lowered as: test JumpIfFalse L
// test Jump E L: Const false E: Return), or nullopt for any other shape.
std::optional<std::vector<FieldTest>> match_field_filter(const plan::Plan& plan, plan::FunctionId f) {
  const std::vector<plan::Instr>& code = plan.functions[f].code;
  std::vector<FieldTest> tests;
  for (size_t i = 0;;) {
    if (i + 2 >= code.size() || code[i].op != plan::Opcode::GroupField || code[i + 1].op != plan::Opcode::Const ||
        !is_comparison(code[i + 2].op))
      return std::nullopt;
    tests.push_back(FieldTest{code[i].a, code[i + 2].op, plan.constants[code[i + 1].a]});
    size_t k = i + 3;
    while (k + 1 < code.size() && code[k].op == plan::Opcode::Jump && code[k + 1].op == plan::Opcode::Const &&
           !plan.constants[code[k + 1].a].truthy())
      k += 2;
    if (k + 1 == code.size() && code[k].op == plan::Opcode::Return) return tests;
    if (k >= code.size() || code[k].op != plan::Opcode::JumpIfFalse) return std::nullopt;
    i = k + 1;
  }
}

}  // namespace

void finish_groups(State& s) {
  const plan::Plan& plan = s.plan;
  for (uint32_t g = 0; g < plan.groups.size(); ++g) {
    const plan::Group& pg = plan.groups[g];
    GroupData& data = s.groups[g];
    GroupRowFrame frame(s, g);
    // A field that is one aggregate (`sales.sum(amount where ...)`, the usual case) is read from its
    // state directly; any other formula runs on the VM.
    std::vector<int> bare(pg.field_values.size(), -1);  // the field's aggregate's index in the group row
    for (size_t f = 0; f < pg.field_values.size(); ++f) {
      const std::vector<plan::Instr>& code = plan.functions[pg.field_values[f]].code;
      if (code.size() != 2 || code[0].op != plan::Opcode::Aggregate || code[1].op != plan::Opcode::Return) continue;
      for (size_t k = 0; k < pg.aggregates.size(); ++k) {
        if (pg.aggregates[k] == code[0].a) bare[f] = static_cast<int>(k);
      }
    }
    std::vector<uint32_t> over;  // the aggregates over this group's rows
    std::vector<std::optional<std::vector<FieldTest>>> fast_filters;  // their filters, when tests on fields
    for (uint32_t a = 0; a < plan.aggregates.size(); ++a) {
      if (!plan.aggregates[a].over_group || plan.aggregates[a].source != g) continue;
      over.push_back(a);
      fast_filters.push_back(plan.aggregates[a].filter == plan::kNoFunction ? std::nullopt : match_field_filter(plan, plan.aggregates[a].filter));
    }
    // Row by row: the row's fields, then its contribution to every aggregate over the group.
    for (size_t row = 0; row < data.rows(); ++row) {
      frame.at(row);
      frame.fields.clear();
      for (size_t f = 0; f < pg.field_values.size(); ++f) {
        frame.fields.push_back(bare[f] < 0 ? s.machine.run(pg.field_values[f], frame) : frame.field_aggregate(static_cast<size_t>(bare[f])));
      }
      const size_t cell = s.cell(data.partner(row), data.period(row));
      for (size_t k = 0; k < over.size(); ++k) {
        const uint32_t a = over[k];
        const plan::Aggregate& agg = plan.aggregates[a];
        if (fast_filters[k]) {
          bool keep = true;
          for (const FieldTest& t : *fast_filters[k]) keep = keep && t.holds(frame.group_field(t.field));
          if (!keep) continue;
        } else if (agg.filter != plan::kNoFunction) {
          Value keep = s.machine.run(agg.filter, frame);
          if (keep.none || !keep.truthy()) continue;
        }
        Value v = agg.arg == plan::kNoFunction ? Value::integer(1) : s.machine.run(agg.arg, frame);
        accumulate(s.aggregates.at(cell, a), s.aggregates.distinct_at(cell, a), agg.kind, v, frame.context());
      }
    }
  }
  s.groups.clear();  // the aggregates over them are all there is to keep: evaluation reads no group row
  s.groups.shrink_to_fit();
}

}  // namespace rebate::engine
