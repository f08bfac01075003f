// The forecast's rows from the run's two evaluations (forecast.h).
#include "forecast/forecast.h"

#include <fmt/format.h>

#include "diff/report.h"
#include "engine/periods.h"
#include "engine/projection.h"
#include "engine/report.h"
#include "vm/ops.h"

namespace rebate::forecast {

std::variant<OpenPeriod, std::string> open_period(const plan::Plan& plan, const Request& request) {
  const std::string as_of = format_date(request.as_of);
  if ((plan.effective_from && request.as_of < *plan.effective_from) || (plan.effective_to && request.as_of > *plan.effective_to)) {
    return fmt::format("the as-of date {} is outside the program's effective dates ({} .. {}); a forecast is of a period the program pays",
                       as_of, plan.effective_from ? format_date(*plan.effective_from) : "", plan.effective_to ? format_date(*plan.effective_to) : "");
  }
  const engine::Periods periods(plan);
  const engine::ElapsedDays days = engine::elapsed_days(periods, request.as_of);
  OpenPeriod open;
  open.label = periods.label(days.period);
  open.first_day = periods.first_day(days.period);
  open.last_day = periods.last_day(days.period);
  open.elapsed = days.elapsed;
  open.total = days.total;
  if (!request.period.empty() && request.period != open.label) {
    const std::optional<engine::PeriodIndex> asked = periods.parse(request.period);
    if (!asked) {
      return fmt::format("`--period {}` is not a period of this program (its periods are written like {})", request.period, open.label);
    }
    return fmt::format("the period {} is not open at {}: it {} ({} .. {}); the period open then is {} ({} .. {})", request.period, as_of,
                       *asked < days.period ? "ended before" : "starts after", format_date(periods.first_day(*asked)),
                       format_date(periods.last_day(*asked)), open.label, format_date(open.first_day), format_date(open.last_day));
  }
  return open;
}

std::optional<engine::ForecastMethod> parse_method(std::string_view name) {
  if (name == "run_rate") return engine::ForecastMethod::RunRate;
  if (name == "last_year") return engine::ForecastMethod::LastYear;
  return std::nullopt;
}

std::optional<Decimal> parse_near(std::string_view text) {
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  const std::optional<Decimal> v = Decimal::parse(text);
  if (!v || Decimal::compare(*v, Decimal()) <= 0 || Decimal::compare(*v, Decimal::from_int(100)) > 0) return std::nullopt;
  return v;
}

namespace {

std::vector<MeasureValues> measures_of(const engine::Payout& to_date, const engine::Payout& projected) {
  std::vector<MeasureValues> out;
  const auto& a = to_date.measures();
  const auto& b = projected.measures();
  for (size_t k = 0; k < a.size() && k < b.size(); ++k) out.push_back(MeasureValues{a[k].name, a[k].value, b[k].value});
  return out;
}

// The projection's next band: where it starts, its value, how much more reaches it, and whether that is
// within --near of it (needed <= near% x the band's start, compared exactly; a band starting at zero or
// below has no distance in percent and is never near).
void next_band(const plan::Plan& plan, const plan::Rebate& pr, const engine::Payout& projected, const std::optional<Decimal>& near,
               const std::vector<std::vector<std::string>>& bands, Row& row) {
  if (pr.pay_tiers == UINT32_MAX || !projected.explanation) return;
  const engine::Explanation& e = *projected.explanation;
  if (!e.next_band_from || !e.progress) return;  // the top band reached, or no value
  const plan::Tiers& t = plan.tiers[pr.pay_tiers];
  const int next = vm::band_reached(t, *e.next_band_from);  // the band that starts there
  if (next < 0) return;
  row.next_band_from = e.next_band_from;
  row.needed = Decimal::sub(*e.next_band_from, *e.progress);
  row.next_band = bands[pr.pay_tiers][static_cast<size_t>(next)];
  row.next_value = engine::digits_grouped(t.bands[static_cast<size_t>(next)].value_text);
  if (!row.needed || Decimal::compare(*e.next_band_from, Decimal()) <= 0) return;
  // needed / from as a percentage: the change from `from` to `from + needed`, rounded half-even once.
  const std::optional<Decimal> beyond = Decimal::add(*e.next_band_from, *row.needed);
  const std::optional<std::string> percent = beyond ? diff::percent_change(*e.next_band_from, *beyond) : std::nullopt;
  row.distance = percent.value_or("");
  if (!near) return;
  const std::optional<Decimal> lhs = Decimal::mul(*row.needed, Decimal::from_int(100)), rhs = Decimal::mul(*near, *e.next_band_from);
  row.near = lhs && rhs && Decimal::compare(*lhs, *rhs) <= 0;
}

// A fund's row: its figures to date and projected, and its accrual in the period as the metric
// (`coop.accrued`, named as its metrics are), which the accrual is made from.
void fund_figures(const plan::Plan& plan, const plan::Rebate& pr, const engine::Payout& to_date, const engine::Payout& projected, Row& row) {
  if (!to_date.explanation || !to_date.explanation->fund || !projected.explanation || !projected.explanation->fund) {
    throw std::logic_error("a forecast's fund was evaluated without its figures");
  }
  row.fund_to_date = *to_date.explanation->fund;
  row.fund_projected = *projected.explanation->fund;
  row.metric = pr.name + ".accrued";
  row.metric_unit = plan.currency;
  row.metric_to_date = row.fund_to_date->accrued;
  row.metric_projected = row.fund_projected->accrued;
}

}  // namespace

std::optional<Forecast> run_forecast(const plan::Plan& plan, engine::RunOptions options, const Request& request, const OpenPeriod& open,
                                     engine::RunResult& result) {
  engine::RunResult to_date;
  engine::PayoutCollector to_date_payouts(to_date);
  options.period = open.label;
  options.explanations = true;  // the measures' values, the metric and the next band
  options.as_of = request.as_of;  // what was booked by then (a ledger without booking dates: dated by then)
  engine::ForecastRun forecast;
  forecast.as_of = request.as_of;
  forecast.to_date = &to_date_payouts;
  forecast.method = request.method;
  const bool last_year = request.method == engine::ForecastMethod::LastYear;
  const engine::LastYearDay ly = engine::last_year_day(engine::Periods(plan), request.as_of);
  engine::PeriodAggregates last_year_to_day;
  std::map<std::string, std::string> partner_methods;
  if (last_year) {
    // First run: last year's same period as it was known on the corresponding day (what was booked by
    // then, as this year's lines to date are what was booked by the as-of date); nothing is paid.
    engine::RunOptions first = options;
    first.as_of = ly.day;
    engine::ForecastRun capture = forecast;
    capture.to_date = nullptr;
    capture.capture = &last_year_to_day;
    first.forecast = capture;
    result = engine::run(plan, first);
    if (!result.ok()) return std::nullopt;
    forecast.last_year_to_day = &last_year_to_day;
    forecast.partner_methods = &partner_methods;
  }
  options.forecast = forecast;
  result = engine::run(plan, options);
  if (!result.ok()) return std::nullopt;
  if (to_date.payouts.size() != result.payouts.size()) throw std::logic_error("a forecast's two evaluations differ in their payouts");

  Forecast f;
  f.program = plan.title;
  f.as_of = format_date(request.as_of);
  f.period = open;
  f.currency = plan.currency;
  f.minor_unit = plan.minor_unit;
  f.near = request.near;
  f.near_text = request.near_text;
  f.notes = result.summary.notes;
  if (last_year) {
    f.method = "last_year";
    f.method_text = "last year's shape";
    f.last_year_period = engine::Periods(plan).label(ly.period);
    f.last_year_day = format_date(ly.day);
  }
  const std::vector<std::vector<std::string>> bands = engine::band_texts(plan);
  for (size_t i = 0; i < result.payouts.size(); ++i) {
    const engine::Payout& now = to_date.payouts[i];
    const engine::Payout& end = result.payouts[i];
    const size_t r = i % plan.rebates.size();  // each cell has one payout per rebate, in the program's order
    const plan::Rebate& pr = plan.rebates[r];
    Row row;
    row.partner = std::string(end.partner.view());
    row.rebate = pr.name;
    row.rebate_index = r;
    // A partner the projection left alone (the period fully elapsed) or run rate's: the forecast's method.
    const auto used = partner_methods.find(row.partner);
    row.method = used != partner_methods.end() ? used->second : f.method;
    if (pr.pay_tiers != UINT32_MAX) {
      row.metric = pr.pay_metric_text;
      row.metric_unit = plan.tiers[pr.pay_tiers].unit;
      if (now.explanation) row.metric_to_date = now.explanation->metric;
      if (end.explanation) row.metric_projected = end.explanation->metric;
      row.band_to_date = std::string(now.band.view());
      row.band_projected = std::string(end.band.view());
    }
    row.payout_to_date = now.amount();
    row.payout_projected = end.amount();
    row.status_to_date = std::string(now.status.view());
    row.status_projected = std::string(end.status.view());
    row.lines_to_date = now.lines;
    row.measures = measures_of(now, end);
    if (pr.claims != UINT32_MAX) fund_figures(plan, pr, now, end, row);
    // The accrual: the projected payout's share of the days elapsed, rounded as the rebate rounds; a
    // fund's, the share of what it is projected to accrue (its claims move money already accrued).
    const Decimal& accrues = row.fund_projected ? row.fund_projected->accrued : row.payout_projected;
    const std::optional<Decimal> accrual = engine::scale_exactly(accrues, open.elapsed, open.total, pr.places, pr.rounding);
    if (!accrual) {
      result.errors.push_back(fmt::format("error: arithmetic overflow working out the accrual of `{}` for partner {}", pr.name, row.partner));
      return std::nullopt;
    }
    row.accrual = *accrual;
    next_band(plan, pr, end, request.near, bands, row);
    for (auto [total, add] : {std::pair{&f.total_to_date, &row.payout_to_date}, std::pair{&f.total_projected, &row.payout_projected},
                              std::pair{&f.total_accrual, &row.accrual}}) {
      const std::optional<Decimal> sum = Decimal::add(*total, *add);
      if (!sum) {
        result.errors.push_back("error: arithmetic overflow adding up the forecast's totals");
        return std::nullopt;
      }
      *total = *sum;
    }
    f.rows.push_back(std::move(row));
  }
  return f;
}

}  // namespace rebate::forecast
