// Typed cell parsing: strict fast paths, and messages that say what was found and what was expected.
#include "ledger/cells.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/calendar.h"

namespace rebate::ledger::detail {

namespace {

constexpr uint64_t kMaxMagnitude = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string to_upper(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return r;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// A hint for a cell that should have been a plain number, or "" when there is nothing specific to say.
std::string number_hint(std::string_view s) {
  if (s.find(',') != std::string_view::npos)
    return "write numbers without thousands separators and with `.` as the decimal point";
  if (s.find('_') != std::string_view::npos) return "digit separators (`_`) are not allowed in a CSV cell";
  if (!s.empty() && s.front() == '+') return "a leading `+` is not allowed; write the number without it";
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')')
    return "write a negative number with a leading `-`, not in parentheses";
  if (s.find_first_of("$") != std::string_view::npos || s.find("\xE2\x82\xAC") != std::string_view::npos ||
      s.find("\xC2\xA3") != std::string_view::npos)
    return "write the number without a currency symbol";
  bool digits_seen = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (is_digit(s[i])) digits_seen = true;
    if ((s[i] == 'e' || s[i] == 'E') && digits_seen && i + 1 < s.size() &&
        (is_digit(s[i + 1]) || s[i + 1] == '-' || s[i + 1] == '+'))
      return "scientific notation is not allowed; write the digits out";
  }
  size_t dot = s.find('.');
  if (dot != std::string_view::npos) {
    if (s.find('.', dot + 1) != std::string_view::npos) return "";
    size_t start = !s.empty() && s.front() == '-' ? 1 : 0;
    if (dot == start) return "write a digit before the point, like 0.5";
    if (dot + 1 == s.size()) return "write digits after the point, or no point";
  }
  return "";
}

std::string with_hint(std::string message, const std::string& hint) {
  if (!hint.empty()) message += " (" + hint + ")";
  return message;
}

}  // namespace

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

int utf8_sequence_length(const char* p, const char* end) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  const auto avail = end - p;
  unsigned char c = u[0];
  if (c < 0x80) return 1;
  auto cont = [&](int i) { return i < avail && (u[i] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && u[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && u[1] >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && u[1] < 0x90) return 0;   // overlong
    if (c == 0xF4 && u[1] >= 0x90) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

std::string quote_for_message(std::string_view s) {
  constexpr size_t kMaxChars = 40;
  std::string r = "`";
  size_t chars = 0;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    if (chars == kMaxChars) {
      r += "...";
      break;
    }
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '\n') {
      r += "\\n";
      ++p;
    } else if (c == '\r') {
      r += "\\r";
      ++p;
    } else if (c == '\t') {
      r += "\\t";
      ++p;
    } else if (c < 0x20 || c == 0x7F) {
      r += fmt::format("\\x{:02X}", c);
      ++p;
    } else {
      int n = utf8_sequence_length(p, end);
      if (n == 0) {
        r += fmt::format("\\x{:02X}", c);
        ++p;
      } else {
        r.append(p, static_cast<size_t>(n));
        p += n;
      }
    }
    ++chars;
  }
  r += "`";
  return r;
}

bool parse_int(std::string_view s, int64_t& out) {
  const char* p = s.data();
  const char* e = p + s.size();
  bool neg = false;
  if (p < e && *p == '-') {
    neg = true;
    ++p;
  }
  if (p == e) return false;
  uint64_t mag = 0;
  for (; p < e; ++p) {
    unsigned d = static_cast<unsigned>(*p - '0');
    if (d > 9) return false;
    if (mag > (kMaxMagnitude - d) / 10) return false;
    mag = mag * 10 + d;
  }
  out = neg ? -static_cast<int64_t>(mag) : static_cast<int64_t>(mag);
  return true;
}

DecimalStatus parse_decimal(std::string_view s, int scale, int shift, ExcessDigits mode, int64_t& out,
                            int& places) {
  const char* p = s.data();
  const char* e = p + s.size();
  bool neg = false;
  if (p < e && *p == '-') {
    neg = true;
    ++p;
  }
  const int keep = scale - shift;  // decimal places of the written number that the column keeps
  uint64_t mag = 0;
  bool overflow = false;
  const char* digits_start = p;
  for (; p < e; ++p) {
    unsigned d = static_cast<unsigned>(*p - '0');
    if (d > 9) break;
    if (__builtin_mul_overflow(mag, 10u, &mag) || __builtin_add_overflow(mag, d, &mag)) overflow = true;
  }
  if (p == digits_start) return DecimalStatus::Syntax;
  int frac = 0;
  int first_excess = 0;
  bool sticky = false;
  if (p < e && *p == '.') {
    ++p;
    const char* frac_start = p;
    for (; p < e; ++p) {
      unsigned d = static_cast<unsigned>(*p - '0');
      if (d > 9) break;
      if (frac < keep) {
        if (__builtin_mul_overflow(mag, 10u, &mag) || __builtin_add_overflow(mag, d, &mag)) overflow = true;
      } else if (frac == keep) {
        first_excess = static_cast<int>(d);
      } else if (d != 0) {
        sticky = true;
      }
      ++frac;
    }
    if (p == frac_start) return DecimalStatus::Syntax;
  }
  if (p != e) return DecimalStatus::Syntax;
  places = frac;
  for (int i = frac; i < keep; ++i)
    if (__builtin_mul_overflow(mag, 10u, &mag)) overflow = true;
  if (frac > keep && (first_excess != 0 || sticky)) {
    bool up = false;
    switch (mode) {
      case ExcessDigits::Error: return DecimalStatus::TooManyPlaces;
      case ExcessDigits::Down: up = false; break;
      case ExcessDigits::Up: up = true; break;
      case ExcessDigits::HalfUp: up = first_excess >= 5; break;
      case ExcessDigits::HalfEven:
        up = first_excess > 5 || (first_excess == 5 && (sticky || (mag & 1) != 0));
        break;
    }
    if (up && __builtin_add_overflow(mag, 1u, &mag)) overflow = true;
  }
  if (overflow || mag > kMaxMagnitude) return DecimalStatus::Overflow;
  out = neg ? -static_cast<int64_t>(mag) : static_cast<int64_t>(mag);
  return DecimalStatus::Ok;
}

bool parse_bool(std::string_view s, int64_t& out) {
  switch (s.size()) {
    case 1:
      if (s[0] == '1' || s[0] == '0') {
        out = s[0] == '1';
        return true;
      }
      return false;
    case 2:
      if (iequals(s, "no")) {
        out = 0;
        return true;
      }
      return false;
    case 3:
      if (iequals(s, "yes")) {
        out = 1;
        return true;
      }
      return false;
    case 4:
      if (iequals(s, "true")) {
        out = 1;
        return true;
      }
      return false;
    case 5:
      if (iequals(s, "false")) {
        out = 0;
        return true;
      }
      return false;
    default: return false;
  }
}

bool CellParser::remember_date(std::string_view raw, DateSlot& slot, int64_t& out) const {
  const std::optional<DayNumber> d = parse_date(raw);
  if (!d) return false;
  std::memcpy(&slot.head, raw.data(), 8);
  std::memcpy(&slot.tail, raw.data() + 8, 2);
  slot.known = true;
  slot.day = *d;
  out = *d;
  return true;
}

CellParser::CellParser(const ColumnSpec& spec) : spec_(spec) {
  switch (spec.kind) {
    case ColumnKind::Int: plain_ = Plain::Number; keep_ = 0; break;
    case ColumnKind::Decimal:
    case ColumnKind::Money: plain_ = Plain::Number; keep_ = spec.scale; break;
    case ColumnKind::Percent: plain_ = Plain::Percent; keep_ = spec.scale - 2; break;
    case ColumnKind::Date:
      plain_ = Plain::Date;
      dates_.resize(size_t{1} << kDateBits);
      break;
    case ColumnKind::Bool: plain_ = Plain::Bool; break;
    case ColumnKind::Text:
    case ColumnKind::Enum: break;
  }
  if (keep_ < 0 || keep_ > 18) plain_ = Plain::None;  // not a valid spec (the reader refuses it): no shortcut
}

std::string CellParser::expected() const {
  const ColumnSpec& c = spec_;
  switch (c.kind) {
    case ColumnKind::Int: return "a whole number like -12";
    case ColumnKind::Decimal:
      return c.scale == 0 ? "a whole number like 1049" : fmt::format("a number like 1049.35 with at most {} decimal place{}", c.scale, c.scale == 1 ? "" : "s");
    case ColumnKind::Money:
      return c.currency.empty() ? "an amount like 1049.35" : fmt::format("an amount like 1049.35 (in {})", c.currency);
    case ColumnKind::Percent: return "a percentage like 2.5%";
    case ColumnKind::Bool: return "true or false (or yes/no, 1/0)";
    case ColumnKind::Text: return "text";
    case ColumnKind::Date: return "a date written YYYY-MM-DD, like 2026-07-01";
    case ColumnKind::Enum: {
      if (c.currency_codes) return "an ISO 4217 currency code in capitals, like EUR";
      std::string r = "one of ";
      for (size_t i = 0; i < c.enum_members.size(); ++i) r += (i ? ", " : "") + c.enum_members[i];
      return r;
    }
  }
  return "a value";
}

CellStatus CellParser::parse_general(std::string_view raw, StringPool& pool, int64_t& out, std::string& message) const {
  const ColumnSpec& c = spec_;
  if (c.kind == ColumnKind::Text) {
    if (raw.empty()) {
      if (c.optional) return CellStatus::Absent;
      message = "the cell is empty; expected text (declare the column optional with `?` if it may be empty)";
      return CellStatus::Error;
    }
    out = pool.intern(raw);
    return CellStatus::Value;
  }
  std::string_view s = trim(raw);
  if (s.empty()) {
    if (c.optional) return CellStatus::Absent;
    message = fmt::format("the cell is empty; expected {} (declare the column optional with `?` if it may be empty)",
                          expected());
    return CellStatus::Error;
  }
  switch (c.kind) {
    case ColumnKind::Int: {
      if (parse_int(s, out)) return CellStatus::Value;
      int64_t ignored;
      int places = 0;
      auto st = parse_decimal(s, 0, 0, ExcessDigits::Error, ignored, places);
      std::string hint = number_hint(s);
      if (st == DecimalStatus::Overflow || (st == DecimalStatus::Ok && places == 0))
        message = fmt::format("{} is too large for a whole number; the limit is {}", quote_for_message(s),
                              std::numeric_limits<int64_t>::max());
      else if (st == DecimalStatus::Ok || st == DecimalStatus::TooManyPlaces)
        message = fmt::format("{} is not a whole number; expected {}", quote_for_message(s), expected());
      else
        message = with_hint(fmt::format("{} is not a whole number; expected {}", quote_for_message(s), expected()), hint);
      return CellStatus::Error;
    }
    case ColumnKind::Decimal: {
      int places = 0;
      auto st = parse_decimal(s, c.scale, 0, c.excess_digits, out, places);
      if (st == DecimalStatus::Ok) return CellStatus::Value;
      return fail_number(s, st, places, message);
    }
    case ColumnKind::Money: return parse_money(s, out, message);
    case ColumnKind::Percent: return parse_percent(s, out, message);
    case ColumnKind::Bool:
      if (parse_bool(s, out)) return CellStatus::Value;
      message = fmt::format("{} is not a truth value; expected {}", quote_for_message(s), expected());
      return CellStatus::Error;
    case ColumnKind::Date:
      if (s.size() == 10) {
        if (auto d = parse_date(s)) {
          out = *d;
          return CellStatus::Value;
        }
      }
      message = explain_date(s);
      return CellStatus::Error;
    case ColumnKind::Enum:
      for (size_t i = 0; i < c.enum_members.size(); ++i)
        if (c.enum_members[i] == s) {
          out = static_cast<int64_t>(i);
          return CellStatus::Value;
        }
      message = explain_enum(s);
      return CellStatus::Error;
    case ColumnKind::Text: break;
  }
  return CellStatus::Error;
}

CellStatus CellParser::fail_number(std::string_view s, DecimalStatus status, int places, std::string& message) const {
  const ColumnSpec& c = spec_;
  const bool percent = c.kind == ColumnKind::Percent;
  const int keep = percent ? c.scale - 2 : c.scale;
  std::string shown = quote_for_message(percent ? std::string(s) + "%" : std::string(s));
  switch (status) {
    case DecimalStatus::TooManyPlaces:
      message = fmt::format("{} has {} decimal place{}; the column keeps {}{}", shown, places, places == 1 ? "" : "s", keep,
                            percent ? " (of the percentage)" : "");
      break;
    case DecimalStatus::Overflow:
      message = fmt::format("{} is too large: at {} decimal places it does not fit in 64 bits", shown, c.scale);
      break;
    default: {
      const char* what = c.kind == ColumnKind::Money ? "an amount" : percent ? "a percentage" : "a decimal";
      message = with_hint(fmt::format("{} is not {}; expected {}", shown, what, expected()), number_hint(s));
      break;
    }
  }
  return CellStatus::Error;
}

CellStatus CellParser::parse_money(std::string_view s, int64_t& out, std::string& message) const {
  const ColumnSpec& c = spec_;
  int places = 0;
  auto st = parse_decimal(s, c.scale, 0, c.excess_digits, out, places);
  if (st == DecimalStatus::Ok) return CellStatus::Value;
  if (st != DecimalStatus::Syntax) return fail_number(s, st, places, message);
  // A currency code before or after the number: `USD 1049.35`, `1049.35 USD`.
  std::string_view code, number;
  if (s.size() > 3 && is_alpha(s[0]) && is_alpha(s[1]) && is_alpha(s[2]) && !is_alpha(s[3])) {
    code = s.substr(0, 3);
    number = trim(s.substr(3));
  } else if (s.size() > 3 && is_alpha(s[s.size() - 1]) && is_alpha(s[s.size() - 2]) && is_alpha(s[s.size() - 3]) &&
             !is_alpha(s[s.size() - 4])) {
    code = s.substr(s.size() - 3);
    number = trim(s.substr(0, s.size() - 3));
  }
  if (code.empty()) return fail_number(s, st, places, message);
  if (code != c.currency) {
    if (!c.currency.empty() && to_upper(code) == c.currency)
      message = fmt::format("{}: currency codes are written in capitals, `{}`", quote_for_message(s), c.currency);
    else if (c.currency.empty())
      message = fmt::format("{} carries a currency code but the column has no currency; write the number alone",
                            quote_for_message(s));
    else
      message = fmt::format("{} is in {}; the column holds {} (there is no currency conversion)", quote_for_message(s),
                            quote_for_message(code), c.currency);
    return CellStatus::Error;
  }
  st = parse_decimal(number, c.scale, 0, c.excess_digits, out, places);
  if (st == DecimalStatus::Ok) return CellStatus::Value;
  return fail_number(number, st, places, message);
}

CellStatus CellParser::parse_percent(std::string_view s, int64_t& out, std::string& message) const {
  const ColumnSpec& c = spec_;
  if (s.back() != '%') {
    int64_t ignored;
    int places;
    if (parse_decimal(s, 18, 0, ExcessDigits::Down, ignored, places) != DecimalStatus::Syntax)
      message = fmt::format("{} has no `%`; expected {} (a bare number is ambiguous: 0.05 could mean 5% or 0.05%)",
                            quote_for_message(s), expected());
    else
      message = with_hint(fmt::format("{} is not a percentage; expected {}", quote_for_message(s), expected()),
                          number_hint(s));
    return CellStatus::Error;
  }
  std::string_view number = trim(s.substr(0, s.size() - 1));
  int places = 0;
  auto st = parse_decimal(number, c.scale, 2, c.excess_digits, out, places);
  if (st == DecimalStatus::Ok) return CellStatus::Value;
  return fail_number(number, st, places, message);
}

std::string CellParser::explain_date(std::string_view s) const {
  std::string found = quote_for_message(s);
  if (s.find('/') != std::string_view::npos || (s.size() == 10 && s[2] == '.' && s[5] == '.'))
    return fmt::format("{} is not a date in the form YYYY-MM-DD; write it like 2026-07-01 (day/month orders are "
                       "ambiguous)",
                       found);
  if (s.size() > 10 && parse_date(s.substr(0, 10)) && (s[10] == 'T' || s[10] == ' '))
    return fmt::format("{} has a time of day; expected a date alone, like {}", found, s.substr(0, 10));
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
    bool all_digits = true;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) all_digits = all_digits && is_digit(s[i]);
    if (all_digits) return fmt::format("{} is not a day of the calendar", found);
  }
  size_t d1 = s.find('-');
  if (d1 == 4 && s.find('-', d1 + 1) != std::string_view::npos)
    return fmt::format("{} is not a date; expected {} (two digits for the month and the day)", found, expected());
  return fmt::format("{} is not a date; expected {}", found, expected());
}

std::string CellParser::explain_enum(std::string_view s) const {
  const ColumnSpec& c = spec_;
  std::string message = fmt::format("{} is not one of the column's values; expected {}", quote_for_message(s), expected());
  std::string_view best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const auto& m : c.enum_members) {
    size_t d = iequals(m, s) ? 0 : edit_distance(m, s);
    if (d < best_distance) {
      best_distance = d;
      best = m;
    }
  }
  if (!best.empty() && best_distance <= std::max<size_t>(1, best.size() / 3))
    message += fmt::format("; did you mean `{}`?", best);
  return message;
}

}  // namespace rebate::ledger::detail
