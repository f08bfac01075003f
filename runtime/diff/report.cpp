// The reports of `rebate diff` (report.h): Markdown, CSV, JSON.
#include "diff/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ledger/ledger.h"

namespace rebate::diff {

namespace {

// A row's period, and for an adjustment the closed period it corrects: "2026-Q3 (adjustment for 2026-Q2)".
std::string period_text(const Row& r) {
  return r.corrects.empty() ? r.period : fmt::format("{} (adjustment for {})", r.period, r.corrects);
}

Decimal magnitude(const Decimal& d) { return d.is_negative() ? d.negated() : d; }

const Decimal kHundred = Decimal::from_int(100);
const Decimal kCent = Decimal::from_scaled(1, 2);
const Decimal kHalfCent = Decimal::from_scaled(5, 3);

}  // namespace

std::optional<Threshold> parse_threshold(std::string_view text) {
  Threshold t;
  t.text = std::string(text);
  if (!text.empty() && text.back() == '%') {
    t.percent = true;
    text.remove_suffix(1);
  }
  std::optional<Decimal> v = Decimal::parse(text);
  if (!v || v->is_negative()) return std::nullopt;
  t.value = *v;
  return t;
}

bool exceeds(const Threshold& t, const Decimal& before, const Decimal& after) {
  const Decimal change = magnitude(Decimal::sub(after, before).value_or(Decimal()));
  if (!t.percent) return Decimal::compare(change, t.value) > 0;
  if (before.is_zero()) return !change.is_zero();
  // |change| / |before| > value / 100, without a division: |change| x 100 > value x |before|.
  std::optional<Decimal> lhs = Decimal::mul(change, kHundred), rhs = Decimal::mul(t.value, magnitude(before));
  if (!lhs || !rhs) return true;  // beyond 38 digits: a change no threshold lets through
  return Decimal::compare(*lhs, *rhs) > 0;
}

std::string amount_text(const Decimal& d, int minor_unit) {
  const std::string shortest = d.to_string();
  const size_t dot = shortest.find('.');
  const int decimals = dot == std::string::npos ? 0 : static_cast<int>(shortest.size() - dot - 1);
  return d.to_fixed(std::max(minor_unit, decimals));
}

std::optional<std::string> percent_change(const Decimal& before, const Decimal& after) {
  if (before.is_zero()) return after.is_zero() ? std::optional<std::string>("0.00") : std::nullopt;
  const Decimal base = magnitude(before);
  const std::optional<Decimal> delta = Decimal::sub(after, before);
  const std::optional<Decimal> scaled = delta ? Decimal::mul(*delta, kHundred) : std::nullopt;
  const std::optional<Decimal> quotient = scaled ? Decimal::div(*scaled, base) : std::nullopt;
  if (!quotient) return "?";  // beyond 38 digits
  // x = scaled / base exactly, rounded half-even to two places. The 18-place quotient is within a cent
  // of x; the cent below x is found by exact comparisons (x >= v when scaled >= v x base), then x is
  // compared with the midpoint, so no double rounding changes the last digit.
  auto at_least = [&](const Decimal& v) -> std::optional<int> {
    std::optional<Decimal> product = Decimal::mul(v, base);
    if (!product) return std::nullopt;
    return Decimal::compare(*scaled, *product);
  };
  std::optional<Decimal> k = quotient->rounded(2, RoundingMode::Down);
  if (k) k = Decimal::sub(*k, kCent);
  for (int step = 0; k && step < 4; ++step) {
    std::optional<Decimal> next = Decimal::add(*k, kCent);
    std::optional<int> c = next ? at_least(*next) : std::nullopt;
    if (!c || *c < 0) break;
    k = next;
  }
  std::optional<Decimal> mid = k ? Decimal::add(*k, kHalfCent) : std::nullopt;
  std::optional<int> c = mid ? at_least(*mid) : std::nullopt;
  if (!c) return quotient->rounded(2, RoundingMode::HalfEven).value_or(*quotient).to_fixed(2);
  const std::string low = k->to_fixed(2);
  const bool even = (low.back() - '0') % 2 == 0;
  if (*c < 0 || (*c == 0 && even)) return low;
  return Decimal::add(*k, kCent).value_or(*k).to_fixed(2);
}

namespace {

// --- Markdown -----------------------------------------------------------------------------------------

// A text from the data or the program in a Markdown table cell: nothing in it makes markup.
std::string md(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>|#~").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

class MarkdownReport : public Report {
 public:
  explicit MarkdownReport(int minor_unit) : minor_(minor_unit) {}

  void row(const Row& r) override {
    ++details_total_;
    if (details_.size() < kCommentLimit) {
      details_ += fmt::format("| {} | {} | `{}` | {} | {} | {} | {} |\n", md(r.partner), md(period_text(r)), r.rebate, side(r.before),
                              side(r.after), signed_money(r.delta), what_changed(r));
    }
    if ((r.changes & (kStatus | kBand)) && status_rows_.size() < kListed) {
      status_rows_.push_back(fmt::format("| {} | {} | `{}` | {} | {} |\n", md(r.partner), md(period_text(r)), r.rebate, standing(r.before),
                                         standing(r.after)));
    }
  }

  void award(const AwardChange& a) override {
    if (award_rows_.size() < kListed) {
      award_rows_.push_back(fmt::format("| {} | {} | `{}` | {} | {} |\n", md(a.partner), md(a.period), a.award,
                                        a.before ? md(*a.before) : "—", a.after ? md(*a.after) : "—"));
    }
  }

  bool write(const Comparison& c, const ReportInfo& info, const engine::TextOut& out) override {
    std::string text = fmt::format("## Payout changes: `{}` → `{}`\n\n", md_code(info.before_name), md_code(info.after_name));
    text += totals(c);
    text += summary(c, info);
    section(text, "### Largest changes", "| partner | period | rebate | old | new | change |\n|---|---|---|---:|---:|---:|\n", movers(c),
            c.movers().size(), kMoversBytes, "");
    section(text, fmt::format("### Band and status changes ({})", grouped_count(c.band_or_status_changed())),
            "| partner | period | rebate | old | new |\n|---|---|---|---|---|\n", status_rows_, c.band_or_status_changed(), kListBytes,
            "`--format csv` lists every change");
    section(text, fmt::format("### Award changes ({})", grouped_count(c.awards_changed())),
            "| partner | period | award | old | new |\n|---|---|---|---|---|\n", award_rows_, c.awards_changed(), kListBytes,
            "`--format csv` lists every change");
    details(text);
    out(text);
    return true;
  }

 private:
  static constexpr size_t kListed = 20;           // band and status changes, award changes listed
  static constexpr size_t kTableBytes = 20000;    // the rebates' table at most
  static constexpr size_t kMoversBytes = 12000;
  static constexpr size_t kListBytes = 8000;
  static constexpr size_t kTail = 600;            // the details' closing lines

  static std::string md_code(std::string_view s) {
    std::string out(s);
    std::replace(out.begin(), out.end(), '`', '\'');
    std::replace(out.begin(), out.end(), '\n', ' ');
    return out;
  }
  static std::string grouped_count(uint64_t n) { return engine::grouped(std::to_string(n)); }
  std::string money(const Decimal& d) const { return engine::grouped(amount_text(d, minor_)); }
  std::string signed_money(const Decimal& d) const { return (d.sign() > 0 ? "+" : "") + money(d); }
  std::string side(const std::optional<Paid>& p) const { return p ? money(p->amount) : "—"; }
  static std::string percent(const Decimal& before, const Decimal& after) {
    std::optional<std::string> p = percent_change(before, after);
    if (!p) return "new";
    return (p->front() != '-' && *p != "0.00" ? "+" : "") + *p + "%";
  }
  static std::string standing(const std::optional<Paid>& p) {
    if (!p) return "—";
    return p->band.empty() ? md(p->status) : md(p->status) + " · " + md(p->band);
  }
  static std::string what_changed(const Row& r) {
    if (r.changes & kAdded) return "added";
    if (r.changes & kRemoved) return "removed";
    std::vector<std::string> parts;
    if (r.changes & kAmount) parts.push_back("amount");
    if (r.changes & kStatus) parts.push_back(fmt::format("status {} → {}", md(r.before->status), md(r.after->status)));
    if (r.changes & kBand) {
      parts.push_back(fmt::format("band {} → {}", r.before->band.empty() ? "none" : md(r.before->band),
                                  r.after->band.empty() ? "none" : md(r.after->band)));
    }
    return fmt::format("{}", fmt::join(parts, "; "));
  }

  // The table of totals: every rebate whose payouts changed, then the total; the unchanged ones named.
  std::string totals(const Comparison& c) const {
    std::string text = "| rebate | old | new | change | % |\n|---|---:|---:|---:|---:|\n";
    std::vector<std::string> unchanged;
    size_t left_out = 0;
    for (const RebateSummary& r : c.rebates()) {
      const bool same = r.in_old && r.in_new && r.changed == 0 && Decimal::compare(r.before, r.after) == 0;
      if (same) {
        unchanged.push_back("`" + r.name + "`");
        continue;
      }
      const std::string name = fmt::format("`{}`{}", r.name, !r.in_old ? " (added)" : !r.in_new ? " (removed)" : "");
      std::string line = fmt::format("| {} | {} | {} | {} | {} |\n", name, r.in_old ? money(r.before) : "—", r.in_new ? money(r.after) : "—",
                                     signed_money(Decimal::sub(r.after, r.before).value_or(Decimal())), percent(r.before, r.after));
      if (text.size() + line.size() > kTableBytes) {
        ++left_out;
        continue;
      }
      text += line;
    }
    if (left_out) text += fmt::format("| … {} more rebates (`--format csv` lists them) | | | | |\n", grouped_count(left_out));
    const Decimal& b = c.before_total();
    const Decimal& a = c.after_total();
    text += fmt::format("| **total** | **{}** | **{}** | **{}** | **{}** |\n\n", money(b), money(a),
                        signed_money(Decimal::sub(a, b).value_or(Decimal())), percent(b, a));
    if (!unchanged.empty()) {
      std::string names;
      size_t shown = 0;
      for (const std::string& n : unchanged) {
        if (names.size() > 2000) break;
        names += (names.empty() ? "" : ", ") + n;
        ++shown;
      }
      if (shown < unchanged.size()) names += fmt::format(" and {} more", unchanged.size() - shown);
      text += fmt::format("Unchanged: {}.\n\n", names);
    }
    return text;
  }

  std::string summary(const Comparison& c, const ReportInfo& info) const {
    std::string periods;
    if (!c.periods().empty()) {
      const std::string& first = c.periods().front();
      const std::string& last = c.periods().back();
      periods = c.periods().size() == 1 ? fmt::format("1 period: {}", md(first))
                                        : fmt::format("{} periods: {} to {}", c.periods().size(), md(first), md(last));
    }
    std::string text = fmt::format("Amounts in {}. {} payouts compared ({} partners, {}): ", md(info.currency),
                                   grouped_count(c.rows_compared()), grouped_count(c.partners()), periods.empty() ? "no period" : periods);
    if (c.rows_changed() == 0) {
      text += "**no payout changes**";
    } else {
      text += fmt::format("**{} changed**, {} of them in band or status", grouped_count(c.rows_changed()), grouped_count(c.band_or_status_changed()));
    }
    if (c.awards_changed()) text += fmt::format("; {} awards changed", grouped_count(c.awards_changed()));
    text += ".\n\n";
    if (info.fail_above) {
      const Decimal& b = c.before_total();
      const Decimal& a = c.after_total();
      const std::string change = fmt::format("{} ({})", signed_money(Decimal::sub(a, b).value_or(Decimal())), percent(b, a));
      text += info.exceeded ? fmt::format("**The total changes by {}: more than `--fail-above {}`.**\n\n", change, md_code(info.fail_above->text))
                            : fmt::format("The total changes by {}: within `--fail-above {}`.\n\n", change, md_code(info.fail_above->text));
    }
    return text;
  }

  std::vector<std::string> movers(const Comparison& c) const {
    std::vector<std::string> rows;
    for (const Row& r : c.movers()) {
      rows.push_back(fmt::format("| {} | {} | `{}` | {} | {} | {} |\n", md(r.partner), md(period_text(r)), r.rebate, side(r.before), side(r.after),
                                 signed_money(r.delta)));
    }
    return rows;
  }

  // A titled table of `rows` (of `total`), within `bytes`; nothing when there is no row.
  static void section(std::string& text, const std::string& title, const std::string& header, const std::vector<std::string>& rows,
                      uint64_t total, size_t bytes, const std::string& rest_where) {
    if (rows.empty()) return;
    std::string part = title + "\n\n" + header;
    uint64_t shown = 0;
    for (const std::string& r : rows) {
      if (part.size() + r.size() > bytes) break;
      part += r;
      ++shown;
    }
    if (shown < total) {
      part += rest_where.empty() ? fmt::format("\n… and {} more.\n", grouped_count(total - shown))
                                 : fmt::format("\n… and {} more, {}.\n", grouped_count(total - shown), rest_where);
    }
    text += part + "\n";
  }

  // Every changed row, folded, in what is left of the comment's room.
  void details(std::string& text) const {
    if (details_total_ == 0) return;
    text += fmt::format("<details>\n<summary>All {} changed payouts</summary>\n\n", grouped_count(details_total_));
    text += "| partner | period | rebate | old | new | change | what changed |\n|---|---|---|---:|---:|---:|---|\n";
    const size_t room = kCommentLimit > text.size() + kTail ? kCommentLimit - text.size() - kTail : 0;
    // Whole rows only: cut at the last line end within the room.
    size_t cut = std::min(room, details_.size());
    if (cut < details_.size()) cut = details_.rfind('\n', cut) == std::string::npos ? 0 : details_.rfind('\n', cut) + 1;
    if (cut > details_.size()) cut = 0;
    text.append(details_, 0, cut);
    const uint64_t shown = static_cast<uint64_t>(std::count(details_.begin(), details_.begin() + static_cast<std::ptrdiff_t>(cut), '\n'));
    if (shown < details_total_) {
      text += fmt::format("\n_{} more rows left out to keep this report within a pull-request comment ({} characters); "
                          "`--format csv` lists every row._\n",
                          grouped_count(details_total_ - shown), grouped_count(kCommentLimit));
    }
    text += "\n</details>\n";
  }

  int minor_;
  std::string details_;  // the first rows, up to a comment's size
  uint64_t details_total_ = 0;
  std::vector<std::string> status_rows_, award_rows_;
};

// --- CSV ----------------------------------------------------------------------------------------------

std::string changes_text(unsigned changes, char separator) {
  if (changes & kAdded) return "added";
  if (changes & kRemoved) return "removed";
  std::string out;
  for (auto [bit, word] : {std::pair{kAmount, "amount"}, {kStatus, "status"}, {kBand, "band"}}) {
    if (!(changes & bit)) continue;
    if (!out.empty()) out += separator;
    out += word;
  }
  return out;
}

std::string rebate_change(const RebateSummary& r) {
  if (!r.in_old) return "added";
  if (!r.in_new) return "removed";
  return r.changed || Decimal::compare(r.before, r.after) != 0 ? "changed" : "unchanged";
}

class CsvReport : public Report {
 public:
  explicit CsvReport(int minor_unit) : minor_(minor_unit) {}

  void row(const Row& r) override {
    using ledger::csv_quote;
    const std::optional<std::string> pct = percent_change(r.before ? r.before->amount : Decimal(), r.after ? r.after->amount : Decimal());
    rows_.append(fmt::format("payout,{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_quote(r.partner), csv_quote(period_text(r)), r.rebate,
                             changes_text(r.changes, ';'), r.before ? amount_text(r.before->amount, minor_) : "",
                             r.after ? amount_text(r.after->amount, minor_) : "", amount_text(r.delta, minor_), pct.value_or("new"),
                             r.before ? csv_quote(r.before->status) : "", r.after ? csv_quote(r.after->status) : "",
                             r.before ? csv_quote(r.before->band) : "", r.after ? csv_quote(r.after->band) : ""));
  }

  void award(const AwardChange& a) override {
    using ledger::csv_quote;
    const char* change = !a.before ? "added" : !a.after ? "removed" : "value";
    awards_.append(fmt::format("award,{},{},{},{},{},{},,,,,,\n", csv_quote(a.partner), csv_quote(a.period), a.award, change,
                               a.before ? csv_quote(*a.before) : "", a.after ? csv_quote(*a.after) : ""));
  }

  bool write(const Comparison& c, const ReportInfo&, const engine::TextOut& out) override {
    out("kind,partner,period,name,change,old,new,delta,percent,old_status,new_status,old_band,new_band\n");
    bool ok = rows_.drain(out);
    ok = awards_.drain(out) && ok;
    std::string tail;
    for (const RebateSummary& r : c.rebates()) tail += summary_row("rebate", r.name, rebate_change(r), r.in_old, r.in_new, r.before, r.after);
    const bool moved = c.rows_changed() || Decimal::compare(c.before_total(), c.after_total()) != 0;
    tail += summary_row("total", "", moved ? "changed" : "unchanged", true, true, c.before_total(), c.after_total());
    out(tail);
    return ok;
  }

 private:
  std::string summary_row(const char* kind, const std::string& name, const std::string& change, bool in_old, bool in_new, const Decimal& before,
                          const Decimal& after) const {
    return fmt::format("{},,,{},{},{},{},{},{},,,,\n", kind, name, change, in_old ? amount_text(before, minor_) : "",
                       in_new ? amount_text(after, minor_) : "", amount_text(Decimal::sub(after, before).value_or(Decimal()), minor_),
                       percent_change(before, after).value_or("new"));
  }

  int minor_;
  engine::Spool rows_, awards_;
};

// --- JSON ---------------------------------------------------------------------------------------------

using Json = nlohmann::ordered_json;

class JsonReport : public Report {
 public:
  explicit JsonReport(int minor_unit) : minor_(minor_unit) {}

  void row(const Row& r) override {
    rows_.append(rows_.size() ? ",\n    " : "\n    ");
    rows_.append(row_json(r).dump());
  }

  void award(const AwardChange& a) override {
    Json j;
    j["partner"] = a.partner;
    j["period"] = a.period;
    j["award"] = a.award;
    j["old"] = a.before ? Json(*a.before) : Json(nullptr);
    j["new"] = a.after ? Json(*a.after) : Json(nullptr);
    awards_.append(awards_.size() ? ",\n    " : "\n    ");
    awards_.append(j.dump());
  }

  bool write(const Comparison& c, const ReportInfo& info, const engine::TextOut& out) override {
    Json head;
    head["old"] = info.before_name;
    head["new"] = info.after_name;
    head["currency"] = info.currency;
    head["one_scan"] = info.one_scan;
    head["total"] = totals(c.before_total(), c.after_total(), true, true);
    head["payouts_compared"] = c.rows_compared();
    head["payouts_changed"] = c.rows_changed();
    head["band_or_status_changed"] = c.band_or_status_changed();
    head["awards_changed"] = c.awards_changed();
    if (info.fail_above) head["fail_above"] = Json{{"threshold", info.fail_above->text}, {"exceeded", info.exceeded}};
    Json rebates = Json::array();
    for (const RebateSummary& r : c.rebates()) {
      Json j;
      j["rebate"] = r.name;
      j["title"] = r.title;
      j["change"] = rebate_change(r);
      const Json t = totals(r.before, r.after, r.in_old, r.in_new);
      for (auto it = t.begin(); it != t.end(); ++it) j[it.key()] = it.value();
      j["payouts_changed"] = r.changed;
      rebates.push_back(std::move(j));
    }
    head["rebates"] = std::move(rebates);
    Json movers = Json::array();
    for (const Row& r : c.movers()) movers.push_back(row_json(r));
    head["top_movers"] = std::move(movers);
    // The head without its closing brace, then the spooled arrays.
    std::string text = head.dump(2);
    text.pop_back();  // '}'
    while (!text.empty() && text.back() == '\n') text.pop_back();
    out(text);
    out(",\n  \"changes\": [");
    const bool rows_seen = rows_.size() > 0;
    bool ok = rows_.drain(out);
    out(rows_seen ? "\n  ],\n  \"award_changes\": [" : "],\n  \"award_changes\": [");
    const bool awards_seen = awards_.size() > 0;
    ok = awards_.drain(out) && ok;
    out(awards_seen ? "\n  ]\n}\n" : "]\n}\n");
    return ok;
  }

 private:
  Json totals(const Decimal& before, const Decimal& after, bool in_old, bool in_new) const {
    Json j;
    j["old"] = in_old ? Json(amount_text(before, minor_)) : Json(nullptr);
    j["new"] = in_new ? Json(amount_text(after, minor_)) : Json(nullptr);
    j["delta"] = amount_text(Decimal::sub(after, before).value_or(Decimal()), minor_);
    j["percent"] = percent_change(before, after).value_or("new");
    return j;
  }

  Json side(const std::optional<Paid>& p) const {
    if (!p) return nullptr;
    return Json{{"amount", amount_text(p->amount, minor_)}, {"status", p->status}, {"band", p->band}};
  }

  Json row_json(const Row& r) const {
    Json j;
    j["partner"] = r.partner;
    j["period"] = r.period;
    j["rebate"] = r.rebate;
    if (!r.corrects.empty()) j["corrects"] = r.corrects;
    Json changes = Json::array();
    for (auto [bit, word] : {std::pair{kAmount, "amount"}, {kStatus, "status"}, {kBand, "band"}, {kAdded, "added"}, {kRemoved, "removed"}}) {
      if (r.changes & bit) changes.push_back(word);
    }
    j["change"] = std::move(changes);
    j["old"] = side(r.before);
    j["new"] = side(r.after);
    j["delta"] = amount_text(r.delta, minor_);
    return j;
  }

  int minor_;
  engine::Spool rows_, awards_;
};

}  // namespace

std::unique_ptr<Report> make_report(std::string_view format, int minor_unit) {
  if (format == "csv") return std::make_unique<CsvReport>(minor_unit);
  if (format == "json") return std::make_unique<JsonReport>(minor_unit);
  return std::make_unique<MarkdownReport>(minor_unit);
}

}  // namespace rebate::diff
