// The values a count_distinct has seen in one cell (a partner and period, or a group row): a flat set.
// Most cells see a handful of values, so a small set is a vector searched in order; from 16 values on, an
// open-addressing index over the vector finds them. No allocation per value (a node-based set allocates
// one per insert) and iteration is a walk over one array.
#pragma once

#include <cstdint>
#include <vector>

#include "core/decimal.h"

namespace rebate::engine {

// A value as a count_distinct set holds it: numbers by value (1.50 and 1.5 are one: trailing zeros are
// dropped), everything else by its integer (text by its interned id).
struct DistinctKey {
  Int128 coef = 0;
  int64_t aux = 0;
  int16_t scale = 0;
  bool operator==(const DistinctKey& o) const { return coef == o.coef && aux == o.aux && scale == o.scale; }
};

class DistinctSet {
 public:
  // True when `k` was not in the set.
  bool insert(const DistinctKey& k) {
    if (index_.empty()) {
      for (const DistinctKey& x : keys_) {
        if (x == k) return false;
      }
      keys_.push_back(k);
      if (keys_.size() == kIndexFrom) rebuild(64);
      return true;
    }
    const size_t mask = index_.size() - 1;
    for (size_t i = hash(k) & mask;; i = (i + 1) & mask) {
      const uint32_t at = index_[i];
      if (at == 0) {
        keys_.push_back(k);
        index_[i] = static_cast<uint32_t>(keys_.size());
        if (keys_.size() * 2 > index_.size()) rebuild(index_.size() * 2);
        return true;
      }
      if (keys_[at - 1] == k) return false;
    }
  }
  template <class It>
  void insert(It first, It last) {
    for (; first != last; ++first) insert(*first);
  }
  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  std::vector<DistinctKey>::const_iterator begin() const { return keys_.begin(); }
  std::vector<DistinctKey>::const_iterator end() const { return keys_.end(); }

 private:
  static constexpr size_t kIndexFrom = 16;
  static uint64_t hash(const DistinctKey& k) {
    const auto lo = static_cast<uint64_t>(k.coef), hi = static_cast<uint64_t>(k.coef >> 64);
    uint64_t h = lo * 0x9E3779B97F4A7C15ull ^ (hi + 0x632BE59BD9B4E019ull + (lo << 6) + (lo >> 2));
    h ^= static_cast<uint64_t>(k.aux) * 0xC2B2AE3D27D4EB4Full + static_cast<uint64_t>(k.scale);
    return h ^ (h >> 31);
  }
  void rebuild(size_t slots) {
    index_.assign(slots, 0);
    const size_t mask = slots - 1;
    for (size_t n = 0; n < keys_.size(); ++n) {
      size_t i = hash(keys_[n]) & mask;
      while (index_[i] != 0) i = (i + 1) & mask;
      index_[i] = static_cast<uint32_t>(n + 1);
    }
  }

  std::vector<DistinctKey> keys_;  // in the order first seen
  std::vector<uint32_t> index_;    // empty below kIndexFrom values; else slot -> position in keys_ + 1 (0: free)
};

}  // namespace rebate::engine
