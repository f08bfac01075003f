// Per partner and period: measures (memoised, with look-backs over shifted windows), decision tables,
// rebates clause by clause with their explanation; then budgets, awards and totals.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "engine/phase_clock.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

// A window of periods: [first, last]. Most evaluations use one period; look-backs shift it, and
// `year_to_date` widens it to the start of the year. Aggregates over a window merge their periods.
struct Window {
  PeriodIndex first;
  PeriodIndex last;
  bool operator<(const Window& o) const { return first != o.first ? first < o.first : last < o.last; }
};

class PartnerFrame : public vm::Frame {
 public:
  PartnerFrame(State& s, uint32_t partner, Window w, std::map<std::pair<uint32_t, Window>, Value>& memo)
      : s_(s), partner_(partner), window_(w), memo_(memo) {}

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
  Value measure(uint32_t m) override { return measure_at(m, window_); }
  Value shifted(uint32_t m, uint32_t shift) override {
    Window w = window_;
    if (shift == 0) {
      w = Window{w.first - 1, w.last - 1};
    } else if (shift == 1) {
      w = Window{w.first - s_.periods.per_year(), w.last - s_.periods.per_year()};
    } else {
      w = Window{s_.periods.year_start(w.last), w.last};
    }
    return measure_at(m, w);
  }
  Value aggregate(uint32_t a) override {
    const plan::Aggregate& agg = s_.plan.aggregates[a];
    const AggTable& table = s_.aggregates[a];
    AggState merged;
    bool extremum = agg.kind == plan::AggregateKind::Min || agg.kind == plan::AggregateKind::Max;
    DistinctSet distinct;
    for (PeriodIndex p = window_.first; p <= window_.last; ++p) {
      size_t cell = s_.cell(partner_, p);
      if (cell == SIZE_MAX) continue;  // before the first line of data: nothing there
      const AggState& st = table.states[cell];
      merged.count += st.count;
      if (extremum) {
        if (st.has_best) {
          int c = merged.has_best ? vm::compare(st.best(), merged.best()) : 0;
          if (!merged.has_best || (agg.kind == plan::AggregateKind::Min ? c < 0 : c > 0)) merged.set_best(st.best());
        }
      } else {
        merged.set_sum(Decimal::add(merged.sum(), total(st)).value_or(merged.sum()));
      }
      if (!table.distinct.empty()) distinct.insert(table.distinct[cell].begin(), table.distinct[cell].end());
    }
    return finish(merged, &distinct, agg.kind);
  }
  Value decision(uint32_t d) override { return s_.machine.run(s_.plan.decisions[d].value, *this); }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override {
    return fmt::format("partner {}, period {}", s_.partner_name(partner_), s_.periods.label(window_.last));
  }

  Value run(plan::FunctionId f, std::vector<vm::TierTrace>* trace = nullptr) { return s_.machine.run(f, *this, trace); }

 private:
  Value measure_at(uint32_t m, Window w) {
    auto key = std::make_pair(m, w);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    PartnerFrame inner(s_, partner_, w, memo_);
    const plan::Measure& pm = s_.plan.measures[m];
    Value v = s_.machine.run(pm.value, inner);
    if (!v.none && pm.cap != plan::kNoFunction) {
      Value cap = s_.machine.run(pm.cap, inner);
      if (!cap.none && vm::compare(v, cap) > 0) v = cap;
    }
    if (!v.none && pm.floor != plan::kNoFunction) {
      Value floor = s_.machine.run(pm.floor, inner);
      if (!floor.none && vm::compare(v, floor) < 0) v = floor;
    }
    memo_[key] = v;
    return v;
  }

  State& s_;
  uint32_t partner_;
  Window window_;
  std::map<std::pair<uint32_t, Window>, Value>& memo_;
};

std::string money(const Decimal& d, int places, const std::string& currency) {
  return fmt::format("{} {}", d.to_fixed(places), currency);
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

}  // namespace

std::string format_value(const Value& v, const std::string& unit, int minor_unit) {
  if (v.none) return "no value";
  if (unit == "%") return Decimal::mul(v.decimal(), Decimal::from_int(100)).value_or(v.decimal()).to_string() + "%";
  if (!unit.empty()) return v.decimal().to_fixed(minor_unit) + " " + unit;
  return v.decimal().to_string();
}

void evaluate(State& s) {
  const plan::Plan& plan = s.plan;
  std::vector<std::vector<uint32_t>> rebate_aggregates(plan.rebates.size());
  for (size_t r = 0; r < plan.rebates.size(); ++r) {
    std::vector<bool> seen(plan.functions.size(), false);
    collect_aggregates(plan, plan.rebates[r].pay.value, rebate_aggregates[r], seen);
  }

  for (PeriodIndex period : s.run_periods) {
    std::string label = s.periods.label(period);
    size_t first_of_period = s.result.payouts.size();
    for (uint32_t partner = 0; partner < s.partner_ids.size(); ++partner) {
      std::map<std::pair<uint32_t, Window>, Value> memo;
      PartnerFrame frame(s, partner, Window{period, period}, memo);
      for (size_t r = 0; r < plan.rebates.size(); ++r) {
        const plan::Rebate& pr = plan.rebates[r];
        Payout out;
        out.partner = s.partner_name(partner);
        out.period = label;
        out.rebate = pr.name;
        out.title = pr.title;
        out.status = "paid";
        auto holds = [&](plan::FunctionId f, uint32_t where) {
          Value v = frame.run(f);
          if (v.none) throw vm::EvalError("this condition has no value", where, frame.context());
          return v.truthy();
        };
        for (const plan::Condition& c : pr.eligible) {
          if (out.status == "paid" && !holds(c.test, c.where)) {
            out.status = "not eligible";
            out.reason = plan.locations[c.where].text;
          }
        }
        for (const plan::Condition& c : pr.require) {
          if (out.status == "paid" && !holds(c.test, c.where)) {
            out.status = "gate not met";
            out.reason = plan.locations[c.where].text;
          }
        }
        // Explanation: the measures the conditions and the payout read and, for a tier table, the band reached.
        std::vector<uint32_t> shown;
        for (const auto* conds : {&pr.eligible, &pr.require}) {
          for (const plan::Condition& c : *conds) {
            for (uint32_t m : c.measures) {
              if (std::find(shown.begin(), shown.end(), m) == shown.end()) shown.push_back(m);
            }
          }
        }
        for (uint32_t m : pr.pay_measures) {
          if (std::find(shown.begin(), shown.end(), m) == shown.end()) shown.push_back(m);
        }
        if (!s.options.explanations) shown.clear();
        for (uint32_t m : shown) {
          Value v = frame.measure(m);
          out.measures.push_back(MeasureValue{plan.measures[m].name, format_value(v, plan.measures[m].unit, plan.minor_unit)});
        }
        for (uint32_t a : rebate_aggregates[r]) {
          size_t cell = s.cell(partner, period);
          if (cell != SIZE_MAX) out.lines += s.aggregates[a].states[cell].count;
        }
        if (pr.pay_basis != plan::kNoFunction) {
          Value basis = frame.run(pr.pay_basis);
          if (!basis.none) out.basis = basis.decimal();
        }
        if (pr.pay_tiers != UINT32_MAX) {
          const plan::Tiers& t = plan.tiers[pr.pay_tiers];
          Value metric = frame.run(pr.pay_metric);
          if (!metric.none) {
            int band = vm::band_reached(t, metric.decimal());
            if (band >= 0) {
              const plan::TierBand& b = t.bands[static_cast<size_t>(band)];
              out.band = b.upper ? fmt::format("from {} to {}", b.lower_text, b.upper_text) : fmt::format("from {}", b.lower_text);
              if (t.pays_percent) out.rate = b.value;
            } else {
              out.band = "none reached";
            }
            size_t next = band < 0 ? 0 : static_cast<size_t>(band) + 1;
            if (s.options.explanations && next < t.bands.size() && Decimal::compare(metric.decimal(), t.bands[next].lower) < 0) {
              auto gap = Decimal::sub(t.bands[next].lower, metric.decimal());
              if (gap) {
                out.next_band = fmt::format("{} more {} reaches {}", format_value(Value::number(*gap), t.unit, plan.minor_unit),
                                            pr.pay_metric_text, t.bands[next].value_text);
              }
            }
          }
        }
        Decimal amount;
        if (out.status == "paid") {
          bool pays = pr.pay.when == plan::kNoFunction || holds(pr.pay.when, pr.pay.where);
          if (pays) {
            Value v = frame.run(pr.pay.value);
            if (v.none) throw vm::EvalError("the payout has no value", pr.pay.where, frame.context());
            amount = v.decimal();
          } else {
            out.status = "condition not met";
            out.reason = plan.locations[pr.pay.where].text;
          }
          for (const plan::GuardedAmount& acc : pr.accelerate) {
            if (acc.when != plan::kNoFunction && !holds(acc.when, acc.where)) continue;
            Value f = frame.run(acc.value);
            auto scaled = Decimal::mul(amount, f.decimal());
            if (!scaled) throw vm::EvalError("arithmetic overflow", acc.where, frame.context());
            out.steps.push_back(fmt::format("accelerated by {} ({})", f.decimal().to_string(), plan.locations[acc.where].text));
            amount = *scaled;
          }
          for (const plan::GuardedAmount& up : pr.uplift) {
            if (up.when != plan::kNoFunction && !holds(up.when, up.where)) continue;
            Value u = frame.run(up.value);
            amount = Decimal::add(amount, u.decimal()).value_or(amount);
            out.steps.push_back(fmt::format("uplift {} ({})", money(u.decimal(), plan.minor_unit, plan.currency), plan.locations[up.where].text));
            if (out.status == "condition not met") out.status = "paid";
          }
          if (!pr.allow_negative && amount.is_negative()) {
            out.steps.push_back(fmt::format("floored at zero (was {}); returns exceed sales", money(amount, plan.minor_unit, plan.currency)));
            amount = Decimal();
          }
          if (pr.floor != plan::kNoFunction) {
            Value f = frame.run(pr.floor);
            if (Decimal::compare(amount, f.decimal()) < 0) {
              out.steps.push_back(fmt::format("floor {} applied", money(f.decimal(), plan.minor_unit, plan.currency)));
              amount = f.decimal();
            }
          }
          if (pr.cap != plan::kNoFunction) {
            Value c = frame.run(pr.cap);
            if (Decimal::compare(amount, c.decimal()) > 0) {
              out.steps.push_back(fmt::format("cap {} applied (was {})", money(c.decimal(), plan.minor_unit, plan.currency),
                                              money(amount, plan.minor_unit, plan.currency)));
              amount = c.decimal();
            }
          }
          auto rounded = amount.rounded(pr.places, pr.rounding);
          amount = rounded.value_or(amount);
          if (amount.is_zero() && out.status == "paid") out.status = "zero";
        }
        out.amount = amount;
        s.result.payouts.push_back(std::move(out));
      }
      // Awards for this partner and period.
      for (const plan::Award& a : plan.awards) {
        for (const plan::AwardRow& row : a.rows) {
          if (row.when != plan::kNoFunction) {
            Value w = frame.run(row.when);
            if (w.none || !w.truthy()) continue;
          }
          Value v = frame.run(row.value);
          std::string text = a.is_bool ? (v.truthy() ? "true" : "false")
                             : !a.members.empty() ? a.members[static_cast<size_t>(v.coef)]
                                                  : std::string(s.pool.text(static_cast<uint32_t>(v.coef)));
          s.result.awards.push_back(AwardValue{s.partner_name(partner), s.periods.label(a.next_period ? period + 1 : period), label, a.name, text});
          break;
        }
      }
    }
    // Budgets: scale the period's payouts pro rata when they exceed the budget.
    for (const plan::Budget& b : plan.budgets) {
      std::vector<size_t> members;
      Decimal total;
      for (size_t i = first_of_period; i < s.result.payouts.size(); ++i) {
        const Payout& p = s.result.payouts[i];
        size_t r = static_cast<size_t>(std::find_if(plan.rebates.begin(), plan.rebates.end(),
                                                    [&](const plan::Rebate& x) { return x.name == p.rebate; }) - plan.rebates.begin());
        bool covered = b.rebates.empty() || std::find(b.rebates.begin(), b.rebates.end(), r) != b.rebates.end();
        if (!covered || p.amount.sign() <= 0) continue;  // nothing to scale; clawbacks are not scaled
        members.push_back(i);
        total = Decimal::add(total, p.amount).value_or(total);
      }
      if (Decimal::compare(total, b.amount) <= 0) continue;
      // Each payout becomes amount x budget / total, cut to the cent; the cents left over go one at a
      // time to the largest payouts (ties: partner id, then rebate order), so the sum is the budget exactly.
      Decimal assigned;
      for (size_t i : members) {
        Payout& p = s.result.payouts[i];
        p.before_budget = p.amount;
        Decimal share = Decimal::div(Decimal::mul(p.amount, b.amount).value_or(Decimal()), total).value_or(Decimal());
        p.amount = share.rounded(plan.minor_unit, RoundingMode::Down).value_or(share);
        assigned = Decimal::add(assigned, p.amount).value_or(assigned);
      }
      std::vector<size_t> order = members;
      std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        const Payout& a = s.result.payouts[x];
        const Payout& c = s.result.payouts[y];
        int cmp = Decimal::compare(*a.before_budget, *c.before_budget);
        if (cmp != 0) return cmp > 0;
        return x < y;  // payouts are already in partner, then rebate order
      });
      Decimal cent = Decimal::from_scaled(1, plan.minor_unit);
      Decimal left = Decimal::sub(b.amount, assigned).value_or(Decimal());
      for (size_t k = 0; !left.is_zero() && !order.empty(); k = (k + 1) % order.size()) {
        Payout& p = s.result.payouts[order[k]];
        p.amount = Decimal::add(p.amount, cent).value_or(p.amount);
        left = Decimal::sub(left, cent).value_or(Decimal());
      }
      for (size_t i : members) {
        Payout& p = s.result.payouts[i];
        p.steps.push_back(fmt::format("budget `{}` of {} scaled the period's {} of payouts by {}: {} before", b.name,
                                      money(b.amount, plan.minor_unit, plan.currency), money(total, plan.minor_unit, plan.currency),
                                      Decimal::div(b.amount, total).value_or(Decimal()).rounded(6, RoundingMode::HalfEven)->to_string(),
                                      money(*p.before_budget, plan.minor_unit, plan.currency)));
      }
    }
    // Totals per partner and period: each partner's payouts stand together, one per rebate, in partner order.
    size_t per_partner = plan.rebates.size();
    for (size_t i = first_of_period; per_partner && i < s.result.payouts.size(); i += per_partner) {
      Decimal sum;
      for (size_t k = i; k < i + per_partner; ++k) sum = Decimal::add(sum, s.result.payouts[k].amount).value_or(sum);
      s.result.totals.push_back(Total{s.result.payouts[i].partner, label, sum});
    }
  }
}

RunResult run(const plan::Plan& plan, const RunOptions& options) {
  RunResult result;
  State s(plan, options, result);
  PhaseClock clock(result.summary.timings);
  try {
    if (!load_inputs(s)) return result;
    clock.lap("read + scan");
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

}  // namespace rebate::engine
