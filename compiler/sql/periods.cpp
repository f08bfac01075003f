// The script's periods (generator.h): every period the lines are read into, with its label as `rebate
// run` writes it, its first and last days, its year's first period and whether it is paid. Written out
// by the tool when the program's effective dates (or `--period`) fix the paid periods; otherwise worked
// out in SQL from the lines, as `rebate run` chooses them (engine/inputs.cpp, choose_periods): from the
// first line's period to the last's, within the one effective date the program gives, if any.
#include <fmt/format.h>

#include <algorithm>

#include "engine/periods.h"
#include "plan/windows.h"
#include "sql/generator.h"

namespace rebate::sql {

std::string Generator::periods_cte() {
  engine::Periods periods(plan_);
  std::string rows;
  for (int p : periods_) {
    const bool paid = std::find(paid_.begin(), paid_.end(), p) != paid_.end();
    rows += fmt::format("{}\n    ({}, {}, {}, {}, {}, {})", rows.empty() ? "" : ",", p, quote_text(periods.label(p)), periods.first_day(p),
                        periods.last_day(p), periods.year_start(p), paid ? "TRUE" : "FALSE");
  }
  return fmt::format("periods (period, label, first_day, last_day, year_start, paid) AS (\n  VALUES{})", rows);
}

// On the calendar (generate() refuses fiscal calendars here), period p is number k (from 1) of year
// p / per_year: p = year x per_year + k - 1, as engine::Periods numbers them.
std::string Generator::period_label(const std::string& p) const {
  const int per_year = plan::periods_per_year(plan_.grain);
  const std::string year = d_.integer_quotient(p, std::to_string(per_year));
  const std::string k = fmt::format("(({}) - {} * {} + 1)", p, year, per_year);
  const std::string yyyy = fmt::format("lpad(CAST({} AS {}), 4, '0')", year, d_.text_type);
  switch (plan_.grain) {
    case PeriodGrain::Month: return fmt::format("{} || '-' || lpad(CAST({} AS {}), 2, '0')", yyyy, k, d_.text_type);
    case PeriodGrain::Quarter: return fmt::format("{} || '-Q' || CAST({} AS {})", yyyy, k, d_.text_type);
    case PeriodGrain::Half: return fmt::format("{} || '-H' || CAST({} AS {})", yyyy, k, d_.text_type);
    case PeriodGrain::Year: break;
  }
  return yyyy;
}

// The day number of period p's first day: the first of its first month.
std::string Generator::period_first_day(const std::string& p) const {
  const int per_year = plan::periods_per_year(plan_.grain);
  const std::string year = d_.integer_quotient(p, std::to_string(per_year));
  const std::string month = fmt::format("(({}) - {} * {}) * {} + 1", p, year, per_year, 12 / per_year);
  return d_.day_number(fmt::format("make_date(CAST({} AS INTEGER), CAST({} AS INTEGER), 1)", year, month));
}

void Generator::periods_from_data_ctes(int back, std::vector<std::string>& ctes) {
  const int per_year = plan::periods_per_year(plan_.grain);
  engine::Periods periods(plan_);
  // Every ledger line's period, from its date (a day number).
  std::string days;
  for (uint32_t i = 0; i < plan_.inputs.size(); ++i) {
    const plan::Input& in = plan_.inputs[i];
    if (in.kind != plan::InputKind::Ledger) continue;
    days += fmt::format("{}SELECT l.{} AS day FROM {} AS l", days.empty() ? "" : " UNION ALL ", quote_name("c" + std::to_string(in.date_column)),
                        quote_name("in_" + in.name));
  }
  const std::string date = "(DATE '1970-01-01' + CAST(d.day AS INTEGER))";
  const std::string period_of_day =
      fmt::format("CAST(EXTRACT(YEAR FROM {0}) AS INTEGER) * {1} + {2}", date, per_year,
                  d_.integer_quotient(fmt::format("CAST(EXTRACT(MONTH FROM {}) AS INTEGER) - 1", date), std::to_string(12 / per_year)));
  // The paid periods: the lines' first to last, within the effective date the program gives.
  std::string first = "MIN(x.p)", last = "MAX(x.p)";
  if (plan_.effective_from) first = fmt::format("GREATEST(MIN(x.p), {})", periods.of_day(*plan_.effective_from));
  if (plan_.effective_to) last = fmt::format("LEAST(MAX(x.p), {})", periods.of_day(*plan_.effective_to));
  ctes.push_back(fmt::format("paid_range AS (\n  SELECT {} AS first, {} AS last\n  FROM (SELECT {} AS p FROM ({}) AS d) AS x)", first, last, period_of_day,
                             days));
  // Each period from `back` before the first paid one (what the look-backs read) to the last paid one.
  ctes.push_back(fmt::format("period_numbers AS (\n  SELECT {} AS period, r.first AS first, r.last AS last FROM paid_range AS r WHERE r.first <= r.last)",
                             d_.series(fmt::format("r.first - {}", back), "r.last")));
  ctes.push_back(fmt::format(
      "periods AS (\n  SELECT n.period, {} AS label, {} AS first_day, {} - 1 AS last_day, {} * {} AS year_start, n.period BETWEEN n.first AND n.last AS paid\n"
      "  FROM period_numbers AS n)",
      period_label("n.period"), period_first_day("n.period"), period_first_day("n.period + 1"), d_.integer_quotient("n.period", std::to_string(per_year)),
      per_year));
}

}  // namespace rebate::sql
