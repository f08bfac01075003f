// The dialect table (dialect.h). Each helper is written once per database, in the script's prelude, so
// that the generated expressions stay short and the same for every dialect.
#include "sql/dialect.h"

#include <fmt/format.h>

namespace rebate::sql {

namespace {

// 10^k as an integer literal (beyond 10^18, a HUGEINT: DuckDB types a bare literal that large as a
// DOUBLE).
std::string pow10(int k) {
  std::string digits = "1" + std::string(static_cast<size_t>(k), '0');
  return k <= 18 ? digits : "CAST('" + digits + "' AS HUGEINT)";
}

// 10^-k as an exact decimal literal: 0.01 for k = 2.
std::string unit_fraction(int k) { return k == 0 ? "1" : "0." + std::string(static_cast<size_t>(k - 1), '0') + "1"; }

// ---- PostgreSQL: NUMERIC is exact and unbounded; helpers are session-local functions (pg_temp) ----

const char* kPostgresPrelude = R"(-- Helpers for this session only (pg_temp): they go away with the connection.
-- rb_fail: stops the query with the message (a runtime error of the program).
CREATE FUNCTION pg_temp.rb_fail(message text, witness anyelement) RETURNS anyelement
  LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%', message; END $$;
-- rb_bounded: x, or the query stopped where x has more than 38 digits (abs(x) >= bound, 10^(38 less its
-- places)), as the VM stops on such a sum; x is written once, and the message (the text up to the
-- partner, the partner, the cell's period or NULL, what follows) joined only when it is raised.
CREATE FUNCTION pg_temp.rb_bounded(x numeric, bound numeric, at text, partner text, period text, over text) RETURNS numeric
  LANGUAGE plpgsql AS $$ BEGIN
  IF abs(x) >= bound THEN RAISE EXCEPTION '%', at || partner || COALESCE(', period ' || period, '') || over; END IF;
  RETURN x; END $$;
-- rb_round_half_even: round(x, places) rounds halves away from zero; a half whose lower neighbour is
-- even goes down instead.
CREATE FUNCTION pg_temp.rb_round_half_even(x numeric, places int) RETURNS numeric
  LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN abs(x - trunc(x, places)) * 10::numeric ^ places = 0.5
               AND mod(trunc(x, places) * 10::numeric ^ places, 2) = 0
              THEN trunc(x, places) ELSE round(x, places) END $$;
-- rb_round_up: away from zero.
CREATE FUNCTION pg_temp.rb_round_up(x numeric, places int) RETURNS numeric
  LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN trunc(x, places) = x THEN x ELSE trunc(x, places) + sign(x) * 10::numeric ^ (-places) END $$;
-- rb_div: x / y rounded half-even to 18 places, from the exact integer quotient and remainder of
-- x * 10^18 by y (numeric's own division picks its scale from the operands).
CREATE FUNCTION pg_temp.rb_div(x numeric, y numeric) RETURNS numeric
  LANGUAGE sql IMMUTABLE AS $$
  SELECT (CASE WHEN 2 * abs(r) > abs(y) OR (2 * abs(r) = abs(y) AND mod(q, 2) <> 0)
               THEN q + sign(x) * sign(y) ELSE q END) * 1e-18
  FROM (SELECT div(x * 1e18, y) AS q, x * 1e18 - div(x * 1e18, y) * y AS r) AS t $$;
)";

std::string postgres_decimal(int) { return "NUMERIC"; }

std::string postgres_fail(const std::string& message, const std::string& type) {
  return fmt::format("pg_temp.rb_fail({}, NULL::{})", message, type);
}

std::string postgres_multiply(const Dialect& d, const std::string& x, int x_scale, const std::string& y, int y_scale) {
  const std::string product = fmt::format("{} * {}", x, y);
  return x_scale + y_scale > 18 ? d.round(d, product, 18, 0) : product;
}

std::string postgres_divide(const Dialect& d, const std::string& x, int, const std::string& y, int) {
  return fmt::format("{}rb_div({}, {})", d.helper_prefix, x, y);
}

std::string postgres_round(const Dialect& d, const std::string& x, int places, int mode) {
  switch (mode) {
    case 0: return fmt::format("{}rb_round_half_even({}, {})", d.helper_prefix, x, places);
    case 1: return fmt::format("round({}, {})", x, places);
    case 2: return fmt::format("trunc({}, {})", x, places);
    default: return fmt::format("{}rb_round_up({}, {})", d.helper_prefix, x, places);
  }
}

// ---- DuckDB: DECIMAL holds 38 digits and its `/` gives a DOUBLE, so division is done on the scaled
// integers (HUGEINT) instead; helpers are macros, expanded where they are called ----

const char* kDuckdbPrelude = R"(-- Helpers (temporary macros: they go away with the connection).
-- rb_round_half_even: round(x, places) rounds halves away from zero; a half whose lower neighbour is
-- even goes down instead. `unit` is 10^places and `half` is 0.5 / 10^places, as literals.
CREATE TEMP MACRO rb_round_half_even(x, places, unit, half) AS
  CASE WHEN abs(x - trunc(x, places)) = half AND CAST(trunc(x, places) * unit AS HUGEINT) % 2 = 0
       THEN trunc(x, places) ELSE round(x, places) END;
-- rb_round_up: away from zero; `step` is 10^-places.
CREATE TEMP MACRO rb_round_up(x, places, step) AS
  CASE WHEN trunc(x, places) = x THEN trunc(x, places) ELSE trunc(x, places) + sign(x) * step END;
-- rb_units: the scaled integer of a decimal x (x * unit, unit = 10^its scale) as a HUGEINT, its whole part
-- and its fraction apart, since x * unit need not fit x's DECIMAL (326.68 at 18 places is 3.2 * 10^20 units).
CREATE TEMP MACRO rb_units(x, unit) AS
  CAST(trunc(x) AS HUGEINT) * unit + CAST((x - trunc(x)) * unit AS HUGEINT);
-- rb_product: x * y rounded half-even to 18 places, for u and v the scaled integers of x and y (HUGEINTs,
-- rb_units) whose places add up to 18 + log10(k) (k = 10^(places less 18)): the product of two numbers
-- of 18 places has 36, which DECIMAL(38) holds only below 100, so it is added up from u and v split at k,
-- no part wider than 38 digits unless the product is (each part has the product's sign).
CREATE TEMP MACRO rb_product_units(u, v, k) AS
  u * (v // k) + (u // k) * (v % k) + ((u % k) * (v % k)) // k;
CREATE TEMP MACRO rb_product(u, v, k) AS
  CAST(rb_product_units(u, v, k) + CASE WHEN 2 * abs(((u % k) * (v % k)) % k) > k
                                          OR (2 * abs(((u % k) * (v % k)) % k) = k AND rb_product_units(u, v, k) % 2 <> 0)
                                        THEN sign(u) * sign(v) ELSE 0 END AS DECIMAL(38, 0)) * CAST(0.000000000000000001 AS DECIMAL(38, 18));
-- rb_div: n / y rounded half-even to an integer, for n = x * 10^(18 + scale of y - scale of x) and y
-- the divisor's scaled integer (HUGEINTs): the quotient's 18 decimals, exactly.
CREATE TEMP MACRO rb_div(n, y) AS
  CAST(CASE WHEN 2 * abs(n % y) > abs(y) OR (2 * abs(n % y) = abs(y) AND (n // y) % 2 <> 0)
            THEN n // y + sign(n) * sign(y) ELSE n // y END AS DECIMAL(38, 0)) * CAST(0.000000000000000001 AS DECIMAL(38, 18));
)";

std::string duckdb_decimal(int scale) { return fmt::format("DECIMAL(38, {})", scale); }

std::string duckdb_fail(const std::string& message, const std::string&) { return fmt::format("error({})", message); }

std::string duckdb_multiply(const Dialect& d, const std::string& x, int x_scale, const std::string& y, int y_scale) {
  if (x_scale + y_scale <= 18) return fmt::format("{} * {}", x, y);
  return fmt::format("{0}rb_product({0}rb_units({1}, {2}), {0}rb_units({3}, {4}), {5})", d.helper_prefix, x, pow10(x_scale), y, pow10(y_scale),
                     pow10(x_scale + y_scale - 18));
}

std::string duckdb_divide(const Dialect& d, const std::string& x, int x_scale, const std::string& y, int y_scale) {
  return fmt::format("{0}rb_div({0}rb_units({1}, {2}) * {3}, {0}rb_units({4}, {5}))", d.helper_prefix, x, pow10(x_scale), pow10(18 + y_scale - x_scale), y,
                     pow10(y_scale));
}

std::string duckdb_round(const Dialect& d, const std::string& x, int places, int mode) {
  switch (mode) {
    case 0: {
      const std::string half = places == 0 ? "0.5" : "0." + std::string(static_cast<size_t>(places), '0') + "5";
      return fmt::format("{}rb_round_half_even({}, {}, {}, {})", d.helper_prefix, x, places, pow10(places), half);
    }
    case 1: return fmt::format("round({}, {})", x, places);
    case 2: return fmt::format("trunc({}, {})", x, places);
    default: return fmt::format("{}rb_round_up({}, {}, {})", d.helper_prefix, x, places, unit_fraction(places));
  }
}

std::string day_number(const std::string& date) { return fmt::format("(CAST({} AS DATE) - DATE '1970-01-01')", date); }

std::string postgres_add_months(const std::string& date, const std::string& months) {
  return fmt::format("CAST({} + make_interval(months => {}) AS DATE)", date, months);
}
std::string duckdb_add_months(const std::string& date, const std::string& months) { return fmt::format("CAST({} + to_months({}) AS DATE)", date, months); }
std::string postgres_regex_match(const std::string& text, const std::string& pattern) { return fmt::format("({} ~ '{}')", text, pattern); }
std::string duckdb_regex_match(const std::string& text, const std::string& pattern) { return fmt::format("regexp_full_match({}, '{}')", text, pattern); }
std::string postgres_series(const std::string& first, const std::string& last) { return fmt::format("generate_series({}, {})", first, last); }
std::string duckdb_series(const std::string& first, const std::string& last) { return fmt::format("unnest(generate_series({}, {}))", first, last); }
std::string postgres_quotient(const std::string& x, const std::string& y) { return fmt::format("div({}, {})", x, y); }
std::string duckdb_quotient(const std::string& x, const std::string& y) { return fmt::format("(({}) // ({}))", x, y); }
std::string postgres_binary_order(const std::string& text) { return fmt::format("({}) COLLATE \"C\"", text); }
// DuckDB compares texts byte by byte unless a session sets `default_collation`.
std::string duckdb_binary_order(const std::string& text) { return text; }
// (translate() maps characters, not bytes, in a UTF8 database: the script needs one, as for length().)
std::string postgres_text_map(const std::string& name, const std::string& from, const std::string& to) {
  return fmt::format("CREATE FUNCTION pg_temp.{}(x text) RETURNS text AS $rb$ SELECT translate(x, {}, {}) $rb$ LANGUAGE sql IMMUTABLE;", name, from, to);
}
std::string duckdb_text_map(const std::string& name, const std::string& from, const std::string& to) {
  return fmt::format("CREATE TEMP MACRO {}(x) AS translate(x, {}, {});", name, from, to);
}

// Lambda parameters: list_transform([x], lambda rb_x: body)[1] evaluates x once, and a TRY in the body
// sees rb_x, not x's own functions (a volatile error() it refuses). Two values nest (y bound inside x's
// body), unless y holds a subquery, which DuckDB's binder refuses inside a lambda's body: then they are
// zipped into one list of structs, read as p[1] and p[2] (about twice the cost: 0.1 us a row against 0.05).
std::string duckdb_bind(const std::vector<std::string>& values, const std::function<std::string(const std::vector<std::string>&)>& body) {
  bool subquery = false;
  for (size_t k = 1; k < values.size(); ++k) subquery = subquery || values[k].find("SELECT ") != std::string::npos;
  if (subquery) {
    std::string lists;
    std::vector<std::string> names;
    for (size_t k = 0; k < values.size(); ++k) {
      lists += fmt::format("{}[{}]", k ? ", " : "", values[k]);
      names.push_back(fmt::format("rb_p[{}]", k + 1));
    }
    return fmt::format("list_transform(list_zip({}), lambda rb_p: {})[1]", lists, body(names));
  }
  std::vector<std::string> names;
  for (size_t k = 0; k < values.size(); ++k) names.push_back(k == 0 ? "rb_x" : k == 1 ? "rb_y" : fmt::format("rb_{}", k));
  std::string out = body(names);
  for (size_t k = values.size(); k-- > 0;) out = fmt::format("list_transform([{}], lambda {}: {})[1]", values[k], names[k], out);
  return out;
}

const Dialect kDialects[] = {
    {"postgres", postgres_decimal, "TEXT", false, true, "pg_temp.", kPostgresPrelude, postgres_fail, postgres_multiply, postgres_divide, day_number, postgres_round,
     postgres_add_months, postgres_regex_match, postgres_series, postgres_quotient, postgres_binary_order, postgres_text_map, nullptr},
    {"duckdb", duckdb_decimal, "VARCHAR", true, false, "", kDuckdbPrelude, duckdb_fail, duckdb_multiply, duckdb_divide, day_number, duckdb_round, duckdb_add_months, duckdb_regex_match, duckdb_series, duckdb_quotient,
     duckdb_binary_order, duckdb_text_map, duckdb_bind},
};

}  // namespace

const Dialect* dialect_named(std::string_view name) {
  for (const Dialect& d : kDialects) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::vector<std::string> dialect_names() {
  std::vector<std::string> out;
  for (const Dialect& d : kDialects) out.push_back(d.name);
  return out;
}

}  // namespace rebate::sql
