// The script's last part (generator.h): what its query selects, once every rebate's amount is a column
// of the cells. The payouts, one row per partner, period and rebate, with the budgets applied to them;
// the totals per partner and period; or the awards. Each follows what `rebate run` writes
// (docs/language.md §21, "Output") and computes (budgets: runtime/engine/budgets.h; awards:
// runtime/engine/awards.cpp).
#include <fmt/format.h>

#include <algorithm>

#include "engine/periods.h"
#include "sql/generator.h"

namespace rebate::sql {

void Generator::need_awards() {
  for (const plan::Award& a : plan_.awards) {
    for (const plan::AwardRow& row : a.rows) {
      need_function(row.when, kPeriod);
      need_function(row.value, kPeriod);
    }
  }
}

// `payouts`: every rebate's rows before the budgets, with the rebate's index and the budget that covers
// it (NULL: none).
std::string Generator::payouts_cte(const std::string& last) {
  std::string selects;
  for (size_t r = 0; r < plan_.rebates.size(); ++r) {
    const plan::Rebate& pr = plan_.rebates[r];
    std::string budget = "NULL";
    // (A budget over every rebate leaves funds out: a fund pays up to its balance, never a share.)
    for (size_t b = 0; b < plan_.budgets.size() && pr.claims == UINT32_MAX; ++b) {
      const std::vector<uint32_t>& covered = plan_.budgets[b].rebates;
      if (covered.empty() || std::find(covered.begin(), covered.end(), r) != covered.end()) {
        budget = std::to_string(b);
        break;  // a rebate belongs to at most one budget (the checker says so)
      }
    }
    // A settled rebate pays what it earned less what was paid (settle.cpp).
    const bool settled = pr.payments != UINT32_MAX;
    // The rate as a percentage (a ratio of 0.05 is 5%), as the CSV writes it.
    selects += fmt::format(
        "{}  SELECT c.partner, c.label AS period, {} AS rebate, {} AS amount, c.{} AS status, {} AS basis, c.{} AS band, "
        "c.{} * 100 AS rate, c.period AS period_index, {} AS rebate_index, {} AS budget, CAST(NULL AS {}) AS corrects, 0 AS adjusting, 0 AS corrects_index, "
        "0 AS year_to_date\n  FROM {} AS c\n  WHERE c.is_paid\n",
        selects.empty() ? "" : "  UNION ALL\n", quote_text(pr.name), at_scale("c." + rebate_col(r, settled ? "settled" : "amount"), pr.places, kOutputScale),
        rebate_col(r, settled ? "settled_status" : "status"), at_scale("c." + rebate_col(r, "basis"), pr.pay_basis == plan::kNoFunction ? 0 : function_scale(pr.pay_basis), kOutputScale),
        rebate_col(r, "band"), rebate_col(r, "rate"), r, budget, d_.text_type, quote_name(last));
  }
  // Closed periods: the adjustments the first paid period carries (closing.cpp).
  for (size_t r = 0; closing_ && r < plan_.rebates.size(); ++r) selects += "  UNION ALL\n" + adjustment_rows(r, last);
  if (selects.empty()) {  // a program of awards only
    selects = fmt::format("  SELECT CAST(NULL AS {0}) AS partner, CAST(NULL AS {0}) AS period, CAST(NULL AS {0}) AS rebate, CAST(NULL AS {1}) AS amount, "
                          "CAST(NULL AS {0}) AS status, CAST(NULL AS {1}) AS basis, CAST(NULL AS {0}) AS band, CAST(NULL AS {1}) AS rate, "
                          "0 AS period_index, 0 AS rebate_index, CAST(NULL AS INTEGER) AS budget, CAST(NULL AS {0}) AS corrects, 0 AS adjusting, "
                          "0 AS corrects_index, 0 AS year_to_date\n  WHERE FALSE\n",
                          d_.text_type, d_.decimal(kOutputScale));
  }
  return fmt::format("payouts AS (\n{})", selects);
}

// The budgets (docs/language.md §14), as PeriodBudgets::decide does them: in each period, when the
// payouts above zero that a budget covers add up to more than it, each becomes amount x budget / total
// (the VM's division: 18 places, half-even), cut to the minor unit; the cents left over go one at a time
// to the largest payouts before scaling (ties: partner id, then the rebates' order), round and round
// again should there be more cents than payouts. A rebate belongs to at most one budget, so the budgets
// are independent and one window over (budget, period) does them all.
void Generator::budget_ctes(std::vector<std::string>& ctes) {
  // Every number at one scale S: the widest of the covered rebates' places (each amount is exact
  // there), the budgets' and the minor unit's. The product of an amount and a budget then has 2S places,
  // exact while that is at most 18, as the VM's product is.
  int scale = plan_.minor_unit;
  std::string limits;
  for (size_t b = 0; b < plan_.budgets.size(); ++b) {
    const plan::Budget& pb = plan_.budgets[b];
    scale = std::max(scale, pb.amount.scale());
    limits += fmt::format("{}({}, {})", limits.empty() ? "" : ", ", b, number_literal(plan::Value::number(pb.amount)));
    for (size_t r = 0; r < plan_.rebates.size(); ++r) {
      if (pb.rebates.empty() || std::find(pb.rebates.begin(), pb.rebates.end(), r) != pb.rebates.end()) scale = std::max(scale, plan_.rebates[r].places);
    }
  }
  if (2 * scale > Decimal::kMaxScale) {
    unsupported(fmt::format("a budget over amounts with {} decimal places", scale), UINT32_MAX);
    return;
  }
  const std::string number = d_.decimal(scale);
  ctes.push_back(fmt::format("budget_limits (budget, amount) AS (\n  VALUES {})", limits));
  // Members: the covered payouts above zero, with their period's total, count and order.
  ctes.push_back(fmt::format(
      "budget_members AS (\n  SELECT p.partner, p.period_index, p.rebate_index, p.budget, CAST(p.amount AS {0}) AS before, CAST(bl.amount AS {0}) AS budget_amount,\n"
      "    CAST(SUM(CAST(p.amount AS {0})) OVER w AS {0}) AS total, COUNT(*) OVER w AS members,\n"
      "    ROW_NUMBER() OVER (PARTITION BY p.budget, p.period_index ORDER BY p.amount DESC, {1}, p.rebate_index) AS place\n"
      "  FROM payouts AS p JOIN budget_limits AS bl ON bl.budget = p.budget\n  WHERE p.amount > 0\n"
      "  WINDOW w AS (PARTITION BY p.budget, p.period_index))",
      number, d_.binary_order(fmt::format("CAST(p.partner AS {})", d_.text_type))));
  // Each member's share, cut to the minor unit, where the period's total is over the budget.
  const std::string share = d_.round(d_, d_.divide(d_, "m.before * m.budget_amount", 2 * scale, "m.total", scale), plan_.minor_unit, 2);
  ctes.push_back(fmt::format("budget_cut AS (\n  SELECT m.*, CAST({} AS {}) AS cut\n  FROM budget_members AS m\n  WHERE m.total > m.budget_amount)", share,
                             number));
  // The cents left: the budget less the cut shares, in whole minor units, rounded down (a budget finer
  // than the cent is paid to the cent below it).
  const std::string per_unit = fmt::format("1{}", std::string(static_cast<size_t>(plan_.minor_unit), '0'));
  ctes.push_back(fmt::format(
      "budget_left AS (\n  SELECT c.*, CAST(floor((c.budget_amount - CAST(SUM(c.cut) OVER (PARTITION BY c.budget, c.period_index) AS {})) * {}) AS BIGINT) AS cents\n"
      "  FROM budget_cut AS c)",
      number, per_unit));
  // The member at place k (from 1) of m members gets a cent for each of k, k + m, k + 2m, ... up to the
  // n cents left: (n - k) / m + 1 of them when k <= n.
  const std::string cents = fmt::format("CASE WHEN l.place <= l.cents THEN {} + 1 ELSE 0 END", d_.integer_quotient("l.cents - l.place", "l.members"));
  const std::string minor = plan_.minor_unit == 0 ? "1" : "0." + std::string(static_cast<size_t>(plan_.minor_unit - 1), '0') + "1";
  ctes.push_back(fmt::format("budget_shares AS (\n  SELECT l.partner, l.period_index, l.rebate_index,\n    l.cut + CAST(CAST({} AS {}) * {} AS {}) AS scaled\n"
                             "  FROM budget_left AS l)",
                             cents, d_.decimal(0), minor, number));
}

std::string Generator::select_query(std::vector<std::string>& ctes, const std::string& last) {
  if (options_.select == Select::Awards || options_.select == Select::Metrics) return records_query(ctes, last, options_.select == Select::Metrics);
  ctes.push_back(payouts_cte(last));
  std::string scaled = "p.amount";
  std::string from = "payouts AS p";
  if (!plan_.budgets.empty()) {
    budget_ctes(ctes);
    scaled = fmt::format("CASE WHEN s.scaled IS NULL THEN p.amount ELSE CAST(s.scaled AS {}) END", d_.decimal(kOutputScale));
    from += "\n  LEFT JOIN budget_shares AS s ON s.partner = p.partner AND s.period_index = p.period_index AND s.rebate_index = p.rebate_index AND p.adjusting = 0";
  }
  ctes.push_back(fmt::format("paid AS (\n  SELECT p.partner, p.period, p.rebate, {} AS amount, p.status, p.basis, p.band, p.rate, p.period_index, p.rebate_index,\n"
                             "    p.corrects, p.adjusting, p.corrects_index, p.year_to_date\n"
                             "  FROM {})",
                             scaled, from));
  const std::string currency = quote_text(plan_.currency);
  // Paying in the partner's currency: each payout converted, and the columns `rebate run` adds for it
  // (payout_currency.cpp).
  std::string paid = "paid", paid_columns, total_columns, total_group;
  if (plan_.payout_currency) {
    payout_currency_ctes(ctes, last);
    paid = "paid_in";
    paid_columns = fmt::format(", {} AS payout_amount, payout_currency, {} AS fx_rate, fx_rate_of", paid_text("payout_value", "payout_places"),
                               shortest_text("fx_rate"));
    total_columns = fmt::format(", {} AS payout_amount, payout_currency", paid_text("SUM(payout_value)", "payout_places"));
    total_group = ", payout_currency, payout_places";
  }
  if (options_.select == Select::Totals) {
    // One row per partner and period: the sum of its payouts (clawbacks subtract).
    return fmt::format(
        "SELECT partner, period, SUM(amount) AS amount, {} AS currency{}\nFROM {}\nGROUP BY partner, period, period_index{}\nORDER BY period_index, partner;\n",
        currency, total_columns, paid, total_group);
  }
  // A program that closes periods has a tenth column: the period an adjustment corrects (docs/sql.md).
  return fmt::format(
      "SELECT partner, period, rebate, amount, {} AS currency, status, basis, band, rate{}{}\nFROM {}\n"
      "ORDER BY period_index, partner, adjusting, corrects_index, year_to_date, rebate_index;\n",
      currency, closing_ ? ", corrects" : "", paid_columns, paid);
}

// The digits without trailing zeros after the point (nor the point itself when nothing is left).
std::string Generator::shortest_text(const std::string& number) const {
  const std::string t = fmt::format("CAST({} AS {})", number, d_.text_type);
  return fmt::format("CASE WHEN POSITION('.' IN {0}) > 0 THEN regexp_replace({0}, '\\.?0+$', '') ELSE {0} END", t);
}

// An award's or metric's value as text, as `rebate run` writes it in its files (engine/awards.cpp's
// award_value): money rounded to its currency's places by the program's rounding mode; a percentage
// as the ratio times 100 in its shortest form with `%`; a number in its shortest form; yes/no as
// true/false, an enum's member by name.
std::string Generator::record_value(const plan::Award& a, plan::FunctionId value, const Scope& scope) {
  const std::string text = render_function(value, scope);
  const NodeRef v = tree(value);
  const int scale = v ? v->scale : 0;
  switch (a.type) {
    case plan::ValueType::Bool:  // no value is false, as the VM's truthy() has it; a constant is a number here
      return fmt::format("CASE WHEN ({}){} THEN 'true' ELSE 'false' END", text, v && v->type == SqlType::Bool ? " IS TRUE" : " <> 0");
    case plan::ValueType::Enum: {
      std::string by_index = fmt::format("CASE ({})", text);
      for (size_t m = 0; m < a.members.size(); ++m) by_index += fmt::format(" WHEN {} THEN {}", m, quote_text(a.members[m]));
      return by_index + " END";
    }
    case plan::ValueType::Text: return text;
    case plan::ValueType::Money:
      return fmt::format("CAST(CAST({} AS {}) AS {})", d_.round(d_, "(" + text + ")", a.places, static_cast<int>(plan_.rounding)), d_.decimal(a.places),
                         d_.text_type);
    case plan::ValueType::Percent:
      return fmt::format("CASE WHEN ({0}) IS NULL THEN 'no value' ELSE {1} || '%' END", text,
                         shortest_text(fmt::format("CAST(({}) * 100 AS {})", text, d_.decimal(scale))));
    case plan::ValueType::Number: return shortest_text(fmt::format("CAST(({}) AS {})", text, d_.decimal(scale)));
  }
  return text;
}

// The awards (docs/language.md §13), or the metrics (§25): each award's first row whose condition holds
// (a condition without a value does not hold), for every partner and paid period; no row: no award; a
// metric's one row always holds. `period` is the period the award is for (the next one for `for next
// period`), `measured` the period whose figures decided it (awards only).
std::string Generator::records_query(std::vector<std::string>& ctes, const std::string& last, bool metrics) {
  if (periods_from_data_) {
    ctes.push_back(fmt::format("next_periods AS (\n  SELECT pe.period, {} AS label FROM periods AS pe WHERE pe.paid)", period_label("pe.period + 1")));
  } else {
    engine::Periods periods(plan_);
    std::string next;
    for (int p : paid_) next += fmt::format("{}({}, {})", next.empty() ? "" : ", ", p, quote_text(periods.label(p + 1)));
    ctes.push_back(fmt::format("next_periods (period, label) AS (\n  VALUES {})", next));
  }
  Scope scope;
  std::string selects;
  for (size_t ai = 0; ai < plan_.awards.size(); ++ai) {
    const plan::Award& a = plan_.awards[ai];
    if (a.metric != metrics) continue;
    std::string value = "CASE";
    bool otherwise = false;
    for (const plan::AwardRow& row : a.rows) {
      const std::string text = record_value(a, row.value, scope);
      if (row.when == plan::kNoFunction) {
        value += value == "CASE" ? fmt::format(" WHEN TRUE THEN {}", text) : fmt::format(" ELSE {}", text);
        otherwise = true;
        break;
      }
      value += fmt::format(" WHEN ({}) IS TRUE THEN {}", render_function(row.when, scope), text);
    }
    value += otherwise ? " END" : " ELSE NULL END";
    const std::string currency = a.type == plan::ValueType::Money ? quote_text(a.currency) : fmt::format("CAST(NULL AS {})", d_.text_type);
    selects += fmt::format("{}  SELECT c.partner, {} AS period, c.label AS measured, {} AS award, {} AS value, {} AS currency, c.period AS period_index, {} AS award_index\n"
                           "  FROM {} AS c{}\n  WHERE c.is_paid\n",
                           selects.empty() ? "" : "  UNION ALL\n", a.next_period ? "n.label" : "c.label", quote_text(a.name), value, currency, ai,
                           quote_name(last), a.next_period ? " JOIN next_periods AS n ON n.period = c.period" : "");
  }
  if (metrics) selects += fund_metrics(last);  // (funds.cpp)
  if (selects.rfind("  UNION ALL\n", 0) == 0) selects = selects.substr(12);
  if (selects.empty()) selects = fmt::format("  SELECT CAST(NULL AS {0}) AS partner, CAST(NULL AS {0}) AS period, CAST(NULL AS {0}) AS measured, "
                                             "CAST(NULL AS {0}) AS award, CAST(NULL AS {0}) AS value, CAST(NULL AS {0}) AS currency, 0 AS period_index, 0 AS award_index\n  WHERE FALSE\n",
                                             d_.text_type);
  ctes.push_back(fmt::format("awards AS (\n{})", selects));
  // Ordered by the period measured, then partner and award (or metric), as `rebate run --awards` and
  // `--metrics` write them.
  return fmt::format("SELECT partner, period, {}value, currency\nFROM awards\nWHERE value IS NOT NULL\nORDER BY period_index, partner, award_index;\n",
                     metrics ? "award AS metric, " : "measured, award, ");
}

}  // namespace rebate::sql
