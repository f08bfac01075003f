// The exact values of number literals, worked out in one place for the checker, the decision-table
// analysis and the lowering, so that no literal is folded two ways.
#pragma once

#include <optional>

#include "ast/ast.h"
#include "core/calendar.h"
#include "core/decimal.h"

namespace rebate::check {

// An Int, Decimal or Quantity literal (`100_000 USD`) as written; a Percent as its ratio (`5%` is 0.05).
// nullopt when the value cannot be held exactly: more than 38 digits, or more than 18 places after the
// point (16 for a percentage, whose ratio has two more). The checker reports those (E0109); nothing
// may use them as 0.
std::optional<Decimal> literal_value(const ast::Expr& e);

// A calendar duration (`4 quarters`, `1 year`, `6 months`) as a number of periods of `grain`: nullopt when
// it is not a calendar duration, or not a whole number of those periods (`2 months` of quarters).
std::optional<int64_t> periods_in(const ast::Expr& duration, PeriodGrain grain);

// The most places after the point a Percent literal may have.
inline constexpr int kMaxPercentPlaces = Decimal::kMaxScale - 2;

}  // namespace rebate::check
