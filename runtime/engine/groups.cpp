// Group rows after the scan: each row's fields (sums of its lines, or formulas over them), then the
// aggregates over the rows (`orders.count(where ...)`) into the partners' and periods' states. And the
// storage of a group's rows (make_group, group_key), shared with the scan and the merge.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <tbb/task_arena.h>

#include "core/threads.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

// Loads for functions over one group row: its keys and fields (the fields as computed so far for the
// row), or, in a field's own formula, the aggregates of the group row's lines.
class GroupRowFrame : public vm::Frame {
 public:
  // `pool`: where a text key is interned when a formula reads it.
  GroupRowFrame(const State& s, uint32_t group, const GroupData& data, ledger::StringPool& pool)
      : s_(s), pg_(s.plan.groups[group]), data_(data), pool_(pool) {
    fx_ = &s.fx;
    texts_ = &pool;
  }
  void at(size_t row) { row_ = row; }
  std::vector<Value> fields;  // the current row's field values

  Value column(uint32_t) override { return Value::missing(); }
  Value lookup(uint32_t, uint32_t) override { return Value::missing(); }
  Value group_field(uint32_t f) override {
    if (f < data_.key_count) return group_key(s_.plan, pg_, data_, row_, f, pool_);
    return f - data_.key_count < fields.size() ? fields[f - data_.key_count] : Value{};  // a later field: not computed yet
  }
  Value partner_attr(uint32_t c) override {
    uint32_t row = s_.partner_row_in(data_.partner(row_), data_.period(row_));
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
    const DistinctSet* distinct = nullptr;
    if (!data_.distinct.empty()) {  // most groups count nothing distinct: no lookup per row
      auto d = data_.distinct.find(state);
      if (d != data_.distinct.end()) distinct = &d->second;
    }
    return finish(data_.field_state(row_, k), distinct, s_.plan.group_field_aggregates[pg_.aggregates[k]].kind);
  }
  Value decision(uint32_t) override { return Value::missing(); }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override {
    return fmt::format("group `{}` of partner {}, period {}", pg_.name, s_.partner_name(data_.partner(row_)),
                       s_.periods.label(data_.period(row_)));
  }

 private:
  const State& s_;
  const plan::Group& pg_;
  const GroupData& data_;
  ledger::StringPool& pool_;
  size_t row_ = 0;
};

}  // namespace

GroupData make_group(const plan::Plan& plan, const plan::Group& g) {
  bool optional = false;
  std::vector<uint32_t> text_words;
  for (size_t k = 0; k < g.key_columns.size(); ++k) {
    const ledger::ColumnSpec& spec = plan.inputs[g.ledger].spec.columns[g.key_columns[k]];
    optional = optional || spec.optional;
    if (spec.kind == ledger::ColumnKind::Text) text_words.push_back(static_cast<uint32_t>(kGroupKeyColumns + k));
  }
  GroupData data;
  data.index = KeyIndex(kGroupKeyColumns + g.key_columns.size() + (optional ? 1 : 0), std::move(text_words));
  data.key_count = g.key_columns.size();
  data.agg_count = g.aggregates.size();
  return data;
}

AggState GroupData::field_state(size_t row, size_t f) const {
  if (!is_compact()) return states[row * agg_count + f];
  AggState st;
  if (!spilled.empty()) {
    if (auto it = spilled.find(row * agg_count + f); it != spilled.end()) st = it->second;
  }
  const CompactLayout& layout = *compact_layout;
  const CompactLayout::Field& field = layout.fields[f];
  const uint64_t* block = compact[row];
  uint32_t count = 0;
  std::memcpy(&count, reinterpret_cast<const char*>(block + layout.sums) + sizeof(uint32_t) * field.index, sizeof count);
  if (field.sum && count > 0) {
    const auto sum = static_cast<int64_t>(block[field.index]);
    if (st.value == 0 || st.scale == field.scale) {  // (what was kept aside has the field's scale)
      st.value += sum;
      st.scale = field.scale;
    } else if (auto exact = Decimal::add(st.sum(), Decimal::from_scaled(sum, field.scale))) {
      st.set_sum(*exact);
    } else {
      throw vm::EvalError("arithmetic overflow: the sum has more than 38 digits", field.where, "a group row's field");
    }
  }
  st.count += count;
  return st;
}

GroupPartitions make_group_partitions(const plan::Plan& plan, const plan::Group& g) {
  GroupPartitions partitions;
  for (GroupData& data : partitions) data = make_group(plan, g);
  return partitions;
}

Value group_key(const plan::Plan& plan, const plan::Group& g, const GroupData& data, size_t row, size_t c, ledger::StringPool& pool) {
  const ledger::ColumnSpec& spec = plan.inputs[g.ledger].spec.columns[g.key_columns[c]];
  const bool present = !spec.optional || ((data.index.key(row, data.index.width() - 1) >> c) & 1) != 0;
  if (present && spec.kind == ledger::ColumnKind::Text) return Value::integer(pool.intern(data.index.text(row, kGroupKeyColumns + c)));
  return cell_value(spec, data.index.key(row, kGroupKeyColumns + c), present);
}

namespace {

// Whether a comparison `op` holds of two values that compare as `c` (<0, 0, >0).
bool comparison_holds(plan::Opcode op, int c) {
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

// A test on a group row's field against a constant, one of the `and`-joined tests of a filter over group
// rows (`orders.count(where hardware_value > 0 USD and support_value > 0 USD)`), run without the VM.
struct FieldTest {
  uint32_t field = 0;  // as GroupField numbers them: keys, then fields
  plan::Opcode op = plan::Opcode::Eq;
  Value constant;
  bool holds(const Value& v) const {
    if (v.none) return false;  // the VM's comparison gives no value, and the row is not kept
    const int c = vm::compare(v, constant);
    return comparison_holds(op, c);
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

namespace {

// A test of a field that is a bare sum or count against a constant, on the field's state itself: the
// usual filter over group rows (`hardware_value > 0 USD`), without building a Value per row.
struct StateTest {
  size_t state = 0;  // the field's aggregate's index in the row
  bool count = false;  // a count (its value is the state's count), else a sum
  plan::Opcode op = plan::Opcode::Eq;
  Decimal constant;
  bool holds(const AggState& st) const {
    const Decimal v = count ? Decimal::from_int(static_cast<int64_t>(st.count)) : st.sum();
    const int c = Decimal::compare(v, constant);
    return comparison_holds(op, c);
  }
};

// What finishing one group needs to know of it, worked out once.
struct GroupPlan {
  std::vector<int> bare;   // per field: the index of the field's one aggregate in the row, or -1 (a formula)
  std::vector<uint32_t> over;  // the aggregates over the group's rows
  std::vector<std::optional<std::vector<FieldTest>>> fast_filters;  // their filters, when tests on fields
  // When every aggregate over the group is a plain count, or a sum of a field that is a bare count (the
  // hidden `(lines)` field a payout's line count sums, plan/line_counts.h), whose filter tests bare sums
  // and counts against constants (or has no filter): those tests, per aggregate. The rows need no frame then.
  std::optional<std::vector<std::vector<StateTest>>> direct;
  std::vector<int> summed;  // per aggregate over the group: the summed count field's index in the row, or -1 (a count)
};

// The bare count field a sum over the group adds up (its function is `GroupField f; Return`), as its index
// in the row, or -1.
int summed_count_field(const plan::Plan& plan, const plan::Group& pg, const GroupPlan& gp, const plan::Aggregate& agg) {
  if (agg.kind != plan::AggregateKind::Sum || agg.arg == plan::kNoFunction) return -1;
  const std::vector<plan::Instr>& code = plan.functions[agg.arg].code;
  if (code.size() != 2 || code[0].op != plan::Opcode::GroupField || code[1].op != plan::Opcode::Return) return -1;
  if (code[0].a < pg.key_columns.size()) return -1;
  const int bare = gp.bare[code[0].a - pg.key_columns.size()];
  if (bare < 0 || plan.group_field_aggregates[pg.aggregates[static_cast<size_t>(bare)]].kind != plan::AggregateKind::Count) return -1;
  return bare;
}

std::optional<std::vector<std::vector<StateTest>>> plan_direct(const plan::Plan& plan, const plan::Group& pg, GroupPlan& gp) {
  std::vector<std::vector<StateTest>> direct;
  gp.summed.assign(gp.over.size(), -1);
  for (size_t k = 0; k < gp.over.size(); ++k) {
    const plan::Aggregate& agg = plan.aggregates[gp.over[k]];
    gp.summed[k] = summed_count_field(plan, pg, gp, agg);
    if ((agg.kind != plan::AggregateKind::Count || agg.arg != plan::kNoFunction) && gp.summed[k] < 0) return std::nullopt;
    if (agg.filter != plan::kNoFunction && !gp.fast_filters[k]) return std::nullopt;
    std::vector<StateTest> tests;
    if (gp.fast_filters[k]) {
      for (const FieldTest& t : *gp.fast_filters[k]) {
        if (t.field < pg.key_columns.size() || t.constant.none) return std::nullopt;  // a key, or no value
        const int bare = gp.bare[t.field - pg.key_columns.size()];
        if (bare < 0) return std::nullopt;
        const plan::AggregateKind kind = plan.group_field_aggregates[pg.aggregates[static_cast<size_t>(bare)]].kind;
        if (kind != plan::AggregateKind::Sum && kind != plan::AggregateKind::Count) return std::nullopt;
        tests.push_back(StateTest{static_cast<size_t>(bare), kind == plan::AggregateKind::Count, t.op, t.constant.decimal()});
      }
    }
    direct.push_back(std::move(tests));
  }
  return direct;
}

GroupPlan plan_group(const plan::Plan& plan, uint32_t g) {
  const plan::Group& pg = plan.groups[g];
  GroupPlan gp;
  // A field that is one aggregate (`sales.sum(amount where ...)`, the usual case) is read from its
  // state directly; any other formula runs on the VM.
  gp.bare.assign(pg.field_values.size(), -1);
  for (size_t f = 0; f < pg.field_values.size(); ++f) {
    const std::vector<plan::Instr>& code = plan.functions[pg.field_values[f]].code;
    if (code.size() != 2 || code[0].op != plan::Opcode::Aggregate || code[1].op != plan::Opcode::Return) continue;
    for (size_t k = 0; k < pg.aggregates.size(); ++k) {
      if (pg.aggregates[k] == code[0].a) gp.bare[f] = static_cast<int>(k);
    }
  }
  for (uint32_t a = 0; a < plan.aggregates.size(); ++a) {
    if (!plan.aggregates[a].over_group || plan.aggregates[a].source != g) continue;
    gp.over.push_back(a);
    gp.fast_filters.push_back(plan.aggregates[a].filter == plan::kNoFunction ? std::nullopt : match_field_filter(plan, plan.aggregates[a].filter));
  }
  gp.direct = plan_direct(plan, pg, gp);
  return gp;
}

// A kept row into a direct aggregate's state: accumulate() of a count, or of a sum of a count field (an
// integer, never none: the sum at scale 0, and one more value).
inline void add_direct(AggState& st, int summed, uint64_t field_count) {
  if (summed >= 0) st.value += field_count;
  ++st.count;
}

// The direct tests of the aggregates over a group on one row's fields, as states.
template <class States>
void count_direct_row(const GroupPlan& gp, const GroupData& data, size_t row, size_t cell, const States& state) {
  for (size_t k = 0; k < gp.over.size(); ++k) {
    bool keep = true;
    for (const StateTest& t : (*gp.direct)[k]) keep = keep && t.holds(data.field_state(row, t.state));
    if (keep) add_direct(*state(cell, gp.over[k]).first, gp.summed[k], gp.summed[k] < 0 ? 0 : data.field_state(row, static_cast<size_t>(gp.summed[k])).count);
  }
}

// finish_rows' direct tests on rows kept compact: each test reads its field's word in the row's block,
// as field_state would (a sum with no line is 0 either way), without building the field's state. The
// few rows with words kept aside (orders met in more than one piece of the ledger) go through their states.
template <class States>
void finish_compact_rows(const State& s, const GroupPlan& gp, const GroupData& data, const std::vector<uint8_t>& skipped,
                         const States& state) {
  struct WordTest {
    bool count;
    uint32_t index;  // among the block's sums (a sum) or its uint32 counts (a count)
    int16_t scale;
    plan::Opcode op;
    Decimal constant;
    // The constant at the word's scale, when it has no more places and fits: the test is then whether
    // the word is within [lo, hi] (or not, for `!=`), two compares of int64s without a branch
    // (`hardware_value > 0 USD`: [1, INT64_MAX]).
    std::optional<int64_t> at_scale;
    int64_t lo = 0, hi = -1;
    bool negate = false;
    void set_range() {
      if (!at_scale) return;
      const int64_t c = *at_scale;
      constexpr int64_t kMin = INT64_MIN, kMax = INT64_MAX;
      switch (op) {
        case plan::Opcode::Eq: lo = hi = c; break;
        case plan::Opcode::Ne: lo = hi = c, negate = true; break;
        case plan::Opcode::Lt: c == kMin ? (lo = 0, hi = -1) : (lo = kMin, hi = c - 1); break;  // (nothing is below INT64_MIN)
        case plan::Opcode::Le: lo = kMin, hi = c; break;
        case plan::Opcode::Gt: c == kMax ? (lo = 0, hi = -1) : (lo = c + 1, hi = kMax); break;
        case plan::Opcode::Ge: lo = c, hi = kMax; break;
        default: at_scale.reset();  // (not a comparison: the general compare, which keeps no row)
      }
    }
    bool holds(int64_t word) const {
      if (!at_scale) return comparison_holds(op, Decimal::compare(Decimal::from_scaled(word, count ? 0 : scale), constant));
      return (static_cast<unsigned>(word >= lo) & static_cast<unsigned>(word <= hi)) != static_cast<unsigned>(negate);
    }
  };
  const auto at_scale = [](const Decimal& constant, int scale) -> std::optional<int64_t> {
    if (constant.scale() > scale) return std::nullopt;
    Int128 v = constant.coefficient();
    for (int k = constant.scale(); k < scale; ++k) {
      v *= 10;
      if (v > INT64_MAX || v < INT64_MIN) return std::nullopt;
    }
    if (v > INT64_MAX || v < INT64_MIN) return std::nullopt;
    return static_cast<int64_t>(v);
  };
  const CompactLayout& layout = *data.compact_layout;
  std::vector<std::vector<WordTest>> tests;
  for (const std::vector<StateTest>& over : *gp.direct) {
    std::vector<WordTest>& mine = tests.emplace_back();
    for (const StateTest& t : over) {
      const CompactLayout::Field& field = layout.fields[t.state];
      mine.push_back(WordTest{t.count, field.index, field.scale, t.op, t.constant, at_scale(t.constant, t.count ? 0 : field.scale)});
      mine.back().set_range();
    }
  }
  std::vector<size_t> aside;  // the rows with words kept aside, in order
  for (const auto& [state_index, st] : data.spilled) aside.push_back(state_index / data.agg_count);
  std::sort(aside.begin(), aside.end());
  aside.erase(std::unique(aside.begin(), aside.end()), aside.end());
  size_t next_aside = 0;
  for (size_t row = 0; row < data.rows(); ++row) {
    if (!skipped.empty() && skipped[row]) continue;
    const size_t cell = s.cell(data.partner(row), data.period(row));
    while (next_aside < aside.size() && aside[next_aside] < row) ++next_aside;
    if (next_aside < aside.size() && aside[next_aside] == row) {
      count_direct_row(gp, data, row, cell, state);
      continue;
    }
    const uint64_t* block = data.compact[row];
    const char* counts = reinterpret_cast<const char*>(block + layout.sums);
    for (size_t k = 0; k < gp.over.size(); ++k) {
      bool keep = true;
      for (const WordTest& t : tests[k]) {
        int64_t word;
        if (t.count) {
          uint32_t count = 0;
          std::memcpy(&count, counts + sizeof(uint32_t) * t.index, sizeof count);
          word = count;
        } else {
          word = static_cast<int64_t>(block[t.index]);
        }
        keep &= t.holds(word);
      }
      if (!keep) continue;
      uint32_t field_count = 0;
      if (gp.summed[k] >= 0) std::memcpy(&field_count, counts + sizeof(uint32_t) * layout.fields[static_cast<size_t>(gp.summed[k])].index, sizeof field_count);
      add_direct(*state(cell, gp.over[k]).first, gp.summed[k], field_count);
    }
  }
}

// The rows of one segment of a partition of group `g` (MergedPartition), row by row but the skipped ones:
// the row's fields, then its contribution to every aggregate over the group, into `state(cell, aggregate)`.
template <class States>
void finish_segment(const State& s, uint32_t g, const GroupPlan& gp, const GroupData& data, const std::vector<uint8_t>& skipped,
                    vm::Executor& machine, ledger::StringPool& pool, const States& state) {
  const plan::Plan& plan = s.plan;
  const plan::Group& pg = plan.groups[g];
  auto skips = [&skipped](size_t row) { return !skipped.empty() && skipped[row]; };
  if (gp.direct && data.distinct.empty() && data.is_compact()) {
    finish_compact_rows(s, gp, data, skipped, state);
    return;
  }
  if (gp.direct && data.distinct.empty()) {
    for (size_t row = 0; row < data.rows(); ++row) {
      if (!skips(row)) count_direct_row(gp, data, row, s.cell(data.partner(row), data.period(row)), state);
    }
    return;
  }
  GroupRowFrame frame(s, g, data, pool);
  for (size_t row = 0; row < data.rows(); ++row) {
    if (skips(row)) continue;
    frame.at(row);
    frame.fields.clear();
    for (size_t f = 0; f < pg.field_values.size(); ++f) {
      frame.fields.push_back(gp.bare[f] < 0 ? machine.run(pg.field_values[f], frame) : frame.field_aggregate(static_cast<size_t>(gp.bare[f])));
    }
    const size_t cell = s.cell(data.partner(row), data.period(row));
    for (size_t k = 0; k < gp.over.size(); ++k) {
      const uint32_t a = gp.over[k];
      const plan::Aggregate& agg = plan.aggregates[a];
      if (gp.fast_filters[k]) {
        bool keep = true;
        for (const FieldTest& t : *gp.fast_filters[k]) keep = keep && t.holds(frame.group_field(t.field));
        if (!keep) continue;
      } else if (agg.filter != plan::kNoFunction) {
        Value keep = machine.run(agg.filter, frame);
        if (keep.none || !keep.truthy()) continue;
      }
      Value v = agg.arg == plan::kNoFunction ? Value::integer(1) : machine.run(agg.arg, frame);
      auto [st, distinct] = state(cell, a);
      accumulate(*st, distinct, agg, v, frame);
    }
  }
}

// The rows of one partition of group `g`, segment by segment.
template <class States>
void finish_partition(const State& s, uint32_t g, const GroupPlan& gp, const MergedPartition& partition, vm::Executor& machine,
                      ledger::StringPool& pool, const States& state) {
  for (size_t k = 0; k < partition.segments.size(); ++k) finish_segment(s, g, gp, partition.segments[k], partition.skipped[k], machine, pool, state);
}

// The groups some aggregate over which is read over a window of several periods: through year_to_date
// (of a measure, or of a measure over shifted ones) in a program of more than one period a year.
std::vector<uint8_t> windowed_groups(const plan::Plan& plan, int per_year) {
  std::vector<uint8_t> out(plan.groups.size(), 0);
  if (per_year == 1) return out;  // a year to date is the year itself: one period
  std::vector<uint8_t> visited(plan.functions.size() * 2, 0);  // by function and whether the window is wide
  std::function<void(plan::FunctionId, bool)> visit = [&](plan::FunctionId f, bool wide) {
    if (f == plan::kNoFunction || visited[f * 2 + wide]) return;
    visited[f * 2 + wide] = 1;
    for (const plan::Instr& in : plan.functions[f].code) {
      if (in.op == plan::Opcode::Aggregate) {
        const plan::Aggregate& agg = plan.aggregates[in.a];
        if (wide && agg.over_group) out[agg.source] = 1;
      } else if (in.op == plan::Opcode::Measure || in.op == plan::Opcode::Shifted) {
        const plan::Measure& m = plan.measures[in.a];
        const bool widens = in.op == plan::Opcode::Shifted && in.b == 2;  // year_to_date
        for (plan::FunctionId part : {m.value, m.cap, m.floor}) visit(part, wide || widens);
      } else if (in.op == plan::Opcode::Decision) {
        visit(plan.decisions[in.a].value, wide);
      }
    }
  };
  // A group's field functions are PartnerPeriod functions too, but their Aggregate operands index the
  // group's own aggregates (Plan::group_field_aggregates), not the program's: they are not visited.
  std::vector<uint8_t> field_function(plan.functions.size(), 0);
  for (const plan::Group& g : plan.groups) {
    for (plan::FunctionId f : g.field_values) field_function[f] = 1;
  }
  for (plan::FunctionId f = 0; f < plan.functions.size(); ++f) {
    if (plan.functions[f].kind == plan::FunctionKind::PartnerPeriod && !field_function[f]) visit(f, false);
  }
  // A rebate settled over the year to date reads its clauses over the year so far.
  for (const plan::Rebate& r : plan.rebates) {
    if (r.payments == UINT32_MAX || !r.settle_year_to_date) continue;
    for (plan::FunctionId f : plan::rebate_functions(r)) visit(f, true);
  }
  return out;
}

}  // namespace

void finish_groups(State& s) {
  const plan::Plan& plan = s.plan;
  s.group_windowed = windowed_groups(plan, s.periods.per_year());
  for (uint32_t g = 0; g < plan.groups.size(); ++g) {
    const GroupPlan gp = plan_group(plan, g);
    // The aggregates over the group are added up in states of the finish's own, a cell's side by side,
    // then into the State's: a row's cell is anywhere, and the State's cells (a block of every aggregate
    // of the program) are many megabytes, these a few. Not for a count_distinct, whose sets keep text ids
    // that each thread would intern its own way.
    bool into_own = true;
    for (uint32_t a : gp.over) into_own = into_own && plan.aggregates[a].kind != plan::AggregateKind::CountDistinct;
    if (!into_own) {
      auto into_state = [&s](size_t cell, uint32_t a) { return std::pair{&s.aggregates.at(cell, a), s.aggregates.distinct_at(cell, a)}; };
      for (size_t q = 0; q < kGroupPartitions; ++q) finish_partition(s, g, gp, s.groups[g][q], *s.machine, s.pool, into_state);
      continue;
    }
    const size_t slots = gp.over.size();
    std::vector<size_t> slot_of(plan.aggregates.size(), 0);
    for (size_t k = 0; k < slots; ++k) slot_of[gp.over[k]] = k;
    // The partitions are tasks on the run's threads, each finished by one of them. What a thread adds
    // up goes into states of its own (the sums are exact: added into the State's in any order, the same);
    // texts a formula reads from the keys are interned in a pool of the thread's own over the State's;
    // each thread has its own executor. The partitions without rows are no tasks.
    const size_t threads = std::max<size_t>(1, static_cast<size_t>(tbb::this_task_arena::max_concurrency()));
    struct Worker {
      std::vector<AggState> local;
      std::unique_ptr<ledger::StringPool> pool;
      std::unique_ptr<vm::Executor> machine;
    };
    std::vector<Worker> workers(threads);
    std::vector<size_t> busy;
    for (size_t q = 0; q < kGroupPartitions; ++q) {
      if (!s.groups[g][q].empty()) busy.push_back(q);
    }
    for_each_task(busy.size(), [&](size_t task) {
      const size_t q = busy[task];
      // (A thread's slot in the arena picks its worker; with one task, whichever thread runs it uses the first.)
      const int slot = tbb::this_task_arena::current_thread_index();
      Worker& w = workers[busy.size() > 1 && slot >= 0 && static_cast<size_t>(slot) < workers.size() ? static_cast<size_t>(slot) : 0];
      // Made by the thread that uses it, on its first task: its states (cells x slots, megabytes for many
      // partners) are zeroed, and their pages faulted in, on every thread at once rather than one by one
      // before the tasks start.
      if (!w.machine) {
        w.local.assign(s.aggregates.cells() * slots, AggState());
        w.pool = std::make_unique<ledger::StringPool>(&s.pool);
        w.machine = s.engine.executor();
      }
      auto into_local = [base = w.local.data(), &slot_of, slots](size_t cell, uint32_t a) {
        return std::pair{base + cell * slots + slot_of[a], static_cast<DistinctSet*>(nullptr)};
      };
      finish_partition(s, g, gp, s.groups[g][q], *w.machine, *w.pool, into_local);
      if (!s.group_windowed[g]) s.groups[g][q] = MergedPartition();  // its memory given back by the thread that used it
    });
    std::vector<std::vector<AggState>> local;
    for (Worker& w : workers) {
      if (!w.local.empty()) local.push_back(std::move(w.local));
    }
    // Added into the State's cells, a range of cells per thread.
    const size_t cells = s.aggregates.cells();
    for_each_task(local.empty() ? 0 : threads, [&](size_t t) {
      for (const std::vector<AggState>& from : local) {
        for (size_t cell = cells * t / threads; cell < cells * (t + 1) / threads; ++cell) {
          for (size_t k = 0; k < slots; ++k) merge_state(s.aggregates.at(cell, gp.over[k]), from[cell * slots + k], plan.aggregates[gp.over[k]]);
        }
      }
    });
  }
  // The aggregates over them are all there is to keep, but for the groups a window of several periods
  // reads: evaluation forms those windows' groups again from the rows (window_group_aggregate).
  s.group_rows.assign(plan.groups.size(), {});
  for (uint32_t g = 0; g < plan.groups.size(); ++g) {
    if (!s.group_windowed[g]) {
      s.groups[g] = MergedGroup();
      continue;
    }
    std::vector<std::vector<State::GroupRowRef>>& of = s.group_rows[g];
    of.assign(s.partner_ids.size(), {});
    for (uint32_t q = 0; q < kGroupPartitions; ++q) {
      const MergedPartition& partition = s.groups[g][q];
      for (uint32_t k = 0; k < partition.segments.size(); ++k) {
        const GroupData& data = partition.segments[k];
        for (size_t row = 0; row < data.rows(); ++row) {
          if (!partition.skips(k, row)) of[data.partner(row)].push_back(State::GroupRowRef{q, k, row});
        }
      }
    }
  }
}

}  // namespace rebate::engine
