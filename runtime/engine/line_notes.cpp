// The run's notes about where the ledger lines went: each line is told once, in one note. Lines dated
// outside the program's effective dates are told where they count (the paid period they fall in, only in
// look-backs, or in no payout); the other lines in periods the run does not pay are told next; and a paid
// period without any ledger line is named (with effective dates past the last line, a period is paid
// from no data: docs/language.md §21, "Which periods are paid"). The Summary holds the same counts as the
// notes, so that the JSON `summary` and the notes agree by construction.
#include <fmt/format.h>

#include <algorithm>

#include "core/calendar.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

// "1 ledger line is", "3 ledger lines are".
std::string ledger_lines(uint64_t n, std::string_view singular_verb, std::string_view plural_verb) {
  return n == 1 ? fmt::format("1 ledger line {}", singular_verb) : fmt::format("{} ledger lines {}", n, plural_verb);
}

// "2026-Q3", or "2025-Q3 .. 2026-Q2".
std::string span(const State& s, PeriodIndex from, PeriodIndex to) {
  return from == to ? s.periods.label(from) : fmt::format("{} .. {}", s.periods.label(from), s.periods.label(to));
}

// "a", "a and b", "a, b and c".
std::string listed(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) out += (k == 0 ? "" : k + 1 == parts.size() ? " and " : ", ") + parts[k];
  return out;
}

// Where `paid`, `looked_back` and `nowhere` lines count, as the end of a note: "2 can count only through
// look-backs (2025-Q3 .. 2026-Q2) and 1 counts in no payout".
std::vector<std::string> where_they_count(const State& s, uint64_t paid, uint64_t looked_back, uint64_t nowhere) {
  std::vector<std::string> parts;
  if (paid) parts.push_back(paid == 1 ? "1 counts in the paid period it falls in" : fmt::format("{} count in the paid periods they fall in", paid));
  if (looked_back) {
    // The reach of the deepest look-back: a line there counts where a look-back reads its period (the
    // reach is per program, not per period read, so "can").
    // (With closed periods, the reach starts at the earliest one an adjustment recomputes: closing.h.)
    parts.push_back(fmt::format("{} can count only through look-backs{} ({})", looked_back, s.closing ? " and adjustments of closed periods" : "",
                                span(s, s.first_period, s.run_periods.front() - 1)));
  }
  if (nowhere) parts.push_back(fmt::format("{} {} in no payout", nowhere, nowhere == 1 ? "counts" : "count"));
  return parts;
}

}  // namespace

void note_lines(State& s, const std::map<PeriodIndex, uint64_t>& lines) {
  Summary& sum = s.result.summary;
  if (sum.booked_after_as_of) {
    // Told first: these lines are in none of the counts below (the run did not read them).
    sum.notes.push_back(fmt::format("{} booked after the as-of date ({}) and {} not read",
                                    ledger_lines(sum.booked_after_as_of, "was", "were"), format_date(*s.options.as_of),
                                    sum.booked_after_as_of == 1 ? "was" : "were"));
  }
  if (s.run_periods.empty()) return;
  const PeriodIndex first_paid = s.run_periods.front(), last_paid = s.run_periods.back();
  // Every line is in a paid period, a period only look-backs read (before the paid ones, within their
  // reach: s.first_period), or a period nothing reads.
  uint64_t looked_back = 0, nowhere = 0;
  for (const auto& [p, n] : lines) {
    if (p >= first_paid && p <= last_paid) continue;
    (p >= s.first_period && p < first_paid ? looked_back : nowhere) += n;
  }
  const uint64_t outside_nowhere = sum.outside_effective - sum.outside_effective_paid - sum.outside_effective_looked_back;
  if (sum.outside_effective) {
    sum.notes.push_back(fmt::format("{} dated outside the program's effective dates ({} .. {}): {}",
                                    ledger_lines(sum.outside_effective, "is", "are"),
                                    s.plan.effective_from ? format_date(*s.plan.effective_from) : "",
                                    s.plan.effective_to ? format_date(*s.plan.effective_to) : "",
                                    listed(where_they_count(s, sum.outside_effective_paid, sum.outside_effective_looked_back, outside_nowhere))));
  }
  // The other lines outside the paid periods (those inside the effective dates, or all without them).
  sum.outside_run_looked_back = looked_back - sum.outside_effective_looked_back;
  sum.outside_run_nowhere = nowhere - outside_nowhere;
  if (const uint64_t other = sum.outside_run_looked_back + sum.outside_run_nowhere) {
    const bool one_period = first_paid == last_paid;
    sum.notes.push_back(fmt::format("{} dated outside the {} the run pays ({}): {}",
                                    sum.outside_effective ? (other == 1 ? "1 other ledger line is" : fmt::format("{} other ledger lines are", other))
                                                          : ledger_lines(other, "is", "are"),
                                    one_period ? "period" : "periods", span(s, first_paid, last_paid),
                                    listed(where_they_count(s, 0, sum.outside_run_looked_back, sum.outside_run_nowhere))));
  }
  // Paid periods without a line of any ledger, in runs of consecutive periods.
  std::vector<std::string> empty;
  size_t empty_count = 0;
  for (size_t k = 0; k < s.run_periods.size();) {
    if (lines.count(s.run_periods[k])) {
      ++k;
      continue;
    }
    size_t end = k;
    while (end + 1 < s.run_periods.size() && s.run_periods[end + 1] == s.run_periods[end] + 1 && !lines.count(s.run_periods[end + 1])) ++end;
    empty.push_back(span(s, s.run_periods[k], s.run_periods[end]));
    for (size_t j = k; j <= end; ++j) sum.periods_without_lines.push_back(s.periods.label(s.run_periods[j]));
    empty_count += end - k + 1;
    k = end + 1;
  }
  if (empty_count) {
    std::string latest;
    if (!lines.empty() && lines.rbegin()->first < s.run_periods.back()) {
      latest = fmt::format(" (the latest ledger line is in {})", s.periods.label(lines.rbegin()->first));
    }
    const bool looks_back = s.first_period < first_paid;
    sum.notes.push_back(fmt::format("{} no ledger lines: {}{}; {} paid from no lines of {} own{}",
                                    empty_count == 1 ? "1 paid period has" : fmt::format("{} paid periods have", empty_count), listed(empty),
                                    latest, empty_count == 1 ? "it is" : "they are", empty_count == 1 ? "its" : "their",
                                    looks_back ? " (look-backs still read earlier periods)" : ""));
  }
}

}  // namespace rebate::engine
