// One ledger from many files (input_sources.cpp): a directory's or a glob's files, read in the order of
// their paths whatever order they were made in, each with the first file's header; the errors name
// each file; an empty directory or a glob that matches nothing is an error.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ledger/csv_test_support.h"
#include "ledger/ledger.h"
#include "ledger/test_parts.h"

using namespace rebate::ledger;
using namespace rebate::ledger::csv_test;

namespace {

std::string gzip(const std::string& text) {
  std::string out(compressBound(text.size()) + 64, '\0');
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

const char* kHeader = "date,partner,amount,qty\n";

// Collects a streamed read's rows: (source, line, amount) in the order they came.
class Collect : public RowSink {
 public:
  void rows(const Table& chunk) override {
    for (size_t row = 0; row < chunk.row_count(); ++row) {
      seen.push_back(fmt::format("{}:{}:{}", std::filesystem::path(chunk.source).filename().string(), chunk.line(row),
                                 chunk.columns[2].values[row]));
    }
  }
  std::vector<std::string> seen;
};

}  // namespace

TEST_CASE("a directory's ledger files are one ledger, read in the order of their names", "[inputs]") {
  const TempDir dir;
  // Written in another order than their names': c, a, b. Amounts at 4 places: 3.00 is 30000.
  dir.write("c.csv", std::string(kHeader) + "2026-07-03,P1,3.00,1\n");
  dir.write("a.csv.gz", gzip(std::string(kHeader) + "2026-07-01,P1,1.00,1\n2026-07-01,P2,1.50,1\n"));
  dir.write("b.CSV", std::string(kHeader) + "2026-07-02,P1,2.00,1\n");
  dir.write("notes.txt", "not a ledger");
  dir.write(".hidden.csv", "ignored");
  StringPool pool;
  Collect sink;
  OnePart part(StreamPart{&sink, &pool});
  const ReadResult r = stream_csv(dir.path(), sales_spec(), ReadOptions{}, part);
  REQUIRE(errors_of(r).empty());
  CHECK(r.rows_read == 4);
  CHECK(sink.seen == std::vector<std::string>{"a.csv.gz:2:10000", "a.csv.gz:3:15000", "b.CSV:2:20000", "c.csv:2:30000"});
  // What was left out is said.
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0].file == dir.path());
  CHECK_THAT(r.notes[0].message, Catch::Contains("2 entries of the directory left out"));
  CHECK_THAT(r.notes[0].message, Catch::Contains("`.hidden.csv`, `notes.txt`"));

  SECTION("a glob reads the files it matches, in the same order") {
    Collect glob_sink;
    OnePart glob_part(StreamPart{&glob_sink, &pool});
    const ReadResult g = stream_csv(dir.path() + "/[ac].csv*", sales_spec(), ReadOptions{}, glob_part);
    REQUIRE(errors_of(g).empty());
    CHECK(glob_sink.seen == std::vector<std::string>{"a.csv.gz:2:10000", "a.csv.gz:3:15000", "c.csv:2:30000"});
  }
  SECTION("a whole table from many files has every file's rows") {
    const ReadResult t = read_csv(dir.path(), sales_spec(), ReadOptions{}, pool);
    REQUIRE(errors_of(t).empty());
    CHECK(t.table.columns[2].values == std::vector<int64_t>{10000, 15000, 20000, 30000});
    CHECK(t.table.lines == std::vector<uint64_t>{2, 3, 2, 2});
  }
  SECTION("N threads: the files are shared out to the parts in the files' order") {
    // Whatever N, the parts' rows one after another are the one-thread read's, in its order: runs of
    // consecutive files when there are as many files as parts or more, runs of parts per file (its
    // pieces) when there are fewer.
    const std::vector<std::string> in_order{"a.csv.gz:2:10000", "a.csv.gz:3:15000", "b.CSV:2:20000", "c.csv:2:30000"};
    for (unsigned threads : {2u, 3u, 8u}) {
      INFO(threads << " threads");
      TestParts<Collect> parts(threads, nullptr, [](StringPool&) { return std::make_unique<Collect>(); });
      ReadOptions o;
      o.threads = threads;
      const ReadResult n = stream_csv(dir.path(), sales_spec(), o, parts);
      REQUIRE(errors_of(n).empty());
      CHECK(n.rows_read == 4);
      CHECK(n.notes.size() == 1);
      std::vector<std::string> all;
      for (const Collect* c : parts.in_order()) all.insert(all.end(), c->seen.begin(), c->seen.end());
      CHECK(all == in_order);
      CHECK(parts.in_order()[0]->seen.size() < 4);  // shared out, not all read into the first part
    }
  }
}

TEST_CASE("every file of a ledger must have the first file's header", "[inputs]") {
  const TempDir dir;
  const std::string a = dir.write("a.csv", std::string(kHeader) + "2026-07-01,P1,1.00,1\n");
  const std::string b = dir.write("b.csv", "date,partner,qty,amount\n2026-07-02,P1,1,2.00\n");
  StringPool pool;
  const ReadResult r = read_csv(dir.path(), sales_spec(), ReadOptions{}, pool);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].file == b);
  CHECK(r.errors[0].line == 1);
  CHECK_THAT(r.errors[0].message, Catch::Contains(fmt::format("differs from the header of `{}`", a)));
  CHECK_THAT(r.errors[0].message, Catch::Contains("CSV column 3 is `qty` here and `amount` there"));
  CHECK(r.table.row_count() == 0);
}

TEST_CASE("errors in many files name each file, in the files' order, up to max_errors", "[inputs]") {
  const TempDir dir;
  const std::string b = dir.write("b.csv", std::string(kHeader) + "2026-07-02,P1,x,1\n2026-07-02,P1,y,1\n");
  const std::string a = dir.write("a.csv", std::string(kHeader) + "2026-07-01,P1,1.00,1\n2026-13-01,P1,1.00,1\n");
  StringPool pool;
  ReadOptions o;
  o.max_errors = 2;
  const ReadResult r = read_csv(dir.path(), sales_spec(), o, pool);
  REQUIRE(r.errors.size() == 2);
  // a.csv line 3 column 1 (the date); then b.csv line 2 column 15 (the amount); b.csv's line 3 is counted.
  CHECK(r.errors[0].file == a);
  CHECK(r.errors[0].line == 3);
  CHECK(r.errors[0].column == 1);
  CHECK(r.errors[1].file == b);
  CHECK(r.errors[1].line == 2);
  CHECK(r.errors[1].column == 15);
  CHECK(r.errors_not_shown == 1);
}

TEST_CASE("an empty directory, a glob that matches nothing and an unreadable file are errors", "[inputs]") {
  const TempDir dir;
  StringPool pool;
  const ReadResult empty = read_csv(dir.path(), sales_spec(), ReadOptions{}, pool);
  REQUIRE(empty.errors.size() == 1);
  CHECK_THAT(empty.errors[0].message, Catch::Contains("holds no ledger file"));
  CHECK(empty.io_failed);
  const ReadResult none = read_csv(dir.path() + "/2026-*.csv", sales_spec(), ReadOptions{}, pool);
  REQUIRE(none.errors.size() == 1);
  CHECK_THAT(none.errors[0].message, Catch::Contains("matches no file"));
  CHECK(none.io_failed);
  // A link to nowhere that a glob matches: the file cannot be opened, and says so.
  dir.write("a.csv", std::string(kHeader));
  std::filesystem::create_symlink(dir.path() + "/gone", dir.path() + "/b.csv");
  const ReadResult gone = read_csv(dir.path() + "/*.csv", sales_spec(), ReadOptions{}, pool);
  REQUIRE(gone.errors.size() == 1);
  CHECK(gone.errors[0].file == dir.path() + "/b.csv");
  CHECK_THAT(gone.errors[0].message, Catch::Contains("cannot open the file"));
  CHECK(gone.io_failed);
}

TEST_CASE("many files streamed on N threads report the errors of a one-thread read", "[inputs]") {
  // A malformed row in the last file and a header unlike the first file's in the middle one: each part
  // reads its own files, and the read is done again in turn to report exactly what one thread reports.
  const TempDir dir;
  dir.write("a.csv", std::string(kHeader) + "2026-07-01,P1,1.00,1\n");
  dir.write("b.csv", "date,partner,qty,amount\n2026-07-02,P1,1,2.00\n");
  dir.write("c.csv", std::string(kHeader) + "2026-07-03,P1,x,1\n");
  ReadOptions o;
  o.max_errors = 5;
  StringPool pool;
  Collect one_sink;
  o.threads = 1;
  OnePart one_part(StreamPart{&one_sink, &pool});
  const ReadResult one = stream_csv(dir.path(), sales_spec(), o, one_part);
  REQUIRE(one.errors.size() == 2);
  for (unsigned threads : {2u, 3u, 8u}) {
    INFO(threads << " threads");
    // (a part's texts are its own: its thread interns them)
    TestParts<Collect> parts(threads, nullptr, [](StringPool&) { return std::make_unique<Collect>(); });
    o.threads = threads;
    const ReadResult n = stream_csv(dir.path(), sales_spec(), o, parts);
    CHECK(errors_of(n) == errors_of(one));
  }
}
