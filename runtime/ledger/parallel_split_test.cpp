// Where the second thread of a two-thread read starts: past the middle, at the point that balances the
// threads' work given how far the first has read, never inside a quoted cell, with the line feeds before
// it counted exactly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <string>

#include "ledger/csv_reader.h"

using rebate::ledger::csv::parallel_split;

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

struct Split {
  size_t at;          // offset of the split
  uint64_t newlines;  // what parallel_split counted
};

Split split(const std::string& data, size_t first_at) {
  const char* from = data.data();
  std::atomic<const char*> first{from + first_at};
  uint64_t newlines = 0;
  const char* at = parallel_split(from, from + data.size(), false, first, newlines);
  REQUIRE(at != nullptr);
  return Split{static_cast<size_t>(at - from), newlines};
}

// The start of the line after the line feed at or after `offset` (the data has no quotes there).
size_t line_start_from(const std::string& data, size_t offset) { return data.find('\n', offset) + 1; }

uint64_t line_feeds_before(const std::string& data, size_t offset) {
  return static_cast<uint64_t>(std::count(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace

TEST_CASE("a first thread still at the start: the split is the first line start past the middle", "[ledger][csv][split]") {
  const std::string data = ledger_text();
  const Split s = split(data, 0);
  CHECK(s.at == line_start_from(data, data.size() / 2));
  CHECK(s.newlines == line_feeds_before(data, s.at));
}

TEST_CASE("a first thread far along: the split moves to halfway between it and the end", "[ledger][csv][split]") {
  const std::string data = ledger_text();
  // First thread at 60%: 60% + (100% - 60%) / 2 = 80% leaves each thread a fifth of the file.
  const size_t first_at = data.size() * 6 / 10;
  const Split s = split(data, first_at);
  CHECK(s.at == line_start_from(data, first_at + (data.size() - first_at) / 2));
  CHECK(s.newlines == line_feeds_before(data, s.at));
}

TEST_CASE("a first thread only a little past the start does not move the split", "[ledger][csv][split]") {
  const std::string data = ledger_text();
  // 100 KB read: the balance point is 50 KB past the middle, within the 64 KB not worth a second count.
  const Split s = split(data, 100 << 10);
  CHECK(s.at == line_start_from(data, data.size() / 2));
}

TEST_CASE("a moved split is never inside a quoted cell", "[ledger][csv][split]") {
  // A quoted cell with 1,000 line breaks from 79.99% of the file, over the balance point (80%).
  const std::string data = ledger_text(0.7999);
  const size_t first_at = data.size() * 6 / 10;
  const size_t balance = first_at + (data.size() - first_at) / 2;
  const size_t open = data.find('"');
  const size_t close = data.find('"', open + 1);
  REQUIRE(open < balance);
  REQUIRE(close > balance);
  const Split s = split(data, first_at);
  // The first line start after the cell's closing quote.
  CHECK(s.at == data.find('\n', close) + 1);
  CHECK(s.newlines == line_feeds_before(data, s.at));
}

// The default two-thread read does not count: it guesses the first line start past the middle, quotes
// or not, and numbers the second half's lines from a LineOrigin.
TEST_CASE("the guessed split is the first line start past the middle, even inside a quoted cell", "[ledger][csv][split]") {
  using rebate::ledger::csv::guess_split;
  const std::string plain = ledger_text();
  const char* from = plain.data();
  CHECK(guess_split(from, from + plain.size()) - from == static_cast<std::ptrdiff_t>(line_start_from(plain, plain.size() / 2)));
  // A quoted cell over the middle: the guess is inside it (the first thread finds that out).
  const std::string quoted = ledger_text(0.4999);
  const size_t open = quoted.find('"'), close = quoted.find('"', open + 1);
  const char* q = quoted.data();
  const size_t guess = static_cast<size_t>(guess_split(q, q + quoted.size()) - q);
  CHECK(guess > open);
  CHECK(guess < close);
  // No line start past the middle (the last line has no line feed).
  const std::string two_lines = "a,b\n1,2";
  CHECK(guess_split(two_lines.data() + 4, two_lines.data() + two_lines.size()) == nullptr);
  // Not right after a blank line (the first half would end with it, as a file may, and not report it):
  // the middle is the blank line's line feed (offset 8), the guess the start of the line after the next.
  const std::string blank = "a,b\n1,2\n\n3,4\n5,6\n";
  const char* b = blank.data();
  CHECK(guess_split(b, b + blank.size()) - b == 13);
}

TEST_CASE("a line origin is the first thread's line when it got there, else counted", "[ledger][csv][split]") {
  const std::string data = ledger_text();
  const char* from = data.data();
  const size_t at = line_start_from(data, data.size() / 2);
  rebate::ledger::LineOrigin counted(from, from + at, 2);
  CHECK(counted.line() == 2 + line_feeds_before(data, at));
  rebate::ledger::LineOrigin told(from, from + at, 2);
  told.set(12345);
  CHECK(told.line() == 12345);
}
