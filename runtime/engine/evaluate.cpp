// Per partner and period (a cell): measures (memoised, with look-backs over shifted windows), decision
// tables, rebates clause by clause with their explanation; then budgets, awards and totals.
//
// Cells are independent of one another: they read the scan's aggregates and write only their own
// payouts and awards. So partners are evaluated on several threads (evaluate_parallel.cpp), each cell's
// payouts written straight to their place in the results; the program-wide steps (budgets, totals) then
// run period by period on one thread, as before.
#include <fmt/format.h>

#include <algorithm>

#include "engine/budgets.h"
#include "engine/payout_currency.h"
#include "engine/cell_frame.h"
#include "engine/detail.h"
#include "engine/evaluate_parallel.h"
#include "engine/trace.h"
#include "engine/report.h"
#include "engine/state.h"

namespace rebate::engine {

// "61,200.00 USD", for the steps of an explanation.
std::string money(const Decimal& d, int places, const std::string& currency) {
  std::string out;
  append_fixed(out, d, places);
  out = grouped(out);
  out += ' ';
  out += currency;
  return out;
}

namespace {

// What a rebate's payouts need that is the same in every cell, worked out once per run.
struct RebateFacts {
  std::vector<uint32_t> shown;       // the measures its explanation shows: the conditions', then the payout's
};

RebateFacts rebate_facts(const plan::Rebate& pr) {
  RebateFacts f;
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

// A negative amount kept by `allow negative` is a clawback: the partner owes it back, and no report
// calls it paid (docs/language.md §21).
// A settled rebate that earned less than was paid and carries the difference forward pays nothing now:
// `carried` (docs/language.md §22).
// A closed period's correction, paid in the first open period the run pays: `adjustment` (§23).
enum class Status { Paid, Clawback, NotEligible, GateNotMet, ConditionNotMet, Zero, Carried, Adjustment };

// Static, as a payout's texts must outlive it (TextRef).
const std::string& status_text(Status status) {
  static const std::string paid = "paid", clawback = "clawback", not_eligible = "not eligible", gate_not_met = "gate not met",
                           condition_not_met = "condition not met", zero = "zero", carried = "carried", adjustment = "adjustment";
  switch (status) {
    case Status::Paid: return paid;
    case Status::Clawback: return clawback;
    case Status::NotEligible: return not_eligible;
    case Status::GateNotMet: return gate_not_met;
    case Status::ConditionNotMet: return condition_not_met;
    case Status::Zero: return zero;
    case Status::Carried: return carried;
    case Status::Adjustment: return adjustment;
  }
  return zero;
}

// The texts payouts point to, kept in the run's TextStore before the cells are evaluated on several
// threads (the store is not shared between threads while they run). Partner ids are not: there are
// millions; a batch keeps its own partners' (Batch::partner_texts).
struct PayoutTexts {
  std::vector<TextRef> periods;    // by run period
  std::vector<TextRef> names, titles;  // by rebate
  std::vector<std::vector<TextRef>> bands;  // by tier table and band
  std::vector<TextRef> locations;  // by plan location: the clauses quoted as reasons
};

PayoutTexts payout_texts(const State& s, const std::vector<std::string>& labels) {
  TextStore& store = *s.result.texts;
  PayoutTexts t;
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

// Evaluates cells: one partner in one period, every rebate and award. One per thread.
class CellEvaluator {
 public:
  // `full`: with explanations (when the run shows them) and awards; without, only what the amounts
  // need (a budget's first look at a period).
  CellEvaluator(const State& s, const std::vector<RebateFacts>& rebates, const PayoutTexts& texts, bool full = true)
      : s_(s), plan_(s.plan), rebates_(rebates), texts_(texts), context_(s), tracer_(s, context_), explain_(full && s.options.explanations), awards_(full) {
    // Coverage counts the full evaluations only (a budget's first look evaluates the same cells again).
    if (full && s.options.coverage) {
      coverage_ = std::make_unique<CoverageCounter>(s.plan, *s.options.coverage);
      context_.machine->set_observer(coverage_.get());
    }
  }

  // What this evaluator's cells reached (null when the run does not count coverage).
  const Coverage* coverage() const { return coverage_ ? &coverage_->counts : nullptr; }

  // Fills the cell's payouts, one per rebate in the program's order, and appends its awards. The steps
  // run in the order of the sequential engine, so that the first runtime error is the same.
  // `p`: the period's index among the run's periods. The payouts may be a previous batch's: each is
  // made afresh, keeping only its explanation's memory.
  void evaluate(size_t p, const std::string& label, uint32_t partner, TextRef partner_text, Payout* payouts,
                std::vector<AwardValue>& awards) {
    const PeriodIndex period = s_.run_periods[p];
    if (coverage_) coverage_->begin_cell(partner_text.view(), label, context_);
    context_.memo.clear();
    const Window window{period, period};
    PartnerFrame frame(context_, partner, window, context_.memo.block(window));
    for (size_t r = 0; r < plan_.rebates.size(); ++r) {
      Payout& out = payouts[r];
      reset(out);
      out.partner = partner_text;
      out.period = texts_.periods[p];
      const plan::Rebate& pr = plan_.rebates[r];
      if (pr.payments != UINT32_MAX && pr.settle_year_to_date && s_.periods.year_start(period) != period) {
        // Settled over the year to date: the clauses earn over the year so far (docs/language.md §22).
        const Window to_date{s_.periods.year_start(period), period};
        PartnerFrame earning(context_, partner, to_date, context_.memo.block(to_date));
        rebate(earning, r, out);
      } else {
        rebate(frame, r, out);
      }
    }
    if (awards_) award(frame, period, label, partner, awards);
    funds_.figures(partner_text.view(), label, awards_ ? &awards : nullptr);
  }

  // The adjustments the cell carries (it is in the first open period the run pays), appended to `into`:
  // for each closed period with lines of the partner booked after the close, each rebate's payout of it
  // recomputed with every line read, less what was paid for it (closing.h). `p` as for evaluate().
  void adjust(size_t p, uint32_t partner, TextRef partner_text, const Adjustments& adjustments, std::vector<Payout>& into) {
    const auto [first, last] = adjustments.of(partner);
    for (const AdjustmentRow* row = first; row != last; ++row) {
      for (size_t r = 0; r < plan_.rebates.size(); ++r) {
        const plan::Rebate& pr = plan_.rebates[r];
        const bool year_to_date = pr.payments != UINT32_MAX && pr.settle_year_to_date;
        if (year_to_date != row->year_to_date) continue;
        Payout& out = into.emplace_back();
        out.partner = partner_text;
        out.period = texts_.periods[p];
        // The window the rebate earned over when the period was paid: the period, or its year so far.
        const Window w{year_to_date ? s_.periods.year_start(row->corrects) : row->corrects, row->corrects};
        PartnerFrame frame(context_, partner, w, context_.memo.block(w));
        rebate(frame, r, out);
        // A settled rebate's payout re-run is already net of what was paid (its steps say so); any
        // other's is netted here.
        if (pr.payments == UINT32_MAX) {
          if (explain_) {
            out.explain().steps.push_back(fmt::format("recomputed payout for {}: {} ({})", *row->label, money(out.amount(), plan_.minor_unit, plan_.currency),
                                                      out.status.view()));
          }
          net_against_paid(frame, r, out);
        }
        out.status = status_text(Status::Adjustment);
        out.reason = TextRef(*row->reason);
        out.corrects = TextRef(*row->label);
        out.late_lines = static_cast<uint32_t>(std::min<uint64_t>(row->late_lines, UINT32_MAX));
      }
    }
  }

 private:
  // A payout as a fresh one, its explanation's vectors and strings emptied but kept for their memory.
  static void reset(Payout& out) {
    std::shared_ptr<Explanation> e = std::move(out.explanation);
    out = Payout();
    if (e && e.use_count() == 1) {
      e->trace.clear();
      e->measures.clear();
      e->steps.clear();
      e->next_band.clear();
      e->progress.reset();
      e->next_band_from.reset();
      e->metric.reset();
      e->before_budget.reset();
      e->settlement.reset();
      e->fund.reset();
      e->detail.clear();
      out.explanation = std::move(e);
    }
  }

  // `frame`: the window the rebate earns over (the period, or for a rebate settled over the year to
  // date, the year so far).
  void rebate(PartnerFrame& frame, size_t r, Payout& out) {
    const plan::Rebate& pr = plan_.rebates[r];
    out.rebate = texts_.names[r];
    out.title = texts_.titles[r];
    if (pr.claims != UINT32_MAX) {  // a fund: the claims it pays (funds.h); coverage: worked out each time
      if (RebateCoverage* covered = this->covered(r)) ++covered->evaluated, ++covered->paid;
      funds_.payout(r, frame.partner(), frame.window().last, explain_, out);
      if (explain_) trace(frame, pr, out);
      return;
    }
    Status status = Status::Paid;
    RebateCoverage* covered = this->covered(r);
    check(frame, pr.eligible, Status::NotEligible, status, out, covered ? &covered->eligible : nullptr);
    check(frame, pr.require, Status::GateNotMet, status, out, covered ? &covered->require : nullptr);
    explain(frame, r, out);
    if (covered) {
      ++covered->evaluated;
      covered->paid += status == Status::Paid;
    }
    out.set_amount(status == Status::Paid ? amount(frame, pr, status, out, covered) : Decimal());
    if (pr.payments != UINT32_MAX) settle(frame, pr, r, status, out);
    out.status = status_text(status);
    if (explain_) trace(frame, pr, out);
  }

  // The payout's whole trace: what its clauses read, down to the ledgers, in the order of the clauses.
  void trace(PartnerFrame& frame, const plan::Rebate& pr, Payout& out) {
    // A settled rebate earning over the year to date: its values are labelled with that window.
    tracer_.begin(frame, out.explain().trace, Window{frame.window().last, frame.window().last});
    for (const auto* conds : {&pr.eligible, &pr.require}) {
      for (const plan::Condition& c : *conds) tracer_.clause(c.test);
    }
    tracer_.clause(pr.pay.when);
    tracer_.clause(pr.pay.value, pr.pay_tiers == UINT32_MAX);
    for (const auto* guarded : {&pr.accelerate, &pr.uplift}) {
      for (const plan::GuardedAmount& g : *guarded) {
        tracer_.clause(g.when);
        tracer_.clause(g.value);
      }
    }
    tracer_.clause(pr.floor);
    tracer_.clause(pr.cap);
  }

  // The first condition that does not hold decides the status, and its text is the reason.
  // `covered`: the conditions' outcomes are counted there (coverage), when not null.
  void check(PartnerFrame& frame, const std::vector<plan::Condition>& conditions, Status failed, Status& status, Payout& out,
             std::vector<Outcomes>* covered) {
    for (size_t k = 0; k < conditions.size(); ++k) {
      const plan::Condition& c = conditions[k];
      if (status != Status::Paid) continue;
      const bool holds = frame.holds(c.test, c.where);
      if (covered) (*covered)[k].count(holds);
      if (!holds) {
        status = failed;
        out.reason = texts_.locations[c.where];
      } else if (explain_) {
        out.explain().steps.push_back(fmt::format("{} {}: holds", failed == Status::NotEligible ? "eligible when" : "require",
                                                  plan_.locations[c.where].text));
      }
    }
  }

  // The measures the conditions and the payout read (with explanations only), the lines behind them,
  // the basis and, for a tier table, the band reached and the distance to the next one.
  void explain(PartnerFrame& frame, size_t r, Payout& out) {
    const plan::Rebate& pr = plan_.rebates[r];
    const RebateFacts& facts = rebates_[r];
    if (explain_) {
      out.explain().measures.reserve(facts.shown.size());
      for (uint32_t m : facts.shown) {
        Value v = frame.measure(m);
        out.explain().measures.push_back(MeasureValue{plan_.measures[m].name, format_measure(plan_.measures[m], v, *frame.texts(), plan_.minor_unit)});
      }
    }
    out.lines = lines(frame, pr);
    if (explain_ && s_.detail && s_.detail->has(frame.partner())) {
      out.explain().detail = detail_of(s_, *context_.machine, frame.partner(), pr, frame.window().last);
    }
    if (pr.pay_basis != plan::kNoFunction) {
      Value basis = frame.run(pr.pay_basis);
      if (!basis.none) out.set_basis(basis.decimal());
    }
    if (pr.pay_tiers != UINT32_MAX) band(frame, pr, out);
  }

  // The distinct ledger lines the payout's amount was computed from: the terms of its period's place
  // in the year (plan/line_counts.h).
  uint64_t lines(PartnerFrame& frame, const plan::Rebate& pr) {
    const PeriodIndex c = frame.window().last;
    const auto pos = static_cast<uint32_t>(c - s_.periods.year_start(c));
    uint64_t n = 0;
    for (const plan::LineCount& l : pr.line_counts) {
      if (l.pos != pos) continue;
      if (plan_.aggregates[l.aggregate].over_group) {
        // The sum of the `(lines)` field of the rows taken, over the window (formed again over it).
        const Window w{c + l.first, c + l.last};
        PartnerFrame at(context_, frame.partner(), w, context_.memo.block(w));
        const Value v = at.aggregate(l.aggregate);
        if (!v.none) n += static_cast<uint64_t>(v.coef);
        continue;
      }
      for (PeriodIndex p = c + l.first; p <= c + l.last; ++p) {
        const size_t cell = s_.cell(frame.partner(), p);
        if (cell != SIZE_MAX) n += s_.aggregates.at(cell, l.aggregate).count;
      }
    }
    return n;
  }

  void band(PartnerFrame& frame, const plan::Rebate& pr, Payout& out) {
    const plan::Tiers& t = plan_.tiers[pr.pay_tiers];
    Value metric = frame.run(pr.pay_metric);
    if (metric.none) return;
    if (explain_) out.explain().metric = metric.decimal();
    int band = vm::band_reached(t, metric.decimal());
    if (t.mode == plan::TierMode::Incremental && pr.pay_metric == pr.pay_basis) {
      // Every band the basis entered earns its slice: name each, and the top one as the band (a basis
      // past a closed last band has earned all of them).
      for (size_t i = 0; i < t.bands.size() && Decimal::compare(metric.decimal(), t.bands[i].lower) > 0; ++i) {
        const plan::TierBand& b = t.bands[i];
        const Decimal top = b.upper && Decimal::compare(*b.upper, metric.decimal()) < 0 ? *b.upper : metric.decimal();
        const std::optional<Decimal> slice = Decimal::sub(top, b.lower);
        const std::optional<Decimal> earned = slice ? Decimal::mul(*slice, b.value) : std::nullopt;
        if (band < 0) band = static_cast<int>(i);
        band = std::max(band, static_cast<int>(i));
        if (explain_ && earned) {
          out.explain().steps.push_back(fmt::format("slice {} at {}: {} earns {}", texts_.bands[pr.pay_tiers][i].view(), digits_grouped(b.value_text),
                                                    format_value(Value::number(*slice), t.unit, plan_.minor_unit),
                                                    money(*earned, plan_.minor_unit, plan_.currency)));
        }
      }
    }
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
        out.explain().progress = metric.decimal();
        out.explain().next_band_from = t.bands[next].lower;
      }
    }
  }

  // The payout of a rebate whose conditions hold: the pay clause, accelerators, uplifts, the floor at
  // zero, the rebate's floor and cap, then rounding. Each step that changes the amount is explained.
  // `covered`: what the clauses did is counted there (coverage), when not null.
  Decimal amount(PartnerFrame& frame, const plan::Rebate& pr, Status& status, Payout& out, RebateCoverage* covered) {
    Decimal amount;
    const int places = plan_.minor_unit;
    const std::string& currency = plan_.currency;
    // A `when` that holds (counted), or none.
    auto applies = [&](const plan::GuardedAmount& g, Outcomes* outcomes) {
      if (g.when == plan::kNoFunction) {
        if (outcomes) outcomes->count(true);
        return true;
      }
      const bool holds = frame.holds(g.when, g.where);
      if (outcomes) outcomes->count(holds);
      return holds;
    };
    if (pr.pay.when == plan::kNoFunction || applies(pr.pay, covered ? &covered->pay_when : nullptr)) {
      Value v = frame.run(pr.pay.value);
      if (v.none) throw vm::EvalError("the payout has no value", pr.pay.where, frame.context());
      amount = v.decimal();
    } else {
      status = Status::ConditionNotMet;
      out.reason = texts_.locations[pr.pay.where];
    }
    for (size_t k = 0; k < pr.accelerate.size(); ++k) {
      const plan::GuardedAmount& acc = pr.accelerate[k];
      if (!applies(acc, covered ? &covered->accelerate[k] : nullptr)) continue;
      Value f = frame.run(acc.value);
      auto scaled = Decimal::mul(amount, f.decimal());
      if (!scaled) throw vm::EvalError("arithmetic overflow", acc.where, frame.context());
      if (explain_) out.explain().steps.push_back(fmt::format("{}: {} became {}", plan_.locations[acc.where].text, money(amount, places, currency),
                                                              money(*scaled, places, currency)));
      amount = *scaled;
    }
    for (size_t k = 0; k < pr.uplift.size(); ++k) {
      const plan::GuardedAmount& up = pr.uplift[k];
      if (!applies(up, covered ? &covered->uplift[k] : nullptr)) continue;
      Value u = frame.run(up.value);
      std::optional<Decimal> uplifted = Decimal::add(amount, u.decimal());
      if (!uplifted) throw vm::EvalError("arithmetic overflow", up.where, frame.context());  // never the uplift dropped
      if (explain_) out.explain().steps.push_back(fmt::format("{}: {} added, {} became {}", plan_.locations[up.where].text, money(u.decimal(), places, currency),
                                                              money(amount, places, currency), money(*uplifted, places, currency)));
      amount = *uplifted;
      if (status == Status::ConditionNotMet) status = Status::Paid;
    }
    if (covered && pr.allow_negative && amount.is_negative()) ++covered->negative_kept;
    if (!pr.allow_negative && amount.is_negative()) {
      if (explain_) out.explain().steps.push_back(fmt::format("floored at zero (was {}); returns exceed sales", money(amount, places, currency)));
      amount = Decimal();
    }
    if (pr.floor != plan::kNoFunction && !pr.floor_per) {  // a floor per year is netted against payments: settle()
      Value f = frame.run(pr.floor);
      if (covered) covered->floor.count(Decimal::compare(amount, f.decimal()) < 0);
      if (Decimal::compare(amount, f.decimal()) < 0) {
        if (explain_) out.explain().steps.push_back(fmt::format("floor {} applied (was {})", limit_text(pr.floor_where, f.decimal()), money(amount, places, currency)));
        amount = f.decimal();
      }
    }
    if (pr.cap != plan::kNoFunction && !pr.cap_per) {  // a cap per year is netted against payments: settle()
      Value c = frame.run(pr.cap);
      if (covered) covered->cap.count(Decimal::compare(amount, c.decimal()) > 0);
      if (Decimal::compare(amount, c.decimal()) > 0) {
        if (explain_) out.explain().steps.push_back(fmt::format("cap {} applied (was {})", limit_text(pr.cap_where, c.decimal()), money(amount, places, currency)));
        amount = c.decimal();
      }
    }
    std::optional<Decimal> rounded = amount.rounded(pr.places, pr.rounding);
    if (!rounded) throw vm::EvalError("arithmetic overflow rounding the payout", pr.pay.where, frame.context());  // never unrounded
    amount = *rounded;
    if (amount.is_zero() && status == Status::Paid) status = Status::Zero;
    if (amount.is_negative() && status == Status::Paid) status = Status::Clawback;
    return amount;
  }

  // A settled rebate (docs/language.md §22): what its clauses earned over `frame`'s window (the payout's
  // amount so far) less what the payments input says was paid for that window, within a cap per year
  // netted the same way; a negative result is paid as the rebate's `on negative` policy says.
  void settle(PartnerFrame& frame, const plan::Rebate& pr, size_t r, Status& status, Payout& out) {
    const int places = plan_.minor_unit;
    const std::string& currency = plan_.currency;
    const Window w = frame.window();
    const uint32_t partner = frame.partner();
    const Decimal earned = out.amount();
    const Paid paid = s_.payments.paid(static_cast<uint32_t>(r), partner, w.first, w.last);
    const std::string& ledger = plan_.inputs[pr.payments].name;
    auto periods = [&](Window x) {
      return x.first == x.last ? s_.periods.label(x.first) : fmt::format("{} to {}", s_.periods.label(x.first), s_.periods.label(x.last));
    };
    auto overflow = [&] { return vm::EvalError("arithmetic overflow netting the payout against what was paid", pr.pay.where, frame.context()); };
    std::optional<Decimal> due = Decimal::sub(earned, paid.amount);
    if (!due) throw overflow();
    if (explain_) {
      Explanation& e = out.explain();
      e.settlement = Explanation::Settlement{w.first == w.last ? s_.periods.label(w.first)
                                                               : fmt::format("{}..{}", s_.periods.label(w.first), s_.periods.label(w.last)),
                                             earned, paid.amount, *due, paid.payments};
      e.steps.push_back(fmt::format("earned {}{}: {}", w.first == w.last ? "in " : "over ", periods(w), money(earned, places, currency)));
      e.steps.push_back(fmt::format("paid before for {}: {} ({} {} in `{}`)", periods(w), money(paid.amount, places, currency), paid.payments,
                                    paid.payments == 1 ? "payment" : "payments", ledger));
      e.steps.push_back(fmt::format("due: {} - {} = {}", money(earned, places, currency), money(paid.amount, places, currency), money(*due, places, currency)));
    }
    // A limit's window (the year, or the quarter) up to this payout's period.
    auto limit_window = [&](PeriodGrain per) {
      const PeriodIndex year = s_.periods.year_start(w.last);
      const PeriodIndex span = per == PeriodGrain::Year ? s_.periods.per_year() : s_.periods.per_year() / 4;
      return std::pair<Window, PeriodIndex>{Window{year + (w.last - year) / span * span, w.last}, span};
    };
    if (pr.floor_per) {
      // The floor is over the payouts of its window (the year): they add up to at least the floor. Earlier
      // periods of the window pay what they earn, and its last period tops up what was paid for it, when
      // the partner is eligible and meets the gates then (as a plain floor needs them in its period).
      const auto [floor_window, span] = limit_window(*pr.floor_per);
      const char* per = *pr.floor_per == PeriodGrain::Year ? "year" : "quarter";
      const bool qualifies = status != Status::NotEligible && status != Status::GateNotMet;
      const Value floor = frame.run(pr.floor);
      if (floor.none) throw vm::EvalError("the floor has no value", pr.floor_where, frame.context());
      const bool window_ends = w.last == floor_window.first + span - 1;
      if (qualifies && window_ends) {
        const Paid in_window = s_.payments.paid(static_cast<uint32_t>(r), partner, floor_window.first, floor_window.last);
        std::optional<Decimal> room = Decimal::sub(floor.decimal(), in_window.amount);
        if (!room) throw overflow();
        if (RebateCoverage* c = covered(r)) c->floor.count(Decimal::compare(*due, *room) < 0);  // as a plain floor is counted
        if (Decimal::compare(*due, *room) < 0) {
          if (explain_) {
            out.explain().steps.push_back(fmt::format("floor {} per {}: {} paid for {} leaves {} to reach it (was {})",
                                                      limit_text(pr.floor_where, floor.decimal()), per, money(in_window.amount, places, currency),
                                                      periods(floor_window), money(*room, places, currency), money(*due, places, currency)));
          }
          due = room;
        }
      } else if (qualifies && explain_) {
        out.explain().steps.push_back(fmt::format("floor {} per {}: met by the payout of {}, the {}'s last period", limit_text(pr.floor_where, floor.decimal()),
                                                  per, s_.periods.label(floor_window.first + span - 1), per));
      }
    }
    if (pr.cap_per) {
      // The cap is over the payouts of the cap's window (the year): what was paid for its periods up to
      // this one leaves the room this payout may take.
      const Window cap_window = limit_window(*pr.cap_per).first;
      const Paid in_window = s_.payments.paid(static_cast<uint32_t>(r), partner, cap_window.first, cap_window.last);
      const Value cap = frame.run(pr.cap);
      if (cap.none) throw vm::EvalError("the cap has no value", pr.cap_where, frame.context());
      std::optional<Decimal> room = Decimal::sub(cap.decimal(), in_window.amount);
      if (!room) throw overflow();
      if (RebateCoverage* c = covered(r)) c->cap.count(Decimal::compare(*due, *room) > 0);  // as a plain cap is counted
      if (Decimal::compare(*due, *room) > 0) {
        if (explain_) {
          out.explain().steps.push_back(fmt::format("cap {} per {}: {} paid for {} leaves {} (was {})", limit_text(pr.cap_where, cap.decimal()),
                                                    *pr.cap_per == PeriodGrain::Year ? "year" : "quarter", money(in_window.amount, places, currency),
                                                    periods(cap_window), money(*room, places, currency), money(*due, places, currency)));
        }
        due = room;
      }
    }
    if (due->is_negative()) {
      const std::string owed = money(due->negated(), places, currency);
      switch (pr.on_negative) {
        case plan::SettlePolicy::ClawBack:
          break;  // a negative payout, status `clawback`: its explanation says the partner owes it back
        case plan::SettlePolicy::CarryForward: {
          const bool year_ends = w.last + 1 == s_.periods.year_start(w.last) + s_.periods.per_year();
          if (explain_) {
            out.explain().steps.push_back(
                year_ends ? fmt::format("carried: {} was paid more than earned, and {} is the last period of the year: this rebate does not recover it "
                                        "(claw it back, or book it in `{}`)", owed, s_.periods.label(w.last), ledger)
                          : fmt::format("carried: {} was paid more than earned; nothing is paid now, and the next payouts of the year recover it", owed));
          }
          due = Decimal();
          status = Status::Carried;
          out.reason = TextRef();  // no condition decided it: the steps say why
          break;
        }
        case plan::SettlePolicy::Floor:
          if (explain_) out.explain().steps.push_back(fmt::format("floored at zero: {} was paid more than earned; it is not recovered", owed));
          due = Decimal();
          break;
      }
    }
    std::optional<Decimal> rounded = due->rounded(pr.places, pr.rounding);
    if (!rounded) throw overflow();
    out.set_amount(*rounded);
    if (status == Status::Carried) return;
    // The status says what this payout does: pay, claw back, or nothing (keeping why not, when a
    // condition decided and nothing is owed either way).
    if (rounded->is_negative()) {
      status = Status::Clawback;
      out.reason = TextRef();
    } else if (!rounded->is_zero()) {
      if (status != Status::Paid) out.reason = TextRef();
      status = Status::Paid;
    } else if (status == Status::Paid || status == Status::Clawback) {
      status = Status::Zero;
    }
  }

  // An adjustment of a rebate that does not settle: its recomputed payout (the amount so far) less what
  // the closing's payments ledger says was paid for the period, rounded once as the rebate rounds (a
  // payment booked with more places stays exact until then). Negative when more was paid than is due now.
  void net_against_paid(PartnerFrame& frame, size_t r, Payout& out) {
    const plan::Rebate& pr = plan_.rebates[r];
    const PeriodIndex c = frame.window().last;
    const Decimal earned = out.amount();
    const Paid paid = s_.payments.paid(static_cast<uint32_t>(r), frame.partner(), c, c);
    std::optional<Decimal> due = Decimal::sub(earned, paid.amount);
    std::optional<Decimal> rounded = due ? due->rounded(pr.places, pr.rounding) : std::nullopt;
    if (!rounded) throw vm::EvalError("arithmetic overflow netting the adjustment against what was paid", pr.pay.where, frame.context());
    if (explain_) {
      const int places = plan_.minor_unit;
      const std::string& currency = plan_.currency;
      Explanation& e = out.explain();
      e.settlement = Explanation::Settlement{s_.periods.label(c), earned, paid.amount, *due, paid.payments};
      e.steps.push_back(fmt::format("paid before for {}: {} ({} {} in `{}`)", s_.periods.label(c), money(paid.amount, places, currency), paid.payments,
                                    paid.payments == 1 ? "payment" : "payments", plan_.inputs[s_.closing->payments].name));
      e.steps.push_back(fmt::format("adjustment: {} - {} = {}", money(earned, places, currency), money(paid.amount, places, currency),
                                    money(*rounded, places, currency)));
    }
    out.set_amount(*rounded);
  }

  // An award's or metric's value as files write it and as people read it. Money is rounded to its
  // currency's minor unit by the program's rounding mode, as a payout is (docs/language.md §25).
  void award_value(const plan::Award& a, const Value& v, uint32_t where, PartnerFrame& frame, AwardValue& out) const {
    out.currency.clear();
    switch (a.type) {
      case plan::ValueType::Text: out.value = frame.texts()->text(static_cast<uint32_t>(v.coef)); break;  // made texts too
      case plan::ValueType::Bool: out.value = v.truthy() ? "true" : "false"; break;
      case plan::ValueType::Enum: out.value = a.members[static_cast<size_t>(v.coef)]; break;
      case plan::ValueType::Money: {
        const std::optional<Decimal> rounded = v.decimal().rounded(a.places, plan_.rounding);
        if (!rounded) throw vm::EvalError("arithmetic overflow rounding the value", where, frame.context());
        out.value.clear();
        append_fixed(out.value, *rounded, a.places);
        out.currency = a.currency;
        out.shown = format_value(Value::number(*rounded), a.currency, a.places);
        return;
      }
      case plan::ValueType::Percent:
        out.value = format_value(v, "%", 0);
        break;
      case plan::ValueType::Number:
        out.value.clear();
        append_shortest(out.value, v.decimal());
        out.shown = format_value(v, "", 0);
        return;
    }
    out.shown = out.value;
  }

  // The text of an award's row value (for the next level of an explanation).
  std::string award_text(const plan::Award& a, const Value& v, uint32_t where, PartnerFrame& frame) const {
    AwardValue shown;
    award_value(a, v, where, frame, shown);
    return shown.shown;
  }

  // Why award `a` gave row `decided`'s value: the rows tried before it, what they read, and how far the
  // partner is from the row above (the next level).
  std::shared_ptr<Explanation> explain_award(PartnerFrame& frame, const plan::Award& a, size_t decided) {
    auto e = std::make_shared<Explanation>();
    tracer_.begin(frame, e->trace);
    for (size_t ri = 0; ri <= decided; ++ri) {
      tracer_.clause(a.rows[ri].when);
      tracer_.clause(a.rows[ri].value);
    }
    if (a.metric) return e;  // one formula: its trace is the explanation
    const plan::Location& l = plan_.locations[a.rows[decided].where];
    e->steps.push_back(fmt::format("row {} ({}:{}) decided: {}", decided + 1, l.file, l.line, closed_up(l.text)));
    if (decided == 0) return e;
    // The row above: its value, and when its condition is one comparison of a measure with a constant
    // (`revenue >= 250_000 USD`), how much more of the measure reaches it.
    const plan::AwardRow& above = a.rows[decided - 1];
    const std::string level = award_text(a, frame.run(above.value), above.where, frame);
    const std::vector<plan::Instr>& code = plan_.functions[above.when].code;
    if (code.size() == 4 && (code[0].op == plan::Opcode::Measure || code[0].op == plan::Opcode::Shifted) && code[1].op == plan::Opcode::Const &&
        (code[2].op == plan::Opcode::Ge || code[2].op == plan::Opcode::Gt) && code[3].op == plan::Opcode::Return) {
      const plan::Measure& m = plan_.measures[code[0].a];
      const Value have = code[0].op == plan::Opcode::Measure ? frame.measure(code[0].a) : frame.shifted(code[0].a, code[0].b);
      const std::optional<Decimal> gap = have.none ? std::nullopt : Decimal::sub(plan_.constants[code[1].a].decimal(), have.decimal());
      if (gap && !gap->is_negative()) {
        const char* more = code[2].op == plan::Opcode::Gt ? "more than " : "";
        e->next_band = fmt::format("{}{} more {} reaches {}", more, format_value(Value::number(*gap), m.unit, plan_.minor_unit), as_words(m.name), level);
        return e;
      }
    }
    const plan::Location& next = plan_.locations[above.where];
    e->next_band = fmt::format("{} is row {} ({}:{}): {}", level, decided, next.file, next.line, closed_up(next.text));
    return e;
  }

  // A cap's or floor's amount for an explanation: by name and value when the program names it
  // (`storage_cap (50,000.00 USD)`), else the value.
  std::string limit_text(uint32_t where, const Decimal& value) const {
    const std::string& text = plan_.locations[where].text;
    const std::string amount = money(value, plan_.minor_unit, plan_.currency);
    const bool name = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }) && !(text[0] >= '0' && text[0] <= '9');
    return name ? fmt::format("{} ({})", text, amount) : amount;
  }

  // Each award's first row that holds, for this partner and period.
  void award(PartnerFrame& frame, PeriodIndex period, const std::string& label, uint32_t partner, std::vector<AwardValue>& awards) {
    for (size_t ai = 0; ai < plan_.awards.size(); ++ai) {
      const plan::Award& a = plan_.awards[ai];
      for (size_t ri = 0; ri < a.rows.size(); ++ri) {
        const plan::AwardRow& row = a.rows[ri];
        if (row.when != plan::kNoFunction) {
          Value w = frame.run(row.when);
          if (w.none || !w.truthy()) continue;
        }
        if (coverage_ && coverage_->counts_name(a.name)) ++coverage_->counts.award_rows[ai][ri];
        Value v = frame.run(row.value);
        AwardValue& out = awards.emplace_back();
        out.partner = s_.partner_name(partner);
        out.period = s_.periods.label(a.next_period ? period + 1 : period);
        out.measured = label;
        out.award = a.name;
        out.metric = a.metric;
        award_value(a, v, row.where, frame, out);
        if (explain_) out.explanation = explain_award(frame, a, ri);
        break;
      }
    }
  }

  // The counts, and the machine's observer of the tier bands reached. Counts only in the cells and
  // for the rebates and awards that the caller's Coverage::checked names.
  struct CoverageCounter : vm::Observer {
    CoverageCounter(const plan::Plan& p, const Coverage& wanted) : plan(p), checked(wanted.checked), counts(p) {}
    void band(uint32_t tiers, int band) override {
      if (cell_counted) counts.band(plan, tiers, band);
    }
    // A new cell: which of its rebates and awards count.
    void begin_cell(std::string_view partner, const std::string& period, CellContext& context) {
      names.clear();
      if (checked.empty()) {
        cell_counted = true;
      } else {
        for (auto it = checked.lower_bound({std::string(partner), period, std::string()});
             it != checked.end() && std::get<0>(*it) == partner && std::get<1>(*it) == period; ++it) {
          names.push_back(std::get<2>(*it));
        }
        cell_counted = !names.empty();
      }
      context.coverage = cell_counted ? &counts : nullptr;
    }
    bool counts_name(const std::string& name) const {
      return checked.empty() || std::find(names.begin(), names.end(), name) != names.end();
    }
    const plan::Plan& plan;
    const std::set<std::tuple<std::string, std::string, std::string>>& checked;
    Coverage counts;
    bool cell_counted = false;
    std::vector<std::string> names;  // the cell's rebates and awards that count
  };
  RebateCoverage* covered(size_t r) {
    return coverage_ && coverage_->counts_name(plan_.rebates[r].name) ? &coverage_->counts.rebates[r] : nullptr;
  }

  const State& s_;
  const plan::Plan& plan_;
  const std::vector<RebateFacts>& rebates_;
  const PayoutTexts& texts_;
  CellContext context_;
  FundEvaluator funds_{s_, context_};
  Tracer tracer_;
  bool explain_;  // explanations made
  bool awards_;   // awards made
  std::unique_ptr<CoverageCounter> coverage_;  // on the heap: the context and the machine point into it
};

// What a batch is made in, reused from one batch to the next: after the first batches no payout,
// explanation or text is allocated again but for what grows (a longer explanation, a longer id).
struct BatchMemory {
  std::vector<Payout> payouts;             // cells x per_cell
  std::vector<std::string> partner_names;  // by cell (a TextRef holds its address: sized once, never moved)
  std::vector<TextRef> partners;           // by cell
  std::vector<std::string> display_names;  // by cell: the partner table's `name` (when it has one)
  std::vector<TextRef> displays;           // by cell
  std::vector<Decimal> totals;             // by cell
  std::vector<uint32_t> award_count;       // by cell
  std::vector<uint32_t> award_begin;       // by cell, and one past
  std::vector<AwardValue> awards;          // the batch's, in cell order
  std::vector<std::vector<AwardValue>> of_thread;  // by thread: its cells' awards, in cell order
  // Adjustments (closed periods): by thread, its cells' in cell order; by cell, how many; and when a
  // batch has some, its payouts laid out again with each cell's adjustments after its payouts.
  std::vector<std::vector<Payout>> adjustments_of_thread;
  std::vector<uint32_t> adjustment_count;
  std::vector<Payout> laid_out;
  std::vector<uint32_t> payout_begin;
};

// A cell's total: its payouts, one per rebate, side by side, and its adjustments (`extra` of them).
Decimal cell_total(const Payout* payouts, size_t per_cell, const Payout* extra = nullptr, size_t extras = 0) {
  Decimal sum;
  for (size_t k = 0; k < per_cell + extras; ++k) {
    std::optional<Decimal> next = Decimal::add(sum, (k < per_cell ? payouts[k] : extra[k - per_cell]).amount());
    // A total past 38 digits: an error, never a total without one of its payouts.
    if (!next) throw vm::EvalError("arithmetic overflow adding up the partner's total", UINT32_MAX, std::string(payouts[0].partner));
    sum = *next;
  }
  return sum;
}

}  // namespace

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

void PayoutCollector::batch(const PayoutBatch& b) {
  TextStore& store = *into_.texts;
  auto keep = [&store](TextRef t) { return t.empty() ? TextRef() : TextRef(store.keep(t.view())); };
  into_.payouts.reserve(into_.payouts.size() + b.payout_count());
  for (size_t i = 0; i < b.payout_count(); ++i) {
    Payout p = b.payouts[i];
    for (TextRef* t : {&p.partner, &p.period, &p.rebate, &p.title, &p.status, &p.reason, &p.band, &p.corrects}) *t = keep(*t);
    if (p.explanation) p.explanation = std::make_shared<Explanation>(*p.explanation);  // the batch's is reused
    into_.payouts.push_back(std::move(p));
  }
  if (b.per_cell) {
    for (size_t c = 0; c < b.cells; ++c) into_.totals.push_back(Total{std::string(b.partners[c]), std::string(b.period_label), b.totals[c]});
  }
  into_.awards.insert(into_.awards.end(), b.awards, b.awards + b.award_count());
  if (b.paid) into_.paid.insert(into_.paid.end(), b.paid, b.paid + b.payout_count());
  if (b.paid_totals && b.per_cell) into_.paid_totals.insert(into_.paid_totals.end(), b.paid_totals, b.paid_totals + b.cells);
}

// Period by period, the period's partners a batch at a time: each batch's cells evaluated on the
// evaluation threads (each thread a contiguous range of them), its budgets applied, its totals added
// up, and the batch handed to the sink. Memory: one batch, whatever the number of partners.
void evaluate(State& s, PayoutSink& sink) {
  const plan::Plan& plan = s.plan;
  std::vector<RebateFacts> rebates;
  for (const plan::Rebate& pr : plan.rebates) rebates.push_back(rebate_facts(pr));
  std::vector<std::string> labels;
  for (PeriodIndex period : s.run_periods) labels.push_back(s.periods.label(period));
  const PayoutTexts texts = payout_texts(s, labels);

  const size_t partners = s.partner_ids.size(), periods = s.run_periods.size(), per_cell = plan.rebates.size();
  const size_t threads = evaluation_threads(partners, s.options.threads);
  const size_t batch_partners = std::max<size_t>(
      1, std::min(partners, s.options.batch_partners ? s.options.batch_partners : kBatchPayouts / std::max<size_t>(1, per_cell)));
  const bool budgeted = !plan.budgets.empty() && per_cell > 0;
  std::vector<CellEvaluator> full, lite;  // by thread; lite: a budget's first look, amounts only
  full.reserve(threads);
  for (size_t t = 0; t < threads; ++t) full.emplace_back(s, rebates, texts);
  if (budgeted) {
    lite.reserve(threads);
    for (size_t t = 0; t < threads; ++t) lite.emplace_back(s, rebates, texts, false);
  }
  PeriodBudgets budgets(s);
  PayoutConversion paying(s);  // into the currency each partner is paid in, after budgets and settlement
  // Closed periods: the first period the run pays carries the adjustments (closing.h).
  const Adjustments adjustments = s.closing && !s.run_periods.empty() ? Adjustments(s, s.run_periods.front(), *s.result.texts) : Adjustments();

  BatchMemory m;
  m.payouts.resize(std::min(partners, batch_partners) * per_cell);
  m.partner_names.resize(std::min(partners, batch_partners));
  m.partners.resize(m.partner_names.size());
  // A statement names the partner: the partner table's `name` column, when it has a text one.
  uint32_t name_column = UINT32_MAX;
  if (plan.partner_table != UINT32_MAX) {
    const auto& columns = plan.inputs[plan.partner_table].spec.columns;
    for (uint32_t c = 0; c < columns.size(); ++c) {
      if (columns[c].name == "name" && columns[c].kind == ledger::ColumnKind::Text) name_column = c;
    }
  }
  if (name_column != UINT32_MAX) {
    m.display_names.resize(m.partner_names.size());
    m.displays.resize(m.partner_names.size());
  }
  m.totals.resize(m.partner_names.size());
  m.award_count.resize(m.partner_names.size());
  m.award_begin.resize(m.partner_names.size() + 1);
  m.of_thread.resize(threads);
  m.adjustments_of_thread.resize(threads);
  m.adjustment_count.assign(m.partner_names.size(), 0);
  m.payout_begin.resize(m.partner_names.size() + 1);

  std::vector<uint32_t> of_period;  // the period's partners: all of them, or those with a row in force (§28)
  // Cells [first, first + cells) of of_period in period p evaluated into the batch's memory; with `totals`, each
  // cell's total worked out by the thread that made it (its payouts are final).
  auto evaluate_cells = [&](std::vector<CellEvaluator>& evaluators, size_t p, uint32_t first, size_t cells, bool totals) {
    for (size_t c = 0; c < cells; ++c) {
      m.partner_names[c].assign(s.pool.text(s.partner_ids[of_period[first + c]]));
      m.partners[c] = TextRef(m.partner_names[c]);
      if (name_column != UINT32_MAX) {
        const uint32_t row = s.partner_row_in(of_period[first + c], s.run_periods[p]);
        const Value v = row == UINT32_MAX ? Value::missing() : s.cell_value(plan.partner_table, name_column, row);
        m.display_names[c].assign(v.none ? std::string_view() : s.pool.text(static_cast<uint32_t>(v.coef)));
        m.displays[c] = TextRef(m.display_names[c]);
      }
    }
    for (std::vector<AwardValue>& a : m.of_thread) a.clear();
    for (std::vector<Payout>& a : m.adjustments_of_thread) a.clear();
    const bool carries = p == 0 && !adjustments.empty();
    for_each_cell(1, cells, threads, [&](size_t thread, size_t, uint32_t c) {
      Payout* payouts = m.payouts.data() + c * per_cell;  // (no payouts at all in an award-only program)
      std::vector<AwardValue>& awards = m.of_thread[thread];
      const size_t before = awards.size();
      evaluators[thread].evaluate(p, labels[p], of_period[first + c], m.partners[c], payouts, awards);
      m.award_count[c] = static_cast<uint32_t>(awards.size() - before);
      std::vector<Payout>& adjusted = m.adjustments_of_thread[thread];
      const size_t adjusted_before = adjusted.size();
      if (carries) evaluators[thread].adjust(p, of_period[first + c], m.partners[c], adjustments, adjusted);
      m.adjustment_count[c] = static_cast<uint32_t>(adjusted.size() - adjusted_before);
      if (totals && per_cell) m.totals[c] = cell_total(payouts, per_cell, adjusted.data() + adjusted_before, m.adjustment_count[c]);
    });
  };

  for (size_t p = 0; p < periods; ++p) {
    if (p == 0 || s.history.on()) of_period = partners_of_period(s, s.run_periods[p]);
    const size_t paid = of_period.size();
    // A budget's first look at the period. Should it fail, the second evaluation, which does all the
    // first did and more in the same order, meets the sequentially first runtime error of the period.
    std::exception_ptr first_look_failed;
    if (budgeted) {
      budgets.clear();
      try {
        for (size_t first = 0; first < paid; first += batch_partners) {
          const size_t cells = std::min(batch_partners, paid - first);
          evaluate_cells(lite, p, static_cast<uint32_t>(first), cells, false);
          budgets.keep(m.payouts.data(), cells * per_cell);
        }
        budgets.decide();
      } catch (const vm::EvalError&) {
        first_look_failed = std::current_exception();
      }
    }
    for (size_t first = 0; first < paid; first += batch_partners) {
      const size_t cells = std::min(batch_partners, paid - first);
      evaluate_cells(full, p, static_cast<uint32_t>(first), cells, !budgeted);
      if (budgeted) {
        if (!first_look_failed) budgets.apply(m.payouts.data(), cells * per_cell);
        for (size_t c = 0; c < cells; ++c) m.totals[c] = cell_total(m.payouts.data() + c * per_cell, per_cell);
      }
      // Threads hold contiguous ranges of cells in order, so their awards, one after the other, are in
      // cell order.
      m.awards.clear();
      for (std::vector<AwardValue>& of_thread : m.of_thread) {
        for (AwardValue& a : of_thread) m.awards.push_back(std::move(a));
      }
      m.award_begin[0] = 0;
      for (size_t c = 0; c < cells; ++c) m.award_begin[c + 1] = m.award_begin[c] + m.award_count[c];
      // Cells with adjustments: each cell's payouts, then its adjustments (the threads' in cell order).
      m.laid_out.clear();
      size_t adjusted = 0;
      for (size_t c = 0; c < cells; ++c) adjusted += m.adjustment_count[c];
      if (adjusted) {
        s.result.summary.adjustments += adjusted;
        auto from_thread = m.adjustments_of_thread.begin();
        size_t next = 0;
        m.laid_out.reserve(cells * per_cell + adjusted);
        for (size_t c = 0; c < cells; ++c) {
          m.payout_begin[c] = static_cast<uint32_t>(m.laid_out.size());
          m.laid_out.insert(m.laid_out.end(), m.payouts.begin() + static_cast<std::ptrdiff_t>(c * per_cell),
                            m.payouts.begin() + static_cast<std::ptrdiff_t>((c + 1) * per_cell));
          for (uint32_t k = 0; k < m.adjustment_count[c]; ++k) {
            while (next == from_thread->size()) ++from_thread, next = 0;
            m.laid_out.push_back(std::move((*from_thread)[next++]));
          }
        }
        m.payout_begin[cells] = static_cast<uint32_t>(m.laid_out.size());
      }
      PayoutBatch b;
      b.period = p;
      b.period_label = labels[p];
      b.first_partner = static_cast<uint32_t>(first);
      b.partner_index = of_period.data() + first;
      b.cells = cells;
      b.per_cell = per_cell;
      b.partners = m.partners.data();
      b.partner_names = m.displays.empty() ? nullptr : m.displays.data();
      b.payouts = adjusted ? m.laid_out.data() : m.payouts.data();
      b.payout_begin = adjusted ? m.payout_begin.data() : nullptr;
      b.totals = m.totals.data();
      b.awards = m.awards.data();
      b.award_begin = m.award_begin.data();
      paying.apply(b, adjusted ? m.laid_out.data() : m.payouts.data(), s.run_periods[p]);
      sink.batch(b);
      m.laid_out.clear();  // (the payouts' explanations are reused by the next batch when nothing else holds them)
    }
    if (first_look_failed) std::rethrow_exception(first_look_failed);  // not reached: the second failed too
  }
  if (!s.options.forecast || &sink != s.options.forecast->to_date) paying.add_note(s.result.summary);  // once a run
  if (s.options.coverage) {
    for (const CellEvaluator& e : full) *s.options.coverage += *e.coverage();
  }
}

}  // namespace rebate::engine
