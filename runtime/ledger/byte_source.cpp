#include "ledger/byte_source.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace rebate::ledger {

ssize_t FileSource::read_at(uint64_t offset, char* into, size_t n) const {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd_, into + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;  // the file's end: shorter than its size said, it was cut short meanwhile
    got += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

ssize_t MemorySource::read_at(uint64_t offset, char* into, size_t n) const {
  if (offset >= data_.size()) return 0;
  n = std::min<size_t>(n, data_.size() - offset);
  std::memcpy(into, data_.data() + offset, n);
  return static_cast<ssize_t>(n);
}

ssize_t RangeStream::read(char* into, size_t n) {
  n = static_cast<size_t>(std::min<uint64_t>(n, to_ - at_));
  if (n == 0) return 0;
  const ssize_t got = source_.read_at(at_, into, n);
  if (got < 0) {
    error_ = fmt::format("cannot read the file: {}", std::strerror(errno));
    return -1;
  }
  if (got == 0) {
    error_ = fmt::format("the file ends at byte {}, before the {} bytes it had when its read began: it changed while it was "
                         "being read; run again once it is complete",
                         at_, source_.size());
    data_error_ = true;
    return -1;
  }
  at_ += static_cast<uint64_t>(got);
  return got;
}

bool for_each_block(const ByteSource& source, uint64_t from, uint64_t to,
                    const std::function<bool(std::string_view bytes, uint64_t offset)>& each, size_t block) {
  const auto bytes = std::make_unique_for_overwrite<char[]>(block);
  for (uint64_t at = from; at < to;) {
    const ssize_t got = source.read_at(at, bytes.get(), static_cast<size_t>(std::min<uint64_t>(block, to - at)));
    if (got <= 0) return false;
    if (!each(std::string_view(bytes.get(), static_cast<size_t>(got)), at)) return true;
    at += static_cast<uint64_t>(got);
  }
  return true;
}

uint64_t count_in(char c, const char* a, const char* b) {
  uint64_t n = 0;
  for (const char* q = a; (q = static_cast<const char*>(std::memchr(q, c, static_cast<size_t>(b - q)))); ++q) ++n;
  return n;
}

uint64_t count_byte(const ByteSource& source, char c, uint64_t from, uint64_t to) {
  uint64_t n = 0;
  for_each_block(source, from, to, [&](std::string_view bytes, uint64_t) {
    n += count_in(c, bytes.data(), bytes.data() + bytes.size());
    return true;
  });
  return n;
}

}  // namespace rebate::ledger
