// What a run's evaluation reached, counted by plan index: each rebate's clauses, the tier bands, the
// decision-table rows and the award rows. `rebate test --coverage` adds up the runs of a program's tests
// and shows what no test reached (compiler/testing/coverage_report.h maps the indices back to the source).
//
// Counting is off unless RunOptions::coverage points at one of these; each evaluation thread counts
// into its own and the run adds them into the caller's at the end, so the counts do not depend on threads.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "plan/plan.h"

namespace rebate::engine {

// The two outcomes of a condition, or of a limit (cap, floor): `held` when it held (or changed the
// amount), `failed` when it was evaluated and did not.
struct Outcomes {
  uint64_t held = 0;
  uint64_t failed = 0;
  void count(bool holds) { ++(holds ? held : failed); }
  Outcomes& operator+=(const Outcomes& o) {
    held += o.held;
    failed += o.failed;
    return *this;
  }
};

struct RebateCoverage {
  uint64_t evaluated = 0;             // partner-periods the rebate was evaluated for
  uint64_t paid = 0;                  // of those: past its conditions, its amount worked out
  std::vector<Outcomes> eligible;     // by `eligible when` clause, in plan::Rebate::eligible order
  std::vector<Outcomes> require;      // by `require` clause
  Outcomes pay_when;                  // `pay ... when COND` (none counted without `when`)
  std::vector<Outcomes> accelerate;   // held: applied (its `when` held, or it has none)
  std::vector<Outcomes> uplift;
  Outcomes cap;                       // held: the cap lowered the amount
  Outcomes floor;                     // held: the floor raised the amount
  uint64_t negative_kept = 0;         // `allow negative`: a negative amount paid as it is
};

struct Coverage {
  Coverage() = default;
  explicit Coverage(const plan::Plan& plan);

  // What to count: the rebates and awards (by name) that `expect` lines check, by partner id and period
  // label; an item counts only in the payouts checked (tier bands and decision rows: in the partners
  // and periods checked). Empty: everything the run evaluates. A test's empty periods and the rebates it
  // does not check would otherwise reach what no expectation looks at (0 USD is in a band from 0 USD).
  std::set<std::tuple<std::string, std::string, std::string>> checked;
  bool counts_all() const { return checked.empty(); }

  std::vector<RebateCoverage> rebates;             // by plan rebate
  std::vector<std::vector<uint64_t>> bands;        // by tier table, by band: times reached
  std::vector<std::vector<uint64_t>> decision_rows;  // by decision table, by row: times it matched
  std::vector<std::vector<uint64_t>> award_rows;     // by award, by row: times it decided the award

  // A tier table applied or looked up with `band` reached (-1: none). An incremental table's basis
  // earns every band below the one it reaches: they count as reached too.
  void band(const plan::Plan& plan, uint32_t tiers, int band);
  // Adds another run's (or thread's) counts of the same plan.
  Coverage& operator+=(const Coverage& o);
};

}  // namespace rebate::engine
