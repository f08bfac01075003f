// Streaming reads (a chunk at a time to a sink, on one thread or several, in pieces the threads claim)
// and the overlay string pools the parts intern in.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "ledger/csv_test_support.h"
#include "ledger/ledger.h"
#include "ledger/test_parts.h"

using namespace rebate;
using namespace rebate::ledger;
using namespace rebate::ledger::csv_test;

namespace {

// Collects what a streaming read hands over: every row's cells as text (through the part's pool) and
// line, and the size of each chunk.
class Collect : public RowSink {
 public:
  explicit Collect(const StringPool& pool) : pool_(pool) {}
  void rows(const Table& chunk) override {
    chunks.push_back(chunk.row_count());
    progress.push_back(chunk.progress);
    for (size_t row = 0; row < chunk.row_count(); ++row) {
      std::string text;
      for (const Column& c : chunk.columns) {
        if (c.spec.read) text += format_cell(c, row, pool_) + "|";
      }
      cells.push_back(text);
      lines.push_back(chunk.line(row));
    }
  }
  std::vector<size_t> chunks;
  std::vector<double> progress;  // each chunk's Table::progress
  std::vector<std::string> cells;
  std::vector<uint64_t> lines;

 private:
  const StringPool& pool_;
};

// The rows of a whole-table read, in Collect's form.
std::vector<std::string> rows_of(const ReadResult& r, const StringPool& pool) {
  std::vector<std::string> out;
  for (size_t row = 0; row < r.table.row_count(); ++row) {
    std::string text;
    for (const Column& c : r.table.columns) {
      if (c.spec.read) text += format_cell(c, row, pool) + "|";
    }
    out.push_back(text);
  }
  return out;
}

std::string numbered_ledger(size_t rows) {
  std::string data = "date,partner,amount,qty\r\n";
  for (size_t i = 0; i < rows; ++i) {
    data += "2026-07-" + std::to_string(10 + i % 20) + ",\"P" + std::to_string(i % 37) + (i % 5 == 0 ? ",\nx\"" : "\"") + "," +
            std::to_string(i) + ".25," + std::to_string(i % 7) + "\r\n";
  }
  return data;
}

}  // namespace

TEST_CASE("an overlay string pool keeps its base's ids and numbers new texts after them", "[ledger][pool]") {
  StringPool base;
  const uint32_t p1 = base.intern("P1"), p2 = base.intern("P2");
  StringPool overlay(&base);
  CHECK(overlay.first_own_id() == base.size());
  CHECK(overlay.intern("P2") == p2);  // the base's id, not a new one
  CHECK(overlay.find("P1") == p1);
  CHECK(overlay.intern("") == 0);
  const uint32_t order = overlay.intern("SO-1");
  CHECK(order == base.size());
  CHECK(overlay.intern("SO-2") == base.size() + 1);
  CHECK(overlay.intern("SO-1") == order);
  CHECK(overlay.text(order) == "SO-1");
  CHECK(overlay.text(p1) == "P1");
  CHECK(overlay.size() == base.size() + 2);
  CHECK(base.find("SO-1") == UINT32_MAX);  // the base is untouched
  // Two overlays on one base number their own texts independently.
  StringPool other(&base);
  CHECK(other.intern("SO-2") == base.size());
}

TEST_CASE("a streaming read hands over every row once, in order, a chunk at a time", "[ledger][csv][stream]") {
  const std::string data = numbered_ledger(3 * kChunkRows + 17);  // four chunks, the last one short
  StringPool whole_pool;
  auto whole = read(data, sales_spec(), whole_pool);
  REQUIRE(whole.ok());

  StringPool base;
  StringPool pool(&base);
  Collect sink(pool);
  ReadOptions one;
  one.threads = 1;
  OnePart part(StreamPart{&sink, &pool});
  auto r = stream_csv_buffer(data, "sales.csv", sales_spec(), one, part);
  REQUIRE(r.ok());
  CHECK(r.table.row_count() == 0);  // nothing kept
  CHECK(r.rows_read == whole.rows_read);
  CHECK(sink.chunks == std::vector<size_t>{kChunkRows, kChunkRows, kChunkRows, 17});
  CHECK(sink.cells == rows_of(whole, whole_pool));
  CHECK(sink.lines == whole.table.lines);
  // How much of the file each chunk's end is: the rows are about the same length, so about the share of
  // the rows read (within a percent), and all of it at the last chunk.
  REQUIRE(sink.progress.size() == 4);
  const double rows = 3.0 * kChunkRows + 17;
  for (size_t k = 0; k < 3; ++k) CHECK(std::abs(sink.progress[k] - (k + 1) * kChunkRows / rows) < 0.01);
  CHECK(sink.progress.back() == 1.0);
}

// A streaming read on two parts (two threads whatever the size): its result, and the parts' rows and
// lines in part order.
struct TwoPartRead {
  ReadResult result;
  std::vector<std::string> cells;
  std::vector<uint64_t> lines;
  bool both_parts = false;  // each part got rows
  std::vector<double> first_progress, second_progress;  // each part's chunks' Table::progress
};

TwoPartRead read_two_parts(const std::string& data, ReadOptions options = {}) {
  StringPool base;
  TestParts<Collect> parts(2, &base, [](StringPool& pool) { return std::make_unique<Collect>(pool); });
  options.threads = 2;
  TwoPartRead out;
  out.result = stream_csv_buffer(data, "sales.csv", sales_spec(), options, parts);
  const std::vector<Collect*> sinks = parts.in_order();
  REQUIRE(sinks.size() <= 2);  // a small file: a piece per thread
  out.both_parts = sinks.size() == 2 && !sinks[0]->cells.empty() && !sinks[1]->cells.empty();
  out.first_progress = sinks[0]->progress;
  if (sinks.size() == 2) out.second_progress = sinks[1]->progress;
  for (const Collect* c : sinks) {
    out.cells.insert(out.cells.end(), c->cells.begin(), c->cells.end());
    out.lines.insert(out.lines.end(), c->lines.begin(), c->lines.end());
  }
  return out;
}

TEST_CASE("a streaming read on two threads gives the first half to one part and the rest to the other", "[ledger][csv][stream]") {
  const std::string data = numbered_ledger(2 * kChunkRows + 1000);
  StringPool whole_pool;
  auto whole = read(data, sales_spec(), whole_pool);
  REQUIRE(whole.ok());
  const TwoPartRead two = read_two_parts(data);
  REQUIRE(two.result.ok());
  CHECK(two.result.rows_read == whole.rows_read);
  REQUIRE(two.both_parts);
  // Together, in part order, exactly the rows of a one-thread read with their physical lines (the
  // quoted cells with line breaks make lines and rows differ).
  CHECK(two.cells == rows_of(whole, whole_pool));
  CHECK(two.lines == whole.table.lines);
  // Each part's progress counts its own share: rising, all of it at its last chunk.
  for (const auto* progress : {&two.first_progress, &two.second_progress}) {
    REQUIRE_FALSE(progress->empty());
    CHECK(std::is_sorted(progress->begin(), progress->end()));
    CHECK(progress->front() > 0.0);
    CHECK(progress->back() == 1.0);
  }
}

// Collect, which for the part of the ledger's first rows waits at every chunk until another thread has
// taken over part of its stretch (or 10 seconds have passed): a slow core, made certain.
class SlowFirst : public Collect {
 public:
  SlowFirst(const StringPool& pool, bool first, const std::atomic<size_t>& parts, size_t threads)
      : Collect(pool), first_(first), parts_(parts), threads_(threads) {}
  void rows(const Table& chunk) override {
    Collect::rows(chunk);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (first_ && parts_.load() <= threads_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

 private:
  bool first_;
  const std::atomic<size_t>& parts_;
  size_t threads_;
};

TEST_CASE("pieces are claimed as the threads go: a slow thread's stretch is taken over, into parts in file order", "[ledger][csv][stream]") {
  // Pieces of 256 bytes (a few rows each, ReadOptions::piece_bytes): up to 16 per thread.
  const std::string data = numbered_ledger(2000);
  StringPool whole_pool;
  auto whole = read(data, sales_spec(), whole_pool);
  REQUIRE(whole.ok());
  for (size_t threads : {2u, 3u}) {
    INFO(threads << " threads");
    StringPool base;
    std::atomic<size_t> made{0};
    auto make = [&](StringPool& pool) { return std::make_unique<SlowFirst>(pool, made++ == 0, made, threads); };
    auto parts = std::make_unique<TestParts<SlowFirst>>(threads, &base, make);
    ReadOptions options;
    options.threads = static_cast<unsigned>(threads);
    options.piece_bytes = 256;
    ReadResult r = stream_csv_buffer(data, "sales.csv", sales_spec(), options, *parts);
    // The ledger's quoted cells hold line breaks: a guessed cut inside one is a missed guess, and the read
    // goes again with counted cuts, as the engine does.
    if (r.split_missed) {
      options.exact_split = true;
      made = 0;
      parts = std::make_unique<TestParts<SlowFirst>>(threads, &base, make);
      r = stream_csv_buffer(data, "sales.csv", sales_spec(), options, *parts);
    }
    REQUIRE(r.ok());
    REQUIRE_FALSE(r.split_missed);
    CHECK(r.rows_read == whole.rows_read);
    // A part per thread's first stretch, and one more at least: the stretch taken over from the first.
    CHECK(parts->size() > threads);
    std::vector<std::string> cells;
    std::vector<uint64_t> lines;
    for (const SlowFirst* part : parts->in_order()) {
      REQUIRE_FALSE(part->cells.empty());
      // Each part's progress counts its own stretch: rising, all of it at its last chunk.
      CHECK(std::is_sorted(part->progress.begin(), part->progress.end()));
      CHECK(part->progress.back() == Approx(1.0));
      cells.insert(cells.end(), part->cells.begin(), part->cells.end());
      lines.insert(lines.end(), part->lines.begin(), part->lines.end());
    }
    // Together, in the parts' order, exactly the rows of a one-thread read, with their lines.
    CHECK(cells == rows_of(whole, whole_pool));
    CHECK(lines == whole.table.lines);
  }
}

// A ledger whose middle falls inside a quoted cell with line breaks: the two-thread read's guessed split
// (the first line start past the middle) is not a row start.
std::string ledger_quoted_over_middle() {
  std::string data = numbered_ledger(3000);
  const std::string rows = data.substr(data.find('\n') + 1);
  std::string note = "2026-07-01,\"P1";
  for (int i = 0; i < 200; ++i) note += "\nline " + std::to_string(i);
  note += "\",1.25,1\r\n";
  return data + note + rows;  // the note starts just short of the middle and ends well past it
}

TEST_CASE("a streaming read whose guessed split is inside a quoted cell says so; an exact split reads it right", "[ledger][csv][stream]") {
  const std::string data = ledger_quoted_over_middle();
  const size_t open = data.find("\"P1\n"), close = data.find('"', open + 1);
  REQUIRE(open < data.size() / 2);
  REQUIRE(close > data.size() / 2);
  StringPool whole_pool;
  auto whole = read(data, sales_spec(), whole_pool);
  REQUIRE(whole.ok());
  CHECK(read_two_parts(data).result.split_missed);

  ReadOptions exact_split;
  exact_split.exact_split = true;
  const TwoPartRead exact = read_two_parts(data, exact_split);
  REQUIRE(exact.result.ok());
  CHECK_FALSE(exact.result.split_missed);
  REQUIRE(exact.both_parts);
  CHECK(exact.cells == rows_of(whole, whole_pool));
  CHECK(exact.lines == whole.table.lines);
}

TEST_CASE("a whole-table read whose guessed split is inside a quoted cell reads on to the end on one thread", "[ledger][csv][stream]") {
  const std::string data = ledger_quoted_over_middle();
  StringPool one_pool, two_pool;
  auto one = read(data, sales_spec(), one_pool);
  ReadOptions two;
  two.threads = 2;
  auto both = read(data, sales_spec(), two_pool, two);
  REQUIRE(one.ok());
  REQUIRE(both.ok());
  CHECK_FALSE(both.split_missed);
  CHECK(rows_of(both, two_pool) == rows_of(one, one_pool));
  CHECK(both.table.lines == one.table.lines);
  CHECK(both.table.origin == nullptr);
}

TEST_CASE("a streaming read with malformed rows reports them as a one-thread read does", "[ledger][csv][stream]") {
  std::string data = numbered_ledger(3000);
  data += "2026-07-01,P1,12.3.4,1\r\n";  // in the second half
  data += numbered_ledger(10).substr(data.find('\n') + 1);
  StringPool whole_pool;
  ReadOptions opts;
  opts.max_errors = 5;
  auto whole = read(data, sales_spec(), whole_pool, opts);
  REQUIRE(!whole.ok());

  StringPool base;
  TestParts<Collect> parts(2, &base, [](StringPool& pool) { return std::make_unique<Collect>(pool); });
  opts.threads = 2;
  auto r = stream_csv_buffer(data, "sales.csv", sales_spec(), opts, parts);
  CHECK(errors_of(r) == errors_of(whole));
  CHECK(r.errors_not_shown == whole.errors_not_shown);
}

TEST_CASE("a pool absorbs an overlay's texts with their ids", "[ledger][pool]") {
  StringPool base;
  const uint32_t p1 = base.intern("P1");
  StringPool overlay(&base);
  std::vector<uint32_t> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back(overlay.intern("SO-" + std::to_string(i)));  // enough to grow tables
  const std::string long_text(3 << 20, 'x');  // longer than an arena chunk
  const uint32_t long_id = overlay.intern(long_text);
  base.absorb(std::move(overlay));
  CHECK(base.size() == 2 + 20000 + 1);
  for (int i = 0; i < 20000; i += 997) {
    CHECK(base.text(ids[static_cast<size_t>(i)]) == "SO-" + std::to_string(i));
    CHECK(base.find("SO-" + std::to_string(i)) == ids[static_cast<size_t>(i)]);
  }
  CHECK(base.text(long_id) == long_text);
  CHECK(base.find("P1") == p1);
  // Texts added afterwards get the next ids and do not disturb the absorbed ones.
  const uint32_t next = base.intern("after");
  CHECK(next == long_id + 1);
  CHECK(base.intern("SO-5") == ids[5]);
  CHECK(base.text(next) == "after");
  // A big pool absorbing a small overlay keeps its own table and takes the overlay's entries in.
  StringPool small(&base);
  const uint32_t lone = small.intern("lone");
  base.absorb(std::move(small));
  CHECK(base.find("lone") == lone);
  CHECK(base.text(lone) == "lone");
  CHECK(base.find("SO-19999") == ids[19999]);
  // Only an overlay made on the pool as it is can be absorbed.
  StringPool stale(&base);
  base.intern("one more");
  CHECK_THROWS_AS(base.absorb(std::move(stale)), std::logic_error);
}

