// Settlement in SQL (generator.h), as CellEvaluator::settle does it (runtime/engine/settlement.cpp,
// docs/language.md §22): what a settled rebate's clauses earned over its window (the period, or the year
// to date) less what the payments input says was paid for that window; a floor per year met by the
// year's last period and a cap per year, each netted against what was paid for the year's periods so
// far; then the `on negative` policy and the rebate's rounding.
#include <fmt/format.h>

#include <algorithm>

#include "plan/windows.h"
#include "sql/generator.h"

namespace rebate::sql {

namespace {

std::string col(uint32_t c) { return quote_name("c" + std::to_string(c)); }

}  // namespace

// `pay_<name>`: the payments input's rows as (partner, rebate index, period index, amount). A row naming
// no partner, rebate or period of the program stops the query, as it stops `rebate run`: a payment left
// out would be paid again. A period is checked by its label's form for the program's grain (every
// period of the grain has one); its index comes from the periods the script knows, which hold every
// window a settlement reads (a payment for a period outside them is a payment no payout nets against).
std::string Generator::payments_cte(uint32_t input) {
  const plan::Input& in = plan_.inputs[input];
  const std::string source = quote_name("in_" + in.name);
  const std::string partner = "p." + col(in.partner_column), rebate = "p." + col(in.rebate_column), label = "p." + col(in.period_column);
  auto fail = [&](const std::string& what, const std::string& value, const std::string& type) {
    return d_.fail(quote_text(fmt::format("{}: a payment names {} `", in.name, what)) + " || " + value + " || " +
                       quote_text(fmt::format("`, which is not {}", what == "partner" ? "a partner of the program" : what == "rebate" ? "a rebate of the program"
                                                                                                                        : "a period of the program's grain")),
                   type);
  };
  std::string rebate_index = fmt::format("CASE {}", rebate);
  for (size_t r = 0; r < plan_.rebates.size(); ++r) rebate_index += fmt::format(" WHEN {} THEN {}", quote_text(plan_.rebates[r].name), r);
  rebate_index += fmt::format(" ELSE {} END", fail("rebate", rebate, "INTEGER"));
  const std::string known_partner = fmt::format("CASE WHEN EXISTS (SELECT 1 FROM partners AS k WHERE k.partner = {0}) THEN {0} ELSE {1} END", partner,
                                                fail("partner", "CAST(" + partner + " AS " + d_.text_type + ")", d_.text_type));
  // The labels `rebate run` writes (engine::Periods::label): 2026-Q3, 2026-07, 2026-H1, 2026, and under a
  // fiscal calendar FY2026-Q3, FY2026-P07, FY2026-H1, FY2026.
  const char* within = "";
  switch (plan_.grain) {
    case PeriodGrain::Month: within = plan_.fiscal_start ? "-P(0[1-9]|1[0-2])" : "-(0[1-9]|1[0-2])"; break;
    case PeriodGrain::Quarter: within = "-Q[1-4]"; break;
    case PeriodGrain::Half: within = "-H[12]"; break;
    case PeriodGrain::Year: within = ""; break;
  }
  const std::string pattern = fmt::format("^{}[0-9]{{4}}{}$", plan_.fiscal_start ? "FY" : "", within);
  // (The date paid is read, so that a bad one stops the query as it stops the run.)
  const std::string period = fmt::format("CASE WHEN NOT ({}) THEN {} WHEN p.{} IS NULL THEN NULL ELSE (SELECT pe.period FROM periods AS pe WHERE pe.label = {}) END",
                                         d_.regex_match(label, pattern), fail("period", label, "INTEGER"), col(in.date_column), label);
  return fmt::format("{} AS (\n  SELECT {} AS partner, {} AS rebate_index, {} AS period, p.{} AS amount\n  FROM {} AS p)", quote_name("pay_" + in.name),
                     known_partner, rebate_index, period, col(in.amount_column), source);
}

void Generator::settle(size_t r, const Scope& scope, std::vector<std::string>& ctes, std::string& last) {
  const plan::Rebate& pr = plan_.rebates[r];
  const plan::Input& payments = plan_.inputs[pr.payments];
  auto push = [&](const char* suffix, std::vector<std::string> columns) {
    const std::string name = fmt::format("rebate_{}_{}", r, suffix);
    std::string list;
    for (const std::string& c : columns) list += ",\n    " + c;
    ctes.push_back(fmt::format("{} AS (\n  SELECT c.*{}\n  FROM {} AS c)", quote_name(name), list, quote_name(last)));
    last = name;
  };
  // Every amount at one scale: the payout's, the payments', the limits'.
  const int paid_scale = payments.spec.columns[payments.amount_column].scale;
  int scale = std::max(pr.places, paid_scale);
  NodeRef floor = pr.floor_per ? tree(pr.floor) : nullptr, cap = pr.cap_per ? tree(pr.cap) : nullptr;
  if (floor) scale = std::max(scale, floor->scale);
  if (cap) scale = std::max(scale, cap->scale);
  // What the payments input says was paid to the cell's partner for this rebate's periods [first, c.period].
  auto paid = [&](const std::string& first) {
    return at_scale(fmt::format("COALESCE((SELECT SUM(q.amount) FROM {} AS q WHERE q.partner = c.partner AND q.rebate_index = {} AND q.period BETWEEN {} AND c.period), 0)",
                                quote_name("pay_" + payments.name), r, first),
                    paid_scale, scale);
  };
  // A limit's window: the periods of its span (a year, or a quarter of a monthly program) up to this one.
  auto span_first = [&](PeriodGrain per) {
    const int span = per == PeriodGrain::Year ? plan::periods_per_year(plan_.grain) : plan::periods_per_year(plan_.grain) / 4;
    return std::pair{fmt::format("(c.period - (c.period - c.year_start) % {})", span), span};
  };
  auto limit = [&](plan::FunctionId f, const NodeRef& t, uint32_t where, const char* what) {
    std::string v = render_function(f, scope);
    if (t->nullable) {
      Scope s = scope;
      s.function = plan_.functions[f].name;
      v = fmt::format("CASE WHEN ({0}) IS NULL THEN {1} ELSE ({0}) END", v, fail(fmt::format("the {} has no value", what), where, s, sql_type(*t)));
    }
    return at_scale("(" + v + ")", t->scale, scale);
  };
  const std::string earned = at_scale("c." + rebate_col(r, "amount"), pr.places, scale);
  std::string due = fmt::format("{} - {}", earned, paid(pr.settle_year_to_date ? "c.year_start" : "c.period"));
  push("settle", {fmt::format("{} AS {}", due, rebate_col(r, "due"))});
  due = "c." + rebate_col(r, "due");
  if (floor) {
    // Met by the last period of the floor's window, for a partner eligible and past the gates then.
    const auto [first, span] = span_first(*pr.floor_per);
    const std::string room = fmt::format("{} - {}", limit(pr.floor, floor, pr.floor_where, "floor"), paid(first));
    push("floor_per", {fmt::format("CASE WHEN c.{} IS NULL AND (c.period - c.year_start) % {} = {} AND {} < {} THEN {} ELSE {} END AS {}", rebate_col(r, "blocked"),
                                   span, span - 1, due, room, room, due, rebate_col(r, "due_floored"))});
    due = "c." + rebate_col(r, "due_floored");
  }
  if (cap) {
    const std::string room = fmt::format("{} - {}", limit(pr.cap, cap, pr.cap_where, "cap"), paid(span_first(*pr.cap_per).first));
    push("cap_per", {fmt::format("CASE WHEN {0} > {1} THEN {1} ELSE {0} END AS {2}", due, room, rebate_col(r, "due_capped"))});
    due = "c." + rebate_col(r, "due_capped");
  }
  // On negative: claw back (as it is), carry forward (nothing now, status `carried`), floor (nothing).
  const std::string zero = at_scale("0", 0, scale);
  const bool keep_negative = pr.on_negative == plan::SettlePolicy::ClawBack;
  const std::string kept = keep_negative ? due : fmt::format("CASE WHEN {0} < {1} THEN {1} ELSE {0} END", due, zero);
  const std::string carried = pr.on_negative == plan::SettlePolicy::CarryForward ? fmt::format("{} < {}", due, zero) : "FALSE";
  push("settled", {fmt::format("{} AS {}", d_.round(d_, kept, pr.places, static_cast<int>(pr.rounding)), rebate_col(r, "settled")),
                   fmt::format("{} AS {}", carried, rebate_col(r, "carried"))});
  // The status says what the payout does: pay, claw back, or nothing (keeping why not, when a condition
  // decided it).
  const std::string amount = "c." + rebate_col(r, "settled"), before = "c." + rebate_col(r, "status");
  push("settled_status", {fmt::format("CASE WHEN c.{} THEN 'carried' WHEN {} < 0 THEN 'clawback' WHEN {} <> 0 THEN 'paid' WHEN {} IN ('paid', 'clawback') THEN 'zero' "
                                      "ELSE {} END AS {}",
                                      rebate_col(r, "carried"), amount, amount, before, before, rebate_col(r, "settled_status"))});
}

}  // namespace rebate::sql
