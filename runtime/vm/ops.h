// What the instructions that are more than a move or a jump do, written once for every engine: the
// interpreter's switch (vm.cpp) and the JIT's runtime helpers (runtime/jit/helpers.cpp) both call these,
// so the two engines cannot differ in arithmetic, rounding, comparisons or tier tables.
//
// Each works on values in place, as the stack holds them: the result replaces the first operand. Those
// that can fail return the runtime error's message, or nullptr.
#pragma once

#include "plan/plan.h"
#include "vm/executor.h"

namespace rebate::vm {

// Comparison of two values of one type (numbers by value, others by their integer); none is an error
// the caller handles first.
int compare(const Value& a, const Value& b);

// A tier table applied to a basis, and the band a metric reaches (-1: none).
int band_reached(const plan::Tiers& tiers, const Decimal& metric);
std::optional<Decimal> apply_tiers(const plan::Tiers& tiers, const Decimal& basis, int* band);

namespace ops {

inline constexpr const char* kOverflow = "arithmetic overflow: the result has more than 38 digits";
inline constexpr const char* kDivisionByZero = "division by zero";
inline constexpr const char* kNoCondition = "this condition has no value (it reads a value that is missing)";
inline constexpr const char* kNoResult = "function ended without a result";

// Add, Sub, Mul, Div (`none_on_zero`: a division by zero inside `otherwise` gives none).
inline const char* arithmetic(plan::Opcode op, bool none_on_zero, Value& x, const Value& y) {
  using plan::Opcode;
  if (x.none || y.none) {
    x = Value::missing();
    return nullptr;
  }
  std::optional<Decimal> r;
  if (op == Opcode::Div) {
    if (y.coef == 0) {
      if (none_on_zero) {
        x = Value::missing();
        return nullptr;
      }
      return kDivisionByZero;
    }
    r = Decimal::div(x.decimal(), y.decimal());
  } else if (op == Opcode::Mul) {
    r = Decimal::mul(x.decimal(), y.decimal());
  } else {
    r = op == Opcode::Add ? Decimal::add(x.decimal(), y.decimal()) : Decimal::sub(x.decimal(), y.decimal());
  }
  if (!r) return kOverflow;
  const int64_t unit = op == Opcode::Add || op == Opcode::Sub ? x.aux : 0;  // durations keep their unit
  x = Value::number(*r);
  x.aux = unit;
  return nullptr;
}

// Round to `places` with `mode` (255: the program's minor unit and rounding).
inline const char* round(const plan::Plan& plan, uint32_t places, uint32_t mode, Value& x) {
  if (x.none) return nullptr;
  const int p = places == 255 ? plan.minor_unit : static_cast<int>(places);
  const RoundingMode m = mode == 255 ? plan.rounding : static_cast<RoundingMode>(mode);
  std::optional<Decimal> r = x.decimal().rounded(p, m);
  if (!r) return kOverflow;
  x = Value::number(*r);
  return nullptr;
}

// Min or Max of [first, end): none when any is none.
inline Value min_max(bool is_min, const Value* first, const Value* end) {
  Value best = *first;
  for (const Value* k = first; k < end; ++k) {
    if (k->none) return *k;
    const int c = compare(*k, best);
    if ((is_min && c < 0) || (!is_min && c > 0)) best = *k;
  }
  return best;
}

// Convert: amount `x` in currency `currency` (a currency_index() number) into currency `to`, at the rate
// of day `at` (`mode` 0), of period `at`'s last day (1) or the average over period `at` (2), exact (the
// product is not rounded: docs/language.md §24). An error names the pair and the day; "" when it went well.
std::string convert(const plan::Plan& plan, const FxRates* fx, uint32_t to, uint32_t mode, Value& x, const Value& currency,
                    const Value& at);

// Months added to a date keep the day of the month where it exists and clamp to the month's end
// (2026-01-31 + 1 month = 2026-02-28).
DayNumber add_months(DayNumber day, int64_t months);

// AddDuration and SubDuration: date `d` plus or minus `n` units (`months`: months, else days).
inline void add_duration(bool subtract, bool months, Value& d, const Value& n) {
  if (n.none || d.none) {
    d = Value::missing();
    return;
  }
  const int64_t count = static_cast<int64_t>(n.coef) * (subtract ? -1 : 1);
  const DayNumber day = static_cast<DayNumber>(d.coef);
  d = Value::integer(months ? add_months(day, count) : day + count);
}

// Eq, Ne, Lt, Le, Gt, Ge.
inline void comparison(plan::Opcode op, Value& x, const Value& y) {
  using plan::Opcode;
  if (x.none || y.none) {
    x = Value::missing();
    return;
  }
  const int c = compare(x, y);
  const bool r = op == Opcode::Eq ? c == 0 : op == Opcode::Ne ? c != 0 : op == Opcode::Lt ? c < 0
                 : op == Opcode::Le ? c <= 0 : op == Opcode::Gt ? c > 0 : c >= 0;
  x = Value::boolean(r);
}

// InList: x equals one of [first, end).
inline void in_list(Value& x, const Value* first, const Value* end) {
  if (x.none) return;
  bool found = false;
  for (const Value* k = first; k < end; ++k) found = found || (!k->none && compare(x, *k) == 0);
  x = Value::boolean(found);
}

// InRange: lo <= x <= hi.
inline void in_range(Value& x, const Value& lo, const Value& hi) {
  if (x.none || lo.none || hi.none) {
    x = Value::missing();
    return;
  }
  x = Value::boolean(compare(lo, x) <= 0 && compare(x, hi) <= 0);
}

// InPeriod: the date (or, `is_period`, the period) x lies inside period p.
inline void in_period(bool is_period, Value& x, const Value& p) {
  if (x.none || p.none) {
    x = Value::missing();
    return;
  }
  const int64_t first = static_cast<int64_t>(x.coef);
  const int64_t last = is_period ? x.aux : first;
  x = Value::boolean(first >= static_cast<int64_t>(p.coef) && last <= p.aux);
}

// TierOf (`apply`) or TierBy with table `tiers`; the band reached is told to `observer` (may be null).
inline const char* tier(const plan::Plan& plan, bool apply, uint32_t tiers, Observer* observer, Value& x) {
  if (x.none) return nullptr;
  const plan::Tiers& t = plan.tiers[tiers];
  int band = -1;
  const Decimal metric = x.decimal();
  Value result;
  if (apply) {
    std::optional<Decimal> r = apply_tiers(t, metric, &band);
    if (!r) return kOverflow;
    result = Value::number(*r);
  } else {
    band = band_reached(t, metric);
    result = Value::number(band < 0 ? Decimal() : t.bands[static_cast<size_t>(band)].value);
  }
  if (observer) observer->band(tiers, band);
  x = result;
  return nullptr;
}

// PeriodStart or PeriodEnd of a period.
inline void period_bound(bool start, Value& p) {
  if (!p.none) p = Value::integer(start ? static_cast<int64_t>(p.coef) : p.aux);
}

// PeriodPart `part` (plan::PeriodPart) of a period, on the program's calendar (docs/language.md §4,
// "Functions"): read from the period's first day, so a fiscal period gives its fiscal quarter and month.
inline void period_part(const plan::Plan& plan, uint32_t part, Value& p) {
  if (p.none) return;
  const auto first = static_cast<DayNumber>(p.coef);
  int quarter = 0, month = 0;
  bool first_of_year = false;
  if (plan.fiscal_start) {
    // Fiscal years of 364 days from `fiscal_start`; quarters of 91 days; months of the weeks given.
    const int64_t in_year = ((static_cast<int64_t>(first) - *plan.fiscal_start) % 364 + 364) % 364;
    const int64_t in_quarter = in_year % 91;
    quarter = static_cast<int>(in_year / 91) + 1;
    const int64_t second = 7 * plan.fiscal_weeks[0], third = second + 7 * plan.fiscal_weeks[1];
    month = (quarter - 1) * 3 + (in_quarter < second ? 1 : in_quarter < third ? 2 : 3);
    first_of_year = in_year == 0;
  } else {
    const CivilDate d = civil_from_days(first);
    month = static_cast<int>(d.month);
    quarter = (month - 1) / 3 + 1;
    first_of_year = d.month == 1 && d.day == 1;
  }
  switch (static_cast<plan::PeriodPart>(part)) {
    case plan::PeriodPart::QuarterOfYear: p = Value::integer(quarter); break;
    case plan::PeriodPart::MonthOfYear: p = Value::integer(month); break;
    case plan::PeriodPart::IsFirstOfYear: p = Value::boolean(first_of_year); break;
  }
}

// TextTest: `starts_with`, `ends_with` or `contains` (`function`: plan::TextFunction) of text x and y;
// TextMap: `upper`, `lower` (a new text, interned in frame.texts()) or `length` (code points) of x.
// None gives none (vm/text.cpp; docs/language.md §4).
const char* text_test(const Frame& frame, uint32_t function, Value& x, const Value& y);
const char* text_map(Frame& frame, uint32_t function, Value& x);

// Not.
inline void logical_not(Value& x) {
  if (!x.none) x = Value::boolean(!x.truthy());
}

// The message of Fail: no row of decision table `decision` matched.
std::string no_decision_row(const plan::Plan& plan, uint32_t decision);

}  // namespace ops
}  // namespace rebate::vm
