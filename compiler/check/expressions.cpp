// Typing expressions: literals, names, members, aggregates and function calls. Operators are in
// operators.cpp. Each expression's type is recorded in TypedProgram::types under its id.
#include <fmt/format.h>

#include "check/checker_impl.h"

namespace rebate::check {

namespace {

const std::vector<std::string> kAggregates = {"sum", "count", "count_distinct", "min", "max", "avg"};
const std::vector<std::string> kFunctions = {"min", "max", "abs", "round", "previous", "last_year", "year_to_date"};
const std::vector<std::string> kDurationUnits = {"day", "days", "week", "weeks", "month", "months",
                                                 "quarter", "quarters", "year", "years"};

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

Decimal percent_to_ratio(const Decimal& d) {
  static const Decimal hundredth = *Decimal::parse("0.01");
  return Decimal::mul(d, hundredth).value_or(d);
}

}  // namespace

Value Checker::record(const ast::Expr& e, Value v) {
  if (e.id < out->types.size()) out->types[e.id] = v.type;
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
      v.constant = Decimal::parse(e.text);
      if (!v.constant) {
        diags.report(DiagKind::InvalidLiteral, e.span, "this number is too large")
            .with_help("numbers may have at most 38 digits");
      }
      break;
    case ast::ExprKind::Decimal:
      v.type = Type::of(TypeKind::Decimal);
      v.constant = Decimal::parse(e.text);
      if (!v.constant) {
        diags.report(DiagKind::InvalidLiteral, e.span, "this number has too many digits")
            .with_help(fmt::format("decimals may have at most {} digits after the point", Decimal::kMaxScale));
      }
      break;
    case ast::ExprKind::Quantity: v = check_quantity(e); break;
    case ast::ExprKind::Percent:
      v.type = Type::of(TypeKind::Percent);
      if (auto d = Decimal::parse(e.text)) v.constant = percent_to_ratio(*d);
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

Value Checker::check_quantity(const ast::Expr& e) {
  Value v;
  v.constant = Decimal::parse(e.text);
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
      if (kind == DiagKind::MoneyPlusNumber) d.with_help(fmt::format("write `{}`", with_currency(*lim.value, v.type.currency)));
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

  (void)hint;  // enum members are program-wide names (step 4), so no context is needed to find them

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
        if (scope.tier_bound) {
          diags.report(DiagKind::TierBoundNotConstant, e.span,
                       fmt::format("a band bound must be a constant, and `{}` is a {} that changes by partner and period", name, describe(sym.kind)))
              .with_help("write a literal such as `100_000 USD`, or a `const`; to pick the band by a measure, apply the table to it");
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
  if (ov.type.kind == TypeKind::Period) {
    if (member == "start" || member == "end") return Value{Type::of(TypeKind::Date)};
    diags.report(DiagKind::UnknownMember, e.name_span, fmt::format("a period has no `{}`", member))
        .with_help("a period has `start` and `end` (its first and last day)");
    return Value{};
  }
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
    diags.report(DiagKind::UnknownMember, e.name_span, fmt::format("the partner has no attribute `{}`", member))
        .with_help("declare a `partner table` with the partners' attributes");
    return Value{};
  }
  diags.report(DiagKind::UnknownMember, e.name_span, fmt::format("a {} has no member `{}`", to_string(ov.type), member));
  return Value{};
}

Value Checker::check_method(const ast::Expr& e, const Scope& scope) {
  const ast::Expr& receiver = e.arg(0);
  const std::string& method = e.text;
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
    if (!rv.type.is_error()) {
      auto& d = diags.report(DiagKind::AggregateOutsideLedger, receiver.span,
                             fmt::format("`.{}(...)` aggregates the lines of a ledger or group, and this is {}", method,
                                         to_string(rv.type)));
      if (rv.type.kind == TypeKind::Source) d.with_help("a table's rows do not belong to a partner and period; look them up from a ledger instead");
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
                                     : fmt::format("`{}.{}(amount where condition)`", receiver.text, method));
  }
  if (e.where) check_condition(*e.where, row);
  if (argc == 0) return Value{method == "count" ? Type::of(TypeKind::Int) : Type::error()};
  Value arg = check_value(*e.args[1], row);
  for (size_t i = 2; i < e.args.size(); ++i) check(*e.args[i], row);
  if (method == "count") return Value{Type::of(TypeKind::Int)};
  if (arg.type.is_error()) return Value{};
  const Type& t = arg.type;
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
  if (e.where) {
    diags.report(DiagKind::SyntaxError, e.where->span, fmt::format("`where` belongs to aggregates, not to `{}`", f));
  }
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
    // A percentage's constant is its ratio (5% = 0.05): its places count in percent points.
    if (v.constant && v.type.kind != TypeKind::Percent) v.constant = v.constant->rounded(places, mode_value);
    else v.constant.reset();
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
    for (const auto& [n, sym] : out->globals) {
      if (sym.kind == SymbolKind::Ledger) ledger = n;
    }
    if (!e.args.empty() && e.args[0]->kind == ast::ExprKind::Name) {
      auto g = out->globals.find(e.args[0]->text);
      if (g != out->globals.end() && g->second.kind == SymbolKind::Ledger) ledger = g->first;
    }
    d.with_help(f == "count" ? fmt::format("aggregates are called on a ledger, as in `{}.count()`", ledger)
                             : fmt::format("aggregates are called on a ledger, as in `{}.{}(amount)`", ledger, f));
  } else if (auto guess = closest(f, kFunctions)) {
    d.with_help(fmt::format("did you mean `{}`?", *guess));
  } else {
    d.with_help("the functions are `min`, `max`, `abs`, `round`, `previous`, `last_year` and `year_to_date`");
  }
  return Value{};
}

}  // namespace rebate::check
