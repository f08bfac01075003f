// The forecast as CSV (one row per partner and rebate), JSON (the rows, the near list, the totals) and a
// Markdown summary (a table of the period, the partners by accrual, then the near list).
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "diff/report.h"
#include "engine/report.h"
#include "forecast/forecast.h"

namespace rebate::forecast {

namespace {

std::string money(const Forecast& f, const Decimal& d) { return diff::amount_text(d, f.minor_unit); }

// A metric's value in its unit's terms: money at the currency's places (or more when it has more), a
// percentage as a number of percent ("12.5" for 12.5%), anything else as it is.
std::string metric_text(const Forecast& f, const std::string& unit, const std::optional<Decimal>& v) {
  if (!v) return "";
  if (unit == "%") return Decimal::mul(*v, Decimal::from_int(100)).value_or(*v).to_string();
  if (!unit.empty()) return money(f, *v);
  return v->to_string();
}

// For people: "12,300.00 USD" (money at the currency's places, as explanations show it), "12.5%", "40".
std::string metric_shown(const Forecast& f, const std::string& unit, const std::optional<Decimal>& v) {
  if (!v) return "";
  const bool money = !unit.empty() && unit != "%";
  const std::string number = engine::grouped(money ? v->to_fixed(f.minor_unit) : metric_text(f, unit, v));
  if (unit == "%") return number + "%";
  return unit.empty() ? number : number + " " + unit;
}

std::string csv_cell(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

// A text from the data or the program in a Markdown table cell: nothing in it makes markup.
std::string md(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '\\' || c == '*' || c == '_' || c == '`' || c == '[' || c == ']' || c == '<' || c == '>') out += '\\';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

std::string days_text(const Forecast& f) {
  return fmt::format("{} .. {}, day {} of {}", format_date(f.period.first_day), format_date(f.period.last_day), f.period.elapsed, f.period.total);
}

// The near list: closest first (needed as a share of where the band starts, compared exactly), then
// partner and the program's order of rebates.
std::vector<const Row*> near_rows(const Forecast& f) {
  std::vector<const Row*> near;
  for (const Row& r : f.rows) {
    if (r.near) near.push_back(&r);
  }
  std::stable_sort(near.begin(), near.end(), [](const Row* a, const Row* b) {
    const std::optional<Decimal> x = Decimal::mul(*a->needed, *b->next_band_from), y = Decimal::mul(*b->needed, *a->next_band_from);
    return x && y && Decimal::compare(*x, *y) < 0;
  });
  return near;
}

// The funds' balances, one row per partner and fund with anything in it: what the fund held, accrued
// and paid, to date and projected (docs/forecast.md "Funds").
std::string funds_markdown(const Forecast& f) {
  std::string table;
  for (const Row& r : f.rows) {
    if (!r.fund_to_date) continue;
    const engine::Explanation::Fund &a = *r.fund_to_date, &b = *r.fund_projected;
    if (a.opening.is_zero() && a.accrued.is_zero() && b.accrued.is_zero() && a.claimed.is_zero()) continue;
    auto shown = [&](const Decimal& d) { return engine::grouped(money(f, d)); };
    table += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", md(r.partner), md(r.rebate), shown(a.opening), shown(a.accrued),
                         shown(b.accrued), shown(a.claimed), shown(a.paid), shown(b.paid), shown(a.closing), shown(b.closing));
  }
  if (table.empty()) return "";
  return fmt::format("## Funds\n\nEach fund's balance in {}: accrued to date and projected; the claims made by {}, paid as if the period ended "
                     "then and on the projected balance (claims still to come are not projected).\n\n",
                     f.period.label, f.as_of) +
         "| Partner | Fund | Opening | Accrued to date | Accrued projected | Claimed | Paid to date | Paid projected | Closing to date | Closing "
         "projected |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n" +
         table + "\n";
}

}  // namespace

std::string forecast_csv(const Forecast& f) {
  std::string out =
      "as_of,period,days_elapsed,days_in_period,method,partner,rebate,metric,metric_unit,metric_to_date,metric_projected,band_to_date,"
      "band_projected,payout_to_date,payout_projected,accrual,currency,status_projected,lines_to_date,next_band,next_band_from,"
      "needed_for_next_band,distance_pct,near\n";
  for (const Row& r : f.rows) {
    const std::vector<std::string> cells = {
        f.as_of, f.period.label, std::to_string(f.period.elapsed), std::to_string(f.period.total), r.method, r.partner, r.rebate, r.metric,
        r.metric_unit, metric_text(f, r.metric_unit, r.metric_to_date), metric_text(f, r.metric_unit, r.metric_projected), r.band_to_date,
        r.band_projected, money(f, r.payout_to_date), money(f, r.payout_projected), money(f, r.accrual), f.currency, r.status_projected,
        std::to_string(r.lines_to_date), r.next_band.empty() ? "" : r.next_value, metric_text(f, r.metric_unit, r.next_band_from),
        metric_text(f, r.metric_unit, r.needed), r.distance, r.near ? "yes" : "no"};
    for (size_t k = 0; k < cells.size(); ++k) out += (k ? "," : "") + csv_cell(cells[k]);
    out += '\n';
  }
  return out;
}

std::string forecast_json(const Forecast& f) {
  using nlohmann::ordered_json;
  ordered_json doc;
  doc["program"] = f.program;
  doc["as_of"] = f.as_of;
  doc["method"] = f.method;
  doc["method_text"] = f.method_text;
  if (!f.last_year_period.empty()) doc["last_year"] = {{"period", f.last_year_period}, {"corresponding_day", f.last_year_day}};
  doc["currency"] = f.currency;
  doc["period"] = {{"period", f.period.label},          {"first_day", format_date(f.period.first_day)},
                   {"last_day", format_date(f.period.last_day)}, {"days_elapsed", f.period.elapsed},
                   {"days_in_period", f.period.total}};
  ordered_json rows = ordered_json::array();
  for (const Row& r : f.rows) {
    ordered_json row = {{"partner", r.partner}, {"period", f.period.label}, {"rebate", r.rebate}, {"method", r.method}};
    if (!r.metric.empty()) {
      row["metric"] = {{"name", r.metric}, {"unit", r.metric_unit}, {"to_date", metric_text(f, r.metric_unit, r.metric_to_date)},
                       {"projected", metric_text(f, r.metric_unit, r.metric_projected)}};
      row["band_to_date"] = r.band_to_date;
      row["band_projected"] = r.band_projected;
    }
    row["payout_to_date"] = money(f, r.payout_to_date);
    row["payout_projected"] = money(f, r.payout_projected);
    row["accrual"] = money(f, r.accrual);
    row["status_to_date"] = r.status_to_date;
    row["status_projected"] = r.status_projected;
    row["lines_to_date"] = r.lines_to_date;
    ordered_json measures = ordered_json::array();
    for (const MeasureValues& m : r.measures) measures.push_back({{"name", m.name}, {"to_date", m.to_date}, {"projected", m.projected}});
    row["measures"] = measures;
    if (r.fund_to_date) {
      const engine::Explanation::Fund &a = *r.fund_to_date, &b = *r.fund_projected;
      row["fund"] = {{"opening", money(f, a.opening)},         {"accrued_to_date", money(f, a.accrued)},
                     {"accrued_projected", money(f, b.accrued)}, {"claimed", money(f, a.claimed)},
                     {"paid_to_date", money(f, a.paid)},       {"paid_projected", money(f, b.paid)},
                     {"expired_to_date", money(f, a.expired)}, {"expired_projected", money(f, b.expired)},
                     {"closing_to_date", money(f, a.closing)}, {"closing_projected", money(f, b.closing)}};
    }
    if (r.next_band_from) {
      row["next_band"] = {{"band", r.next_band}, {"value", r.next_value}, {"from", metric_text(f, r.metric_unit, r.next_band_from)},
                          {"needed", metric_text(f, r.metric_unit, r.needed)}, {"distance_pct", r.distance}};
    }
    rows.push_back(row);
  }
  doc["rows"] = rows;
  doc["totals"] = {{"payout_to_date", money(f, f.total_to_date)}, {"payout_projected", money(f, f.total_projected)},
                   {"accrual", money(f, f.total_accrual)}};
  if (f.near) {
    ordered_json near = ordered_json::array();
    for (const Row* r : near_rows(f)) {
      near.push_back({{"partner", r->partner}, {"rebate", r->rebate}, {"metric", r->metric}, {"projected", metric_text(f, r->metric_unit, r->metric_projected)},
                      {"next_band", r->next_band}, {"value", r->next_value}, {"from", metric_text(f, r->metric_unit, r->next_band_from)},
                      {"needed", metric_text(f, r->metric_unit, r->needed)}, {"distance_pct", r->distance}});
    }
    doc["near"] = {{"within_pct", f.near->to_string()}, {"partners", near}};
  }
  doc["notes"] = f.notes;
  return doc.dump(2) + "\n";
}

std::string forecast_markdown(const Forecast& f) {
  std::string out = fmt::format("# Forecast: {}\n\n", md(f.program));
  const std::string how =
      f.last_year_period.empty()
          ? fmt::format("the period's sums and counts to date × {} / {}", f.period.total, f.period.elapsed)
          : fmt::format("each partner's sums and counts to date × last year's {} whole / its part up to {} (by run rate, × {} / {}, where "
                        "last year has no value above zero: the notes name them)",
                        f.last_year_period, f.last_year_day, f.period.total, f.period.elapsed);
  const bool funds = std::any_of(f.rows.begin(), f.rows.end(), [](const Row& r) { return r.fund_to_date.has_value(); });
  out += fmt::format("As of **{}**: period **{}** ({}). Method: {}: {}; the accrual is the projected payout{} × {} / {}. Amounts in {}.\n\n",
                     f.as_of, f.period.label, days_text(f), f.method_text, how, funds ? " (a fund's: its projected accrual)" : "",
                     f.period.elapsed, f.period.total, f.currency);
  out += fmt::format("## {}\n\n", f.period.label);
  std::vector<const Row*> shown;
  for (const Row& r : f.rows) {
    if (!r.payout_to_date.is_zero() || !r.payout_projected.is_zero() || !r.accrual.is_zero()) shown.push_back(&r);
  }
  // By accrual, largest first; then partner and the program's order of rebates (the rows' own order).
  std::stable_sort(shown.begin(), shown.end(), [](const Row* a, const Row* b) { return Decimal::compare(a->accrual, b->accrual) > 0; });
  out += "| Partner | Rebate | Measure | To date | Projected | Band to date | Band projected | Payout to date | Payout projected | Accrual |\n";
  out += "|---|---|---|--:|--:|---|---|--:|--:|--:|\n";
  for (const Row* r : shown) {
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", md(r->partner), md(r->rebate), md(r->metric),
                       metric_shown(f, r->metric_unit, r->metric_to_date), metric_shown(f, r->metric_unit, r->metric_projected),
                       md(r->band_to_date), md(r->band_projected), engine::grouped(money(f, r->payout_to_date)),
                       engine::grouped(money(f, r->payout_projected)), engine::grouped(money(f, r->accrual)));
  }
  out += fmt::format("| **Total** | | | | | | | {} | {} | {} |\n\n", engine::grouped(money(f, f.total_to_date)),
                     engine::grouped(money(f, f.total_projected)), engine::grouped(money(f, f.total_accrual)));
  if (shown.size() < f.rows.size()) {
    const size_t left = f.rows.size() - shown.size();
    out += fmt::format("{} partner {} nothing to date, projected or accrued, and {} not listed.\n\n", left, left == 1 ? "rebate has" : "rebates have",
                       left == 1 ? "is" : "are");
  }
  out += funds_markdown(f);
  if (f.near) {
    out += fmt::format("## Near the next band (within {}%)\n\n", f.near->to_string());
    const std::vector<const Row*> near = near_rows(f);
    if (near.empty()) {
      out += "No partner is projected within that distance of its next band.\n\n";
    } else {
      out += "| Partner | Rebate | Measure | Projected | Next band | Starts at | Needed | Distance |\n";
      out += "|---|---|---|--:|---|--:|--:|--:|\n";
      for (const Row* r : near) {
        out += fmt::format("| {} | {} | {} | {} | {} ({}) | {} | {} | {}% |\n", md(r->partner), md(r->rebate), md(r->metric),
                           metric_shown(f, r->metric_unit, r->metric_projected), md(r->next_band), md(r->next_value),
                           metric_shown(f, r->metric_unit, r->next_band_from), metric_shown(f, r->metric_unit, r->needed), r->distance);
      }
      out += '\n';
    }
  }
  if (!f.notes.empty()) {
    out += "## Notes\n\n";
    for (const std::string& note : f.notes) out += fmt::format("- {}\n", md(note));
  }
  return out;
}

}  // namespace rebate::forecast
