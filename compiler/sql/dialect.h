// The SQL dialects: a small table of what differs between databases (types, turning a cell into a day
// number, the helper functions the generated script defines first, raising an error from inside an
// expression). Everything else the generator writes is standard SQL both databases run as it is. A new
// dialect (Spark SQL, Trino, BigQuery, Snowflake) is one more entry: see docs/sql.md.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rebate::sql {

struct Dialect {
  std::string name;  // "postgres"
  // The exact decimal type of a number with `scale` digits after the point.
  std::string (*decimal)(int scale);
  std::string text_type;
  // Decimals of one width: a CASE, comparison or sum of two scales must see one scale (DuckDB turns
  // DECIMAL(38, 4) meeting DECIMAL(38, 0) into a DOUBLE), so every such operand is cast to it.
  bool one_scale_per_operation = false;
  // Numbers without a digit limit (PostgreSQL's NUMERIC): the VM's 38-digit limit on a product is
  // checked where the VM checks it, so that what overflows there fails here too.
  bool unbounded_numbers = false;
  // Helpers are called with this prefix (PostgreSQL's session-local functions live in `pg_temp`).
  std::string helper_prefix;
  // The script's first statements: the helpers rb_fail, rb_round_half_even, rb_round_up, rb_div (see
  // dialect.cpp for what each computes).
  std::string prelude;
  // An expression that stops the query with the text expression `message`; `type` is the SQL type the
  // expression must have where it stands (PostgreSQL's functions need one, DuckDB's error() does not).
  std::string (*fail)(const std::string& message, const std::string& type);
  // x * y exactly, for x and y of the given scales, rounded half-even to 18 places where they add up to
  // more (the VM's product).
  std::string (*multiply)(const Dialect& d, const std::string& x, int x_scale, const std::string& y, int y_scale);
  // x / y exactly, rounded half-even to 18 places (the VM's division), for x and y of the given scales;
  // y is never zero here.
  std::string (*divide)(const Dialect& d, const std::string& x, int x_scale, const std::string& y, int y_scale);
  // The day number (days since 1970-01-01) of a DATE expression.
  std::string (*day_number)(const std::string& date);
  // x rounded to `places` digits with `mode` (0 half-even, 1 half away from zero, 2 down, 3 up: the
  // order of RoundingMode), exactly, whatever the database's own round does with halves.
  std::string (*round)(const Dialect& d, const std::string& x, int places, int mode);
  // A DATE expression plus a whole number of months (an INTEGER expression, maybe negative), the day
  // clamped to the month's end where the month is shorter.
  std::string (*add_months)(const std::string& date, const std::string& months);
  // Whether a text expression matches a regular expression (anchored with ^ and $).
  std::string (*regex_match)(const std::string& text, const std::string& pattern);
  // A select-list expression giving one row per integer from `first` to `last`.
  std::string (*series)(const std::string& first, const std::string& last);
  // The integer quotient of two integer expressions, rounded toward zero.
  std::string (*integer_quotient)(const std::string& x, const std::string& y);
  // A text expression as it sorts byte by byte (as the engine sorts partner ids), whatever the
  // database's collation.
  std::string (*binary_order)(const std::string& text);
  // The definition of a helper `name`(x) that maps each character of the text x found in the text
  // literal `from` to the one at its place in `to` (translate()), for the script's prelude.
  std::string (*define_text_map)(const std::string& name, const std::string& from, const std::string& to);
  // `body(names)` with each of `values` evaluated once and read by its name inside it, where decimals
  // raise their own overflow error and a check must see its operands by name (overflow.cpp); nullptr
  // where numbers have no digit limit (unbounded_numbers).
  std::string (*bind)(const std::vector<std::string>& values, const std::function<std::string(const std::vector<std::string>&)>& body);
};

// The dialects by name; nullptr for an unknown one.
const Dialect* dialect_named(std::string_view name);
std::vector<std::string> dialect_names();

}  // namespace rebate::sql
