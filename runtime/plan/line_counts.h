// The ledger lines a payout's amount was computed from (a payout's `lines`, docs/language.md §21),
// worked out once per program, before any run: which aggregates count them, in which periods.
//
// The count is of distinct lines: a line that three measures read is one line, and the lines a
// look-back reads are counted in their own periods. So, for each position of the paid period in its
// year, the pass follows the amount's formulas (through measures, decisions and look-backs) to every
// aggregate they read and the window they read it over. Per ledger and period, when the aggregates
// reading it take lines by different tests, one more aggregate counts the lines any of them takes (its
// filter is their tests joined by `or`); the lines reached through a group are the sum of a hidden
// `(lines)` field over the group rows the reading aggregates take.
#pragma once

#include "plan/plan.h"

namespace rebate::plan {

// Fills every rebate's `line_counts`, adding the aggregates, functions and group fields they need.
void add_line_counts(Plan& plan);

}  // namespace rebate::plan
