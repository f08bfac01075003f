// A partner's statement as one self-contained HTML page (`--statements DIR --statement-format html`):
// the payouts and their total, each rebate explained in words with a progress bar to the next band, the
// awards, and a chart of the partner's totals period over period. Everything is inline (CSS, SVG): the
// page runs no script and fetches nothing, so it opens offline, in a mail client or a portal, and prints.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "core/markup.h"
#include "engine/report.h"

namespace rebate::engine {

namespace {

// Text from a ledger or the program (a partner id, a name, a clause) made safe inside HTML.
std::string esc(std::string_view text) { return xml_escape(text, false); }

std::string money_text(const Decimal& d, const plan::Plan& plan) {
  std::string out;
  append_fixed(out, d, plan.minor_unit);
  return grouped(out) + " " + plan.currency;
}

// A decimal as a double, for drawing only (bar widths and heights); every number printed is exact.
double approx(const Decimal& d) { return std::stod(d.to_string()); }

constexpr std::string_view kStyle = R"(
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; margin: 2rem auto; max-width: 52rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid #d6dbe4; padding-bottom: .25rem; }
.who { color: #4a5365; margin: 0 0 1.25rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e6e9ef; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; border-top: 2px solid #1d2330; }
tr.paid-in td { border-top: none; }
.status { font-size: .85rem; padding: .05rem .45rem; border-radius: .6rem; background: #eef1f6; }
.status.paid { background: #dff3e4; color: #17602c; }
ul { padding-left: 1.2rem; margin: .4rem 0; }
.amount { font-weight: 600; }
ul.lines code { font-size: .8rem; word-break: break-word; }
.progress { margin: .6rem 0 .2rem; }
.bar { height: .7rem; background: #e6e9ef; border-radius: .35rem; overflow: hidden; }
.bar span { display: block; height: 100%; background: #2f6fd6; }
.note { color: #4a5365; font-size: .9rem; }
svg text { font: 11px system-ui, sans-serif; fill: #4a5365; }
@media print { body { margin: 0; max-width: none; } .bar span { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
)";

// The partner's totals period over period: one bar per period (negative ones below the axis), this
// period's darker.
void chart(std::string& out, const plan::Plan& plan, const StatementPage& page) {
  if (page.history.size() < 2) return;  // one period: nothing to compare
  double top = 0, bottom = 0;
  for (const auto& [label, total] : page.history) {
    top = std::max(top, approx(total));
    bottom = std::min(bottom, approx(total));
  }
  const double span = top - bottom > 0 ? top - bottom : 1;
  const int width = 640, height = 180, pad = 24;
  const double slot = static_cast<double>(width) / static_cast<double>(page.history.size());
  const double axis = pad + (top / span) * (height - 2 * pad);
  out += fmt::format("<h2>Your payouts by period</h2>\n<svg role=\"img\" aria-label=\"Payouts by period\" viewBox=\"0 0 {} {}\" width=\"100%\">\n", width, height);
  out += fmt::format("<line x1=\"0\" y1=\"{0:.1f}\" x2=\"{1}\" y2=\"{0:.1f}\" stroke=\"#9aa3b2\"/>\n", axis, width);
  for (size_t i = 0; i < page.history.size(); ++i) {
    const auto& [label, total] = page.history[i];
    const double v = approx(total);
    const double h = std::abs(v) / span * (height - 2 * pad);
    const double x = slot * static_cast<double>(i) + slot * 0.2, w = slot * 0.6;
    const double y = v >= 0 ? axis - h : axis;
    const bool current = i + 1 == page.history.size();
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}: {}</title></rect>\n", x, y, w,
                       std::max(h, 0.5), current ? "#1f4f9e" : "#8fb0e6", esc(label), esc(money_text(total, plan)));
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x + w / 2, height - 6, esc(label));
  }
  out += "</svg>\n";
}

void payout_section(std::string& out, const plan::Plan& plan, const Payout& p) {
  const std::string_view title = p.title.empty() ? p.rebate.view() : p.title.view();
  out += p.corrects.empty() ? fmt::format("<h2>{}</h2>\n", esc(title))
                            : fmt::format("<h2>{} (adjustment for {})</h2>\n", esc(title), esc(p.corrects.view()));
  for (const plan::Rebate& r : plan.rebates) {
    if (r.name == p.rebate.view() && !r.doc.empty()) out += fmt::format("<p class=\"note\">{}</p>\n", esc(r.doc.substr(0, r.doc.find("\n\n"))));
  }
  // A fund (docs/language.md §27): its reason names the claims it refused.
  const bool fund = std::any_of(plan.rebates.begin(), plan.rebates.end(), [&](const plan::Rebate& r) { return r.claims != UINT32_MAX && r.name == p.rebate.view(); });
  if (!p.corrects.empty()) {
    out += fmt::format("<p>Adjustment: this {}.</p>\n", esc(p.reason.view()));
  } else if (fund && !p.reason.empty()) {
    out += fmt::format("<p>Refused: {}.</p>\n", esc(p.reason.view().substr(p.reason.view().find(": ") + 2)));
  } else if (!p.reason.empty()) {
    out += fmt::format("<p>Not paid ({}): the condition <code>{}</code> was not met.</p>\n", esc(p.status.view()), esc(p.reason.view()));
  }
  out += "<ul>\n";
  for (const TraceEntry& e : p.trace()) {
    if (e.kind == TraceEntry::Kind::Rate) {
      out += fmt::format("<li>Exchange rate {}: <strong>{}</strong> ({})</li>\n", esc(e.name), esc(e.value), esc(e.detail));
      continue;
    }
    if (e.depth != 0 || e.kind != TraceEntry::Kind::Measure) continue;
    std::string label = e.doc.empty() ? as_words(e.name) : e.doc;
    if (!label.empty() && label.back() == '.') label.pop_back();  // "...in the quarter: 12,300.00 USD"
    out += fmt::format("<li>{}: <strong>{}</strong></li>\n", esc(label), esc(e.value));
  }
  if (!p.band.empty()) {
    std::string rate;
    if (const std::optional<Decimal> r = p.rate()) {
      append_shortest(rate, Decimal::mul(*r, Decimal::from_int(100)).value_or(*r));
      rate = ", rate " + rate + "%";
    }
    out += fmt::format("<li>Band reached: {}{}</li>\n", esc(p.band.view()), esc(rate));
  }
  for (const std::string& step : p.steps()) out += fmt::format("<li>{}</li>\n", esc(step));
  out += fmt::format("<li>Based on {} {}{}", p.lines, fund ? "claim" : "invoice line", p.lines == 1 ? "" : "s");
  if (!p.detail().empty()) {  // --detail
    out += ":\n<ul class=\"lines\">\n";
    for (const std::string& line : p.detail()) out += fmt::format("<li><code>{}</code></li>\n", esc(line));
    out += "</ul>";
  }
  out += "</li>\n";
  out += fmt::format("<li class=\"amount\">Amount: {}</li>\n</ul>\n", esc(money_text(p.amount(), plan)));
  if (p.explanation && p.explanation->progress && p.explanation->next_band_from) {
    const double goal = approx(*p.explanation->next_band_from), have = approx(*p.explanation->progress);
    const double share = goal > 0 ? std::clamp(have / goal, 0.0, 1.0) : 0.0;
    out += fmt::format("<div class=\"progress\"><div class=\"bar\" role=\"progressbar\" aria-valuenow=\"{0:.0f}\" aria-valuemin=\"0\" "
                       "aria-valuemax=\"100\"><span style=\"width: {0:.1f}%\"></span></div>\n<p class=\"note\">{1}</p></div>\n",
                       share * 100, esc(p.next_band()));
  }
}

}  // namespace

std::string statement_html(const plan::Plan& plan, const StatementPage& page) {
  std::string out;
  const std::string who = page.name.empty() ? std::string(page.partner) : fmt::format("{} ({})", page.name, page.partner);
  out += fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
                     "<title>{} — {}, {}</title>\n<style>{}</style>\n</head>\n<body>\n",
                     esc(plan.title), esc(who), esc(page.period), kStyle);
  out += fmt::format("<h1>{}</h1>\n<p class=\"who\">Statement for <strong>{}</strong>, period <strong>{}</strong></p>\n", esc(plan.title), esc(who),
                     esc(page.period));
  if (!page.payouts.empty()) {
    out += "<table>\n<thead><tr><th>Program</th><th class=\"num\">Amount</th><th>Status</th></tr></thead>\n<tbody>\n";
    Decimal total;
    for (const Payout* p : page.payouts) {
      const std::string_view title = p->title.empty() ? p->rebate.view() : p->title.view();
      const std::string status(p->status.view());
      const std::string named = p->corrects.empty() ? esc(title) : fmt::format("{} (adjustment for {})", esc(title), esc(p->corrects.view()));
      out += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td><span class=\"status {}\">{}</span></td></tr>\n", named,
                         esc(money_text(p->amount(), plan)), status == "paid" ? "paid" : "", esc(status));
      total = Decimal::add(total, p->amount()).value_or(total);
    }
    out += fmt::format("<tr class=\"total\"><td>Total</td><td class=\"num\">{}</td><td></td></tr>\n", esc(money_text(total, plan)));
    if (page.paid_total) {  // the same total as paid, in the partner's currency (docs/language.md §24)
      std::string paid;
      append_fixed(paid, page.paid_total->amount, page.paid_total->places);
      out += fmt::format("<tr class=\"total paid-in\"><td>Paid in {0}</td><td class=\"num\">{1} {0}</td><td>each amount converted as its "
                         "rebate shows below</td></tr>\n",
                         esc(page.paid_total->currency), esc(grouped(paid)));
    }
    out += "</tbody>\n</table>\n";
    for (const Payout* p : page.payouts) payout_section(out, plan, *p);
  }
  // The awards, then the metrics (by title, or their name in words).
  for (const bool metrics : {false, true}) {
    const bool any = std::any_of(page.awards.begin(), page.awards.end(), [&](const AwardValue* a) { return a->metric == metrics; });
    if (!any) continue;
    out += metrics ? "<h2>Figures</h2>\n<ul>\n" : "<h2>Awards</h2>\n<ul>\n";
    for (const AwardValue* a : page.awards) {
      if (a->metric != metrics) continue;
      if (metrics) {
        out += fmt::format("<li>{}: <strong>{}</strong></li>\n", esc(metric_title(plan, a->award)), esc(a->shown));
        continue;
      }
      out += fmt::format("<li>{}: <strong>{}</strong> (for {})", esc(as_words(a->award)), esc(a->shown), esc(a->period));
      if (a->explanation && !a->explanation->next_band.empty()) out += fmt::format(" — next: {}", esc(a->explanation->next_band));
      out += "</li>\n";
    }
    out += "</ul>\n";
  }
  chart(out, plan, page);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace rebate::engine
