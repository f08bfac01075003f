// Rebates and their clauses, status awards, budgets, and the `test` blocks.
#include <fmt/format.h>

#include "check/checker_impl.h"
#include "core/currency.h"

namespace rebate::check {

namespace {

bool once_only(ast::ClauseKind k) {
  switch (k) {
    case ast::ClauseKind::Pay: case ast::ClauseKind::Cap: case ast::ClauseKind::Floor:
    case ast::ClauseKind::AllowNegative: case ast::ClauseKind::Rounding:
    case ast::ClauseKind::Settle: case ast::ClauseKind::OnNegative:
      return true;
    case ast::ClauseKind::Accrue: case ast::ClauseKind::Claims: case ast::ClauseKind::Expire:  // reported in a rebate anyway
    case ast::ClauseKind::Eligible: case ast::ClauseKind::Require: case ast::ClauseKind::Uplift:
    case ast::ClauseKind::Accelerate:
      return false;
  }
  return false;
}

}  // namespace

void Checker::check_rebates() {
  Type payout = Type::money(currency());
  for (const ast::Module* m : out->modules) {
    for (const auto& r : m->rebates) {
      current_user = &r;
      if (r.fund) {
        check_fund(r);  // funds.cpp
        current_user = nullptr;
        continue;
      }
      Scope scope{ScopeKind::PartnerPeriod};
      std::map<ast::ClauseKind, const ast::Clause*> seen;
      // The amount clauses must be money in the program's currency.
      auto expect_money = [&](const ast::Expr& e, const Value& v, const char* what) {
        if (v.type.is_error() || v.type == payout) return;
        if (v.type.kind == TypeKind::Money) {
          diags.report(DiagKind::CurrencyMismatch, e.span, fmt::format("{} is in {}, but the program pays in {}", what, v.type.currency, currency()))
              .with_help(fmt::format("write amounts in {}", currency()));
        } else if (v.type.is_number()) {
          diags.report(DiagKind::MoneyPlusNumber, e.span, fmt::format("{} must be an amount of money, and this is a plain number", what))
              .with_help(fmt::format("write `{}`", with_currency(e, currency()))).with_fix(currency_fix(e, currency()));
        } else if (v.type.kind == TypeKind::Percent) {
          diags.report(DiagKind::TypeMismatch, e.span, fmt::format("{} must be an amount of money, and this is a percentage", what))
              .with_help(fmt::format("a percentage of what? write `{} of revenue`", e.kind == ast::ExprKind::Percent ? e.text + "%" : "5%"));
        } else {
          diags.report(DiagKind::TypeMismatch, e.span, fmt::format("{} must be an amount of money, and this is {}", what, to_string(v.type)));
        }
      };
      // never-pays: a clause whose constant value rules out any payout.
      const ast::Clause* never = nullptr;
      std::string never_why;
      auto never_if = [&](bool cond, const ast::Clause& c, std::string why) {
        if (cond && !never) {
          never = &c;
          never_why = std::move(why);
        }
      };
      // floor-above-cap: the constant floor and cap, when both are.
      std::optional<Decimal> floor_value, cap_value;
      const ast::Clause* floor_clause = nullptr;
      const ast::Clause* cap_clause = nullptr;
      const ast::Clause* pays_zero = nullptr;  // a `pay` of a constant zero, or whose `when` never holds
      std::string pays_zero_why;
      bool has_uplift = false;
      for (const auto& c : r.clauses) {
        if (once_only(c.kind)) {
          auto [it, fresh] = seen.emplace(c.kind, &c);
          if (!fresh) {
            diags.report(DiagKind::DuplicateClause, c.span, fmt::format("a rebate has one `{}` clause", ast::spelling(c.kind)))
                .note(it->second->span, "the first one")
                .with_help(c.kind == ast::ClauseKind::Pay ? "add further amounts with `uplift ... when ...`" : "keep one of them");
            continue;
          }
        }
        if (c.when) {
          Value w = check_condition(*c.when, scope);
          if (c.kind == ast::ClauseKind::Pay && w.constant_bool == false) pays_zero = &c, pays_zero_why = "its `when` condition is never true";
        }
        switch (c.kind) {
          case ast::ClauseKind::Eligible:
          case ast::ClauseKind::Require: {
            Value v = check_condition(*c.value, scope);
            never_if(v.constant_bool == false, c, "this condition is never true");
            if (c.kind == ast::ClauseKind::Eligible) {
              // Eligibility is who the partner is; what it sold is a gate (docs/language.md §12): the
              // status says which (`not eligible` or `gate not met`), and so do coverage and statements.
              if (const ast::Expr* figure = reads_figures(*c.value)) {
                diags.report(DiagKind::MeasureInEligible, figure->span,
                             fmt::format("`eligible when` says who may take part, from partner attributes, constants and `period`, and "
                                         "`{}` depends on the partner's sales", source_text(figure->span)))
                    .with_help(fmt::format("a condition on sales is a gate: write `require {}`", source_text(c.value->span)));
              }
            }
            break;
          }
          case ast::ClauseKind::Pay: {
            Value v = check_value(*c.value, scope);
            expect_money(*c.value, v, "the payout");
            if (v.constant && v.constant->is_zero() && !pays_zero) pays_zero = &c, pays_zero_why = "it pays a constant zero";
            break;
          }
          case ast::ClauseKind::Uplift:
            expect_money(*c.value, check_value(*c.value, scope), "an uplift");
            has_uplift = true;
            break;
          case ast::ClauseKind::Cap: {
            Value v = check_value(*c.value, scope);
            expect_money(*c.value, v, "a cap");
            never_if(v.constant && v.constant->sign() <= 0, c, "its cap is zero");
            cap_value = v.constant;
            cap_clause = &c;
            break;
          }
          case ast::ClauseKind::Floor: {
            Value v = check_value(*c.value, scope);
            expect_money(*c.value, v, "a floor");
            floor_value = v.constant;
            floor_clause = &c;
            break;
          }
          case ast::ClauseKind::Accelerate: {
            Value v = check_value(*c.value, scope);
            if (!v.type.is_error() && !v.type.is_ratio()) {
              diags.report(DiagKind::TypeMismatch, c.value->span, fmt::format("an accelerator multiplies the payout by a factor, and this is {}", to_string(v.type)))
                  .with_help("write a percentage (`120%`) or a factor (`1.2`); to add an amount use `uplift`");
            }
            break;
          }
          case ast::ClauseKind::Accrue:
          case ast::ClauseKind::Claims:
          case ast::ClauseKind::Expire:
            diags.report(DiagKind::InvalidFundClause, c.span, fmt::format("`{}` is a fund's clause, and `{}` is a rebate", ast::spelling(c.kind), r.name.name))
                .with_help(fmt::format("declare a fund: `fund {} {{ accrue 2% of purchases  pay claims from coop_claims }}`", r.name.name));
            break;
          case ast::ClauseKind::AllowNegative:
          case ast::ClauseKind::Settle:       // check_settlement, below
          case ast::ClauseKind::OnNegative:
            break;
          case ast::ClauseKind::Rounding: {
            if (!rounding_mode_named(c.rounding_mode.name)) {
              diags.report(DiagKind::InvalidRounding, c.rounding_mode.span, fmt::format("unknown rounding mode `{}`", c.rounding_mode.name))
                  .with_help("use `half_even`, `half_up`, `down` or `up`");
            }
            if (c.rounding_to) {
              const ast::Expr& to = *c.rounding_to;
              record(to, Value{Type::of(TypeKind::Int)});
              if (to.kind != ast::ExprKind::Int || to.text.size() > 1) {
                diags.report(DiagKind::InvalidRounding, to.span, "round to a whole number of decimal places from 0 to 9")
                    .with_help("`rounding half_up to 2` rounds to cents; `to 0` to whole units");
              } else if (const int minor = currency_minor_unit(currency()); to.text[0] - '0' > minor) {
                // A payout is an amount of the currency: it cannot hold more places than its minor unit,
                // and keeping them would only have the report round it a second time (docs/language.md §16).
                diags.report(DiagKind::InvalidRounding, to.span,
                             fmt::format("a payout in {} has at most {} decimal place{}; it cannot be rounded to {}", currency(), minor,
                                         minor == 1 ? "" : "s", to.text))
                    .with_help(fmt::format("write `to {}` or fewer; to keep more places in a step, use `round(x, {})` in a measure", minor, to.text));
              }
            }
            break;
          }
        }
      }
      // A `pay` of zero still pays through an uplift or a floor (`pay 0 USD  floor 250 USD` is a flat fee
      // to every eligible partner, docs/language.md §12): only without them can the rebate never pay.
      if (pays_zero && !has_uplift && !floor_clause) never_if(true, *pays_zero, pays_zero_why);
      // (A floor over the year and a cap on each payout, or the reverse, limit different amounts.)
      const auto window = [](const ast::Clause* c) { return c && c->per ? c->per->name : std::string(); };
      if (floor_value && cap_value && window(floor_clause) == window(cap_clause) && Decimal::compare(*floor_value, *cap_value) > 0) {
        // The floor is applied before the cap (docs/language.md §12), so every eligible partner whose
        // gates pass is paid the cap, whatever it sold: almost certainly not what was meant.
        diags.report(DiagKind::FloorAboveCap, floor_clause->span,
                     fmt::format("the floor is above the cap: every eligible partner is paid the cap, {} {}, every period",
                                 cap_value->to_string(), currency()))
            .with_label("applied first")
            .note(cap_clause->span, "then the cap lowers it")
            .with_help("lower the floor below the cap, or drop one of them");
      }
      if (never) {
        diags.report(DiagKind::NeverPays, never->span, fmt::format("rebate `{}` can never pay: {}", r.name.name, never_why))
            .note(r.name.span, "the rebate")
            .with_help("check the condition and the amounts; remove the rebate if it is retired");
      }
      check_settlement(r);
      if (!seen.count(ast::ClauseKind::Pay)) {
        diags.report(DiagKind::MissingPay, r.name.span, fmt::format("rebate `{}` does not say what it pays", r.name.name))
            .with_help("add a `pay` clause, as in `pay 5% of revenue`");
      }
      current_user = nullptr;
    }
  }
}

namespace {

// The types an award's value may have: a status (an enum), a yes/no, a text, or an amount of money.
bool award_type(const Type& t) {
  return t.kind == TypeKind::Enum || t.kind == TypeKind::Bool || t.kind == TypeKind::Text || t.kind == TypeKind::Money;
}

// The types a metric may have: what the outputs write as one cell (docs/language.md §25).
bool metric_type(const Type& t) { return award_type(t) || t.is_number() || t.kind == TypeKind::Percent; }

}  // namespace

void Checker::check_awards() {
  for (const ast::Module* m : out->modules) {
    for (const auto& a : m->awards) {
      current_user = &a;
      Type t = resolve_type(a.type);
      if (a.metric && !t.is_error() && (!metric_type(t) || a.type.optional)) {
        diags.report(DiagKind::InvalidMetricType, a.type.span,
                     a.type.optional ? fmt::format("a metric has a value for every partner and period, so it cannot be `{}?`", to_string(t))
                                     : fmt::format("a metric is money, a number, a percentage, a text, a yes/no or an enum, not {}", to_string(t)))
            .with_help(a.type.optional ? fmt::format("write `{}`, and give the value where there is none with `otherwise`", to_string(t))
                                       : "write a number, as in `metric days_left: Int = ...`, or an amount, as in `metric balance: Money = ...`");
        t = Type::error();
      } else if (!a.metric && !t.is_error() && !award_type(t)) {
        diags.report(DiagKind::TypeMismatch, a.type.span, fmt::format("an award is a status (an enum), a yes/no, a text or an amount of money, not {}", to_string(t)))
            .with_help("an award names a level, as in `award next_level: Tier`, or an amount, as in `award credit: Money`");
      }
      Scope scope{ScopeKind::PartnerPeriod};
      bool after_otherwise = false;
      for (const auto& row : a.rows) {
        if (after_otherwise) {
          diags.report(DiagKind::UnreachableRow, row.span, "this row is never used: the `otherwise` row above matches everything")
              .with_help("put `otherwise` last");
        }
        if (row.when) check_condition(*row.when, scope);
        else after_otherwise = true;
        Value v = check_value(*row.value, scope, &t);
        // A metric declared `Decimal` may be given by an `Int` formula: both are numbers, written alike.
        const bool numbers = a.metric && v.type.is_number() && t.is_number();
        if (!v.type.is_error() && !t.is_error() && v.type != t && !numbers) {
          diags.report(DiagKind::TypeMismatch, row.value->span,
                       fmt::format("the {} is {}, and this {} gives {}", a.metric ? "metric" : "award", to_string(t), a.metric ? "formula" : "row", to_string(v.type)));
        }
      }
      decl_value[&a] = Value{t};
      current_user = nullptr;
    }
  }
}

void Checker::check_budgets() {
  for (const ast::Module* m : out->modules) {
    for (const auto& b : m->budgets) {
      current_user = &b;
      Value v = check_value(*b.amount, Scope{ScopeKind::Constant});
      if (!v.type.is_error() && v.type != Type::money(currency())) {
        auto& d = diags.report(v.type.is_number() ? DiagKind::MoneyPlusNumber : DiagKind::TypeMismatch, b.amount->span,
                               fmt::format("a budget is an amount in {}, and this is {}", currency(), to_string(v.type)));
        d.with_help(fmt::format("write `{}`", with_currency(*b.amount, currency())))
            .with_fix(currency_fix(*b.amount, currency()));
      } else if (!v.type.is_error() && !v.constant) {
        // A division by zero: no amount (lowering would otherwise take it as 0 and scale every payout to 0).
        diags.report(DiagKind::InvalidSetting, b.amount->span, "a budget must be an amount known before the run, and this one has no value")
            .with_help("a division by zero has no value: write the amount, `2_000_000 USD`");
      } else if (v.constant && v.constant->sign() <= 0) {
        diags.report(DiagKind::InvalidSetting, b.amount->span, "a budget must be more than zero");
      }
      if (b.per) {
        const char* grain = out->settings.grain == PeriodGrain::Month ? "month" : out->settings.grain == PeriodGrain::Year ? "year" : "quarter";
        if (b.per->name != grain) {
          diags.report(DiagKind::InvalidSetting, b.per->span,
                       fmt::format("the program pays per {}, so a budget is per {} too", grain, grain))
              .with_help(fmt::format("write `per {}`", grain));
        }
      }
      for (const auto& name : b.rebates) {
        auto it = out->globals.find(name.name);
        if (it == out->globals.end() || it->second.kind != SymbolKind::Rebate) {
          std::vector<std::string> rebates;
          for (const auto& [n, s] : out->globals) {
            if (s.kind == SymbolKind::Rebate) rebates.push_back(n);
          }
          auto& d = diags.report(DiagKind::UnknownRebate, name.span, fmt::format("`{}` is not a rebate of this program", name.name));
          if (auto guess = closest(name.name, rebates)) d.with_help(fmt::format("did you mean `{}`?", *guess));
        } else {
          used.insert(it->second.decl);
        }
      }
      current_user = nullptr;
    }
  }
}

void Checker::check_tests() {
  Scope literal{ScopeKind::TestValue};
  for (const ast::Module* m : out->modules) {
    for (const auto& t : m->tests) {
      // An input read from a fixture is the whole input: no second `given` of it, inline or from a file.
      std::map<std::string, const ast::TestGiven*> first_given;
      for (const auto& g : t.given) {
        auto [at, fresh] = first_given.emplace(g.source.name, &g);
        if (!fresh && (g.from || at->second->from)) {
          const ast::TestGiven& fixture = g.from ? g : *at->second;
          diags.report(DiagKind::TestGivenTwice, g.source.span,
                       fmt::format("this test already gives `{}`{}", g.source.name, at->second->from ? " from a file" : " inline"))
              .note(at->second->source.span, "given here first")
              .with_help(fmt::format("a fixture holds all of `{}` in a test: put these rows in \"{}\", or give them all inline",
                                     g.source.name, *fixture.from));
        }
      }
      for (const auto& g : t.given) {
        auto it = out->globals.find(g.source.name);
        if (it == out->globals.end() || (it->second.kind != SymbolKind::Ledger && it->second.kind != SymbolKind::Table)) {
          std::vector<std::string> source_names;
          for (const auto& [n, s] : out->globals) {
            if (s.kind == SymbolKind::Ledger || s.kind == SymbolKind::Table) source_names.push_back(n);
          }
          auto& d = diags.report(DiagKind::TestUnknownInput, g.source.span, fmt::format("`{}` is not a ledger or table of this program", g.source.name));
          if (auto guess = closest(g.source.name, source_names)) d.with_help(fmt::format("did you mean `{}`?", *guess));
          continue;
        }
        const auto* s = static_cast<const ast::Source*>(it->second.decl);
        std::vector<std::optional<Type>> types;
        for (const auto& col : g.columns) {
          auto ct = column_type(*s, col.name);
          if (!ct) {
            std::vector<std::string> names;
            for (const auto& c : s->columns) names.push_back(c.name.name);
            auto& d = diags.report(DiagKind::UnknownMember, col.span, fmt::format("`{}` has no column `{}`", s->name.name, col.name));
            if (auto guess = closest(col.name, names)) d.with_help(fmt::format("did you mean `{}`?", *guess));
          }
          types.push_back(ct);
        }
        // Columns a test leaves out have no value; the test runner fails a test that reads one.
        for (size_t r = 0; r < g.rows.size(); ++r) {
          const auto& row = g.rows[r];
          if (row.size() != g.columns.size()) {
            diags.report(DiagKind::TestRowArity, g.row_spans[r],
                         fmt::format("this row has {} value{} for {} column{}", row.size(), row.size() == 1 ? "" : "s",
                                     g.columns.size(), g.columns.size() == 1 ? "" : "s"));
            continue;
          }
          for (size_t i = 0; i < row.size() && i < types.size(); ++i) {
            const Type* expected = types[i] ? &*types[i] : nullptr;
            if (expected && expected->kind == TypeKind::Currency) {
              // A currency code, written bare as in `100 EUR` (not a name of the program).
              if (row[i]->kind == ast::ExprKind::Name && is_currency_code(row[i]->text)) {
                record(*row[i], Value{*expected});
              } else {
                diags.report(DiagKind::TypeMismatch, row[i]->span, fmt::format("column `{}` holds a currency code", g.columns[i].name))
                    .with_help("write the code in capitals, as in `EUR`");
              }
              continue;
            }
            Value v = check(*row[i], literal, expected);
            // A line-currency amount is written with its currency (`5_000 GBP`), which the row's currency
            // column says again; the cell is the number.
            if (expected && expected->is_line_money() && v.type.kind == TypeKind::Money && !v.type.is_line_money()) continue;
            if (!expected || v.type.is_error() || expected->is_error()) continue;
            bool ok = v.type == *expected || (expected->kind == TypeKind::Decimal && v.type.is_number()) ||
                      (expected->kind == TypeKind::Row && (v.type.kind == TypeKind::Text || v.type.kind == TypeKind::Int));
            if (!ok) {
              bool money_number = expected->kind == TypeKind::Money && v.type.is_number();
              auto& d = diags.report(money_number ? DiagKind::MoneyPlusNumber : DiagKind::TypeMismatch, row[i]->span,
                                     fmt::format("column `{}` is {}, and this value is {}", g.columns[i].name, to_string(*expected), to_string(v.type)));
              if (money_number) d.with_help(fmt::format("write `{}`", with_currency(*row[i], expected->currency)))
                  .with_fix(currency_fix(*row[i], expected->currency));
            }
          }
        }
      }
      for (const auto& e : t.expects) {
        auto it = out->globals.find(e.rebate.name);
        Type expected = Type::error();
        if (it != out->globals.end() && it->second.kind == SymbolKind::Rebate) {
          expected = Type::money(currency());
        } else if (it != out->globals.end() && it->second.kind == SymbolKind::Award) {
          auto av = decl_value.find(it->second.decl);
          if (av != decl_value.end()) expected = av->second.type;
        } else {
          std::vector<std::string> names;
          for (const auto& [n, s] : out->globals) {
            if (s.kind == SymbolKind::Rebate || s.kind == SymbolKind::Award) names.push_back(n);
          }
          auto& d = diags.report(DiagKind::UnknownRebate, e.rebate.span, fmt::format("`{}` is not a rebate or award of this program", e.rebate.name));
          if (auto guess = closest(e.rebate.name, names)) d.with_help(fmt::format("did you mean `{}`?", *guess));
        }
        Value p = check(*e.partner, literal);
        if (!p.type.is_error() && p.type.kind != TypeKind::Text && p.type.kind != TypeKind::Int) {
          diags.report(DiagKind::TypeMismatch, e.partner->span, "the partner is named by its id, as in \"P1\"");
        }
        Value per = check(*e.period, literal);
        if (!per.type.is_error() && per.type.kind != TypeKind::Period && per.type.kind != TypeKind::Int) {
          diags.report(DiagKind::TypeMismatch, e.period->span, "the period is written like `2026-Q3`, `2026-07` or `2026`");
        }
        Value a = check(*e.amount, literal, &expected);
        if (!a.type.is_error() && !expected.is_error() && a.type != expected && !(a.type.is_number() && expected.is_number())) {
          bool money_number = expected.kind == TypeKind::Money && a.type.is_number();
          auto& d = diags.report(money_number ? DiagKind::MoneyPlusNumber : DiagKind::TypeMismatch, e.amount->span,
                                 fmt::format("`{}` gives {}, and the expectation is {}", e.rebate.name, to_string(expected), to_string(a.type)));
          if (money_number) d.with_help(fmt::format("write `{}`", with_currency(*e.amount, expected.currency)))
              .with_fix(currency_fix(*e.amount, expected.currency));
        }
      }
    }
  }
}

const ast::Expr* Checker::reads_figures(const ast::Expr& e) const {
  if (e.kind == ast::ExprKind::Method) {
    // An aggregate (a ledger's or a group's): a sales figure itself.
    const ast::Expr& receiver = e.arg(0);
    const auto& ref = receiver.id < out->refs.size() ? out->refs[receiver.id] : std::nullopt;
    if (ref && (ref->kind == SymbolKind::Ledger || ref->kind == SymbolKind::Group)) return &e;
  }
  if (e.kind == ast::ExprKind::Name && e.id < out->refs.size() && out->refs[e.id]) {
    const Symbol& sym = *out->refs[e.id];
    if (sym.kind == SymbolKind::Measure) return &e;
    if (sym.kind == SymbolKind::Decision) {
      // A decision table whose inputs read measures: follow what it uses, transitively.
      std::set<const void*> seen{sym.decl};
      std::vector<const void*> todo{sym.decl};
      while (!todo.empty()) {
        const void* user = todo.back();
        todo.pop_back();
        for (auto it = uses.lower_bound({user, nullptr}); it != uses.end() && it->first == user; ++it) {
          for (const auto& [name, global] : out->globals) {
            if (global.decl == it->second && global.kind == SymbolKind::Measure) return &e;
          }
          if (seen.insert(it->second).second) todo.push_back(it->second);
        }
      }
    }
  }
  for (const auto& a : e.args) {
    if (const ast::Expr* found = reads_figures(*a)) return found;
  }
  return e.where ? reads_figures(*e.where) : nullptr;
}

}  // namespace rebate::check
