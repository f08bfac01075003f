// `upper` and `lower` in SQL (docs/language.md §4, docs/sql.md): the engines map each code point by
// Unicode's simple case mapping from ICU (vm/text.cpp), whatever the locale. No database's own upper()
// does that (PostgreSQL follows the database's locale, DuckDB maps `ß` to `SS`), but both have
// translate(), which maps each character of a text through two lists, one character to one. The lists
// are every code point the same ICU maps to another one, and what it maps it to: the script's helpers
// rb_upper and rb_lower are that translate(), so they give the engines' answer on every text.
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <fmt/format.h>

#include "sql/generator.h"

namespace rebate::sql {

namespace {

void append_utf8(std::string& out, UChar32 c) {
  uint8_t buffer[U8_MAX_LENGTH];
  int32_t k = 0;
  U8_APPEND_UNSAFE(buffer, k, c);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(k));
}

}  // namespace

std::string Generator::case_map(bool upper, const std::string& text) {
  case_maps_used_[upper ? 0 : 1] = true;
  return fmt::format("{}rb_{}({})", d_.helper_prefix, upper ? "upper" : "lower", text);
}

std::string Generator::case_map_helpers() const {
  std::string out;
  for (const bool upper : {true, false}) {
    if (!case_maps_used_[upper ? 0 : 1]) continue;
    std::string from, to;
    for (UChar32 c = 0; c <= 0x10FFFF; ++c) {
      if (U_IS_SURROGATE(c)) continue;  // no UTF-8 text holds one
      const UChar32 m = upper ? u_toupper(c) : u_tolower(c);
      if (m == c) continue;
      append_utf8(from, c);
      append_utf8(to, m);
    }
    out += fmt::format("-- rb_{0}: `{0}` as the engines compute it, Unicode's simple case mapping (ICU {1}), one character to one.\n{2}\n", upper ? "upper" : "lower",
                       U_UNICODE_VERSION, d_.define_text_map(fmt::format("rb_{}", upper ? "upper" : "lower"), quote_text(from), quote_text(to)));
  }
  return out;
}

}  // namespace rebate::sql
