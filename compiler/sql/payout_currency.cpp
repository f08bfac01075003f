// Paying in the partner's currency in SQL (docs/language.md §24, "Paying in the partner's currency";
// engine/payout_currency.cpp): the last step of every payout, after budgets, settlement and adjustments.
// Each paid cell's currency (the program's `payout_currency`, or the partner's column of its row) and the
// rate into it (`payout_fx`: in force on the period's last day, or the period's average), a missing one
// stopping the query in the run's words (`payout_rates`); then each payout, already rounded in the
// program's currency, times the rate, rounded to the minor unit of the currency paid with the program's
// rounding mode (`paid_in`). outputs.cpp selects the four columns `rebate run` adds from there.
#include <fmt/format.h>

#include <set>

#include "core/currency.h"
#include "sql/generator.h"

namespace rebate::sql {

// The places a payout is paid at: the minor units of the currencies it can be paid in.
std::set<int> Generator::paid_places() const {
  const plan::Plan::PayoutCurrency& pc = *plan_.payout_currency;
  if (pc.partner_column == UINT32_MAX) return {currency_minor_unit(pc.code)};
  std::set<int> places;
  for (int k = 0; k < currency_count(); ++k) places.insert(currency_minor_unit(currency_code_at(k)));
  return places;
}

// A paid amount (`value`, rounded to `places`, an expression naming the currency's minor unit) as `rebate
// run` writes it: with exactly the currency's places.
std::string Generator::paid_text(const std::string& value, const std::string& places) const {
  std::string out = "CASE " + places;
  for (int p : paid_places()) out += fmt::format(" WHEN {} THEN CAST(CAST({} AS {}) AS {})", p, value, d_.decimal(p), d_.text_type);
  return out + " END";
}

void Generator::payout_currency_ctes(std::vector<std::string>& ctes, const std::string& last) {
  const plan::Plan::PayoutCurrency& pc = *plan_.payout_currency;
  const plan::Input& fx = plan_.inputs[plan_.fx_input];
  const std::string from = std::to_string(currency_index(plan_.currency));
  const std::string into = pc.partner_column == UINT32_MAX ? std::to_string(currency_index(pc.code)) : "c." + quote_name("p" + std::to_string(pc.partner_column));
  const std::string rate = fx_rate(from, into, pc.average, "c.first_day", "c.last_day");
  // (Named from the inner query's columns: the message is raised outside it.)
  const std::string missing =
      fx_missing(from, "c.paid_currency", pc.average, "c.first_day", "c.last_day", quote_text(" to pay in ") + " || " + currency_code("c.paid_currency"));
  // The run's words: the place of the `payout_currency` setting, the pair, the day, the partner and the period.
  const plan::Location& at = plan_.locations.at(pc.where);
  const std::string message = quote_text(fmt::format("{}:{}:{} (`{}`): error: ", at.file, at.line, at.column, at.text)) + " || " + missing + " || " +
                              quote_text(fmt::format(" in the FX table `{}`, for partner ", fx.name)) + " || c.partner || ', period ' || c.label";
  const std::string rate_type = d_.decimal(fx_rate_scale(pc.average));
  const std::string rate_of = pc.average ? iso_day("c.first_day") + " || '..' || " + iso_day("c.last_day") : iso_day("c.last_day");
  ctes.push_back(fmt::format(
      "payout_rates AS (\n  -- each paid cell's currency and the rate into it ({}); every partner needs one, even with nothing to pay\n"
      "  SELECT c.partner, c.period, c.paid_currency, CASE WHEN c.rate IS NULL THEN {} ELSE c.rate END AS fx_rate, c.fx_rate_of\n"
      "  FROM (SELECT c.partner, c.period, c.label, c.first_day, c.last_day, {} AS paid_currency, {} AS rate, {} AS fx_rate_of FROM {} AS c WHERE c.is_paid) AS c)",
      pc.average ? "the period's average" : "in force on the period's last day", d_.fail(message, rate_type), into, rate, rate_of, quote_name(last)));
  // The payout at the places every rebate rounds to (exact), times the rate: the VM's product, rounded
  // half-even beyond 18 places; then to the paid currency's places with the program's rounding.
  int places = plan_.minor_unit;
  for (const plan::Rebate& r : plan_.rebates) places = std::max(places, r.places);
  const int rate_scale = fx_rate_scale(pc.average);
  std::string product = fmt::format("CAST(p.amount AS {}) * r.fx_rate", d_.decimal(places));
  if (places + rate_scale > Decimal::kMaxScale) product = d_.round(d_, product, Decimal::kMaxScale, 0);
  const int widest = *paid_places().rbegin();
  std::string value = "CASE k.places";
  for (int p : paid_places()) value += fmt::format(" WHEN {} THEN {}", p, at_scale(d_.round(d_, "(" + product + ")", p, static_cast<int>(plan_.rounding)), p, widest));
  value += " END";
  ctes.push_back(fmt::format(
      "paid_in AS (\n  -- each payout converted: times the rate, rounded to the minor unit of the currency paid\n"
      "  SELECT p.*, {} AS payout_value, k.code AS payout_currency, k.places AS payout_places, r.fx_rate, r.fx_rate_of\n"
      "  FROM paid AS p JOIN payout_rates AS r ON r.partner = p.partner AND r.period = p.period_index JOIN currencies AS k ON k.idx = r.paid_currency)",
      value));
}

}  // namespace rebate::sql
