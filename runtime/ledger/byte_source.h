// Bytes that can be read anywhere, of a size known before reading: a regular file (read with pread) or a
// buffer in memory. A source is read through windows (RangeStream, one per piece of an N-thread read),
// never mapped: a mapping's page faults and the page-table work of giving its pages back cost more than
// copying the bytes (docs/architecture.md, "Reading a file"), and a file cut short while it is read is a
// short read here, an error naming it, where a mapping would die of SIGBUS.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ledger/byte_stream.h"

namespace rebate::ledger {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  uint64_t size() const { return size_; }
  // Up to n bytes from `offset` into `into`: how many were read (fewer than asked only at the source's end,
  // or when a file was cut short since its size was taken), -1 when they cannot be read (errno set).
  virtual ssize_t read_at(uint64_t offset, char* into, size_t n) const = 0;

 protected:
  explicit ByteSource(uint64_t size) : size_(size) {}
  uint64_t size_;
};

// A regular file open at `fd` (not closed here), of `size` bytes when it was opened.
class FileSource : public ByteSource {
 public:
  FileSource(int fd, uint64_t size) : ByteSource(size), fd_(fd) {}
  ssize_t read_at(uint64_t offset, char* into, size_t n) const override;

 private:
  int fd_;
};

class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : ByteSource(data.size()), data_(data) {}
  ssize_t read_at(uint64_t offset, char* into, size_t n) const override;

 private:
  std::string_view data_;
};

// Bytes [from, to) of a source, in order. `name` is the file's, for errors: a file that ends before `to`
// (cut short while it is read) is a data error saying so.
class RangeStream : public ByteStream {
 public:
  RangeStream(const ByteSource& source, uint64_t from, uint64_t to, const std::string& name)
      : source_(source), at_(from), to_(to), name_(name) {}
  ssize_t read(char* into, size_t n) override;
  uint64_t at() const { return at_; }

 private:
  const ByteSource& source_;
  uint64_t at_, to_;
  const std::string& name_;
};

// Calls `each(bytes, offset)` for the bytes [from, to) of `source`, a block of up to `block` bytes at a
// time, in order, until it returns false; false when a block cannot be read. (Small blocks for a walk
// that usually stops at the first line end: a cut's search.)
constexpr size_t kScanBlock = size_t{1} << 20;
bool for_each_block(const ByteSource& source, uint64_t from, uint64_t to,
                    const std::function<bool(std::string_view bytes, uint64_t offset)>& each, size_t block = kScanBlock);

// How many times `c` occurs in [a, b).
uint64_t count_in(char c, const char* a, const char* b);
// How many times `c` occurs in [from, to) of `source` (what can be read of it).
uint64_t count_byte(const ByteSource& source, char c, uint64_t from, uint64_t to);

}  // namespace rebate::ledger
