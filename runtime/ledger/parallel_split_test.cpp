// Where the pieces of an N-thread read start: counted cuts at the first line start past each share's
// start, never inside a quoted cell, with the line feeds before them counted exactly; guessed cuts
// there whatever the quotes; and the line origins that number a guessed piece's lines.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "ledger/csv_reader.h"

using rebate::ledger::MemorySource;
using rebate::ledger::csv::Cut;
using rebate::ledger::csv::count_cuts;
using rebate::ledger::csv::guess_cuts;

namespace {

// About 4 MB of 20-byte lines; `quoted_at` (a fraction of the size): a quoted cell there spans 1,000
// lines, line breaks included.
std::string ledger_text(double quoted_at = -1) {
  std::string data;
  const size_t size = 4 << 20;
  bool quoted = false;
  while (data.size() < size) {
    if (!quoted && quoted_at >= 0 && static_cast<double>(data.size()) >= quoted_at * size) {
      quoted = true;
      data += "2026-01-01,\"note";
      for (int i = 0; i < 1000; ++i) data += " line\n";
      data += "end\",1.00\n";
      continue;
    }
    data += "2026-01-01,P1,12.50\n";
  }
  return data;
}

// The start of the line after the line feed at or after `offset` (the data has no quotes there).
size_t line_start_from(const std::string& data, size_t offset) { return data.find('\n', offset) + 1; }

uint64_t line_feeds_before(const std::string& data, size_t offset) {
  return static_cast<uint64_t>(std::count(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// The cuts of `pieces` pieces, as offsets, each checked to be a counted cut's line feeds.
std::vector<size_t> counted(const std::string& data, size_t pieces) {
  std::vector<size_t> at;
  for (const Cut& c : count_cuts(MemorySource(data), 0, data.size(), pieces)) {
    at.push_back(static_cast<size_t>(c.at));
    CHECK(c.newlines == line_feeds_before(data, at.back()));
  }
  return at;
}

}  // namespace

TEST_CASE("counted cuts: the first line start past each share's start, with the line feeds before it", "[ledger][csv][split]") {
  const std::string data = ledger_text();
  for (size_t pieces : {2u, 3u, 8u}) {
    INFO(pieces << " pieces");
    const std::vector<size_t> at = counted(data, pieces);
    REQUIRE(at.size() == pieces - 1);
    // The line feed at or after k/pieces of the data is the one the cut follows (no quotes here).
    for (size_t k = 1; k < pieces; ++k) CHECK(at[k - 1] == line_start_from(data, data.size() * k / pieces));
  }
}

TEST_CASE("a counted cut is never inside a quoted cell", "[ledger][csv][split]") {
  // A quoted cell with 1,000 line breaks from 49.99% of the file, over the middle: two pieces.
  const std::string data = ledger_text(0.4999);
  const size_t open = data.find('"');
  const size_t close = data.find('"', open + 1);
  REQUIRE(open < data.size() / 2);
  REQUIRE(close > data.size() / 2);
  const std::vector<size_t> at = counted(data, 2);
  REQUIRE(at.size() == 1);
  CHECK(at[0] == data.find('\n', close) + 1);  // the first line start after the cell's closing quote
  // Eight pieces: the cut of the share that starts inside the cell moves past it too, and the others
  // stay at their shares' line starts.
  const std::vector<size_t> eight = counted(data, 8);
  REQUIRE(eight.size() == 7);
  CHECK(eight[3] == data.find('\n', close) + 1);
  CHECK(eight[2] == line_start_from(data, data.size() * 3 / 8));
  CHECK(eight[4] == line_start_from(data, data.size() * 5 / 8));
}

TEST_CASE("more pieces than lines: as many cuts as there are line starts", "[ledger][csv][split]") {
  const std::string data = "1,2\n3,4\n5,6\n";
  const MemorySource source(data);
  // Three pieces: shares start at 4 and 8, each a line start already; a cut is the first line start
  // *past* a share's start (the byte before it is not looked at), so both shares cut at 8, once.
  CHECK(count_cuts(source, 0, data.size(), 3).size() == 1);
  CHECK(count_cuts(source, 0, data.size(), 3)[0].at == 8);
  CHECK(guess_cuts(source, 0, data.size(), 3).size() == 1);
  // Line starts at 4 and 8 (12 is the end): two cuts at most, ascending, however many are asked for.
  for (size_t pieces : {8u, 64u}) {
    const std::vector<Cut> counted_cuts = count_cuts(source, 0, data.size(), pieces);
    const std::vector<Cut> guessed = guess_cuts(source, 0, data.size(), pieces);
    for (const auto* cuts : {&counted_cuts, &guessed}) {
      REQUIRE(cuts->size() == 2);
      CHECK((*cuts)[0].at == 4);
      CHECK((*cuts)[1].at == 8);
    }
  }
}

// The default N-thread read does not count: it guesses the first line start past each share's start,
// quotes or not, and numbers a piece's lines from a LineOrigin.
TEST_CASE("the guessed split is the first line start past the middle, even inside a quoted cell", "[ledger][csv][split]") {
  using rebate::ledger::csv::guess_split;
  const std::string plain = ledger_text();
  CHECK(guess_split(MemorySource(plain), 0, plain.size()) == line_start_from(plain, plain.size() / 2));
  // A quoted cell over the middle: the guess is inside it (the first thread finds that out).
  const std::string quoted = ledger_text(0.4999);
  const size_t open = quoted.find('"'), close = quoted.find('"', open + 1);
  const size_t guess = guess_split(MemorySource(quoted), 0, quoted.size()).value();
  CHECK(guess > open);
  CHECK(guess < close);
  // No line start past the middle (the last line has no line feed).
  const std::string two_lines = "a,b\n1,2";
  CHECK(guess_split(MemorySource(two_lines), 4, two_lines.size()) == std::nullopt);
  // Not right after a blank line (the first half would end with it, as a file may, and not report it):
  // the middle is the blank line's line feed (offset 8), the guess the start of the line after the next.
  const std::string blank = "a,b\n1,2\n\n3,4\n5,6\n";
  CHECK(guess_split(MemorySource(blank), 0, blank.size()) == 13);
}

TEST_CASE("a line origin is the piece before's line when its reader got there, else counted", "[ledger][csv][split]") {
  const std::string data = ledger_text();
  const MemorySource source(data);
  const size_t at = line_start_from(data, data.size() / 2);
  rebate::ledger::LineOrigin counted(source, 0, at, 2);
  CHECK(counted.line() == 2 + line_feeds_before(data, at));
  rebate::ledger::LineOrigin told(source, 0, at, 2);
  told.set(12345);
  CHECK(told.line() == 12345);
  // A third piece's origin counts from the second's: its line ends added to what that one says.
  const size_t next = line_start_from(data, data.size() * 3 / 4);
  rebate::ledger::LineOrigin chained(source, at, next, &counted);
  CHECK(chained.line() == 2 + line_feeds_before(data, next));
  rebate::ledger::LineOrigin after_told(source, at, next, &told);
  CHECK(after_told.line() == 12345 + line_feeds_before(data, next) - line_feeds_before(data, at));
  // The piece before read, its reader says how many line feeds it had: they are not counted again (a
  // wrong number here shows it is the one used).
  rebate::ledger::LineOrigin said(source, at, next, &counted);
  said.set_newlines(7);
  CHECK(said.line() == 2 + line_feeds_before(data, at) + 7);
}
