// A rebate evaluated in a cell, clause by clause (cell_evaluator.h): its conditions, the measures and
// lines its explanation shows, its basis and band, its amount (accelerators, uplifts, floor and cap,
// rounding) and its trace.
#include "engine/cell_evaluator.h"

#include "engine/budgets.h"
#include "engine/detail.h"
#include "engine/report.h"

namespace rebate::engine {

void CellEvaluator::rebate(PartnerFrame& frame, size_t r, Payout& out) {
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

void CellEvaluator::trace(PartnerFrame& frame, const plan::Rebate& pr, Payout& out) {
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

void CellEvaluator::check(PartnerFrame& frame, const std::vector<plan::Condition>& conditions, Status failed, Status& status, Payout& out,
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

void CellEvaluator::explain(PartnerFrame& frame, size_t r, Payout& out) {
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

uint64_t CellEvaluator::lines(PartnerFrame& frame, const plan::Rebate& pr) {
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

void CellEvaluator::band(PartnerFrame& frame, const plan::Rebate& pr, Payout& out) {
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

Decimal CellEvaluator::amount(PartnerFrame& frame, const plan::Rebate& pr, Status& status, Payout& out, RebateCoverage* covered) {
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

std::string CellEvaluator::limit_text(uint32_t where, const Decimal& value) const {
  const std::string& text = plan_.locations[where].text;
  const std::string amount = money(value, plan_.minor_unit, plan_.currency);
  const bool name = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }) && !(text[0] >= '0' && text[0] <= '9');
  return name ? fmt::format("{} ({})", text, amount) : amount;
}

}  // namespace rebate::engine
