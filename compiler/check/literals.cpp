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

}  // namespace rebate::check
