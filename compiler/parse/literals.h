// Decoding the text of literal tokens.
#pragma once

#include <string>
#include <string_view>

#include "core/calendar.h"

namespace rebate {

// "100_000" -> "100000".
std::string strip_digit_separators(std::string_view text);
// "\"a\\\"b\"" -> "a\"b": removes the quotes and resolves \" \\ \n \t escapes (others stay as written).
std::string decode_string_literal(std::string_view text);

inline bool parse_date_literal(std::string_view text) { return parse_date(text).has_value(); }
inline bool parse_period_literal(std::string_view text) { return parse_period(text).has_value(); }

}  // namespace rebate
