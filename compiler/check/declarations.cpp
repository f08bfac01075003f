// Global names, the program header, enums, tables and ledgers, calendars, constants, measures and groups.
#include <fmt/format.h>

#include "check/checker_impl.h"

namespace rebate::check {

namespace {

const std::vector<std::string> kProgramSettings = {"currency", "period", "effective", "rounding", "closed_through", "closed_on",
                                                   "payout_currency", "payout_fx"};
const std::vector<std::string> kCalendarSettings = {"year_start", "weeks"};
const std::vector<std::string> kRoles = {"partner", "date", "booked", "key", "rebate", "period", "amount", "base", "quote", "rate", "claim", "valid_from", "valid_to"};
const std::vector<std::string> kBuiltinTypes = {"Int", "Decimal", "Money", "Percent", "Bool", "Text", "Date", "Period", "Duration", "Currency"};

std::string join_ticked(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", `" : "`") + names[i] + "`";
  return out;
}

}  // namespace

namespace {
std::string with_article(const char* noun) {
  bool vowel = std::string("aeiou").find(static_cast<char>(std::tolower(static_cast<unsigned char>(noun[0])))) != std::string::npos;
  return (vowel ? "an " : "a ") + std::string(noun);
}
}  // namespace

void Checker::define(SymbolKind kind, const ast::Ident& name, const void* decl, uint32_t index) {
  if (name.name.empty()) return;  // recovery left no name; the syntax error is reported
  auto [it, inserted] = out->globals.try_emplace(name.name, Symbol{kind, name.name, decl, index, name.span});
  if (!inserted) {
    const Symbol& first = it->second;
    diags.report(DiagKind::DuplicateDefinition, name.span,
                 fmt::format("`{}` is defined twice", name.name))
        .with_label(fmt::format("second definition, as {}", with_article(describe(kind))))
        .note(first.span, fmt::format("first defined here, as {}", with_article(describe(first.kind))))
        .with_help("rename one of them; every name in a program, its imports included, must be unique");
  }
}

void Checker::collect_globals() {
  for (const ast::Module* m : out->modules) {
    for (const auto& e : m->enums) {
      define(SymbolKind::Enum, e.name, &e);
      // Members are program-wide names too: `gold` means one thing everywhere.
      for (uint32_t i = 0; i < e.members.size(); ++i) define(SymbolKind::EnumMember, e.members[i], &e, i);
    }
    for (const auto& s : m->sources) {
      define(s.kind == ast::SourceKind::Ledger ? SymbolKind::Ledger : SymbolKind::Table, s.name, &s);
    }
    for (const auto& c : m->calendars) define(SymbolKind::Calendar, c.name, &c);
    for (const auto& c : m->consts) define(SymbolKind::Const, c.name, &c);
    for (const auto& ms : m->measures) define(SymbolKind::Measure, ms.name, &ms);
    for (const auto& g : m->groups) define(SymbolKind::Group, g.name, &g);
    for (const auto& t : m->tiers) define(SymbolKind::Tiers, t.name, &t);
    for (const auto& d : m->decisions) define(SymbolKind::Decision, d.name, &d);
    for (const auto& r : m->rebates) define(SymbolKind::Rebate, r.name, &r);
    for (const auto& a : m->awards) define(SymbolKind::Award, a.name, &a);
    for (const auto& b : m->budgets) define(SymbolKind::Budget, b.name, &b);
  }
  // `partner` and `period` are built in; a declaration may not take their names.
  for (const char* builtin : {"partner", "period"}) {
    auto it = out->globals.find(builtin);
    if (it != out->globals.end()) {
      diags.report(DiagKind::DuplicateDefinition, it->second.span,
                   fmt::format("`{}` is a built-in name and cannot be defined", builtin))
          .with_help(fmt::format("`{}` always means the current {}; choose another name", builtin, builtin));
    }
  }
}

void Checker::check_program_header() {
  std::vector<const ast::Program*> programs;
  for (const ast::Module* m : out->modules) {
    for (const auto& p : m->programs) programs.push_back(&p);
  }
  for (size_t i = 1; i < programs.size(); ++i) {
    diags.report(DiagKind::DuplicateProgram, programs[i]->span, "a program has one `program` header")
        .with_label("second header")
        .note(programs[0]->span, "first header")
        .with_help("modules that other programs import declare no `program` header");
  }
  if (programs.empty()) {
    // A library module (only definitions) needs no header; anything that pays does.
    bool pays = root && (!root->rebates.empty() || !root->awards.empty() || !root->budgets.empty());
    if (pays) {
      Span at = !root->rebates.empty() ? root->rebates[0].name.span
                : !root->awards.empty() ? root->awards[0].name.span : root->budgets[0].name.span;
      diags.report(DiagKind::MissingProgram, at, "this file pays rebates but has no `program` header")
          .with_help("add `program \"Name\" { currency: USD  period: quarter }` at the top of the file");
    }
    return;
  }
  const ast::Program& p = *programs[0];
  out->program = &p;
  out->settings.title = p.title;
  std::set<std::string> seen;
  Scope constant{ScopeKind::Constant};
  for (const ast::Setting& s : p.settings) {
    const std::string& name = s.name.name;
    if (!seen.insert(name).second) {
      diags.report(DiagKind::DuplicateClause, s.name.span, fmt::format("`{}` is set twice", name));
      continue;
    }
    const ast::Expr* v = s.value.get();
    if (name == "currency") {
      if (v->kind == ast::ExprKind::Name && is_currency_code(v->text)) {
        out->settings.currency = v->text;
      } else {
        std::string upper = v->text;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        auto& d = diags.report(DiagKind::UnknownCurrency, v->span,
                               fmt::format("`{}` is not an ISO 4217 currency code", v->text));
        if (is_currency_code(upper)) d.with_help(fmt::format("write `{}`", upper));
        else d.with_help("write a three-letter code such as `USD`, `EUR` or `GBP`");
      }
    } else if (name == "period") {
      const ast::Expr* grain = v;
      if (v->kind == ast::ExprKind::Binary && v->op == ast::Op::Of) {
        grain = v->args[0].get();
        const ast::Expr& cal = v->arg(1);
        auto it = out->globals.find(cal.text);
        if (cal.kind != ast::ExprKind::Name || it == out->globals.end() || it->second.kind != SymbolKind::Calendar) {
          report_unknown(cal.text, cal.span, constant, "calendar");
        } else {
          out->settings.calendar = static_cast<const ast::Calendar*>(it->second.decl);
          used.insert(it->second.decl);
        }
      }
      std::string g = grain->kind == ast::ExprKind::Name ? grain->text : "";
      if (g == "month") out->settings.grain = PeriodGrain::Month;
      else if (g == "quarter") out->settings.grain = PeriodGrain::Quarter;
      else if (g == "year") out->settings.grain = PeriodGrain::Year;
      else {
        diags.report(DiagKind::InvalidSetting, grain->span, "the period must be `month`, `quarter` or `year`")
            .with_help("for a fiscal calendar write `period: quarter of my_calendar`");
      }
    } else if (name == "effective") {
      bool ok = v->kind == ast::ExprKind::Binary && v->op == ast::Op::Range &&
                v->arg(0).kind == ast::ExprKind::Date && v->arg(1).kind == ast::ExprKind::Date;
      if (ok) {
        out->settings.effective_from = parse_date(v->arg(0).text);
        out->settings.effective_to = parse_date(v->arg(1).text);
        if (out->settings.effective_from && out->settings.effective_to &&
            *out->settings.effective_to < *out->settings.effective_from) {
          diags.report(DiagKind::InvalidSetting, v->span, "the program ends before it starts")
              .with_help("write the earlier date first: `effective: 2026-01-01 .. 2026-12-31`");
        }
      } else {
        diags.report(DiagKind::InvalidSetting, v->span, "`effective` takes a range of two dates")
            .with_help("write `effective: 2026-01-01 .. 2026-12-31` (both days included)");
      }
    } else if (name == "closed_through" || name == "closed_on") {
      closing_setting(name, *v);
    } else if (name == "payout_currency") {
      out->settings.payout_currency_value = v;  // checked with the partner table (payout_currency.cpp)
    } else if (name == "payout_fx") {
      out->settings.payout_fx_value = v;
    } else if (name == "rounding") {
      auto mode = v->kind == ast::ExprKind::Name ? rounding_mode_named(v->text) : std::nullopt;
      if (mode) out->settings.rounding = *mode;
      else {
        diags.report(DiagKind::InvalidRounding, v->span, "unknown rounding mode")
            .with_help("use `half_even`, `half_up`, `down` or `up`");
      }
    } else {
      auto& d = diags.report(DiagKind::UnknownSetting, s.name.span,
                             fmt::format("a program has no setting `{}`", name));
      if (auto guess = closest(name, kProgramSettings)) d.with_help(fmt::format("did you mean `{}`?", *guess));
      else d.with_help("the settings are " + join_ticked(kProgramSettings));
    }
  }
  for (const char* required : {"currency", "period"}) {
    if (!seen.count(required)) {
      diags.report(DiagKind::MissingSetting, p.span, fmt::format("the program does not say its `{}`", required))
          .with_label("in this header")
          .with_help(std::string(required) == "currency" ? "add `currency: USD` (or the program's ISO code)"
                                                         : "add `period: quarter` (or `month`, `year`)");
    }
  }
}

Type Checker::resolve_type(const ast::TypeRef& ref) {
  const std::string& n = ref.name.name;
  auto want_args = [&](size_t max) {
    if (ref.args.size() > max) {
      diags.report(DiagKind::TypeMismatch, ref.span, fmt::format("`{}` takes {} type argument{}", n,
                                                                  max == 0 ? "no" : "one", max == 1 ? "" : "s"));
      return false;
    }
    return true;
  };
  if (n == "Int") return want_args(0) ? Type::of(TypeKind::Int) : Type::error();
  if (n == "Currency") return want_args(0) ? Type::of(TypeKind::Currency) : Type::error();
  if (n == "Decimal") {
    if (!want_args(1)) return Type::error();
    if (!ref.args.empty()) {
      const std::string& a = ref.args[0].name;
      bool ok = !a.empty() && std::all_of(a.begin(), a.end(), ::isdigit) && a.size() <= 2 && std::stoi(a) <= Decimal::kMaxScale;
      if (!ok) {
        diags.report(DiagKind::InvalidColumnType, ref.args[0].span,
                     fmt::format("the scale of a Decimal is a number of digits from 0 to {}", Decimal::kMaxScale));
      }
    }
    return Type::of(TypeKind::Decimal);
  }
  if (n == "Money") {
    // Money, Money(EUR), Money(4) (places kept), Money(EUR, 4).
    if (!want_args(2)) return Type::error();
    std::vector<ast::Ident> args = ref.args;
    if (!args.empty() && std::isdigit(static_cast<unsigned char>(args.back().name[0]))) {
      const std::string& places = args.back().name;
      if (places.size() > 2 || std::stoi(places) > Decimal::kMaxScale) {
        diags.report(DiagKind::InvalidColumnType, args.back().span,
                     fmt::format("a money column keeps from 0 to {} decimal places", Decimal::kMaxScale));
      }
      args.pop_back();
    }
    if (args.size() > 1 || (ref.args.size() == 2 && args.size() != 1)) {
      diags.report(DiagKind::TypeMismatch, ref.span, "write `Money`, `Money(EUR)`, `Money(4)` or `Money(EUR, 4)`");
      return Type::error();
    }
    if (args.empty()) return Type::money(currency());
    const std::string& code = args[0].name;
    if (!is_currency_code(code)) {
      diags.report(DiagKind::UnknownCurrency, args[0].span, fmt::format("`{}` is not an ISO 4217 currency code", code))
          .with_help("write a three-letter code such as `USD`, `EUR` or `GBP`");
      return Type::error();
    }
    return Type::money(code);
  }
  for (auto [name, kind] : {std::pair{"Percent", TypeKind::Percent}, {"Bool", TypeKind::Bool}, {"Text", TypeKind::Text},
                            {"Date", TypeKind::Date}, {"Period", TypeKind::Period}, {"Duration", TypeKind::Duration}}) {
    if (n == name) return want_args(0) ? Type::of(kind) : Type::error();
  }
  auto it = out->globals.find(n);
  if (it != out->globals.end() && it->second.kind == SymbolKind::Enum) {
    used.insert(it->second.decl);
    return want_args(0) ? Type::with_decl(TypeKind::Enum, it->second.decl) : Type::error();
  }
  // A column typed with a table's name holds that table's key: a lookup (`sku: skus`, then `sku.family`).
  if (it != out->globals.end() && it->second.kind == SymbolKind::Table) {
    const auto* table = static_cast<const ast::Source*>(it->second.decl);
    used.insert(table);
    bool keyed = std::any_of(table->columns.begin(), table->columns.end(), [](const ast::Column& c) {
      return std::any_of(c.roles.begin(), c.roles.end(), [](const ast::Ident& r) { return r.name == "key"; });
    });
    if (!keyed) {
      diags.report(DiagKind::MissingRole, ref.name.span, fmt::format("table `{}` has no `key` column to look rows up by", n))
          .note(table->name.span, "the table")
          .with_help("mark its identifying column `as key`");
      return Type::error();
    }
    return want_args(0) ? Type::with_decl(TypeKind::Row, table) : Type::error();
  }
  // A column typed with a keyed ledger's name: a lookup across ledgers (ledger_lookups.cpp, §26).
  if (it != out->globals.end() && it->second.kind == SymbolKind::Ledger) {
    return want_args(0) ? ledger_lookup_type(ref, *static_cast<const ast::Source*>(it->second.decl)) : Type::error();
  }
  std::vector<std::string> candidates = kBuiltinTypes;
  for (const auto& [name, sym] : out->globals) {
    if (sym.kind == SymbolKind::Enum || sym.kind == SymbolKind::Table) candidates.push_back(name);
  }
  auto& d = diags.report(DiagKind::UnknownType, ref.name.span, fmt::format("unknown type `{}`", n));
  if (auto guess = closest(n, candidates)) d.with_help(fmt::format("did you mean `{}`?", *guess));
  else d.with_help("the types are " + join_ticked(kBuiltinTypes) + ", and the enums the program declares");
  return Type::error();
}

std::optional<Type> Checker::column_type(const ast::Source& source, const std::string& column) const {
  for (const auto& c : source.columns) {
    if (c.name.name == column) {
      auto it = decl_value.find(&c);
      return it == decl_value.end() ? Type::error() : it->second.type;
    }
  }
  return std::nullopt;
}

void Checker::check_sources() {
  for (const ast::Module* m : out->modules) {
    for (const auto& s : m->sources) {
      if (s.kind == ast::SourceKind::Fx) {
        if (out->fx_table) {
          diags.report(DiagKind::DuplicateFxTable, s.name.span, "a program has one FX table")
              .note(out->fx_table->name.span, "the FX table is already this one")
              .with_help("put every currency pair's rates in one table, a row per pair and day");
        } else {
          out->fx_table = &s;
        }
      }
      if (s.kind == ast::SourceKind::PartnerTable) {
        if (out->partner_table) {
          diags.report(DiagKind::DuplicatePartnerTable, s.name.span, "a program has one partner table")
              .note(out->partner_table->name.span, "the partner table is already this one")
              .with_help("declare other tables without `partner`");
        } else {
          out->partner_table = &s;
        }
      }
      std::map<std::string, const ast::Column*> columns;
      std::map<std::string, const ast::Column*> roles;
      for (const auto& c : s.columns) {
        if (auto [it, fresh] = columns.emplace(c.name.name, &c); !fresh) {
          diags.report(DiagKind::DuplicateDefinition, c.name.span,
                       fmt::format("column `{}` is declared twice in `{}`", c.name.name, s.name.name))
              .note(it->second->name.span, "first declared here");
        }
        std::optional<Type> line = line_currency(s, c);  // `Money(currency)`, else the type as written
        Type t = line ? *line : resolve_type(c.type);
        if (t.kind == TypeKind::Period || t.kind == TypeKind::Duration) {
          diags.report(DiagKind::InvalidColumnType, c.type.span, fmt::format("a column cannot hold a {}", to_string(t)))
              .with_help(t.kind == TypeKind::Period ? "store the date; the program puts it in its period"
                                                    : "store a number of days as `Int`, or the two dates");
          t = Type::error();
        }
        decl_value[&c] = Value{t, c.type.optional, c.span};
        if (c.rounding) {
          if (!rounding_mode_named(c.rounding->name)) {
            diags.report(DiagKind::InvalidRounding, c.rounding->span, fmt::format("unknown rounding mode `{}`", c.rounding->name))
                .with_help("use `half_even`, `half_up`, `down` or `up`");
          } else if (!t.is_error() && t.kind != TypeKind::Money && t.kind != TypeKind::Decimal && t.kind != TypeKind::Percent) {
            diags.report(DiagKind::InvalidRounding, c.rounding->span, fmt::format("{} column has no decimal places to round", with_article(to_string(t).c_str())))
                .with_help("`rounding` goes on Money, Decimal and Percent columns");
          }
        }
        for (const auto& role : c.roles) {
          const std::string& r = role.name;
          if (std::find(kRoles.begin(), kRoles.end(), r) == kRoles.end()) {
            auto& d = diags.report(DiagKind::InvalidRole, role.span, fmt::format("unknown role `{}`", r));
            if (auto guess = closest(r, kRoles)) d.with_help(fmt::format("did you mean `{}`?", *guess));
            else d.with_help("the roles are `partner`, `date`, `booked` and `key`, in a payments ledger `rebate`, `period` and `amount`, and in a partner table `valid_from` and `valid_to`");
            continue;
          }
          if (auto [it, fresh] = roles.emplace(r, &c); !fresh) {
            diags.report(DiagKind::DuplicateRole, role.span, fmt::format("two columns have the role `{}`", r))
                .note(it->second->name.span, "the first one");
            continue;
          }
          bool ledger = s.kind == ast::SourceKind::Ledger || s.kind == ast::SourceKind::Payments || s.kind == ast::SourceKind::Claims;
          if (r == "valid_from" || r == "valid_to") {
            check_validity_role(s, c, role, t);  // partner_history.cpp
          } else if ((r == "base" || r == "quote" || r == "rate") && s.kind != ast::SourceKind::Fx) {
            diags.report(DiagKind::InvalidRole, role.span, fmt::format("only an FX table column can have the role `{}`", r))
                .with_help("declare exchange rates as `fx table NAME { ... }` (docs/language.md §24)");
          } else if (s.kind == ast::SourceKind::Fx && r != "base" && r != "quote" && r != "rate" && r != "date") {
            diags.report(DiagKind::InvalidRole, role.span, fmt::format("an FX table column cannot have the role `{}`", r))
                .with_help("an FX table's roles are `base`, `quote`, `date` and `rate`");
          } else if (s.kind == ast::SourceKind::Fx) {
            // check_fx_table checks the roles' types.
          } else if (s.kind == ast::SourceKind::Claims || r == "claim") {
            check_claims_role(s, c, r, t);  // funds.cpp
          } else if ((r == "rebate" || r == "period" || r == "amount") && s.kind != ast::SourceKind::Payments) {
            diags.report(DiagKind::InvalidRole, role.span, fmt::format("only a payments ledger column can have the role `{}`", r))
                .with_help("declare the ledger of what was paid as `payments ledger NAME { ... }` (docs/language.md §22)");
          } else if ((r == "partner" || r == "date") && !ledger) {
            diags.report(DiagKind::InvalidRole, role.span, fmt::format("only a ledger column can have the role `{}`", r))
                .with_help("in a table, mark the identifying column `as key`");
          } else if (r == "booked" && s.kind != ast::SourceKind::Ledger) {
            // A payment's own date (`as date`) is the day it was paid: what --as-of compares.
            diags.report(DiagKind::InvalidRole, role.span, "only a ledger column can have the role `booked`")
                .with_help(s.kind == ast::SourceKind::Payments ? "a payments ledger's `date` column, the day paid, is what `--as-of` compares"
                                                               : "`booked` marks the day a ledger line was booked, beside its `date`");
          } else if ((r == "date" || r == "booked") && !t.is_error() && t.kind != TypeKind::Date) {
            diags.report(DiagKind::InvalidRole, role.span, fmt::format("the `{}` column must have type `Date`", r))
                .with_label(fmt::format("this column is {}", to_string(t)));
          } else if (r == "partner" && t.kind == TypeKind::Row) {
            check_partner_lookup(c, role, t);  // the partner of the line it looks up (ledger_lookups.cpp)
          } else if ((r == "partner" || r == "key") && !t.is_error() && t.kind != TypeKind::Text && t.kind != TypeKind::Int) {
            diags.report(DiagKind::InvalidRole, role.span, fmt::format("a `{}` column must be Text or Int", r))
                .with_label(fmt::format("this column is {}", to_string(t)));
          }
          if ((r == "partner" || r == "date" || r == "booked") && c.type.optional) {
            diags.report(DiagKind::InvalidRole, c.type.span, fmt::format("the `{}` column cannot be optional", r))
                .with_help(r == "booked" ? "every line of a ledger with booking dates needs one (a line not booked yet is not in the export); remove the `?`"
                                         : "every ledger line needs a partner and a date; remove the `?`");
          }
        }
      }
      if (s.kind == ast::SourceKind::Ledger) {
        for (const char* r : {"partner", "date"}) {
          if (!roles.count(r)) {
            diags.report(DiagKind::MissingRole, s.name.span,
                         fmt::format("ledger `{}` has no `{}` column", s.name.name, r))
                .with_help(std::string(r) == "partner"
                               ? "mark the column that names the partner: `partner_id: Text as partner`"
                               : "mark the transaction date: `invoice_date: Date as date`");
          }
        }
      } else if (s.kind == ast::SourceKind::Payments) {
        check_payments_ledger(s, roles);
      } else if (s.kind == ast::SourceKind::Claims) {
        check_claims_ledger(s, roles);  // funds.cpp
      } else if (s.kind == ast::SourceKind::Fx) {
        check_fx_table(s, roles);
      } else if (s.kind == ast::SourceKind::PartnerTable && !roles.count("key")) {
        diags.report(DiagKind::MissingRole, s.name.span, "the partner table has no `key` column")
            .with_help("mark the partner id: `id: Text as key`; ledgers' partner columns are matched against it");
      }
      check_partner_history(s, roles);  // partner_history.cpp
    }
  }
  check_partner_id_types();
}

// A ledger's partner ids are looked up among the partner table's keys: a Text column against Int keys
// (or the reverse) would find no partner at all ("7" is not the number 7), so the two must agree.
void Checker::check_partner_id_types() {
  if (!out->partner_table) return;
  auto role_column = [](const ast::Source& s, const char* role) -> const ast::Column* {
    for (const auto& c : s.columns) {
      for (const auto& r : c.roles) {
        if (r.name == role) return &c;
      }
    }
    return nullptr;
  };
  const ast::Column* key = role_column(*out->partner_table, "key");
  if (!key) return;
  const Type key_type = decl_value.at(key).type;
  for (const ast::Module* m : out->modules) {
    for (const auto& s : m->sources) {
      if (s.kind != ast::SourceKind::Ledger && s.kind != ast::SourceKind::Payments && s.kind != ast::SourceKind::Claims) continue;
      const ast::Column* partner = role_column(s, "partner");
      if (!partner) continue;
      const Type t = decl_value.at(partner).type;
      if (t.kind == TypeKind::Row) continue;  // the partner of a looked-up line: checked in that ledger
      auto id_type = [](const Type& x) { return x.kind == TypeKind::Text || x.kind == TypeKind::Int; };  // others: E0503 already
      if (!id_type(t) || !id_type(key_type) || t.kind == key_type.kind) continue;
      diags.report(DiagKind::TypeMismatch, partner->type.span,
                   fmt::format("the partner column of `{}` is {}, and the partner table's key is {}", s.name.name, to_string(t),
                               to_string(key_type)))
          .note(key->type.span, "the partner table's key")
          .with_help("declare both as Text (ids such as \"007\" keep their zeros) or both as Int: a ledger's partner ids are looked up among the keys");
    }
  }
}

void Checker::check_calendars() {
  for (const ast::Module* m : out->modules) {
    for (const auto& c : m->calendars) {
      std::set<std::string> seen;
      for (const auto& s : c.settings) {
        const std::string& name = s.name.name;
        seen.insert(name);
        const ast::Expr& v = *s.value;
        if (name == "year_start") {
          if (v.kind != ast::ExprKind::Date) {
            diags.report(DiagKind::InvalidSetting, v.span, "`year_start` is the first day of a fiscal year")
                .with_help("write a date, as in `year_start: 2026-02-01`");
          }
        } else if (name == "weeks") {
          int total = 0;
          bool ok = v.kind == ast::ExprKind::List && v.args.size() == 3;
          if (ok) {
            for (const auto& w : v.args) {
              if (w->kind != ast::ExprKind::Int) ok = false;
              else total += std::stoi(w->text.substr(0, 3));
            }
          }
          if (!ok || total != 13) {
            diags.report(DiagKind::InvalidSetting, v.span, "`weeks` lists the weeks of the three months of a quarter")
                .with_help("write `[4, 4, 5]`, `[4, 5, 4]` or `[5, 4, 4]`: 13 weeks in all");
          }
        } else {
          auto& d = diags.report(DiagKind::UnknownSetting, s.name.span, fmt::format("a calendar has no setting `{}`", name));
          if (auto guess = closest(name, kCalendarSettings)) d.with_help(fmt::format("did you mean `{}`?", *guess));
          else d.with_help("the settings are " + join_ticked(kCalendarSettings));
        }
      }
      for (const char* required : {"year_start", "weeks"}) {
        if (!seen.count(required)) {
          diags.report(DiagKind::MissingSetting, c.name.span, fmt::format("calendar `{}` does not say its `{}`", c.name.name, required))
              .with_help("a 4-4-5 calendar: `calendar retail { year_start: 2026-02-01  weeks: [4, 4, 5] }`");
        }
      }
    }
  }
}

void Checker::check_consts() {
  for (const ast::Module* m : out->modules) {
    for (const auto& c : m->consts) const_value(c, *c.value);
  }
}

bool Checker::definition_chain_too_deep(const ast::Expr& use, const std::string& name) {
  if (definition_depth < kMaxDefinitionChain) return false;
  diags.report(DiagKind::NestingTooDeep, use.span,
               fmt::format("`{}` is reached through a chain of more than {} definitions", name, kMaxDefinitionChain))
      .with_help("define it closer to the values it is built from");
  return true;
}

Value Checker::const_value(const ast::Const& c, const ast::Expr& use) {
  State& state = decl_state[&c];
  if (state == State::Done) return decl_value[&c];
  if (state == State::InProgress) {
    diags.report(DiagKind::MeasureCycle, use.span, fmt::format("constant `{}` is defined in terms of itself", c.name.name))
        .note(c.name.span, "defined here");
    return Value{};
  }
  if (definition_chain_too_deep(use, c.name.name)) return Value{};
  state = State::InProgress;
  const void* saved_user = current_user;
  current_user = &c;
  ++definition_depth;
  Value v = check_value(*c.value, Scope{ScopeKind::Constant});
  --definition_depth;
  if (c.type) {
    Type declared = resolve_type(*c.type);
    if (!declared.is_error() && !v.type.is_error() && declared != v.type &&
        !(declared.kind == TypeKind::Decimal && v.type.kind == TypeKind::Int)) {
      diags.report(DiagKind::TypeMismatch, c.value->span,
                   fmt::format("`{}` is declared {} but its value is {}", c.name.name, to_string(declared), to_string(v.type)));
    }
    if (!declared.is_error()) v.type = declared;
  }
  current_user = saved_user;
  decl_value[&c] = v;
  decl_state[&c] = State::Done;
  return v;
}

void Checker::check_groups() {
  for (const ast::Module* m : out->modules) {
    for (const auto& g : m->groups) {
      auto it = out->globals.find(g.ledger.name);
      const ast::Source* ledger = nullptr;
      if (it == out->globals.end() || it->second.kind != SymbolKind::Ledger) {
        if (it != out->globals.end()) {
          diags.report(DiagKind::AggregateOutsideLedger, g.ledger.span,
                       fmt::format("a group is made of ledger lines, and `{}` is a {}", g.ledger.name, describe(it->second.kind)));
        } else {
          std::vector<std::string> ledgers;
          for (const auto& [n, sym] : out->globals) {
            if (sym.kind == SymbolKind::Ledger) ledgers.push_back(n);
          }
          report_unknown(g.ledger.name, g.ledger.span, Scope{ScopeKind::Constant}, "ledger", &ledgers);
        }
      } else {
        ledger = static_cast<const ast::Source*>(it->second.decl);
        used.insert(ledger);
      }
      if (ledger) {
        for (const auto& k : g.keys) {
          if (!column_type(*ledger, k.name)) {
            std::vector<std::string> names;
            for (const auto& c : ledger->columns) names.push_back(c.name.name);
            auto& d = diags.report(DiagKind::UnknownMember, k.span,
                                   fmt::format("ledger `{}` has no column `{}`", ledger->name.name, k.name));
            if (auto guess = closest(k.name, names)) d.with_help(fmt::format("did you mean `{}`?", *guess));
          }
        }
      }
      std::map<std::string, Span> seen;
      for (const auto& k : g.keys) seen.emplace(k.name, k.span);
      current_user = &g;
      for (const auto& f : g.fields) {
        if (auto [prev, fresh] = seen.emplace(f.name.name, f.name.span); !fresh) {
          diags.report(DiagKind::DuplicateDefinition, f.name.span, fmt::format("group `{}` already has `{}`", g.name.name, f.name.name))
              .note(prev->second, "first here");
        }
        Scope scope{ScopeKind::PartnerPeriod};
        scope.in_group = &g;
        Value v = ledger ? check_value(*f.value, scope) : Value{};
        if (f.type) {
          Type declared = resolve_type(*f.type);
          if (!declared.is_error() && !v.type.is_error() && declared != v.type) {
            diags.report(DiagKind::TypeMismatch, f.value->span,
                         fmt::format("`{}` is declared {} but its value is {}", f.name.name, to_string(declared), to_string(v.type)));
          }
        }
        decl_value[&f] = v;
      }
      current_user = nullptr;
    }
  }
}

void Checker::check_measures() {
  for (const ast::Module* m : out->modules) {
    for (const auto& ms : m->measures) {
      ast::Expr use;  // no use site: checking the measure for its own sake
      use.span = ms.name.span;
      measure_value(ms, use);
    }
  }
}

}  // namespace rebate::check
