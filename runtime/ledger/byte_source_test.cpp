// Sources read anywhere: a file's ranges read with pread, a file cut short after its size was taken (an
// error naming where it ends, not rows of half a file), and the block walks the cuts are found with.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ledger/byte_source.h"

using rebate::ledger::count_byte;
using rebate::ledger::FileSource;
using rebate::ledger::for_each_block;
using rebate::ledger::MemorySource;
using rebate::ledger::RangeStream;

namespace {

// A temporary file holding `bytes`, removed at the end of the test.
struct TempFile {
  explicit TempFile(const std::string& bytes) {
    char name[] = "/tmp/rebate-byte-source-XXXXXX";
    fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    path = name;
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  }
  ~TempFile() {
    ::close(fd);
    std::remove(path.c_str());
  }
  int fd = -1;
  std::string path;
};

std::string read_all(RangeStream& in, size_t step) {
  std::string out;
  std::string buffer(step, '\0');
  for (ssize_t n; (n = in.read(buffer.data(), step)) > 0;) out.append(buffer.data(), static_cast<size_t>(n));
  return out;
}

}  // namespace

TEST_CASE("a file's ranges are its bytes, read in any steps", "[ledger][source]") {
  std::string bytes;
  for (int i = 0; i < 5000; ++i) bytes += "2026-01-01,P" + std::to_string(i) + ",12.50\n";
  TempFile file(bytes);
  const FileSource source(file.fd, bytes.size());
  for (size_t step : {1u, 7u, 4096u, 1u << 20}) {
    RangeStream all(source, 0, bytes.size(), file.path);
    CHECK(read_all(all, step) == bytes);
    RangeStream middle(source, 1000, 50000, file.path);
    CHECK(read_all(middle, step) == bytes.substr(1000, 49000));
  }
  RangeStream empty(source, 10, 10, file.path);
  char c;
  CHECK(empty.read(&c, 1) == 0);
}

TEST_CASE("a file cut short while it is read is an error saying where it ends", "[ledger][source]") {
  const std::string bytes = "a,b\n1,2\n3,4\n";
  TempFile file(bytes);
  // The size taken when the read began, before the file was cut to what it has now.
  const FileSource source(file.fd, bytes.size() + 100);
  RangeStream in(source, 0, source.size(), file.path);
  std::string got(64, '\0');
  CHECK(in.read(got.data(), got.size()) == static_cast<ssize_t>(bytes.size()));
  CHECK(in.read(got.data(), got.size()) == -1);
  CHECK(in.data_error());
  CHECK(in.error().find("the file ends at byte 12, before the 112 bytes it had when its read began") != std::string::npos);
}

TEST_CASE("blocks walk a range in order, and a walk can stop early", "[ledger][source]") {
  // 3 MiB and a bit: four blocks of at most 1 MiB.
  std::string bytes((3u << 20) + 5, 'x');
  for (size_t i = 0; i < bytes.size(); i += 1000) bytes[i] = '\n';
  const MemorySource source(bytes);
  std::string seen;
  size_t blocks = 0;
  CHECK(for_each_block(source, 3, bytes.size(), [&](std::string_view block, uint64_t offset) {
    CHECK(offset == 3 + seen.size());
    seen += block;
    ++blocks;
    return true;
  }));
  CHECK(seen == bytes.substr(3));
  CHECK(blocks == 4);
  size_t visited = 0;
  for_each_block(source, 0, bytes.size(), [&](std::string_view, uint64_t) { return ++visited < 2; });
  CHECK(visited == 2);
  // Line feeds at 0, 1000, 2000, ...: those in [1000, 5001) are at 1000 to 5000.
  CHECK(count_byte(source, '\n', 1000, 5001) == 5);
  CHECK(count_byte(source, '\n', 0, bytes.size()) == (bytes.size() + 999) / 1000);
}
