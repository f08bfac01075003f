// Currency conversions in SQL (docs/language.md §24, docs/sql.md): the amount times the rate of its pair
// in force on the day — the FX row of the pair dated that day or the latest before it, never inverted or
// chained — or the mean of the rates in force on every day of the period, as vm::ops::convert and
// FxRates compute them. A missing rate stops the query with the pair and the day, as it stops the run.
#include <fmt/format.h>

#include "core/currency.h"
#include "core/fx_rates.h"
#include "sql/generator.h"

namespace rebate::sql {

namespace {

std::string fx_col(uint32_t c) { return quote_name("c" + std::to_string(c)); }
}  // namespace

std::string Generator::iso_day(const std::string& day) const { return fmt::format("CAST(DATE '1970-01-01' + CAST({} AS INTEGER) AS {})", day, d_.text_type); }

// The code of a currency index (a Currency column's member, as Convert takes it), for messages.
std::string Generator::currency_code(const std::string& index) const {
  return fmt::format("(SELECT k.code FROM currencies AS k WHERE k.idx = {})", index);
}

// The ISO 4217 codes by index (core/currency.h), so that a message can name a line's currency, and their minor units.
std::string Generator::currencies_cte() const {
  std::string rows;
  for (int k = 0; k < currency_count(); ++k) rows += fmt::format("{}({}, '{}', {})", k ? ", " : "", k, currency_code_at(k), currency_minor_unit(currency_code_at(k)));
  return fmt::format("currencies AS (\n  SELECT * FROM (VALUES {}) AS v(idx, code, places))", rows);
}

// The rate from currency `from` into `to` (index expressions) in force on `day`: the pair's row dated
// that day or the latest before it; NULL when there is none.
std::string Generator::rate_on(const std::string& from, const std::string& to, const std::string& day) const {
  const plan::Input& fx = plan_.inputs[plan_.fx_input];
  return fmt::format("SELECT f.{} AS rate FROM {} AS f WHERE f.{} = {} AND f.{} = {} AND f.{} <= {} ORDER BY f.{} DESC LIMIT 1", fx_col(fx.rate_column),
                     quote_name("in_" + fx.name), fx_col(fx.base_column), from, fx_col(fx.quote_column), to, fx_col(fx.date_column), day,
                     fx_col(fx.date_column));
}

int Generator::fx_rate_scale(bool average) const {
  return average ? FxRates::kAveragePlaces : plan_.inputs[plan_.fx_input].spec.columns[plan_.inputs[plan_.fx_input].rate_column].scale;
}

// The rate from `from` into `to` (index expressions) as a subquery that is NULL where there is none: the
// one in force on `last`, or (average) the mean of those in force on each day from `first` to `last`,
// each day weighing the same: their sum divided by the days (half-even to 18 places, as Decimal::div),
// then half-even to 10 places. A currency converts to itself at 1, with no row. The error is raised
// outside it, for the rows whose pair has no rate (a database may compute a correlated subquery for
// every row first; fx_missing says what is missing).
std::string Generator::fx_rate(const std::string& from, const std::string& to, bool average, const std::string& first, const std::string& last) const {
  const std::string rate_type = d_.decimal(fx_rate_scale(average));
  std::string rate;
  if (average) {
    const std::string mean = d_.divide(d_, "SUM(d.rate)", fx_rate_scale(false), fmt::format("CAST(COUNT(*) AS {})", d_.decimal(0)), 0);
    rate = fmt::format("(SELECT CASE WHEN COUNT(d.rate) = COUNT(*) THEN CAST({} AS {}) END FROM (SELECT ({}) AS rate FROM (SELECT {} AS day) AS s) AS d)",
                       d_.round(d_, mean, fx_rate_scale(true), 0), rate_type, rate_on(from, to, "s.day"), d_.series(first, last));
  } else {
    rate = fmt::format("(SELECT CAST(r.rate AS {}) FROM ({}) AS r)", rate_type, rate_on(from, to, last));
  }
  return fmt::format("CASE WHEN {0} = {1} THEN CAST(1 AS {2}) ELSE {3} END", from, to, rate_type, rate);
}

// The start of the message for a rate fx_rate did not find: "no EUR to USD rate on or before 2026-09-30",
// or for an average the first day without one (the days without a rate are the first ones, before the
// pair's first row) and the days averaged; `why` (a text expression, or empty) right after the day.
std::string Generator::fx_missing(const std::string& from, const std::string& to, bool average, const std::string& first, const std::string& last,
                                  const std::string& why) const {
  const std::string pair = quote_text("no ") + " || " + currency_code(from) + " || ' to ' || " + currency_code(to) + " || " + quote_text(" rate ");
  const std::string after = why.empty() ? "" : " || " + why;
  if (!average) return pair + " || " + quote_text("on or before ") + " || " + iso_day(last) + after;
  return pair + " || " + quote_text("for ") + " || " + iso_day(first) + after + " || " + quote_text(" (the average over ") + " || " + iso_day(first) +
         " || " + quote_text(" .. ") + " || " + iso_day(last) + " || " + quote_text(" needs a rate in force on every day)");
}

std::string Generator::convert(const Node& n, const Scope& scope) {
  const plan::Input& fx = plan_.inputs[plan_.fx_input];
  const std::string x = "(" + render(n.args[0], scope) + ")";
  const std::string from = "(" + render(n.args[1], scope) + ")";
  const int rate_scale = fx_rate_scale(n.b == 2);
  // At a line's date, or the period's last day, or averaged over the period.
  const std::string first = n.b == 2 ? period_bound(n.args[2], true, scope) : "";
  const std::string day = n.b == 0 ? "(" + render(n.args[2], scope) + ")" : period_bound(n.args[2], false, scope);
  const std::string to = std::to_string(n.a);
  const std::string rate = fx_rate(from, to, n.b == 2, first, day);
  const std::string message = fx_missing(from, to, n.b == 2, first, day) + " || " + quote_text(fmt::format(" in the FX table `{}`", fx.name));
  const std::string checked = fmt::format("CASE WHEN ({0}) IS NULL THEN {1} ELSE ({0}) END", rate, fail_with(message, n.where, scope, d_.decimal(rate_scale)));
  const std::string converted = product(n, x, n.args[0]->scale, "(" + checked + ")", rate_scale, scope);
  // No value converts to no value, with no rate looked up.
  return n.args[0]->nullable ? fmt::format("CASE WHEN {} IS NULL THEN NULL ELSE {} END", x, converted) : converted;
}

// The FX table's rows checked as the run checks them (engine/fx.cpp): a rate above zero, between two
// currencies, one per pair and day. A text part of check_<input> (query.cpp) per row.
std::string Generator::fx_checks() const {
  const plan::Input& fx = plan_.inputs[plan_.fx_input];
  const std::string base = "l." + fx_col(fx.base_column), quote = "l." + fx_col(fx.quote_column), day = "l." + fx_col(fx.date_column),
                    rate = "l." + fx_col(fx.rate_column);
  const std::string where = quote_text(fx.name + ": ");
  const std::string itself = where + " || " + quote_text("a rate from ") + " || " + currency_code(base) + " || " +
                             quote_text(" to itself; a currency converts to itself at 1 without a row");
  const std::string positive = where + " || " + quote_text("a rate is above zero, and this one is ") + " || " + fmt::format("CAST({} AS {})", rate, d_.text_type);
  const std::string twice = where + " || " + quote_text("a second ") + " || " + currency_code(base) + " || " + quote_text(" to ") + " || " +
                            currency_code(quote) + " || " + quote_text(" rate for ") + " || " + iso_day(day) + " || " + quote_text("; keep one of them");
  return fmt::format("CASE WHEN {} = {} THEN {} WHEN {} <= 0 THEN {} WHEN l.rb_same_day > 1 THEN {} ELSE '' END", base, quote, d_.fail(itself, d_.text_type), rate,
                     d_.fail(positive, d_.text_type), d_.fail(twice, d_.text_type));
}

}  // namespace rebate::sql
