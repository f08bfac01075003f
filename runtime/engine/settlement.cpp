// Payouts netted against what was paid (cell_evaluator.h): a settled rebate's (docs/language.md §22)
// and a closed period's adjustments (§23, closing.h).
#include "engine/cell_evaluator.h"

#include "engine/budgets.h"
#include "engine/report.h"

namespace rebate::engine {

void CellEvaluator::adjust(size_t p, uint32_t partner, TextRef partner_text, const Adjustments& adjustments, std::vector<Payout>& into) {
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

void CellEvaluator::settle(PartnerFrame& frame, const plan::Rebate& pr, size_t r, Status& status, Payout& out) {
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

void CellEvaluator::net_against_paid(PartnerFrame& frame, size_t r, Payout& out) {
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

}  // namespace rebate::engine
