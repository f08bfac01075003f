// The text functions (docs/language.md §4) in SQL: the same answers as vm/text.cpp on UTF-8 texts.
// Prefixes and suffixes are compared as left()/right() of the text's length in characters (code points
// in both databases), not with LIKE, whose `%` and `_` in a prefix would be patterns. `upper` and
// `lower` are not the databases' own (case_map.cpp says why).
#include <fmt/format.h>

#include "sql/generator.h"

namespace rebate::sql {

std::string Generator::text_function(const Node& n, const Scope& scope) {
  auto arg = [&](size_t k) { return "(" + render(n.args[k], scope) + ")"; };
  switch (static_cast<plan::TextFunction>(n.a)) {
    case plan::TextFunction::StartsWith: return fmt::format("(left({0}, length({1})) = {1})", arg(0), arg(1));
    case plan::TextFunction::EndsWith: return fmt::format("(right({0}, length({1})) = {1})", arg(0), arg(1));
    // strpos of an empty part is 1 in both databases; the part is found anywhere, as the engines find it.
    case plan::TextFunction::Contains: return fmt::format("(strpos({}, {}) > 0)", arg(0), arg(1));
    case plan::TextFunction::Length: return fmt::format("CAST(length({}) AS {})", arg(0), d_.decimal(0));
    // Through the script's helpers rb_upper and rb_lower (case_map.cpp).
    case plan::TextFunction::Upper: return case_map(true, arg(0));
    case plan::TextFunction::Lower: return case_map(false, arg(0));
  }
  return "NULL";
}

}  // namespace rebate::sql
