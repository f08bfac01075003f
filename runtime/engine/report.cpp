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

#include "ledger/ledger.h"

namespace rebate::engine {

namespace {

using ledger::csv_quote;

// Room for any number the fast paths below write: a sign, the 20 digits of a 64-bit magnitude, a
// point, up to Decimal::kMaxScale places, a percent sign.
constexpr size_t kNumberRoom = 48;

constexpr uint64_t kPow10[20] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u,
                                 1000000000u, 10000000000u, 100000000000u, 1000000000000u, 10000000000000u,
                                 100000000000000u, 1000000000000000u, 10000000000000000u, 100000000000000000u,
                                 1000000000000000000u, 10000000000000000000u};

// "00" "01" ... "99": two digits per division instead of one.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// |coefficient| as 64 bits, when it fits (the values of payouts and their bases always do).
std::optional<uint64_t> magnitude(Int128 coefficient) {
  Int128 m = coefficient < 0 ? -coefficient : coefficient;
  if (m > static_cast<Int128>(UINT64_MAX)) return std::nullopt;
  return static_cast<uint64_t>(m);
}

// Writes the digits of `v` (at least one) backwards, ending just before `q`, two digits per division.
void put_backwards(char* q, uint64_t v) {
  while (v >= 100) {
    q -= 2;
    std::memcpy(q, kDigitPairs + (v % 100) * 2, 2);
    v /= 100;
  }
  if (v >= 10) {
    q -= 2;
    std::memcpy(q, kDigitPairs + v * 2, 2);
  } else {
    *--q = static_cast<char>('0' + v);
  }
}

// Writes the digits of `v` at p, at least `min_digits` of them (zeros in front, min_digits <= 20);
// returns their end. Writes scratch up to p + 20 (the room that kNumberRoom keeps covers it).
char* put_digits(char* p, uint64_t v, int min_digits) {
  // The number of digits: from the bit length (log10(2) ~ 1233 / 4096), corrected by one comparison
  // (v | 1: 0 has one digit, and no power of ten from 10 up lies between an even v and v + 1).
  const uint64_t u = v | 1;
  const int t = ((64 - __builtin_clzll(u)) * 1233) >> 12;  // 0..19
  int n = t + (u >= kPow10[t]);
  if (n < min_digits) {
    std::memcpy(p, "00000000000000000000", 20);  // a fixed size: a few stores, not a memset call
    n = min_digits;
  }
  char* end = p + n;
  put_backwards(end, v);
  return end;
}

// v / 10^places with `places` places (places <= 18), a sign in front when `negative`: "-1234.50".
// Written backwards from its end, two digits at a time: the places, the point, then the whole part.
char* put_scaled(char* p, uint64_t v, bool negative, int places) {
  if (negative) *p++ = '-';
  const uint64_t u = v | 1;  // the digit count as in put_digits
  const int t = ((64 - __builtin_clzll(u)) * 1233) >> 12;
  const int digits = t + (u >= kPow10[t]);
  const int whole = std::max(digits - places, 1);  // "0.05": a zero before the point
  char* const end = p + whole + (places > 0 ? places + 1 : 0);
  char* q = end;
  int k = places;
  for (; k >= 2; k -= 2) {
    q -= 2;
    std::memcpy(q, kDigitPairs + (v % 100) * 2, 2);
    v /= 100;
  }
  if (k) {
    *--q = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  if (places > 0) *--q = '.';
  put_backwards(q, v);
  return end;
}

// A decimal's text as Decimal::to_fixed(places) writes it, at p (room: kNumberRoom); nullptr when the
// value is beyond 64 bits or `places` beyond Decimal::kMaxScale, which Decimal writes itself.
char* put_fixed(char* p, const Decimal& d, int places) {
  if (places < 0 || places > Decimal::kMaxScale || d.scale() < 0) return nullptr;
  if (places < d.scale()) {  // more places than shown: rounded first (a report's amounts seldom are)
    std::optional<Decimal> r = d.rounded(places, RoundingMode::HalfEven);
    return r && r->scale() <= places ? put_fixed(p, *r, places) : nullptr;
  }
  std::optional<uint64_t> v = magnitude(d.coefficient());
  if (!v) return nullptr;
  const int up = places - d.scale();  // 0..18
  if (up > 0 && __builtin_mul_overflow(*v, kPow10[up], &*v)) return nullptr;
  return put_scaled(p, *v, d.is_negative(), places);
}

// A decimal's shortest text as Decimal::to_string() writes it ("1.5" for 1.50), at p (room:
// kNumberRoom); nullptr beyond 64 bits or beyond Decimal::kMaxScale places.
char* put_shortest(char* p, const Decimal& d) {
  std::optional<uint64_t> v = magnitude(d.coefficient());
  int scale = d.scale();
  if (!v || scale < 0 || scale > Decimal::kMaxScale) return nullptr;
  while (scale > 0 && *v % 10 == 0) {  // 1.50 -> 1.5
    *v /= 10;
    --scale;
  }
  return put_scaled(p, *v, d.is_negative(), scale);
}

// A ratio as a percentage: 0.045 -> "4.5%".
Decimal percentage(const Decimal& ratio) { return Decimal::mul(ratio, Decimal::from_int(100)).value_or(ratio); }

// Characters that make a CSV field need quotes (,"\r\n) and a JSON string need escapes (" \\ and the
// control characters), by byte: one lookup a character.
struct SpecialBytes {
  bool csv[256] = {};
  bool json[256] = {};
  constexpr SpecialBytes() {
    csv[static_cast<unsigned char>(',')] = csv[static_cast<unsigned char>('"')] = true;
    csv[static_cast<unsigned char>('\r')] = csv[static_cast<unsigned char>('\n')] = true;
    for (int c = 0; c < 0x20; ++c) json[c] = true;
    json[static_cast<unsigned char>('"')] = json[static_cast<unsigned char>('\\')] = true;
  }
};
constexpr SpecialBytes kSpecial;

bool any_special(std::string_view s, const bool (&special)[256]) {
  for (char c : s) {
    if (special[static_cast<unsigned char>(c)]) return true;
  }
  return false;
}
bool needs_csv_quotes(std::string_view s) { return any_special(s, kSpecial.csv); }
bool needs_json_escapes(std::string_view s) { return any_special(s, kSpecial.json); }

// Whether texts can be written as they are (`needs` says they cannot), remembered by their address and
// length: payouts share a few thousand texts (partner ids, bands, reasons), and within one report the
// same bytes give the same answer, so each is looked at once instead of once per payout.
template <bool (*needs_)(std::string_view)>
class TextCache {
 public:
  [[gnu::always_inline]] bool plain(std::string_view s) {
    if (s.empty()) return true;
    // Fibonacci hashing of the address: neighbouring texts spread over the entries.
    Entry& e = entries_[((reinterpret_cast<uintptr_t>(s.data()) + s.size()) * 0x9E3779B97F4A7C15u) >> 56];
    if (e.data != s.data() || e.size != s.size()) e = Entry{s.data(), s.size(), !needs_(s)};
    return e.plain;
  }

 private:
  struct Entry {
    const char* data = nullptr;
    size_t size = 0;
    bool plain = false;
  };
  std::array<Entry, 256> entries_{};  // 256: the top 8 bits of the hash
};

// The writers below put their text at `w` and return its end; the caller has made room (Sink::room).

// Short texts (most fields: ids, periods, statuses, names) are copied with two fixed-size moves that
// may overlap, instead of a call to memcpy; nothing is read or written outside the text and its place.
[[gnu::always_inline]] inline char* put_text(char* w, std::string_view s) {
  const size_t n = s.size();
  const char* from = s.data();
  if (n >= 8 && n <= 16) {
    uint64_t head, tail;
    std::memcpy(&head, from, 8);
    std::memcpy(&tail, from + n - 8, 8);
    std::memcpy(w, &head, 8);
    std::memcpy(w + n - 8, &tail, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t head, tail;
    std::memcpy(&head, from, 4);
    std::memcpy(&tail, from + n - 4, 4);
    std::memcpy(w, &head, 4);
    std::memcpy(w + n - 4, &tail, 4);
  } else if (n > 0 && n < 4) {
    w[0] = from[0];
    w[n / 2] = from[n / 2];
    w[n - 1] = from[n - 1];
  } else if (n > 16) {
    std::memcpy(w, from, n);
  }
  return w + n;
}

// A CSV field in quotes with its quotes doubled (room: twice its size and two).
char* put_quoted(char* w, std::string_view s) {
  *w++ = '"';
  for (char c : s) {
    if (c == '"') *w++ = '"';
    *w++ = c;
  }
  *w++ = '"';
  return w;
}

// A CSV field as ledger::csv_quote writes it: as it is when it can be, else quoted.
[[gnu::always_inline]] inline char* put_csv(char* w, std::string_view s, TextCache<needs_csv_quotes>& texts) {
  return texts.plain(s) ? put_text(w, s) : put_quoted(w, s);
}

// Room for a JSON string literal of `s`: its quotes and at most six bytes a character (\u001f).
size_t json_room(std::string_view s) { return 6 * s.size() + 2; }

// A JSON string literal (RFC 8259) with its characters escaped: quotes, backslashes, control characters.
char* put_json_escaped(char* w, std::string_view s) {
  *w++ = '"';
  for (char c : s) {
    switch (c) {
      case '"': w = put_text(w, "\\\""); break;
      case '\\': w = put_text(w, "\\\\"); break;
      case '\n': w = put_text(w, "\\n"); break;
      case '\r': w = put_text(w, "\\r"); break;
      case '\t': w = put_text(w, "\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          w = put_text(w, "\\u00");
          *w++ = kHex[static_cast<unsigned char>(c) >> 4];
          *w++ = kHex[static_cast<unsigned char>(c) & 15];
        } else {
          *w++ = c;
        }
    }
  }
  *w++ = '"';
  return w;
}

// A JSON string literal (room: json_room), of a text looked at now.
[[gnu::always_inline]] inline char* put_json(char* w, std::string_view s) {
  if (needs_json_escapes(s)) return put_json_escaped(w, s);
  *w++ = '"';
  w = put_text(w, s);
  *w++ = '"';
  return w;
}

// The same, of a text many payouts share (see TextCache).
[[gnu::always_inline]] inline char* put_json(char* w, std::string_view s, TextCache<needs_json_escapes>& texts) {
  if (!texts.plain(s)) return put_json_escaped(w, s);
  *w++ = '"';
  w = put_text(w, s);
  *w++ = '"';
  return w;
}

// Room for a number written by put_amount or put_number: the fast paths' kNumberRoom, or Decimal's own
// text, which has at most 39 digits or `places` + 1 of them, a sign and a point.
size_t number_room(int places) { return kNumberRoom + static_cast<size_t>(std::max(places, 0)); }

char* put_amount(char* w, const Decimal& d, int places) {
  if (char* end = put_fixed(w, d, places)) return end;
  return put_text(w, d.to_fixed(places));  // beyond 64 bits: Decimal's own (slower) formatting
}

[[gnu::always_inline]] inline char* put_number(char* w, const Decimal& d) {
  if (char* end = put_shortest(w, d)) return end;
  return put_text(w, d.to_string());
}

// A report's text, written through a pointer: each row asks for room once (an upper bound of its
// size), and its fields are copied with no std::string call or temporary each (a large run writes
// millions). Rows are staged in a buffer handed to `out` 64 KiB at a time: a file is written as the
// report is made, without the whole text in memory.
class Sink {
 public:
  explicit Sink(const TextOut& out) : out_(out), stage_(kStage, '\0'), w_(stage_.data()) {}

  // Where the next `n` bytes go.
  char* room(size_t n) {
    if (static_cast<size_t>(stage_.data() + stage_.size() - w_) < n) flush(n);
    return w_;
  }
  // The row written up to `end`.
  void wrote(char* end) { w_ = end; }
  // A text as it is.
  void text(std::string_view s) { w_ = put_text(room(s.size()), s); }
  // A large text made elsewhere, handed on as it is after what is staged (no copy into the stage).
  void pass(std::string_view s) {
    flush(0);
    if (!s.empty()) out_(s);
  }

  // The sink is done: the rest of the text goes out.
  void finish() { flush(0); }

 private:
  static constexpr size_t kStage = 64 << 10;

  void flush(size_t n) {
    if (w_ != stage_.data()) out_(std::string_view(stage_.data(), static_cast<size_t>(w_ - stage_.data())));
    if (stage_.size() < n) stage_.resize(n);  // a row larger than the stage (very long texts)
    w_ = stage_.data();
  }

  const TextOut& out_;
  std::string stage_;
  char* w_;
};

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
    const std::optional<Decimal> rate = p.rate ? std::optional<Decimal>(percentage(*p.rate)) : std::nullopt;
    const size_t room = 2 * (p.partner.size() + p.band.size() + p.reason.size()) + 6 + p.period.size() + p.rebate.size() +
                        currency.size() + p.status.size() + amount_room + (p.basis ? number_room(p.basis->scale()) : 0) +
                        (rate ? number_room(rate->scale()) + 1 : 0) + kNumberRoom + 11;
    char* w = out.room(room);
    w = put_csv(w, p.partner, quotes);
    *w++ = ',';
    w = put_text(w, p.period);
    *w++ = ',';
    w = put_text(w, p.rebate);
    *w++ = ',';
    w = put_amount(w, p.amount, places);
    *w++ = ',';
    w = put_text(w, currency);
    *w++ = ',';
    w = put_text(w, p.status);
    *w++ = ',';
    if (p.basis) w = put_number(w, *p.basis);
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

// Payouts are formatted a chunk at a time on two threads when there are many: this thread formats the
// even chunks straight into the output, a helper the odd ones into buffers that are written in turn,
// at most kAhead chunks ahead of the output (so that memory stays a few chunks, whatever the run's size).
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
    for (size_t c = 1; c < chunks; c += 2) {
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
    if (c % 2 == 0) {
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
    const std::optional<Decimal> rate = p.rate ? std::optional<Decimal>(percentage(*p.rate)) : std::nullopt;
    const size_t room = json_room(p.partner) + json_room(p.period) + json_room(p.rebate) + json_room(p.status) +
                        json_room(p.reason) + json_room(p.band) + amount_room + (p.basis ? number_room(p.basis->scale()) : 0) +
                        (rate ? number_room(rate->scale()) + 1 : 0) + kNumberRoom + 256;
    char* w = out.room(room);
    w = put_text(w, i ? ",\n    {\"partner\": " : "\n    {\"partner\": ");
    w = put_json(w, p.partner, texts);
    w = put_text(w, ", \"period\": ");
    w = put_json(w, p.period, texts);
    w = put_text(w, ", \"rebate\": ");
    w = put_json(w, p.rebate, texts);
    w = put_text(w, ", \"amount\": \"");
    w = put_amount(w, p.amount, places);
    w = put_text(w, "\", \"status\": ");
    w = put_json(w, p.status, texts);
    if (!p.reason.empty()) {
      w = put_text(w, ", \"reason\": ");
      w = put_json(w, p.reason, texts);
    }
    if (p.basis) {
      w = put_text(w, ", \"basis\": \"");
      w = put_number(w, *p.basis);
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
