// The program's FX table, indexed for `convert` (docs/language.md §24).
#pragma once

namespace rebate::engine {

struct State;

// Reads the FX input's rows (already read whole, like a table) into s.fx. A rate that is not above zero,
// or two rates of one pair on one day, is an error naming the file and line(s) (in s.result.errors):
// an FX row is never left out, whatever `--on-bad-row` says, since another day's rate would apply.
void index_fx(State& s);

}  // namespace rebate::engine
