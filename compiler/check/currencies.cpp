// Currencies (docs/language.md §24): the FX table's roles, ledger amounts whose currency is the line's
// (`amount: Money(currency)`), and `convert(amount, to: EUR, at: line_date | period_end | period_average)`,
// the one way an amount changes currency. An amount in its line's own currency stays inside its line:
// summing, comparing or mixing it with another currency is E0316, whose help writes the `convert`.
#include <fmt/format.h>

#include "check/checker_impl.h"
#include "core/currency.h"

namespace rebate::check {

namespace {

const std::vector<std::string> kConvertDates = {"line_date", "period_end", "period_average"};

}  // namespace

void Checker::check_fx_table(const ast::Source& s, const std::map<std::string, const ast::Column*>& roles) {
  struct Role {
    const char* name;
    TypeKind kind;
    const char* example;
  };
  static const Role kRequired[] = {{"base", TypeKind::Currency, "from_currency: Currency as base"},
                                   {"quote", TypeKind::Currency, "to_currency: Currency as quote"},
                                   {"date", TypeKind::Date, "day: Date as date"},
                                   {"rate", TypeKind::Decimal, "rate: Decimal as rate"}};
  for (const Role& role : kRequired) {
    auto it = roles.find(role.name);
    if (it == roles.end()) {
      diags.report(DiagKind::MissingRole, s.name.span, fmt::format("FX table `{}` has no `{}` column", s.name.name, role.name))
          .with_help(fmt::format("a row of an FX table says that from its date one `base` is worth `rate` `quote`: add `{}`", role.example));
      continue;
    }
    const ast::Column& c = *it->second;
    const Type t = decl_value.at(&c).type;
    if (!t.is_error() && t.kind != role.kind) {
      diags.report(DiagKind::InvalidRole, c.type.span,
                   fmt::format("the `{}` column of an FX table must be {}", role.name, role.kind == TypeKind::Currency ? "Currency"
                                                                                       : role.kind == TypeKind::Date ? "Date" : "Decimal"))
          .with_label(fmt::format("this column is {}", to_string(t)))
          .with_help(fmt::format("write `{}`", role.example));
    }
    if (c.type.optional) {
      diags.report(DiagKind::InvalidRole, c.type.span, fmt::format("the `{}` column cannot be optional", role.name))
          .with_help("every rate names its pair, its date and its value; remove the `?`");
    }
  }
}

// `amount: Money(currency)`, where `currency` is a column of the same source: the currency is the line's.
// nullopt when the column's type is not of that form (resolve_type then reads it, `Money(EUR)` and all).
std::optional<Type> Checker::line_currency(const ast::Source& s, const ast::Column& c) {
  if (c.type.name.name != "Money" || c.type.args.empty()) return std::nullopt;
  const ast::Ident& arg = c.type.args[0];
  if (arg.name.empty() || std::isdigit(static_cast<unsigned char>(arg.name[0])) || is_currency_code(arg.name)) return std::nullopt;
  const ast::Column* currency_column = nullptr;
  for (const ast::Column& other : s.columns) {
    if (other.name.name == arg.name) currency_column = &other;
  }
  if (!currency_column) return std::nullopt;  // `Money(eur)`: an unknown currency code (resolve_type says so)
  // The places, as for `Money(4)`.
  ast::TypeRef places = c.type;
  places.args.erase(places.args.begin());
  if (resolve_type(places).is_error()) return Type::error();
  if (currency_column->type.name.name != "Currency" || !currency_column->type.args.empty()) {
    diags.report(DiagKind::InvalidLineCurrency, arg.span, fmt::format("`{}` is not a Currency column", arg.name))
        .note(currency_column->type.span, "declared here")
        .with_help(fmt::format("declare the column of currency codes as `{}: Currency`", arg.name));
    return Type::error();
  }
  if (currency_column->type.optional) {
    diags.report(DiagKind::InvalidLineCurrency, currency_column->type.span, fmt::format("the currency column `{}` cannot be optional", arg.name))
        .with_help("every amount needs its currency; remove the `?`");
    return Type::error();
  }
  if (s.kind != ast::SourceKind::Ledger) {
    diags.report(DiagKind::InvalidLineCurrency, arg.span, "only a ledger's amounts can be in each line's own currency")
        .with_help("give the column one currency: `Money` (the program's) or `Money(EUR)`");
    return Type::error();
  }
  used.insert(currency_column);
  return Type::line_money(currency_column);
}

// `convert(amount, to: EUR, at: line_date)` with the amount as written and the program's currency, for
// help lines.
std::string Checker::convert_example(const ast::Expr& amount) const {
  return fmt::format("convert({}, to: {}, at: line_date)", source_text(amount.span), currency());
}

bool Checker::line_money_misuse(const ast::Expr& e, const Type& a, const Type& b, const char* what) {
  if (!(a.is_line_money() || b.is_line_money()) || a == b) return false;
  if (!(a.kind == TypeKind::Money && b.kind == TypeKind::Money)) return false;  // money and a number: the usual errors
  const ast::Expr& side = a.is_line_money() ? e.arg(0) : e.arg(1);
  const Type& line = a.is_line_money() ? a : b;
  const Type& other = a.is_line_money() ? b : a;
  auto& d = diags.report(DiagKind::PerLineCurrency, e.span,
                         fmt::format("cannot {} {} {} {}: `{}` is in each line's own currency (column `{}`)", what, to_string(a),
                                     std::string_view(what) == "compare" ? "with" : std::string_view(what) == "divide" ? "by" : "and",
                                     to_string(b), source_text(side.span), static_cast<const ast::Column*>(line.decl)->name.name));
  d.with_help(other.is_line_money() ? "two columns of line currencies may differ on a line; convert both to one currency"
                                    : fmt::format("convert it first: `{}`", fmt::format("convert({}, to: {}, at: line_date)",
                                                                                       source_text(side.span), other.currency)));
  return true;
}

Value Checker::check_convert(const ast::Expr& e, const Scope& scope) {
  auto label = [&](size_t i) { return i < e.labels.size() ? e.labels[i].name : std::string(); };
  const std::string usage = fmt::format("write `convert(amount, to: {}, at: line_date)` (or `at: period_end`, `at: period_average`)", currency());
  if (e.where) {
    diags.report(DiagKind::SyntaxError, e.where->span, "`where` belongs to aggregates, not to `convert`");
  }
  if (e.args.size() != 3 || !label(0).empty() || label(1) != "to" || label(2) != "at") {
    for (const auto& a : e.args) {
      if (a->kind != ast::ExprKind::Name) check(*a, scope);
    }
    diags.report(DiagKind::InvalidConvert, e.span, "`convert` takes an amount, then `to:` a currency and `at:` the day of the rate")
        .with_help(usage);
    return Value{};
  }
  Value amount = check(e.arg(0), scope);
  const ast::Expr& to = e.arg(1);
  const ast::Expr& at = e.arg(2);
  Value v;
  v.maybe_none = amount.maybe_none;
  v.none_origin = amount.none_origin;
  bool ok = true;
  if (!amount.type.is_error() && amount.type.kind != TypeKind::Money) {
    diags.report(DiagKind::InvalidConvert, e.arg(0).span, fmt::format("`convert` changes the currency of an amount of money, and this is {}", to_string(amount.type)))
        .with_help("convert an amount, as in `convert(amount, to: EUR, at: line_date)`");
    ok = false;
  }
  if (to.kind != ast::ExprKind::Name || !is_currency_code(to.text)) {
    diags.report(DiagKind::InvalidConvert, to.span, fmt::format("`{}` is not an ISO 4217 currency code", source_text(to.span)))
        .with_help(fmt::format("write a three-letter code such as `{}`", currency()));
    return Value{};
  }
  if (at.kind != ast::ExprKind::Name || std::find(kConvertDates.begin(), kConvertDates.end(), at.text) == kConvertDates.end()) {
    auto& d = diags.report(DiagKind::InvalidConvert, at.span, fmt::format("`{}` is not a day to take a rate on", source_text(at.span)));
    if (auto guess = at.kind == ast::ExprKind::Name ? closest(at.text, kConvertDates) : std::nullopt) d.with_help(fmt::format("did you mean `{}`?", *guess));
    else d.with_help("write `at: line_date` (each line's own date), `at: period_end` or `at: period_average`");
    ok = false;
  } else if (at.text == "line_date" && !(scope.kind == ScopeKind::Row && scope.row_source)) {
    diags.report(DiagKind::InvalidConvert, at.span, "`line_date` is the date of a ledger line, and there is none here")
        .with_help(scope.kind == ScopeKind::PartnerPeriod
                       ? fmt::format("convert each line inside the aggregate (`sales.sum({})`), or this total `at: period_end`",
                                     convert_example(e.arg(0)))
                       : "convert inside an aggregate over a ledger's lines");
    ok = false;
  } else if (at.text != "line_date" && scope.kind == ScopeKind::Constant) {
    diags.report(DiagKind::InvalidConvert, at.span, fmt::format("`{}` is a day of the period paid, and there is none here", at.text))
        .with_help("convert in a measure or a rebate, where there is a partner and a period");
    ok = false;
  }
  if (!out->fx_table) {
    diags.report(DiagKind::ConvertWithoutFx, e.name_span, "`convert` reads exchange rates, and the program declares no FX table")
        .with_help("declare one: `fx table rates { base: Currency as base  quote: Currency as quote  day: Date as date  rate: Decimal as rate }`");
  } else {
    used.insert(out->fx_table);
    if (current_user) uses.insert({current_user, out->fx_table});
  }
  if (ok && !amount.type.is_error() && !amount.type.is_line_money() && amount.type.currency == to.text) {
    diags.report(DiagKind::ConvertToSame, e.span, fmt::format("`{}` is already in {}: this `convert` does nothing", source_text(e.arg(0).span), to.text))
        .with_help(fmt::format("write `{}` alone", source_text(e.arg(0).span)));
  }
  if (!ok || amount.type.is_error()) return Value{};
  v.type = Type::money(to.text);
  return v;
}

}  // namespace rebate::check
