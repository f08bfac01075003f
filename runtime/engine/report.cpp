// Payout reports as CSV and JSON. Amounts are decimal strings with the currency's places ("1234.50"),
// never floats. Texts for people (explanations, statements) are in people_report.cpp.
#include "engine/report.h"

#include <fmt/format.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <iterator>
#include <map>
#include <vector>

#include "engine/payout_currency.h"
#include "engine/report_text.h"
#include "core/currency.h"
#include "ledger/ledger.h"

namespace rebate::engine {

namespace {

using ledger::csv_quote;
using namespace report_text;

// The whole text of a report written through `write`.
template <class Write>
std::string collected(const RunResult& r, const plan::Plan& plan, size_t expected, Write write) {
  std::string text;
  text.reserve(expected);
  write(r, plan, [&text](std::string_view part) { text.append(part); });
  return text;
}

}  // namespace

void append_fixed(std::string& out, const Decimal& d, int places) {
  char buf[kNumberRoom];
  if (char* end = put_fixed(buf, d, places)) out.append(buf, end);
  else out += d.to_fixed(places);  // beyond 64 bits: Decimal's own (slower) formatting
}

void append_shortest(std::string& out, const Decimal& d) {
  char buf[kNumberRoom];
  if (char* end = put_shortest(buf, d)) out.append(buf, end);
  else out += d.to_string();
}

std::string payouts_csv(const RunResult& r, const plan::Plan& plan) {
  // About 75 bytes a payout.
  return collected(r, plan, 128 + r.payouts.size() * 80,
                   [](const RunResult& result, const plan::Plan& p, const TextOut& out) { write_payouts_csv(result, p, out); });
}

std::string payouts_json(const RunResult& r, const plan::Plan& plan) {
  return collected(r, plan, 256 + r.payouts.size() * 300 + (r.totals.size() + r.awards.size()) * 100, write_payouts_json);
}

namespace {

// The CSV rows of payouts [first, last) of `payouts`.
// `paid`, by payout as `payouts` (null without a payout currency): the columns of each payout as paid.
void put_payout_rows(const Payout* payouts, const PaidIn* paid, const plan::Plan& plan, size_t first, size_t last, Sink& out,
                     TextCache<needs_csv_quotes>& quotes) {
  const std::string_view currency = plan.currency;
  const int places = plan.minor_unit;
  const size_t amount_room = number_room(places);
  for (size_t i = first; i < last; ++i) {
    const Payout& p = payouts[i];
    const std::optional<Decimal> basis = p.basis(), payout_rate = p.rate();
    const std::optional<Decimal> rate = payout_rate ? std::optional<Decimal>(percentage(*payout_rate)) : std::nullopt;
    const size_t room = 2 * (p.partner.size() + p.band.size() + p.reason.size()) + 6 + p.period.size() + p.rebate.size() +
                        currency.size() + p.status.size() + amount_room + (basis ? number_room(basis->scale()) : 0) +
                        (rate ? number_room(rate->scale()) + 1 : 0) + kNumberRoom + 11 + (paid ? kPaidRoom : 0);
    char* w = out.room(room);
    w = put_csv(w, p.partner, quotes);
    *w++ = ',';
    w = put_text(w, p.period);
    *w++ = ',';
    w = put_text(w, p.rebate);
    *w++ = ',';
    w = put_amount(w, p.amount(), places);
    *w++ = ',';
    w = put_text(w, currency);
    *w++ = ',';
    w = put_text(w, p.status);
    *w++ = ',';
    if (basis) w = put_number(w, *basis);
    *w++ = ',';
    w = put_csv(w, p.band, quotes);
    *w++ = ',';
    if (rate) {
      w = put_number(w, *rate);
      *w++ = '%';
    }
    *w++ = ',';
    w = put_digits(w, p.lines, 1);
    *w++ = ',';
    w = put_csv(w, p.reason, quotes);
    if (paid) w = put_paid_csv(w, paid[i]);
    *w++ = '\n';
    out.wrote(w);
  }
}

// Payouts are formatted a chunk at a time on the run's threads when there are many (oneTBB's
// parallel_pipeline): chunks are numbered in order, formatted by any thread into a buffer of their own
// (each thread with its own text cache), and written in their order; at most two chunks per thread are
// in flight, so memory stays a few chunks, whatever the run's size. One thread, or a batch of a few
// chunks, formats straight into the output.
constexpr size_t kRowsPerChunk = 8192;

void put_payout_rows_on_threads(const Payout* payouts, const PaidIn* paid, size_t n, const plan::Plan& plan, Sink& out, size_t threads) {
  const size_t chunks = (n + kRowsPerChunk - 1) / kRowsPerChunk;
  tbb::enumerable_thread_specific<TextCache<needs_csv_quotes>> quotes;
  size_t next = 0;
  tbb::parallel_pipeline(
      threads * 2,
      tbb::make_filter<void, size_t>(tbb::filter_mode::serial_in_order,
                                     [&](tbb::flow_control& fc) -> size_t {
                                       if (next == chunks) fc.stop();
                                       return next++;
                                     }) &
          tbb::make_filter<size_t, std::string>(tbb::filter_mode::parallel,
                                                [&](size_t c) {
                                                  std::string text;
                                                  if (c >= chunks) return text;
                                                  const TextOut into = [&text](std::string_view part) { text.append(part); };
                                                  Sink sink(into);
                                                  put_payout_rows(payouts, paid, plan, c * kRowsPerChunk, std::min(n, (c + 1) * kRowsPerChunk),
                                                                  sink, quotes.local());
                                                  sink.finish();
                                                  return text;
                                                }) &
          tbb::make_filter<std::string, void>(tbb::filter_mode::serial_in_order, [&](const std::string& text) { out.pass(text); }));
}

constexpr std::string_view kCsvHeader = "partner,period,rebate,amount,currency,status,basis,band,rate,lines,reason";
constexpr std::string_view kTotalsHeader = "partner,period,amount,currency";

// A payouts or totals header, with the columns of what is paid when the program has a payout currency.
std::string csv_header(const plan::Plan& plan, std::string_view columns, std::string_view paid_columns) {
  return fmt::format("{}{}\n", columns, plan.payout_currency ? paid_columns : "");
}
constexpr std::string_view kAwardsHeader = "partner,period,measured,award,value,currency\n";
constexpr std::string_view kMetricsHeader = "partner,period,metric,value,currency\n";

// Payouts [0, n) as CSV rows, on the run's threads when there are many.
void put_payouts(const Payout* payouts, const PaidIn* paid, size_t n, const plan::Plan& plan, Sink& out, TextCache<needs_csv_quotes>& quotes,
                 size_t threads) {
  if (threads >= 2 && n >= 4 * kRowsPerChunk) {
    put_payout_rows_on_threads(payouts, paid, n, plan, out, threads);
  } else {
    put_payout_rows(payouts, paid, plan, 0, n, out, quotes);
  }
}

// A partner's total in a period (the sum of its payouts, clawbacks included).
void put_total_row(Sink& out, TextCache<needs_csv_quotes>& quotes, const plan::Plan& plan, std::string_view partner,
                   std::string_view period, const Decimal& amount, const PaidIn* paid) {
  const std::string_view currency = plan.currency;
  char* w = out.room(2 * partner.size() + 2 + period.size() + number_room(plan.minor_unit) + currency.size() + 8 + kPaidRoom);
  w = put_csv(w, partner, quotes);
  *w++ = ',';
  w = put_text(w, period);
  *w++ = ',';
  w = put_amount(w, amount, plan.minor_unit);
  *w++ = ',';
  w = put_text(w, currency);
  if (paid) {  // the total as paid: its amount and currency
    *w++ = ',';
    w = put_amount(w, paid->amount, paid->places);
    *w++ = ',';
    w = put_text(w, paid->currency);
  }
  *w++ = '\n';
  out.wrote(w);
}

// An award: the period it is for, the period whose figures decided it, its name, value and currency (a
// Money value's; empty for others). Or a metric: its period, name, value and currency.
void put_award_row(Sink& out, TextCache<needs_csv_quotes>& quotes, const AwardValue& a) {
  char* w = out.room(2 * (a.partner.size() + a.value.size()) + 5 + a.period.size() + a.measured.size() + a.award.size() +
                     a.currency.size() + 8);
  w = put_csv(w, a.partner, quotes);
  *w++ = ',';
  w = put_text(w, a.period);
  *w++ = ',';
  if (!a.metric) {
    w = put_text(w, a.measured);
    *w++ = ',';
  }
  w = put_text(w, a.award);
  *w++ = ',';
  w = put_csv(w, a.value, quotes);
  *w++ = ',';
  w = put_text(w, a.currency);
  *w++ = '\n';
  out.wrote(w);
}

// The awards, or the metrics, of `r`: each in a file of its own.
std::string award_records_csv(const RunResult& r, bool metrics) {
  std::string text;
  const TextOut to = [&text](std::string_view part) { text.append(part); };
  Sink out(to);
  TextCache<needs_csv_quotes> quotes;
  out.text(metrics ? kMetricsHeader : kAwardsHeader);
  for (const AwardValue& a : r.awards) {
    if (a.metric == metrics) put_award_row(out, quotes, a);
  }
  out.finish();
  return text;
}

}  // namespace

void write_payouts_csv(const RunResult& r, const plan::Plan& plan, const TextOut& to, size_t threads) {
  Sink out(to);
  TextCache<needs_csv_quotes> quotes;
  out.text(csv_header(plan, kCsvHeader, kPaidColumns));
  put_payouts(r.payouts.data(), r.paid.empty() ? nullptr : r.paid.data(), r.payouts.size(), plan, out, quotes, threads);
  out.finish();
}

std::string totals_csv(const RunResult& r, const plan::Plan& plan) {
  std::string text;
  const TextOut to = [&text](std::string_view part) { text.append(part); };
  Sink out(to);
  TextCache<needs_csv_quotes> quotes;
  out.text(csv_header(plan, kTotalsHeader, kPaidTotalColumns));
  for (size_t i = 0; i < r.totals.size(); ++i) {
    const Total& t = r.totals[i];
    put_total_row(out, quotes, plan, t.partner, t.period, t.amount, r.paid_totals.empty() ? nullptr : &r.paid_totals[i]);
  }
  out.finish();
  return text;
}

std::string awards_csv(const RunResult& r) { return award_records_csv(r, false); }
std::string metrics_csv(const RunResult& r) { return award_records_csv(r, true); }

// Each file is written as its rows come: they are separate files, so nothing waits for the payouts.
struct CsvWriter::Parts {
  Parts(const plan::Plan& p, TextOut o, size_t t, Extras e)
      : plan(p), to(std::move(o)), extras(std::move(e)), threads(t), out(to), totals_out(extras.totals), awards_out(extras.awards),
        metrics_out(extras.metrics) {}
  const plan::Plan& plan;
  TextOut to;
  Extras extras;  // an empty TextOut's Sink is never written to
  size_t threads;
  Sink out, totals_out, awards_out, metrics_out;
};

CsvWriter::CsvWriter(const plan::Plan& plan, TextOut out, size_t threads, Extras extras)
    : parts_(std::make_unique<Parts>(plan, std::move(out), threads, std::move(extras))) {}
CsvWriter::~CsvWriter() = default;

void CsvWriter::start(const Summary&) {
  Parts& p = *parts_;
  p.out.text(csv_header(p.plan, kCsvHeader, kPaidColumns));
  if (p.extras.totals) p.totals_out.text(csv_header(p.plan, kTotalsHeader, kPaidTotalColumns));
  if (p.extras.awards) p.awards_out.text(kAwardsHeader);
  if (p.extras.metrics) p.metrics_out.text(kMetricsHeader);
}

void CsvWriter::batch(const PayoutBatch& b) {
  Parts& p = *parts_;
  TextCache<needs_csv_quotes> quotes;
  put_payouts(b.payouts, b.paid, b.payout_count(), p.plan, p.out, quotes, p.threads);
  if (b.per_cell && p.extras.totals) {
    for (size_t c = 0; c < b.cells; ++c) {
      put_total_row(p.totals_out, quotes, p.plan, b.partners[c], b.period_label, b.totals[c], b.paid_totals ? b.paid_totals + c : nullptr);
    }
  }
  for (size_t k = 0; k < b.award_count(); ++k) {
    const AwardValue& a = b.awards[k];
    if (a.metric ? bool(p.extras.metrics) : bool(p.extras.awards)) put_award_row(a.metric ? p.metrics_out : p.awards_out, quotes, a);
  }
}

void CsvWriter::finish(const Summary&) {
  Parts& p = *parts_;
  p.out.finish();
  p.totals_out.finish();
  p.awards_out.finish();
  p.metrics_out.finish();
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

std::string json_head(const plan::Plan& plan) {
  std::string head = "{\n  \"program\": ";
  json_string(head, plan.title);
  head += ",\n  \"currency\": ";
  json_string(head, plan.currency);
  head += ",\n  \"payouts\": [";
  return head;
}

std::string json_tail(const Summary& summary) {
  std::string tail = "\n  ],\n  \"summary\": {\"inputs\": [";
  for (size_t i = 0; i < summary.inputs.size(); ++i) {
    const auto& in = summary.inputs[i];
    if (i) tail += ", ";
    tail += "{";
    json_field(tail, "name", in.name, true);
    tail += fmt::format(", \"rows\": {}, \"rejected\": {}}}", in.rows, in.rejected);
  }
  // The same counts as the notes (line_notes.cpp), each line in one of them.
  const uint64_t outside_nowhere = summary.outside_effective - summary.outside_effective_paid - summary.outside_effective_looked_back;
  tail += fmt::format(
      "], \"lines_outside_effective_dates\": {{\"count\": {}, \"in_paid_periods\": {}, \"only_in_look_backs\": {}, \"in_no_payout\": {}}}, "
      "\"lines_outside_run_periods\": {{\"count\": {}, \"only_in_look_backs\": {}, \"in_no_payout\": {}}}, "
      "\"lines_booked_after_as_of\": {}, \"payments_after_as_of\": {}, \"lines_booked_after_close\": {}, \"adjustments\": {}, "
      "\"periods_without_lines\": [",
      summary.outside_effective, summary.outside_effective_paid, summary.outside_effective_looked_back, outside_nowhere,
      summary.outside_run_looked_back + summary.outside_run_nowhere, summary.outside_run_looked_back, summary.outside_run_nowhere,
      summary.booked_after_as_of, summary.paid_after_as_of, summary.late_lines, summary.adjustments);
  for (size_t i = 0; i < summary.periods_without_lines.size(); ++i) {
    if (i) tail += ", ";
    json_string(tail, summary.periods_without_lines[i]);
  }
  if (!summary.paid_by_currency.empty()) {  // with a payout currency: what the run pays in each
    tail += "], \"paid_by_currency\": [";
    for (size_t i = 0; i < summary.paid_by_currency.size(); ++i) {
      const auto& [code, amount] = summary.paid_by_currency[i];
      tail += fmt::format("{}{{\"currency\": \"{}\", \"amount\": \"{}\"}}", i ? ", " : "", code, amount.to_fixed(currency_minor_unit(code)));
    }
  }
  tail += "], \"notes\": [";
  for (size_t i = 0; i < summary.notes.size(); ++i) {
    if (i) tail += ", ";
    json_string(tail, summary.notes[i]);
  }
  tail += "]}\n}\n";
  return tail;
}

// A settled payout's netting, `, "settlement": {...}`: amounts at the currency's places (more when a
// payment was booked with more, never rounded).
void put_json_settlement(Sink& out, const Explanation::Settlement& st, int places) {
  auto amount = [places](char* w, const Decimal& d) {
    const std::optional<Decimal> at_places = d.rounded(places, RoundingMode::HalfEven);
    return at_places && Decimal::compare(*at_places, d) == 0 ? put_amount(w, d, places) : put_number(w, d);
  };
  char* w = out.room(json_room(st.window) + 3 * number_room(Decimal::kMaxScale) + kNumberRoom + 128);
  w = put_text(w, ", \"settlement\": {\"window\": ");
  w = put_json(w, st.window);
  w = put_text(w, ", \"earned\": \"");
  w = amount(w, st.earned);
  w = put_text(w, "\", \"paid_before\": \"");
  w = amount(w, st.paid);
  w = put_text(w, "\", \"payments\": ");
  w = put_digits(w, st.payments, 1);
  w = put_text(w, ", \"due\": \"");
  w = amount(w, st.due);
  out.wrote(put_text(w, "\"}"));
}

// One payout's object, after a comma unless it is the first.
void put_json_payout(Sink& out, TextCache<needs_json_escapes>& texts, const plan::Plan& plan, const Payout& p, const PaidIn* paid, bool first) {
  const int places = plan.minor_unit;
  const size_t amount_room = number_room(places);
  const std::optional<Decimal> basis = p.basis(), payout_rate = p.rate();
  const std::optional<Decimal> rate = payout_rate ? std::optional<Decimal>(percentage(*payout_rate)) : std::nullopt;
  const size_t room = json_room(p.partner) + json_room(p.period) + json_room(p.rebate) + json_room(p.status) +
                      json_room(p.reason) + json_room(p.band) + json_room(p.corrects) + amount_room + (basis ? number_room(basis->scale()) : 0) +
                      (rate ? number_room(rate->scale()) + 1 : 0) + kNumberRoom + 256 + (paid ? kPaidRoom : 0);
  char* w = out.room(room);
  w = put_text(w, first ? "\n    {\"partner\": " : ",\n    {\"partner\": ");
  w = put_json(w, p.partner, texts);
  w = put_text(w, ", \"period\": ");
  w = put_json(w, p.period, texts);
  w = put_text(w, ", \"rebate\": ");
  w = put_json(w, p.rebate, texts);
  w = put_text(w, ", \"amount\": \"");
  w = put_amount(w, p.amount(), places);
  w = put_text(w, "\", \"status\": ");
  w = put_json(w, p.status, texts);
  if (paid) w = put_paid_json(w, *paid);
  if (!p.reason.empty()) {
    w = put_text(w, ", \"reason\": ");
    w = put_json(w, p.reason, texts);
  }
  if (!p.corrects.empty()) {  // an adjustment: the closed period it corrects, and the lines booked after its close
    w = put_text(w, ", \"corrects\": ");
    w = put_json(w, p.corrects, texts);
    w = put_text(w, ", \"late_lines\": ");
    w = put_digits(w, p.late_lines, 1);
  }
  if (basis) {
    w = put_text(w, ", \"basis\": \"");
    w = put_number(w, *basis);
    *w++ = '"';
  } else {
    w = put_text(w, ", \"basis\": null");
  }
  if (!p.band.empty()) {
    w = put_text(w, ", \"band\": ");
    w = put_json(w, p.band, texts);
  } else {
    w = put_text(w, ", \"band\": null");
  }
  if (rate) {
    w = put_text(w, ", \"rate\": \"");
    w = put_number(w, *rate);
    w = put_text(w, "%\"");
  } else {
    w = put_text(w, ", \"rate\": null");
  }
  w = put_text(w, ", \"lines\": ");
  w = put_digits(w, p.lines, 1);
  w = put_text(w, ", \"explanation\": {\"measures\": {");
  out.wrote(w);
  // Measure names are identifiers: no escapes, and no NUL (the old writer read them as C strings).
  for (size_t m = 0; m < p.measures().size(); ++m) {
    const MeasureValue& mv = p.measures()[m];
    w = out.room(json_room(mv.name) + json_room(mv.value) + 4);
    if (m) w = put_text(w, ", ");
    w = put_json(w, mv.name, texts);
    w = put_text(w, ": ");
    w = put_json(w, mv.value);  // a text of this payout's own
    out.wrote(w);
  }
  out.text("}, \"steps\": [");
  for (size_t k = 0; k < p.steps().size(); ++k) {
    w = out.room(json_room(p.steps()[k]) + 2);
    if (k) w = put_text(w, ", ");
    out.wrote(put_json(w, p.steps()[k]));
  }
  out.text("], \"trace\": [");
  for (size_t k = 0; k < p.trace().size(); ++k) {
    const TraceEntry& e = p.trace()[k];
    static constexpr const char* kinds[] = {"measure", "constant", "decision", "band", "partner", "rate"};
    w = out.room(json_room(e.name) + json_room(e.window) + json_room(e.value) + json_room(e.detail) + json_room(e.doc) + 160);
    if (k) w = put_text(w, ", ");
    w = put_text(w, "{\"kind\": \"");
    w = put_text(w, kinds[static_cast<size_t>(e.kind)]);
    w = put_text(w, "\", \"depth\": ");
    w = put_digits(w, e.depth, 1);
    w = put_text(w, ", \"name\": ");
    w = put_json(w, e.name);
    if (!e.window.empty()) {
      w = put_text(w, ", \"window\": ");
      w = put_json(w, e.window);
    }
    if (!e.value.empty()) {
      w = put_text(w, ", \"value\": ");
      w = put_json(w, e.value);
    }
    if (e.repeated) w = put_text(w, ", \"repeated\": true");
    if (!e.detail.empty()) {
      w = put_text(w, e.kind == TraceEntry::Kind::Measure ? ", \"formula\": " : ", \"detail\": ");
      w = put_json(w, e.detail);
    }
    if (!e.doc.empty()) {
      w = put_text(w, ", \"doc\": ");
      w = put_json(w, e.doc);
    }
    if (e.lines >= 0) {
      w = put_text(w, e.over_groups ? ", \"groups\": " : ", \"lines\": ");
      w = put_digits(w, static_cast<uint64_t>(e.lines), 1);
    }
    out.wrote(put_text(w, "}"));
  }
  w = out.room(json_room(p.next_band()) + amount_room + 64);
  *w++ = ']';
  if (!p.next_band().empty()) {
    w = put_text(w, ", \"next_band\": ");
    w = put_json(w, p.next_band());
  }
  if (p.before_budget()) {
    w = put_text(w, ", \"before_budget\": \"");
    w = put_amount(w, *p.before_budget(), places);
    *w++ = '"';
  }
  out.wrote(w);
  if (p.explanation && p.explanation->settlement) put_json_settlement(out, *p.explanation->settlement, places);
  out.text("}}");
}

void put_json_total(Sink& out, TextCache<needs_json_escapes>& texts, const plan::Plan& plan, std::string_view partner,
                    std::string_view period, const Decimal& amount, const PaidIn* paid, bool first) {
  char* w = out.room(json_room(partner) + json_room(period) + number_room(plan.minor_unit) + 64 + kPaidRoom);
  w = put_text(w, first ? "\n    {\"partner\": " : ",\n    {\"partner\": ");
  w = put_json(w, partner, texts);
  w = put_text(w, ", \"period\": ");
  w = put_json(w, period, texts);
  w = put_text(w, ", \"amount\": \"");
  w = put_amount(w, amount, plan.minor_unit);
  *w++ = '"';
  if (paid) w = put_paid_json(w, *paid);
  out.wrote(put_text(w, "}"));
}

// An award (`measured`, `award`) or a metric (`metric`); `currency` only for a Money value.
void put_json_award(Sink& out, TextCache<needs_json_escapes>& texts, const AwardValue& a, bool first) {
  char* w = out.room(json_room(a.partner) + json_room(a.period) + json_room(a.measured) + json_room(a.award) +
                     json_room(a.value) + json_room(a.currency) + 100);
  w = put_text(w, first ? "\n    {\"partner\": " : ",\n    {\"partner\": ");
  w = put_json(w, a.partner, texts);
  w = put_text(w, ", \"period\": ");
  w = put_json(w, a.period, texts);
  if (a.metric) {
    w = put_text(w, ", \"metric\": ");
  } else {
    w = put_text(w, ", \"measured\": ");
    w = put_json(w, a.measured, texts);
    w = put_text(w, ", \"award\": ");
  }
  w = put_json(w, a.award, texts);
  w = put_text(w, ", \"value\": ");
  w = put_json(w, a.value, texts);
  if (!a.currency.empty()) {
    w = put_text(w, ", \"currency\": ");
    w = put_json(w, a.currency, texts);
  }
  out.wrote(put_text(w, "}"));
}

constexpr std::string_view kJsonTotals = "\n  ],\n  \"totals\": [";
constexpr std::string_view kJsonAwards = "\n  ],\n  \"awards\": [";
constexpr std::string_view kJsonMetrics = "\n  ],\n  \"metrics\": [";

}  // namespace

// Written directly, one payout per line: a million payouts must not build a document tree in memory.
// Through a Sink, as the CSV: each part asks for room once (an upper bound of its size), then its keys,
// texts and numbers are copied through a pointer.
void write_payouts_json(const RunResult& r, const plan::Plan& plan, const TextOut& to) {
  Sink out(to);
  TextCache<needs_json_escapes> texts;
  out.text(json_head(plan));
  for (size_t i = 0; i < r.payouts.size(); ++i) put_json_payout(out, texts, plan, r.payouts[i], r.paid.empty() ? nullptr : &r.paid[i], i == 0);
  out.text(kJsonTotals);
  for (size_t i = 0; i < r.totals.size(); ++i) {
    put_json_total(out, texts, plan, r.totals[i].partner, r.totals[i].period, r.totals[i].amount, r.paid_totals.empty() ? nullptr : &r.paid_totals[i], i == 0);
  }
  for (const bool metrics : {false, true}) {
    out.text(metrics ? kJsonMetrics : kJsonAwards);
    bool first = true;
    for (const AwardValue& a : r.awards) {
      if (a.metric != metrics) continue;
      put_json_award(out, texts, a, first);
      first = false;
    }
  }
  out.text(json_tail(r.summary));
  out.finish();
}

struct JsonWriter::Parts {
  Parts(const plan::Plan& p, TextOut o)
      : plan(p), to(std::move(o)), totals_to(totals.appender()), awards_to(awards.appender()), metrics_to(metrics.appender()), out(to),
        totals_out(totals_to), awards_out(awards_to), metrics_out(metrics_to) {}
  const plan::Plan& plan;
  TextOut to;
  Spool totals, awards, metrics;
  TextOut totals_to, awards_to, metrics_to;
  Sink out, totals_out, awards_out, metrics_out;
  bool any_payout = false, any_total = false, any_award = false, any_metric = false;
};

JsonWriter::JsonWriter(const plan::Plan& plan, TextOut out) : parts_(std::make_unique<Parts>(plan, std::move(out))) {}
JsonWriter::~JsonWriter() = default;

void JsonWriter::start(const Summary&) { parts_->out.text(json_head(parts_->plan)); }

void JsonWriter::batch(const PayoutBatch& b) {
  Parts& p = *parts_;
  TextCache<needs_json_escapes> texts;  // for this batch only (see CsvWriter)
  for (size_t i = 0; i < b.payout_count(); ++i) {
    put_json_payout(p.out, texts, p.plan, b.payouts[i], b.paid ? b.paid + i : nullptr, !p.any_payout);
    p.any_payout = true;
  }
  if (b.per_cell) {
    for (size_t c = 0; c < b.cells; ++c) {
      put_json_total(p.totals_out, texts, p.plan, b.partners[c], b.period_label, b.totals[c], b.paid_totals ? b.paid_totals + c : nullptr, !p.any_total);
      p.any_total = true;
    }
  }
  for (size_t k = 0; k < b.award_count(); ++k) {
    const AwardValue& a = b.awards[k];
    bool& any = a.metric ? p.any_metric : p.any_award;
    put_json_award(a.metric ? p.metrics_out : p.awards_out, texts, a, !any);
    any = true;
  }
}

void JsonWriter::finish(const Summary& summary) {
  Parts& p = *parts_;
  p.totals_out.finish();
  p.awards_out.finish();
  p.metrics_out.finish();
  p.out.text(kJsonTotals);
  p.out.finish();
  bool read_back = p.totals.drain(p.to);
  p.out.text(kJsonAwards);
  p.out.finish();
  read_back = read_back && p.awards.drain(p.to);
  p.out.text(kJsonMetrics);
  p.out.finish();
  read_back = read_back && p.metrics.drain(p.to);
  if (!read_back) throw std::runtime_error("cannot read back the spooled totals");
  p.out.text(json_tail(summary));
  p.out.finish();
}

Spool::~Spool() {
  if (file_) std::fclose(file_);
}

void Spool::append(std::string_view s) {
  size_ += s.size();
  if (!file_ && (memory_.size() + s.size() <= limit_ || no_file_)) {
    memory_.append(s);
    return;
  }
  if (!file_) {
    file_ = std::tmpfile();
    if (!file_) {  // no temporary file: kept in memory after all
      no_file_ = true;
      memory_.append(s);
      return;
    }
    if (std::fwrite(memory_.data(), 1, memory_.size(), file_) != memory_.size()) failed_ = true;
    std::string().swap(memory_);
  }
  if (std::fwrite(s.data(), 1, s.size(), file_) != s.size()) failed_ = true;
}

bool Spool::drain(const TextOut& out) {
  if (file_) {
    if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) failed_ = true;
    std::string buffer(size_t{1} << 20, '\0');
    size_t got;
    while (!failed_ && (got = std::fread(buffer.data(), 1, buffer.size(), file_)) > 0) out(std::string_view(buffer.data(), got));
    if (std::ferror(file_)) failed_ = true;
    std::fclose(file_);
    file_ = nullptr;
  } else if (!memory_.empty()) {
    out(memory_);
  }
  std::string().swap(memory_);
  size_ = 0;
  return !failed_;
}

}  // namespace rebate::engine
