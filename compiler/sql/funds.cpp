// Funds in SQL (docs/language.md §27, docs/sql.md), as runtime/engine/funds.cpp runs them: per partner,
// from the fund's first period (the program's first effective period) to the last one paid, each
// period's accrual (rounded as a payout is) and then the period's claims by date and id, each paid whole
// when the balance covers it and refused whole otherwise. Whether a claim is paid depends on every
// decision before it, so the balance is a recursive query over each partner's events in order (an
// accrual, then its period's claims), one event a step: `fund_<r>_events`, `fund_<r>_run`, then the
// period's figures (`fund_<r>`) and the fund's payout row.
#include <fmt/format.h>

#include "core/calendar.h"
#include "sql/generator.h"

namespace rebate::sql {

namespace {

std::string col(uint32_t c) { return quote_name("c" + std::to_string(c)); }
const char* const kFigures[] = {"opening", "accrued", "claimed", "paid", "refused", "closing"};

}  // namespace

bool Generator::has_funds() const {
  for (const plan::Rebate& pr : plan_.rebates) {
    if (pr.claims != UINT32_MAX) return true;
  }
  return false;
}

// The balance's scale: the accrual's places and the claims' (claims are whole minor units, checked).
int Generator::fund_scale(size_t r) const {
  const plan::Input& in = plan_.inputs[plan_.rebates[r].claims];
  return std::max(plan_.rebates[r].places, in.spec.columns[in.amount_column].scale);
}

void Generator::fund(size_t r, std::vector<std::string>& ctes, std::string& last) {
  const plan::Rebate& pr = plan_.rebates[r];
  const plan::Input& in = plan_.inputs[pr.claims];
  const std::string number = d_.decimal(fund_scale(r));
  const std::string name = fmt::format("fund_{}", r);
  // The accrual, rounded as a payout is; one without a value stops the run.
  Scope scope;
  scope.function = plan_.functions[pr.pay.value].name;
  NodeRef accrual = tree(pr.pay.value);
  std::string value = render_function(pr.pay.value, scope);
  if (accrual && accrual->nullable) {
    value = fmt::format("CASE WHEN ({0}) IS NULL THEN {1} ELSE ({0}) END", value, fail("the fund's accrual has no value", pr.pay.where, scope, sql_type(*accrual)));
  }
  ctes.push_back(fmt::format("{} AS (\n  -- fund {}: each cell's accrual, rounded as a payout is\n  SELECT c.*, CAST({} AS {}) AS {}\n  FROM {} AS c)", quote_name(name + "_accrual"), pr.name,
                             d_.round(d_, "(" + value + ")", pr.places, static_cast<int>(pr.rounding)), number, rebate_col(r, "accrual"), quote_name(last)));
  last = name + "_accrual";
  // Each partner's events in the order the engine meets them: a period's accrual, then its claims by date,
  // then id (numerically for Int ids, byte by byte for Text ones).
  const bool numbered = in.spec.columns[in.claim_column].kind != ledger::ColumnKind::Text;
  const std::string id = fmt::format("CAST(k.{} AS {})", col(in.claim_column), d_.text_type);
  ctes.push_back(fmt::format(
      "{0} AS (\n  -- each partner's events in the engine's order: a period's accrual, then its claims by date and id\n  SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.partner ORDER BY e.period, e.is_claim, e.day, e.id_number, {1}) AS seq\n"
      "  FROM (SELECT c.partner, c.period, 0 AS is_claim, c.{2} AS amount, CAST(NULL AS BIGINT) AS day, CAST(NULL AS {3}) AS id_number, CAST(NULL AS {4}) AS id\n"
      "    FROM {5} AS c WHERE c.period >= {6}\n"
      "    UNION ALL\n"
      "    SELECT k.{7}, p.period, 1, CAST(k.{8} AS {9}), k.{10}, {11}, {12}\n"
      "    FROM {13} AS k JOIN cell_periods AS p ON k.{10} BETWEEN p.first_day AND p.last_day WHERE p.computed AND p.period >= {6}) AS e)",
      quote_name(name + "_events"), d_.binary_order("e.id"), rebate_col(r, "accrual"), d_.decimal(0), d_.text_type, quote_name(last), *fund_start_,
      col(in.partner_column), col(in.amount_column), number, col(in.date_column), numbered ? fmt::format("CAST(k.{} AS {})", col(in.claim_column), d_.decimal(0)) : "0",
      id, quote_name("in_" + in.name)));
  // The balance after each event: an accrual adds to it (beyond 38 digits, the run stops as the VM's
  // does: overflow.cpp); a claim at most the balance is paid and taken from it, a larger one refused and
  // the balance left as it was.
  Node balance;
  balance.where = pr.pay.where;
  balance.scale = fund_scale(r);
  Scope event = scope;
  event.partner = "e.partner";
  event.period = period_label("e.period");
  const std::string accrued = sum(balance, "+", "f.balance", balance.scale, "e.amount", balance.scale, event, "arithmetic overflow adding up the fund's balance");
  ctes.push_back(fmt::format(
      "{0} AS (\n  -- the balance after each event, one event a step: a claim is paid whole when the balance covers it\n"
      "  SELECT e.partner, e.seq, e.period, e.is_claim, e.amount, CAST(e.amount AS {1}) AS balance, CAST(NULL AS BOOLEAN) AS pays\n"
      "  FROM {2} AS e WHERE e.seq = 1\n"
      "  UNION ALL\n"
      "  SELECT e.partner, e.seq, e.period, e.is_claim, e.amount,\n"
      "    CAST(CASE WHEN e.is_claim = 0 THEN {3} WHEN e.amount <= f.balance THEN f.balance - e.amount ELSE f.balance END AS {1}),\n"
      "    CASE WHEN e.is_claim = 1 THEN e.amount <= f.balance END\n"
      "  FROM {0} AS f JOIN {2} AS e ON e.partner = f.partner AND e.seq = f.seq + 1)",
      quote_name(name + "_run"), number, quote_name(name + "_events"), accrued));
  // The period's figures (closing = opening + accrued - paid).
  const std::string zero = fmt::format("CAST(0 AS {})", number);
  ctes.push_back(fmt::format(
      "{0} AS (\n  -- each partner's figures per period\n  SELECT f.partner, f.period,\n"
      "    SUM(CASE WHEN f.is_claim = 0 THEN f.balance - f.amount END) AS opening,\n"
      "    SUM(CASE WHEN f.is_claim = 0 THEN f.amount END) AS accrued,\n"
      "    SUM(CASE WHEN f.is_claim = 1 THEN f.amount ELSE {1} END) AS claimed,\n"
      "    SUM(CASE WHEN f.pays THEN f.amount ELSE {1} END) AS paid,\n"
      "    SUM(CASE WHEN f.is_claim = 1 AND NOT f.pays THEN f.amount ELSE {1} END) AS refused,\n"
      "    COUNT(CASE WHEN f.is_claim = 1 AND NOT f.pays THEN 1 END) AS refused_claims\n"
      "  FROM {2} AS f\n  GROUP BY f.partner, f.period)",
      quote_name(name), zero, quote_name(name + "_run")));
  // The fund's payout: the claims paid; `paid` when one was, `refused` when all were, `zero` without
  // claims; the basis is what was claimed. Its six figures are columns too, for the metrics.
  auto figure = [&](const std::string& x) { return fmt::format("CAST(COALESCE({}, 0) AS {})", x, number); };
  std::string figures;
  const std::string values[] = {"f.opening", "f.accrued", "f.claimed", "f.paid", "f.refused", "f.opening + f.accrued - f.paid"};
  for (size_t k = 0; k < 6; ++k) figures += fmt::format(",\n    {} AS {}", figure(values[k]), rebate_col(r, kFigures[k]));
  ctes.push_back(fmt::format(
      "{0} AS (\n  -- the fund's payout: the claims paid\n  SELECT c.*, CAST(COALESCE(f.paid, 0) AS {1}) AS {2},\n"
      "    CASE WHEN f.paid > 0 THEN 'paid' WHEN f.refused_claims > 0 THEN 'refused' ELSE 'zero' END AS {3},\n"
      "    CAST(COALESCE(f.claimed, 0) AS {4}) AS {5}, CAST(NULL AS {6}) AS {7}, CAST(NULL AS {4}) AS {8}{9}\n"
      "  FROM {10} AS c LEFT JOIN {11} AS f ON f.partner = c.partner AND f.period = c.period)",
      quote_name(name + "_payout"), d_.decimal(pr.places), rebate_col(r, "amount"), rebate_col(r, "status"), d_.decimal(kOutputScale), rebate_col(r, "basis"),
      d_.text_type, rebate_col(r, "band"), rebate_col(r, "rate"), figures, quote_name(last), quote_name(name)));
  last = name + "_payout";
}

// The fund's six figures of a cell as metrics rows (`coop.opening`, ...), after the declared metrics, as
// `rebate run --metrics` writes them: amounts in the currency's minor unit.
std::string Generator::fund_metrics(const std::string& last) {
  std::string selects;
  size_t order = plan_.awards.size();
  for (size_t r = 0; r < plan_.rebates.size(); ++r) {
    if (plan_.rebates[r].claims == UINT32_MAX) continue;
    for (const char* f : kFigures) {
      selects += fmt::format(
          "  UNION ALL\n  SELECT c.partner, c.label AS period, c.label AS measured, {} AS award, CAST(CAST({} AS {}) AS {}) AS value, {} AS currency, "
          "c.period AS period_index, {} AS award_index\n  FROM {} AS c\n  WHERE c.is_paid\n",
          quote_text(fmt::format("{}.{}", plan_.rebates[r].name, f)), d_.round(d_, "c." + rebate_col(r, f), plan_.minor_unit, static_cast<int>(plan_.rounding)),
          d_.decimal(plan_.minor_unit), d_.text_type, quote_text(plan_.currency),
          order++, quote_name(last));
    }
  }
  return selects;
}

// A claims ledger's rows checked as the run checks them (engine/funds.cpp, index_claims): an id claimed
// twice, a partner that is not the program's, a day outside the effective dates, an amount that is not
// above zero or is finer than the currency's minor unit. A text part of check_<input> (query.cpp) per row.
std::string Generator::claim_checks(uint32_t claims) const {
  const plan::Input& in = plan_.inputs[claims];
  auto at = [&](uint32_t column) { return quote_text(fmt::format("{}: column `{}`: ", in.name, in.spec.columns[column].name)); };
  auto text = [&](uint32_t column) { return fmt::format("CAST(l.{} AS {})", col(column), d_.text_type); };
  const std::string id = "l." + col(in.claim_column), partner = "l." + col(in.partner_column), day = "l." + col(in.date_column),
                    amount = "l." + col(in.amount_column);
  const std::string twice = at(in.claim_column) + " || 'claim `' || " + text(in.claim_column) + " || " + quote_text("` is claimed twice; each claim has an id of its own");
  const std::string stranger = at(in.partner_column) + " || '`' || " + text(in.partner_column) + " || " +
                               quote_text(fmt::format("` is not a partner of the program ({}); a claim by it cannot be paid from any fund",
                                                      plan_.partner_table == UINT32_MAX ? "no ledger line names it" : "it is not in the partner table"));
  const int64_t from = plan_.effective_from ? *plan_.effective_from : INT64_MIN / 2, to = plan_.effective_to ? *plan_.effective_to : INT64_MAX / 2;
  const std::string outside = at(in.date_column) + " || " + iso_day(day) + " || " +
                              quote_text(fmt::format(" is outside the program's effective dates ({} .. {}): no period of the program pays it",
                                                     plan_.effective_from ? format_date(*plan_.effective_from) : "",
                                                     plan_.effective_to ? format_date(*plan_.effective_to) : ""));
  const std::string positive = at(in.amount_column) + " || " + quote_text("a claim is for an amount above zero, and this one is ") + " || " + text(in.amount_column);
  const std::string finer = at(in.amount_column) + " || '`' || " + text(in.amount_column) + " || " +
                            quote_text(fmt::format("` has more decimal places than {} has ({}); a claim is paid as claimed, to the {}", plan_.currency,
                                                   plan_.minor_unit, plan_.minor_unit == 0 ? "unit" : "cent"));
  return fmt::format(
      "CASE WHEN l.rb_same_id > 1 THEN {} WHEN NOT EXISTS (SELECT 1 FROM partners AS p WHERE p.partner = {}) THEN {} WHEN {} NOT BETWEEN {} AND {} THEN {} "
      "WHEN {} <= 0 THEN {} WHEN {} <> trunc({}, {}) THEN {} ELSE '' END",
      d_.fail(twice, d_.text_type), partner, d_.fail(stranger, d_.text_type), day, from, to, d_.fail(outside, d_.text_type), amount,
      d_.fail(positive, d_.text_type), amount, amount, plan_.minor_unit, d_.fail(finer, d_.text_type));
}

}  // namespace rebate::sql
