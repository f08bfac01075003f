// Per partner and period (a cell): measures (memoised, with look-backs over shifted windows), decision
// tables, rebates clause by clause with their explanation; then budgets, awards and totals.
//
// Cells are independent of one another: they read the scan's aggregates and write only their own
// payouts and awards. So partners are evaluated on several threads (evaluate_parallel.cpp), each cell's
// payouts written straight to their place in the results; the program-wide steps (budgets, totals) then
// run period by period on one thread, as before.
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>

#include "engine/evaluate_parallel.h"
#include "engine/phase_clock.h"
#include "engine/report.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

// A window of periods: [first, last]. Most evaluations use one period; look-backs shift it, and
// `year_to_date` widens it to the start of the year. Aggregates over a window merge their periods.
struct Window {
  PeriodIndex first;
  PeriodIndex last;
  bool operator==(const Window& o) const { return first == o.first && last == o.last; }
};

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
bool reads_only_partner(const plan::Plan& plan, plan::FunctionId f, std::vector<uint8_t>& seen) {
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
  explicit CellContext(const State& state) : s(state), machine(state.plan), memo(state.plan.measures.size()) {
    const plan::Plan& plan = state.plan;
    for (const plan::Decision& d : plan.decisions) {
      std::vector<uint8_t> seen(plan.functions.size(), 0);
      per_partner.push_back(reads_only_partner(plan, d.value, seen));
    }
    decided_for.assign(plan.decisions.size(), UINT32_MAX);
    decided.resize(plan.decisions.size());
  }
  const State& s;
  vm::Machine machine;
  MeasureMemo memo;
  // Decisions that read only the partner (a region and level table) are worked out once per partner:
  // a thread evaluates a partner's periods one after the other. An error is not kept: the next period
  // runs the decision again and meets it again.
  std::vector<bool> per_partner;        // by decision
  std::vector<uint32_t> decided_for;    // by decision: the partner `decided` holds the value of (UINT32_MAX: none)
  std::vector<Value> decided;
};

class PartnerFrame : public vm::Frame {
 public:
  // `block`: the window's block in the memo (MeasureMemo::block).
  PartnerFrame(CellContext& c, uint32_t partner, Window w, size_t block)
      : c_(c), s_(c.s), partner_(partner), window_(w), block_(block) {}

  Value column(uint32_t) override { return Value::missing(); }
  Value lookup(uint32_t, uint32_t) override { return Value::missing(); }
  Value group_field(uint32_t) override { return Value::missing(); }
  Value partner_attr(uint32_t c) override {
    uint32_t row = s_.partner_row[partner_];
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
  Value shifted(uint32_t m, uint32_t shift) override {
    Window w = window_;
    if (shift == 0) {
      w = Window{w.first - 1, w.last - 1};
    } else if (shift == 1) {
      w = Window{w.first - s_.periods.per_year(), w.last - s_.periods.per_year()};
    } else {
      w = Window{s_.periods.year_start(w.last), w.last};
    }
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
        merged.set_sum(Decimal::add(merged.sum(), total(st)).value_or(merged.sum()));
      }
      if (const DistinctSet* d = table.distinct_at(cell, a)) distinct.insert(d->begin(), d->end());
    }
    return finish(merged, &distinct, agg.kind);
  }
  Value decision(uint32_t d) override {
    if (!c_.per_partner[d]) return c_.machine.run(s_.plan.decisions[d].value, *this);
    if (c_.decided_for[d] != partner_) {
      c_.decided[d] = c_.machine.run(s_.plan.decisions[d].value, *this);
      c_.decided_for[d] = partner_;
    }
    return c_.decided[d];
  }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override {
    return fmt::format("partner {}, period {}", s_.partner_name(partner_), s_.periods.label(window_.last));
  }

  Value run(plan::FunctionId f) { return c_.machine.run(f, *this); }
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
    Value v = c_.machine.run(pm.value, inner);
    if (!v.none && pm.cap != plan::kNoFunction) {
      Value cap = c_.machine.run(pm.cap, inner);
      if (!cap.none && vm::compare(v, cap) > 0) v = cap;
    }
    if (!v.none && pm.floor != plan::kNoFunction) {
      Value floor = c_.machine.run(pm.floor, inner);
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

// "61,200.00 USD", for the steps of an explanation.
std::string money(const Decimal& d, int places, const std::string& currency) {
  std::string out;
  append_fixed(out, d, places);
  out = grouped(out);
  out += ' ';
  out += currency;
  return out;
}

// The aggregates a measure reads, directly or through other measures and decisions.
void collect_aggregates(const plan::Plan& plan, plan::FunctionId f, std::vector<uint32_t>& out, std::vector<bool>& seen_fn) {
  if (f == plan::kNoFunction || seen_fn[f]) return;
  seen_fn[f] = true;
  for (const plan::Instr& in : plan.functions[f].code) {
    switch (in.op) {
      case plan::Opcode::Aggregate:
        if (std::find(out.begin(), out.end(), in.a) == out.end()) out.push_back(in.a);
        break;
      case plan::Opcode::Measure:
      case plan::Opcode::Shifted:
        collect_aggregates(plan, plan.measures[in.a].value, out, seen_fn);
        break;
      case plan::Opcode::Decision:
        collect_aggregates(plan, plan.decisions[in.a].value, out, seen_fn);
        break;
      default:
        break;
    }
  }
}

// What a rebate's payouts need that is the same in every cell, worked out once per run.
struct RebateFacts {
  std::vector<uint32_t> aggregates;  // the aggregates its payout reads: their lines are counted
  std::vector<uint32_t> shown;       // the measures its explanation shows: the conditions', then the payout's
};

RebateFacts rebate_facts(const plan::Plan& plan, const plan::Rebate& pr) {
  RebateFacts f;
  std::vector<bool> seen(plan.functions.size(), false);
  collect_aggregates(plan, pr.pay.value, f.aggregates, seen);
  auto show = [&](uint32_t m) {
    if (std::find(f.shown.begin(), f.shown.end(), m) == f.shown.end()) f.shown.push_back(m);
  };
  for (const auto* conds : {&pr.eligible, &pr.require}) {
    for (const plan::Condition& c : *conds) {
      for (uint32_t m : c.measures) show(m);
    }
  }
  for (uint32_t m : pr.pay_measures) show(m);
  return f;
}

// Every band's text, by tier table: "from 100_000 USD to 500_000 USD".
std::vector<std::vector<std::string>> band_texts(const plan::Plan& plan) {
  std::vector<std::vector<std::string>> texts;
  for (const plan::Tiers& t : plan.tiers) {
    std::vector<std::string>& bands = texts.emplace_back();
    for (const plan::TierBand& b : t.bands) {
      bands.push_back(digits_grouped(b.upper ? fmt::format("from {} to {}", b.lower_text, b.upper_text) : fmt::format("from {}", b.lower_text)));
    }
  }
  return texts;
}

enum class Status { Paid, NotEligible, GateNotMet, ConditionNotMet, Zero };

// Static, as a payout's texts must outlive it (TextRef).
const std::string& status_text(Status status) {
  static const std::string paid = "paid", not_eligible = "not eligible", gate_not_met = "gate not met",
                           condition_not_met = "condition not met", zero = "zero";
  switch (status) {
    case Status::Paid: return paid;
    case Status::NotEligible: return not_eligible;
    case Status::GateNotMet: return gate_not_met;
    case Status::ConditionNotMet: return condition_not_met;
    case Status::Zero: return zero;
  }
  return zero;
}

// Evaluates cells: one partner in one period, every rebate and award. One per thread.
// The texts payouts point to, kept in the run's TextStore before the cells are evaluated on several
// threads (the store is not shared between threads while they run).
struct PayoutTexts {
  std::vector<TextRef> partners;   // by partner
  std::vector<TextRef> periods;    // by run period
  std::vector<TextRef> names, titles;  // by rebate
  std::vector<std::vector<TextRef>> bands;  // by tier table and band
  std::vector<TextRef> locations;  // by plan location: the clauses quoted as reasons
};

PayoutTexts payout_texts(const State& s, const std::vector<std::string>& labels) {
  TextStore& store = *s.result.texts;
  PayoutTexts t;
  for (uint32_t partner : s.partner_ids) t.partners.push_back(store.keep(s.pool.text(partner)));
  for (const std::string& label : labels) t.periods.push_back(store.keep(label));
  for (const plan::Rebate& r : s.plan.rebates) {
    t.names.push_back(store.keep(r.name));
    t.titles.push_back(store.keep(r.title));
  }
  for (const std::vector<std::string>& bands : band_texts(s.plan)) {
    t.bands.emplace_back();
    for (const std::string& b : bands) t.bands.back().push_back(store.keep(b));
  }
  for (const plan::Location& l : s.plan.locations) t.locations.push_back(store.keep(l.text));
  return t;
}

class CellEvaluator {
 public:
  CellEvaluator(const State& s, const std::vector<RebateFacts>& rebates, const PayoutTexts& texts)
      : s_(s), plan_(s.plan), rebates_(rebates), texts_(texts), context_(s) {}

  // Fills the cell's payouts, one per rebate in the program's order, and appends its awards. The steps
  // run in the order of the sequential engine, so that the first runtime error is the same.
  // `p`: the period's index among the run's periods.
  void evaluate(size_t p, const std::string& label, uint32_t partner, Payout* payouts, std::vector<AwardValue>& awards) {
    const PeriodIndex period = s_.run_periods[p];
    context_.memo.clear();
    const Window window{period, period};
    PartnerFrame frame(context_, partner, window, context_.memo.block(window));
    size_t cell = s_.cell(partner, period);
    for (size_t r = 0; r < plan_.rebates.size(); ++r) {
      Payout& out = payouts[r];
      out.partner = texts_.partners[partner];
      out.period = texts_.periods[p];
      rebate(frame, r, cell, out);
    }
    award(frame, period, label, partner, awards);
  }

 private:
  // `cell`: the partner and period's cell in the aggregates (SIZE_MAX: none).
  void rebate(PartnerFrame& frame, size_t r, size_t cell, Payout& out) {
    const plan::Rebate& pr = plan_.rebates[r];
    out.rebate = texts_.names[r];
    out.title = texts_.titles[r];
    Status status = Status::Paid;
    check(frame, pr.eligible, Status::NotEligible, status, out);
    check(frame, pr.require, Status::GateNotMet, status, out);
    explain(frame, r, cell, out);
    out.set_amount(status == Status::Paid ? amount(frame, pr, status, out) : Decimal());
    out.status = status_text(status);
  }

  // The first condition that does not hold decides the status, and its text is the reason.
  void check(PartnerFrame& frame, const std::vector<plan::Condition>& conditions, Status failed, Status& status, Payout& out) {
    for (const plan::Condition& c : conditions) {
      if (status == Status::Paid && !frame.holds(c.test, c.where)) {
        status = failed;
        out.reason = texts_.locations[c.where];
      }
    }
  }

  // The measures the conditions and the payout read (with explanations only), the lines behind them,
  // the basis and, for a tier table, the band reached and the distance to the next one.
  void explain(PartnerFrame& frame, size_t r, size_t cell, Payout& out) {
    const plan::Rebate& pr = plan_.rebates[r];
    const RebateFacts& facts = rebates_[r];
    if (s_.options.explanations) {
      out.explain().measures.reserve(facts.shown.size());
      for (uint32_t m : facts.shown) {
        Value v = frame.measure(m);
        out.explain().measures.push_back(MeasureValue{plan_.measures[m].name, format_value(v, plan_.measures[m].unit, plan_.minor_unit)});
      }
    }
    if (cell != SIZE_MAX) {
      for (uint32_t a : facts.aggregates) out.lines += s_.aggregates.at(cell, a).count;
    }
    if (pr.pay_basis != plan::kNoFunction) {
      Value basis = frame.run(pr.pay_basis);
      if (!basis.none) out.set_basis(basis.decimal());
    }
    if (pr.pay_tiers != UINT32_MAX) band(frame, pr, out);
  }

  void band(PartnerFrame& frame, const plan::Rebate& pr, Payout& out) {
    const plan::Tiers& t = plan_.tiers[pr.pay_tiers];
    Value metric = frame.run(pr.pay_metric);
    if (metric.none) return;
    int band = vm::band_reached(t, metric.decimal());
    if (band >= 0) {
      out.band = texts_.bands[pr.pay_tiers][static_cast<size_t>(band)];
      if (t.pays_percent) out.set_rate(t.bands[static_cast<size_t>(band)].value);
    } else {
      static const std::string none_reached = "none reached";
      out.band = none_reached;
    }
    size_t next = band < 0 ? 0 : static_cast<size_t>(band) + 1;
    if (s_.options.explanations && next < t.bands.size() && Decimal::compare(metric.decimal(), t.bands[next].lower) < 0) {
      auto gap = Decimal::sub(t.bands[next].lower, metric.decimal());
      if (gap) {
        out.explain().next_band = fmt::format("{} more {} reaches {}", format_value(Value::number(*gap), t.unit, plan_.minor_unit),
                                              as_words(pr.pay_metric_text), digits_grouped(t.bands[next].value_text));
      }
    }
  }

  // The payout of a rebate whose conditions hold: the pay clause, accelerators, uplifts, the floor at
  // zero, the rebate's floor and cap, then rounding. Each step that changes the amount is explained.
  Decimal amount(PartnerFrame& frame, const plan::Rebate& pr, Status& status, Payout& out) {
    Decimal amount;
    const int places = plan_.minor_unit;
    const std::string& currency = plan_.currency;
    if (pr.pay.when == plan::kNoFunction || frame.holds(pr.pay.when, pr.pay.where)) {
      Value v = frame.run(pr.pay.value);
      if (v.none) throw vm::EvalError("the payout has no value", pr.pay.where, frame.context());
      amount = v.decimal();
    } else {
      status = Status::ConditionNotMet;
      out.reason = texts_.locations[pr.pay.where];
    }
    for (const plan::GuardedAmount& acc : pr.accelerate) {
      if (acc.when != plan::kNoFunction && !frame.holds(acc.when, acc.where)) continue;
      Value f = frame.run(acc.value);
      auto scaled = Decimal::mul(amount, f.decimal());
      if (!scaled) throw vm::EvalError("arithmetic overflow", acc.where, frame.context());
      if (s_.options.explanations) out.explain().steps.push_back(fmt::format("accelerated by {} ({})", f.decimal().to_string(), plan_.locations[acc.where].text));
      amount = *scaled;
    }
    for (const plan::GuardedAmount& up : pr.uplift) {
      if (up.when != plan::kNoFunction && !frame.holds(up.when, up.where)) continue;
      Value u = frame.run(up.value);
      amount = Decimal::add(amount, u.decimal()).value_or(amount);
      if (s_.options.explanations) out.explain().steps.push_back(fmt::format("uplift {} ({})", money(u.decimal(), places, currency), plan_.locations[up.where].text));
      if (status == Status::ConditionNotMet) status = Status::Paid;
    }
    if (!pr.allow_negative && amount.is_negative()) {
      if (s_.options.explanations) out.explain().steps.push_back(fmt::format("floored at zero (was {}); returns exceed sales", money(amount, places, currency)));
      amount = Decimal();
    }
    if (pr.floor != plan::kNoFunction) {
      Value f = frame.run(pr.floor);
      if (Decimal::compare(amount, f.decimal()) < 0) {
        if (s_.options.explanations) out.explain().steps.push_back(fmt::format("floor {} applied", money(f.decimal(), places, currency)));
        amount = f.decimal();
      }
    }
    if (pr.cap != plan::kNoFunction) {
      Value c = frame.run(pr.cap);
      if (Decimal::compare(amount, c.decimal()) > 0) {
        if (s_.options.explanations) out.explain().steps.push_back(fmt::format("cap {} applied (was {})", money(c.decimal(), places, currency), money(amount, places, currency)));
        amount = c.decimal();
      }
    }
    amount = amount.rounded(pr.places, pr.rounding).value_or(amount);
    if (amount.is_zero() && status == Status::Paid) status = Status::Zero;
    return amount;
  }

  // Each award's first row that holds, for this partner and period.
  void award(PartnerFrame& frame, PeriodIndex period, const std::string& label, uint32_t partner, std::vector<AwardValue>& awards) {
    for (const plan::Award& a : plan_.awards) {
      for (const plan::AwardRow& row : a.rows) {
        if (row.when != plan::kNoFunction) {
          Value w = frame.run(row.when);
          if (w.none || !w.truthy()) continue;
        }
        Value v = frame.run(row.value);
        std::string text = a.is_bool ? (v.truthy() ? "true" : "false")
                           : !a.members.empty() ? a.members[static_cast<size_t>(v.coef)]
                                                : std::string(s_.pool.text(static_cast<uint32_t>(v.coef)));
        awards.push_back(AwardValue{s_.partner_name(partner), s_.periods.label(a.next_period ? period + 1 : period), label, a.name, text});
        break;
      }
    }
  }

  const State& s_;
  const plan::Plan& plan_;
  const std::vector<RebateFacts>& rebates_;
  const PayoutTexts& texts_;
  CellContext context_;
};

// Budgets: scale a period's payouts, [first, last), pro rata when they exceed the budget. They stand
// one per rebate for each partner in turn.
void apply_budgets(State& s, size_t first, size_t last) {
  const plan::Plan& plan = s.plan;
  for (const plan::Budget& b : plan.budgets) {
    std::vector<size_t> members;
    Decimal total;
    for (size_t i = first; i < last; ++i) {
      const Payout& p = s.result.payouts[i];
      size_t r = (i - first) % plan.rebates.size();
      bool covered = b.rebates.empty() || std::find(b.rebates.begin(), b.rebates.end(), r) != b.rebates.end();
      if (!covered || p.amount().sign() <= 0) continue;  // nothing to scale; clawbacks are not scaled
      members.push_back(i);
      total = Decimal::add(total, p.amount()).value_or(total);
    }
    if (Decimal::compare(total, b.amount) <= 0) continue;
    // Each payout becomes amount x budget / total, cut to the cent; the cents left over go one at a
    // time to the largest payouts (ties: partner id, then rebate order), so the sum is the budget exactly.
    Decimal assigned;
    std::vector<Decimal> before(members.size());  // each member's amount before scaling
    for (size_t k = 0; k < members.size(); ++k) {
      Payout& p = s.result.payouts[members[k]];
      before[k] = p.amount();
      Decimal share = Decimal::div(Decimal::mul(before[k], b.amount).value_or(Decimal()), total).value_or(Decimal());
      p.set_amount(share.rounded(plan.minor_unit, RoundingMode::Down).value_or(share));
      assigned = Decimal::add(assigned, p.amount()).value_or(assigned);
    }
    std::vector<size_t> order(members.size());  // positions in members
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      int cmp = Decimal::compare(before[x], before[y]);
      if (cmp != 0) return cmp > 0;
      return x < y;  // payouts are already in partner, then rebate order
    });
    Decimal cent = Decimal::from_scaled(1, plan.minor_unit);
    Decimal left = Decimal::sub(b.amount, assigned).value_or(Decimal());
    for (size_t k = 0; !left.is_zero() && !order.empty(); k = (k + 1) % order.size()) {
      Payout& p = s.result.payouts[members[order[k]]];
      p.set_amount(Decimal::add(p.amount(), cent).value_or(p.amount()));
      left = Decimal::sub(left, cent).value_or(Decimal());
    }
    for (size_t k = 0; k < members.size(); ++k) {
      if (!s.options.explanations) break;
      Explanation& e = s.result.payouts[members[k]].explain();
      e.before_budget = before[k];
      e.steps.push_back(fmt::format("budget `{}` of {} scaled the period's {} of payouts by {}: {} before", b.name,
                                    money(b.amount, plan.minor_unit, plan.currency), money(total, plan.minor_unit, plan.currency),
                                    Decimal::div(b.amount, total).value_or(Decimal()).rounded(6, RoundingMode::HalfEven)->to_string(),
                                    money(before[k], plan.minor_unit, plan.currency)));
    }
  }
}

// A partner's total in a period: its payouts, one per rebate, side by side from `payouts`.
Total partner_total(const Payout* payouts, size_t per_partner, const std::string& label) {
  Decimal sum;
  for (size_t k = 0; k < per_partner; ++k) sum = Decimal::add(sum, payouts[k].amount()).value_or(sum);
  return Total{std::string(payouts[0].partner), label, sum};
}

// Totals per partner of a period's payouts, [first, last): each partner's payouts stand together, one
// per rebate, in partner order.
void add_totals(State& s, size_t first, size_t last, const std::string& label) {
  size_t per_partner = s.plan.rebates.size();
  for (size_t i = first; per_partner && i < last; i += per_partner) {
    s.result.totals.push_back(partner_total(&s.result.payouts[i], per_partner, label));
  }
}

}  // namespace

std::string format_value(const Value& v, const std::string& unit, int minor_unit) {
  if (v.none) return "no value";
  std::string out;
  if (unit == "%") {
    append_shortest(out, Decimal::mul(v.decimal(), Decimal::from_int(100)).value_or(v.decimal()));
    out += '%';
  } else if (!unit.empty()) {
    append_fixed(out, v.decimal(), minor_unit);
    out = grouped(out);
    out += ' ';
    out += unit;
  } else {
    append_shortest(out, v.decimal());
    out = grouped(out);
  }
  return out;
}

void evaluate(State& s) {
  const plan::Plan& plan = s.plan;
  std::vector<RebateFacts> rebates;
  for (const plan::Rebate& pr : plan.rebates) rebates.push_back(rebate_facts(plan, pr));
  std::vector<std::string> labels;
  for (PeriodIndex period : s.run_periods) labels.push_back(s.periods.label(period));
  const PayoutTexts texts = payout_texts(s, labels);

  // Every cell has one payout per rebate: the payouts are laid out (period, partner, rebate) up front
  // and each cell fills its own. Awards vary in number, so each thread keeps its own per period.
  const size_t partners = s.partner_ids.size(), periods = s.run_periods.size(), per_cell = plan.rebates.size();
  const size_t first = s.result.payouts.size();
  s.result.payouts.resize(first + periods * partners * per_cell);
  const size_t threads = evaluation_threads(partners, s.options.threads);
  std::vector<CellEvaluator> evaluators;
  evaluators.reserve(threads);
  for (size_t t = 0; t < threads; ++t) evaluators.emplace_back(s, rebates, texts);
  std::vector<std::vector<std::vector<AwardValue>>> awards(threads, std::vector<std::vector<AwardValue>>(periods));
  // Without budgets a payout is final once its cell is done, and so is the cell's total: worked out there.
  const bool totals_in_cells = plan.budgets.empty() && per_cell > 0;
  const size_t first_total = s.result.totals.size();
  if (totals_in_cells) s.result.totals.resize(first_total + periods * partners);
  for_each_cell(periods, partners, threads, [&](size_t thread, size_t p, uint32_t partner) {
    Payout* payouts = &s.result.payouts[first + (p * partners + partner) * per_cell];
    evaluators[thread].evaluate(p, labels[p], partner, payouts, awards[thread][p]);
    if (totals_in_cells) s.result.totals[first_total + p * partners + partner] = partner_total(payouts, per_cell, labels[p]);
  });

  // The program-wide steps, period by period. Threads hold contiguous ranges of partners in order, so
  // their awards, one after the other, are in partner order.
  for (size_t p = 0; p < periods; ++p) {
    for (auto& of_thread : awards) {
      for (AwardValue& a : of_thread[p]) s.result.awards.push_back(std::move(a));
    }
    if (totals_in_cells) continue;
    size_t first_of_period = first + p * partners * per_cell;
    apply_budgets(s, first_of_period, first_of_period + partners * per_cell);
    add_totals(s, first_of_period, first_of_period + partners * per_cell, labels[p]);
  }
}

namespace {

RunResult run_once(const plan::Plan& plan, const RunOptions& options) {
  RunResult result;
  State s(plan, options, result);
  PhaseClock clock(result.summary.timings);
  try {
    s.clock = &clock;
    if (!load_inputs(s)) return result;
    clock.lap("merge");
    finish_groups(s);
    clock.lap("groups");
    evaluate(s);
    clock.lap("evaluate");
  } catch (const vm::EvalError& e) {
    result.payouts.clear();
    result.totals.clear();
    result.awards.clear();
    result.errors.push_back(fmt::format("{}: error: {}, for {}", s.location_text(e.where), e.what(), e.context));
  }
  return result;
}

// An input that is not a regular file (a pipe, /dev/stdin, `<(zcat ...)`) can be read only once: a run
// that has one counts its two-thread splits from the start instead of guessing them, since a missed guess
// runs everything again and would find that input empty.
bool inputs_rereadable(const RunOptions& options) {
  for (const auto& [name, path] : options.input_paths) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return false;
  }
  return true;
}

}  // namespace

RunResult run(const plan::Plan& plan, const RunOptions& options) {
  if (!options.exact_splits && !inputs_rereadable(options)) {
    RunOptions exact = options;
    exact.exact_splits = true;
    return run_once(plan, exact);
  }
  try {
    return run_once(plan, options);
  } catch (const SplitMissed&) {
    // A ledger with line ends in quoted cells, one of them where the two-thread read guessed its split.
    RunOptions exact = options;
    exact.exact_splits = true;
    return run_once(plan, exact);
  }
}

}  // namespace rebate::engine
