// The group rows' index: rows numbered in the order their keys first come, found again after the table
// has grown many times (growing moves slots by their tags, without reading the keys).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

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
    REQUIRE(index.find_or_add(key, nullptr, index.hash(key, nullptr), fresh) == static_cast<uint32_t>(i));
    CHECK(!fresh);
    CHECK(index.key(static_cast<size_t>(i), 2) == i * 7919LL);
  }
  CHECK(index.size() == static_cast<size_t>(n));
}

TEST_CASE("a key index keys text words by their bytes", "[engine][key_index]") {
  // (partner, period, order id as text): equal bytes are one row, whatever views they come from.
  KeyIndex index(3, {2});
  const int n = 50000;
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back("SO-26-" + std::to_string(1000000 + i * 7));
  for (int i = 0; i < n; ++i) {
    const int64_t key[3] = {i % 13, 8100, -1};  // the text word's own value is ignored
    const std::string_view text = ids[static_cast<size_t>(i)];
    bool fresh = false;
    REQUIRE(index.find_or_add(key, &text, index.hash(key, &text), fresh) == static_cast<uint32_t>(i));
    CHECK(fresh);
  }
  for (int i = n - 1; i >= 0; --i) {
    const int64_t key[3] = {i % 13, 8100, 12345};
    const std::string copy = ids[static_cast<size_t>(i)];  // other bytes in memory, same text
    const std::string_view text = copy;
    bool fresh = true;
    REQUIRE(index.find_or_add(key, &text, index.hash(key, &text), fresh) == static_cast<uint32_t>(i));
    CHECK(!fresh);
    CHECK(index.text(static_cast<size_t>(i), 2) == ids[static_cast<size_t>(i)]);
  }
  // The same text under another partner, and a text that is a prefix of another, are new rows.
  const int64_t other[3] = {12, 8100, 0};
  std::string_view text = ids[0];
  bool fresh = false;
  CHECK(index.find_or_add(other, &text, index.hash(other, &text), fresh) == static_cast<uint32_t>(n));
  CHECK(fresh);
  const int64_t first[3] = {0, 8100, 0};
  text = std::string_view(ids[0]).substr(0, 8);
  CHECK(index.find_or_add(first, &text, index.hash(first, &text), fresh) == static_cast<uint32_t>(n + 1));
  CHECK(fresh);
  CHECK(index.text(static_cast<size_t>(n + 1), 2) == "SO-26-10");
}

TEST_CASE("the usual group key's inline hash is the word-by-word hash", "[engine][key_index]") {
  // A cell word and an order id (empty, short, 8 and 16 bytes, longer than 16: the pool's hash), and
  // the hash without the cell word that picks a row's partition: the scan and the merge must agree
  // whichever path they take.
  KeyIndex index(2, {1});
  const std::vector<std::string> texts = {"", "A", "SO-1", "SO-26-01", "SO-26-0000000003", "ORDER-2026-000000000000042", "é-ü"};
  for (const std::string& text : texts) {
    for (int64_t cell : {int64_t{0}, int64_t{5}, group_cell_word(4999, 8102), group_cell_word(1, -3)}) {
      const int64_t key[2] = {cell, 0};
      const std::string_view view = text;
      uint64_t inline_without = 1, any_without = 2;
      CHECK(index.hash(key, &view, &inline_without) == index.hash_any(key, &view, &any_without));
      CHECK(inline_without == any_without);
    }
  }
  // And it is a hash of both words: another cell or another text changes it.
  const int64_t a[2] = {group_cell_word(1, 8102), 0}, b[2] = {group_cell_word(2, 8102), 0};
  const std::string_view x = "SO-26-0000000003", y = "SO-26-0000000004";
  CHECK(index.hash(a, &x) != index.hash(b, &x));
  CHECK(index.hash(a, &x) != index.hash(a, &y));
}

TEST_CASE("a second index's rows are matched to the first's by their hash tags", "[engine][key_index]") {
  // Orders 0..999 in the first index, 500..1499 in the second (cell word, order id): the second's rows
  // 0..499 are the first's 500..999, the others are nowhere in the first. Every row comes once.
  KeyIndex first(2, {1}), second(2, {1});
  std::vector<std::string> ids;
  for (int i = 0; i < 1500; ++i) ids.push_back("SO-26-" + std::to_string(1000000 + i));
  auto add = [&](KeyIndex& index, int i) {
    const int64_t key[2] = {group_cell_word(static_cast<uint32_t>(i % 7), 8102), 0};
    const std::string_view text = ids[static_cast<size_t>(i)];
    bool fresh = false;
    index.find_or_add(key, &text, index.hash(key, &text), fresh);
    CHECK(fresh);
  };
  for (int i = 0; i < 1000; ++i) add(first, i);
  for (int i = 500; i < 1500; ++i) add(second, i);
  std::vector<int> seen(1000, 0);
  first.match_rows_of(second, [&](uint32_t row, uint32_t to) {
    ++seen[row];
    CHECK(to == (row < 500 ? row + 500 : UINT32_MAX));
  });
  CHECK(std::count(seen.begin(), seen.end(), 1) == 1000);
}
