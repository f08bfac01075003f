// Closed periods in the program header: `closed_through: 2026-Q2` and `closed_on: 2026-07-10`
// (docs/language.md §23). Lines booked late for a closed period are paid as adjustments netted against
// what the payments ledger says was paid, so a program that closes periods needs one (E0523), and each
// of its rebates must be read against one ledger (E0524). A setting's value that names no period or day
// of the program is E0525; closing a program whose ledgers have no booking dates closes nothing (W0013).
#include <fmt/format.h>

#include <cctype>

#include "check/checker_impl.h"
#include "core/period_words.h"

namespace rebate::check {

namespace {

// The last day of a period of the civil calendar ("2026-Q2" -> 2026-06-30).
std::optional<DayNumber> civil_last_day(const PeriodValue& p) {
  int months = 12;
  unsigned first_month = 1;
  switch (p.grain) {
    case PeriodGrain::Month: months = 1, first_month = static_cast<unsigned>(p.index); break;
    case PeriodGrain::Quarter: months = 3, first_month = static_cast<unsigned>(3 * (p.index - 1) + 1); break;
    case PeriodGrain::Half: months = 6, first_month = static_cast<unsigned>(6 * (p.index - 1) + 1); break;
    case PeriodGrain::Year: break;
  }
  const unsigned next = first_month + static_cast<unsigned>(months);
  const CivilDate after = next > 12 ? CivilDate{p.year + 1, next - 12, 1} : CivilDate{p.year, next, 1};
  return days_from_civil(after) - 1;
}

const char* grain_example(PeriodGrain g) {
  switch (g) {
    case PeriodGrain::Month: return "2026-06";
    case PeriodGrain::Quarter: return "2026-Q2";
    case PeriodGrain::Half: return "2026-H1";
    case PeriodGrain::Year: return "2025";
  }
  return "2026-Q2";
}

bool has_clause(const ast::Rebate& r, ast::ClauseKind kind) {
  for (const auto& c : r.clauses) {
    if (c.kind == kind) return true;
  }
  return false;
}

}  // namespace

void Checker::closing_setting(const std::string& name, const ast::Expr& v) {
  ProgramSettings& s = out->settings;
  if (name == "closed_through") {
    s.closed_span = v.span;
    // A period literal (`2026-Q2`, `2026-06`), a year (`2025`), or a fiscal calendar's label as a string ("FY2026-Q1").
    if (v.kind == ast::ExprKind::Period || v.kind == ast::ExprKind::Int || v.kind == ast::ExprKind::String) {
      s.closed_through = v.text;
    } else {
      diags.report(DiagKind::InvalidClosing, v.span, "`closed_through` takes the last closed period")
          .with_help("write the period's label, like `closed_through: 2026-Q2` (`2026-06` in a monthly program, `2025` in a yearly one)");
    }
    return;
  }
  if (!s.closed_through) s.closed_span = v.span;
  std::optional<DayNumber> day = v.kind == ast::ExprKind::Date ? parse_date(v.text) : std::nullopt;
  if (!day) {
    diags.report(DiagKind::InvalidClosing, v.span, "`closed_on` takes the day the periods were closed")
        .with_help("write a date, like `closed_on: 2026-07-10`");
    return;
  }
  s.closed_on = day;
}

void Checker::check_closing() {
  ProgramSettings& s = out->settings;
  if (!out->program || (!s.closed_through && !s.closed_on)) return;
  if (!s.closed_through) {
    diags.report(DiagKind::InvalidClosing, s.closed_span, "`closed_on` says when the closed periods were closed, and no period is closed")
        .with_help("say the last closed period too: `closed_through: 2026-Q2`");
    return;
  }
  // The label's shape on the civil calendar; a fiscal calendar's labels ("FY2026-Q1") are checked by the run.
  if (!s.calendar) {
    const std::string& label = *s.closed_through;
    std::optional<PeriodValue> p = parse_period(label);
    const bool year = s.grain == PeriodGrain::Year && label.size() == 4 && std::all_of(label.begin(), label.end(), ::isdigit);
    if (year) p = PeriodValue{PeriodGrain::Year, std::stoi(label), 1};
    if (!p || p->grain != s.grain) {
      diags.report(DiagKind::InvalidClosing, s.closed_span, fmt::format("`{}` is not a period of this program, which pays per {}", label, period_word(s.grain)))
          .with_help(fmt::format("write the last closed period as the payouts name it, like `closed_through: {}`", grain_example(s.grain)));
      return;
    }
    if (s.closed_on && *s.closed_on < *civil_last_day(*p)) {
      diags.report(DiagKind::InvalidClosing, s.closed_span, fmt::format("{} is closed on {}, before it ends on {}", label, format_date(*s.closed_on),
                                                                         format_date(*civil_last_day(*p))))
          .with_help("a period closes on or after its last day; leave `closed_on` out to close it on that day");
    }
  }

  // What was paid for a closed period: each rebate's own `settle against` ledger, or the program's one.
  std::vector<const ast::Source*> payments;
  bool booked = false;
  for (const ast::Module* m : out->modules) {
    for (const auto& src : m->sources) {
      if (src.kind == ast::SourceKind::Payments) payments.push_back(&src);
      if (src.kind != ast::SourceKind::Ledger) continue;
      for (const ast::Column& c : src.columns) {
        for (const ast::Ident& role : c.roles) booked = booked || role.name == "booked";
      }
    }
  }
  if (payments.empty()) {
    diags.report(DiagKind::ClosingWithoutPayments, s.closed_span,
                 fmt::format("periods up to {} are closed, but the program has no payments ledger to say what was paid for them", *s.closed_through))
        .with_help("an adjustment is the recomputed payout less what was paid: declare `payments ledger paid { partner_id: Text as partner  "
                   "rebate_name: Text as rebate  period: Text as period  amount: Money as amount  paid_on: Date as date }`");
  } else if (payments.size() > 1) {
    for (const ast::Module* m : out->modules) {
      for (const auto& r : m->rebates) {
        if (r.fund || has_clause(r, ast::ClauseKind::Settle)) continue;
        diags.report(DiagKind::ClosingPaymentsAmbiguous, r.name.span,
                     fmt::format("rebate `{}` does not settle, and the program has {} payments ledgers: its adjustments for closed periods cannot "
                                 "tell which one says what was paid",
                                 r.name.name, payments.size()))
            .note(s.closed_span, "periods closed here")
            .with_help(fmt::format("name its ledger: `settle against {}` (each period nets what was paid for it), or keep one payments ledger",
                                   payments.front()->name.name));
      }
    }
  }
  if (!booked) {
    diags.report(DiagKind::ClosingWithoutBookingDates, s.closed_span,
                 "no ledger of the program has booking dates, so no line can be booked after the close: closing only stops the run paying the closed periods")
        .with_help("give the ledger's posting date the role `booked`: `posted_on: Date as booked`");
  }
}

}  // namespace rebate::check
