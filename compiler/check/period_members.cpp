// The members of a period (docs/language.md §4, "The current period"): `start` and `end` of any period,
// and the parts of the current period `period` that exist at the program's grain: `quarter_of_year` in a
// monthly or quarterly program, `month_of_year` in a monthly one, `is_first_of_year` in any.
#include <fmt/format.h>

#include "check/checker_impl.h"

namespace rebate::check {

namespace {

const char* grain_name(PeriodGrain g) {
  switch (g) {
    case PeriodGrain::Month: return "month";
    case PeriodGrain::Quarter: return "quarter";
    case PeriodGrain::Half: return "half-year";
    case PeriodGrain::Year: return "year";
  }
  return "period";
}

}  // namespace

Value Checker::check_period_member(const ast::Expr& e, const ast::Expr& obj) {
  const std::string& member = e.text;
  if (member == "start" || member == "end") return Value{Type::of(TypeKind::Date)};
  const bool quarter = member == "quarter_of_year", month = member == "month_of_year";
  if (!quarter && !month && member != "is_first_of_year") {
    auto& d = diags.report(DiagKind::UnknownMember, e.name_span, fmt::format("a period has no `{}`", member));
    if (auto guess = closest(member, {"start", "end", "quarter_of_year", "month_of_year", "is_first_of_year"}))
      d.with_help(fmt::format("did you mean `{}`?", *guess));
    else
      d.with_help("a period has `start` and `end` (its first and last day), `quarter_of_year`, `month_of_year` and `is_first_of_year`");
    return Value{};
  }
  // The parts are the current period's: a literal's would be a constant the program can write itself.
  const Symbol* os = obj.id < out->refs.size() && out->refs[obj.id] ? &*out->refs[obj.id] : nullptr;
  if (!os || os->kind != SymbolKind::Period) {
    diags.report(DiagKind::PeriodPartUnavailable, e.span, fmt::format("`{}` is a part of the current period, `period`", member))
        .with_help(fmt::format("write `period.{}`; for a period written in the program, write its number", member));
    return Value{};
  }
  const PeriodGrain g = out->settings.grain;
  const char* calendar = out->settings.calendar ? "fiscal " : "";
  if (quarter && g == PeriodGrain::Year) {
    diags.report(DiagKind::PeriodPartUnavailable, e.span,
                 fmt::format("the program pays per {}year, which has four quarters, so `period.quarter_of_year` has no value", calendar))
        .with_help("test dates inside an aggregate instead (`invoice_date in 2026-Q3`), or pay per quarter or month");
    return Value{};
  }
  if (month && g != PeriodGrain::Month) {
    diags.report(DiagKind::PeriodPartUnavailable, e.span,
                 fmt::format("the program pays per {}{}, which has several months, so `period.month_of_year` has no value", calendar, grain_name(g)))
        .with_help(g == PeriodGrain::Quarter ? "write `period.quarter_of_year`, or `period.start` for the quarter's first day"
                                             : "write `period.start` for the period's first day, or pay per month");
    return Value{};
  }
  return Value{Type::of(member == "is_first_of_year" ? TypeKind::Bool : TypeKind::Int)};
}

}  // namespace rebate::check
