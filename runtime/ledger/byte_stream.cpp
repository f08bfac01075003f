// Byte streams (byte_stream.h): a file descriptor's bytes, the first bytes of a stream handed on after
// sniffing them, what the magic numbers say, and the gzip (zlib) and zstd (libzstd) decoders, which
// decompress a buffer at a time as the reader asks for bytes.
#include "ledger/byte_stream.h"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

namespace rebate::ledger {

ssize_t FdStream::read(char* into, size_t n) {
  for (;;) {
    const ssize_t got = ::read(fd_, into, n);
    if (got >= 0) return got;
    if (errno == EINTR) continue;
    error_ = fmt::format("cannot read the file: {}", std::strerror(errno));
    return -1;
  }
}

ssize_t PrefixedStream::read(char* into, size_t n) {
  if (at_ < head_.size()) {
    const size_t k = std::min(n, head_.size() - at_);
    std::memcpy(into, head_.data() + at_, k);
    at_ += k;
    return static_cast<ssize_t>(k);
  }
  const ssize_t got = rest_->read(into, n);
  if (got < 0) {
    error_ = rest_->error();
    data_error_ = rest_->data_error();
  }
  return got;
}

Compression sniff_compression(std::string_view head, std::string& refusal) {
  auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  if (starts("\x1f\x8b")) return Compression::Gzip;
  if (starts("\x28\xb5\x2f\xfd")) return Compression::Zstd;
  // Formats an export is sometimes saved in by mistake, told by their magic numbers; anything else is
  // read as CSV (whose reader refuses binary data with its own errors: invalid UTF-8, a missing header).
  static constexpr struct {
    std::string_view magic;
    const char* what;
  } kRefused[] = {
      {"BZh", "bzip2-compressed data"},
      {"\xfd" "7zXZ\x00", "xz-compressed data"},
      {"\x04\x22\x4d\x18", "lz4-compressed data"},
      {"\x1f\x9d", "compress (.Z) data"},
      {"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"},
      {"PK\x03\x04", "a zip archive (an .xlsx workbook is one)"},
      {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel (.xls) workbook or another OLE file"},
      {"PAR1", "a Parquet file"},
  };
  for (const auto& r : kRefused) {
    if (starts(r.magic)) {
      refusal = fmt::format("{}, not CSV; a ledger is read from CSV, plain or compressed with gzip (.gz) or zstd (.zst)",
                            r.what);
      return Compression::None;
    }
  }
  return Compression::None;
}

Compression compression_of_name(std::string_view path) {
  auto ends = [&](std::string_view s) { return path.size() >= s.size() && path.substr(path.size() - s.size()) == s; };
  if (ends(".gz")) return Compression::Gzip;
  if (ends(".zst")) return Compression::Zstd;
  return Compression::None;
}

const char* compression_name(Compression c) {
  switch (c) {
    case Compression::None: return "uncompressed";
    case Compression::Gzip: return "gzip";
    case Compression::Zstd: return "zstd";
  }
  return "?";
}

namespace {

constexpr size_t kCompressedBuffer = 256u << 10;

// What both decoders share: the compressed bytes read from `raw` a buffer at a time, and how many of
// them have been read (the offset errors name).
class Decoder : public ByteStream {
 protected:
  Decoder(std::unique_ptr<ByteStream> raw, const char* format) : raw_(std::move(raw)), format_(format), in_(kCompressedBuffer) {}

  // More compressed bytes into in_ once the last are used: false on a read error (error_ set).
  bool fill() {
    const ssize_t got = raw_->read(in_.data(), in_.size());
    if (got < 0) {
      error_ = raw_->error();
      data_error_ = raw_->data_error();
      return false;
    }
    in_size_ = static_cast<size_t>(got);
    in_used_ = 0;
    raw_read_ += in_size_;
    raw_ended_ = got == 0;
    return true;
  }
  // The offset in the compressed data of the first byte not yet decoded.
  uint64_t offset() const { return raw_read_ - (in_size_ - in_used_); }
  ssize_t corrupt(std::string_view why) {
    error_ = fmt::format("corrupt {} data at byte {} of the compressed file: {}", format_, offset(), why);
    data_error_ = true;
    return -1;
  }
  ssize_t truncated() {
    error_ = fmt::format("the {} data ends early, after {} bytes of the compressed file: it is truncated (an "
                         "interrupted download or copy?)",
                         format_, raw_read_);
    data_error_ = true;
    return -1;
  }

  std::unique_ptr<ByteStream> raw_;
  const char* format_;
  std::vector<char> in_;
  size_t in_size_ = 0;
  size_t in_used_ = 0;
  uint64_t raw_read_ = 0;
  bool raw_ended_ = false;
};

// gzip through zlib. A file may hold several gzip members one after another (`cat a.gz b.gz`, which gzip
// reads as the two files' contents joined): each is decoded in turn. Bytes after the last member that
// are not another member are an error, as is data that ends inside a member.
class GzipDecoder : public Decoder {
 public:
  explicit GzipDecoder(std::unique_ptr<ByteStream> raw) : Decoder(std::move(raw), "gzip") {
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
  }
  ~GzipDecoder() override { inflateEnd(&z_); }

  ssize_t read(char* into, size_t n) override {
    if (n == 0) return 0;
    z_.next_out = reinterpret_cast<Bytef*>(into);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    const uInt wanted = z_.avail_out;
    while (z_.avail_out == wanted) {
      if (in_used_ == in_size_ && !raw_ended_) {
        if (!fill()) return -1;
        continue;
      }
      if (member_ended_) {
        if (in_used_ == in_size_) return 0;  // the end, after a whole member
        inflateReset(&z_);                   // another member follows
        member_ended_ = false;
      }
      z_.next_in = reinterpret_cast<Bytef*>(in_.data() + in_used_);
      z_.avail_in = static_cast<uInt>(in_size_ - in_used_);
      const int ret = inflate(&z_, Z_NO_FLUSH);
      in_used_ = in_size_ - z_.avail_in;
      if (ret == Z_STREAM_END) {
        member_ended_ = true;
      } else if (ret == Z_MEM_ERROR) {
        throw std::bad_alloc();
      } else if (ret == Z_BUF_ERROR) {  // no progress: out of input (inflate keeps nothing back then)
        if (raw_ended_ && in_used_ == in_size_) return truncated();
      } else if (ret != Z_OK) {
        return corrupt(z_.msg ? z_.msg : "invalid data");
      }
    }
    return static_cast<ssize_t>(wanted - z_.avail_out);
  }

 private:
  z_stream z_{};
  bool member_ended_ = false;
};

// zstd through libzstd's streaming decoder, which reads frames one after another by itself.
class ZstdDecoder : public Decoder {
 public:
  explicit ZstdDecoder(std::unique_ptr<ByteStream> raw) : Decoder(std::move(raw), "zstd"), z_(ZSTD_createDStream()) {
    if (!z_) throw std::bad_alloc();
  }
  ~ZstdDecoder() override { ZSTD_freeDStream(z_); }

  ssize_t read(char* into, size_t n) override {
    ZSTD_outBuffer out{into, n, 0};
    while (out.pos == 0 && n > 0) {
      if (in_used_ == in_size_ && !raw_ended_) {
        if (!fill()) return -1;
        continue;
      }
      if (in_used_ == in_size_ && !frame_open_) return 0;  // the end, after a whole frame
      ZSTD_inBuffer in{in_.data(), in_size_, in_used_};
      const size_t ret = ZSTD_decompressStream(z_, &out, &in);
      if (ZSTD_isError(ret)) {
        if (ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation) throw std::bad_alloc();
        return corrupt(ZSTD_getErrorName(ret));
      }
      in_used_ = in.pos;
      frame_open_ = ret != 0;  // 0: a frame is complete and flushed
      // Nothing more came out of what is left: the data ends inside a frame.
      if (out.pos == 0 && raw_ended_ && in_used_ == in_size_ && frame_open_) return truncated();
    }
    // Output may be held back for the frame's end: the loop asks again only when nothing came out.
    return static_cast<ssize_t>(out.pos);
  }

 private:
  ZSTD_DStream* z_;
  bool frame_open_ = false;
};

}  // namespace

std::unique_ptr<ByteStream> decompress(Compression kind, std::unique_ptr<ByteStream> raw) {
  switch (kind) {
    case Compression::None: return raw;
    case Compression::Gzip: return std::make_unique<GzipDecoder>(std::move(raw));
    case Compression::Zstd: return std::make_unique<ZstdDecoder>(std::move(raw));
  }
  return raw;
}

}  // namespace rebate::ledger
