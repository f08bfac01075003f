// The engine's working state, shared by its files (inputs.cpp, scan.cpp, evaluate.cpp). Not public.
#pragma once

#include <map>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/engine.h"
#include "engine/periods.h"
#include "ledger/ledger.h"
#include "vm/vm.h"

namespace rebate::engine {

using plan::Value;

// One aggregate's running state for one partner and period (or one group row).
// 64 bytes: there is one per partner, period and aggregate (and per group row and field).
struct AggState {
  Int128 raw = 0;        // the kernels' exact sum of int64 cells at raw_scale
  Int128 value = 0;      // sum/avg: the VM's sum; min/max: the best value so far (coefficient)
  uint64_t count = 0;    // lines that passed the filter (and had a value)
  int64_t aux = 0;       // min/max: the best value's aux (a period's last day)
  int16_t raw_scale = 0;
  int16_t scale = 0;     // of `value`
  bool has_best = false;

  Decimal sum() const { return Decimal::from_scaled(value, scale); }
  void set_sum(const Decimal& d) {
    value = d.coefficient();
    scale = static_cast<int16_t>(d.scale());
  }
  Value best() const { return Value{value, aux, scale, false}; }
  void set_best(const Value& v) {
    value = v.coef;
    aux = v.aux;
    scale = v.scale;
    has_best = true;
  }
};

// A value as a count_distinct set holds it: numbers by value (1.50 and 1.5 are one: trailing zeros are
// dropped), everything else by its integer (text by its interned id).
struct DistinctKey {
  Int128 coef = 0;
  int64_t aux = 0;
  int16_t scale = 0;
  bool operator==(const DistinctKey& o) const { return coef == o.coef && aux == o.aux && scale == o.scale; }
};
struct DistinctHash {
  size_t operator()(const DistinctKey& k) const {
    uint64_t lo = static_cast<uint64_t>(k.coef), hi = static_cast<uint64_t>(k.coef >> 64);
    uint64_t h = lo * 0x9E3779B97F4A7C15ull ^ (hi + 0x632BE59BD9B4E019ull + (lo << 6) + (lo >> 2));
    h ^= static_cast<uint64_t>(k.aux) * 0xC2B2AE3D27D4EB4Full + static_cast<uint64_t>(k.scale);
    return static_cast<size_t>(h ^ (h >> 31));
  }
};
using DistinctSet = std::unordered_set<DistinctKey, DistinctHash>;
DistinctKey distinct_key(const Value& v);

// Aggregate states, dense over partners x periods.
struct AggTable {
  std::vector<AggState> states;
  std::vector<DistinctSet> distinct;  // count_distinct only: the values per cell
};

// Finds the row of a fixed-width key of int64s (partner, period, the group's key columns) without
// allocating per lookup: open addressing over a flat array of keys.
class KeyIndex {
 public:
  explicit KeyIndex(size_t width = 1) : width_(width) {}
  // The row of `key`, adding it as the next row when it is new (`fresh` says so).
  uint32_t find_or_add(const int64_t* key, bool& fresh);
  size_t size() const { return keys_.size() / width_; }

 private:
  static uint64_t hash(const int64_t* key, size_t width);
  void grow();
  size_t width_;
  std::vector<int64_t> keys_;    // row r's key at [r * width, (r + 1) * width)
  // (the key's hash's top 32 bits << 32) | (row + 1); 0 = free. The hash part skips most key compares.
  std::vector<uint64_t> slots_;
};

// A group's rows, stored flat: per row its partner, period, key values, and one state per field aggregate.
struct GroupData {
  KeyIndex index;
  size_t key_count = 0;    // key columns
  size_t agg_count = 0;    // field aggregates
  std::vector<uint32_t> partner;
  std::vector<PeriodIndex> period;
  std::vector<Value> keys;          // rows x key_count
  std::vector<AggState> states;     // rows x agg_count
  std::unordered_map<size_t, DistinctSet> distinct;  // state index -> set, for count_distinct fields
  std::vector<Value> values;        // rows x (key_count + fields): keys, then field values (after the scan)
  size_t rows() const { return partner.size(); }
};

struct State {
  const plan::Plan& plan;
  const RunOptions& options;
  RunResult& result;
  Periods periods;
  vm::Machine machine;
  ledger::StringPool pool;
  std::vector<ledger::Table> tables;                  // by input
  std::vector<uint32_t> text_ids;                     // plan.texts interned
  // Partners, sorted by id.
  std::vector<uint32_t> partner_ids;                  // string ids (or ints as text) by partner index
  std::unordered_map<int64_t, uint32_t> partner_by_key;  // key value (string id / int) -> partner index
  std::vector<uint32_t> partner_row;                  // partner index -> row in the partner table (UINT32_MAX: none)
  // Ledger lines: partner and period of each row, per input.
  std::vector<std::vector<uint32_t>> row_partner;
  std::vector<std::vector<PeriodIndex>> row_period;
  std::vector<std::vector<uint8_t>> row_valid;        // 0: skipped (rejected)
  // Lookup tables: input -> key value -> row.
  std::vector<std::unordered_map<int64_t, uint32_t>> table_rows;
  PeriodIndex first_period = 0, last_period = -1;     // of the data
  std::vector<PeriodIndex> run_periods;
  std::vector<AggTable> aggregates;                   // by plan aggregate
  std::vector<GroupData> groups;                      // by plan group
  // Which ledger lines feed each measure (aggregates reachable from it), for explanations.
  std::vector<std::vector<uint32_t>> measure_aggregates;

  State(const plan::Plan& p, const RunOptions& o, RunResult& r) : plan(p), options(o), result(r), periods(p), machine(p) {}

  size_t period_count() const { return last_period >= first_period ? static_cast<size_t>(last_period - first_period + 1) : 0; }
  // The cell of a partner and period in an AggTable, or SIZE_MAX outside the data's periods.
  size_t cell(uint32_t partner, PeriodIndex period) const {
    if (period < first_period || period > last_period) return SIZE_MAX;
    return static_cast<size_t>(partner) * period_count() + static_cast<size_t>(period - first_period);
  }
  std::string partner_name(uint32_t partner) const { return std::string(pool.text(partner_ids[partner])); }
  Value cell_value(uint32_t input, uint32_t column, uint32_t row) const;
  std::string location_text(uint32_t where) const;
};

// inputs.cpp
bool load_inputs(State& s);
// scan.cpp: every aggregate of every ledger and group in one pass per source
void scan(State& s);
Value finish(const AggState& st, const DistinctSet* distinct, plan::AggregateKind kind);
// The exact sum of a state: the VM's Decimal sum plus the kernels' raw sum.
Decimal total(const AggState& st);
// evaluate.cpp
void evaluate(State& s);

// Formatting for explanations and outputs.
// "598000.00 USD", "4.5%", "12": a value as an explanation shows it, in its unit.
std::string format_value(const Value& v, const std::string& unit, int minor_unit);

}  // namespace rebate::engine
