// A cell's evaluation context: one partner over a window of periods, its measures memoised, as the VM
// sees it (a vm::Frame). Used by the cell evaluation (cell_evaluator.h) and the explanations' trace (trace.cpp).
// Internal to the engine.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/state.h"
#include "plan/windows.h"

namespace rebate::engine {

// A window of periods: [first, last]. Most evaluations use one period; look-backs shift it, and
// `year_to_date` widens it to the start of the year (plan/windows.h). Aggregates over a window merge
// their periods.
using Window = plan::PeriodWindow;

// The measures' values in one cell, by window and measure. A cell reads a handful of windows (its period,
// the previous one, last year's, the year to date), so a window is found by a linear search and its
// measures are a dense block: no string, no tree, no allocation once the first cells have sized it.
class MeasureMemo {
 public:
  explicit MeasureMemo(size_t measures) : measures_(measures) {}

  // Forgets the previous cell's values (keeping the memory).
  void clear() {
    std::fill(known_.begin(), known_.begin() + static_cast<std::ptrdiff_t>(windows_.size() * measures_), 0);
    windows_.clear();
  }
  // The first slot of window `w`'s block, adding the window when it is new: measure m's slot is the
  // block's + m. A frame finds its window's block once, so that reading a measure is an index. A slot
  // is an index, not a pointer: evaluating a measure may add windows and move the values.
  size_t block(Window w) {
    size_t k = static_cast<size_t>(std::find(windows_.begin(), windows_.end(), w) - windows_.begin());
    if (k == windows_.size()) {
      windows_.push_back(w);
      if (known_.size() < windows_.size() * measures_) {
        known_.resize(windows_.size() * measures_, 0);
        values_.resize(windows_.size() * measures_);
      }
    }
    return k * measures_;
  }
  bool known(size_t slot) const { return known_[slot] != 0; }
  const Value& value(size_t slot) const { return values_[slot]; }
  void store(size_t slot, const Value& v) {
    values_[slot] = v;
    known_[slot] = 1;
  }

 private:
  size_t measures_;
  std::vector<Window> windows_;
  std::vector<Value> values_;
  std::vector<uint8_t> known_;
};

// Whether function `f` reads nothing of the period: no measure, aggregate or period, only constants,
// the partner's attributes and id, and decisions that read no more. Such a function has one value per
// partner.
inline bool reads_only_partner(const plan::Plan& plan, plan::FunctionId f, std::vector<uint8_t>& seen) {
  if (seen[f]) return true;  // being looked at further up, or already found to read only the partner
  seen[f] = 1;
  for (const plan::Instr& in : plan.functions[f].code) {
    switch (in.op) {
      case plan::Opcode::Measure:
      case plan::Opcode::Shifted:
      case plan::Opcode::Aggregate:
      case plan::Opcode::Period:
      case plan::Opcode::Column:
      case plan::Opcode::Lookup:
      case plan::Opcode::GroupField:
        return false;
      case plan::Opcode::Decision:
        if (!reads_only_partner(plan, plan.decisions[in.a].value, seen)) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

// What one thread evaluates cells with: its own VM (a Machine's stack is not shared between threads)
// and its own memo, over the run's read-only state.
struct CellContext {
  explicit CellContext(const State& state)
      : s(state), machine(state.engine.executor()), memo(state.plan.measures.size()),
        texts(std::make_unique<ledger::StringPool>(&state.pool)) {
    const plan::Plan& plan = state.plan;
    for (const plan::Decision& d : plan.decisions) {
      std::vector<uint8_t> seen(plan.functions.size(), 0);
      // With a partner history (§28) the partner's attributes change with the period: worked out each time.
      per_partner.push_back(!state.history.on() && reads_only_partner(plan, d.value, seen));
    }
    decided_for.assign(plan.decisions.size(), UINT32_MAX);
    decided.resize(plan.decisions.size());
  }
  const State& s;
  std::unique_ptr<vm::Executor> machine;
  MeasureMemo memo;
  // The texts the cells' formulas make (`upper(partner.name)`), on the run's pool, which does not change
  // while cells are evaluated; an award's or a metric's text is read from here (vm::Frame::texts).
  std::unique_ptr<ledger::StringPool> texts;
  Coverage* coverage = nullptr;  // counting what the cells reach (`rebate test --coverage`), or null
  // Decisions that read only the partner (a region and level table) are worked out once per cell, for
  // every rebate of the cell that reads them (cells come period by period since payouts are streamed,
  // so a partner's next cell is a batch away; keeping its value that long would be memory per partner).
  // An error is not kept: the next cell runs the decision again and meets it again.
  std::vector<bool> per_partner;        // by decision
  std::vector<uint32_t> decided_for;    // by decision: the partner `decided` holds the value of (UINT32_MAX: none)
  std::vector<Value> decided;
};

class PartnerFrame : public vm::Frame {
 public:
  // `block`: the window's block in the memo (MeasureMemo::block).
  PartnerFrame(CellContext& c, uint32_t partner, Window w, size_t block)
      : c_(c), s_(c.s), partner_(partner), window_(w), block_(block) {
    fx_ = &s_.fx;
    texts_ = c.texts.get();
  }

  Value column(uint32_t) override { return Value::missing(); }
  Value lookup(uint32_t, uint32_t) override { return Value::missing(); }
  Value group_field(uint32_t) override { return Value::missing(); }
  Value partner_attr(uint32_t c) override {
    uint32_t row = s_.partner_row_in(partner_, window_.last);  // a window over several periods: its last one's (§28)
    return row == UINT32_MAX ? Value::missing() : s_.cell_value(s_.plan.partner_table, c, row);
  }
  Value partner_id() override { return Value::integer(s_.partner_ids[partner_]); }
  Value period() override {
    Value v = Value::integer(s_.periods.first_day(window_.last));
    v.aux = s_.periods.last_day(window_.last);
    return v;
  }
  Value measure(uint32_t m) override {
    const size_t slot = block_ + m;
    if (c_.memo.known(slot)) return c_.memo.value(slot);
    return compute(m, window_, slot);
  }
  // The window a `Shifted` instruction's shift `b` reads: 0 the previous period, 1 last year's, 2 the year to date.
  Window shifted_window(uint32_t shift) const { return plan::shift_window(window_, shift, s_.periods.per_year()); }
  Window window() const { return window_; }
  uint32_t partner() const { return partner_; }
  Value shifted(uint32_t m, uint32_t shift) override {
    const Window w = shifted_window(shift);
    const size_t slot = c_.memo.block(w) + m;
    if (c_.memo.known(slot)) return c_.memo.value(slot);
    return compute(m, w, slot);
  }
  Value aggregate(uint32_t a) override {
    const plan::Aggregate& agg = s_.plan.aggregates[a];
    const CellStates& table = s_.aggregates;
    if (window_.first == window_.last) {
      // One period (the common case): its state is the merged state.
      size_t cell = s_.cell(partner_, window_.first);
      if (cell == SIZE_MAX) return finish(AggState{}, nullptr, agg.kind);  // before the first line of data
      return finish(table.at(cell, a), table.distinct_at(cell, a), agg.kind);
    }
    // Over a group, the window's groups are formed again from all its lines (docs/language.md §8).
    if (agg.over_group && !s_.group_windowed.empty() && s_.group_windowed[agg.source]) return window_group_aggregate(s_, a, partner_, window_.first, window_.last, *c_.machine);
    AggState merged;
    bool extremum = agg.kind == plan::AggregateKind::Min || agg.kind == plan::AggregateKind::Max;
    DistinctSet distinct;
    for (PeriodIndex p = window_.first; p <= window_.last; ++p) {
      size_t cell = s_.cell(partner_, p);
      if (cell == SIZE_MAX) continue;  // before the first line of data: nothing there
      const AggState& st = table.at(cell, a);
      merged.count += st.count;
      if (extremum) {
        if (st.has_best) {
          int c = merged.has_best ? vm::compare(st.best(), merged.best()) : 0;
          if (!merged.has_best || (agg.kind == plan::AggregateKind::Min ? c < 0 : c > 0)) merged.set_best(st.best());
        }
      } else {
        std::optional<Decimal> sum = Decimal::add(merged.sum(), total(st));
        // Past 38 digits over the window: an error, never the periods before it alone.
        if (!sum) throw vm::EvalError("arithmetic overflow adding up the window's periods", agg.where, context());
        merged.set_sum(*sum);
      }
      if (const DistinctSet* d = table.distinct_at(cell, a)) distinct.insert(d->begin(), d->end());
    }
    return finish(merged, &distinct, agg.kind);
  }
  Value decision(uint32_t d) override {
    if (c_.coverage) {
      // Which row matched, asked after the value so that an error is the value's; each use counts.
      Value v = c_.machine->run(s_.plan.decisions[d].value, *this);
      const plan::Decision& pd = s_.plan.decisions[d];
      if (pd.row != plan::kNoFunction) {
        const Value row = c_.machine->run(pd.row, *this);
        if (!row.none && row.coef >= 0 && static_cast<size_t>(row.coef) < c_.coverage->decision_rows[d].size()) {
          ++c_.coverage->decision_rows[d][static_cast<size_t>(row.coef)];
        }
      }
      return v;
    }
    if (!c_.per_partner[d]) return c_.machine->run(s_.plan.decisions[d].value, *this);
    if (c_.decided_for[d] != partner_) {
      c_.decided[d] = c_.machine->run(s_.plan.decisions[d].value, *this);
      c_.decided_for[d] = partner_;
    }
    return c_.decided[d];
  }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override {
    return fmt::format("partner {}, period {}", s_.partner_name(partner_), s_.periods.label(window_.last));
  }

  Value run(plan::FunctionId f) { return c_.machine->run(f, *this); }
  // A condition's value; a condition without one is an error.
  bool holds(plan::FunctionId f, uint32_t where) {
    Value v = run(f);
    if (v.none) throw vm::EvalError("this condition has no value", where, context());
    return v.truthy();
  }

 private:
  // Measure `m` over window `w`, not known yet: its value within its limits, kept in memo slot `slot`.
  // Not inlined: reading a known measure (most reads) stays a few instructions.
  [[gnu::noinline]] Value compute(uint32_t m, Window w, size_t slot) {
    PartnerFrame inner(c_, partner_, w, slot - m);
    const plan::Measure& pm = s_.plan.measures[m];
    Value v = c_.machine->run(pm.value, inner);
    if (!v.none && pm.cap != plan::kNoFunction) {
      Value cap = c_.machine->run(pm.cap, inner);
      if (!cap.none && vm::compare(v, cap) > 0) v = cap;
    }
    if (!v.none && pm.floor != plan::kNoFunction) {
      Value floor = c_.machine->run(pm.floor, inner);
      if (!floor.none && vm::compare(v, floor) < 0) v = floor;
    }
    c_.memo.store(slot, v);
    return v;
  }

  CellContext& c_;
  const State& s_;
  uint32_t partner_;
  Window window_;
  size_t block_;
};

}  // namespace rebate::engine
