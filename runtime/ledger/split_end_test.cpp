// The two-thread split near the end of a file (issue 20, item 8): a last row whose quoted cell holds a
// line break that spans the split point. Every read (whole and streamed, guessed and counted split) must
// give what a one-thread read gives.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ledger/csv_reader.h"
#include "ledger/csv_test_support.h"
#include "ledger/ledger.h"
#include "ledger/test_parts.h"

using namespace rebate;
using namespace rebate::ledger;
using namespace rebate::ledger::csv_test;

namespace {

// The ledger of the fuzz reproduction: `d,pid,fam,qty,amount`.
TableSpec fam_spec() {
  return TableSpec{"sales",
                   {col("d", ColumnKind::Date), col("pid", ColumnKind::Text), col("fam", ColumnKind::Text),
                    col("qty", ColumnKind::Int), col("amount", ColumnKind::Money, 2)}};
}

// What a read gave, comparable across ways of reading.
struct Outcome {
  bool ok = false;
  std::vector<std::string> errors;
  uint64_t errors_not_shown = 0, rows_read = 0;
  std::vector<std::string> rows;
  std::vector<uint64_t> lines;
  bool operator==(const Outcome&) const = default;
};

std::string row_text(const Table& t, size_t row, const StringPool& pool) {
  std::string text;
  for (const Column& c : t.columns)
    if (c.spec.read) text += format_cell(c, row, pool) + "|";
  return text;
}

Outcome outcome_of(const ReadResult& r) {
  Outcome o;
  o.ok = r.ok();
  o.errors = errors_of(r);
  o.errors_not_shown = r.errors_not_shown;
  o.rows_read = r.rows_read;
  return o;
}

Outcome whole(const std::string& data, const TableSpec& spec, ReadOptions options) {
  StringPool pool;
  const ReadResult r = read_csv_buffer(data, "sales.csv", spec, options, pool);
  Outcome o = outcome_of(r);
  for (size_t row = 0; row < r.table.row_count(); ++row) o.rows.push_back(row_text(r.table, row, pool));
  o.lines = r.table.lines;
  return o;
}

class Collect : public RowSink {
 public:
  explicit Collect(const StringPool& pool) : pool_(pool) {}
  void rows(const Table& chunk) override {
    for (size_t row = 0; row < chunk.row_count(); ++row) {
      cells.push_back(row_text(chunk, row, pool_));
      lines.push_back(chunk.line(row));
    }
  }
  std::vector<std::string> cells;
  std::vector<uint64_t> lines;

 private:
  const StringPool& pool_;
};

// A streamed read on `parts` parts; a guessed split that missed is read again with the exact split, as
// the engine does (`missed` says whether it did). A failed read's rows are not compared.
Outcome streamed(const std::string& data, const TableSpec& spec, ReadOptions options, size_t parts, bool* missed = nullptr) {
  for (;;) {
    StringPool base;
    TestParts<Collect> sinks(parts, &base, [](StringPool& pool) { return std::make_unique<Collect>(pool); });
    const ReadResult r = stream_csv_buffer(data, "sales.csv", spec, options, sinks);
    if (r.split_missed) {
      REQUIRE_FALSE(options.exact_split);
      if (missed) *missed = true;
      options.exact_split = true;
      continue;
    }
    Outcome o = outcome_of(r);
    if (o.ok) {
      for (const Collect* c : sinks.in_order()) {
        o.rows.insert(o.rows.end(), c->cells.begin(), c->cells.end());
        o.lines.insert(o.lines.end(), c->lines.begin(), c->lines.end());
      }
    }
    return o;
  }
}

// Every two-thread read of `data` agrees with the one-thread read; returns that.
Outcome check_all_reads(const std::string& data, const TableSpec& spec, ReadOptions options = {}) {
  INFO("data: " << data);
  options.threads = 1;
  Outcome one = whole(data, spec, options);
  if (!one.ok) {
    one.rows.clear();
    one.lines.clear();
  }
  // Each read also through windows of 8 and 64 bytes: refilled within every row, grown for the long ones.
  for (size_t window : {0u, 8u, 64u}) {
    INFO("window: " << window);
    options.window_bytes = window;
    options.threads = 1;
    options.exact_split = false;
    CHECK(whole(data, spec, options) == one);
    CHECK(streamed(data, spec, options, 1) == one);
    options.threads = 2;
    for (bool exact : {false, true}) {
      INFO("exact_split: " << exact);
      options.exact_split = exact;
      CHECK(whole(data, spec, options) == one);
      CHECK(streamed(data, spec, options, 2) == one);
    }
  }
  return one;
}

const char* const kHeader = "d,pid,fam,qty,amount";

}  // namespace

TEST_CASE("the fuzz reproduction: a last row whose quoted cell holds a line break over the split", "[ledger][csv][split]") {
  const std::string data = std::string(kHeader) + "\n2026-01-01,p,\"a\nb\",1,2";
  const Outcome one = check_all_reads(data, fam_spec());
  REQUIRE(one.ok);
  CHECK(one.rows == std::vector<std::string>{"2026-01-01|p|a\nb|1|2.00|"});
  // The guessed split is inside the quoted cell, at the line after its line break: the streamed read
  // says it missed (its second part saw rows that are not the file's) rather than failing.
  ReadOptions two;
  two.threads = 2;
  bool missed = false;
  CHECK(streamed(data, fam_spec(), two, 2, &missed).ok);
  CHECK(missed);
}

TEST_CASE("a quoted cell with line breaks in the last row, wherever the middle falls", "[ledger][csv][split]") {
  // Prefix rows move the middle of the file across the last row; the last row's cell holds several line
  // breaks (LF or CRLF), and the file ends with or without a line break, or with blank lines.
  for (const char* eol : {"\n", "\r\n"}) {
    for (const char* tail : {"", "\n", "\r\n", "\n\n", "\r\n\r\n"}) {
      for (int lines_in_cell : {1, 2, 5}) {
        for (int prefix = 0; prefix < 12; ++prefix) {
          std::string data = std::string(kHeader) + eol;
          for (int i = 0; i < prefix; ++i) data += "2026-01-0" + std::to_string(1 + i % 9) + ",p" + std::to_string(i) + ",f,1,2" + eol;
          data += "2026-02-01,q,\"first";
          for (int k = 0; k < lines_in_cell; ++k) data += std::string(eol) + "line " + std::to_string(k);
          data += "\",3,4.5";
          data += tail;
          INFO("prefix " << prefix << ", lines in the cell " << lines_in_cell);
          const Outcome one = check_all_reads(data, fam_spec());
          CHECK(one.ok);
          CHECK(one.rows.size() == static_cast<size_t>(prefix + 1));
        }
      }
    }
  }
}

TEST_CASE("a quoted cell with line breaks as the last cell of the file", "[ledger][csv][split]") {
  const TableSpec spec{"notes", {col("d", ColumnKind::Date), col("note", ColumnKind::Text)}};
  for (const char* tail : {"", "\n", "\r\n"}) {
    for (int prefix = 0; prefix < 8; ++prefix) {
      std::string data = "d,note\n";
      for (int i = 0; i < prefix; ++i) data += "2026-01-01,n" + std::to_string(i) + "\n";
      data += "2026-01-02,\"x\n\ny\n\"";  // a blank line inside the quotes, and a line break just before the close
      data += tail;
      INFO("prefix " << prefix);
      CHECK(check_all_reads(data, spec).ok);
    }
  }
}

TEST_CASE("a file that ends inside an unterminated quoted cell spanning the split", "[ledger][csv][split]") {
  for (int prefix = 0; prefix < 8; ++prefix) {
    std::string data = std::string(kHeader) + "\n";
    for (int i = 0; i < prefix; ++i) data += "2026-01-01,p,f,1,2\n";
    data += "2026-02-01,q,\"never\nclosed\n,3,4\n";
    INFO("prefix " << prefix);
    const Outcome one = check_all_reads(data, fam_spec());
    CHECK_FALSE(one.ok);
    REQUIRE(one.errors.size() == 1);
    CHECK(one.errors[0].find("never closed") != std::string::npos);
  }
}

TEST_CASE("a split exactly at the start of the last line", "[ledger][csv][split]") {
  // Equal rows: the first line start past the middle is the last row's, whose quoted cell has none.
  for (const char* tail : {"", "\n"}) {
    std::string data = std::string(kHeader) + "\n2026-01-01,partner-one,family,1,2\n2026-01-02,q,\"g\",1,2";
    data += tail;
    const uint64_t rows = std::string(kHeader).size() + 1;
    REQUIRE(rebate::ledger::csv::guess_split(rebate::ledger::MemorySource(data), rows, data.size()) == data.rfind("2026-01-02"));
    const Outcome one = check_all_reads(data, fam_spec());
    CHECK(one.ok);
    CHECK(one.rows.size() == 2);
  }
}

TEST_CASE("malformed rows near the end with a quoted line break over the split", "[ledger][csv][split]") {
  ReadOptions five;
  five.max_errors = 5;
  for (int prefix = 0; prefix < 8; ++prefix) {
    std::string data = std::string(kHeader) + "\n";
    for (int i = 0; i < prefix; ++i) data += "2026-01-01,p,f,1,2\n";
    data += "2026-13-01,q,\"a\nb\",x,4\n";  // a bad date and a bad quantity in the last row
    INFO("prefix " << prefix);
    const Outcome one = check_all_reads(data, fam_spec(), five);
    CHECK_FALSE(one.ok);
    CHECK(one.errors.size() == 2);
  }
}

TEST_CASE("a ledger of 16 MiB or more (two threads by default) whose last row's quoted cell spans the middle", "[ledger][csv][split]") {
  // The default two-thread read of a large file, and the counted split's balance point (which moves past
  // the middle only in files over 128 KiB): the last row's note starts before the middle and holds 9 MiB
  // of short lines.
  std::string data = std::string(kHeader) + "\n";
  while (data.size() < (8u << 20)) data += "2026-01-01,p1,fam,1,2.50\n";
  data += "2026-01-02,q,\"";
  while (data.size() < (17u << 20)) data += "a line of the note\n";
  data += "end\",3,4";
  ReadOptions one_thread;
  one_thread.threads = 1;
  const Outcome one = whole(data, fam_spec(), one_thread);
  REQUIRE(one.ok);
  for (bool exact : {false, true}) {
    ReadOptions options;
    options.exact_split = exact;
    CHECK(whole(data, fam_spec(), options) == one);
    CHECK(streamed(data, fam_spec(), options, 2) == one);
  }
}
