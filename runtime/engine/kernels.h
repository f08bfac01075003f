// Fast paths for the fused scan. Most aggregates filter lines on a column's value (a family, a date
// window, a flag) and add up a column. Those shapes are recognised in the bytecode and run directly on
// the int64 columns, with exact 128-bit sums at the column's scale; anything else runs on the VM. Both
// paths give the same result: the kernels are an optimisation, never a second semantics.
//
// Here: the shapes (ColumnTest, FastFilter, FastArg; matched in kernels.cpp), an aggregate's kernels
// (Fast), a chunk's column tests as a mask per line (LineTests), and the masked sums and counts of a
// block of states, flat or compact (MaskedKernels). The scan (scan.cpp) runs them line by line.
#pragma once

#include <algorithm>
#include <optional>
#include <utility>
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

// Kernels for one aggregate, when its filter and argument have shapes they handle.
struct Fast {
  bool usable = false;
  std::optional<FastFilter> filter;
  std::optional<FastArg> arg;              // sum, avg: the column added up
  std::optional<uint32_t> distinct_column;  // count_distinct: the column whose values are counted
  // The filter's tests as bits of a line's test mask (LineTests), when they all have one: the line
  // passes when every bit of `need` is set.
  bool masked = false;
  uint64_t need = 0;
};

// The distinct column tests of a ledger's kernels, each a bit of a line's mask, worked out one test at
// a time over a whole chunk (a tight loop over one column) before any aggregate reads them: the
// aggregates then test a mask instead of re-running shared tests (`amount > 0 USD`, `family in ...`),
// and add without branching on the line's values.
class LineTests {
 public:
  static constexpr size_t kMax = 64;
  // Gives `f` its bits, adding tests not met before; false when they do not fit in a mask.
  bool assign(Fast& f) {
    if (!f.filter) return f.masked = true;
    uint64_t need = 0;
    for (const ColumnTest& t : f.filter->all) {
      auto it = std::find(tests_.begin(), tests_.end(), t);
      if (it == tests_.end()) {
        if (tests_.size() == kMax) return false;
        it = tests_.insert(tests_.end(), t);
      }
      need |= uint64_t{1} << (it - tests_.begin());
    }
    f.need = need;
    return f.masked = true;
  }
  void run(const ledger::Table& chunk) {
    if (!planned_) plan(chunk);
    const size_t n = chunk.row_count();
    masks_.assign(n, 0);
    uint64_t* __restrict const masks = masks_.data();
    for (size_t t : loose_) {
      const ColumnTest& test = tests_[t];
      const int64_t* __restrict const v = chunk.columns[test.column].values.data();
      if (test.range) {
        // A date window, `amount > 0 USD`: the same compares on every row, without a branch, which the
        // compiler turns into vector compares (four rows an instruction with AVX2).
        const int64_t lo = test.lo, hi = test.hi;
        const uint64_t flip = test.negate;
        for (size_t row = 0; row < n; ++row)
          masks[row] |= ((static_cast<uint64_t>(v[row] >= lo) & static_cast<uint64_t>(v[row] <= hi)) ^ flip) << t;
        continue;
      }
      for (size_t row = 0; row < n; ++row) masks[row] |= static_cast<uint64_t>(test.test(v[row])) << t;
    }
    for (ValueTable& table : tables_) {
      const int64_t* v = chunk.columns[table.column].values.data();
      for (size_t row = 0; row < n; ++row) masks_[row] |= table.mask(v[row], tests_);
    }
  }
  uint64_t mask(size_t row) const { return masks_.empty() ? 0 : masks_[row]; }
  bool any() const { return !tests_.empty(); }

 private:
  // The tests of one column of small ids (a text's pool id, an enum member, a flag) as a table from the
  // value to its bits, filled as values are met: `family` in six filters is one load a line, not six
  // tests.
  struct ValueTable {
    uint32_t column = 0;
    uint64_t bits = 0;  // the tests on the column
    std::vector<uint64_t> by_value;  // value -> its tests' bits | kKnown
    static constexpr uint64_t kKnown = uint64_t{1} << 63;  // (tests use bits 0..62 when a table is made)
    static constexpr int64_t kMaxValue = int64_t{1} << 20;
    uint64_t mask(int64_t v, const std::vector<ColumnTest>& tests) {
      if (v >= 0 && static_cast<uint64_t>(v) < by_value.size() && (by_value[static_cast<size_t>(v)] & kKnown)) return by_value[static_cast<size_t>(v)] & ~kKnown;
      uint64_t m = 0;
      for (uint64_t b = bits; b != 0; b &= b - 1) {
        const unsigned t = static_cast<unsigned>(__builtin_ctzll(b));
        m |= static_cast<uint64_t>(tests[t].test(v)) << t;
      }
      if (v >= 0 && v < kMaxValue) {
        if (static_cast<uint64_t>(v) >= by_value.size()) by_value.resize(static_cast<size_t>(v) + 1, 0);
        by_value[static_cast<size_t>(v)] = m | kKnown;
      }
      return m;
    }
  };
  void plan(const ledger::Table& chunk) {
    planned_ = true;
    std::vector<uint64_t> on_column(chunk.columns.size(), 0);
    for (size_t t = 0; t < tests_.size(); ++t) {
      const ledger::ColumnSpec& spec = chunk.columns[tests_[t].column].spec;
      const bool small_ids = spec.kind == ledger::ColumnKind::Text || spec.kind == ledger::ColumnKind::Enum || spec.kind == ledger::ColumnKind::Bool;
      if (small_ids && !tests_[t].range && t < 63) {
        on_column[tests_[t].column] |= uint64_t{1} << t;
      } else {
        loose_.push_back(t);
      }
    }
    for (uint32_t c = 0; c < on_column.size(); ++c) {
      if (on_column[c] == 0) continue;
      if ((on_column[c] & (on_column[c] - 1)) == 0) {  // one test: as cheap run directly
        loose_.push_back(static_cast<size_t>(__builtin_ctzll(on_column[c])));
        continue;
      }
      tables_.push_back(ValueTable{c, on_column[c], {}});
    }
  }
  std::vector<ColumnTest> tests_;
  std::vector<uint64_t> masks_;
  bool planned_ = false;
  std::vector<size_t> loose_;       // tests run one at a time over a chunk
  std::vector<ValueTable> tables_;  // the others, by column
};

// The kernels of an aggregate over ledger `input` (usable false: it runs on the VM).
Fast fast_for(const State& s, uint32_t input, const plan::Aggregate& agg);

// The masked sums and counts of one block of states (a cell's aggregates, or a group row's fields),
// flattened for the per-line loop: no optional to test, no kind to switch on, the summed columns' values
// found once per chunk. Other kernels (count_distinct, filters beyond the mask) go through run_fast.
class MaskedKernels {
 public:
  // Takes kernel `f` for the state at `slot` of a block, when it is a masked sum or count.
  bool take(const Fast& f, uint32_t slot) {
    if (!f.usable || !f.masked || f.distinct_column) return false;
    if (f.arg) {
      sums_.push_back(Sum{f.need, slot, f.arg->column, static_cast<int16_t>(f.arg->scale)});
    } else {
      counts_.push_back(Count{f.need, slot});
    }
    return true;
  }
  // Puts the sums and the counts whose slot `first` picks before the others (a block's words follow
  // the order), before any block is laid out; the number of sums and of counts picked.
  template <class Pick>
  std::pair<size_t, size_t> put_first(const Pick& first) {
    const auto s = std::stable_partition(sums_.begin(), sums_.end(), [&](const Sum& k) { return first(k.slot); });
    const auto c = std::stable_partition(counts_.begin(), counts_.end(), [&](const Count& k) { return first(k.slot); });
    return {static_cast<size_t>(s - sums_.begin()), static_cast<size_t>(c - counts_.begin())};
  }
  void bind(const ledger::Table& chunk) {
    args_.resize(sums_.size());
    for (size_t i = 0; i < sums_.size(); ++i) args_[i] = chunk.columns[sums_[i].column].values.data();
  }
  bool empty() const { return sums_.empty() && counts_.empty(); }
  // One line into its block; `state(slot)` is the block's state at `slot`.
  template <class States>
  void line(const States& state, uint64_t mask, uint32_t row) const {
    for (size_t i = 0; i < sums_.size(); ++i) {
      const Sum& k = sums_[i];
      // Without branches: which lines pass a family filter is as good as random.
      const bool pass = (mask & k.need) == k.need;
      AggState& st = state(k.slot);
      st.value += pass ? args_[i][row] : 0;  // exact: 2^64 lines of int64 stay far inside 128 bits
      st.count += pass;
      st.scale = pass ? k.scale : st.scale;
    }
    for (const Count& k : counts_) state(k.slot).count += (mask & k.need) == k.need;
  }

 private:
  struct Sum {
    uint64_t need;
    uint32_t slot, column;
    int16_t scale;
  };
  struct Count {
    uint64_t need;
    uint32_t slot;
  };
  std::vector<Sum> sums_;
  std::vector<Count> counts_;
  std::vector<const int64_t*> args_;

 public:
  // ---- compact accumulators (a ledger's cells) ----
  // While a ledger is scanned, a cell's masked sums and counts are kept compact, not in the cell's
  // 32-byte AggStates: an int64 per sum, then a uint32 count per sum and per count. A line then touches
  // two cache lines instead of the seven its states span (the cells are many megabytes, and every line
  // goes to a cell of no predictable place). They are added into the AggStates by fold(): when the
  // ledger's scan ends, before the cells are laid out anew, and for one kernel whose int64 or uint32
  // would overflow.
  size_t words() const { return sums_.size() + (sums_.size() + counts_.size() + 1) / 2; }
  // The compact blocks' layout for a group row whose `fields` fields are all these kernels (slot = field).
  CompactLayout layout(size_t fields) const {
    CompactLayout l;
    l.fields.resize(fields);
    for (size_t i = 0; i < sums_.size(); ++i) l.fields[sums_[i].slot] = CompactLayout::Field{true, static_cast<uint32_t>(i), sums_[i].scale};
    for (size_t j = 0; j < counts_.size(); ++j) l.fields[counts_[j].slot] = CompactLayout::Field{false, static_cast<uint32_t>(sums_.size() + j), 0};
    l.sums = sums_.size();
    l.words = words();
    return l;
  }
  template <class States>
  void line_compact(uint64_t* block, const States& state, uint64_t mask, uint32_t row) const {
    line_compact(block, state, mask, row, sums_.size(), counts_.size());
  }
  // Only the first `sum_count` sums and `count_count` counts (see put_first).
  template <class States>
  void line_compact(uint64_t* block, const States& state, uint64_t mask, uint32_t row, size_t sum_count, size_t count_count) const {
    sum_count = std::min(sum_count, sums_.size());
    count_count = std::min(count_count, counts_.size());
    auto* sum = reinterpret_cast<int64_t*>(block);
    auto* count = reinterpret_cast<uint32_t*>(block + sums_.size());
    for (size_t i = 0; i < sum_count; ++i) {
      const Sum& k = sums_[i];
      const bool pass = (mask & k.need) == k.need;  // without branches: which lines pass is as good as random
      const int64_t v = pass ? args_[i][row] : 0;
      int64_t r;
      if (__builtin_add_overflow(sum[i], v, &r) || count[i] == UINT32_MAX) [[unlikely]] {
        fold_sum(i, sum[i], count[i], state(k.slot));
        r = v;
        count[i] = 0;
      }
      sum[i] = r;
      count[i] += pass;
    }
    for (size_t j = 0; j < count_count; ++j) {
      uint32_t& c = count[sums_.size() + j];
      if (c == UINT32_MAX) [[unlikely]] {
        state(counts_[j].slot).count += c;
        c = 0;
      }
      c += (mask & counts_[j].need) == counts_[j].need;
    }
  }
  // Adds a cell's compact block into its states and clears it.
  template <class States>
  void fold(uint64_t* block, const States& state) const {
    auto* sum = reinterpret_cast<int64_t*>(block);
    auto* count = reinterpret_cast<uint32_t*>(block + sums_.size());
    for (size_t i = 0; i < sums_.size(); ++i) fold_sum(i, sum[i], count[i], state(sums_[i].slot));
    for (size_t j = 0; j < counts_.size(); ++j) state(counts_[j].slot).count += count[sums_.size() + j];
    std::fill(block, block + words(), 0);
  }

 private:
  void fold_sum(size_t i, int64_t sum, uint32_t count, AggState& st) const {
    if (count == 0) return;  // (a sum of no line leaves the state as it is, scale included)
    st.value += sum;
    st.count += count;
    st.scale = sums_[i].scale;
  }
};

}  // namespace rebate::engine
