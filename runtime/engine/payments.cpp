// The payments inputs, indexed for settlement (payments.h).
#include "engine/payments.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "engine/row_walk.h"
#include "engine/state.h"

namespace rebate::engine {

bool PaymentsIndex::add(uint32_t rebate, uint32_t partner, PeriodIndex period, const Decimal& amount) {
  Paid& p = by_rebate_[rebate][{partner, period}];
  std::optional<Decimal> sum = Decimal::add(p.amount, amount);
  if (!sum) return false;
  p.amount = *sum;
  ++p.payments;
  return true;
}

Paid PaymentsIndex::paid(uint32_t rebate, uint32_t partner, PeriodIndex first, PeriodIndex last) const {
  Paid out;
  const auto& m = by_rebate_[rebate];
  for (auto it = m.lower_bound({partner, first}); it != m.end() && it->first.first == partner && it->first.second <= last; ++it) {
    // Each partner and period's sum was checked when added; a year of them stays far below 38 digits.
    out.amount = Decimal::add(out.amount, it->second.amount).value_or(out.amount);
    out.payments += it->second.payments;
  }
  return out;
}

bool index_payments(State& s) {
  const plan::Plan& plan = s.plan;
  s.payments.reset(plan.rebates.size());
  std::unordered_map<std::string, uint32_t> partner_of;
  for (uint32_t p = 0; p < s.partner_ids.size(); ++p) partner_of.emplace(s.partner_name(p), p);
  RowErrors errors(s, "payments", s.options.max_errors);
  for (uint32_t index = 0; index < plan.inputs.size(); ++index) {
    const plan::Input& in = plan.inputs[index];
    if (in.kind != plan::InputKind::Payments) continue;
    // The plan's rebates that settle against this input, by name (a combined plan of `rebate diff` has
    // each name once per program).
    std::unordered_map<std::string, std::vector<uint32_t>> settling;
    std::vector<std::string> others;
    // With closed periods, the rebates that do not settle are read against the program's payments
    // ledger too: their adjustments net against what was paid for the period they correct (closing.h).
    const bool closing_reads = s.closing && s.closing->payments == index;
    for (uint32_t r = 0; r < plan.rebates.size(); ++r) {
      const uint32_t from = plan.rebates[r].payments;
      if (from == index || (closing_reads && from == UINT32_MAX)) settling[plan.rebates[r].name].push_back(r);
      else others.push_back(plan.rebates[r].name);
    }
    const ledger::Table& t = s.tables[index];
    uint64_t unused = 0;
    // A payment made after --as-of had not been made on that day: a run as of a past day nets against
    // what was paid by then, and so gives what a run on that day gave.
    const uint64_t after_as_of = for_each_row_read(s, index, errors, AsOf::LeaveOutLater, [&](const ReadRow& at) {
      const size_t row = at.row;
      const std::string partner = cell_text(s, t.columns[in.partner_column], row);
      const std::string rebate = cell_text(s, t.columns[in.rebate_column], row);
      const std::string label = cell_text(s, t.columns[in.period_column], row);
      auto p = partner_of.find(partner);
      auto r = settling.find(rebate);
      std::optional<PeriodIndex> period = s.periods.parse(label);
      bool ok = true;
      if (p == partner_of.end()) {
        at.fail(in.partner_column, fmt::format("`{}` is not a partner of the program ({}); a payment to it cannot be netted against anything", partner,
                                               plan.partner_table == UINT32_MAX ? "no ledger line names it" : "it is not in the partner table"));
        ok = false;
      }
      if (r == settling.end() && std::find(others.begin(), others.end(), rebate) == others.end()) {
        at.fail(in.rebate_column, fmt::format("`{}` is not a rebate of the program; expected a rebate's name as the payouts file writes it", rebate));
        ok = false;
      }
      if (!period) {
        at.fail(in.period_column, fmt::format("`{}` is not a period of the program; expected its label as the payouts file writes it, like `{}`", label,
                                              s.periods.label(s.periods.of_day(*parse_date("2026-07-01")))));
        ok = false;
      }
      if (!ok) return;
      if (r == settling.end()) {
        ++unused;  // a rebate of the program that does not settle against this input
        return;
      }
      const Value amount = s.cell_value(index, in.amount_column, row);
      for (uint32_t rebate_index : r->second) {
        if (!s.payments.add(rebate_index, p->second, *period, amount.decimal())) {
          at.fail(in.amount_column, "the payments of this partner, rebate and period add up to more than 38 digits");
          break;
        }
      }
    });
    if (after_as_of) {
      s.result.summary.paid_after_as_of += after_as_of;
      s.result.summary.notes.push_back(fmt::format("{} {} of `{}` {} paid after the as-of date ({}) and {} not read", after_as_of,
                                                   after_as_of == 1 ? "row" : "rows", in.name, after_as_of == 1 ? "was" : "were",
                                                   format_date(*s.options.as_of), after_as_of == 1 ? "was" : "were"));
    }
    if (unused) {
      s.result.summary.notes.push_back(fmt::format("{} {} of `{}` {} for rebates that do not settle against it; {} no payout", unused,
                                                   unused == 1 ? "row" : "rows", in.name, unused == 1 ? "is" : "are",
                                                   unused == 1 ? "it changes" : "they change"));
    }
  }
  return errors.finish();
}

}  // namespace rebate::engine
