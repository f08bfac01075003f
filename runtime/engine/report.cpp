// Payout reports as CSV and JSON. Amounts are decimal strings with the currency's places ("1234.50"),
// never floats. Texts for people (explanations, statements) are in people_report.cpp.
#include "engine/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/report_text.h"
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
  return collected(r, plan, 128 + (r.payouts.size() + r.totals.size() + r.awards.size()) * 80,
                   [](const RunResult& result, const plan::Plan& p, const TextOut& out) { write_payouts_csv(result, p, out); });
}

std::string payouts_json(const RunResult& r, const plan::Plan& plan) {
  return collected(r, plan, 256 + r.payouts.size() * 300 + (r.totals.size() + r.awards.size()) * 100, write_payouts_json);
}

namespace {

// The CSV rows of payouts [first, last).
void put_payout_rows(const RunResult& r, const plan::Plan& plan, size_t first, size_t last, Sink& out,
                     TextCache<needs_csv_quotes>& quotes) {
  const std::string_view currency = plan.currency;
  const int places = plan.minor_unit;
  const size_t amount_room = number_room(places);
  for (size_t i = first; i < last; ++i) {
    const Payout& p = r.payouts[i];
    const std::optional<Decimal> basis = p.basis(), payout_rate = p.rate();
    const std::optional<Decimal> rate = payout_rate ? std::optional<Decimal>(percentage(*payout_rate)) : std::nullopt;
    const size_t room = 2 * (p.partner.size() + p.band.size() + p.reason.size()) + 6 + p.period.size() + p.rebate.size() +
                        currency.size() + p.status.size() + amount_room + (basis ? number_room(basis->scale()) : 0) +
                        (rate ? number_room(rate->scale()) + 1 : 0) + kNumberRoom + 11;
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
    *w++ = '\n';
    out.wrote(w);
  }
}

// Payouts are formatted a chunk at a time on two threads when there are many: this thread formats every
// third chunk straight into the output and does all the writing, a helper the other two into buffers
// that are written in turn, at most kAhead chunks ahead of the output (so that memory stays a few
// chunks, whatever the run's size). (Halves left this thread, which also writes, the longer share.)
constexpr size_t kRowsPerChunk = 8192;
constexpr size_t kAhead = 4;

void put_payout_rows_on_two_threads(const RunResult& r, const plan::Plan& plan, Sink& out, TextCache<needs_csv_quotes>& quotes) {
  const size_t n = r.payouts.size(), chunks = (n + kRowsPerChunk - 1) / kRowsPerChunk;
  std::vector<std::string> made(chunks);
  std::vector<uint8_t> ready(chunks, 0);
  std::mutex mutex;
  std::condition_variable changed;
  size_t written = 0;  // chunks handed to the output
  bool stop = false;
  std::exception_ptr error;  // what the helper's last chunk threw
  std::thread helper([&] {
    TextCache<needs_csv_quotes> own_quotes;
    for (size_t c = 1; c < chunks; c += c % 3 == 1 ? 1 : 2) {  // chunks 1, 2, 4, 5, 7, 8, ...
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return stop || c < written + kAhead; });
        if (stop) return;
      }
      std::string text;
      std::exception_ptr failed;
      try {
        const TextOut into = [&text](std::string_view part) { text.append(part); };
        Sink sink(into);
        put_payout_rows(r, plan, c * kRowsPerChunk, std::min(n, (c + 1) * kRowsPerChunk), sink, own_quotes);
        sink.finish();
      } catch (...) {  // out of memory: this thread's output rethrows it in order
        failed = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex);
        made[c] = std::move(text);
        error = failed;
        ready[c] = 1;
      }
      changed.notify_all();
      if (failed) return;
    }
  });
  // The helper is stopped and joined however this thread leaves (the output may throw).
  struct Join {
    std::thread& helper;
    std::mutex& mutex;
    std::condition_variable& changed;
    bool& stop;
    ~Join() {
      {
        std::lock_guard<std::mutex> lock(mutex);
        stop = true;
      }
      changed.notify_all();
      helper.join();
    }
  } join{helper, mutex, changed, stop};
  for (size_t c = 0; c < chunks; ++c) {
    if (c % 3 == 0) {
      put_payout_rows(r, plan, c * kRowsPerChunk, std::min(n, (c + 1) * kRowsPerChunk), out, quotes);
    } else {
      std::string text;
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return ready[c] != 0; });
        if (error) std::rethrow_exception(error);
        text = std::move(made[c]);
      }
      out.pass(text);
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      written = c + 1;
    }
    changed.notify_all();
  }
}

}  // namespace

void write_payouts_csv(const RunResult& r, const plan::Plan& plan, const TextOut& to, size_t threads) {
  Sink out(to);
  TextCache<needs_csv_quotes> quotes;
  const std::string_view currency = plan.currency;
  const int places = plan.minor_unit;
  const size_t amount_room = number_room(places);
  const std::string_view header = "partner,period,rebate,amount,currency,status,basis,band,rate,lines,reason\n";
  out.wrote(put_text(out.room(header.size()), header));
  if (threads >= 2 && r.payouts.size() >= 4 * kRowsPerChunk) {
    put_payout_rows_on_two_threads(r, plan, out, quotes);
  } else {
    put_payout_rows(r, plan, 0, r.payouts.size(), out, quotes);
  }
  for (const Total& t : r.totals) {
    char* w = out.room(2 * t.partner.size() + 2 + t.period.size() + amount_room + currency.size() + 20);
    w = put_csv(w, t.partner, quotes);
    *w++ = ',';
    w = put_text(w, t.period);
    w = put_text(w, ",TOTAL,");
    w = put_amount(w, t.amount, places);
    *w++ = ',';
    w = put_text(w, currency);
    w = put_text(w, ",,,,,,\n");
    out.wrote(w);
  }
  // Awards: not money; the value is in `status` (`award`) and `reason`.
  for (const AwardValue& a : r.awards) {
    char* w = out.room(2 * (a.partner.size() + a.value.size()) + 4 + a.period.size() + a.award.size() + 20);
    w = put_csv(w, a.partner, quotes);
    *w++ = ',';
    w = put_text(w, a.period);
    *w++ = ',';
    w = put_text(w, a.award);
    w = put_text(w, ",,,award,,,,,");
    w = put_csv(w, a.value, quotes);
    *w++ = '\n';
    out.wrote(w);
  }
  out.finish();
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

}  // namespace

// Written directly, one payout per line: a million payouts must not build a document tree in memory.
// Through a Sink, as the CSV: each part asks for room once (an upper bound of its size), then its keys,
// texts and numbers are copied through a pointer.
void write_payouts_json(const RunResult& r, const plan::Plan& plan, const TextOut& to) {
  Sink out(to);
  TextCache<needs_json_escapes> texts;
  const int places = plan.minor_unit;
  const size_t amount_room = number_room(places);
  {
    std::string head = "{\n  \"program\": ";
    json_string(head, plan.title);
    head += ",\n  \"currency\": ";
    json_string(head, plan.currency);
    head += ",\n  \"payouts\": [";
    out.text(head);
  }
  for (size_t i = 0; i < r.payouts.size(); ++i) {
    const Payout& p = r.payouts[i];
    const std::optional<Decimal> basis = p.basis(), payout_rate = p.rate();
    const std::optional<Decimal> rate = payout_rate ? std::optional<Decimal>(percentage(*payout_rate)) : std::nullopt;
    const size_t room = json_room(p.partner) + json_room(p.period) + json_room(p.rebate) + json_room(p.status) +
                        json_room(p.reason) + json_room(p.band) + amount_room + (basis ? number_room(basis->scale()) : 0) +
                        (rate ? number_room(rate->scale()) + 1 : 0) + kNumberRoom + 256;
    char* w = out.room(room);
    w = put_text(w, i ? ",\n    {\"partner\": " : "\n    {\"partner\": ");
    w = put_json(w, p.partner, texts);
    w = put_text(w, ", \"period\": ");
    w = put_json(w, p.period, texts);
    w = put_text(w, ", \"rebate\": ");
    w = put_json(w, p.rebate, texts);
    w = put_text(w, ", \"amount\": \"");
    w = put_amount(w, p.amount(), places);
    w = put_text(w, "\", \"status\": ");
    w = put_json(w, p.status, texts);
    if (!p.reason.empty()) {
      w = put_text(w, ", \"reason\": ");
      w = put_json(w, p.reason, texts);
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
    out.wrote(put_text(w, "}}"));
  }
  out.text("\n  ],\n  \"totals\": [");
  for (size_t i = 0; i < r.totals.size(); ++i) {
    const Total& t = r.totals[i];
    char* w = out.room(json_room(t.partner) + json_room(t.period) + amount_room + 64);
    w = put_text(w, i ? ",\n    {\"partner\": " : "\n    {\"partner\": ");
    w = put_json(w, t.partner, texts);
    w = put_text(w, ", \"period\": ");
    w = put_json(w, t.period, texts);
    w = put_text(w, ", \"amount\": \"");
    w = put_amount(w, t.amount, places);
    out.wrote(put_text(w, "\"}"));
  }
  out.text("\n  ],\n  \"awards\": [");
  for (size_t i = 0; i < r.awards.size(); ++i) {
    const AwardValue& a = r.awards[i];
    char* w = out.room(json_room(a.partner) + json_room(a.period) + json_room(a.measured) + json_room(a.award) +
                       json_room(a.value) + 80);
    w = put_text(w, i ? ",\n    {\"partner\": " : "\n    {\"partner\": ");
    w = put_json(w, a.partner, texts);
    w = put_text(w, ", \"period\": ");
    w = put_json(w, a.period, texts);
    w = put_text(w, ", \"measured\": ");
    w = put_json(w, a.measured, texts);
    w = put_text(w, ", \"award\": ");
    w = put_json(w, a.award, texts);
    w = put_text(w, ", \"value\": ");
    w = put_json(w, a.value, texts);
    out.wrote(put_text(w, "}"));
  }
  std::string tail = "\n  ],\n  \"summary\": {\"inputs\": [";
  for (size_t i = 0; i < r.summary.inputs.size(); ++i) {
    const auto& in = r.summary.inputs[i];
    if (i) tail += ", ";
    tail += "{";
    json_field(tail, "name", in.name, true);
    tail += fmt::format(", \"rows\": {}, \"rejected\": {}}}", in.rows, in.rejected);
  }
  tail += fmt::format("], \"lines_outside_effective_dates\": {}, \"lines_outside_run_periods\": {}, \"notes\": [",
                      r.summary.outside_effective, r.summary.outside_run);
  for (size_t i = 0; i < r.summary.notes.size(); ++i) {
    if (i) tail += ", ";
    json_string(tail, r.summary.notes[i]);
  }
  tail += "]}\n}\n";
  out.text(tail);
  out.finish();
}

}  // namespace rebate::engine
