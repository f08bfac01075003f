// Fast paths for the fused scan. Most aggregates filter lines on a column's value (a family, a date
// window, a flag) and add up a column. Those shapes are recognised in the bytecode and run directly on
// the int64 columns, with exact 128-bit sums at the column's scale; anything else runs on the VM. Both
// paths give the same result: the kernels are an optimisation, never a second semantics.
#pragma once

#include <algorithm>
#include <optional>
#include <vector>

#include "engine/state.h"

namespace rebate::engine {

// One condition on one column: value in a sorted set, or value within [lo, hi].
struct ColumnTest {
  uint32_t column = 0;
  bool range = false;
  std::vector<int64_t> values;  // sorted
  int64_t lo = 0, hi = 0;
  bool negate = false;
  bool test(int64_t v) const {
    bool hit;
    if (range) {
      hit = v >= lo && v <= hi;
    } else if (values.size() <= 4) {  // the usual `family in [...]`: a few compares, no search
      hit = false;
      for (int64_t x : values) hit |= v == x;
    } else {
      hit = std::binary_search(values.begin(), values.end(), v);
    }
    return hit != negate;
  }
  bool operator==(const ColumnTest& o) const {
    return column == o.column && range == o.range && values == o.values && lo == o.lo && hi == o.hi && negate == o.negate;
  }
};

struct FastFilter {
  std::vector<ColumnTest> all;  // every test must hold
};

struct FastArg {
  uint32_t column = 0;  // the column summed (Int, Decimal, Money)
  int scale = 0;
};

// nullopt when the function is not a shape the kernels handle.
std::optional<FastFilter> match_filter(const State& s, uint32_t input, plan::FunctionId f);
std::optional<FastArg> match_arg(const State& s, uint32_t input, plan::FunctionId f);
// A function that reads one column that always has a value, of any kind (count_distinct's argument).
std::optional<uint32_t> match_column(const State& s, uint32_t input, plan::FunctionId f);

}  // namespace rebate::engine
