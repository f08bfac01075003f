// Writing report text fast, for the CSV and JSON reports (report.cpp): numbers formatted by hand into
// a buffer (no std::string or temporary per field), texts quoted or escaped only when they need it
// (TextCache), and the Sink that stages rows and hands them to the output 64 KiB at a time. Internal to
// runtime/engine.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/decimal.h"
#include "engine/report.h"

namespace rebate::engine::report_text {

// Room for any number the fast paths below write: a sign, the 20 digits of a 64-bit magnitude, a
// point, up to Decimal::kMaxScale places, a percent sign.
inline constexpr size_t kNumberRoom = 48;

inline constexpr uint64_t kPow10[20] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u,
                                 1000000000u, 10000000000u, 100000000000u, 1000000000000u, 10000000000000u,
                                 100000000000000u, 1000000000000000u, 10000000000000000u, 100000000000000000u,
                                 1000000000000000000u, 10000000000000000000u};

// "00" "01" ... "99": two digits per division instead of one.
inline constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// |coefficient| as 64 bits, when it fits (the values of payouts and their bases always do).
inline std::optional<uint64_t> magnitude(Int128 coefficient) {
  Int128 m = coefficient < 0 ? -coefficient : coefficient;
  if (m > static_cast<Int128>(UINT64_MAX)) return std::nullopt;
  return static_cast<uint64_t>(m);
}

// Writes the digits of `v` (at least one) backwards, ending just before `q`, two digits per division.
inline void put_backwards(char* q, uint64_t v) {
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
inline char* put_digits(char* p, uint64_t v, int min_digits) {
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
inline char* put_scaled(char* p, uint64_t v, bool negative, int places) {
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
inline char* put_fixed(char* p, const Decimal& d, int places) {
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
inline char* put_shortest(char* p, const Decimal& d) {
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
inline Decimal percentage(const Decimal& ratio) { return Decimal::mul(ratio, Decimal::from_int(100)).value_or(ratio); }

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
inline constexpr SpecialBytes kSpecial;

inline bool any_special(std::string_view s, const bool (&special)[256]) {
  for (char c : s) {
    if (special[static_cast<unsigned char>(c)]) return true;
  }
  return false;
}
inline bool needs_csv_quotes(std::string_view s) { return any_special(s, kSpecial.csv); }
inline bool needs_json_escapes(std::string_view s) { return any_special(s, kSpecial.json); }

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
inline char* put_quoted(char* w, std::string_view s) {
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
inline size_t json_room(std::string_view s) { return 6 * s.size() + 2; }

// A JSON string literal (RFC 8259) with its characters escaped: quotes, backslashes, control characters.
inline char* put_json_escaped(char* w, std::string_view s) {
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
inline size_t number_room(int places) { return kNumberRoom + static_cast<size_t>(std::max(places, 0)); }

inline char* put_amount(char* w, const Decimal& d, int places) {
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

}  // namespace rebate::engine::report_text
