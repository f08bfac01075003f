// Settlement: the payments ledger's columns, and a rebate's `settle`, `on negative`, `cap ... per` and
// `floor ... per` clauses (docs/language.md §22). A settled rebate pays what it earned (over its window) less what the
// payments ledger says was paid for it; that can be negative whenever the partner earned less than it
// was paid, so the rebate must say what it pays then (E0515).
#include <fmt/format.h>

#include "check/checker_impl.h"

namespace rebate::check {

namespace {

const ast::Clause* find_clause(const ast::Rebate& r, ast::ClauseKind kind) {
  for (const auto& c : r.clauses) {
    if (c.kind == kind) return &c;
  }
  return nullptr;
}

std::string words(const std::vector<ast::Ident>& policy) {
  std::string out;
  for (const auto& w : policy) out += (out.empty() ? "" : " ") + w.name;
  return out;
}

// The number of periods of a grain in a year, to compare windows: a `cap ... per` (`floor ... per`) window must hold
// more than one of the program's periods.
int per_year(PeriodGrain g) {
  switch (g) {
    case PeriodGrain::Month: return 12;
    case PeriodGrain::Quarter: return 4;
    case PeriodGrain::Half: return 2;
    case PeriodGrain::Year: return 1;
  }
  return 1;
}

}  // namespace

void Checker::check_payments_ledger(const ast::Source& s, const std::map<std::string, const ast::Column*>& roles) {
  struct Role {
    const char* name;
    const char* example;
  };
  static const Role kRequired[] = {{"partner", "partner_id: Text as partner"},
                                   {"rebate", "rebate_name: Text as rebate"},
                                   {"period", "period: Text as period"},
                                   {"amount", "amount: Money as amount"},
                                   {"date", "paid_on: Date as date"}};
  for (const Role& role : kRequired) {
    auto it = roles.find(role.name);
    if (it == roles.end()) {
      diags.report(DiagKind::MissingRole, s.name.span, fmt::format("payments ledger `{}` has no `{}` column", s.name.name, role.name))
          .with_help(fmt::format("a payments ledger says who was paid, for which rebate and period, how much and when: add `{}`", role.example));
      continue;
    }
    const ast::Column& c = *it->second;
    const Type t = decl_value.at(&c).type;
    if (t.is_error()) continue;
    const std::string r = role.name;
    if ((r == "rebate" || r == "period") && t.kind != TypeKind::Text) {
      diags.report(DiagKind::InvalidRole, c.type.span, fmt::format("the `{}` column of a payments ledger must be Text", r))
          .with_label(fmt::format("this column is {}", to_string(t)))
          .with_help(r == "rebate" ? "it holds the rebate's name, as the payouts file writes it (`storage_volume`)"
                                   : "it holds the period's label, as the payouts file writes it (`2026-Q3`, `2026-07`, `2026`)");
    } else if (r == "amount" && !(t.kind == TypeKind::Money && t.currency == currency())) {
      diags.report(DiagKind::InvalidRole, c.type.span, fmt::format("the `amount` column of a payments ledger must be Money in {}, the program's currency", currency()))
          .with_label(fmt::format("this column is {}", to_string(t)))
          .with_help(fmt::format("write `{}: Money as amount`", c.name.name));
    }
    if ((r == "rebate" || r == "period" || r == "amount") && c.type.optional) {
      diags.report(DiagKind::InvalidRole, c.type.span, fmt::format("the `{}` column cannot be optional", r))
          .with_help("every payment names its rebate, its period and its amount; remove the `?`");
    }
  }
}

void Checker::check_settlement(const ast::Rebate& r) {
  const ast::Clause* settle = find_clause(r, ast::ClauseKind::Settle);
  const ast::Clause* policy = find_clause(r, ast::ClauseKind::OnNegative);
  const bool to_date = settle && settle->window && settle->window->name == "year_to_date";
  if (settle) {
    if (settle->window && !to_date) {
      diags.report(DiagKind::InvalidSettlement, settle->window->span, fmt::format("`{}` is not a settlement window", settle->window->name))
          .with_help(fmt::format("write `settle year_to_date against {0}` (earned over the year so far, paid each period), or `settle against {0}` (each period on its own)",
                                 settle->payments.name));
    }
    auto it = out->globals.find(settle->payments.name);
    const auto* source = it != out->globals.end() && it->second.kind == SymbolKind::Table ? static_cast<const ast::Source*>(it->second.decl) : nullptr;
    if (!source || source->kind != ast::SourceKind::Payments) {
      std::vector<std::string> ledgers;
      for (const ast::Module* m : out->modules) {
        for (const auto& s : m->sources) {
          if (s.kind == ast::SourceKind::Payments) ledgers.push_back(s.name.name);
        }
      }
      auto& d = diags.report(DiagKind::InvalidSettlement, settle->payments.span,
                             it == out->globals.end() ? fmt::format("`{}` is not defined", settle->payments.name)
                                                      : fmt::format("`{}` is not a payments ledger", settle->payments.name));
      if (!ledgers.empty()) d.with_help(fmt::format("settle against the payments ledger: `{}`", ledgers.front()));
      else d.with_help("declare what was paid: `payments ledger paid { partner_id: Text as partner  rebate_name: Text as rebate  period: Text as period  amount: Money as amount  paid_on: Date as date }`");
    } else {
      used.insert(source);
    }
    if (!policy) {
      diags.report(DiagKind::NegativePolicyMissing, settle->span,
                   fmt::format("rebate `{}` pays what it earned less what was paid, which is negative when the partner was paid more than it "
                               "has earned, and it does not say what to pay then",
                               r.name.name))
          .with_help(to_date ? "add `on negative claw back` (a negative payout), or `on negative carry forward` (pay nothing; later payouts of the year recover it)"
                             : "add `on negative claw back` (a negative payout), or `on negative floor` (pay nothing; the excess is not recovered)");
    }
  }
  if (policy) {
    const std::string p = words(policy->policy);
    if (p != "claw back" && p != "carry forward" && p != "floor") {
      diags.report(DiagKind::InvalidNegativePolicy, policy->span, fmt::format("`on negative {}` is not a policy", p))
          .with_help("write `on negative claw back`, `on negative carry forward` or `on negative floor`");
    } else if (!settle) {
      diags.report(DiagKind::InvalidNegativePolicy, policy->span, "`on negative` says what a settled rebate pays when it comes out negative, and this rebate does not settle")
          .with_help("add `settle year_to_date against PAYMENTS`; to let an unsettled payout be negative, write `allow negative`");
    } else if (p == "carry forward" && !to_date) {
      diags.report(DiagKind::InvalidNegativePolicy, policy->span,
                   "carry forward needs later payouts that net against this one, and a rebate settled period by period nets each period on its own")
          .note(settle->span, "settled period by period")
          .with_help(fmt::format("settle over the year: `settle year_to_date against {}`; or write `on negative floor`", settle->payments.name));
    } else if (p == "floor" && to_date) {
      diags.report(DiagKind::InvalidNegativePolicy, policy->span,
                   "a rebate settled over the year to date nets every payment of the year, so paying nothing now recovers the excess from later payouts anyway")
          .note(settle->span, "settled over the year to date")
          .with_help("write `on negative carry forward`, which pays the same and says so; to forgive an excess, book it in the payments ledger as a negative payment");
    }
  }
  for (const auto& c : r.clauses) {
    if ((c.kind != ast::ClauseKind::Cap && c.kind != ast::ClauseKind::Floor) || !c.per) continue;
    const char* limit = c.kind == ast::ClauseKind::Cap ? "cap" : "floor";
    const std::string& w = c.per->name;
    const PeriodGrain g = out->settings.grain;
    const int window = w == "year" ? 1 : w == "quarter" ? 4 : w == "month" ? 12 : 0;
    if (window == 0) {
      diags.report(DiagKind::InvalidLimitWindow, c.per->span, fmt::format("`per {}` is not a window", w)).with_help("write `per year` or `per quarter`");
    } else if (window >= per_year(g)) {
      diags.report(DiagKind::InvalidLimitWindow, c.per->span,
                   fmt::format("the program pays per {0}, so a {2} per {1} is the rebate's {2} on each payout", g == PeriodGrain::Month ? "month" : g == PeriodGrain::Quarter ? "quarter" : "year", w, limit))
          .with_help(fmt::format("write `{0} {1}` for a {0} on each payout, or a longer window (`per year`)", limit, source_text(c.value->span)));
    } else if (!settle) {
      diags.report(DiagKind::InvalidLimitWindow, c.span,
                   fmt::format("a {} per {} counts what was already paid in the {}, read from a payments ledger, and this rebate does not settle against one", limit, w, w))
          .with_help("add `settle against PAYMENTS` (and its `on negative` policy)");
    }
  }
}

}  // namespace rebate::check
