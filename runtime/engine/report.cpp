// Payout reports. Amounts are decimal strings with the currency's places ("1234.50"), never floats.
#include "engine/report.h"

#include <fmt/format.h>


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
  out.reserve(out.size() + r.payouts.size() * 96);
  // Appended piece by piece: this runs once per payout, a million times in a large run.
  for (const Payout& p : r.payouts) {
    out += csv_quote(p.partner);
    out += ',';
    out += p.period;
    out += ',';
    out += p.rebate;
    out += ',';
    out += amount(p.amount, plan);
    out += ',';
    out += plan.currency;
    out += ',';
    out += p.status;
    out += ',';
    if (p.basis) out += p.basis->to_string();
    out += ',';
    out += csv_quote(p.band);
    out += ',';
    if (p.rate) out += percent(*p.rate);
    out += ',';
    out += std::to_string(p.lines);
    out += ',';
    out += csv_quote(p.reason);
    out += '\n';
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

namespace {

// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped.
void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        else out += c;
    }
  }
  out += '"';
}

void json_field(std::string& out, const char* name, std::string_view value, bool first = false) {
  if (!first) out += ", ";
  json_string(out, name);
  out += ": ";
  json_string(out, value);
}

void json_null_or(std::string& out, const char* name, const std::optional<std::string>& value) {
  out += ", ";
  json_string(out, name);
  out += ": ";
  if (value) json_string(out, *value);
  else out += "null";
}

}  // namespace

// Written directly, one payout per line: a million payouts must not build a document tree in memory.
std::string payouts_json(const RunResult& r, const plan::Plan& plan) {
  std::string out = "{\n  \"program\": ";
  json_string(out, plan.title);
  out += ",\n  \"currency\": ";
  json_string(out, plan.currency);
  out += ",\n  \"payouts\": [";
  for (size_t i = 0; i < r.payouts.size(); ++i) {
    const Payout& p = r.payouts[i];
    out += i ? ",\n    {" : "\n    {";
    json_field(out, "partner", p.partner, true);
    json_field(out, "period", p.period);
    json_field(out, "rebate", p.rebate);
    json_field(out, "amount", amount(p.amount, plan));
    json_field(out, "status", p.status);
    if (!p.reason.empty()) json_field(out, "reason", p.reason);
    json_null_or(out, "basis", p.basis ? std::optional<std::string>(p.basis->to_string()) : std::nullopt);
    json_null_or(out, "band", p.band.empty() ? std::nullopt : std::optional<std::string>(p.band));
    json_null_or(out, "rate", p.rate ? std::optional<std::string>(percent(*p.rate)) : std::nullopt);
    out += fmt::format(", \"lines\": {}, \"explanation\": {{\"measures\": {{", p.lines);
    for (size_t m = 0; m < p.measures.size(); ++m) json_field(out, p.measures[m].name.c_str(), p.measures[m].value, m == 0);
    out += "}, \"steps\": [";
    for (size_t k = 0; k < p.steps.size(); ++k) {
      if (k) out += ", ";
      json_string(out, p.steps[k]);
    }
    out += "]";
    if (!p.next_band.empty()) json_field(out, "next_band", p.next_band);
    if (p.before_budget) json_field(out, "before_budget", amount(*p.before_budget, plan));
    out += "}}";
  }
  out += "\n  ],\n  \"totals\": [";
  for (size_t i = 0; i < r.totals.size(); ++i) {
    const Total& t = r.totals[i];
    out += i ? ",\n    {" : "\n    {";
    json_field(out, "partner", t.partner, true);
    json_field(out, "period", t.period);
    json_field(out, "amount", amount(t.amount, plan));
    out += "}";
  }
  out += "\n  ],\n  \"awards\": [";
  for (size_t i = 0; i < r.awards.size(); ++i) {
    const AwardValue& a = r.awards[i];
    out += i ? ",\n    {" : "\n    {";
    json_field(out, "partner", a.partner, true);
    json_field(out, "period", a.period);
    json_field(out, "measured", a.measured);
    json_field(out, "award", a.award);
    json_field(out, "value", a.value);
    out += "}";
  }
  out += "\n  ],\n  \"summary\": {\"inputs\": [";
  for (size_t i = 0; i < r.summary.inputs.size(); ++i) {
    const auto& in = r.summary.inputs[i];
    if (i) out += ", ";
    out += "{";
    json_field(out, "name", in.name, true);
    out += fmt::format(", \"rows\": {}, \"rejected\": {}}}", in.rows, in.rejected);
  }
  out += fmt::format("], \"lines_outside_effective_dates\": {}, \"lines_outside_run_periods\": {}, \"notes\": [",
                     r.summary.outside_effective, r.summary.outside_run);
  for (size_t i = 0; i < r.summary.notes.size(); ++i) {
    if (i) out += ", ";
    json_string(out, r.summary.notes[i]);
  }
  out += "]}\n}\n";
  return out;
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
