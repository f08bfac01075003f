// The unit rules: which operators take which types, and what they give. The table is in
// docs/language.md ("Types and units"); keep the two in step.
#include <fmt/format.h>

#include "check/checker_impl.h"
#include "core/currency.h"

namespace rebate::check {

// `100_000` -> `100_000 USD`, for help lines, as the user wrote the number; a non-literal gets a placeholder.
std::string Checker::with_currency(const ast::Expr& number, const std::string& currency) const {
  if (number.kind == ast::ExprKind::Int || number.kind == ast::ExprKind::Decimal) {
    return fmt::format("{} {}", source_text(number.span), currency);
  }
  return fmt::format("100 {}", currency);
}

std::optional<Fix> Checker::currency_fix(const ast::Expr& number, const std::string& currency) const {
  if (number.kind != ast::ExprKind::Int && number.kind != ast::ExprKind::Decimal) return std::nullopt;
  std::string amount = with_currency(number, currency);
  return Fix{number.span, amount, fmt::format("write `{}`", amount)};
}

namespace {

bool is_money(const Type& t) { return t.kind == TypeKind::Money; }
bool is_percent(const Type& t) { return t.kind == TypeKind::Percent; }


std::optional<Decimal> fold(ast::Op op, const std::optional<Decimal>& a, const std::optional<Decimal>& b) {
  if (!a || !b) return std::nullopt;
  switch (op) {
    case ast::Op::Add: return Decimal::add(*a, *b);
    case ast::Op::Sub: return Decimal::sub(*a, *b);
    case ast::Op::Mul:
    case ast::Op::Of: return Decimal::mul(*a, *b);
    case ast::Op::Div: return b->is_zero() ? std::nullopt : Decimal::div(*a, *b);  // by zero: no value (W0005 says so)
    default: return std::nullopt;
  }
}

}  // namespace

bool Checker::comparable(const Type& a, const Type& b) const {
  if (a.is_error() || b.is_error()) return true;
  if (a.is_ratio() && b.is_ratio()) return true;
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case TypeKind::Money: return a.currency == b.currency && a.decl == b.decl;
    case TypeKind::Enum: return a.decl == b.decl;
    case TypeKind::Date: case TypeKind::Period: case TypeKind::Duration: case TypeKind::Text: case TypeKind::Bool:
    case TypeKind::Currency:
      return true;
    case TypeKind::Error: case TypeKind::Int: case TypeKind::Decimal: case TypeKind::Percent: case TypeKind::Row:
    case TypeKind::Source: case TypeKind::Group: case TypeKind::Tiers: case TypeKind::Decision: case TypeKind::List:
    case TypeKind::Range:
      return false;
  }
  return false;
}

std::optional<Type> Checker::unify(const Type& a, const Type& b) const {
  if (a.is_error()) return b;
  if (b.is_error()) return a;
  if (a == b) return a;
  if (a.is_number() && b.is_number()) return Type::of(TypeKind::Decimal);
  // A plain ratio and a percentage are both dimensionless: `growth / baseline otherwise 0%` is a Percent.
  if (a.is_ratio() && b.is_ratio()) return Type::of(TypeKind::Percent);
  return std::nullopt;
}

Value Checker::check_unary(const ast::Expr& e, const Scope& scope) {
  if (e.op == ast::Op::Not) {
    Value v = check_condition(e.arg(0), scope);
    if (v.constant_bool) v.constant_bool = !*v.constant_bool;
    return v;
  }
  Value v = check(e.arg(0), scope);
  const Type& t = v.type;
  if (t.is_error()) return v;
  if (!(t.is_number() || is_money(t) || is_percent(t) || t.kind == TypeKind::Duration)) {
    diags.report(DiagKind::InvalidOperands, e.span, fmt::format("cannot negate {}", to_string(t)));
    return Value{};
  }
  if (e.op == ast::Op::Neg && v.constant) v.constant = v.constant->negated();
  return v;
}

Value Checker::check_if(const ast::Expr& e, const Scope& scope, const Type* hint) {
  Value c = check_condition(e.arg(0), scope);
  Value a = check(e.arg(1), scope, hint);
  Value b = check(e.arg(2), scope, a.type.is_error() ? hint : &a.type);
  Value v;
  v.maybe_none = a.maybe_none || b.maybe_none;
  v.none_origin = a.maybe_none ? a.none_origin : b.none_origin;
  if (auto u = unify(a.type, b.type)) {
    v.type = *u;
  } else {
    bool money_number = (is_money(a.type) && b.type.is_number()) || (is_money(b.type) && a.type.is_number());
    auto& d = diags.report(money_number ? DiagKind::MoneyPlusNumber : DiagKind::TypeMismatch, e.arg(2).span,
                           fmt::format("both branches of `if` must have one type; `then` gives {} and `else` gives {}",
                                       to_string(a.type), to_string(b.type)));
    if (money_number) {
      const ast::Expr& number = is_money(a.type) ? e.arg(2) : e.arg(1);
      d.with_help(fmt::format("write `{}`", with_currency(number, is_money(a.type) ? a.type.currency : b.type.currency)))
          .with_fix(currency_fix(number, is_money(a.type) ? a.type.currency : b.type.currency));
    }
    v.type = Type::error();
  }
  if (c.constant_bool) {
    const Value& taken = *c.constant_bool ? a : b;
    v.constant = taken.constant;
    v.constant_bool = taken.constant_bool;
  }
  return v;
}

Value Checker::check_in(const ast::Expr& e, const Scope& scope) {
  Value lhs = check(e.arg(0), scope);
  Type element_hint = lhs.type;
  Type list_hint = Type::container(TypeKind::List, element_hint);
  Value rhs = check(e.arg(1), scope, &list_hint);
  Value v{Type::of(TypeKind::Bool)};
  v.maybe_none = lhs.maybe_none;
  v.none_origin = lhs.none_origin;
  if (lhs.type.is_error() || rhs.type.is_error()) return v;
  // `period in 2026-H2`, `invoice_date in 2026-Q3`: inside a longer period.
  if (rhs.type.kind == TypeKind::Period) {
    if (lhs.type.kind != TypeKind::Period && lhs.type.kind != TypeKind::Date) {
      diags.report(DiagKind::InvalidOperands, e.span, fmt::format("only a date or a period lies inside a period, not {}", to_string(lhs.type)));
    }
    return v;
  }
  if (rhs.type.kind != TypeKind::List && rhs.type.kind != TypeKind::Range) {
    diags.report(DiagKind::InvalidOperands, e.arg(1).span, fmt::format("`in` needs a list or a range, and this is {}", to_string(rhs.type)))
        .with_help("write `x in [a, b]` or `date in 2026-07-01 .. 2026-08-15`");
    return v;
  }
  const Type& element = *rhs.type.element;
  if (!element.is_error() && !comparable(lhs.type, element)) {
    bool money_number = (is_money(lhs.type) && element.is_number());
    auto& d = diags.report(money_number ? DiagKind::MoneyPlusNumber : DiagKind::IncomparableValues, e.span,
                           fmt::format("cannot look for {} among {} values", to_string(lhs.type), to_string(element)));
    if (money_number) d.with_help(fmt::format("write the amounts with their currency, as in `100 {}`", lhs.type.currency));
  } else if (lhs.type.kind == TypeKind::Text) {
    lint_text_in(e);
  }
  return v;
}

Value Checker::check_binary(const ast::Expr& e, const Scope& scope, const Type* hint) {
  using ast::Op;
  const ast::Expr& le = e.arg(0);
  const ast::Expr& re = e.arg(1);

  if (e.op == Op::And || e.op == Op::Or) {
    Value a = check_condition(le, scope);
    Value b = check_condition(re, scope);
    Value v{Type::of(TypeKind::Bool)};
    bool is_and = e.op == Op::And;
    if ((a.constant_bool && *a.constant_bool != is_and) || (b.constant_bool && *b.constant_bool != is_and)) {
      v.constant_bool = !is_and;  // false and x, true or x
    } else if (a.constant_bool && b.constant_bool) {
      v.constant_bool = is_and;
    }
    return v;
  }

  if (e.op == Op::Otherwise) {
    Value a = check(le, scope, hint);
    Value b = check(re, scope, a.type.is_error() ? hint : &a.type);
    Value v = a;
    v.maybe_none = b.maybe_none;
    v.none_origin = b.none_origin;
    v.constant = a.constant;
    if (a.type.is_error() || b.type.is_error()) return v;
    if (auto u = unify(a.type, b.type)) {
      v.type = *u;
    } else {
      bool money_number = is_money(a.type) && b.type.is_number();
      auto& d = diags.report(money_number ? DiagKind::MoneyPlusNumber : DiagKind::TypeMismatch, re.span,
                             fmt::format("the fallback must have the type of the value it replaces: {}, not {}",
                                         to_string(a.type), to_string(b.type)));
      if (money_number) d.with_help(fmt::format("write `{}`", with_currency(re, a.type.currency)))
          .with_fix(currency_fix(re, a.type.currency));
    }
    return v;
  }

  // Comparisons: hint each side with the other's type so that `tier >= silver` resolves `silver`.
  bool compare = e.op == Op::Eq || e.op == Op::Ne || e.op == Op::Lt || e.op == Op::Le || e.op == Op::Gt || e.op == Op::Ge;
  if (compare || e.op == Op::Range) {
    Value a = check(le, scope);
    Value b = check(re, scope, &a.type);
    Value v;
    v.maybe_none = a.maybe_none || b.maybe_none;
    v.none_origin = a.maybe_none ? a.none_origin : b.none_origin;
    if (a.type.is_error() || b.type.is_error()) {
      v.type = compare ? Type::of(TypeKind::Bool) : Type::error();
      return v;
    }
    if (line_money_misuse(e, a.type, b.type, "compare")) {
      v.type = compare ? Type::of(TypeKind::Bool) : Type::error();
      return v;
    }
    if (!comparable(a.type, b.type)) {
      bool money_number = (is_money(a.type) && b.type.is_number()) || (is_money(b.type) && a.type.is_number());
      bool currencies = is_money(a.type) && is_money(b.type);
      DiagKind kind = money_number ? DiagKind::MoneyPlusNumber : currencies ? DiagKind::CurrencyMismatch : DiagKind::IncomparableValues;
      auto& d = diags.report(kind, e.span, fmt::format("cannot compare {} with {}", to_string(a.type), to_string(b.type)));
      if (money_number) {
        const ast::Expr& number = is_money(a.type) ? re : le;
        d.with_help(fmt::format("write the amount with its currency: `{}`",
                                with_currency(number, is_money(a.type) ? a.type.currency : b.type.currency)))
                                    .with_fix(currency_fix(number, is_money(a.type) ? a.type.currency : b.type.currency));
      } else if (currencies) {
        d.with_help("a program pays in one currency; convert amounts before they reach the ledger");
      } else if ((a.type.kind == TypeKind::Currency && b.type.kind == TypeKind::Text) ||
                 (a.type.kind == TypeKind::Text && b.type.kind == TypeKind::Currency)) {
        const ast::Expr& code = a.type.kind == TypeKind::Text ? le : re;
        const ast::Expr& column = a.type.kind == TypeKind::Text ? re : le;
        d.with_help(code.kind == ast::ExprKind::String && is_currency_code(code.text)
                        ? fmt::format("a currency is compared with a code written bare: `{} {} {}`", source_text(column.span), ast::spelling(e.op), code.text)
                        : "a currency is compared with a code written bare, as in `currency == GBP`");
      } else if (a.type.kind == TypeKind::Percent || b.type.kind == TypeKind::Percent) {
        d.with_help("a percentage compares with percentages and plain numbers, as in `growth > 10%`");
      }
      v.type = compare ? Type::of(TypeKind::Bool) : Type::error();
      return v;
    }
    bool ordered = a.type.kind != TypeKind::Bool && a.type.kind != TypeKind::Text && a.type.kind != TypeKind::Currency;
    if ((!compare || (e.op != Op::Eq && e.op != Op::Ne)) && !ordered) {
      diags.report(DiagKind::IncomparableValues, e.span, fmt::format("{} values have no order", to_string(a.type)))
          .with_help(a.type.kind == TypeKind::Text ? "text can be compared with `==`, `!=` or `in [...]`" : "use `==` or `!=`");
    }
    if (!compare) {
      v.type = Type::container(TypeKind::Range, unify(a.type, b.type).value_or(a.type));
      return v;
    }
    v.type = Type::of(TypeKind::Bool);
    lint_text_comparison(e, a, b);
    if (a.constant && b.constant) {
      int c = Decimal::compare(*a.constant, *b.constant);
      switch (e.op) {
        case Op::Eq: v.constant_bool = c == 0; break;
        case Op::Ne: v.constant_bool = c != 0; break;
        case Op::Lt: v.constant_bool = c < 0; break;
        case Op::Le: v.constant_bool = c <= 0; break;
        case Op::Gt: v.constant_bool = c > 0; break;
        case Op::Ge: v.constant_bool = c >= 0; break;
        default: break;
      }
    }
    // An enum value can never be above its last member or below its first.
    if (a.type.kind == TypeKind::Enum && !a.constant) {
      const Symbol* member = out->ref_of(re);
      if (member && member->kind == SymbolKind::EnumMember) {
        size_t last = a.type.enum_decl()->members.size() - 1;
        if ((e.op == Op::Gt && member->index == last) || (e.op == Op::Lt && member->index == 0)) v.constant_bool = false;
      }
    }
    return v;
  }

  if (e.op == Op::By) {
    Value t = check(le, scope);
    Value m = check(re, scope);
    Value v;
    v.maybe_none = m.maybe_none;
    v.none_origin = m.none_origin;
    if (t.type.is_error() || m.type.is_error()) return v;
    if (t.type.kind != TypeKind::Tiers) {
      diags.report(DiagKind::InvalidOperands, le.span, fmt::format("`by` looks up a tier table, and this is {}", to_string(t.type)))
          .with_help("write `my_tiers by metric`");
      return v;
    }
    const ast::Tiers& tiers = *t.type.tiers_decl();
    if (tiers.mode == ast::TierMode::Incremental) {
      diags.report(DiagKind::IncrementalByMetric, e.span,
                   fmt::format("`{}` is incremental: each slice of the basis earns its own rate, so no single band can be picked by a metric", tiers.name.name))
          .note(tiers.mode_span, "declared incremental here")
          .with_help(fmt::format("apply it to the basis with `{} of basis`, or declare the table `retroactive`", tiers.name.name));
      return v;
    }
    const TierInfo& info = tier_info[&tiers];
    const Type& unit = info.unit;
    if (!unit.is_error() && !comparable(unit, m.type)) {
      diags.report(DiagKind::TierMetricMismatch, re.span,
                   fmt::format("the bands of `{}` are measured in {}, and this is {}", tiers.name.name, to_string(unit), to_string(m.type)))
          .note(tiers.name.span, "tier table declared here");
      return v;
    }
    v.type = info.pays;
    return v;
  }

  Value a = check(le, scope);
  Value b = check(re, scope);
  Value v;
  v.maybe_none = a.maybe_none || b.maybe_none;
  v.none_origin = a.maybe_none ? a.none_origin : b.none_origin;
  const Type& x = a.type;
  const Type& y = b.type;
  if (x.is_error() || y.is_error()) return v;

  auto money_plus_number = [&](const ast::Expr& number, const std::string& currency, const char* verb) {
    diags.report(DiagKind::MoneyPlusNumber, e.span, fmt::format("cannot {} money and a plain number", verb))
        .with_label(fmt::format("{} and {}", to_string(x), to_string(y)))
        .with_help(fmt::format("write the amount with its currency: `{}`", with_currency(number, currency)))
            .with_fix(currency_fix(number, currency));
  };
  auto invalid = [&](const std::string& help) {
    auto& d = diags.report(DiagKind::InvalidOperands, e.span,
                           fmt::format("`{}` does not take {} and {}", ast::spelling(e.op), to_string(x), to_string(y)));
    if (!help.empty()) d.with_help(help);
  };
  auto text_arith = [&] {
    diags.report(DiagKind::TextArithmetic, e.span, fmt::format("`{}` does not apply to text", ast::spelling(e.op)))
        .with_help("text can only be compared (`==`, `!=`, `in [...]`)");
  };
  if (x.kind == TypeKind::Text || y.kind == TypeKind::Text) {
    text_arith();
    return v;
  }
  if ((e.op == Op::Add || e.op == Op::Sub || e.op == Op::Div) &&
      line_money_misuse(e, x, y, e.op == Op::Add ? "add" : e.op == Op::Sub ? "subtract" : "divide")) {
    return v;
  }

  switch (e.op) {
    case Op::Add:
    case Op::Sub: {
      const char* verb = e.op == Op::Add ? "add" : "subtract";
      if (x.is_number() && y.is_number()) {
        v.type = x.kind == TypeKind::Int && y.kind == TypeKind::Int ? x : Type::of(TypeKind::Decimal);
      } else if (is_money(x) && is_money(y)) {
        if (x.currency != y.currency) {
          diags.report(DiagKind::CurrencyMismatch, e.span, fmt::format("cannot {} {} and {}", verb, to_string(x), to_string(y)))
              .with_help("a program pays in one currency; convert amounts before they reach the ledger");
          return v;
        }
        v.type = x;
      } else if (is_money(x) && y.is_number()) {
        money_plus_number(re, x.currency, verb);
        return v;
      } else if (x.is_number() && is_money(y)) {
        money_plus_number(le, y.currency, verb);
        return v;
      } else if (is_percent(x) && is_percent(y)) {
        v.type = x;
      } else if ((is_percent(x) && is_money(y)) || (is_money(x) && is_percent(y))) {
        const ast::Expr& pct = is_percent(x) ? le : re;
        const ast::Expr& money = is_percent(x) ? re : le;
        diags.report(DiagKind::PercentPlusValue, e.span, fmt::format("cannot {} a percentage and money", verb))
            .with_help(fmt::format("to {} a share of the amount, write `{} of {}`", verb,
                                   pct.kind == ast::ExprKind::Percent ? pct.text + "%" : "5%",
                                   money.kind == ast::ExprKind::Name ? money.text : "amount"));
        return v;
      } else if ((is_percent(x) && y.is_number()) || (x.is_number() && is_percent(y))) {
        diags.report(DiagKind::PercentPlusValue, e.span, fmt::format("cannot {} a percentage and a plain number", verb))
            .with_help("write both as percentages (`5% + 1%`) or both as plain numbers (`0.05 + 0.01`)");
        return v;
      } else if (x.kind == TypeKind::Date && y.kind == TypeKind::Duration) {
        v.type = x;
      } else if (e.op == Op::Add && x.kind == TypeKind::Duration && y.kind == TypeKind::Date) {
        v.type = y;
      } else if (x.kind == TypeKind::Date && y.kind == TypeKind::Date) {
        if (e.op == Op::Add) {
          diags.report(DiagKind::DatePlusDate, e.span, "cannot add two dates")
              .with_help("add a duration to a date (`start + 30 days`), or subtract dates to get the days between them");
          return v;
        }
        v.type = Type::of(TypeKind::Duration);
      } else if (x.kind == TypeKind::Duration && y.kind == TypeKind::Duration) {
        if (x != y) {
          diags.report(DiagKind::InvalidOperands, e.span, fmt::format("cannot {} {} and {}", verb, to_string(x), to_string(y)))
              .with_help("a month is not a fixed number of days: add each to the date in turn, as in `d + 1 months + 30 days`");
          return v;
        }
        v.type = x;
      } else {
        invalid(x.kind == TypeKind::Date && y.is_number() ? fmt::format("write a duration: `{} days`", re.text.empty() ? "30" : re.text) : "");
        return v;
      }
      v.constant = fold(e.op, a.constant, b.constant);
      return v;
    }
    case Op::Mul: {
      if (x.is_number() && y.is_number()) {
        v.type = x.kind == TypeKind::Int && y.kind == TypeKind::Int ? x : Type::of(TypeKind::Decimal);
      } else if (is_money(x) && is_money(y)) {
        diags.report(DiagKind::MoneyTimesMoney, e.span, "cannot multiply money by money")
            .with_help("multiply an amount by a number or a percentage, as in `amount * 2%`; divide two amounts for a ratio");
        return v;
      } else if (is_money(x) && y.is_ratio()) {
        v.type = x;
      } else if (x.is_ratio() && is_money(y)) {
        v.type = y;
      } else if (is_percent(x) && y.is_ratio()) {
        v.type = x;
      } else if (x.is_number() && is_percent(y)) {
        v.type = y;
      } else if (x.kind == TypeKind::Duration && y.kind == TypeKind::Int) {
        v.type = x;
      } else if (x.kind == TypeKind::Int && y.kind == TypeKind::Duration) {
        v.type = y;
      } else {
        invalid("");
        return v;
      }
      v.constant = fold(e.op, a.constant, b.constant);
      return v;
    }
    case Op::Div: {
      if (x.is_number() && y.is_number()) {
        v.type = Type::of(TypeKind::Decimal);
      } else if (is_money(x) && is_money(y)) {
        if (x.currency != y.currency) {
          diags.report(DiagKind::CurrencyMismatch, e.span, fmt::format("cannot divide {} by {}", to_string(x), to_string(y)));
          return v;
        }
        v.type = Type::of(TypeKind::Decimal);
      } else if (is_money(x) && y.is_ratio()) {
        v.type = x;
      } else if (is_percent(x) && y.is_number()) {
        v.type = x;
      } else if (is_percent(x) && is_percent(y)) {
        v.type = Type::of(TypeKind::Decimal);
      } else if (x.kind == TypeKind::Duration && y.kind == TypeKind::Duration) {
        // Days by days (weeks are 7 days) or months by months (a quarter is 3, a year 12): a month is not
        // a fixed number of days, so `30 days / 1 month` has no answer (it would have divided 30 by 1).
        if (x != y) {
          diags.report(DiagKind::InvalidOperands, e.span, fmt::format("cannot divide {} by {}", to_string(x), to_string(y)))
              .with_help("a month is not a fixed number of days: divide days by days (`90 days / 1 week`) or months by months (`1 year / 1 quarter`)");
          return v;
        }
        v.type = Type::of(TypeKind::Decimal);
      } else {
        invalid(x.is_ratio() && is_money(y) ? "a number divided by an amount has no unit the language knows" : "");
        return v;
      }
      v.constant = fold(e.op, a.constant, b.constant);  // `const half = 100_000 USD / 2` is a constant too
      return v;
    }
    case Op::Of: {
      if (x.kind == TypeKind::Tiers) {
        const ast::Tiers& tiers = *x.tiers_decl();
        const TierInfo& info = tier_info[&tiers];
        const Type& unit = info.unit;
        const Type& pays = info.pays;
        if (!unit.is_error() && !comparable(unit, y)) {
          diags.report(DiagKind::TierMetricMismatch, re.span,
                       fmt::format("the bands of `{}` are measured in {}, and this basis is {}", tiers.name.name, to_string(unit), to_string(y)))
              .note(tiers.name.span, "tier table declared here")
              .with_help(fmt::format("to pick the band by one metric and pay on another: `({} by metric) of basis`", tiers.name.name));
          return v;
        }
        if (!pays.is_error() && !is_percent(pays)) {
          diags.report(DiagKind::TypeMismatch, e.span,
                       fmt::format("`{}` pays fixed amounts ({}), which are not a share of a basis", tiers.name.name, to_string(pays)))
              .with_help(fmt::format("look the amount up with `{} by {}`", tiers.name.name, re.kind == ast::ExprKind::Name ? re.text : "metric"));
          return v;
        }
        v.type = y.kind == TypeKind::Int ? Type::of(TypeKind::Decimal) : y;
        return v;
      }
      if (!is_percent(x)) {
        invalid("`of` takes a percentage or a tier table on its left: `5% of revenue`, `volume of revenue`");
        return v;
      }
      if (is_money(y)) v.type = y;
      else if (y.is_number()) v.type = Type::of(TypeKind::Decimal);
      else if (is_percent(y)) v.type = y;
      else {
        invalid("");
        return v;
      }
      v.constant = fold(e.op, a.constant, b.constant);
      return v;
    }
    default:
      break;
  }
  invalid("");
  return v;
}

}  // namespace rebate::check
