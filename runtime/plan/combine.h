// Two programs as one plan, for `rebate diff`: the ledgers are read once and both programs' aggregates
// are computed in the same fused scan.
//
// The combined plan has the first program's header and inputs (the second's must be the same: see
// combine()), the union of the two programs' aggregates, groups, measures, tier and decision tables and
// functions, with what is structurally the same in both kept once (hash-consed: an aggregate with the
// same kind, source, filter and argument code and constants is one aggregate, so a change of a rate
// costs no second scan), and every rebate, award and budget of each program, the first program's
// first. Each program's entities keep their meaning: every index in the second program's bytecode and
// declarations is remapped, a budget covers its own program's rebates (an empty list, "every rebate",
// becomes the list of its program's), and the second program's awards are renamed (kSecondAwardPrefix)
// so that a reader of the awards tells the two apart.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "plan/plan.h"

namespace rebate::plan {

// The second program's awards are named `new:NAME` in the combined plan: no identifier has a colon.
inline constexpr std::string_view kSecondAwardPrefix = "new:";

struct Combined {
  Plan plan;
  // plan.rebates: the first program's [0, first_rebates), then the second's; likewise plan.awards.
  size_t first_rebates = 0;
  size_t first_awards = 0;
};

struct CombineResult {
  std::optional<Combined> combined;
  std::string why_not;  // when the programs cannot share one plan: the first difference, in words
};

// One plan running both programs. Two programs share a plan when their headers agree on what decides
// the periods and the money (currency, period grain, effective dates, fiscal calendar) and they declare
// the same inputs (names, kinds, columns, roles, lookups, the partner table), in the same order; otherwise
// `why_not` says what differs and the caller runs them one after the other.
CombineResult combine(const Plan& first, const Plan& second);

}  // namespace rebate::plan
