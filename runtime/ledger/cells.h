// Typed parsing of one CSV cell (internal to the ledger reader; exposed for its unit tests).
//
// Each parser has a fast path that does not allocate; only a cell that fails builds a message, by
// looking at the cell again to say what was found, what was expected and how to fix it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "ledger/ledger.h"

namespace rebate::ledger::detail {

enum class DecimalStatus { Ok, Syntax, TooManyPlaces, Overflow };

// Parses [-]digits[.digits] (already trimmed) as value = number / 10^shift, stored scaled by 10^scale.
// Excess decimal places that are all zeros are dropped; others follow `mode`. `places` receives the
// number of decimal places written in the cell.
DecimalStatus parse_decimal(std::string_view s, int scale, int shift, ExcessDigits mode, int64_t& out,
                            int& places);
bool parse_int(std::string_view s, int64_t& out);  // [-]digits, no overflow
bool parse_bool(std::string_view s, int64_t& out);
int utf8_sequence_length(const char* p, const char* end);  // 0 when not a valid UTF-8 sequence
std::string_view trim(std::string_view s);                 // spaces and tabs
std::string quote_for_message(std::string_view s);         // `s`, shortened and escaped for a message

// The common shape of a number, fast: [-]digits[.digits] with at most `keep` decimal places and at most
// 18 digits once scaled to `keep` places, so that it fits in an int64 without any overflow check. True
// (and `out`, exactly what parse_decimal stores) for such a cell; false for anything else (spaces, more
// places, more digits, no digit before or after the point, ...), which parse_decimal decides. `keep`
// is 0 to 18.
inline constexpr auto kPow10 = [] {
  std::array<uint64_t, 19> t{};
  t[0] = 1;
  for (size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] * 10;
  return t;
}();

inline bool plain_decimal(std::string_view s, int keep, int64_t& out) {
  const char* p = s.data();
  const char* const e = p + s.size();
  const bool neg = p != e && *p == '-';
  p += neg;
  const char* const whole = p;
  uint64_t mag = 0;  // wraps silently on a long run of digits, which the count below then rejects
  for (unsigned d; p != e && (d = static_cast<unsigned>(*p - '0')) <= 9; ++p) mag = mag * 10 + d;
  const auto whole_digits = p - whole;
  if (whole_digits == 0 || whole_digits + keep > 18) return false;
  int places = 0;
  if (p != e) {
    if (*p != '.') return false;
    const char* const frac = ++p;
    for (unsigned d; p != e && (d = static_cast<unsigned>(*p - '0')) <= 9; ++p) mag = mag * 10 + d;
    places = static_cast<int>(p - frac);
    if (places == 0 || places > keep || p != e) return false;
  }
  const uint64_t scaled = mag * kPow10[static_cast<size_t>(keep - places)];  // below 10^18
  out = neg ? -static_cast<int64_t>(scaled) : static_cast<int64_t>(scaled);
  return true;
}

// plain_decimal for a cell followed by at least 8 more readable bytes (the rest of its line, and more):
// the same answer for every cell, but a run of up to seven digits is read eight bytes at a time instead
// of one by one. The reader's fast path takes it for the cells not at the very end of the file.
inline bool plain_decimal_padded(std::string_view s, int keep, int64_t& out) {
  // The digits a word starts with (0 to 8): a byte that is not a digit has its top bit set in
  // `(w + 0x46..) | (w - 0x30..)` (a carry or a borrow only disturbs the bytes after the first such byte).
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  const auto leading_digits = [](uint64_t w) -> size_t {
    const uint64_t not_digit = ((w + 0x46 * kOnes) | (w - 0x30 * kOnes)) & (0x80 * kOnes);
    return not_digit == 0 ? 8 : static_cast<size_t>(__builtin_ctzll(not_digit)) / 8;
  };
  // The value of a word's first n digits (1 to 7): moved to the word's top, then pairs, fours, eights.
  const auto digits_value = [](uint64_t w, size_t n) -> uint64_t {
    uint64_t v = (w - 0x30 * kOnes) << (8 * (8 - n));
    v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFull;
    v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFull;
    return (v * 10000 + (v >> 32)) & 0xFFFFFFFFull;
  };
  const auto load = [](const char* at) {
    uint64_t w;
    std::memcpy(&w, at, 8);
    return w;
  };
  const char* p = s.data();
  const char* const e = p + s.size();
  const bool neg = p != e && *p == '-';
  p += neg;
  const size_t whole = std::min(leading_digits(load(p)), static_cast<size_t>(e - p));
  if (whole == 8) return plain_decimal(s, keep, out);  // eight digits or more: one by one
  if (whole == 0 || static_cast<int>(whole) + keep > 18) return false;
  uint64_t mag = digits_value(load(p), whole);
  p += whole;
  size_t places = 0;
  if (p != e) {
    if (*p != '.') return false;
    ++p;
    places = std::min(leading_digits(load(p)), static_cast<size_t>(e - p));
    if (places == 8) return plain_decimal(s, keep, out);
    if (places == 0 || static_cast<int>(places) > keep || p + places != e) return false;
    mag = mag * kPow10[places] + digits_value(load(p), places);
  }
  const uint64_t scaled = mag * kPow10[static_cast<size_t>(keep) - places];  // below 10^18: whole + keep <= 18 digits
  out = neg ? -static_cast<int64_t>(scaled) : static_cast<int64_t>(scaled);
  return true;
}

enum class CellStatus { Value, Absent, Error };

// A column's parser, precomputed from its spec.
class CellParser {
 public:
  explicit CellParser(const ColumnSpec& spec);
  // `raw` is the cell's text after CSV unquoting (not trimmed). On Error, `message` says what is wrong.
  CellStatus parse(std::string_view raw, StringPool& pool, int64_t& out, std::string& message) const {
    if (parse_plain(raw, out)) return CellStatus::Value;
    return parse_general(raw, pool, out, message);
  }
  // The common cell of a non-text column, in its usual shape, with no trimming and no message to build:
  // a plain number at the column's scale (-1049.35, 5%, 12), a date written 2026-07-01, true or false.
  // True (and `out`) only where parse_general would store the same value; false sends every other cell,
  // the malformed ones included, to parse_general.
  [[gnu::always_inline]] bool parse_plain(std::string_view raw, int64_t& out) const {
    switch (plain_) {
      case Plain::None: return false;
      case Plain::Number: return plain_decimal(raw, keep_, out);
      case Plain::Percent:
        return !raw.empty() && raw.back() == '%' && plain_decimal(raw.substr(0, raw.size() - 1), keep_, out);
      case Plain::Date:
        return raw.size() == 10 && plain_date(raw, out);
      case Plain::Bool: {
        // Compared as words (a memcmp here can become a call a cell).
        uint32_t head = 0;
        if (raw.size() == 4 || raw.size() == 5) std::memcpy(&head, raw.data(), 4);
        if (raw.size() == 4 && head == word4("true")) {
          out = 1;
          return true;
        }
        if (raw.size() == 5 && head == word4("fals") && raw[4] == 'e') {
          out = 0;
          return true;
        }
        return false;
      }
    }
    return false;
  }
  // The places a plain number of this column keeps (parse_plain is plain_decimal(raw, that, out)), or -1
  // when its plain cell is not a number: the reader's fast path calls plain_decimal itself.
  int plain_number_keep() const { return plain_ == Plain::Number ? keep_ : -1; }
  static constexpr uint32_t word4(const char (&s)[5]) {  // four bytes as a little-endian word, as memcpy loads them
    return uint32_t{static_cast<uint8_t>(s[0])} | uint32_t{static_cast<uint8_t>(s[1])} << 8 |
           uint32_t{static_cast<uint8_t>(s[2])} << 16 | uint32_t{static_cast<uint8_t>(s[3])} << 24;
  }
  // parse() without the plain fast path (public for the tests that compare the two).
  CellStatus parse_general(std::string_view raw, StringPool& pool, int64_t& out, std::string& message) const;
  const ColumnSpec& spec() const { return spec_; }
  // "a number like 1049.35", ...: what a cell of this column looks like.
  std::string expected() const;

 private:
  CellStatus fail_number(std::string_view s, DecimalStatus status, int places, std::string& message) const;
  CellStatus parse_money(std::string_view s, int64_t& out, std::string& message) const;
  CellStatus parse_percent(std::string_view s, int64_t& out, std::string& message) const;
  std::string explain_date(std::string_view s) const;
  std::string explain_enum(std::string_view s) const;

  struct DateSlot {
    uint64_t head = 0;
    uint16_t tail = 0;
    bool known = false;
    DayNumber day = 0;
  };
  // A date through a small cache of the dates met before (a ledger has a few hundred distinct dates, on
  // millions of lines): the ten bytes compared in two loads instead of checked and converted each time.
  // A date's slot is its year's last digit, its month and its day ("2026-07-15": 6, 7, 15): no two
  // dates of ten consecutive years share one, so no two of a ledger's dates take turns missing. (Any
  // other bytes give some slot; the compare tells them apart.)
  bool plain_date(std::string_view raw, int64_t& out) const {
    uint64_t head;
    uint16_t tail;
    const char* const p = raw.data();
    std::memcpy(&head, p, 8);
    std::memcpy(&tail, p + 8, 2);
    auto digit = [p](size_t i) { return static_cast<size_t>(p[i] & 15); };
    const size_t month = digit(5) * 10 + digit(6), day = digit(8) * 10 + digit(9);
    DateSlot& slot = dates_[((digit(3) * 16 + month) * 32 + day) & ((size_t{1} << kDateBits) - 1)];
    if (slot.known && slot.head == head && slot.tail == tail) {
      out = slot.day;
      return true;
    }
    return remember_date(raw, slot, out);
  }
  // A date not in the cache: parsed, and kept in `slot`.
  [[gnu::noinline]] bool remember_date(std::string_view raw, DateSlot& slot, int64_t& out) const;
  static constexpr unsigned kDateBits = 13;  // 16 years x 16 months x 32 days (128 KiB)
  mutable std::vector<DateSlot> dates_;  // Date columns: 1 << kDateBits slots

  // What parse_plain tries, chosen once from the spec: Number is Int (keep 0), Decimal and Money (keep =
  // scale); Percent keeps scale - 2 places of the percentage. Text and Enum cells go to parse_general.
  enum class Plain : uint8_t { None, Number, Percent, Date, Bool };
  ColumnSpec spec_;
  Plain plain_ = Plain::None;
  int keep_ = 0;
};

}  // namespace rebate::ledger::detail
