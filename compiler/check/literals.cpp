#include "check/literals.h"

namespace rebate::check {

std::optional<Decimal> literal_value(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Int:
    case ast::ExprKind::Decimal:
    case ast::ExprKind::Quantity:
      return Decimal::parse(e.text);
    case ast::ExprKind::Percent: {
      std::optional<Decimal> d = Decimal::parse(e.text);
      if (!d || d->scale() > kMaxPercentPlaces) return std::nullopt;
      // Two more places, the same digits: exact (mul rounds only past 18 places).
      return Decimal::from_scaled(d->coefficient(), d->scale() + 2);
    }
    default:
      return std::nullopt;
  }
}

std::optional<int64_t> periods_in(const ast::Expr& duration, PeriodGrain grain) {
  if (duration.kind != ast::ExprKind::Quantity || duration.text.find('.') != std::string::npos) return std::nullopt;
  const std::string& unit = duration.unit;
  const int64_t per_unit = unit.rfind("month", 0) == 0 ? 1 : unit.rfind("quarter", 0) == 0 ? 3 : unit.rfind("year", 0) == 0 ? 12 : 0;
  const std::optional<Decimal> count = Decimal::parse(duration.text);
  if (!per_unit || !count || Decimal::compare(*count, Decimal::from_int(1'000'000)) > 0) return std::nullopt;
  const int64_t months = static_cast<int64_t>(count->coefficient()) * per_unit;
  const int64_t per_period = grain == PeriodGrain::Month ? 1 : grain == PeriodGrain::Quarter ? 3 : grain == PeriodGrain::Half ? 6 : 12;
  if (months % per_period != 0) return std::nullopt;
  return months / per_period;
}

}  // namespace rebate::check
