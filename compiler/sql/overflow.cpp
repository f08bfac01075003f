// Arithmetic that stops the query where the VM's stops, with the VM's words and the place, the function,
// the partner and the period (docs/sql.md, "Overflow never wraps"): a sum, difference, product or
// quotient beyond 38 digits (an accelerator's, an uplift's, a tier table's), and a sum of lines, of a
// group's rows or of a fund's balance beyond them.
//
// The two kinds of database differ. PostgreSQL's NUMERIC has no digit limit: each result is compared
// with 10^(38 less its places), a sum through the helper rb_bounded (dialect.cpp), which takes it once.
// DuckDB's DECIMAL(38) and HUGEINT raise their own error (`Out of Range Error: Overflow in
// multiplication of DECIMAL(38) ...`), which names nothing of the program, and its SUM does not check
// the 38 digits at all. TRY(x) turns the error into NULL, but TRY refuses a volatile function inside it,
// and our operands may hold error() (a division by zero's check, a decision table's miss), whose own
// error TRY would also take for an overflow; so the operands are bound first (Dialect::bind: lambda
// parameters), and TRY sees only the operation on them.
#include <fmt/format.h>

#include "sql/generator.h"
#include "vm/ops.h"

namespace rebate::sql {

namespace {

// The largest number of 38 digits with `scale` places (99...9.99): a value is within the VM's limit when
// its absolute value is at most this (DuckDB reads 1e32 as a DOUBLE, so the bound is written out).
Decimal largest(int scale) {
  Int128 nines = 0;
  for (int k = 0; k < 38; ++k) nines = nines * 10 + 9;
  return Decimal::from_scaled(nines, scale);
}

}  // namespace

std::string Generator::bound_once(const std::vector<std::string>& values, const Operation& body) const { return d_.bind(values, body); }

// (Operands without a value give none, as in the VM, before the TRY: TRY's NULL means an error.)
std::string Generator::caught(const Node& n, const std::vector<std::string>& values, const Operation& operation, const Scope& scope, const Operation& before,
                              const std::string& what) {
  const std::string overflow = fail(what.empty() ? vm::ops::kOverflow : what, n.where, scope, sql_type(n));
  return bound_once(values, [&](const std::vector<std::string>& p) {
    std::string cases;
    if (n.nullable) {
      std::string none;
      for (const std::string& name : p) none += (none.empty() ? "" : " OR ") + name + " IS NULL";
      cases += fmt::format(" WHEN {} THEN NULL", none);
    }
    if (before) cases += before(p);
    const std::string caught = fmt::format("COALESCE(TRY(CAST({} AS {})), {})", operation(p), sql_type(n), overflow);
    return cases.empty() ? caught : fmt::format("CASE{} ELSE {} END", cases, caught);
  });
}

std::string Generator::within_digits(const std::string& value, int scale, const std::string& what, uint32_t where, const Scope& scope) {
  const FailParts parts = fail_parts(quote_text(what), where, scope);
  if (d_.unbounded_numbers) {
    return fmt::format("{}rb_bounded({}, 1e{}, {}, {}, {}, {})", d_.helper_prefix, value, 38 - scale, parts.before, parts.partner,
                       parts.period.empty() ? "NULL" : parts.period, parts.over.empty() ? "''" : parts.over);
  }
  const std::string limit = number_literal(plan::Value::number(largest(scale)));
  const std::string stop = fail(what, where, scope, d_.decimal(scale));
  return bound_once({value}, [&](const std::vector<std::string>& p) { return fmt::format("CASE WHEN abs({0}) > {1} THEN {2} ELSE {0} END", p[0], limit, stop); });
}

std::string Generator::bounded(const Node& n, const char* sign, const Scope& scope) {
  const std::string x = "(" + render(n.args[0], scope) + ")", y = "(" + render(n.args[1], scope) + ")";
  if (n.type != SqlType::Number) return fmt::format("{} {} {}", x, sign, y);  // a day and a number of days
  return sum(n, sign, x, n.args[0]->scale, y, n.args[1]->scale, scope);
}

std::string Generator::sum(const Node& n, const char* sign, const std::string& x, int x_scale, const std::string& y, int y_scale, const Scope& scope,
                           const std::string& what) {
  // (Each operand at the result's places inside the check: widening one can overflow, as in the VM.)
  auto sum = [&](const std::string& a, const std::string& b) { return fmt::format("{} {} {}", at_scale(a, x_scale, n.scale), sign, at_scale(b, y_scale, n.scale)); };
  if (d_.unbounded_numbers) return within_digits(sum(x, y), n.scale, what.empty() ? vm::ops::kOverflow : what, n.where, scope);
  return caught(n, {x, y}, [&](const std::vector<std::string>& p) { return sum(p[0], p[1]); }, scope, nullptr, what);
}

std::string Generator::product(const Node& n, const std::string& x, int x_scale, const std::string& y, int y_scale, const Scope& scope,
                               const std::string& what) {
  if (d_.unbounded_numbers) {
    const std::string p = d_.multiply(d_, x, x_scale, y, y_scale);
    return fmt::format("CASE WHEN abs({0}) >= 1e{1} THEN {2} ELSE {0} END", p, 38 - n.scale, fail(what.empty() ? vm::ops::kOverflow : what, n.where, scope, sql_type(n)));
  }
  return caught(n, {x, y}, [&](const std::vector<std::string>& p) { return d_.multiply(d_, p[0], x_scale, p[1], y_scale); }, scope, nullptr, what);
}

std::string Generator::quotient(const Node& n, const std::string& x, const std::string& y, const Scope& scope) {
  const std::string on_zero = n.b == 1 ? "NULL" : fail(vm::ops::kDivisionByZero, n.where, scope, sql_type(n));
  const int x_scale = n.args[0]->scale, y_scale = n.args[1]->scale;
  if (d_.unbounded_numbers) {
    // The VM keeps a quotient's 38 digits, with fewer places above 10^20: one of more whole digits overflows.
    const std::string q = within_digits(d_.divide(d_, x, x_scale, y, y_scale), 0, vm::ops::kOverflow, n.where, scope);
    return fmt::format("CASE WHEN {} = 0 THEN {} ELSE {} END", y, on_zero, q);
  }
  // DuckDB divides the scaled integers (HUGEINT, dialect.cpp): one too large for them is its overflow.
  return caught(
      n, {x, y}, [&](const std::vector<std::string>& p) { return d_.divide(d_, p[0], x_scale, p[1], y_scale); }, scope,
      [&](const std::vector<std::string>& p) { return fmt::format(" WHEN {} = 0 THEN {}", p[1], on_zero); });
}

std::string Generator::tiers_applied(const Node& n, const std::string& x, const Scope& scope) {
  auto applied = [&](const std::string& basis) { return tiers(plan_.tiers[n.a], true, basis, n.args[0]->scale, n.scale); };
  if (!d_.unbounded_numbers) return caught(n, {x}, [&](const std::vector<std::string>& p) { return applied(p[0]); }, scope);
  const std::string checked = within_digits(applied(x), n.scale, vm::ops::kOverflow, n.where, scope);
  // A missing basis stays missing (the VM's tier of none is none).
  return n.nullable ? fmt::format("CASE WHEN ({}) IS NULL THEN NULL ELSE {} END", x, checked) : checked;
}

}  // namespace rebate::sql
