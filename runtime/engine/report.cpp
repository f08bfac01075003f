// Payout reports. Amounts are decimal strings with the currency's places ("1234.50"), never floats.
#include "engine/report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ledger/ledger.h"

namespace rebate::engine {

namespace {

using ledger::csv_quote;

std::string amount(const Decimal& d, const plan::Plan& plan) { return d.to_fixed(plan.minor_unit); }

std::string percent(const Decimal& ratio) {
  return Decimal::mul(ratio, Decimal::from_int(100)).value_or(ratio).to_string() + "%";
}

}  // namespace

std::string payouts_csv(const RunResult& r, const plan::Plan& plan) {
  std::string out = "partner,period,rebate,amount,currency,status,basis,band,rate,lines,reason\n";
  for (const Payout& p : r.payouts) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", csv_quote(p.partner), p.period, p.rebate, amount(p.amount, plan),
                       plan.currency, p.status, p.basis ? p.basis->to_string() : "", csv_quote(p.band),
                       p.rate ? percent(*p.rate) : "", p.lines, csv_quote(p.reason));
  }
  for (const Total& t : r.totals) {
    out += fmt::format("{},{},TOTAL,{},{},,,,,,\n", csv_quote(t.partner), t.period, amount(t.amount, plan), plan.currency);
  }
  // Awards: not money; the value is in `status` (`award`) and `reason`.
  for (const AwardValue& a : r.awards) {
    out += fmt::format("{},{},{},,,award,,,,,{}\n", csv_quote(a.partner), a.period, a.award, csv_quote(a.value));
  }
  return out;
}

std::string payouts_json(const RunResult& r, const plan::Plan& plan) {
  nlohmann::ordered_json j;
  j["program"] = plan.title;
  j["currency"] = plan.currency;
  nlohmann::ordered_json payouts = nlohmann::ordered_json::array();
  for (const Payout& p : r.payouts) {
    nlohmann::ordered_json o;
    o["partner"] = p.partner;
    o["period"] = p.period;
    o["rebate"] = p.rebate;
    o["amount"] = amount(p.amount, plan);
    o["status"] = p.status;
    if (!p.reason.empty()) o["reason"] = p.reason;
    o["basis"] = p.basis ? nlohmann::ordered_json(p.basis->to_string()) : nlohmann::ordered_json(nullptr);
    o["band"] = p.band.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.band);
    o["rate"] = p.rate ? nlohmann::ordered_json(percent(*p.rate)) : nlohmann::ordered_json(nullptr);
    o["lines"] = p.lines;
    nlohmann::ordered_json explanation;
    nlohmann::ordered_json measures = nlohmann::ordered_json::object();
    for (const auto& m : p.measures) measures[m.name] = m.value;
    explanation["measures"] = measures;
    explanation["steps"] = p.steps;
    if (!p.next_band.empty()) explanation["next_band"] = p.next_band;
    if (p.before_budget) explanation["before_budget"] = amount(*p.before_budget, plan);
    o["explanation"] = explanation;
    payouts.push_back(o);
  }
  j["payouts"] = payouts;
  nlohmann::ordered_json totals = nlohmann::ordered_json::array();
  for (const Total& t : r.totals) totals.push_back({{"partner", t.partner}, {"period", t.period}, {"amount", amount(t.amount, plan)}});
  j["totals"] = totals;
  nlohmann::ordered_json awards = nlohmann::ordered_json::array();
  for (const AwardValue& a : r.awards) {
    awards.push_back({{"partner", a.partner}, {"period", a.period}, {"measured", a.measured}, {"award", a.award}, {"value", a.value}});
  }
  j["awards"] = awards;
  nlohmann::ordered_json summary;
  nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
  for (const auto& in : r.summary.inputs) inputs.push_back({{"name", in.name}, {"rows", in.rows}, {"rejected", in.rejected}});
  summary["inputs"] = inputs;
  summary["lines_outside_effective_dates"] = r.summary.outside_effective;
  summary["lines_outside_run_periods"] = r.summary.outside_run;
  summary["notes"] = r.summary.notes;
  j["summary"] = summary;
  return j.dump(2) + "\n";
}

std::string explain_text(const RunResult& r, const plan::Plan& plan, const std::string& partner) {
  std::string out;
  for (const Payout& p : r.payouts) {
    if (!partner.empty() && p.partner != partner) continue;
    out += fmt::format("{} {} {}: {} {} ({})\n", p.partner, p.period, p.rebate, amount(p.amount, plan), plan.currency, p.status);
    if (!p.reason.empty()) out += fmt::format("  because this does not hold: {}\n", p.reason);
    for (const auto& m : p.measures) out += fmt::format("  {} = {}\n", m.name, m.value);
    if (p.basis) out += fmt::format("  basis: {}\n", p.basis->to_string());
    if (!p.band.empty()) out += fmt::format("  band: {}{}\n", p.band, p.rate ? ", rate " + percent(*p.rate) : "");
    for (const auto& s : p.steps) out += fmt::format("  {}\n", s);
    out += fmt::format("  from {} ledger line{}\n", p.lines, p.lines == 1 ? "" : "s");
    if (!p.next_band.empty()) out += fmt::format("  next: {}\n", p.next_band);
  }
  for (const AwardValue& a : r.awards) {
    if (!partner.empty() && a.partner != partner) continue;
    out += fmt::format("{} {} {}: {} (from {}'s figures)\n", a.partner, a.period, a.award, a.value, a.measured);
  }
  return out;
}

std::string statement_markdown(const RunResult& r, const plan::Plan& plan, const std::string& partner,
                               const std::string& period) {
  std::string out = fmt::format("# {}\n\n**Partner:** {}  \n**Period:** {}\n\n", plan.title, partner, period);
  out += "| Program | Amount | Status |\n|---|---:|---|\n";
  Decimal total;
  for (const Payout& p : r.payouts) {
    if (p.partner != partner || p.period != period) continue;
    out += fmt::format("| {} | {} {} | {} |\n", p.title.empty() ? p.rebate : p.title, amount(p.amount, plan), plan.currency, p.status);
    total = Decimal::add(total, p.amount).value_or(total);
  }
  out += fmt::format("| **Total** | **{} {}** | |\n\n", amount(total, plan), plan.currency);
  for (const Payout& p : r.payouts) {
    if (p.partner != partner || p.period != period) continue;
    out += fmt::format("## {}\n\n", p.title.empty() ? p.rebate : p.title);
    if (!p.reason.empty()) out += fmt::format("Not paid: the condition `{}` was not met.\n\n", p.reason);
    for (const auto& m : p.measures) out += fmt::format("- {}: {}\n", m.name, m.value);
    if (!p.band.empty()) out += fmt::format("- Band reached: {}{}\n", p.band, p.rate ? ", rate " + percent(*p.rate) : "");
    for (const auto& s : p.steps) out += fmt::format("- {}\n", s);
    out += fmt::format("- Based on {} invoice line{}\n", p.lines, p.lines == 1 ? "" : "s");
    out += fmt::format("- **Amount: {} {}**\n", amount(p.amount, plan), plan.currency);
    if (!p.next_band.empty()) out += fmt::format("\nProgress: {}.\n", p.next_band);
    out += "\n";
  }
  for (const AwardValue& a : r.awards) {
    if (a.partner == partner && a.measured == period) out += fmt::format("**{}:** {} (for {})\n\n", a.award, a.value, a.period);
  }
  return out;
}

}  // namespace rebate::engine
