// Reports for people: explanations as text (`--explain`, `rebate explain`) and partner statements as
// Markdown (`--statements`), with numbers grouped by thousands. The CSV and JSON reports are in
// report.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <stdexcept>

#include "engine/report.h"

namespace rebate::engine {

namespace {

// An amount at the currency's places, grouped: "12,300.00".
std::string amount(const Decimal& d, const plan::Plan& plan) {
  std::string out;
  append_fixed(out, d, plan.minor_unit);
  return grouped(out);
}

// A ratio as a percentage: 0.045 -> "4.5%".
std::string percent(const Decimal& ratio) {
  std::string out;
  append_shortest(out, Decimal::mul(ratio, Decimal::from_int(100)).value_or(ratio));
  out += '%';
  return out;
}

}  // namespace

std::string grouped(std::string_view number) {
  const size_t sign = !number.empty() && number[0] == '-' ? 1 : 0;
  size_t whole = sign;
  while (whole < number.size() && number[whole] >= '0' && number[whole] <= '9') ++whole;
  const size_t digits = whole - sign;
  const bool plain = digits > 0 && (whole == number.size() || number[whole] == '.');
  if (!plain || digits <= 3) return std::string(number);
  std::string out(number.substr(0, sign));
  for (size_t i = sign; i < whole; ++i) {
    if (i > sign && (whole - i) % 3 == 0) out += ',';
    out += number[i];
  }
  out += number.substr(whole);
  return out;
}

std::string digits_grouped(std::string_view text) {
  std::string out(text);
  for (size_t i = 1; i + 1 < out.size(); ++i) {
    const bool digit_before = out[i - 1] >= '0' && out[i - 1] <= '9', digit_after = out[i + 1] >= '0' && out[i + 1] <= '9';
    // A digit separator: between digits, in a number (not inside a name such as `tier_2_rate`).
    if (out[i] != '_' || !digit_before || !digit_after) continue;
    size_t start = i - 1;
    while (start > 0 && out[start - 1] >= '0' && out[start - 1] <= '9') --start;
    const bool in_name = start > 0 && (std::isalpha(static_cast<unsigned char>(out[start - 1])) || out[start - 1] == '_');
    if (!in_name) out[i] = ',';
  }
  return out;
}

std::string as_words(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

// (Declared in report.h.)
std::string format_value(const plan::Value& v, const std::string& unit, int minor_unit) {
  if (v.none) return "no value";
  std::string out;
  if (unit == "%") {
    append_shortest(out, Decimal::mul(v.decimal(), Decimal::from_int(100)).value_or(v.decimal()));
    out += '%';
  } else if (!unit.empty()) {
    append_fixed(out, v.decimal(), minor_unit);
    out = grouped(out);
    out += ' ';
    out += unit;
  } else {
    append_shortest(out, v.decimal());
    out = grouped(out);
  }
  return out;
}

// (Declared in report.h.)
std::string format_measure(const plan::Measure& m, const plan::Value& v, const ledger::StringPool& texts, int minor_unit) {
  if (v.none) return "no value";
  switch (m.shown) {
    case plan::Shown::Number: return format_value(v, m.unit, minor_unit);
    case plan::Shown::Text: {
      // Quoted, so that `"12"` is not taken for a number nor `""` for nothing; `"` and `\` escaped.
      std::string out = "\"";
      for (char c : texts.text(static_cast<uint32_t>(v.coef))) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      return out + '"';
    }
    case plan::Shown::Bool: return v.truthy() ? "true" : "false";
    case plan::Shown::Enum: {
      const auto index = static_cast<size_t>(v.coef);
      return index < m.members.size() ? m.members[index] : std::to_string(index);
    }
    case plan::Shown::Date: return format_date(static_cast<DayNumber>(v.coef));
  }
  return format_value(v, m.unit, minor_unit);
}

std::string metric_title(const plan::Plan& plan, std::string_view name) {
  for (const plan::Award& a : plan.awards) {
    if (a.name == name && !a.title.empty()) return a.title;
  }
  // A fund's figure, `coop.closing`: "Co-op marketing fund: closing balance" (docs/language.md §27).
  if (const size_t dot = name.find('.'); dot != std::string_view::npos) {
    for (const plan::Rebate& r : plan.rebates) {
      if (r.claims == UINT32_MAX || r.name != name.substr(0, dot)) continue;
      const std::string_view figure = name.substr(dot + 1);
      const bool balance = figure == "opening" || figure == "closing";
      return fmt::format("{}: {}{}", r.title.empty() ? as_words(r.name) : r.title, figure, balance ? " balance" : "");
    }
  }
  return as_words(name);
}

namespace {

const plan::Rebate* rebate_named(const plan::Plan& plan, std::string_view name) {
  for (const plan::Rebate& r : plan.rebates) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

// A doc comment's first paragraph, on one line.
std::string first_line(const std::string& doc) {
  std::string out;
  for (size_t i = 0; i < doc.size(); ++i) {
    if (doc[i] == '\n' && i + 1 < doc.size() && doc[i + 1] == '\n') break;
    out += doc[i] == '\n' ? ' ' : doc[i];
  }
  return out;
}

// One line of a payout's trace, indented by its depth under the payout's own two spaces.
void explain_entry(std::string& out, const TraceEntry& e) {
  auto to = std::back_inserter(out);
  fmt::format_to(to, "{:{}}", "", 2 + 2 * e.depth);
  const std::string window = e.window.empty() ? "" : " in " + e.window;
  switch (e.kind) {
    case TraceEntry::Kind::Measure:
      if (e.repeated) {
        fmt::format_to(to, "{}{} = {} (as above)\n", e.name, window, e.value);
        return;
      }
      fmt::format_to(to, "{}{} = {} ({}", e.name, window, e.value, e.detail);
      if (e.lines >= 0) fmt::format_to(to, ", {} {}{}", e.lines, e.over_groups ? "group" : "ledger line", e.lines == 1 ? "" : "s");
      out += ")\n";
      return;
    case TraceEntry::Kind::Constant:
      fmt::format_to(to, "{} = {} (constant)\n", e.name, e.value);
      return;
    case TraceEntry::Kind::Partner:
      fmt::format_to(to, "partner.{} = {}\n", e.name, e.value);
      return;
    case TraceEntry::Kind::Rate:
      fmt::format_to(to, "rate {}{} = {} ({})\n", e.name, window, e.value, e.detail);
      return;
    case TraceEntry::Kind::Decision:
      fmt::format_to(to, "decision `{}`: {}\n", e.name, e.detail.empty() ? "no row matched" : e.detail);
      return;
    case TraceEntry::Kind::Band:
      if (e.value.empty()) {
        fmt::format_to(to, "tiers `{}`: {}\n", e.name, e.detail);
      } else {
        fmt::format_to(to, "tiers `{}`: band {} reached: {}\n", e.name, e.detail, e.value);
      }
      return;
  }
}

// One payout's block of explain_text.
void explain_payout(std::string& out, const Payout& p, const plan::Plan& plan) {
  auto to = std::back_inserter(out);  // formatted straight into `out`: no string per line
  fmt::format_to(to, "{} {} {}: {} {} ({})\n", p.partner.view(), p.period.view(), p.rebate.view(), amount(p.amount(), plan),
                 plan.currency, p.status.view());
  if (!p.corrects.empty()) {
    fmt::format_to(to, "  adjustment: {}; paid in {}, with {}'s figures recomputed from every line booked by now, below\n", p.reason.view(),
                   p.period.view(), p.corrects.view());
  } else if (!p.reason.empty()) {
    const plan::Rebate* r = rebate_named(plan, p.rebate.view());
    if (r && r->claims != UINT32_MAX) fmt::format_to(to, "  {}\n", p.reason.view());  // a fund's refused claims (§27)
    else fmt::format_to(to, "  because this does not hold: {}\n", p.reason.view());
  }
  if (p.status == "clawback") {
    const plan::Rebate* r = rebate_named(plan, p.rebate.view());
    fmt::format_to(to, "  clawback: the partner owes {} {} back ({})\n", amount(p.amount().negated(), plan), plan.currency,
                   r && r->payments != UINT32_MAX ? "it was paid more than it earned" : "`allow negative` keeps a negative payout");
  }
  if (const plan::Rebate* r = rebate_named(plan, p.rebate.view()); r && !r->doc.empty()) {
    fmt::format_to(to, "  {}\n", first_line(r->doc));
  }
  for (const TraceEntry& e : p.trace()) explain_entry(out, e);
  if (const std::optional<Decimal> basis = p.basis()) fmt::format_to(to, "  basis: {}\n", grouped(basis->to_string()));
  if (!p.band.empty()) fmt::format_to(to, "  band: {}{}\n", p.band.view(), p.rate() ? ", rate " + percent(*p.rate()) : "");
  for (const auto& s : p.steps()) fmt::format_to(to, "  {}\n", s);
  const plan::Rebate* paid_by = rebate_named(plan, p.rebate.view());
  fmt::format_to(to, "  from {} {}{}{}\n", p.lines, paid_by && paid_by->claims != UINT32_MAX ? "claim" : "ledger line", p.lines == 1 ? "" : "s",
                 p.detail().empty() ? "" : ":");
  for (const std::string& line : p.detail()) fmt::format_to(to, "    {}\n", line);
  if (!p.next_band().empty()) fmt::format_to(to, "  next: {}\n", p.next_band());
}

// An award's or a metric's block: its value, then what it read (and for an award, the row that decided).
void explain_award(std::string& out, const AwardValue& a) {
  if (a.metric) fmt::format_to(std::back_inserter(out), "{} {} metric {}: {}\n", a.partner, a.period, a.award, a.shown);
  else fmt::format_to(std::back_inserter(out), "{} {} {}: {} (from {}'s figures)\n", a.partner, a.period, a.award, a.shown, a.measured);
  if (!a.explanation) return;
  for (const TraceEntry& e : a.explanation->trace) explain_entry(out, e);
  for (const auto& s : a.explanation->steps) fmt::format_to(std::back_inserter(out), "  {}\n", s);
  if (!a.explanation->next_band.empty()) fmt::format_to(std::back_inserter(out), "  next: {}\n", a.explanation->next_band);
}

}  // namespace

std::string explain_text(const RunResult& r, const plan::Plan& plan, const std::string& partner) {
  std::string out;
  for (const Payout& p : r.payouts) {
    if (!partner.empty() && p.partner != partner) continue;
    explain_payout(out, p, plan);
  }
  for (const AwardValue& a : r.awards) {
    if (!partner.empty() && a.partner != partner) continue;
    explain_award(out, a);
  }
  return out;
}

ExplainWriter::ExplainWriter(const plan::Plan& plan, TextOut out, std::string partner)
    : plan_(plan), out_(std::move(out)), partner_(std::move(partner)) {}

void ExplainWriter::batch(const PayoutBatch& b) {
  text_.clear();
  for (size_t i = 0; i < b.payout_count(); ++i) {
    const Payout& p = b.payouts[i];
    if (!partner_.empty() && p.partner != partner_) continue;
    matched_ = true;
    explain_payout(text_, p, plan_);
  }
  if (!text_.empty()) out_(text_);
  text_.clear();
  for (size_t k = 0; k < b.award_count(); ++k) {
    const AwardValue& a = b.awards[k];
    if (!partner_.empty() && a.partner != partner_) continue;
    matched_ = true;
    explain_award(text_, a);
  }
  if (!text_.empty()) awards_.append(text_);
  if (text_.capacity() > (size_t{1} << 24)) std::string().swap(text_);
}

void ExplainWriter::finish(const Summary&) {
  if (!awards_.drain(out_)) throw std::runtime_error("cannot read back the spooled explanations");
}

namespace {

// The awards, then the metrics under a heading of their own (by title, or their name in words).
void statement_awards(std::string& out, const plan::Plan& plan, const std::vector<const AwardValue*>& awards) {
  bool metrics = false;
  for (const AwardValue* a : awards) {
    if (!a->metric) out += fmt::format("**{}:** {} (for {})\n\n", a->award, a->shown, a->period);
    metrics = metrics || a->metric;
  }
  if (!metrics) return;
  out += "## Figures\n\n";
  for (const AwardValue* a : awards) {
    if (a->metric) out += fmt::format("- {}: {}\n", metric_title(plan, a->award), a->shown);
  }
  out += "\n";
}

// The total as paid, with a payout currency (null: none).
const PaidIn* paid_total_of(const RunResult& r, std::string_view partner, std::string_view period) {
  for (size_t i = 0; i < r.paid_totals.size() && i < r.totals.size(); ++i) {
    if (r.totals[i].partner == partner && r.totals[i].period == period) return &r.paid_totals[i];
  }
  return nullptr;
}

// One statement from its payouts and awards (those of its partner and period, in run order), and its
// total as paid in the partner's currency when the program has a payout currency.
std::string statement_of(const plan::Plan& plan, std::string_view partner, std::string_view period,
                         const std::vector<const Payout*>& payouts, const std::vector<const AwardValue*>& awards,
                         const PaidIn* paid_total) {
  std::string out = fmt::format("# {}\n\n**Partner:** {}  \n**Period:** {}\n\n", plan.title, partner, period);
  if (payouts.empty()) {  // a program of awards and metrics only: they are the statement
    statement_awards(out, plan, awards);
    return out;
  }
  out += "| Program | Amount | Status |\n|---|---:|---|\n";
  Decimal total;
  // An adjustment is named with the closed period it corrects.
  auto title = [](const Payout* p) {
    const std::string_view t = (p->title.empty() ? p->rebate : p->title).view();
    return p->corrects.empty() ? std::string(t) : fmt::format("{} (adjustment for {})", t, p->corrects.view());
  };
  for (const Payout* p : payouts) {
    out += fmt::format("| {} | {} {} | {} |\n", title(p), amount(p->amount(), plan), plan.currency, p->status.view());
    total = Decimal::add(total, p->amount()).value_or(total);
  }
  out += fmt::format("| **Total** | **{} {}** | |\n\n", amount(total, plan), plan.currency);
  if (paid_total) {
    std::string paid;
    append_fixed(paid, paid_total->amount, paid_total->places);
    out += fmt::format("**Paid in {}: {} {}**, each amount converted as its rebate shows below.\n\n", paid_total->currency, grouped(paid),
                       paid_total->currency);
  }
  for (const Payout* p : payouts) {
    out += fmt::format("## {}\n\n", title(p));
    const plan::Rebate* fund = rebate_named(plan, p->rebate.view());
    if (fund && fund->claims == UINT32_MAX) fund = nullptr;
    if (!p->corrects.empty()) {
      out += fmt::format("Adjustment: this {}.\n\n", p->reason.view());
    } else if (fund && !p->reason.empty()) {  // a fund's refused claims (docs/language.md §27)
      out += fmt::format("Refused: {}.\n\n", p->reason.view().substr(p->reason.view().find(": ") + 2));
    } else if (!p->reason.empty()) {
      out += fmt::format("Not paid: the condition `{}` was not met.\n\n", p->reason.view());
    }
    for (const auto& m : p->measures()) out += fmt::format("- {}: {}\n", as_words(m.name), m.value);  // for the partner: words
    for (const TraceEntry& e : p->trace()) {
      if (e.kind == TraceEntry::Kind::Rate) out += fmt::format("- Exchange rate {}: {} ({})\n", e.name, e.value, e.detail);
    }
    if (!p->band.empty()) out += fmt::format("- Band reached: {}{}\n", p->band.view(), p->rate() ? ", rate " + percent(*p->rate()) : "");
    for (const auto& step : p->steps()) out += fmt::format("- {}\n", step);
    out += fmt::format("- Based on {} {}{}{}\n", p->lines, fund ? "claim" : "invoice line", p->lines == 1 ? "" : "s", p->detail().empty() ? "" : ":");
    for (std::string line : p->detail()) {  // --detail; as code, so that no cell is read as Markdown
      std::replace(line.begin(), line.end(), '`', '\'');
      out += fmt::format("  - `{}`\n", line);
    }
    if (p->status == "clawback" || (!p->corrects.empty() && p->amount().is_negative())) {
      const plan::Rebate* r = rebate_named(plan, p->rebate.view());
      out += fmt::format("- **Clawback: {} {} to be paid back** ({})\n", amount(p->amount().negated(), plan), plan.currency,
                         !p->corrects.empty()                  ? fmt::format("you were paid more for {} than it comes to now", p->corrects.view())
                         : r && r->payments != UINT32_MAX ? std::string("you were paid more than you have earned")
                                                          : std::string("this period's figures came out negative"));
    } else {
      out += fmt::format("- **Amount: {} {}**\n", amount(p->amount(), plan), plan.currency);
    }
    if (!p->next_band().empty()) out += fmt::format("\nProgress: {}.\n", p->next_band());
    out += "\n";
  }
  statement_awards(out, plan, awards);
  return out;
}

}  // namespace

std::string statement_markdown(const RunResult& r, const plan::Plan& plan, const std::string& partner,
                               const std::string& period) {
  std::vector<const Payout*> payouts;
  for (const Payout& p : r.payouts) {
    if (p.partner == partner && p.period == period) payouts.push_back(&p);
  }
  std::vector<const AwardValue*> awards;
  for (const AwardValue& a : r.awards) {
    if (a.partner == partner && a.measured == period) awards.push_back(&a);
  }
  return statement_of(plan, partner, period, payouts, awards, paid_total_of(r, partner, period));
}

void StatementWriter::batch(const PayoutBatch& b) {
  if (format_ == StatementFormat::Html) {
    if (labels_.size() <= b.period) labels_.resize(b.period + 1);
    labels_[b.period] = std::string(b.period_label);
  }
  StatementPage page;
  page.period = b.period_label;
  for (size_t c = 0; c < b.cells; ++c) {
    page.payouts.clear();
    page.awards.clear();
    for (size_t k = 0; k < b.cell_payout_count(c); ++k) page.payouts.push_back(b.cell_payouts(c) + k);  // adjustments included
    for (uint32_t k = b.award_begin[c]; k < b.award_begin[c + 1]; ++k) page.awards.push_back(b.awards + k);
    if (page.payouts.empty() && page.awards.empty()) continue;  // nothing to say: no rebate, no award decided
    page.partner = b.partners[c].view();
    if (format_ == StatementFormat::Markdown) {
      out_(page.partner, page.period, statement_of(plan_, page.partner, page.period, page.payouts, page.awards,
                                                              b.paid_totals && b.per_cell ? b.paid_totals + c : nullptr));
      continue;
    }
    page.name = b.partner_names ? b.partner_names[c].view() : std::string_view();
    page.paid_total = b.paid_totals && b.per_cell ? b.paid_totals + c : nullptr;
    const size_t partner = b.partner_of(c);
    if (history_.size() <= partner) history_.resize(partner + 1);
    if (b.per_cell) history_[partner].emplace_back(b.period, b.totals[c]);
    page.history.clear();
    for (const auto& [period, total] : history_[partner]) page.history.emplace_back(labels_[period], total);
    out_(page.partner, page.period, statement_html(plan_, page));
  }
}

std::vector<Statement> statements_markdown(const RunResult& r, const plan::Plan& plan) {
  // (partner, period) -> its statement's index; the payouts and awards gathered in one pass each.
  std::map<std::pair<std::string_view, std::string_view>, size_t> index;
  std::vector<std::pair<std::string_view, std::string_view>> keys;
  std::vector<std::vector<const Payout*>> payouts;
  for (const Payout& p : r.payouts) {
    auto [it, fresh] = index.try_emplace({p.partner, p.period}, keys.size());
    if (fresh) {
      keys.emplace_back(p.partner, p.period);
      payouts.emplace_back();
    }
    payouts[it->second].push_back(&p);
  }
  std::vector<std::vector<const AwardValue*>> awards(keys.size());
  for (const AwardValue& a : r.awards) {
    auto it = index.find({std::string_view(a.partner), std::string_view(a.measured)});
    if (it != index.end()) awards[it->second].push_back(&a);
  }
  std::vector<Statement> out;
  out.reserve(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    out.push_back(Statement{std::string(keys[k].first), std::string(keys[k].second),
                            statement_of(plan, keys[k].first, keys[k].second, payouts[k], awards[k],
                                         paid_total_of(r, keys[k].first, keys[k].second))});
  }
  return out;
}

}  // namespace rebate::engine
