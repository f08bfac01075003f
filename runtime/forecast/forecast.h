// `rebate forecast` (docs/forecast.md): the period open at an as-of date, evaluated on the ledger lines
// dated up to that date and projected to the period's end; per partner and rebate, the measure to date
// and projected, the bands, the payout projected and the accrual; the partners near their next band.
//
// The engine does the work (engine/projection.h): one run reads the lines to date, evaluates them, scales
// the open period's sums and counts by run rate and evaluates again. This folder turns the two
// evaluations into forecast rows and writes them (report.cpp).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/calendar.h"
#include "core/decimal.h"
#include "engine/engine.h"
#include "plan/plan.h"

namespace rebate::forecast {

// What the command line asks for.
struct Request {
  DayNumber as_of = 0;
  std::string period;          // --period: must be the period open at the as-of date ("" when not given)
  std::optional<Decimal> near; // --near: the distance as a percentage (10 for 10%)
  std::string near_text;       // as given ("10%")
  engine::ForecastMethod method = engine::ForecastMethod::RunRate;  // --method
};

// `--method run_rate` / `last_year`: the method, or nullopt for any other name.
std::optional<engine::ForecastMethod> parse_method(std::string_view name);

// The open period: the one holding the as-of date.
struct OpenPeriod {
  std::string label;           // "2026-Q3"
  DayNumber first_day = 0, last_day = 0;
  int64_t elapsed = 0;         // days from the first day to the as-of date, both included
  int64_t total = 0;           // days in the period
};

// The open period at the request's as-of date, or why there is none to forecast (a usage error): the date
// outside the program's effective dates, or --period naming another period.
std::variant<OpenPeriod, std::string> open_period(const plan::Plan& plan, const Request& request);

// `--near 10%` (or `10`): the percentage, or nullopt when it is not a number above 0 and at most 100.
std::optional<Decimal> parse_near(std::string_view text);

struct MeasureValues {
  std::string name, to_date, projected;  // formatted as explanations show them ("12,300.00 USD")
};

// One partner's rebate in the open period.
struct Row {
  std::string partner, rebate;
  size_t rebate_index = 0;
  std::string method;          // the partner's projection: `run_rate`, `last_year`, or `mixed` (last_year, run rate for some aggregates)
  std::string metric;          // what picks the band, as written ("storage_revenue"); "" without a tier table
  std::string metric_unit;     // the tier table's unit ("USD", "%", "")
  std::optional<Decimal> metric_to_date, metric_projected;
  std::string band_to_date, band_projected;  // "" without a tier table
  Decimal payout_to_date, payout_projected, accrual;
  std::string status_to_date, status_projected;
  uint64_t lines_to_date = 0;
  std::vector<MeasureValues> measures;
  // The projection's next band, when there is one: where it starts, its rate (or amount) as written,
  // and how much more of the metric reaches it.
  std::optional<Decimal> next_band_from, needed;
  std::string next_band, next_value;
  std::string distance;        // needed as a percentage of next_band_from, two places ("7.50"); "" when not listed
  bool near = false;           // within --near of the next band
  // A fund (docs/forecast.md "Funds"): its balance's figures in the period, to date (as if the period
  // ended at the as-of date) and projected (the accrual projected; the claims made by then decided on it).
  std::optional<engine::Explanation::Fund> fund_to_date, fund_projected;
};

struct Forecast {
  std::string program;         // the program's title
  std::string as_of;           // "2026-08-15"
  OpenPeriod period;
  std::string method = "run_rate";
  std::string method_text = "run rate by days elapsed";
  std::string last_year_period;  // with last_year: the same period last year ("2025-Q3") and its corresponding day
  std::string last_year_day;
  std::string currency;
  int minor_unit = 2;
  std::optional<Decimal> near;
  std::string near_text;
  std::vector<Row> rows;       // by partner, then the program's rebates
  std::vector<std::string> notes;
  Decimal total_to_date, total_projected, total_accrual;
};

// Runs the forecast: nullopt with `result` holding the payouts' errors when the run failed (exit as
// `rebate run` would), else the forecast. `options` are the run's (inputs, threads, engine); the period and
// the forecast settings are set here.
std::optional<Forecast> run_forecast(const plan::Plan& plan, engine::RunOptions options, const Request& request, const OpenPeriod& open,
                                     engine::RunResult& result);

// The writers (report.cpp): every output names the as-of date, the period, its days and the method.
std::string forecast_csv(const Forecast& f);
std::string forecast_json(const Forecast& f);
std::string forecast_markdown(const Forecast& f);

}  // namespace rebate::forecast
