// Input sources: where a ledger's CSV bytes come from when they are not a mapped regular file. A
// source is a stream read once, in order, a buffer at a time (csv_read.cpp's read_stream): a pipe or
// standard input, a gzip or zstd compressed file decompressed as it is read, the rows of a PostgreSQL
// query copied out as CSV (postgres_source.cpp). Each names itself in errors: the file, the file and
// the compressed offset, the database table.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace rebate::ledger {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Up to n bytes into `into`: how many were read, 0 at the end of the data, -1 when they cannot be read
  // (error() says why).
  virtual ssize_t read(char* into, size_t n) = 0;
  // Why the last read failed, naming the source ("cannot read the file: ...", "corrupt gzip data at byte
  // 1234 of the compressed file: ..."); never a password.
  const std::string& error() const { return error_; }
  // The failure is the input's bytes (a corrupt or truncated archive: an error in the inputs, exit 1)
  // rather than reading them (a device, a connection: exit 2).
  bool data_error() const { return data_error_; }

 protected:
  std::string error_;
  bool data_error_ = false;
};

// A file descriptor's bytes (a pipe, standard input, a regular file read as a stream). Does not close it.
class FdStream : public ByteStream {
 public:
  explicit FdStream(int fd) : fd_(fd) {}
  ssize_t read(char* into, size_t n) override;

 private:
  int fd_;
};

// What the first bytes of an input say it is.
enum class Compression { None, Gzip, Zstd };

// The kind of data `head` (the first bytes of an input, up to 8) starts, for the formats that are told
// by their magic number: gzip and zstd, read through a decoder. Another known binary format (bzip2, xz,
// a zip archive or .xlsx workbook, ...) is an error, in `refusal`: "bzip2-compressed data; ...".
Compression sniff_compression(std::string_view head, std::string& refusal);

// The compression a file's name says (".gz", ".zst"), or None.
Compression compression_of_name(std::string_view path);
const char* compression_name(Compression c);  // "gzip", "zstd"

// Decompresses `raw` as it is read, never the whole input at once. A corrupt or truncated input is a
// data_error() giving the byte offset in the compressed data where decoding stopped (the reader names
// the file).
std::unique_ptr<ByteStream> decompress(Compression kind, std::unique_ptr<ByteStream> raw);

// `head` (bytes already read from `rest`) and then `rest`: the first bytes of a stream, read to sniff
// its kind, handed on to whoever reads it.
class PrefixedStream : public ByteStream {
 public:
  PrefixedStream(std::string head, std::unique_ptr<ByteStream> rest) : head_(std::move(head)), rest_(std::move(rest)) {}
  ssize_t read(char* into, size_t n) override;

 private:
  std::string head_;
  size_t at_ = 0;
  std::unique_ptr<ByteStream> rest_;
};

}  // namespace rebate::ledger
