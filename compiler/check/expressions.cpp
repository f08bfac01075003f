// Typing expressions: literals, names and members. Aggregates and function calls are in calls.cpp,
// operators in operators.cpp. Each expression's type is recorded in TypedProgram::types under its id.
#include <fmt/format.h>

#include "check/checker_impl.h"
#include "check/literals.h"
#include "core/currency.h"

namespace rebate::check {

namespace {

const std::vector<std::string> kDurationUnits = {"day", "days", "week", "weeks", "month", "months",
                                                 "quarter", "quarters", "year", "years"};

}  // namespace

Value Checker::record(const ast::Expr& e, Value v) {
  if (e.id < out->types.size()) {
    out->types[e.id] = v.type;
    out->constants[e.id] = v.constant;
  }
  return v;
}

void Checker::require_value(const Value& v, const ast::Expr& e) {
  if (!v.maybe_none || v.type.is_error()) return;
  Span at = v.none_origin.valid() ? v.none_origin : e.span;
  std::string example = v.type.kind == TypeKind::Money ? fmt::format("0 {}", v.type.currency)
                        : v.type.kind == TypeKind::Percent ? "0%"
                        : v.type.kind == TypeKind::Date ? "2026-01-01"
                        : v.type.kind == TypeKind::Text ? "\"\""
                        : v.type.kind == TypeKind::Bool ? "false"
                        : v.type.kind == TypeKind::Enum && !v.type.enum_decl()->members.empty() ? v.type.enum_decl()->members[0].name
                                                                                                 : "0";
  diags.report(DiagKind::MissingEmptyValue, at, "this may have no value, and nothing says what to use then")
      .with_label("no value when there are no lines (or the cell is empty)")
      .with_help(fmt::format("say what to use: `... otherwise {}`", example));
}

Value Checker::check_value(const ast::Expr& e, const Scope& scope, const Type* hint) {
  Value v = check(e, scope, hint);
  if (!v.type.is_error() && !v.type.is_value() && v.type.kind != TypeKind::List && v.type.kind != TypeKind::Range) {
    diags.report(DiagKind::NotAValue, e.span, fmt::format("this is {}, not a value", to_string(v.type)))
        .with_help(v.type.kind == TypeKind::Tiers ? "apply the tier table: `table of basis` or `table by metric`"
                   : v.type.kind == TypeKind::Row ? "name one of its columns, as in `partner.tier`"
                                                  : "aggregate it, as in `sales.sum(amount)`");
    v.type = Type::error();
  }
  require_value(v, e);
  v.maybe_none = false;
  return v;
}

Value Checker::check_condition(const ast::Expr& e, const Scope& scope) {
  Value v = check_value(e, scope);
  if (!v.type.is_error() && v.type.kind != TypeKind::Bool) {
    diags.report(DiagKind::ConditionNotBool, e.span, fmt::format("a condition must be true or false, and this is {}", to_string(v.type)))
        .with_help("compare it with something, as in `revenue >= 100_000 USD`");
    v.type = Type::error();
  }
  return v;
}

Value Checker::check(const ast::Expr& e, const Scope& scope, const Type* hint) {
  Value v;
  switch (e.kind) {
    case ast::ExprKind::Int:
      v.type = Type::of(TypeKind::Int);
      v.constant = literal_value(e);
      if (!v.constant) {
        diags.report(DiagKind::InvalidLiteral, e.span, "this number is too large")
            .with_help("numbers may have at most 38 digits");
      }
      break;
    case ast::ExprKind::Decimal:
      v.type = Type::of(TypeKind::Decimal);
      v.constant = literal_value(e);
      if (!v.constant) report_unrepresentable(e, "number", Decimal::kMaxScale);
      break;
    case ast::ExprKind::Quantity: v = check_quantity(e); break;
    case ast::ExprKind::Percent:
      v.type = Type::of(TypeKind::Percent);
      v.constant = literal_value(e);
      if (!v.constant) report_unrepresentable(e, "percentage", kMaxPercentPlaces);
      break;
    case ast::ExprKind::Date: v.type = Type::of(TypeKind::Date); break;
    case ast::ExprKind::Period: v.type = Type::of(TypeKind::Period); break;
    case ast::ExprKind::String: v.type = Type::of(TypeKind::Text); break;
    case ast::ExprKind::Bool:
      v.type = Type::of(TypeKind::Bool);
      v.constant_bool = e.text == "true";
      break;
    case ast::ExprKind::List: {
      const Type* element_hint = hint && hint->kind == TypeKind::List && hint->element ? hint->element.get() : hint;
      std::optional<Type> element;
      for (const auto& item : e.args) {
        Value iv = check_value(*item, scope, element ? &*element : element_hint);
        if (iv.type.is_error()) continue;
        if (!element) {
          element = iv.type;
        } else if (auto u = unify(*element, iv.type)) {
          element = *u;
        } else {
          diags.report(DiagKind::TypeMismatch, item->span,
                       fmt::format("the items of a list have one type; this is {} and the first is {}",
                                   to_string(iv.type), to_string(*element)));
        }
      }
      v.type = Type::container(TypeKind::List, element.value_or(Type::error()));
      break;
    }
    case ast::ExprKind::Tuple: v = check_tuple_elsewhere(e); break;
    case ast::ExprKind::Name: v = check_name(e, scope, hint); break;
    case ast::ExprKind::Member: v = check_member(e, scope); break;
    case ast::ExprKind::Call: v = check_call(e, scope); break;
    case ast::ExprKind::Method: v = check_method(e, scope); break;
    case ast::ExprKind::Unary: v = check_unary(e, scope); break;
    case ast::ExprKind::Binary: v = check_binary(e, scope, hint); break;
    case ast::ExprKind::In: v = check_in(e, scope); break;
    case ast::ExprKind::If: v = check_if(e, scope, hint); break;
  }
  return record(e, std::move(v));
}

// How to aggregate a column of the given type, for help lines: sums for amounts, counts for the rest.
std::string Checker::aggregate_help(const ast::Source& ledger, const ast::Column& column) {
  const std::string& l = ledger.name.name;
  const std::string& c = column.name.name;
  Type t = decl_value.count(&column) ? decl_value[&column].type : Type::error();
  if (t.is_number() || t.kind == TypeKind::Money) return fmt::format("aggregate it over the lines, as in `{}.sum({})`", l, c);
  if (t.kind == TypeKind::Bool) return fmt::format("count the lines where it holds, as in `{}.count(where {})`", l, c);
  if (t.kind == TypeKind::Date) return fmt::format("aggregate it over the lines, as in `{}.max({}) otherwise 2026-01-01`", l, c);
  return fmt::format("count its distinct values, as in `{}.count_distinct({})`, or filter on it inside an aggregate", l, c);
}

// A number, amount or percentage literal that cannot be held exactly: an error, never a value of 0.
void Checker::report_unrepresentable(const ast::Expr& e, std::string_view what, int max_places) {
  diags.report(DiagKind::InvalidLiteral, e.span, fmt::format("this {} cannot be held exactly: it has too many digits", what))
      .with_label(fmt::format("more than 38 digits, or more than {} after the point", max_places))
      .with_help(fmt::format("write at most 38 digits, at most {} of them after the point", max_places));
}

Value Checker::check_quantity(const ast::Expr& e) {
  Value v;
  v.constant = literal_value(e);
  if (!v.constant) report_unrepresentable(e, "amount", Decimal::kMaxScale);
  if (contains(kDurationUnits, e.unit)) {
    v.type = Type::of(TypeKind::Duration);
    if (e.text.find('.') != std::string::npos) {
      diags.report(DiagKind::InvalidLiteral, e.span, "a duration is a whole number of days, weeks, months, quarters or years")
          .with_help("write a whole number, such as `2 days` or `10 weeks`");
    }
    // Days and weeks are exact; months, quarters and years vary in length, so the two never mix.
    bool calendar_unit = e.unit.rfind("month", 0) == 0 || e.unit.rfind("quarter", 0) == 0 || e.unit.rfind("year", 0) == 0;
    v.type.currency = calendar_unit ? "months" : "days";
    return v;
  }
  if (is_currency_code(e.unit)) {
    v.type = Type::money(e.unit);
    return v;
  }
  std::string upper = e.unit;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto& d = diags.report(DiagKind::UnknownCurrency, e.name_span, fmt::format("`{}` is not a currency code or a unit", e.unit));
  if (is_currency_code(upper)) d.with_help(fmt::format("currency codes are upper case: write `{} {}`", e.text, upper));
  else if (auto guess = closest(e.unit, kDurationUnits)) d.with_help(fmt::format("did you mean `{} {}`?", e.text, *guess));
  else d.with_help("after a number write an ISO 4217 currency code (`100 USD`) or a duration unit (`30 days`)");
  v.type = Type::error();
  return v;
}

Value Checker::measure_value(const ast::Measure& m, const ast::Expr& use) {
  State& state = decl_state[&m];
  if (state == State::Done) return decl_value[&m];
  if (state == State::InProgress) {
    std::string chain;
    bool in_cycle = false;
    for (const ast::Measure* s : measure_stack) {
      if (s == &m) in_cycle = true;
      if (in_cycle) chain += "`" + s->name.name + "` → ";
    }
    chain += "`" + m.name.name + "`";
    diags.report(DiagKind::MeasureCycle, use.span, fmt::format("measure `{}` depends on itself: {}", m.name.name, chain))
        .note(m.name.span, "defined here")
        .with_help("a measure cannot use its own value; to look back, use `previous(...)` or `last_year(...)`");
    return Value{};
  }
  if (definition_chain_too_deep(use, m.name.name)) return Value{};
  state = State::InProgress;
  measure_stack.push_back(&m);
  ++definition_depth;
  const void* saved_user = current_user;
  current_user = &m;
  Scope scope{ScopeKind::PartnerPeriod};
  scope.measure = &m;
  Value v = check_value(*m.value, scope);
  for (const auto& lim : m.limits) {
    Value lv = check_value(*lim.value, scope, &v.type);
    if (!lv.type.is_error() && !v.type.is_error() && !comparable(v.type, lv.type)) {
      DiagKind kind = v.type.kind == TypeKind::Money && lv.type.is_number() ? DiagKind::MoneyPlusNumber
                      : (v.type.kind == TypeKind::Money && lv.type.kind == TypeKind::Money) ? DiagKind::CurrencyMismatch
                                                                                             : DiagKind::TypeMismatch;
      auto& d = diags.report(kind, lim.value->span,
                             fmt::format("the {} of `{}` must be {} like the measure, not {}", lim.is_cap ? "cap" : "floor",
                                         m.name.name, to_string(v.type), to_string(lv.type)));
      if (kind == DiagKind::MoneyPlusNumber) d.with_help(fmt::format("write `{}`", with_currency(*lim.value, v.type.currency)))
          .with_fix(currency_fix(*lim.value, v.type.currency));
    }
  }
  if (m.type) {
    Type declared = resolve_type(*m.type);
    if (!declared.is_error() && !v.type.is_error() && declared != v.type &&
        !(declared.kind == TypeKind::Decimal && v.type.kind == TypeKind::Int)) {
      diags.report(DiagKind::TypeMismatch, m.value->span,
                   fmt::format("`{}` is declared {} but its value is {}", m.name.name, to_string(declared), to_string(v.type)));
    }
    if (!declared.is_error()) v.type = declared;
  }
  if (!v.type.is_error() && !v.type.is_value()) {
    diags.report(DiagKind::NotAValue, m.value->span, fmt::format("a measure holds a value, and this is a {}", to_string(v.type)));
    v.type = Type::error();
  }
  v.constant.reset();  // measures are per partner and period, never folded
  v.constant_bool.reset();
  current_user = saved_user;
  measure_stack.pop_back();
  --definition_depth;
  decl_value[&m] = v;
  decl_state[&m] = State::Done;
  out->measure_order.push_back(&m);
  return v;
}

Value Checker::check_name(const ast::Expr& e, const Scope& scope, const Type* hint) {
  const std::string& name = e.text;
  if (name.empty()) return Value{};  // a hole left by syntax error recovery
  auto note_use = [&](const void* decl) {
    used.insert(decl);
    if (current_user) uses.insert({current_user, decl});
  };
  auto global = out->globals.find(name);
  auto warn_shadow = [&](Span column_span) {
    if (global == out->globals.end()) return;
    SymbolKind k = global->second.kind;
    if (k != SymbolKind::Measure && k != SymbolKind::Const) return;
    if (!reported_shadowing.insert({name, e.span.file}).second) return;
    diags.report(DiagKind::Shadowing, e.span, fmt::format("`{}` here is the column, not the {} of the same name", name, describe(k)))
        .note(global->second.span, fmt::format("the {} it hides", describe(k)))
        .note(column_span, "the column")
        .with_help("rename the column (`from \"Header\"` keeps the CSV header) or the " + std::string(describe(k)));
  };

  // 1. The columns of the line (or group row) an aggregate ranges over.
  if (scope.kind == ScopeKind::Row) {
    if (scope.row_source) {
      for (uint32_t i = 0; i < scope.row_source->columns.size(); ++i) {
        const ast::Column& c = scope.row_source->columns[i];
        if (c.name.name != name) continue;
        warn_shadow(c.name.span);
        out->refs[e.id] = Symbol{SymbolKind::Column, name, scope.row_source, i, c.name.span};
        Value v = decl_value[&c];
        v.none_origin = e.span;
        return v;
      }
    }
    if (scope.row_group) {
      const ast::Group& g = *scope.row_group;
      for (uint32_t ki = 0; ki < g.keys.size(); ++ki) {
        const ast::Ident& k = g.keys[ki];
        if (k.name != name) continue;
        auto ledger = out->globals.find(g.ledger.name);
        Type t = Type::error();
        if (ledger != out->globals.end() && ledger->second.kind == SymbolKind::Ledger) {
          t = column_type(*static_cast<const ast::Source*>(ledger->second.decl), name).value_or(Type::error());
        }
        out->refs[e.id] = Symbol{SymbolKind::Column, name, &g, ki, k.span};  // decl: the group, index: the key
        return Value{t};
      }
      for (uint32_t i = 0; i < g.fields.size(); ++i) {
        if (g.fields[i].name.name != name) continue;
        warn_shadow(g.fields[i].name.span);
        out->refs[e.id] = Symbol{SymbolKind::GroupField, name, &g, i, g.fields[i].name.span};
        Value v = decl_value[&g.fields[i]];
        return Value{v.type};
      }
    }
  }

  // A currency code where a Currency value is expected (`currency == GBP`, `currency in [GBP, CHF]`:
  // docs/language.md §24), named bare as `convert(..., to: EUR)` names one. A declared name comes first;
  // the lowering makes the code a constant from its type (enum members need no hint: they are
  // program-wide names, step 4).
  if (hint && hint->kind == TypeKind::Currency && global == out->globals.end() && is_currency_code(name)) {
    return Value{Type::of(TypeKind::Currency)};
  }

  // 3. Built-in names.
  if (name == "partner" || name == "period") {
    if (scope.kind == ScopeKind::Constant || scope.kind == ScopeKind::TestValue) {
      diags.report(DiagKind::NotAValue, e.span, fmt::format("`{}` has no value here", name))
          .with_help(fmt::format("`{}` means the current {} and is known only in measures, rebates and awards", name, name));
      return Value{};
    }
    if (name == "period") {
      out->refs[e.id] = Symbol{SymbolKind::Period, name, nullptr, 0, {}};
      return Value{Type::of(TypeKind::Period)};
    }
    out->refs[e.id] = Symbol{SymbolKind::Partner, name, out->partner_table, 0, {}};
    if (out->partner_table) {
      note_use(out->partner_table);
      return Value{Type::with_decl(TypeKind::Row, out->partner_table)};
    }
    return Value{Type::of(TypeKind::Text)};  // the partner id, when there is no partner table
  }

  // 4. Declarations.
  if (global != out->globals.end()) {
    const Symbol& sym = global->second;
    out->refs[e.id] = sym;
    switch (sym.kind) {
      case SymbolKind::Const: {
        note_use(sym.decl);
        return const_value(*static_cast<const ast::Const*>(sym.decl), e);
      }
      case SymbolKind::Measure:
      case SymbolKind::Decision: {
        if (scope.tier_bound || scope.tier_value) {
          diags.report(DiagKind::TierBoundNotConstant, e.span,
                       fmt::format("{} must be a constant, and `{}` is a {} that changes by partner and period",
                                   scope.tier_bound ? "a band bound" : "what a band pays", name, describe(sym.kind)))
              .with_help(scope.tier_bound ? "write a literal such as `100_000 USD`, or a `const`; to pick the band by a measure, apply the table to it"
                                          : "write a rate or an amount such as `2%` or `500 USD`, or a `const`");
          return Value{};
        }
        if (scope.kind != ScopeKind::PartnerPeriod) {
          std::string where = scope.kind == ScopeKind::Row ? "inside an aggregate, which looks at one line at a time"
                              : scope.kind == ScopeKind::Constant ? "in a constant, which is the same for everyone"
                                                                  : "in a test value";
          diags.report(DiagKind::NotAValue, e.span, fmt::format("the {} `{}` cannot be used {}", describe(sym.kind), name, where))
              .with_help(scope.kind == ScopeKind::Row
                             ? "measures are per partner and period; use them outside the aggregate"
                             : "use literals and other constants here");
          return Value{};
        }
        note_use(sym.decl);
        if (sym.kind == SymbolKind::Measure) return measure_value(*static_cast<const ast::Measure*>(sym.decl), e);
        return decision_value(*static_cast<const ast::Decision*>(sym.decl), e);
      }
      case SymbolKind::Tiers:
        note_use(sym.decl);
        return Value{Type::with_decl(TypeKind::Tiers, sym.decl)};
      case SymbolKind::Ledger:
      case SymbolKind::Table:
        note_use(sym.decl);
        return Value{Type::with_decl(TypeKind::Source, sym.decl)};
      case SymbolKind::Group:
        note_use(sym.decl);
        return Value{Type::with_decl(TypeKind::Group, sym.decl)};
      case SymbolKind::Enum:
      case SymbolKind::Calendar:
      case SymbolKind::Rebate:
      case SymbolKind::Award:
      case SymbolKind::Budget: {
        std::string what = describe(sym.kind);
        const char* article = std::string("aeiou").find(what[0]) != std::string::npos ? "an" : "a";
        auto& d = diags.report(DiagKind::NotAValue, e.span, fmt::format("`{}` is {} {}, not a value", name, article, what));
        if (sym.kind == SymbolKind::Enum) d.with_help(fmt::format("name one of its members, as in `{}.{}`", name,
                                                                  static_cast<const ast::Enum*>(sym.decl)->members.empty() ? "member" : static_cast<const ast::Enum*>(sym.decl)->members[0].name));
        if (sym.kind == SymbolKind::Rebate) d.with_help("a rebate's payout cannot be used in another formula; share the measure instead");
        return Value{};
      }
      case SymbolKind::EnumMember: {
        note_use(sym.decl);
        return Value{Type::with_decl(TypeKind::Enum, sym.decl)};
      }
      case SymbolKind::Column:
      case SymbolKind::GroupField:
      case SymbolKind::Partner:
      case SymbolKind::Period:
      case SymbolKind::Builtin:
        return Value{};  // never global
    }
  }

  // 6. A column used outside an aggregate.
  for (const ast::Module* m : out->modules) {
    for (const auto& s : m->sources) {
      for (const auto& c : s.columns) {
        if (c.name.name != name || s.kind != ast::SourceKind::Ledger) continue;
        diags.report(DiagKind::RowValueOutsideRow, e.span,
                     fmt::format("`{}` is a column of each line of `{}`, not a value of the partner", name, s.name.name))
            .with_help(aggregate_help(s, c));
        return Value{};
      }
    }
  }
  report_unknown(name, e.span, scope, "name");
  return Value{};
}

void Checker::report_unknown(const std::string& name, Span span, const Scope& scope, const std::string& what,
                             const std::vector<std::string>* candidates) {
  auto& d = diags.report(DiagKind::UnknownName, span, fmt::format("unknown {} `{}`", what, name));
  d.with_label("not defined");
  if (auto guess = closest(name, candidates ? *candidates : visible_names(scope))) {
    d.with_help(fmt::format("did you mean `{}`?", *guess));
    if (source_text(span) == name) d.with_fix(Fix{span, *guess, fmt::format("change to `{}`", *guess)});
  } else if (is_currency_code(name)) {
    d.with_help(fmt::format("an amount is written with its number first, as in `100 {}`", name));
  }
}

Value Checker::check_member(const ast::Expr& e, const Scope& scope) {
  const ast::Expr& obj = e.arg(0);
  const std::string& member = e.text;
  // Tier.gold: a member of an enum, named through its type.
  if (obj.kind == ast::ExprKind::Name) {
    auto it = out->globals.find(obj.text);
    if (it != out->globals.end() && it->second.kind == SymbolKind::Enum) {
      const auto* en = static_cast<const ast::Enum*>(it->second.decl);
      used.insert(en);
      out->refs[obj.id] = it->second;
      for (uint32_t i = 0; i < en->members.size(); ++i) {
        if (en->members[i].name == member) {
          out->refs[e.id] = Symbol{SymbolKind::EnumMember, member, en, i, en->members[i].span};
          return Value{Type::with_decl(TypeKind::Enum, en)};
        }
      }
      std::vector<std::string> names;
      for (const auto& m : en->members) names.push_back(m.name);
      auto& d = diags.report(DiagKind::UnknownMember, e.name_span, fmt::format("enum `{}` has no member `{}`", en->name.name, member));
      if (auto guess = closest(member, names)) d.with_help(fmt::format("did you mean `{}`?", *guess));
      return Value{};
    }
  }
  Value ov = check(obj, scope);
  if (ov.type.is_error()) return Value{};
  if (ov.type.kind == TypeKind::Period) return check_period_member(e, obj);
  if (ov.type.kind == TypeKind::Row) {
    const ast::Source& s = *ov.type.source_decl();
    for (uint32_t i = 0; i < s.columns.size(); ++i) {
      if (s.columns[i].name.name != member) continue;
      out->refs[e.id] = Symbol{SymbolKind::Column, member, &s, i, s.columns[i].name.span};
      Value v = decl_value[&s.columns[i]];
      v.none_origin = e.span;
      return v;
    }
    std::vector<std::string> names;
    for (const auto& c : s.columns) names.push_back(c.name.name);
    auto& d = diags.report(DiagKind::UnknownMember, e.name_span, fmt::format("`{}` has no column `{}`", s.name.name, member));
    if (auto guess = closest(member, names)) d.with_help(fmt::format("did you mean `{}`?", *guess));
    else d.note(s.name.span, fmt::format("`{}` is declared here", s.name.name));
    return Value{};
  }
  if (ov.type.kind == TypeKind::Source && ov.type.source_decl()->kind == ast::SourceKind::Ledger) {
    const ast::Source& s = *ov.type.source_decl();
    auto& d = diags.report(DiagKind::RowValueOutsideRow, e.span,
                           fmt::format("`{}` is a column of each line of `{}`, not a value of the partner", member, obj.text));
    for (const auto& c : s.columns) {
      if (c.name.name == member) d.with_help(aggregate_help(s, c));
    }
    return Value{};
  }
  if (obj.kind == ast::ExprKind::Name && obj.text == "partner" && ov.type.kind == TypeKind::Text) {
    // Without a partner table the partner is only its id (docs/language.md §5): `partner.id` is that id.
    if (member == "id") {
      out->refs[e.id] = Symbol{SymbolKind::Partner, member, nullptr, 0, {}};
      return Value{Type::of(TypeKind::Text)};
    }
    diags.report(DiagKind::UnknownMember, e.name_span, fmt::format("the partner has no attribute `{}`", member))
        .with_help("declare a `partner table` with the partners' attributes");
    return Value{};
  }
  diags.report(DiagKind::UnknownMember, e.name_span, fmt::format("a {} has no member `{}`", to_string(ov.type), member));
  return Value{};
}

}  // namespace rebate::check
