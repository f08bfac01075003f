// The text functions (docs/language.md §4) in SQL: the same answers as vm/text.cpp on UTF-8 texts.
// Prefixes and suffixes are compared as left()/right() of the text's length in characters (code points
// in both databases), not with LIKE, whose `%` and `_` in a prefix would be patterns. `upper` and
// `lower` are refused (E0701): no database maps case as the engines do (Unicode's simple mapping, one
// character to one) whatever its settings: PostgreSQL follows the database's locale (ASCII only under C,
// `ß` to `SS` under an ICU collation), and DuckDB's upper() makes `STRASSE` of `straße`.
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
    case plan::TextFunction::Upper:
    case plan::TextFunction::Lower: {
      const bool up = static_cast<plan::TextFunction>(n.a) == plan::TextFunction::Upper;
      unsupported(fmt::format("`{}` (no database maps case one character to one, as the engines do)", up ? "upper" : "lower"), n.where);
      return "NULL";
    }
  }
  return "NULL";
}

}  // namespace rebate::sql
