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

// floor(x / k) for an integer expression x and a positive k (integer_quotient rounds toward zero, and a
// fiscal year before the calendar's first has a negative number).
std::string Generator::floor_quotient(const std::string& x, int64_t k) const {
  const std::string mod = fmt::format("((({0}) % {1} + {1}) % {1})", x, k);
  return d_.integer_quotient(fmt::format("(({}) - {})", x, mod), std::to_string(k));
}

// The period (engine::Periods's index) of a day number: on the calendar, year x per_year + the period's
// place in its year; on a fiscal calendar, 364-day years from its first day, quarters of 91 days and
// months of the weeks pattern (engine/periods.cpp, Periods::of_day).
std::string Generator::period_of_day(const std::string& day) const {
  const int per_year = plan::periods_per_year(plan_.grain);
  if (plan_.fiscal_start) {
    const std::string offset = fmt::format("(({}) - {})", day, *plan_.fiscal_start);
    const std::string year = floor_quotient(offset, 364);
    const std::string in_year = fmt::format("({} - {} * 364)", offset, year);
    const std::string quarter = d_.integer_quotient(in_year, "91");
    const std::string weeks = d_.integer_quotient(fmt::format("({} - {} * 91)", in_year, quarter), "7");
    const int* w = plan_.fiscal_weeks;
    const std::string month = fmt::format("(CASE WHEN {0} < {1} THEN 0 WHEN {0} < {2} THEN 1 ELSE 2 END)", weeks, w[0], w[0] + w[1]);
    switch (plan_.grain) {
      case PeriodGrain::Month: return fmt::format("({} * 12 + {} * 3 + {})", year, quarter, month);
      case PeriodGrain::Quarter: return fmt::format("({} * 4 + {})", year, quarter);
      case PeriodGrain::Half: return fmt::format("({} * 2 + {})", year, d_.integer_quotient(quarter, "2"));
      case PeriodGrain::Year: return year;
    }
  }
  const std::string date = fmt::format("(DATE '1970-01-01' + CAST({} AS INTEGER))", day);
  return fmt::format("CAST(EXTRACT(YEAR FROM {0}) AS INTEGER) * {1} + {2}", date, per_year,
                     d_.integer_quotient(fmt::format("CAST(EXTRACT(MONTH FROM {}) AS INTEGER) - 1", date), std::to_string(12 / per_year)));
}

// Period p's label as `rebate run` writes it (Periods::label): on the calendar, number k (from 1) of year
// p / per_year (`2026-Q3`); on a fiscal calendar, of the fiscal year named after the calendar year its
// first day is in (`FY2026-P01`).
std::string Generator::period_label(const std::string& p) const {
  const int per_year = plan::periods_per_year(plan_.grain);
  const std::string year = floor_quotient(p, per_year);
  const std::string k = fmt::format("(({}) - {} * {} + 1)", p, year, per_year);
  std::string yyyy = fmt::format("lpad(CAST({} AS {}), 4, '0')", year, d_.text_type);
  std::string prefix;
  if (plan_.fiscal_start) {
    yyyy = fmt::format("CAST(EXTRACT(YEAR FROM DATE '1970-01-01' + CAST({} + {} * 364 AS INTEGER)) AS {})", *plan_.fiscal_start, year, d_.text_type);
    prefix = "'FY' || ";
  }
  switch (plan_.grain) {
    case PeriodGrain::Month: return fmt::format("{}{} || '-{}' || lpad(CAST({} AS {}), 2, '0')", prefix, yyyy, plan_.fiscal_start ? "P" : "", k, d_.text_type);
    case PeriodGrain::Quarter: return fmt::format("{}{} || '-Q' || CAST({} AS {})", prefix, yyyy, k, d_.text_type);
    case PeriodGrain::Half: return fmt::format("{}{} || '-H' || CAST({} AS {})", prefix, yyyy, k, d_.text_type);
    case PeriodGrain::Year: break;
  }
  return prefix + yyyy;
}

// The day number of period p's first day (Periods::first_day): the first of its first month, or on a
// fiscal calendar its year's first day plus the weeks before it.
std::string Generator::period_first_day(const std::string& p) const {
  const int per_year = plan::periods_per_year(plan_.grain);
  const std::string year = floor_quotient(p, per_year);
  const std::string k = fmt::format("(({}) - {} * {})", p, year, per_year);
  if (plan_.fiscal_start) {
    const int* w = plan_.fiscal_weeks;
    std::string in_year = "0";
    switch (plan_.grain) {
      case PeriodGrain::Month:
        in_year = fmt::format("{} * 91 + CASE {} % 3 WHEN 0 THEN 0 WHEN 1 THEN {} ELSE {} END", d_.integer_quotient(k, "3"), k, w[0] * 7, (w[0] + w[1]) * 7);
        break;
      case PeriodGrain::Quarter: in_year = k + " * 91"; break;
      case PeriodGrain::Half: in_year = k + " * 182"; break;
      case PeriodGrain::Year: break;
    }
    return fmt::format("({} + {} * 364 + {})", *plan_.fiscal_start, year, in_year);
  }
  const std::string month = fmt::format("{} * {} + 1", k, 12 / per_year);
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
  const std::string period_of_line = period_of_day("d.day");
  // The paid periods: paid_, or the lines' first to last, within the effective date the program gives;
  // with closed periods, the open ones (or the first after the close, when the lines reach no open one).
  // `reach`: the first line's period, where an adjustment of a closed period may reach back to.
  std::string first = "MIN(x.p)", last = "MAX(x.p)", reach = "MIN(x.p)";
  if (plan_.effective_from) first = reach = fmt::format("GREATEST(MIN(x.p), {})", periods.of_day(*plan_.effective_from));
  if (plan_.effective_to) last = fmt::format("LEAST(MAX(x.p), {})", periods.of_day(*plan_.effective_to));
  if (paid_fixed_) {
    first = std::to_string(paid_.empty() ? 1 : paid_.front());
    last = std::to_string(paid_.empty() ? 0 : paid_.back());
  } else if (closing_) {
    const int open = closing_->through + 1;
    first = fmt::format("GREATEST({}, {})", first, open);
    last = fmt::format("GREATEST({}, {})", last, open);
    if (plan_.effective_to) last = fmt::format("LEAST({}, {})", last, periods.of_day(*plan_.effective_to));
  }
  if (!closing_) reach = first;
  ctes.push_back(fmt::format("paid_range AS (\n  SELECT {} AS first, {} AS last, {} AS reach\n  FROM (SELECT {} AS p FROM ({}) AS d) AS x)", first, last, reach,
                             period_of_line, days));
  // Each period from `back` before the first one read (what the look-backs read) to the last paid one.
  ctes.push_back(fmt::format("period_numbers AS (\n  SELECT {} AS period, r.first AS first, r.last AS last FROM paid_range AS r WHERE r.first <= r.last)",
                             d_.series(fmt::format("LEAST(COALESCE(r.reach, r.first), r.first) - {}", back), "r.last")));
  ctes.push_back(fmt::format(
      "periods AS (\n  SELECT n.period, {} AS label, {} AS first_day, {} - 1 AS last_day, {} * {} AS year_start, n.period BETWEEN n.first AND n.last AS paid\n"
      "  FROM period_numbers AS n)",
      period_label("n.period"), period_first_day("n.period"), period_first_day("n.period + 1"), floor_quotient("n.period", per_year), per_year));
}

}  // namespace rebate::sql
