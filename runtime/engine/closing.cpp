// Closed periods: the run's closing resolved and checked, and each partner's adjustment rows (closing.h).
#include "engine/closing.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "engine/state.h"

namespace rebate::engine {

namespace {

bool fail(State& s, bool usage, std::string message) {
  s.result.errors.push_back(std::move(message));
  s.result.usage_error = s.result.usage_error || usage;
  return false;
}

std::string lines_text(uint64_t n) { return n == 1 ? "1 line" : fmt::format("{} lines", n); }

}  // namespace

bool resolve_closing(State& s) {
  const plan::Plan& plan = s.plan;
  const RunOptions& o = s.options;
  if (o.forecast) return true;  // a forecast projects the open period; the run pays the adjustments
  // The command line's --closed-through replaces the header's closing; its --closed-on alone moves the
  // header's close day.
  const bool from_options = o.closed_through.has_value() || (o.closed_on && !plan.closed_through);
  const std::optional<std::string> label = o.closed_through ? o.closed_through : plan.closed_through;
  const std::optional<DayNumber> on = o.closed_through || o.closed_on ? o.closed_on : plan.closed_on;
  if (!label) {
    if (on) return fail(s, true, "--closed-on says when the closed periods were closed, and no period is closed: give --closed-through too");
    return true;
  }
  if (funds_start(s)) {
    return fail(s, from_options, "the program has funds, whose balance runs through every period, closed or not: its periods cannot be closed "
                                 "(docs/language.md §27)");
  }
  const char* what = from_options ? "--closed-through" : "the program's `closed_through`";
  const std::optional<PeriodIndex> through = s.periods.parse(*label);
  if (!through) {
    const PeriodIndex like = s.periods.of_day(*parse_date("2026-06-30"));
    return fail(s, from_options, fmt::format("{}: `{}` is not a period of this program; write its label as the payouts name it, like `{}`", what, *label,
                                             s.periods.label(like)));
  }
  Closing c;
  c.through = *through;
  c.on = on.value_or(s.periods.last_day(*through));
  if (c.on < s.periods.last_day(*through)) {
    return fail(s, from_options || o.closed_on.has_value(),
                fmt::format("{} is closed on {}, before it ends on {}: a period closes on or after its last day", *label, format_date(c.on),
                            format_date(s.periods.last_day(*through))));
  }
  // What was paid for a closed period: the settled rebates' own ledgers, and for the others the program's
  // one payments ledger (the checker says so for a program that closes periods itself: E0523, E0524).
  std::vector<uint32_t> payments;
  for (uint32_t i = 0; i < plan.inputs.size(); ++i) {
    if (plan.inputs[i].kind == plan::InputKind::Payments) payments.push_back(i);
  }
  if (payments.empty()) {
    return fail(s, true, fmt::format("{} closes the periods up to {}, and the program has no payments ledger to say what was paid for them: an "
                                     "adjustment is the recomputed payout less what was paid (declare a `payments ledger`, docs/language.md §22)",
                                     what, *label));
  }
  if (payments.size() == 1) c.payments = payments.front();
  for (const plan::Rebate& r : plan.rebates) {
    if (r.payments == UINT32_MAX && c.payments == UINT32_MAX) {
      return fail(s, true, fmt::format("{} closes the periods up to {}, and rebate `{}` does not settle against one of the program's {} payments "
                                       "ledgers: its adjustments cannot tell which one says what was paid",
                                       what, *label, r.name, payments.size()));
    }
  }
  s.closing = c;
  return true;
}

bool check_adjustments(State& s) {
  if (!s.closing || s.late_lines.empty()) return true;
  uint64_t late = 0;
  for (const auto& [key, n] : s.late_lines) late += n;
  s.result.summary.late_lines = late;
  const std::string through = s.periods.label(s.closing->through);
  if (!s.plan.budgets.empty()) {
    // A budget scales every partner's payouts of a period by one ratio: recomputing a closed period with
    // one partner's late lines moves every partner's share, which no adjustment of one partner can say.
    return fail(s, true, fmt::format("{} booked after the close of the periods up to {} ({}), and the program has a budget (`{}`): a budgeted "
                                     "period recomputed with late lines changes every partner's share, so the run cannot pay adjustments for it. "
                                     "Book the corrections in the payments ledger, or run without closing the periods",
                                     lines_text(late), through, format_date(s.closing->on), s.plan.budgets.front().name));
  }
  // With a partner history (§28), the adjustments are paid in the first open period's cell of the
  // partner, which a partner without a row in force then does not have: refused, rather than dropped.
  if (s.history.on() && !s.run_periods.empty()) {
    const PeriodIndex carrier = s.run_periods.front();
    for (const auto& [key, n] : s.late_lines) {
      const PeriodIndex p = key.second;
      const bool paid_period = !(s.plan.effective_to && s.periods.first_day(p) > *s.plan.effective_to) &&
                               !(s.plan.effective_from && s.periods.last_day(p) < *s.plan.effective_from);
      if (!paid_period || s.partner_in(key.first, carrier)) continue;
      return fail(s, true, fmt::format("partner `{}` has {} booked after the close of {} ({}), and no row of the partner table `{}` in force in {}, "
                                       "the period that pays the adjustments (its rows: {}): the run cannot pay its adjustment. Pay it by hand "
                                       "and book it in the payments ledger, or run without closing the periods",
                                       s.partner_name(key.first), lines_text(n), s.periods.label(p), format_date(s.closing->on),
                                       s.plan.inputs[s.plan.partner_table].name, s.periods.label(carrier), s.history.stretches_text(key.first)));
    }
  }
  s.result.summary.notes.push_back(fmt::format("{} {} booked after the close of the periods up to {} ({}); {} paid as adjustments in {}",
                                               lines_text(late), late == 1 ? "was" : "were", through, format_date(s.closing->on),
                                               late == 1 ? "it is" : "they are",
                                               s.run_periods.empty() ? std::string("the first open period") : s.periods.label(s.run_periods.front())));
  return true;
}

Adjustments::Adjustments(const State& s, PeriodIndex carrier, TextStore& texts) {
  if (!s.closing) return;
  const Closing& c = *s.closing;
  const plan::Plan& plan = s.plan;
  const std::string closed_on = format_date(c.on);
  auto keep_row = [&](PeriodIndex corrects, uint64_t late, bool year_to_date) {
    AdjustmentRow row{corrects, late, year_to_date, &texts.keep(s.periods.label(corrects)), nullptr};
    row.reason = &texts.keep(fmt::format("corrects {}{}: {} booked after its close on {}", *row.label, year_to_date ? " (the year to date)" : "",
                                         lines_text(late), closed_on));
    rows_.push_back(row);
  };
  auto it = s.late_lines.begin();
  while (it != s.late_lines.end()) {
    const uint32_t partner = it->first.first;
    const size_t first = rows_.size();
    std::map<PeriodIndex, uint64_t> years;  // an earlier year's last period -> its late lines
    for (; it != s.late_lines.end() && it->first.first == partner; ++it) {
      const PeriodIndex p = it->first.second;
      // A closed period outside the program's effective dates paid nothing: there is nothing to correct.
      if ((plan.effective_to && s.periods.first_day(p) > *plan.effective_to) || (plan.effective_from && s.periods.last_day(p) < *plan.effective_from)) {
        continue;
      }
      keep_row(p, it->second, false);
      // A rebate settled over the year to date: the carrier's payout trues up its own year's closed
      // periods; an earlier year's are trued up by that year's last period, re-run, when it is closed.
      const PeriodIndex year = s.periods.year_start(p);
      const PeriodIndex last = year + s.periods.per_year() - 1;
      if (year < s.periods.year_start(carrier) && last <= c.through) years[last] += it->second;
    }
    for (const auto& [last, late] : years) keep_row(last, late, true);
    std::stable_sort(rows_.begin() + static_cast<std::ptrdiff_t>(first), rows_.end(),
                     [](const AdjustmentRow& a, const AdjustmentRow& b) { return a.corrects < b.corrects; });
    if (rows_.size() > first) by_partner_.emplace(partner, std::pair<size_t, size_t>{first, rows_.size()});
  }
}

}  // namespace rebate::engine
