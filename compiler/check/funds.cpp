// Funds (docs/language.md §27): a claims ledger's columns, a fund's two clauses, and what a fund cannot
// be combined with. A fund accrues a share of a measure each period and pays claims up to the balance
// carried from the program's first period, so it needs `effective` dates (E0527), exactly one `accrue`
// and one `pay claims from` and nothing else (E0528), a claims ledger of its own (E0529), and no budget or
// closed periods (E0533).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <tuple>

#include "check/checker_impl.h"
#include "check/literals.h"
#include "core/period_words.h"

namespace rebate::check {

namespace {

struct Role {
  const char* name;
  const char* example;
};

// Every role a claims ledger must have, with the column that shows it.
constexpr Role kClaimRoles[] = {{"claim", "claim_id: Text as claim"},
                                {"partner", "partner_id: Text as partner"},
                                {"date", "claimed_on: Date as date"},
                                {"amount", "amount: Money as amount"}};

}  // namespace

// A role of a claims ledger's column (or the role `claim` outside one).
void Checker::check_claims_role(const ast::Source& s, const ast::Column& c, const std::string& r, const Type& t) {
  if (s.kind != ast::SourceKind::Claims) {
    diags.report(DiagKind::InvalidRole, c.roles.front().span, "only a claims ledger column can have the role `claim`")
        .with_help("declare a fund's claims as `claims ledger NAME { ... }` (docs/language.md §27)");
    return;
  }
  const bool known = std::any_of(std::begin(kClaimRoles), std::end(kClaimRoles), [&](const Role& k) { return r == k.name; });
  if (!known) {
    diags.report(DiagKind::InvalidRole, c.type.span, fmt::format("a claims ledger column cannot have the role `{}`", r))
        .with_help("a claims ledger's roles are `claim`, `partner`, `date` and `amount`");
    return;
  }
  if (c.type.optional) {
    diags.report(DiagKind::InvalidRole, c.type.span, fmt::format("the `{}` column cannot be optional", r))
        .with_help("every claim names its id, its partner, its date and its amount; remove the `?`");
  }
  if (t.is_error()) return;
  if (r == "claim" && t.kind != TypeKind::Text && t.kind != TypeKind::Int) {
    diags.report(DiagKind::InvalidRole, c.type.span, "the `claim` column must be Text or Int")
        .with_label(fmt::format("this column is {}", to_string(t)));
  } else if (r == "date" && t.kind != TypeKind::Date) {
    diags.report(DiagKind::InvalidRole, c.type.span, "the `date` column must have type `Date`").with_label(fmt::format("this column is {}", to_string(t)));
  } else if (r == "partner" && t.kind != TypeKind::Text && t.kind != TypeKind::Int) {
    diags.report(DiagKind::InvalidRole, c.type.span, "a `partner` column must be Text or Int").with_label(fmt::format("this column is {}", to_string(t)));
  } else if (r == "amount" && !(t.kind == TypeKind::Money && t.currency == currency())) {
    diags.report(DiagKind::InvalidRole, c.type.span, fmt::format("the `amount` column of a claims ledger must be Money in {}, the program's currency", currency()))
        .with_label(fmt::format("this column is {}", to_string(t)))
        .with_help(fmt::format("write `{}: Money as amount`", c.name.name));
  }
}

void Checker::check_claims_ledger(const ast::Source& s, const std::map<std::string, const ast::Column*>& roles) {
  for (const Role& role : kClaimRoles) {
    if (roles.count(role.name)) continue;
    diags.report(DiagKind::MissingRole, s.name.span, fmt::format("claims ledger `{}` has no `{}` column", s.name.name, role.name))
        .with_help(fmt::format("a claims ledger says which claim, by which partner, on which day and for how much: add `{}`", role.example));
  }
}

// `expire after 4 quarters`: a constant duration, a whole number of the program's periods and at least
// one (docs/language.md §27). How long money may wait in a fund is a term of the program, written once.
void Checker::check_fund_expiry(const ast::Expr& after) {
  const Value v = check_value(after, Scope{ScopeKind::Constant});
  if (v.type.is_error()) return;
  const PeriodGrain grain = out->settings.grain;
  const char* period = period_word(grain);
  const std::string periods = periods_word(grain);
  const std::string example = grain == PeriodGrain::Month ? "12 months" : grain == PeriodGrain::Year ? "2 years" : "4 " + periods;
  if (v.type.kind != TypeKind::Duration || v.type.currency != "months" || after.kind != ast::ExprKind::Quantity) {
    diags.report(DiagKind::InvalidFundExpiry, after.span,
                 fmt::format("a fund's accruals expire after a number of months, quarters or years, and this is {}",
                             v.type.kind == TypeKind::Duration && after.kind == ast::ExprKind::Quantity ? "`" + source_text(after.span) + "`" : to_string(v.type)))
        .with_help(fmt::format("write how many of the program's periods a period's accrual pays claims for: `expire after {}`", example));
    return;
  }
  const std::optional<int64_t> n = periods_in(after, grain);
  if (!n) {
    diags.report(DiagKind::InvalidFundExpiry, after.span, fmt::format("`{}` is not a whole number of {}, the program's periods", source_text(after.span), periods))
        .with_help(fmt::format("an accrual lapses at the end of a period: write `expire after {}`", example));
  } else if (*n == 0) {
    diags.report(DiagKind::InvalidFundExpiry, after.span, "an accrual that expires after no time pays no claim")
        .with_help(fmt::format("at least `1 {}`: each period's accrual then pays only that period's claims", period));
  }
}

void Checker::check_fund(const ast::Rebate& f) {
  const ast::Clause* accrue = nullptr;
  const ast::Clause* claims = nullptr;
  const ast::Clause* expire = nullptr;
  for (const ast::Clause& c : f.clauses) {
    const ast::Clause** slot = c.kind == ast::ClauseKind::Accrue   ? &accrue
                               : c.kind == ast::ClauseKind::Claims ? &claims
                               : c.kind == ast::ClauseKind::Expire ? &expire
                                                                   : nullptr;
    if (!slot) {
      diags.report(DiagKind::InvalidFundClause, c.span, fmt::format("a fund has no `{}` clause", ast::spelling(c.kind)))
          .with_help("a fund says what it accrues (`accrue 2% of purchases`), where its claims come from (`pay claims from coop_claims`) "
                     "and, if they do, when its accruals expire (`expire after 4 quarters`); conditions go into the accrual's formula (`accrue if partner.certified then 2% of purchases else 0 USD`)");
      continue;
    }
    if (*slot) {
      diags.report(DiagKind::DuplicateClause, c.span, fmt::format("a fund has one `{}` clause", ast::spelling(c.kind)))
          .note((*slot)->span, "the first one")
          .with_help("keep one of them");
      continue;
    }
    *slot = &c;
  }
  for (const auto& [clause, words, example] : {std::tuple{accrue, "accrue", "accrue 2% of purchases"}, std::tuple{claims, "pay claims from", "pay claims from coop_claims"}}) {
    if (clause) continue;
    diags.report(DiagKind::InvalidFundClause, f.name.span, fmt::format("fund `{}` has no `{}` clause", f.name.name, words))
        .with_help(fmt::format("add `{}`", example));
  }
  if (accrue && accrue->value) {
    // What the fund accrues each period: an amount in the program's currency, from anything a rebate's
    // amount may read (measures, look-backs, partner attributes, tables).
    const Value v = check_value(*accrue->value, Scope{ScopeKind::PartnerPeriod});
    const Type money = Type::money(currency());
    if (!v.type.is_error() && v.type != money) {
      auto& d = diags.report(v.type.is_number() ? DiagKind::MoneyPlusNumber : v.type.kind == TypeKind::Money ? DiagKind::CurrencyMismatch : DiagKind::TypeMismatch,
                             accrue->value->span, fmt::format("a fund accrues an amount in {}, and this is {}", currency(), to_string(v.type)));
      if (v.type.kind == TypeKind::Percent) d.with_help(fmt::format("a percentage of what? write `{} of purchases`", source_text(accrue->value->span)));
      else d.with_help(fmt::format("write an amount in {}, as in `accrue 2% of purchases`", currency()));
    }
  }
  if (expire && expire->value) check_fund_expiry(*expire->value);
  if (claims) {
    auto it = out->globals.find(claims->claims.name);
    const bool input = it != out->globals.end() && (it->second.kind == SymbolKind::Ledger || it->second.kind == SymbolKind::Table);
    const ast::Source* source = input ? static_cast<const ast::Source*>(it->second.decl) : nullptr;
    if (!source || source->kind != ast::SourceKind::Claims) {
      std::vector<std::string> ledgers;
      for (const ast::Module* m : out->modules) {
        for (const auto& s : m->sources) {
          if (s.kind == ast::SourceKind::Claims) ledgers.push_back(s.name.name);
        }
      }
      auto& d = diags.report(DiagKind::InvalidClaimsSource, claims->claims.span,
                             source ? fmt::format("`{}` is not a claims ledger", claims->claims.name)
                                    : fmt::format("`{}` is not a ledger of this program", claims->claims.name));
      if (!ledgers.empty()) d.with_help(fmt::format("the program's claims ledgers: `{}`", fmt::join(ledgers, "`, `")));
      else d.with_help("declare it: `claims ledger coop_claims { claim_id: Text as claim  partner_id: Text as partner  claimed_on: Date as date  amount: Money as amount }`");
    } else {
      used.insert(source);
      uses.insert({&f, source});
      auto [first, fresh] = claims_paid_by_.emplace(source, &f);
      if (!fresh) {
        // Each claim would be paid by both funds, each up to its own balance.
        diags.report(DiagKind::InvalidClaimsSource, claims->claims.span,
                     fmt::format("funds `{}` and `{}` both pay claims from `{}`: each claim would be paid twice", first->second->name.name,
                                 f.name.name, source->name.name))
            .note(first->second->name.span, "the first fund")
            .with_help("give each fund a claims ledger of its own");
      }
    }
  }
  if (!out->settings.effective_from) {
    diags.report(DiagKind::FundWithoutStart, f.name.span,
                 fmt::format("fund `{}` carries its balance from the program's first period, and the program has no `effective` dates", f.name.name))
        .with_help("declare when the program starts and ends in its header: `effective: 2026-01-01 .. 2026-12-31`");
  }
}

// What a program with funds cannot have: a budget that names a fund (a fund pays claims up to its
// balance, never a share of a pool), or closed periods (a fund's adjustments would re-run its claims).
// Claims ledgers no fund pays from are a lint (W0014).
void Checker::check_funds_program() {
  std::vector<const ast::Rebate*> funds;
  for (const ast::Module* m : out->modules) {
    for (const auto& r : m->rebates) {
      if (r.fund) funds.push_back(&r);
    }
  }
  for (const ast::Module* m : out->modules) {
    for (const auto& b : m->budgets) {
      for (const ast::Ident& name : b.rebates) {
        auto f = std::find_if(funds.begin(), funds.end(), [&](const ast::Rebate* x) { return x->name.name == name.name; });
        if (f == funds.end()) continue;
        diags.report(DiagKind::FundCombination, name.span, fmt::format("budget `{}` names fund `{}`: a fund pays claims up to its balance, which no budget scales", b.name.name, name.name))
            .note((*f)->name.span, "the fund")
            .with_help("leave the fund out of the budget; its accrual is its limit");
      }
    }
    for (const auto& s : m->sources) {
      if (s.kind != ast::SourceKind::Claims || claims_paid_by_.count(&s)) continue;
      diags.report(DiagKind::UnusedClaims, s.name.span, fmt::format("no fund pays claims from `{}`", s.name.name))
          .with_help(fmt::format("declare the fund: `fund coop {{ accrue 2% of purchases  pay claims from {} }}`, or remove the ledger", s.name.name));
    }
  }
  if (!funds.empty() && out->settings.closed_through) {
    diags.report(DiagKind::FundCombination, out->settings.closed_span, "a program with funds cannot close periods yet: a fund's balance runs through every period, closed or not")
        .note(funds.front()->name.span, "the fund")
        .with_help("leave out `closed_through`; a fund's claims are paid when the run sees them, and `--as-of` runs it as it stood on a day");
  }
}

}  // namespace rebate::check
