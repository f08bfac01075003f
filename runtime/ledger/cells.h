// Typed parsing of one CSV cell (internal to the ledger reader; exposed for its unit tests).
//
// Each parser has a fast path that does not allocate; only a cell that fails builds a message, by
// looking at the cell again to say what was found, what was expected and how to fix it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

enum class CellStatus { Value, Absent, Error };

// A column's parser, precomputed from its spec.
class CellParser {
 public:
  explicit CellParser(const ColumnSpec& spec);
  // `raw` is the cell's text after CSV unquoting (not trimmed). On Error, `message` says what is wrong.
  CellStatus parse(std::string_view raw, StringPool& pool, int64_t& out, std::string& message) const;
  const ColumnSpec& spec() const { return spec_; }
  // "a number like 1049.35", ...: what a cell of this column looks like.
  std::string expected() const;

 private:
  CellStatus fail_number(std::string_view s, DecimalStatus status, int places, std::string& message) const;
  CellStatus parse_money(std::string_view s, int64_t& out, std::string& message) const;
  CellStatus parse_percent(std::string_view s, int64_t& out, std::string& message) const;
  std::string explain_date(std::string_view s) const;
  std::string explain_enum(std::string_view s) const;

  ColumnSpec spec_;
};

}  // namespace rebate::ledger::detail
