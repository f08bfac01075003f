// The short-text id table: keys name texts exactly, ids come back as added, the table stops growing.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/short_text_ids.h"

using namespace rebate::ledger;

namespace {

ShortTextIds::Key key(std::string_view text) {
  ShortTextIds::Key k;
  REQUIRE(ShortTextIds::key_of(text, k));
  return k;
}

}  // namespace

TEST_CASE("short text keys tell apart every text of up to 16 bytes", "[ledger][short_text]") {
  // Texts that share first or last bytes, or differ only in size, at each size class (0-3, 4-7, 8-16).
  const std::vector<std::string> texts = {"",          "a",          "b",          "aa",         "ab",
                                          "ba",        "aab",        "abb",        "abc",        "abcd",
                                          "abce",      "xbcd",       "abcde",      "abcdd",      "abcdef",
                                          "abcdefg",   "abcdefgh",   "abcdefgi",   "bbcdefgh",   "abcdefghi",
                                          "abcdefghh", "P00001",     "P00010",     "P10000",     "SO-26-0000000001",
                                          "SO-26-0000000002", "SO-36-0000000001"};
  for (size_t i = 0; i < texts.size(); ++i) {
    for (size_t j = 0; j < texts.size(); ++j) {
      INFO(texts[i] << " vs " << texts[j]);
      CHECK((key(texts[i]) == key(texts[j])) == (i == j));
    }
  }
  ShortTextIds::Key k;
  CHECK_FALSE(ShortTextIds::key_of("seventeen bytes!!", k));
}

TEST_CASE("short text ids: found as added, through growth, and not after the table is full", "[ledger][short_text]") {
  ShortTextIds ids;
  CHECK(ids.find(key("P00001")) == ShortTextIds::kNone);
  // More texts than the table takes: the first ones keep their ids through every growth; the ones
  // beyond its room are not remembered (the reader interns them through the pool instead).
  const size_t room = ShortTextIds::kRoom;
  for (uint32_t i = 0; i < room + 100; ++i) ids.add(key(fmt::format("P{:07}", i)), i * 3 + 1);
  CHECK(ids.size() == room);
  for (uint32_t i = 0; i < room; ++i) {
    if (ids.find(key(fmt::format("P{:07}", i))) != i * 3 + 1) FAIL("P" << i << " lost its id");
  }
  CHECK(ids.find(key(fmt::format("P{:07}", room + 50))) == ShortTextIds::kNone);
  // A text found twice in a row (the last-found shortcut) and then another: each its own id.
  CHECK(ids.find(key("P0000007")) == 22);
  CHECK(ids.find(key("P0000007")) == 22);
  CHECK(ids.find(key("P0000008")) == 25);
  // Adding a known text again keeps its first id.
  ids.add(key("P0000007"), 999);
  CHECK(ids.find(key("P0000007")) == 22);
}

TEST_CASE("the reader gives every text cell its own text, past the short-text table's room", "[ledger][short_text]") {
  // A text column with more distinct short texts than the table remembers (later ones go through the
  // pool every time), texts of 16 and 17 bytes (short and not), repeats on consecutive rows and far
  // apart: each cell, read back through the pool, must be the text written.
  ColumnSpec partner;
  partner.name = partner.header = "partner";
  partner.kind = ColumnKind::Text;
  TableSpec spec{"sales", {partner}};
  std::vector<std::string> written;
  std::string data = "partner\n";
  const size_t distinct = ShortTextIds::kRoom + ShortTextIds::kRoom / 2;  // more than the table keeps
  for (size_t i = 0; i < 3 * distinct; ++i) {
    const size_t n = (i * 7919) % distinct;  // every text three times, in a scrambled order
    std::string text = n % 5 == 0 ? fmt::format("P{:015}", n) : n % 5 == 1 ? fmt::format("P{:016}", n) : fmt::format("P{}", n);
    written.push_back(text);
    data += text + "\n";
    if (i % 3 == 0) {  // the same text on the next row
      written.push_back(text);
      data += text + "\n";
    }
  }
  StringPool pool;
  const ReadResult r = read_csv_buffer(data, "p.csv", spec, ReadOptions{}, pool);
  REQUIRE(r.ok());
  REQUIRE(r.table.row_count() == written.size());
  size_t wrong = 0;
  for (size_t row = 0; row < written.size(); ++row) {
    if (pool.text(static_cast<uint32_t>(r.table.columns[0].values[row])) != written[row]) ++wrong;
  }
  CHECK(wrong == 0);
  CHECK(pool.size() >= distinct);
}
