// The group rows' index: rows numbered in the order their keys first come, found again after the table
// has grown many times (growing moves slots by their tags, without reading the keys).
#include <catch2/catch.hpp>

#include "engine/state.h"

using namespace rebate::engine;

TEST_CASE("a key index finds every key it was given, across growth and reserve", "[engine][key_index]") {
  KeyIndex index(3);
  const int n = 200000;
  auto key_of = [](int i, int64_t* key) {
    key[0] = i % 97;         // a partner
    key[1] = 8100 + i % 8;   // a period
    key[2] = i * 7919LL;     // an order id
  };
  int64_t key[3];
  for (int i = 0; i < n; ++i) {
    key_of(i, key);
    bool fresh = false;
    CHECK(index.find_or_add(key, fresh) == static_cast<uint32_t>(i));
    CHECK(fresh);
  }
  index.reserve(3 * n);  // a merge's reserve: the rows stay where they are
  for (int i = n - 1; i >= 0; --i) {
    key_of(i, key);
    bool fresh = true;
    REQUIRE(index.find_or_add(key, index.hash(key), fresh) == static_cast<uint32_t>(i));
    CHECK(!fresh);
    CHECK(index.key(static_cast<size_t>(i), 2) == i * 7919LL);
  }
  CHECK(index.size() == static_cast<size_t>(n));
}
