// Partner history in SQL (docs/language.md §28, engine/partner_history.h): a partner table with
// `valid_from` (and `valid_to`) roles holds one row per partner per stretch of time. Each row becomes a
// stretch (`partner_stretches`, both ends included, an open end the smallest or largest day), checked as
// the run checks them (`check_history`), and each (partner, period) reads one row (`partner_in_period`):
// the one in force on the period's last day, else the last one in force during it, else (a look-back to
// before the partner joined) its first row; `in_force` says whether the partner is a partner of the
// period at all. Cells are formed from the rows in force (query.cpp), a line reads the row of its period,
// a look-back the row of the window's last period (render.cpp), and a line of a partner with no row in
// force in its period stops the query as it stops the run.
#include <fmt/format.h>

#include "sql/generator.h"

namespace rebate::sql {

namespace {

std::string col(uint32_t c) { return quote_name("c" + std::to_string(c)); }
// An open end of a stretch, beyond every day a table can hold (engine: Stretch::kSinceAlways and kStillInForce).
constexpr const char* kSinceAlways = "-1000000000";
constexpr const char* kStillInForce = "1000000000";

}  // namespace

bool Generator::has_history() const {
  return plan_.partner_table != UINT32_MAX && plan_.inputs[plan_.partner_table].valid_from_column != UINT32_MAX;
}

// "2026-08-01 .. still in force": a stretch as the run's messages write it (engine: stretch_text).
std::string Generator::stretch_text(const std::string& from, const std::string& to) const {
  return fmt::format("CASE WHEN {0} = {1} THEN 'since always' ELSE {2} END || ' .. ' || CASE WHEN {3} = {4} THEN 'still in force' ELSE {5} END", from,
                     kSinceAlways, iso_day(from), to, kStillInForce, iso_day(to));
}

// `partner_stretches`: every row of the partner table with its partner, its stretch [rb_from, rb_to] and
// its place among the partner's rows by start (rb_place). With `valid_from` alone a row is in force
// until the day before the partner's next row starts.
std::string Generator::stretches_cte() const {
  const plan::Input& pt = plan_.inputs[plan_.partner_table];
  const std::string from = fmt::format("COALESCE(t.{}, {})", col(pt.valid_from_column), kSinceAlways);
  const std::string to = pt.valid_to_column != UINT32_MAX
                             ? fmt::format("COALESCE(t.{}, {})", col(pt.valid_to_column), kStillInForce)
                             : fmt::format("COALESCE(LEAD({0}) OVER (PARTITION BY t.{1} ORDER BY {0}) - 1, {2})", from, col(pt.key_column), kStillInForce);
  return fmt::format(
      "partner_stretches AS (\n  -- each row of the partner table `{}` with the stretch of time it is in force, both days included\n"
      "  SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.partner, s.rb_reversed ORDER BY s.rb_from, s.rb_to) AS rb_place\n"
      "  FROM (SELECT r.*, {} AS rb_reversed\n"
      "    FROM (SELECT t.*, t.{} AS partner, {} AS rb_from, {} AS rb_to FROM {} AS t) AS r) AS s)",
      pt.name, pt.valid_to_column != UINT32_MAX ? "r.rb_to < r.rb_from" : "FALSE", col(pt.key_column), from, to, quote_name("in_" + pt.name));
}

// `partner_in_period`: per partner and period of the script, the row it reads (engine:
// PartnerHistory::row_in): of the rows starting by the period's last day the latest, else the first row;
// `rb_in_force`: that row is in force on some day of the period. Its attributes as the cells name them.
std::string Generator::partner_in_period_cte() const {
  const plan::Input& pt = plan_.inputs[plan_.partner_table];
  std::string attrs;
  for (size_t c = 0; c < pt.spec.columns.size(); ++c) attrs += fmt::format(", x.{} AS {}", col(static_cast<uint32_t>(c)), quote_name("p" + std::to_string(c)));
  return fmt::format(
      "partner_in_period AS (\n  -- the row each partner's cell of each period reads: in force on the period's last day, or the last in force during it\n"
      "  SELECT x.partner, x.rb_period, x.rb_in_force{}\n"
      "  FROM (SELECT s.*, pe.period AS rb_period, s.rb_from <= pe.last_day AND s.rb_to >= pe.first_day AS rb_in_force,\n"
      "      ROW_NUMBER() OVER (PARTITION BY s.partner, pe.period ORDER BY CASE WHEN s.rb_from <= pe.last_day THEN 0 ELSE 1 END,\n"
      "        CASE WHEN s.rb_from <= pe.last_day THEN -s.rb_from ELSE s.rb_from END) AS rb_pick\n"
      "    FROM partner_stretches AS s CROSS JOIN periods AS pe) AS x\n"
      "  WHERE x.rb_pick = 1)",
      attrs);
}

// `check_history`: a row whose `valid_to` is before its `valid_from`, and two rows of a partner in force on
// one day (with `valid_from` alone: starting on one day), stop the query in the run's words; a table has
// no line numbers, so the two rows are named by their stretches. Sorted by start, two rows overlap only if
// two neighbours do, so each row is compared with the next (a row in force on no day is left out of that).
std::string Generator::history_check_cte() const {
  const plan::Input& pt = plan_.inputs[plan_.partner_table];
  const bool both_ends = pt.valid_to_column != UINT32_MAX;
  const std::string who = quote_text(pt.name + ": partner `") + " || a.partner || '`: ' || ";
  std::string bad;
  if (both_ends) {
    const std::string reversed = who + quote_text("`valid_to` (") + " || " + iso_day("a.rb_to") + " || " + quote_text(") is before `valid_from` (") + " || " +
                                 iso_day("a.rb_from") + " || " + quote_text("): the row is in force on no day");
    const std::string clash = who + quote_text("the row (") + " || " + stretch_text("b.rb_from", "b.rb_to") + " || " + quote_text(") and the row (") + " || " +
                              stretch_text("a.rb_from", "a.rb_to") + " || " + quote_text(") are both in force over ") + " || " +
                              fmt::format("CASE WHEN b.rb_from = LEAST(a.rb_to, b.rb_to) THEN {} ELSE {} END", iso_day("b.rb_from"),
                                          stretch_text("b.rb_from", "LEAST(a.rb_to, b.rb_to)"));
    bad = fmt::format("WHEN a.rb_to < a.rb_from THEN {} WHEN b.rb_from <= a.rb_to THEN {}", d_.fail(reversed, d_.text_type), d_.fail(clash, d_.text_type));
  } else {
    const std::string clash = who + quote_text("two rows both start ") + " || CASE WHEN a.rb_from = " + kSinceAlways +
                              " THEN 'since always (an empty `valid_from`)' ELSE " + iso_day("a.rb_from") + " END || " +
                              quote_text(": each row is in force until the partner's next row starts, so one partner's rows need different `valid_from` days");
    bad = fmt::format("WHEN b.rb_from = a.rb_from THEN {}", d_.fail(clash, d_.text_type));
  }
  return fmt::format(
      "check_history AS (\n  -- rows of the partner table that cannot be in the history stop the query, as they stop `rebate run`\n"
      "  SELECT COUNT(*) AS bad\n"
      "  FROM partner_stretches AS a LEFT JOIN partner_stretches AS b ON b.partner = a.partner AND b.rb_reversed = a.rb_reversed AND b.rb_place = a.rb_place + 1\n"
      "  WHERE length(CASE {} ELSE '' END) < 0)",
      bad);
}

// `check_history_<ledger>`: every line of the ledger (of any date, as `rebate run` reads every line) whose
// partner is in the table but has no row in force in the line's period stops the query, naming the
// partner's stretches as the run does. (A partner not in the table at all is check_<ledger>'s to say.)
std::string Generator::history_lines_check_cte(uint32_t ledger) const {
  const plan::Input& in = plan_.inputs[ledger];
  const plan::Input& pt = plan_.inputs[plan_.partner_table];
  const std::string rows = fmt::format("(SELECT string_agg({}, ', ' ORDER BY s.rb_from) FROM partner_stretches AS s WHERE s.partner = y.partner)",
                                       stretch_text("s.rb_from", "s.rb_to"));
  const std::string message = quote_text(in.name + ": partner `") + " || y.partner || " +
                              quote_text(fmt::format("` has no row of the partner table `{}` in force in ", pt.name)) + " || y.label || " +
                              quote_text(" (its rows: ") + " || " + rows + " || ')'";
  return fmt::format(
      "{} AS (\n  -- each line's partner has a row of the partner table in force in the line's period\n"
      "  SELECT COUNT(*) AS bad\n"
      "  FROM (SELECT x.partner, {} AS label, {} AS first_day, {} - 1 AS last_day\n"
      "    FROM (SELECT {} AS partner, {} AS period FROM {} AS l) AS x) AS y\n"
      "  WHERE length(CASE WHEN EXISTS (SELECT 1 FROM partner_stretches AS s WHERE s.partner = y.partner)\n"
      "    AND NOT EXISTS (SELECT 1 FROM partner_stretches AS s WHERE s.partner = y.partner AND s.rb_from <= y.last_day AND s.rb_to >= y.first_day)\n"
      "    THEN {} ELSE '' END) < 0)",
      quote_name("check_history_" + in.name), period_label("x.period"), period_first_day("x.period"), period_first_day("x.period + 1"),
      partner_through(ledger, "l"), period_of_day("l." + col(in.date_column)), quote_name("in_" + in.name), d_.fail(message, d_.text_type));
}

// With closed periods (docs/language.md §28), a partner's adjustments are paid in its cell of the first
// open period: a partner with late lines and no row in force then stops the query, as it stops the run.
std::string Generator::history_closing_check_cte() const {
  const plan::Input& pt = plan_.inputs[plan_.partner_table];
  const std::string carrier = "(SELECT MIN(q.period) FROM periods AS q WHERE q.paid)";
  const std::string rows = fmt::format("(SELECT string_agg({}, ', ' ORDER BY s.rb_from) FROM partner_stretches AS s WHERE s.partner = k.partner)",
                                       stretch_text("s.rb_from", "s.rb_to"));
  const std::string message =
      "'partner `' || k.partner || '` has ' || CAST(k.n AS " + d_.text_type + ") || CASE WHEN k.n = 1 THEN ' line' ELSE ' lines' END || " +
      quote_text(" booked after the close of ") + " || (SELECT q.label FROM periods AS q WHERE q.period = k.period) || " +
      quote_text(fmt::format(" ({}), and no row of the partner table `{}` in force in ", format_date(closing_->on), pt.name)) + " || " +
      fmt::format("(SELECT q.label FROM periods AS q WHERE q.period = {})", carrier) + " || " +
      quote_text(", the period that pays the adjustments (its rows: ") + " || " + rows + " || " +
      quote_text("): the run cannot pay its adjustment. Pay it by hand and book it in the payments ledger, or run without closing the periods");
  return fmt::format(
      "check_history_closing AS (\n  -- a partner's adjustments are paid in its cell of the first open period, which it must have\n"
      "  SELECT COUNT(*) AS bad FROM late AS k\n"
      "  WHERE length(CASE WHEN NOT EXISTS (SELECT 1 FROM partner_in_period AS h WHERE h.partner = k.partner AND h.rb_period = {} AND h.rb_in_force) THEN {} ELSE '' END) < 0)",
      carrier, d_.fail(message, d_.text_type));
}

// A partner attribute in a cell's look-back window: the row of the window's last period (§28: the period
// the look-back looks at; a year to date's, the paid period's).
std::string Generator::partner_attr_in_window(uint32_t column, int window) const {
  const WindowShape& w = windows_.at(static_cast<size_t>(window));
  const int shift = w.at - w.back;
  return fmt::format("(SELECT h.{} FROM partner_in_period AS h WHERE h.partner = c.partner AND h.rb_period = c.period{})",
                     quote_name("p" + std::to_string(column)), shift == 0 ? "" : fmt::format(" - {}", -shift));
}

}  // namespace rebate::sql
