// Payout reports. Amounts are decimal strings with the currency's places ("1234.50"), never floats.
#include "engine/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>

#include "ledger/ledger.h"

namespace rebate::engine {

namespace {

using ledger::csv_quote;

// Room for a 64-bit magnitude's digits padded to Decimal::kMaxScale + 1 digits.
constexpr int kDigitRoom = 40;

// |coefficient| as 64 bits, when it fits (the values of payouts and their bases always do).
std::optional<uint64_t> magnitude(Int128 coefficient) {
  Int128 m = coefficient < 0 ? -coefficient : coefficient;
  if (m > static_cast<Int128>(UINT64_MAX)) return std::nullopt;
  return static_cast<uint64_t>(m);
}

// v x 10^times, or false when that overflows 64 bits.
bool scale_up(uint64_t& v, int times) {
  for (int i = 0; i < times; ++i) {
    if (__builtin_mul_overflow(v, uint64_t{10}, &v)) return false;
  }
  return true;
}

// Writes the digits of `v` with zeros in front up to `min_digits` so that they end at `end`; returns
// the first.
char* write_digits(uint64_t v, int min_digits, char* end) {
  char* p = end;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  while (end - p < min_digits) *--p = '0';
  return p;
}

void append_count(std::string& out, uint64_t n) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

void append_amount(std::string& out, const Decimal& d, const plan::Plan& plan) { append_fixed(out, d, plan.minor_unit); }

std::string amount(const Decimal& d, const plan::Plan& plan) {
  std::string out;
  append_amount(out, d, plan);
  return out;
}

// A ratio as a percentage: 0.045 -> "4.5%".
void append_percent(std::string& out, const Decimal& ratio) {
  append_shortest(out, Decimal::mul(ratio, Decimal::from_int(100)).value_or(ratio));
  out += '%';
}

std::string percent(const Decimal& ratio) {
  std::string out;
  append_percent(out, ratio);
  return out;
}

// A CSV field as ledger::csv_quote writes it; most fields need no quotes and are copied as they are.
void append_csv(std::string& out, std::string_view s) {
  bool plain = std::none_of(s.begin(), s.end(), [](char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; });
  if (plain) out.append(s);
  else out += csv_quote(s);
}

}  // namespace

void append_fixed(std::string& out, const Decimal& d, int places) {
  std::optional<Decimal> r = places < d.scale() ? d.rounded(places, RoundingMode::HalfEven) : std::optional<Decimal>(d);
  std::optional<uint64_t> v = r ? magnitude(r->coefficient()) : std::nullopt;
  if (!v || places < 0 || places > Decimal::kMaxScale || !scale_up(*v, places - r->scale())) {
    out += d.to_fixed(places);  // beyond 64 bits: Decimal's own (slower) formatting
    return;
  }
  char buf[kDigitRoom];
  char* end = buf + kDigitRoom;
  char* first = write_digits(*v, places + 1, end);
  if (r->is_negative()) out += '-';
  out.append(first, end - places);
  if (places > 0) {
    out += '.';
    out.append(end - places, end);
  }
}

void append_shortest(std::string& out, const Decimal& d) {
  std::optional<uint64_t> v = magnitude(d.coefficient());
  if (!v) {
    out += d.to_string();
    return;
  }
  char buf[kDigitRoom];
  char* end = buf + kDigitRoom;
  const char* first = write_digits(*v, d.scale() + 1, end);
  const char* point = end - d.scale();
  const char* last = end;
  while (last > point && last[-1] == '0') --last;  // 1.50 -> 1.5
  if (d.is_negative()) out += '-';
  out.append(first, point);
  if (last > point) {
    out += '.';
    out.append(point, last);
  }
}

std::string payouts_csv(const RunResult& r, const plan::Plan& plan) {
  std::string out = "partner,period,rebate,amount,currency,status,basis,band,rate,lines,reason\n";
  out.reserve(out.size() + r.payouts.size() * 96);
  // Appended piece by piece, without temporary strings: this runs once per payout, a million times in
  // a large run.
  for (const Payout& p : r.payouts) {
    append_csv(out, p.partner);
    out += ',';
    out += p.period;
    out += ',';
    out += p.rebate;
    out += ',';
    append_amount(out, p.amount, plan);
    out += ',';
    out += plan.currency;
    out += ',';
    out += p.status;
    out += ',';
    if (p.basis) append_shortest(out, *p.basis);
    out += ',';
    append_csv(out, p.band);
    out += ',';
    if (p.rate) append_percent(out, *p.rate);
    out += ',';
    append_count(out, p.lines);
    out += ',';
    append_csv(out, p.reason);
    out += '\n';
  }
  for (const Total& t : r.totals) {
    append_csv(out, t.partner);
    out += ',';
    out += t.period;
    out += ",TOTAL,";
    append_amount(out, t.amount, plan);
    out += ',';
    out += plan.currency;
    out += ",,,,,,\n";
  }
  // Awards: not money; the value is in `status` (`award`) and `reason`.
  for (const AwardValue& a : r.awards) {
    append_csv(out, a.partner);
    out += ',';
    out += a.period;
    out += ',';
    out += a.award;
    out += ",,,award,,,,,";
    append_csv(out, a.value);
    out += '\n';
  }
  return out;
}

namespace {

// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped.
void json_string(std::string& out, std::string_view s) {
  out += '"';
  bool plain = std::none_of(s.begin(), s.end(), [](char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; });
  if (plain) {
    out.append(s);
    out += '"';
    return;
  }
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

// `, "name": "..."` around what `write` appends: digits, a sign, a point, a percent sign, nothing to escape.
template <typename Write>
void json_text_field(std::string& out, const char* name, Write write) {
  out += ", ";
  json_string(out, name);
  out += ": \"";
  write();
  out += '"';
}

void json_null_field(std::string& out, const char* name) {
  out += ", ";
  json_string(out, name);
  out += ": null";
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
    json_text_field(out, "amount", [&] { append_amount(out, p.amount, plan); });
    json_field(out, "status", p.status);
    if (!p.reason.empty()) json_field(out, "reason", p.reason);
    if (p.basis) json_text_field(out, "basis", [&] { append_shortest(out, *p.basis); });
    else json_null_field(out, "basis");
    if (!p.band.empty()) json_field(out, "band", p.band);
    else json_null_field(out, "band");
    if (p.rate) json_text_field(out, "rate", [&] { append_percent(out, *p.rate); });
    else json_null_field(out, "rate");
    out += ", \"lines\": ";
    append_count(out, p.lines);
    out += ", \"explanation\": {\"measures\": {";
    for (size_t m = 0; m < p.measures().size(); ++m) json_field(out, p.measures()[m].name.c_str(), p.measures()[m].value, m == 0);
    out += "}, \"steps\": [";
    for (size_t k = 0; k < p.steps().size(); ++k) {
      if (k) out += ", ";
      json_string(out, p.steps()[k]);
    }
    out += "]";
    if (!p.next_band().empty()) json_field(out, "next_band", p.next_band());
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
  auto to = std::back_inserter(out);  // formatted straight into `out`: no string per line
  for (const Payout& p : r.payouts) {
    if (!partner.empty() && p.partner != partner) continue;
    fmt::format_to(to, "{} {} {}: {} {} ({})\n", p.partner, p.period, p.rebate, amount(p.amount, plan), plan.currency, p.status);
    if (!p.reason.empty()) fmt::format_to(to, "  because this does not hold: {}\n", p.reason);
    for (const auto& m : p.measures()) fmt::format_to(to, "  {} = {}\n", m.name, m.value);
    if (p.basis) fmt::format_to(to, "  basis: {}\n", p.basis->to_string());
    if (!p.band.empty()) fmt::format_to(to, "  band: {}{}\n", p.band, p.rate ? ", rate " + percent(*p.rate) : "");
    for (const auto& s : p.steps()) fmt::format_to(to, "  {}\n", s);
    fmt::format_to(to, "  from {} ledger line{}\n", p.lines, p.lines == 1 ? "" : "s");
    if (!p.next_band().empty()) fmt::format_to(to, "  next: {}\n", p.next_band());
  }
  for (const AwardValue& a : r.awards) {
    if (!partner.empty() && a.partner != partner) continue;
    fmt::format_to(to, "{} {} {}: {} (from {}'s figures)\n", a.partner, a.period, a.award, a.value, a.measured);
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
    for (const auto& m : p.measures()) out += fmt::format("- {}: {}\n", m.name, m.value);
    if (!p.band.empty()) out += fmt::format("- Band reached: {}{}\n", p.band, p.rate ? ", rate " + percent(*p.rate) : "");
    for (const auto& s : p.steps()) out += fmt::format("- {}\n", s);
    out += fmt::format("- Based on {} invoice line{}\n", p.lines, p.lines == 1 ? "" : "s");
    out += fmt::format("- **Amount: {} {}**\n", amount(p.amount, plan), plan.currency);
    if (!p.next_band().empty()) out += fmt::format("\nProgress: {}.\n", p.next_band());
    out += "\n";
  }
  for (const AwardValue& a : r.awards) {
    if (a.partner == partner && a.measured == period) out += fmt::format("**{}:** {} (for {})\n\n", a.award, a.value, a.period);
  }
  return out;
}

}  // namespace rebate::engine
