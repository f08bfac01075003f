// Typed cell parsing: exact stored values and the messages for malformed cells.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <limits>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "ledger/cells.h"

using namespace rebate;
using namespace rebate::ledger;
using namespace rebate::ledger::detail;

namespace {

ColumnSpec column(ColumnKind kind, int scale = 0, bool optional = false) {
  ColumnSpec c;
  c.name = "c";
  c.header = "c";
  c.kind = kind;
  c.scale = scale;
  c.optional = optional;
  if (kind == ColumnKind::Money) c.currency = "USD";
  if (kind == ColumnKind::Enum) c.enum_members = {"bronze", "silver", "gold", "platinum"};
  return c;
}

struct Parsed {
  CellStatus status;
  int64_t value;
  std::string message;
};

Parsed parse(const ColumnSpec& spec, std::string_view cell) {
  StringPool pool;
  CellParser parser(spec);
  Parsed r{CellStatus::Error, -999, ""};
  r.status = parser.parse(cell, pool, r.value, r.message);
  return r;
}

}  // namespace

TEST_CASE("parse_decimal stores exact scaled integers", "[ledger][cells]") {
  struct Case {
    const char* text;
    int scale;
    int64_t value;
  };
  const Case cases[] = {
      {"1049.35", 4, 10493500},
      {"-0.50", 4, -5000},
      {"0", 2, 0},
      {"-0", 2, 0},
      {"007", 0, 7},
      {"-2000", 4, -20000000},
      {"1.50000", 4, 15000},  // excess places that are zeros lose nothing
      {"0.0001", 4, 1},
      {"922337203685477.5807", 4, std::numeric_limits<int64_t>::max()},
      {"-922337203685477.5807", 4, -std::numeric_limits<int64_t>::max()},
      {"9", 18, 9'000'000'000'000'000'000},
  };
  for (const auto& c : cases) {
    INFO(c.text << " at scale " << c.scale);
    int64_t out = -1;
    int places = -1;
    REQUIRE(parse_decimal(c.text, c.scale, 0, ExcessDigits::Error, out, places) == DecimalStatus::Ok);
    CHECK(out == c.value);
  }
}

TEST_CASE("parse_decimal rejects malformed numbers, excess places and overflow", "[ledger][cells]") {
  struct Case {
    const char* text;
    int scale;
    DecimalStatus status;
  };
  const Case cases[] = {
      {"12.3.4", 4, DecimalStatus::Syntax},     {"", 2, DecimalStatus::Syntax},
      {"-", 2, DecimalStatus::Syntax},          {".5", 2, DecimalStatus::Syntax},
      {"5.", 2, DecimalStatus::Syntax},         {"1,049.35", 2, DecimalStatus::Syntax},
      {"+5", 2, DecimalStatus::Syntax},         {"1e5", 2, DecimalStatus::Syntax},
      {"1 000", 2, DecimalStatus::Syntax},      {"1.23456", 4, DecimalStatus::TooManyPlaces},
      {"922337203685477.5808", 4, DecimalStatus::Overflow},
      {"99999999999999999999999", 0, DecimalStatus::Overflow},
      {"10", 18, DecimalStatus::Overflow},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    int64_t out = 0;
    int places = 0;
    CHECK(parse_decimal(c.text, c.scale, 0, ExcessDigits::Error, out, places) == c.status);
  }
  int64_t out = 0;
  int places = 0;
  parse_decimal("1.23456", 4, 0, ExcessDigits::Error, out, places);
  CHECK(places == 5);
}

TEST_CASE("parse_decimal rounds excess places with the declared mode", "[ledger][cells]") {
  struct Case {
    const char* text;
    ExcessDigits mode;
    int64_t value;  // at scale 4
  };
  const Case cases[] = {
      {"1.23455", ExcessDigits::HalfEven, 12346},     // tie, kept digit 5 is odd: up
      {"1.23445", ExcessDigits::HalfEven, 12344},     // tie, kept digit 4 is even: stays
      {"1.234450001", ExcessDigits::HalfEven, 12345}, // above the tie
      {"-1.23455", ExcessDigits::HalfEven, -12346},
      {"1.23445", ExcessDigits::HalfUp, 12345},
      {"-1.23445", ExcessDigits::HalfUp, -12345},
      {"1.23444", ExcessDigits::HalfUp, 12344},
      {"1.23459", ExcessDigits::Down, 12345},
      {"-1.23459", ExcessDigits::Down, -12345},
      {"1.23451", ExcessDigits::Up, 12346},
      {"-1.23451", ExcessDigits::Up, -12346},
      {"1.234500000", ExcessDigits::Up, 12345},  // only zeros beyond: exact
      {"0.99999", ExcessDigits::HalfUp, 10000},
  };
  for (const auto& c : cases) {
    INFO(c.text << " mode " << static_cast<int>(c.mode));
    int64_t out = 0;
    int places = 0;
    REQUIRE(parse_decimal(c.text, 4, 0, c.mode, out, places) == DecimalStatus::Ok);
    CHECK(out == c.value);
  }
  int64_t out = 0;
  int places = 0;
  CHECK(parse_decimal("922337203685477.58079", 4, 0, ExcessDigits::Up, out, places) == DecimalStatus::Overflow);
}

TEST_CASE("parse_int takes plain digits with an optional minus", "[ledger][cells]") {
  int64_t out = 0;
  CHECK((parse_int("-12", out) && out == -12));
  CHECK((parse_int("0", out) && out == 0));
  CHECK((parse_int("9223372036854775807", out) && out == std::numeric_limits<int64_t>::max()));
  for (const char* bad : {"9223372036854775808", "+5", "1,000", "1_000", "12.0", "", "-", "1e3", " 1"}) {
    INFO(bad);
    CHECK_FALSE(parse_int(bad, out));
  }
}

TEST_CASE("cells of each kind: stored values", "[ledger][cells]") {
  struct Case {
    ColumnSpec spec;
    const char* cell;
    int64_t value;
  };
  ColumnSpec percent = column(ColumnKind::Percent, 6);
  ColumnSpec money = column(ColumnKind::Money, 4);
  const Case cases[] = {
      {column(ColumnKind::Int), "-12", -12},
      {column(ColumnKind::Int), " 42\t", 42},  // spaces around numbers are trimmed
      {column(ColumnKind::Decimal, 4), "-0.50", -5000},
      {money, "1049.35", 10493500},
      {money, "1049.35 USD", 10493500},
      {money, "USD 1049.35", 10493500},
      {money, "USD -1049.35", -10493500},
      {money, "-2000", -20000000},
      {money, " 7.5 ", 75000},
      {percent, "5%", 50000},
      {percent, "2.5%", 25000},
      {percent, "-1.25 %", -12500},
      {percent, "100%", 1000000},
      {percent, "0.0001%", 1},
      {column(ColumnKind::Bool), "true", 1},
      {column(ColumnKind::Bool), "FALSE", 0},
      {column(ColumnKind::Bool), "Yes", 1},
      {column(ColumnKind::Bool), "no", 0},
      {column(ColumnKind::Bool), "1", 1},
      {column(ColumnKind::Bool), " 0 ", 0},
      {column(ColumnKind::Date), "2026-07-01", days_from_civil({2026, 7, 1})},
      {column(ColumnKind::Date), "1969-12-31", -1},
      {column(ColumnKind::Date), "2028-02-29", days_from_civil({2028, 2, 29})},
      {column(ColumnKind::Enum), "gold", 2},
      {column(ColumnKind::Enum), " bronze ", 0},
  };
  for (const auto& c : cases) {
    INFO(kind_name(c.spec.kind) << " `" << c.cell << "`");
    Parsed r = parse(c.spec, c.cell);
    INFO(r.message);
    REQUIRE(r.status == CellStatus::Value);
    CHECK(r.value == c.value);
  }
}

TEST_CASE("cells of each kind: messages for malformed cells", "[ledger][cells]") {
  struct Case {
    ColumnSpec spec;
    const char* cell;
    const char* message;
  };
  ColumnSpec money = column(ColumnKind::Money, 4);
  ColumnSpec percent = column(ColumnKind::Percent, 6);
  const Case cases[] = {
      {column(ColumnKind::Decimal, 4), "12.3.4",
       "`12.3.4` is not a decimal; expected a number like 1049.35 with at most 4 decimal places"},
      {column(ColumnKind::Decimal, 4), "1.23456", "`1.23456` has 5 decimal places; the column keeps 4"},
      {column(ColumnKind::Decimal, 2), "1,049.35",
       "`1,049.35` is not a decimal; expected a number like 1049.35 with at most 2 decimal places (write numbers "
       "without thousands separators and with `.` as the decimal point)"},
      {column(ColumnKind::Decimal, 2), ".5",
       "`.5` is not a decimal; expected a number like 1049.35 with at most 2 decimal places (write a digit before "
       "the point, like 0.5)"},
      {column(ColumnKind::Decimal, 2), "1e5",
       "`1e5` is not a decimal; expected a number like 1049.35 with at most 2 decimal places (scientific notation "
       "is not allowed; write the digits out)"},
      {column(ColumnKind::Decimal, 4), "922337203685477.5808",
       "`922337203685477.5808` is too large: at 4 decimal places it does not fit in 64 bits"},
      {column(ColumnKind::Int), "1,000",
       "`1,000` is not a whole number; expected a whole number like -12 (write numbers without thousands "
       "separators and with `.` as the decimal point)"},
      {column(ColumnKind::Int), "12.5", "`12.5` is not a whole number; expected a whole number like -12"},
      {column(ColumnKind::Int), "+5",
       "`+5` is not a whole number; expected a whole number like -12 (a leading `+` is not allowed; write the "
       "number without it)"},
      {column(ColumnKind::Int), "9223372036854775808",
       "`9223372036854775808` is too large for a whole number; the limit is 9223372036854775807"},
      {money, "1049.35 EUR", "`1049.35 EUR` is in `EUR`; the column holds USD (there is no currency conversion)"},
      {money, "usd 5", "`usd 5`: currency codes are written in capitals, `USD`"},
      {money, "$1,049.35",
       "`$1,049.35` is not an amount; expected an amount like 1049.35 (in USD) (write numbers without thousands "
       "separators and with `.` as the decimal point)"},
      {money, "(12.00)",
       "`(12.00)` is not an amount; expected an amount like 1049.35 (in USD) (write a negative number with a "
       "leading `-`, not in parentheses)"},
      {money, "1.123456 USD", "`1.123456` has 6 decimal places; the column keeps 4"},
      {percent, "0.05",
       "`0.05` has no `%`; expected a percentage like 2.5% (a bare number is ambiguous: 0.05 could mean 5% or "
       "0.05%)"},
      {percent, "2.12345%", "`2.12345%` has 5 decimal places; the column keeps 4 (of the percentage)"},
      {percent, "five%", "`five%` is not a percentage; expected a percentage like 2.5%"},
      {column(ColumnKind::Bool), "maybe", "`maybe` is not a truth value; expected true or false (or yes/no, 1/0)"},
      {column(ColumnKind::Date), "07/01/2026",
       "`07/01/2026` is not a date in the form YYYY-MM-DD; write it like 2026-07-01 (day/month orders are "
       "ambiguous)"},
      {column(ColumnKind::Date), "2026-02-30", "`2026-02-30` is not a day of the calendar"},
      {column(ColumnKind::Date), "2026-7-1",
       "`2026-7-1` is not a date; expected a date written YYYY-MM-DD, like 2026-07-01 (two digits for the month "
       "and the day)"},
      {column(ColumnKind::Date), "2026-07-01T10:00:00",
       "`2026-07-01T10:00:00` has a time of day; expected a date alone, like 2026-07-01"},
      {column(ColumnKind::Enum), "Gold",
       "`Gold` is not one of the column's values; expected one of bronze, silver, gold, platinum; did you mean "
       "`gold`?"},
      {column(ColumnKind::Enum), "platnum",
       "`platnum` is not one of the column's values; expected one of bronze, silver, gold, platinum; did you "
       "mean `platinum`?"},
      {column(ColumnKind::Enum), "diamond",
       "`diamond` is not one of the column's values; expected one of bronze, silver, gold, platinum"},
      {column(ColumnKind::Int), "",
       "the cell is empty; expected a whole number like -12 (declare the column optional with `?` if it may be "
       "empty)"},
      {column(ColumnKind::Date), "   ",
       "the cell is empty; expected a date written YYYY-MM-DD, like 2026-07-01 (declare the column optional with "
       "`?` if it may be empty)"},
      {column(ColumnKind::Text), "",
       "the cell is empty; expected text (declare the column optional with `?` if it may be empty)"},
  };
  for (const auto& c : cases) {
    INFO(kind_name(c.spec.kind) << " `" << c.cell << "`");
    Parsed r = parse(c.spec, c.cell);
    REQUIRE(r.status == CellStatus::Error);
    CHECK(r.message == c.message);
  }
}

TEST_CASE("empty cells in optional columns are absent", "[ledger][cells]") {
  for (ColumnKind kind : {ColumnKind::Int, ColumnKind::Decimal, ColumnKind::Money, ColumnKind::Percent,
                          ColumnKind::Bool, ColumnKind::Text, ColumnKind::Date, ColumnKind::Enum}) {
    INFO(kind_name(kind));
    ColumnSpec spec = column(kind, kind == ColumnKind::Percent ? 4 : 2, true);
    CHECK(parse(spec, "").status == CellStatus::Absent);
  }
  // Spaces are a value for text (kept as written), nothing for the other kinds.
  CHECK(parse(column(ColumnKind::Text, 0, true), "  ").status == CellStatus::Value);
  CHECK(parse(column(ColumnKind::Money, 2, true), "  ").status == CellStatus::Absent);
}

TEST_CASE("text cells are interned as written, spaces included", "[ledger][cells]") {
  StringPool pool;
  CellParser parser(column(ColumnKind::Text));
  int64_t a = 0, b = 0;
  std::string message;
  REQUIRE(parser.parse("  Primary Storage ", pool, a, message) == CellStatus::Value);
  REQUIRE(parser.parse("Primary Storage", pool, b, message) == CellStatus::Value);
  CHECK(a != b);
  CHECK(pool.text(static_cast<uint32_t>(a)) == "  Primary Storage ");
}

TEST_CASE("UTF-8 sequences are validated", "[ledger][cells]") {
  auto len = [](std::string_view s) { return utf8_sequence_length(s.data(), s.data() + s.size()); };
  CHECK(len("a") == 1);
  CHECK(len("\xC3\xA9") == 2);           // é
  CHECK(len("\xE2\x82\xAC") == 3);       // €
  CHECK(len("\xF0\x9F\x98\x80") == 4);   // 😀
  CHECK(len("\xE9") == 0);               // Latin-1 é
  CHECK(len("\xC0\xAF") == 0);           // overlong
  CHECK(len("\xE0\x80\xAF") == 0);       // overlong
  CHECK(len("\xED\xA0\x80") == 0);       // surrogate
  CHECK(len("\xF4\x90\x80\x80") == 0);   // beyond U+10FFFF
  CHECK(len("\xE2\x82") == 0);           // truncated
  CHECK(quote_for_message("a\xE9\nb") == "`a\\xE9\\nb`");
}

// parse_plain is a shortcut taken before parse_general: whatever it accepts, parse_general must store
// the same value; and it must accept the usual cells, or it saves nothing.
TEST_CASE("the plain fast path stores exactly what the general parser stores", "[ledger][cells]") {
  std::vector<ColumnSpec> specs = {column(ColumnKind::Int),         column(ColumnKind::Decimal, 0),
                                   column(ColumnKind::Decimal, 2),  column(ColumnKind::Decimal, 18),
                                   column(ColumnKind::Money, 2),    column(ColumnKind::Money, 4),
                                   column(ColumnKind::Percent, 2),  column(ColumnKind::Percent, 6),
                                   column(ColumnKind::Percent, 18), column(ColumnKind::Bool),
                                   column(ColumnKind::Date),        column(ColumnKind::Enum),
                                   column(ColumnKind::Money, 2, true)};
  specs.push_back(column(ColumnKind::Decimal, 4));
  specs.back().excess_digits = ExcessDigits::HalfEven;

  std::vector<std::string> cells;
  // Every string of up to five characters over the characters that matter to a number.
  const std::string alphabet = "0159-.% ";
  std::vector<std::string> level = {""};
  for (int length = 0; length <= 5; ++length) {
    std::vector<std::string> next;
    for (const auto& s : level) {
      cells.push_back(s);
      for (char c : alphabet) next.push_back(s + c);
    }
    level = std::move(next);
  }
  // Long numbers around the 18 digits the shortcut takes and the 19 of an int64.
  for (int digits = 14; digits <= 21; ++digits) {
    for (const std::string& whole : {std::string(digits, '9'), "1" + std::string(digits - 1, '0'),
                                     std::string("922337203685477580").substr(0, digits)}) {
      for (const char* tail : {"", ".5", ".05", ".0", ".00001", "%", ".5%"}) {
        cells.push_back(whole + tail);
        cells.push_back("-" + whole + tail);
        cells.push_back("0." + whole + tail);
      }
    }
  }
  for (const char* s : {"true", "false", "TRUE", "False", "yes", "no", "1", "0", " true", "true ", "tru", "falsee"})
    cells.push_back(s);
  // Dates: real days across century and leap-year edges, and a valid date with each place changed.
  for (int year : {0, 1, 1899, 1900, 1969, 1970, 2000, 2024, 2025, 9999})
    for (unsigned month = 1; month <= 12; ++month)
      for (unsigned day = 1; day <= 31; ++day)
        cells.push_back(fmt::format("{:04}-{:02}-{:02}", year, month, day));
  for (size_t at = 0; at < 10; ++at)
    for (char c : std::string("0123456789-/ a\xFF")) {
      std::string s = "2024-02-29";
      s[at] = c;
      cells.push_back(s);
    }
  for (const char* s : {"2024-02-29 ", " 2024-02-29", "2024-2-29", "2024-02-290", "+024-02-29", "2024-02-29T00:00"})
    cells.push_back(s);

  StringPool pool;
  size_t mismatches = 0;
  for (const ColumnSpec& spec : specs) {
    CellParser parser(spec);
    // Twice over: the second time, many dates come from the cache of the dates met before.
    for (int pass = 0; pass < 2; ++pass) {
      for (const std::string& s : cells) {
        int64_t plain = -999;
        if (!parser.parse_plain(s, plain)) continue;
        int64_t general = -777;
        std::string message;
        const CellStatus status = parser.parse_general(s, pool, general, message);
        if (status != CellStatus::Value || general != plain) {
          if (++mismatches <= 20)
            FAIL_CHECK(kind_name(spec.kind) << " scale " << spec.scale << " `" << s << "`: plain " << plain
                                            << ", general " << general << " " << message);
        }
      }
    }
  }
  CHECK(mismatches == 0);

  // plain_decimal_padded reads eight bytes at a time past the cell: the same answer as plain_decimal
  // whatever follows the cell (a delimiter, digits, a point, a byte above ASCII), and for the bytes
  // either side of the digits inside it.
  for (const char* boundary : {"/", ":", "\x7F", "\x80", "\xB9", "\xBA", "\xFF"}) {
    for (const char* shape : {"1{}", "{}1", "12{}5", "1234567{}", "1.{}5", "1.5{}", "-{}1"})
      cells.push_back(fmt::format(fmt::runtime(shape), boundary));
  }
  size_t padded_mismatches = 0;
  for (int keep : {0, 1, 2, 4, 6, 11, 12, 17, 18}) {
    for (const std::string& s : cells) {
      for (const char* after : {",27,", "\r\n", "99999999", ".5.5.5.5", ":0", "/0", "\x7F" "0", "\x80" "0", "\xB9" "0", "\xBA" "0"}) {
        const std::string buffer = s + after + std::string(8, 'x');
        const std::string_view cell(buffer.data(), s.size());
        int64_t one = -999, wide = -999;
        const bool by_one = plain_decimal(cell, keep, one);
        const bool by_eight = plain_decimal_padded(cell, keep, wide);
        if (by_one != by_eight || (by_one && one != wide)) {
          if (++padded_mismatches <= 20) FAIL_CHECK("keep " << keep << " `" << s << "`: " << by_one << " " << one << ", padded " << by_eight << " " << wide);
        }
      }
    }
  }
  CHECK(padded_mismatches == 0);

  // The usual cells take the shortcut.
  struct Usual {
    ColumnSpec spec;
    const char* cell;
    int64_t value;
  };
  const Usual usual[] = {
      {column(ColumnKind::Int), "-12", -12},
      {column(ColumnKind::Int), "007", 7},
      {column(ColumnKind::Int), "999999999999999999", 999'999'999'999'999'999},
      {column(ColumnKind::Money, 2), "7726.86", 772686},
      {column(ColumnKind::Money, 2), "-0.5", -50},
      {column(ColumnKind::Money, 2), "11250", 1125000},
      {column(ColumnKind::Money, 4), "9999999999999.9999", 99'999'999'999'999'999},
      {column(ColumnKind::Decimal, 17), "0.00000000000000001", 1},
      {column(ColumnKind::Percent, 6), "2.5%", 25000},
      {column(ColumnKind::Percent, 6), "-1.25%", -12500},
      {column(ColumnKind::Bool), "true", 1},
      {column(ColumnKind::Bool), "false", 0},
      {column(ColumnKind::Date), "2026-07-01", days_from_civil({2026, 7, 1})},
      {column(ColumnKind::Date), "1969-12-31", -1},
  };
  for (const auto& u : usual) {
    INFO(kind_name(u.spec.kind) << " `" << u.cell << "`");
    int64_t out = -999;
    CHECK(CellParser(u.spec).parse_plain(u.cell, out));
    CHECK(out == u.value);
  }
}
