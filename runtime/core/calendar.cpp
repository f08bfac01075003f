// Date arithmetic after Howard Hinnant's civil-calendar algorithms: exact for any date in range.
#include "core/calendar.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

namespace rebate {

DayNumber days_from_civil(CivilDate d) {
  int y = d.year - (d.month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

CivilDate civil_from_days(DayNumber z0) {
  int z = z0 + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{y + (m <= 2 ? 1 : 0), m, d};
}

bool is_valid_civil(CivilDate d) {
  if (d.month < 1 || d.month > 12 || d.day < 1) return false;
  static const unsigned days_in_month[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  unsigned limit = days_in_month[d.month - 1] + (d.month == 2 && leap ? 1 : 0);
  return d.day <= limit;
}

namespace {
bool digits(std::string_view s, size_t from, size_t count, int& out) {
  if (from + count > s.size()) return false;
  out = 0;
  for (size_t i = from; i < from + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}
}  // namespace

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "parse_date reads the text as little-endian words");

std::optional<DayNumber> parse_date(std::string_view s) {
  if (s.size() != 10) return std::nullopt;
  // The fixed layout YYYY-MM-DD checked in two loads (a ledger has a date on every row): XOR with the
  // layout's characters turns each digit into its value 0..9 and each `-` into 0, and any other byte
  // into something else. Little-endian: byte i of the text is bits 8i..8i+7.
  uint64_t head;  // "YYYY-MM-"
  uint16_t tail;  // "DD"
  std::memcpy(&head, s.data(), 8);
  std::memcpy(&tail, s.data() + 8, 2);
  const uint64_t h = head ^ 0x2D30302D30303030ull;
  const uint64_t t = tail ^ 0x3030u;
  constexpr uint64_t kHigh = 0x8080808080808080ull, kLow7 = 0x7F7F7F7F7F7F7F7Full;
  // A byte above 9 sets its high bit, either itself or once 0x76 is added to its low seven bits (no
  // carry leaves a byte: at most 0x7F + 0x76).
  if (((((h & kLow7) + 0x7676767676767676ull) | h) & kHigh) | ((((t & kLow7) + 0x7676u) | t) & 0x8080u))
    return std::nullopt;
  if (h & 0xFF0000FF00000000ull) return std::nullopt;  // bytes 4 and 7 must have been `-`
  const auto digit = [&](int i) { return static_cast<int>(h >> (8 * i) & 0xFF); };
  const int y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const int m = digit(5) * 10 + digit(6);
  const int d = static_cast<int>(t & 0xFF) * 10 + static_cast<int>(t >> 8);
  CivilDate c{y, static_cast<unsigned>(m), static_cast<unsigned>(d)};
  if (!is_valid_civil(c)) return std::nullopt;
  return days_from_civil(c);
}

std::string format_date(DayNumber days) {
  CivilDate c = civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

std::optional<PeriodValue> parse_period(std::string_view s) {
  int y, n;
  if (s.size() == 4 && digits(s, 0, 4, y)) return PeriodValue{PeriodGrain::Year, y, 1};
  if (s.size() != 7 || s[4] != '-' || !digits(s, 0, 4, y)) return std::nullopt;
  if (s[5] == 'Q' && digits(s, 6, 1, n) && n >= 1 && n <= 4) return PeriodValue{PeriodGrain::Quarter, y, n};
  if (s[5] == 'H' && digits(s, 6, 1, n) && n >= 1 && n <= 2) return PeriodValue{PeriodGrain::Half, y, n};
  if (digits(s, 5, 2, n) && n >= 1 && n <= 12) return PeriodValue{PeriodGrain::Month, y, n};
  return std::nullopt;
}

std::string format_period(const PeriodValue& p) {
  switch (p.grain) {
    case PeriodGrain::Month: return fmt::format("{:04}-{:02}", p.year, p.index);
    case PeriodGrain::Quarter: return fmt::format("{:04}-Q{}", p.year, p.index);
    case PeriodGrain::Half: return fmt::format("{:04}-H{}", p.year, p.index);
    case PeriodGrain::Year: return fmt::format("{:04}", p.year);
  }
  return {};
}

}  // namespace rebate
