// `rebate test --coverage`: what a program's tests reached, item by item, with the source places of
// what no test reached; as text, JSON and LCOV tracefiles (which genhtml and editors' coverage viewers
// show on the source). The counts come from the engine (engine/coverage.h) over all the program's tests.
//
// What counts as reached (docs/language.md §15, "Coverage"):
//   rebate                       its amount worked out at least once (a test got past its conditions)
//   eligible when / require      seen both holding and failing (a test on each side of it)
//   pay/uplift/accelerate ... when COND   seen both holding and failing; without `when`, applied once
//   cap / floor                  it changed an amount at least once
//   allow negative               a negative amount paid as it is at least once
//   tier band                    a basis reached it (an incremental table's lower bands with it)
//   decision-table row           it matched at least once
//   award row                    it decided an award at least once
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "check/checker.h"
#include "engine/coverage.h"
#include "plan/plan.h"
#include "source/source.h"

namespace rebate::testing {

struct CoverageItem {
  std::string kind;     // "rebate", "eligible when", "require", "pay when", "uplift", "accelerate", "cap",
                        // "floor", "allow negative", "tier band", "decision row", "award row"
  std::string name;     // what it belongs to: the rebate, tier table, decision table or award
  std::string text;     // the item as written, on one line (a clause, a band, a row)
  std::string file;
  uint32_t line = 0, column = 0;
  bool reached = false;
  bool is_condition = false;   // counted as held / failed (LCOV branches)
  uint64_t held = 0, failed = 0;  // conditions: each outcome; others: `held` is the times reached
  std::string detail;          // what the tests did with it, or what no test did ("no test where it fails")
};

struct ProgramCoverage {
  std::string file;  // the program
  std::vector<CoverageItem> items;  // in source order (file, then line and column)
  size_t reached() const;
  // Reached items as a percentage, rounded down to a tenth ("87.5"); "100.0" only when every item is.
  std::string percent() const;
  // At least `minimum` percent reached (exactly: reached x 100 >= minimum x items). No item: 100%.
  bool at_least(double minimum) const;
};

// The items of a checked and lowered program with the counts of its tests' runs.
ProgramCoverage program_coverage(const std::string& file, const TypedProgram& program, const plan::Plan& plan,
                                 const SourceMap& sources, const engine::Coverage& counts);

// Per program: "coverage: FILE: 7 of 8 items reached (87.5%)" and, under it, each item not reached.
std::string coverage_text(const std::vector<ProgramCoverage>& programs);
// {"programs": [{"file", "reached", "items_total", "percent", "items": [...]}], "reached", "items_total", "percent"}
std::string coverage_json(const std::vector<ProgramCoverage>& programs);
// An LCOV tracefile: one record per source file, rebates and awards as functions, conditions as
// branches (held, failed), every item's line as a line.
std::string coverage_lcov(const std::vector<ProgramCoverage>& programs);

}  // namespace rebate::testing
