// Non-regular inputs (issue 20, item 9): a pipe, a FIFO or a character device is read a buffer at a time
// in bounded memory, and gives exactly what the same bytes in a regular file give: rows, lines, errors,
// max_errors, rejected rows and the rejects file.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
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

std::string temp_path(const std::string& name) {
  return "/tmp/rebate_pipe_test_" + std::to_string(::getpid()) + "_" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A pipe whose write end a thread fills with `data` (`piece` bytes per write), then closes. The read
// end is reachable as a path (/dev/fd/N), as the CLI's `--input sales=/dev/stdin` or `<(...)` would be.
class Pipe {
 public:
  explicit Pipe(std::string data, size_t piece = 4093) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read_fd_ = fds[0];
    writer_ = std::thread([fd = fds[1], data = std::move(data), piece] {
      for (size_t at = 0; at < data.size();) {
        const ssize_t n = ::write(fd, data.data() + at, std::min(piece, data.size() - at));
        if (n <= 0) break;  // the reader stopped reading (EPIPE: SIGPIPE is ignored in these tests)
        at += static_cast<size_t>(n);
      }
      ::close(fd);
    });
  }
  ~Pipe() {
    ::close(read_fd_);  // a reader that stopped early: the writer gets EPIPE and ends
    writer_.join();
  }
  std::string path() const { return "/dev/fd/" + std::to_string(read_fd_); }

 private:
  int read_fd_ = -1;
  std::thread writer_;
};

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

struct Outcome {
  bool ok = false;
  std::vector<std::string> errors, notes, rejected;
  uint64_t errors_not_shown = 0, rows_read = 0, rows_rejected = 0;
  std::vector<std::string> rows;
  std::vector<uint64_t> lines;
  std::string rejects_file;
  bool operator==(const Outcome&) const = default;
};

std::string row_text(const Table& t, size_t row, const StringPool& pool) {
  std::string text;
  for (const Column& c : t.columns)
    if (c.spec.read) text += format_cell(c, row, pool) + "|";
  return text;
}

// Errors name the file: the same name for both reads.
std::vector<std::string> strings(std::vector<InputError> v) {
  std::vector<std::string> out;
  for (InputError& e : v) {
    e.file = "input";
    out.push_back(e.to_string());
  }
  return out;
}

Outcome status_of(const ReadResult& r) {
  Outcome o;
  o.ok = r.ok();
  o.errors = strings(r.errors);
  o.notes = strings(r.notes);
  o.rejected = strings(r.rejected);
  o.errors_not_shown = r.errors_not_shown;
  o.rows_read = r.rows_read;
  o.rows_rejected = r.rows_rejected;
  return o;
}

Outcome whole_read(const std::string& path, const TableSpec& spec, ReadOptions options) {
  StringPool pool;
  const std::string rejects = temp_path("rejects.csv");
  std::remove(rejects.c_str());
  if (options.reject_bad_rows) options.rejects_path = rejects;
  const ReadResult r = read_csv(path, spec, options, pool);
  Outcome o = status_of(r);
  for (size_t row = 0; row < r.table.row_count(); ++row) o.rows.push_back(row_text(r.table, row, pool));
  o.lines = r.table.lines;
  if (options.reject_bad_rows) o.rejects_file = slurp(rejects);
  std::remove(rejects.c_str());
  return o;
}

class Collect : public RowSink {
 public:
  explicit Collect(const StringPool& pool) : pool_(pool) {}
  void rows(const Table& chunk) override {
    CHECK(chunk.row_count() > 0);
    CHECK(chunk.row_count() <= kChunkRows);
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

// Streamed on two parts (a pipe gives every row to the first; a small file is read on one thread).
Outcome streamed_read(const std::string& path, const TableSpec& spec, ReadOptions options) {
  StringPool base;
  TestParts<Collect> parts(2, &base, [](StringPool& pool) { return std::make_unique<Collect>(pool); });
  const ReadResult r = stream_csv(path, spec, options, parts);
  Outcome o = status_of(r);
  CHECK_FALSE(r.split_missed);
  REQUIRE(parts.size() == 1);  // every row in the first part
  if (o.ok) {
    o.rows = parts.in_order()[0]->cells;
    o.lines = parts.in_order()[0]->lines;
  }
  return o;
}

// `data` read from a regular file and from a pipe (whole and streamed, with buffers of several sizes)
// gives the same outcome; returns the file's.
Outcome check_pipe_like_file(const std::string& data, const TableSpec& spec, ReadOptions options = {}) {
  ignore_sigpipe();
  const std::string file = temp_path("input.csv");
  {
    std::ofstream out(file, std::ios::binary);
    out << data;
  }
  const Outcome from_file = whole_read(file, spec, options);
  Outcome streamed_file = streamed_read(file, spec, options);
  std::remove(file.c_str());
  for (size_t buffer : {size_t{0}, size_t{64}, size_t{100}, size_t{4096}}) {
    for (size_t piece : {size_t{1} << 16, size_t{7}}) {
      if (piece == 7 && data.size() > (200 << 10)) continue;  // small writes: small inputs only
      INFO("buffer " << buffer << ", writes of " << piece);
      ReadOptions o = options;
      o.window_bytes = buffer;
      {
        Pipe pipe(data, piece);
        CHECK(whole_read(pipe.path(), spec, o) == from_file);
      }
      {
        Pipe pipe(data, piece);
        Outcome s = streamed_read(pipe.path(), spec, o);
        s.rejects_file.clear();
        CHECK(s == streamed_file);
      }
    }
  }
  return from_file;
}

TableSpec notes_spec() {
  return TableSpec{"sales",
                   {col("date", ColumnKind::Date), col("partner", ColumnKind::Text), col("amount", ColumnKind::Money, 4),
                    col("qty", ColumnKind::Int), col("note", ColumnKind::Text, 0, true)}};
}

// About `rows` rows; every seventh has a quoted note with line breaks (and doubled quotes), so that
// segment boundaries fall inside quoted cells.
std::string notes_ledger(size_t rows, const char* eol = "\n") {
  std::string data = std::string("date,partner,amount,qty,note") + eol;
  for (size_t i = 0; i < rows; ++i) {
    data += "2026-07-" + std::to_string(10 + i % 20) + ",P" + std::to_string(i % 37) + "," + std::to_string(i) + ".25," +
            std::to_string(i % 7) + ",";
    if (i % 7 == 3) data += "\"a note" + std::string(eol) + "on \"\"two\"\" lines," + std::string(eol) + "row " + std::to_string(i) + "\"";
    data += eol;
  }
  return data;
}

}  // namespace

TEST_CASE("a pipe is read like a file: a valid ledger", "[ledger][csv][pipe]") {
  const Outcome o = check_pipe_like_file(notes_ledger(3000), notes_spec());
  CHECK(o.ok);
  CHECK(o.rows.size() == 3000);
}

TEST_CASE("a pipe is read like a file: CRLF line ends, and no line break at the end", "[ledger][csv][pipe]") {
  std::string data = notes_ledger(500, "\r\n");
  data.resize(data.size() - 2);
  const Outcome o = check_pipe_like_file(data, notes_spec());
  CHECK(o.ok);
  CHECK(o.rows.size() == 500);
}

TEST_CASE("a pipe is read like a file: a malformed row in a later segment", "[ledger][csv][pipe]") {
  std::string data = notes_ledger(800);
  data += "2026-07-01,P1,12.3.4,1,\n";
  data += notes_ledger(800).substr(data.find('\n') + 1);
  data += "2026-07-01,P1,1,x,\"bad\"q\n2026-07-02,P2,5,1,\n";
  for (size_t max_errors : {size_t{1}, size_t{5}, size_t{0}}) {
    ReadOptions o;
    o.max_errors = max_errors;
    const Outcome out = check_pipe_like_file(data, notes_spec(), o);
    CHECK_FALSE(out.ok);
    CHECK(out.rows.empty());
  }
  ReadOptions stop;
  stop.count_all_errors = false;
  check_pipe_like_file(data, notes_spec(), stop);
  ReadOptions reject;
  reject.reject_bad_rows = true;
  reject.max_rejects_reported = 1;
  const Outcome rejected = check_pipe_like_file(data, notes_spec(), reject);
  CHECK(rejected.ok);
  CHECK(rejected.rows_rejected == 2);
  CHECK(rejected.rejects_file.find("12.3.4") != std::string::npos);
}

TEST_CASE("a pipe is read like a file: quoted cells across segments, blank lines, the end of the file", "[ledger][csv][pipe]") {
  const TableSpec spec{"notes", {col("d", ColumnKind::Date), col("note", ColumnKind::Text)}};
  std::string long_note = "2026-01-01,\"";
  for (int i = 0; i < 40; ++i) long_note += "line " + std::to_string(i) + "\n";
  long_note += "\"\n";
  std::vector<std::string> inputs = {
      "",                                                        // empty
      "d,note",                                                  // a header alone, no line break
      "\xEF\xBB\xBF" "d,note\r\n2026-01-01,x\r\n",               // a BOM
      "d,note\n" + long_note + long_note + "2026-01-02,y\n",     // long quoted cells
      "d,note\n2026-01-01,x\n\n\n\n",                            // blank lines at the end
      "d,note\n2026-01-01,x\n\n2026-01-02,y\n",                  // a blank line in the middle
      "d,note\n2026-01-01,\"never closed\nat all\n",             // the file ends inside a quoted cell
      "d,note\n2026-01-01,\"x\"\r",                              // a carriage return at the very end
      "d,\"no\nte\"\n2026-01-01,x\n",                            // a header with a quoted line break
      "d,note\r2026-01-01,x\r",                                  // old Mac line ends
      "d,note\n2026-01-01,\xE2\x82\xAC\n2026-01-01,\xE2\x82\n",  // UTF-8, and a sequence cut short
  };
  std::string many_blank = "d,note\n2026-01-01,x\n";
  many_blank += std::string(300, '\n');
  inputs.push_back(many_blank);
  inputs.push_back(many_blank + "2026-01-01,y\n");
  for (const std::string& data : inputs) {
    INFO("input: " << data.substr(0, 200));
    check_pipe_like_file(data, spec);
    ReadOptions five;
    five.max_errors = 5;
    check_pipe_like_file(data, spec, five);
  }
}

TEST_CASE("a row longer than the limit in a pipe is an error naming its line", "[ledger][csv][pipe]") {
  ignore_sigpipe();
  const TableSpec spec{"notes", {col("d", ColumnKind::Date), col("note", ColumnKind::Text)}};
  ReadOptions o;
  o.window_bytes = 64;  // rows up to eight times that: 512 bytes
  {
    Pipe pipe("d,note\n2026-01-01,x\n2026-01-02,\"" + std::string(5000, 'y') + "\"\n2026-01-03,z\n");
    StringPool pool;
    const ReadResult r = read_csv(pipe.path(), spec, o, pool);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].line == 3);
    CHECK(r.errors[0].message.find("longer than 512 bytes") != std::string::npos);
    CHECK(r.table.row_count() == 0);
  }
  {
    Pipe pipe(std::string(1 << 20, '\0'));
    StringPool pool;
    const ReadResult r = read_csv(pipe.path(), spec, o, pool);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].line == 1);
    CHECK(r.errors[0].message.find("header") != std::string::npos);
  }
}

TEST_CASE("/dev/zero is refused, not read into memory", "[ledger][csv][pipe]") {
  // An endless stream: a read without a bound never returns (ctest's timeout fails it); the bound is the
  // 64 MiB a header line may take, so the peak memory grows by about that much, not more. (No time limit:
  // a timed check fails on a loaded machine, not on a defect.)
  auto peak_kib = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
  };
  const long before = peak_kib();
  StringPool pool;
  const ReadResult r = read_csv("/dev/zero", sales_spec(), ReadOptions{}, pool);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message.find("longer than 64 MiB") != std::string::npos);
  CHECK(peak_kib() - before < 256 * 1024);
}

TEST_CASE("a stream longer than its buffer is handed to the sink in full, with the default buffer", "[ledger][csv][pipe]") {
  // 600,000 rows, about 13 MB: more than the 8 MiB buffer, so the reader stops at a row cut by the
  // buffer's end and reads on once it is refilled.
  ignore_sigpipe();
  std::string data = "date,partner,amount,qty\n";
  for (int i = 0; i < 600000; ++i) data += "2026-07-01,P" + std::to_string(i % 1000) + ",1.5,1\n";
  Pipe pipe(data, 1 << 16);
  StringPool base;
  StringPool first(&base);
  Collect sink(first);
  ReadOptions o;
  OnePart part(StreamPart{&sink, &first});
  const ReadResult r = stream_csv(pipe.path(), sales_spec(), o, part);
  REQUIRE(r.ok());
  CHECK(r.rows_read == 600000);
  CHECK(sink.cells.size() == 600000);
  CHECK(sink.lines.back() == 600001);
}
