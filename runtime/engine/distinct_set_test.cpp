// The flat set behind count_distinct, checked against std::set on the same inserts.
#include <catch2/catch.hpp>

#include <set>
#include <tuple>

#include "engine/distinct_set.h"

using namespace rebate;
using namespace rebate::engine;

TEST_CASE("a distinct set counts each value once, small or large", "[engine][distinct]") {
  for (int n : {0, 1, 15, 16, 17, 100, 5000}) {
    DistinctSet set;
    std::set<std::tuple<int64_t, int64_t, int>> reference;
    uint64_t seed = 12345 + static_cast<uint64_t>(n);
    for (int i = 0; i < n * 3; ++i) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      DistinctKey k{static_cast<Int128>((seed >> 33) % static_cast<uint64_t>(n + 1)), static_cast<int64_t>((seed >> 20) % 2),
                    static_cast<int16_t>((seed >> 10) % 2)};
      bool fresh = reference.insert({static_cast<int64_t>(k.coef), k.aux, k.scale}).second;
      CHECK(set.insert(k) == fresh);
    }
    CHECK(set.size() == reference.size());
    std::set<std::tuple<int64_t, int64_t, int>> listed;
    for (const DistinctKey& k : set) listed.insert({static_cast<int64_t>(k.coef), k.aux, k.scale});
    CHECK(listed == reference);
  }
}

TEST_CASE("a distinct set merges another", "[engine][distinct]") {
  DistinctSet a, b;
  for (int i = 0; i < 40; ++i) a.insert(DistinctKey{i, 0, 0});
  for (int i = 30; i < 70; ++i) b.insert(DistinctKey{i, 0, 0});
  a.insert(b.begin(), b.end());
  CHECK(a.size() == 70);
}
