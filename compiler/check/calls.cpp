// Typing calls: a ledger's or a group's aggregates (`sales.sum(amount where ...)`) and the functions
// (`min`, `max`, `abs`, `round`, the look-backs `previous`, `last_year`, `year_to_date`). Each
// expression's type is recorded in TypedProgram::types under its id, as in expressions.cpp.
#include <fmt/format.h>

#include "check/checker_impl.h"
#include "check/value_functions.h"

namespace rebate::check {

namespace {

const std::vector<std::string> kAggregates = {"sum", "count", "count_distinct", "min", "max", "avg"};
const std::vector<std::string> kFunctions = {"min", "max", "abs", "round", "previous", "last_year", "year_to_date", "convert",
                                             "starts_with", "ends_with", "contains", "upper", "lower", "length"};

// "a", "a and b", "a, b and c".
std::string listed(const std::vector<std::string>& items) {
  std::string out;
  for (size_t k = 0; k < items.size(); ++k) out += (k == 0 ? "" : k + 1 == items.size() ? " and " : ", ") + items[k];
  return out;
}

// The help of an aggregate given the wrong number of values: an example with a column the ledger has.
std::string wrong_count_help(const std::string& ledger, const std::string& method, const std::string& column) {
  std::string help = column.empty() ? fmt::format("`{}.{}(...)` takes one column of `{}`, and an optional `where`", ledger, method, ledger)
                                    : fmt::format("`{}.{}({} where condition)`", ledger, method, column);
  if (method == "count_distinct") help += "; to count distinct combinations of columns, put them in parentheses: `count_distinct((a, b))`";
  return help;
}

bool has_role(const ast::Column& c, std::string_view role) {
  for (const ast::Ident& r : c.roles) {
    if (r.name == role) return true;
  }
  return false;
}

// Whether the aggregate `method` takes values of type `t` (as check_method types them).
bool aggregate_takes(const std::string& method, const Type& t) {
  const bool summable = t.is_number() || t.kind == TypeKind::Money || t.kind == TypeKind::Duration;
  if (method == "count_distinct") return t.kind == TypeKind::Text || t.kind == TypeKind::Enum || t.kind == TypeKind::Int;
  if (method == "sum") return summable;
  if (method == "avg") return summable || t.kind == TypeKind::Percent;
  return summable || t.kind == TypeKind::Percent || t.kind == TypeKind::Date || t.kind == TypeKind::Enum;  // min, max
}

}  // namespace

std::string Checker::example_argument(const ast::Source* ledger, const ast::Group* group, const std::string& method) const {
  auto value_of = [&](const void* decl) {
    auto it = decl_value.find(decl);
    return it == decl_value.end() ? Type::error() : it->second.type;
  };
  if (ledger) {
    // Money first for the sums (what a rebate adds up), then any column that fits; never the partner or
    // the date column, which every line of a partner and period shares.
    for (bool money_only : {true, false}) {
      for (const ast::Column& c : ledger->columns) {
        if (has_role(c, "partner") || has_role(c, "date")) continue;
        const Type t = value_of(&c);
        if ((!money_only || t.kind == TypeKind::Money || method == "count_distinct") && aggregate_takes(method, t)) return c.name.name;
      }
    }
  }
  if (group) {
    for (const ast::GroupField& f : group->fields) {
      if (aggregate_takes(method, value_of(&f))) return f.name.name;
    }
    if (method == "count_distinct" && !group->keys.empty()) return group->keys.front().name;
  }
  return "";
}

Value Checker::check_method(const ast::Expr& e, const Scope& scope) {
  const ast::Expr& receiver = e.arg(0);
  const std::string& method = e.text;
  for (const ast::Ident& label : e.labels) {
    if (label.name.empty()) continue;
    diags.report(DiagKind::SyntaxError, label.span, fmt::format("`.{}(...)` takes no named arguments", method))
        .with_help(fmt::format("write the value alone, without `{}:`", label.name));
    break;
  }
  const ast::Source* ledger = nullptr;
  const ast::Group* group = nullptr;
  auto it = receiver.kind == ast::ExprKind::Name ? out->globals.find(receiver.text) : out->globals.end();
  if (it != out->globals.end() && it->second.kind == SymbolKind::Ledger) {
    ledger = static_cast<const ast::Source*>(it->second.decl);
  } else if (it != out->globals.end() && it->second.kind == SymbolKind::Group) {
    group = static_cast<const ast::Group*>(it->second.decl);
  }
  if (!ledger && !group) {
    Value rv = check(receiver, scope);
    if (!rv.type.is_error() && rv.type.is_value() && !contains(kAggregates, method)) {
      // `sku.starts_with("LIC-")`: a method on a value. Only ledgers and groups have methods (their
      // aggregates); say so, and name the functions that do take such a value (value_functions.h).
      for (size_t i = 1; i < e.args.size(); ++i) check(*e.args[i], scope);
      const std::string type = to_string(rv.type);
      auto& d = diags.report(DiagKind::UnknownFunction, e.name_span,
                             fmt::format("{} values have no method `{}`: only ledgers and groups have methods, their aggregates", type, method));
      const std::vector<std::string> functions = functions_taking(rv.type);
      if (functions.empty()) {
        d.with_help(rv.type.kind == TypeKind::Text
                        ? "no function takes Text values yet: compare a text whole, with `==`, `!=` or `in [...]` (to test a prefix, "
                          "list the values or export the part as a column of its own)"
                        : fmt::format("no function takes {} values; compare them with `==` and `!=`", type));
      } else {
        std::string call;
        for (const ValueFunction& f : value_functions()) {
          if (f.name != method || !f.takes(rv.type)) continue;
          std::string args = source_text(receiver.span);
          for (size_t i = 1; i < e.args.size(); ++i) args += ", " + source_text(e.args[i]->span);
          call = fmt::format("; write `{}({})`", method, args);
        }
        d.with_help(fmt::format("the functions that take {} values are {}{}", type, listed(functions), call));
      }
      return Value{};
    }
    if (!rv.type.is_error()) {
      auto& d = diags.report(DiagKind::AggregateOutsideLedger, receiver.span,
                             fmt::format("`.{}(...)` aggregates the lines of a ledger or group, and this is {}", method,
                                         to_string(rv.type)));
      if (rv.type.kind == TypeKind::Source && rv.type.source_decl() && rv.type.source_decl()->kind == ast::SourceKind::Payments) {
        d.with_help("what was paid enters a payout only through the rebate's `settle` clause (docs/language.md §22)");
      } else if (rv.type.kind == TypeKind::Source && rv.type.source_decl() && rv.type.source_decl()->kind == ast::SourceKind::Claims) {
        d.with_help("claims enter a payout only through a fund's `pay claims from` clause (docs/language.md §27)");
      } else if (rv.type.kind == TypeKind::Source) {
        d.with_help("a table's rows do not belong to a partner and period; look them up from a ledger instead");
      }
    }
    return Value{};  // the arguments are not checked: without a ledger their names mean nothing
  }
  out->refs[receiver.id] = it->second;
  record(receiver, Value{group ? Type::with_decl(TypeKind::Group, group) : Type::with_decl(TypeKind::Source, ledger)});
  used.insert(it->second.decl);
  if (current_user) uses.insert({current_user, it->second.decl});
  if (scope.kind != ScopeKind::PartnerPeriod) {
    diags.report(DiagKind::AggregateOutsideLedger, e.span,
                 scope.kind == ScopeKind::Row ? "an aggregate cannot be nested inside another aggregate"
                                              : "an aggregate has no value here")
        .with_help(scope.kind == ScopeKind::Row ? "define the inner aggregate as a measure, or use a `group`"
                                                : "aggregates are per partner and period: define a measure");
    return Value{};
  }
  if (group && scope.in_group == group) {
    diags.report(DiagKind::AggregateOutsideLedger, receiver.span, fmt::format("group `{}` cannot aggregate itself", group->name.name))
        .with_help(fmt::format("inside the group, aggregate its ledger `{}`", group->ledger.name));
    return Value{};
  }
  if (!contains(kAggregates, method)) {
    auto& d = diags.report(DiagKind::UnknownFunction, e.name_span, fmt::format("unknown aggregate `{}`", method));
    if (auto guess = closest(method, kAggregates)) d.with_help(fmt::format("did you mean `{}`?", *guess));
    else d.with_help("the aggregates are `sum`, `count`, `count_distinct`, `min`, `max` and `avg`");
    return Value{};
  }
  Scope row{ScopeKind::Row};
  row.row_source = ledger;
  row.row_group = group;
  row.measure = scope.measure;
  size_t argc = e.args.size() - 1;
  size_t expected = method == "count" ? 0 : 1;
  if (argc != expected) {
    diags.report(DiagKind::ArgumentCount, e.span,
                 method == "count" ? "`count` takes no value, only an optional `where`"
                                   : fmt::format("`{}` takes one value", method))
        .with_help(method == "count" ? fmt::format("`{}.count(where {})`", receiver.text, argc ? "..." : "condition")
                                     : wrong_count_help(receiver.text, method, example_argument(ledger, group, method)));
  }
  if (e.where) check_condition(*e.where, row);
  if (argc == 0) return Value{method == "count" ? Type::of(TypeKind::Int) : Type::error()};
  if (method == "count_distinct" && argc == 1 && e.args[1]->kind == ast::ExprKind::Tuple)
    return check_distinct_tuple(e, *e.args[1], ledger, group, scope, row);
  Value arg = check_value(*e.args[1], row);
  for (size_t i = 2; i < e.args.size(); ++i) check(*e.args[i], row);
  if (method == "count") return Value{Type::of(TypeKind::Int)};
  if (arg.type.is_error()) return Value{};
  const Type& t = arg.type;
  if (t.is_line_money() && method != "count_distinct") {
    // Amounts in different currencies do not add up, nor compare: each line is converted first.
    diags.report(DiagKind::PerLineCurrency, e.args[1]->span,
                 fmt::format("cannot {} `{}`: each line's amount is in that line's own currency (column `{}`)",
                             method == "sum" ? "sum" : method == "avg" ? "average" : fmt::format("take the {} of", method),
                             source_text(e.args[1]->span), static_cast<const ast::Column*>(t.decl)->name.name))
        .with_help(fmt::format("convert each line first: `{}.{}({})`", receiver.text, method, convert_example(*e.args[1])));
    return Value{};
  }
  if (method == "count_distinct") {
    if (!t.is_value()) {
      diags.report(DiagKind::InvalidOperands, e.args[1]->span, fmt::format("cannot count distinct {} values", to_string(t)));
    }
    return Value{Type::of(TypeKind::Int)};
  }
  bool summable = t.is_number() || t.kind == TypeKind::Money || t.kind == TypeKind::Duration;
  bool ordered = summable || t.kind == TypeKind::Percent || t.kind == TypeKind::Date || t.kind == TypeKind::Period ||
                 t.kind == TypeKind::Enum;
  if (method == "sum") {
    if (!summable) {
      auto& d = diags.report(DiagKind::InvalidOperands, e.args[1]->span, fmt::format("cannot sum {} values", to_string(t)));
      if (t.kind == TypeKind::Bool) d.with_help(fmt::format("to count the lines where it holds: `{}.count(where ...)`", receiver.text));
      if (t.kind == TypeKind::Percent) d.with_help("percentages do not add up; sum the amounts and divide");
      return Value{};
    }
    return Value{t};
  }
  if (method == "avg" && !(summable || t.kind == TypeKind::Percent)) {
    diags.report(DiagKind::InvalidOperands, e.args[1]->span, fmt::format("cannot average {} values", to_string(t)));
    return Value{};
  }
  if ((method == "min" || method == "max") && !ordered) {
    diags.report(DiagKind::InvalidOperands, e.args[1]->span, fmt::format("{} values have no order", to_string(t)));
    return Value{};
  }
  Value v{method == "avg" && t.kind == TypeKind::Int ? Type::of(TypeKind::Decimal) : t};
  v.maybe_none = true;
  v.none_origin = e.span;
  return v;
}

Value Checker::check_call(const ast::Expr& e, const Scope& scope) {
  const std::string& f = e.text;
  auto argc_is = [&](size_t lo, size_t hi, const char* shape) {
    if (e.args.size() >= lo && e.args.size() <= hi) return true;
    diags.report(DiagKind::ArgumentCount, e.span, fmt::format("`{}` takes {}", f, shape));
    for (const auto& a : e.args) check(*a, scope);
    return false;
  };
  if (f == "convert") return check_convert(e, scope);
  if (e.where) {
    diags.report(DiagKind::SyntaxError, e.where->span, fmt::format("`where` belongs to aggregates, not to `{}`", f));
  }
  for (const ast::Ident& label : e.labels) {
    if (label.name.empty()) continue;
    diags.report(DiagKind::SyntaxError, label.span, fmt::format("`{}` takes no named arguments", f))
        .with_help(fmt::format("write the value alone, without `{}:`", label.name));
    break;
  }
  if (is_text_function(f)) return check_text_function(e, scope);
  if (f == "previous" || f == "last_year" || f == "year_to_date") {
    if (!argc_is(1, 1, "one measure")) return Value{};
    const ast::Expr& a = e.arg(0);
    auto it = a.kind == ast::ExprKind::Name ? out->globals.find(a.text) : out->globals.end();
    if (it == out->globals.end() || it->second.kind != SymbolKind::Measure) {
      check(a, scope);
      diags.report(DiagKind::InvalidTimeShift, a.span, fmt::format("`{}` looks back at a measure, and this is not one", f))
          .with_help(fmt::format("define a measure and name it: `{}(revenue)`", f));
      return Value{};
    }
    if (scope.kind != ScopeKind::PartnerPeriod) {
      diags.report(DiagKind::NotAValue, e.span, fmt::format("`{}(...)` has no value here", f))
          .with_help("time shifts are per partner and period; use them in measures and rebates");
      return Value{};
    }
    out->refs[a.id] = it->second;
    used.insert(it->second.decl);
    if (current_user) uses.insert({current_user, it->second.decl});
    const auto* m = static_cast<const ast::Measure*>(it->second.decl);
    // A look-back reads another period's value, so it is no cycle when a measure looks at its own past.
    Value v = decl_state[m] == State::InProgress ? Value{decl_value.count(m) ? decl_value[m].type : Type::error()}
                                                 : measure_value(*m, a);
    if (decl_state[m] == State::InProgress && v.type.is_error()) {
      diags.report(DiagKind::MeasureCycle, a.span, fmt::format("`{}` looks back at `{}` while defining it", f, a.text))
          .with_help("give the measure a declared type, as in `measure revenue: Money = ...`, or look back at another measure");
    }
    record(a, v);
    if (f == "year_to_date" && !(v.type.is_number() || v.type.kind == TypeKind::Money || v.type.is_error())) {
      diags.report(DiagKind::InvalidTimeShift, a.span, fmt::format("`year_to_date` adds up periods, and {} values do not add up", to_string(v.type)));
    }
    std::set<const ast::Measure*> seen;
    const ast::Expr* ytd = f == "previous" && m->value && decl_state[m] != State::InProgress ? year_to_date_inside(*m->value, seen) : nullptr;
    if (ytd) {
      // In the first period of a year, the period before is the last of the year before: `previous` of a
      // year to date is then the whole of last year, not zero. A true-up `ytd - previous(ytd)` pays a
      // year's worth back in every January (docs/language.md §9).
      const ast::Expr& inner = ytd->arg(0);
      auto& d = diags.report(DiagKind::PreviousYearToDate, e.span,
                             fmt::format("in the first period of each year, `previous({})` is the whole of the year before, not this year's total so far",
                                         a.text))
                    .note(ytd->span, "the year to date it looks back at");
      if (inner.kind == ast::ExprKind::Name && source_text(ytd->span) == source_text(m->value->span)) {
        d.with_help(fmt::format("for this year's total before this period (zero in the first period), write `{} - {}`", a.text, inner.text));
      } else {
        d.with_help("for this year's total before this period, subtract this period's value from the year to date");
      }
    }
    v.constant.reset();
    return v;
  }
  if (f == "round") {
    if (!argc_is(1, 3, "a value, then optionally the decimal places and a rounding mode")) return Value{};
    Value v = check(e.arg(0), scope);
    if (!v.type.is_error() && !(v.type.is_number() || v.type.kind == TypeKind::Money || v.type.kind == TypeKind::Percent)) {
      diags.report(DiagKind::InvalidOperands, e.arg(0).span, fmt::format("cannot round {}", to_string(v.type)));
    }
    if (e.args.size() >= 2) {
      const ast::Expr& places = e.arg(1);
      record(places, Value{Type::of(TypeKind::Int)});
      if (places.kind != ast::ExprKind::Int || places.text.size() > 1) {
        diags.report(DiagKind::InvalidRounding, places.span, "the decimal places are a whole number from 0 to 9")
            .with_help("`round(amount, 2)` rounds to cents");
      }
    }
    int places = v.type.kind == TypeKind::Money ? currency_minor_unit(v.type.currency) : 0;
    RoundingMode mode_value = out->settings.rounding;
    if (e.args.size() >= 2 && e.arg(1).kind == ast::ExprKind::Int && e.arg(1).text.size() == 1) places = e.arg(1).text[0] - '0';
    if (e.args.size() == 3) {
      const ast::Expr& mode = e.arg(2);
      auto named = mode.kind == ast::ExprKind::Name ? rounding_mode_named(mode.text) : std::nullopt;
      if (!named) {
        diags.report(DiagKind::InvalidRounding, mode.span, "unknown rounding mode")
            .with_help("use `half_even`, `half_up`, `down` or `up`");
      } else {
        mode_value = *named;
      }
    }
    // A percentage's constant is its ratio (5% = 0.05) and its places count in percent points, so the
    // ratio is rounded to two places more (as the lowering does: compiler/lower/lower_expr.cpp).
    if (v.type.kind == TypeKind::Percent) places += 2;
    if (v.constant) v.constant = v.constant->rounded(places, mode_value);
    return v;
  }
  if (f == "min" || f == "max") {
    if (!argc_is(2, 64, "two or more values (the aggregate is `ledger.min(column)`)")) return Value{};
    Value acc = check(e.arg(0), scope);
    for (size_t i = 1; i < e.args.size(); ++i) {
      Value next = check(e.arg(i), scope, &acc.type);
      if (acc.type.is_error() || next.type.is_error()) {
        acc.type = Type::error();
        continue;
      }
      auto u = unify(acc.type, next.type);
      if (!u || !comparable(*u, *u) || u->kind == TypeKind::Bool || u->kind == TypeKind::Text) {
        bool money_number = (acc.type.kind == TypeKind::Money && next.type.is_number()) ||
                            (next.type.kind == TypeKind::Money && acc.type.is_number());
        auto& d = diags.report(money_number ? DiagKind::MoneyPlusNumber : DiagKind::TypeMismatch, e.arg(i).span,
                               fmt::format("`{}` compares values of one type; this is {} and the first is {}", f,
                                           to_string(next.type), to_string(acc.type)));
        if (money_number) {
          const Type& money = acc.type.kind == TypeKind::Money ? acc.type : next.type;
          d.with_help(fmt::format("write the amount with its currency, as in `100 {}`", money.currency));
        }
        acc.type = Type::error();
        continue;
      }
      acc.type = *u;
      acc.maybe_none = acc.maybe_none || next.maybe_none;
      if (!acc.none_origin.valid()) acc.none_origin = next.none_origin;
      // Constants fold, so `min(a, b)` of constants can bound a tier band.
      if (acc.constant && next.constant) {
        bool take_next = f == "min" ? Decimal::compare(*next.constant, *acc.constant) < 0
                                    : Decimal::compare(*next.constant, *acc.constant) > 0;
        if (take_next) acc.constant = next.constant;
      } else {
        acc.constant.reset();
      }
    }
    return acc;
  }
  if (f == "abs") {
    if (!argc_is(1, 1, "one value")) return Value{};
    Value v = check(e.arg(0), scope);
    if (!v.type.is_error() && !(v.type.is_number() || v.type.kind == TypeKind::Money || v.type.kind == TypeKind::Percent ||
                                v.type.kind == TypeKind::Duration)) {
      diags.report(DiagKind::InvalidOperands, e.arg(0).span, fmt::format("`abs` takes a number or an amount, not {}", to_string(v.type)));
      return Value{};
    }
    if (v.constant && v.constant->is_negative()) v.constant = v.constant->negated();
    return v;
  }
  if (!contains(kAggregates, f)) {
    for (const auto& a : e.args) check(*a, scope);
  }
  auto& d = diags.report(DiagKind::UnknownFunction, e.name_span, fmt::format("unknown function `{}`", f));
  if (contains(kAggregates, f)) {
    std::string ledger = "sales";
    const ast::Source* source = nullptr;
    for (const auto& [n, sym] : out->globals) {
      if (sym.kind == SymbolKind::Ledger) {
        ledger = n;
        source = static_cast<const ast::Source*>(sym.decl);
      }
    }
    if (!e.args.empty() && e.args[0]->kind == ast::ExprKind::Name) {
      auto g = out->globals.find(e.args[0]->text);
      if (g != out->globals.end() && g->second.kind == SymbolKind::Ledger) {
        ledger = g->first;
        source = static_cast<const ast::Source*>(g->second.decl);
      }
    }
    // The example names a column the ledger has: the call's own argument when it is one, else one that fits.
    std::string column = source ? example_argument(source, nullptr, f) : "";
    for (const auto& a : e.args) {
      if (source && a->kind == ast::ExprKind::Name && column_type(*source, a->text)) column = a->text;
    }
    d.with_help(f == "count"       ? fmt::format("aggregates are called on a ledger, as in `{}.count()`", ledger)
                : column.empty() ? fmt::format("aggregates are called on a ledger, as in `{}.{}(...)` with one of its columns", ledger, f)
                                 : fmt::format("aggregates are called on a ledger, as in `{}.{}({})`", ledger, f, column));
  } else if (auto guess = closest(f, kFunctions)) {
    d.with_help(fmt::format("did you mean `{}`?", *guess));
  } else {
    d.with_help("the functions are `min`, `max`, `abs`, `round`, `previous`, `last_year`, `year_to_date`, `convert`, and on text "
                "`starts_with`, `ends_with`, `contains`, `upper`, `lower` and `length`");
  }
  return Value{};
}

const ast::Expr* Checker::year_to_date_inside(const ast::Expr& e, std::set<const ast::Measure*>& seen) const {
  if (e.kind == ast::ExprKind::Call && e.text == "year_to_date" && e.args.size() == 1) return &e;
  if (e.kind == ast::ExprKind::Call && (e.text == "previous" || e.text == "last_year")) return nullptr;  // another window
  if (e.kind == ast::ExprKind::Name && e.id < out->refs.size() && out->refs[e.id] && out->refs[e.id]->kind == SymbolKind::Measure) {
    const auto* m = static_cast<const ast::Measure*>(out->refs[e.id]->decl);
    if (!m->value || !seen.insert(m).second) return nullptr;
    return year_to_date_inside(*m->value, seen);
  }
  for (const auto& a : e.args) {
    if (const ast::Expr* found = year_to_date_inside(*a, seen)) return found;
  }
  return nullptr;
}

}  // namespace rebate::check
