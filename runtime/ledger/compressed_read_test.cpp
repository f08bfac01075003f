// Compressed ledgers and standard input's kind of stream (byte_stream.cpp): a gzip or zstd file gives
// exactly the rows and errors of the same CSV uncompressed, decoded a buffer at a time; a corrupt or
// truncated one is an error naming the file and the compressed offset; a name that lies about its
// content, and formats that are not CSV, are refused.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/csv_test_support.h"
#include "ledger/ledger.h"

using namespace rebate::ledger;
using namespace rebate::ledger::csv_test;

namespace {

std::string gzip(const std::string& text) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
  REQUIRE(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A ledger long enough to span many of the reader's and the decoders' buffers, with a quoted cell that
// holds a line break, so that rows cross buffer ends in every way.
std::string big_ledger() {
  std::string csv = "date,partner,amount,qty\n";
  for (int i = 0; i < 20000; ++i) {
    csv += fmt::format("2026-07-{:02},{},{}.{:02},{}\n", 1 + i % 28, i % 7 == 0 ? "\"P\n1\"" : "P" + std::to_string(i % 13),
                       i % 1000, i % 100, i % 5);
  }
  return csv;
}

// The rows as text, one line per row, through the pool: what two reads are compared by.
std::vector<std::string> rows_of(const ReadResult& r, const StringPool& pool) {
  std::vector<std::string> out;
  for (size_t row = 0; row < r.table.row_count(); ++row) {
    std::string line = std::to_string(r.table.lines[row]);
    for (const Column& c : r.table.columns) line += "|" + format_cell(c, row, pool);
    out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("gzip and zstd ledgers read as their CSV does, a small buffer at a time", "[inputs]") {
  const TempDir dir;
  const std::string csv = big_ledger();
  StringPool plain_pool;
  const ReadResult plain = read(csv, sales_spec(), plain_pool);
  REQUIRE(plain.ok());
  REQUIRE(plain.rows_read == 20000);
  for (const std::string& path : {dir.write("sales.csv.gz", gzip(csv)), dir.write("sales.csv.zst", zstd(csv))}) {
    for (size_t buffer : {size_t{0}, size_t{4096}}) {
      ReadOptions o;
      o.window_bytes = buffer;  // 4 KiB: thousands of refills, rows cut at every place
      StringPool pool;
      const ReadResult r = read_csv(path, sales_spec(), o, pool);
      INFO(path << " buffer " << buffer);
      REQUIRE(errors_of(r).empty());
      CHECK(r.rows_read == 20000);
      CHECK(rows_of(r, pool) == rows_of(plain, plain_pool));
    }
  }
}

TEST_CASE("several gzip members and several zstd frames are one ledger", "[inputs]") {
  const TempDir dir;
  const std::string head = "date,partner,amount,qty\n2026-07-01,P1,10.00,1\n";
  const std::string tail = "2026-07-02,P2,32.50,2\n";
  for (const std::string& path : {dir.write("a.csv.gz", gzip(head) + gzip(tail)), dir.write("a.csv.zst", zstd(head) + zstd(tail))}) {
    StringPool pool;
    const ReadResult r = read_csv(path, sales_spec(), ReadOptions{}, pool);
    REQUIRE(errors_of(r).empty());
    // Two rows, the second from the second member: 32.50 USD at 4 places is 325000.
    REQUIRE(r.rows_read == 2);
    CHECK(r.table.columns[2].values == std::vector<int64_t>{100000, 325000});
    CHECK(r.table.lines == std::vector<uint64_t>{2, 3});
  }
}

TEST_CASE("a bad row in a compressed ledger is named by file, line and column", "[inputs]") {
  const TempDir dir;
  const std::string csv = "date,partner,amount,qty\n2026-07-01,P1,10.00,1\n2026-07-02,P2,12.3.4,2\n";
  const std::string path = dir.write("sales.csv.zst", zstd(csv));
  StringPool pool;
  const ReadResult r = read_csv(path, sales_spec(), ReadOptions{}, pool);
  REQUIRE(r.errors.size() == 1);
  // Line 3, the third cell starting at character 15 (after "2026-07-02,P2,").
  CHECK(r.errors[0].file == path);
  CHECK(r.errors[0].line == 3);
  CHECK(r.errors[0].column == 15);
  CHECK(!r.io_failed);
}

TEST_CASE("a corrupt or truncated archive is an error naming the file and the offset", "[inputs]") {
  const TempDir dir;
  const std::string csv = big_ledger();
  SECTION("gzip, a byte of the deflate data changed") {
    std::string bytes = gzip(csv);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x55);
    const std::string path = dir.write("bad.csv.gz", bytes);
    StringPool pool;
    const ReadResult r = read_csv(path, sales_spec(), ReadOptions{}, pool);
    REQUIRE(!r.ok());
    const InputError& e = r.errors.back();
    CHECK(e.file == path);
    CHECK_THAT(e.message, Catch::Contains("corrupt gzip data at byte "));
    CHECK(!r.io_failed);  // bad input, not an I/O failure
    CHECK(r.table.row_count() == 0);
  }
  SECTION("gzip and zstd cut short") {
    const std::string gz = gzip(csv), zs = zstd(csv);
    for (const auto& [name, bytes] : {std::pair{std::string("cut.csv.gz"), gz.substr(0, gz.size() / 2)},
                                      std::pair{std::string("cut.csv.zst"), zs.substr(0, zs.size() / 2)}}) {
      const std::string path = dir.write(name, bytes);
      StringPool pool;
      const ReadResult r = read_csv(path, sales_spec(), ReadOptions{}, pool);
      INFO(name);
      REQUIRE(!r.ok());
      const InputError& e = r.errors.back();
      CHECK(e.file == path);
      // The offset is the compressed file's size: the data ends there.
      CHECK_THAT(e.message, Catch::Contains(fmt::format("ends early, after {} bytes of the compressed file", bytes.size())));
      CHECK_THAT(e.message, Catch::Contains("truncated"));
    }
  }
  SECTION("zstd, garbage after a whole frame") {
    const std::string path = dir.write("tail.csv.zst", zstd("date,partner,amount,qty\n") + "not zstd");
    StringPool pool;
    const ReadResult r = read_csv(path, sales_spec(), ReadOptions{}, pool);
    REQUIRE(!r.ok());
    CHECK_THAT(r.errors.back().message, Catch::Contains("corrupt zstd data at byte "));
  }
}

TEST_CASE("a name that says compressed, and formats that are not CSV, are refused", "[inputs]") {
  const TempDir dir;
  StringPool pool;
  const ReadResult lying = read_csv(dir.write("plain.csv.gz", "date,partner,amount,qty\n"), sales_spec(), ReadOptions{}, pool);
  REQUIRE(lying.errors.size() == 1);
  CHECK_THAT(lying.errors[0].message, Catch::Contains("name says gzip-compressed"));
  const ReadResult swapped = read_csv(dir.write("x.csv.zst", gzip("date\n")), sales_spec(), ReadOptions{}, pool);
  REQUIRE(swapped.errors.size() == 1);
  CHECK_THAT(swapped.errors[0].message, Catch::Contains("holds gzip data"));
  const ReadResult bzip = read_csv(dir.write("x.csv", "BZh91AY&SY..."), sales_spec(), ReadOptions{}, pool);
  REQUIRE(bzip.errors.size() == 1);
  CHECK_THAT(bzip.errors[0].message, Catch::Contains("bzip2-compressed data, not CSV"));
  const ReadResult xlsx = read_csv(dir.write("sales.xlsx", std::string("PK\x03\x04rest", 8)), sales_spec(), ReadOptions{}, pool);
  REQUIRE(xlsx.errors.size() == 1);
  CHECK_THAT(xlsx.errors[0].message, Catch::Contains("zip archive"));
}

TEST_CASE("a gzip ledger through a pipe is decompressed too", "[inputs]") {
  // The kind of a stream is told by its first bytes, which are read and then handed on to the decoder.
  const TempDir dir;
  const std::string csv = "date,partner,amount,qty\n2026-07-01,P1,10.00,1\n";
  const std::string fifo = dir.path() + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << gzip(csv); });
  StringPool pool;
  const ReadResult r = read_csv(fifo, sales_spec(), ReadOptions{}, pool);
  writer.join();
  REQUIRE(errors_of(r).empty());
  CHECK(r.rows_read == 1);
  CHECK(r.table.columns[2].values == std::vector<int64_t>{100000});
}
