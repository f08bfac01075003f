// Closed periods in SQL (docs/language.md §23, engine/closing.h): a program whose header closes the
// periods up to one pays only the open ones, and the first open period it pays carries, for each partner
// with lines dated in a closed period C and booked after the close, one adjustment per rebate: C's payout
// recomputed from every line, less what the payments input says was paid for C (for a rebate settled
// against it, the settled payout of C is that difference already); a rebate settled over the year to
// date trues up its own year's closed periods in the carrier's payout, and an earlier year's by that
// year's last period re-run. The cells of the corrected periods are computed as any cell is (the cell
// periods' `adjusted`), and outputs.cpp turns them into adjustment rows.
#include <fmt/format.h>

#include <algorithm>

#include "engine/periods.h"
#include "plan/windows.h"
#include "sql/generator.h"

namespace rebate::sql {

namespace {

std::string col(uint32_t c) { return quote_name("c" + std::to_string(c)); }

bool settles_year_to_date(const plan::Rebate& r) { return r.payments != UINT32_MAX && r.settle_year_to_date; }

}  // namespace

void Generator::resolve_closing() {
  if (!plan_.closed_through) return;
  engine::Periods periods(plan_);
  const std::optional<engine::PeriodIndex> through = periods.parse(*plan_.closed_through);
  if (!through) {  // (the checker reads the label as the engine does: this is a program it let through)
    unsupported(fmt::format("closing the periods up to `{}`, which is not a period of the program", *plan_.closed_through), UINT32_MAX);
    return;
  }
  Closing c;
  c.through = static_cast<int>(*through);
  c.on = plan_.closed_on.value_or(periods.last_day(*through));
  // What was paid for a closed period, for the rebates that do not settle: the program's one payments
  // input (the checker requires one, and with several that every rebate settles: E0523, E0524).
  for (uint32_t i = 0; i < plan_.inputs.size(); ++i) {
    if (plan_.inputs[i].kind == plan::InputKind::Payments) c.payments = c.payments == UINT32_MAX ? i : UINT32_MAX - 1;
  }
  if (c.payments == UINT32_MAX - 1) c.payments = UINT32_MAX;
  closing_ = c;
  // Only open periods are paid (compile_command refuses a --period naming a closed one); when the
  // effective dates reach no open one, the first after the close, unless it is after them too.
  if (paid_fixed_) {
    std::erase_if(paid_, [&](int p) { return p <= c.through; });
    if (paid_.empty() && !(plan_.effective_to && periods.first_day(c.through + 1) > *plan_.effective_to)) paid_.push_back(c.through + 1);
  }
}

// `late`: each partner's lines dated in a closed period and booked after the close, counted per period;
// a closed period outside the effective dates paid nothing and has nothing to correct.
std::string Generator::late_cte(const std::vector<uint32_t>& ledgers) {
  std::string lines;
  for (uint32_t l : ledgers) {
    const plan::Input& in = plan_.inputs[l];
    if (in.booked_column == UINT32_MAX) continue;  // no booking dates: no late lines
    std::string within;
    if (plan_.effective_from) within += fmt::format(" AND l.last_day >= {}", *plan_.effective_from);
    if (plan_.effective_to) within += fmt::format(" AND l.first_day <= {}", *plan_.effective_to);
    lines += fmt::format("{}    SELECT l.partner, l.period FROM {} AS l WHERE l.period <= {} AND l.{} > {}{}\n", lines.empty() ? "" : "    UNION ALL\n",
                         quote_name("l_" + in.name), closing_->through, col(in.booked_column), closing_->on, within);
  }
  if (lines.empty()) lines = fmt::format("    SELECT CAST(NULL AS {}) AS partner, 0 AS period WHERE FALSE\n", d_.text_type);
  return fmt::format("late AS (\n  SELECT k.partner, k.period, COUNT(*) AS n\n  FROM (\n{}  ) AS k\n  GROUP BY k.partner, k.period)", lines);
}

// `cell_periods`: the periods with whether their cells are computed: the paid ones, and with closed
// periods the ones an adjustment recomputes (`adjusted`): a closed period with late lines, or for a
// rebate settled over the year to date the last period of an earlier year with late lines in it.
std::string Generator::cell_periods_cte() {
  // (A fund's cells are computed from its first period: funds.cpp.)
  if (!closing_)
    return fmt::format("cell_periods AS (\n  SELECT pe.*, FALSE AS adjusted, pe.paid{} AS computed FROM periods AS pe)",
                       fund_start_ ? fmt::format(" OR pe.period BETWEEN {} AND {}", *fund_start_, paid_.back()) : "");
  const int per_year = plan::periods_per_year(plan_.grain);
  std::string adjusted = "EXISTS (SELECT 1 FROM late AS k WHERE k.period = pe.period)";
  if (std::any_of(plan_.rebates.begin(), plan_.rebates.end(), settles_year_to_date)) {
    adjusted += fmt::format(
        " OR (pe.period - pe.year_start = {} AND pe.year_start < (SELECT MIN(q.year_start) FROM periods AS q WHERE q.paid)"
        " AND EXISTS (SELECT 1 FROM late AS k WHERE k.period BETWEEN pe.year_start AND pe.period))",
        per_year - 1);
  }
  return fmt::format(
      "cell_periods AS (\n  SELECT a.*, a.paid OR a.adjusted AS computed\n  FROM (SELECT pe.*, pe.period <= {} AND ({}) AS adjusted FROM periods AS pe) AS a)",
      closing_->through, adjusted);
}

// A budget scales every partner's payouts of a period by one ratio: a closed period recomputed with one
// partner's late lines moves every partner's share, which no adjustment of one partner can say. The run
// refuses it; so does the query, when there are late lines.
std::string Generator::closing_check_cte() {
  const std::string message = quote_text("partner ") + " || k.partner || " +
                              quote_text(fmt::format(" has lines booked after the close of the periods up to {}, and the program has a budget (`{}`): a "
                                                     "budgeted period recomputed with late lines changes every partner's share, so adjustments cannot be "
                                                     "paid for it. Book the corrections in the payments ledger, or run without closing the periods",
                                                     *plan_.closed_through, plan_.budgets.front().name));
  // (Inside a CASE on the row, so that no database folds the failure away as a constant.)
  return fmt::format("check_closing AS (\n  SELECT COUNT(*) AS bad FROM late AS k WHERE length(CASE WHEN k.n > 0 THEN {} ELSE '' END) < 0)",
                     d_.fail(message, d_.text_type));
}

// Rebate r's adjustment rows for the payouts (outputs.cpp): in the carrying period (the first paid),
// one per partner and corrected period, after the partner's payouts, by corrected period, then in the
// program's order of rebates (the year-to-date rebates' row after the others').
std::string Generator::adjustment_rows(size_t r, const std::string& last) {
  const plan::Rebate& pr = plan_.rebates[r];
  const bool settled = pr.payments != UINT32_MAX;
  const bool ytd = settles_year_to_date(pr);
  std::string amount;
  if (settled) {
    amount = at_scale("c." + rebate_col(r, "settled"), pr.places, kOutputScale);
  } else {
    // The recomputed payout less what was paid for the period, rounded once as the rebate rounds.
    const plan::Input& payments = plan_.inputs[closing_->payments];
    const int paid_scale = payments.spec.columns[payments.amount_column].scale;
    const int scale = std::max(pr.places, paid_scale);
    const std::string paid = at_scale(fmt::format("COALESCE((SELECT SUM(q.amount) FROM {} AS q WHERE q.partner = c.partner AND q.rebate_index = {} AND q.period = c.period), 0)",
                                                  quote_name("pay_" + payments.name), r),
                                      paid_scale, scale);
    const std::string due = fmt::format("{} - {}", at_scale("c." + rebate_col(r, "amount"), pr.places, scale), paid);
    amount = at_scale(fmt::format("CAST({} AS {})", d_.round(d_, due, pr.places, static_cast<int>(pr.rounding)), d_.decimal(pr.places)), pr.places, kOutputScale);
  }
  // The corrected cells of this partner: a closed period with its late lines, or (settled over the year
  // to date) an earlier year's last period with late lines in its year.
  const std::string which =
      ytd ? fmt::format("c.period - c.year_start = {} AND c.year_start < k.year_start AND EXISTS (SELECT 1 FROM late AS lt WHERE lt.partner = c.partner AND "
                        "lt.period BETWEEN c.year_start AND c.period)",
                        plan::periods_per_year(plan_.grain) - 1)
          : "EXISTS (SELECT 1 FROM late AS lt WHERE lt.partner = c.partner AND lt.period = c.period)";
  return fmt::format(
      "  SELECT c.partner, k.label AS period, {} AS rebate, {} AS amount, 'adjustment' AS status, {} AS basis, c.{} AS band, c.{} * 100 AS rate, "
      "k.period AS period_index, {} AS rebate_index, NULL AS budget, c.label AS corrects, 1 AS adjusting, c.period AS corrects_index, {} AS year_to_date\n"
      "  FROM {} AS c CROSS JOIN (SELECT pe.period, pe.label, pe.year_start FROM periods AS pe WHERE pe.period = (SELECT MIN(q.period) FROM periods AS q WHERE q.paid)) AS k\n"
      "  WHERE NOT c.is_paid AND c.period <= {} AND {}\n",
      quote_text(pr.name), amount, at_scale("c." + rebate_col(r, "basis"), pr.pay_basis == plan::kNoFunction ? 0 : function_scale(pr.pay_basis), kOutputScale),
      rebate_col(r, "band"), rebate_col(r, "rate"), r, ytd ? 1 : 0, quote_name(last), closing_->through, which);
}

}  // namespace rebate::sql
