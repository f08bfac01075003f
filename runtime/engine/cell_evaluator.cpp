// A cell evaluated: its rebates in the program's order, then its awards and fund figures; and what the
// cells of a run share, worked out once (cell_evaluator.h).
#include "engine/cell_evaluator.h"

#include "engine/budgets.h"
#include "engine/report.h"

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

void CellEvaluator::evaluate(size_t p, const std::string& label, uint32_t partner, TextRef partner_text, Payout* payouts,
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

void CellEvaluator::reset(Payout& out) {
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

}  // namespace rebate::engine
