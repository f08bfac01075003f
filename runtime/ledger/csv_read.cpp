// Reading CSV files and buffers: memory-mapped files (a streamed one read by N threads, csv_pieces.cpp),
// streams, and the public read_csv / stream_csv. The rows themselves are the Reader's work (csv_reader.h).
#include <emmintrin.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <functional>
#include <optional>
#include <vector>

#include "ledger/byte_stream.h"
#include "ledger/csv_reader.h"
#include "ledger/input_sources.h"
#include "ledger/mapped_files.h"

namespace rebate::ledger {

uint64_t LineOrigin::line() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!line_) {
    uint64_t newlines = 0;
    for (const char* p = from_; (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(to_ - p)))); ++p) ++newlines;
    line_ = (before_ ? before_->line() : from_line_) + newlines;
  }
  return *line_;
}

void LineOrigin::set(uint64_t line) {
  std::lock_guard<std::mutex> lock(mutex_);
  line_ = line;
}

namespace {

using csv::Reader;
using csv::Destination;
using csv::kStandardInputName;

class DiscardRows : public RowSink {
 public:
  void rows(const Table&) override {}
};

// `mapped`: `data` is a private read-only mapping of the file, whose pages may be given back as rows are
// read. A streamed read is cut into pieces (csv_pieces.cpp) read by to.threads threads at most
// (options.threads, when set, at most that many; then at least one piece per thread, however small the
// data, which the tests use), several per thread where the data is large enough (kMinPieceBytes,
// kPiecesPerThread). A read into one table (`to.pool`: a table, small, read whole) is one piece.
ReadResult read_buffer(std::string_view data, const std::string& display_name, const TableSpec& spec,
                       const ReadOptions& options, const Destination& to, bool mapped) {
  ReadResult result;
  Reader reader(data, display_name, spec, options, to.first_pool(), result);
  if (mapped) reader.set_mapped();
  if (to.parts) reader.stream_to(to.start.sink);
  // (A later file of a ledger in many files appends to the rejects file: one piece, so that a failed
  // read, read again, does not append its rows twice.)
  size_t threads = to.parts && !options.rejects_append ? to.threads : 1;
  if (options.threads != 0) threads = std::min<size_t>(threads, options.threads);
  const size_t fewest = options.threads != 0 ? threads : 1;
  const size_t piece_bytes = options.piece_bytes ? options.piece_bytes : kMinPieceBytes;
  const size_t pieces = threads <= 1 ? 1 : std::clamp(data.size() / piece_bytes, fewest, threads * kPiecesPerThread);
  if (pieces == 1) {
    reader.run();
    return result;
  }
  if (!reader.start() || (options.reject_bad_rows && !options.rejects_path.empty() && !reader.start_rejects())) {
    reader.finish();
    return result;
  }
  switch (csv::read_pieces(reader, data, display_name, spec, options, to, mapped, result, pieces, threads)) {
    case csv::Pieces::Read:
    case csv::Pieces::One: return result;
    case csv::Pieces::Missed:
      // The parts' sinks saw rows that are not the file's: the caller reads it again with counted cuts.
      result.split_missed = true;
      return result;
    case csv::Pieces::Failed: break;
  }
  // Malformed rows: read again on one thread, without streaming rows, so that errors, their order and
  // max_errors are exactly those of a sequential read. Bad files are the rare case.
  ReadResult again;
  Reader sequential(data, display_name, spec, options, to.first_pool(), again);
  if (mapped) sequential.set_mapped();
  DiscardRows discard;  // a streaming read keeps no rows, not even to report errors
  sequential.stream_to(&discard);
  sequential.run();
  if (again.ok()) {
    // The pieces disagreed with the whole (counted cuts cannot, but in a malformed file): the sinks saw
    // an unknown share of the rows, so the read must fail rather than give numbers.
    again.errors.push_back(InputError{display_name, 0, 0, {}, "internal error: the threads' reads disagree with a one-thread read; please report this file"});
  }
  return again;
}

// A non-regular file (a pipe, a FIFO, /dev/stdin, a character device) has no size and cannot be mapped:
// it is read into a buffer, and one Reader reads the rows of what is there, stopping at the start of
// the first row that reaches the buffer's end (it may go on in the bytes not read yet); that row is
// moved to the buffer's start, the rest filled from the file, and the reader reads on (continue_in).
// One reader, so the errors, max_errors, rejects, line numbers and row counts are those of a regular
// file of the same bytes. A row (or the header) that fills the whole buffer doubles it, up to eight
// times its first size: a longer one is an error naming its line (/dev/zero never ends its first line).
// Memory: the buffer, and what the rows themselves keep (a whole table's columns); a streamed ledger's
// chunks are handed over before the buffer is refilled. One thread: a stream can be decoded only from its
// start (the pieces of an N-thread read need the file's later parts while the first is read).
constexpr size_t kStreamBuffer = 8u << 20;

std::string byte_size(size_t bytes) {
  if (bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes % (1u << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

ReadResult stream_rows(ByteStream& source, const std::string& path, const TableSpec& spec, const ReadOptions& options,
                       const Destination& to) {
  const size_t first_size = options.pipe_buffer ? options.pipe_buffer : kStreamBuffer;
  const size_t longest = first_size * 8;
  std::vector<char> buffer(first_size);
  size_t size = 0;
  bool eof = false;
  auto fill = [&] {
    while (size < buffer.size() && !eof) {
      const ssize_t n = source.read(buffer.data() + size, buffer.size() - size);
      if (n < 0) return false;
      if (n == 0) eof = true;
      size += static_cast<size_t>(n);
    }
    return true;
  };
  ReadResult result;
  // The source's own words: a device or connection that failed (exit 2), or bytes that are not what they
  // claim (a corrupt or truncated archive: an error in the inputs). Either way the read fails.
  auto read_error = [&] {
    // Rows read from a corrupt archive's last bytes before the decoder noticed may be garbage: their
    // errors would only hide the one that matters.
    if (source.data_error()) {
      result.errors.clear();
      result.errors_not_shown = 0;
    }
    result.errors.push_back(InputError{path, 0, 0, {}, source.error()});
    result.io_failed = !source.data_error();
  };
  if (!fill()) {
    result.table.name = spec.name;
    read_error();
    return result;
  }
  Reader reader(std::string_view(buffer.data(), size), path, spec, options, to.first_pool(), result);
  reader.set_more_input(!eof);
  reader.set_progress_unknown();
  if (to.parts) reader.stream_to(to.start.sink);
  // The bytes from the reader's position on moved to the buffer's start, the rest filled; false (an error
  // in `result`) when they fill the buffer at its largest, or the file cannot be read.
  auto refill = [&] {
    const size_t kept = static_cast<size_t>(buffer.data() + size - reader.position());
    if (kept == buffer.size()) {
      if (buffer.size() >= longest) {
        const bool header = reader.header_incomplete();
        result.errors.push_back(InputError{
            path, header ? 1 : reader.line(), 1, {},
            fmt::format("{} longer than {} and has not ended; a file that is not a regular file (a pipe, a device) is "
                        "read as a stream, whose header and rows must each fit in {}{}",
                        header ? "the header line is" : "a row (from this line on) is", byte_size(longest),
                        byte_size(longest), header ? " (is this a CSV file?)" : "; save it to a file to read it")});
        return false;
      }
      buffer.resize(std::min(buffer.size() * 2, longest));
    } else {
      std::memmove(buffer.data(), buffer.data() + (size - kept), kept);
    }
    size = kept;
    if (!fill()) {
      read_error();
      return false;
    }
    reader.continue_in(std::string_view(buffer.data(), size), !eof);
    return true;
  };
  bool started = reader.start();
  while (!started && reader.header_incomplete()) {
    if (!refill()) {
      reader.finish();
      return result;
    }
    started = reader.resume_header();
  }
  if (!started) {
    reader.finish();
    return result;
  }
  if (options.reject_bad_rows && !options.rejects_path.empty() && !reader.start_rejects()) return result;
  for (;;) {
    reader.rows();
    if (!reader.more_input() || reader.stopped()) break;
    if (!refill()) break;
  }
  reader.finish();
  return result;
}

ReadResult failed_read(const std::string& path, const TableSpec& spec, std::string message, bool io) {
  ReadResult r;
  r.table.name = spec.name;
  r.errors.push_back(InputError{path, 0, 0, {}, std::move(message)});
  r.io_failed = io;
  return r;
}

// The first bytes of an input, to sniff its kind: gzip and zstd are told by theirs.
constexpr size_t kSniffBytes = 8;

// Reads the input open at `fd` (a file, or standard input), named `path` in errors: a regular
// uncompressed file memory-mapped (the fast path: N threads on a large one), anything else as a stream
// (a pipe, a device; a gzip or zstd compressed file, decompressed as it is read).
ReadResult read_fd(int fd, const std::string& path, const TableSpec& spec, const ReadOptions& options, const Destination& to) {
  auto io_error = [&](const std::string& what) { return failed_read(path, spec, fmt::format("{}: {}", what, std::strerror(errno)), true); };
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error("cannot read the file");
  if (S_ISDIR(st.st_mode)) {
    errno = EISDIR;
    return io_error("cannot read the file");
  }
  const bool regular = S_ISREG(st.st_mode);
  std::string head(kSniffBytes, '\0');
  size_t got = 0;
  FdStream fd_bytes(fd);
  if (regular) {  // pread: the stream below starts at the file's start
    const ssize_t n = ::pread(fd, head.data(), head.size(), 0);
    if (n < 0) return io_error("cannot read the file");
    got = static_cast<size_t>(n);
  } else {
    for (ssize_t n = 1; got < head.size() && n > 0; got += static_cast<size_t>(n)) {
      n = fd_bytes.read(head.data() + got, head.size() - got);
      if (n < 0) return failed_read(path, spec, fd_bytes.error(), true);
    }
  }
  head.resize(got);
  std::string refusal;
  const Compression kind = sniff_compression(head, refusal);
  if (!refusal.empty()) return failed_read(path, spec, fmt::format("the file is {}", refusal), false);
  if (const Compression named = compression_of_name(path); named != Compression::None && named != kind) {
    return failed_read(path, spec,
                       fmt::format("the file's name says {}-compressed, but it {}; rename it or compress it again",
                                   compression_name(named),
                                   got == 0 ? "is empty" : kind == Compression::None ? "does not start as compressed data does"
                                                                                      : fmt::format("holds {} data", compression_name(kind))),
                       false);
  }
  if (regular && kind == Compression::None && st.st_size > 0) {
    const auto size = static_cast<size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
      ::madvise(map, size, MADV_SEQUENTIAL);
      ReadResult r;
      {
        const MappedFileNote note(map, size, path);  // a file cut short meanwhile: an error naming it
        r = read_buffer(std::string_view(static_cast<const char*>(map), size), path, spec, options, to, true);
      }
      ::munmap(map, size);
      // A file written to while it was read (an export rewritten in place) gave rows of two versions of
      // it, or the garbage between them: not a read to compute with, whatever its rows said.
      struct stat after {};
      if (::fstat(fd, &after) != 0 || after.st_size != st.st_size || after.st_mtim.tv_sec != st.st_mtim.tv_sec ||
          after.st_mtim.tv_nsec != st.st_mtim.tv_nsec) {
        r.errors.assign(1, InputError{path, 0, 0, {}, "the file changed while it was being read; run again once it is complete"});
        r.errors_not_shown = 0;
        r.rejected.clear();
        for (Column& c : r.table.columns) {
          c.values.clear();
          c.present.clear();
          c.texts.clear();
        }
        r.table.lines.clear();
      }
      return r;
    }
  }
  std::unique_ptr<ByteStream> raw;
  if (regular) {
    raw = std::make_unique<FdStream>(fd);
  } else {
    raw = std::make_unique<PrefixedStream>(std::move(head), std::make_unique<FdStream>(fd));
  }
  std::unique_ptr<ByteStream> bytes = decompress(kind, std::move(raw));
  return stream_rows(*bytes, path, spec, options, to);
}

}  // namespace

namespace csv {

ReadResult read_stream(ByteStream& source, const std::string& name, const TableSpec& spec, const ReadOptions& options,
                       const Destination& to) {
  return stream_rows(source, name, spec, options, to);
}

ReadResult read_file(const std::string& path, const TableSpec& spec, const ReadOptions& options, const Destination& to) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failed_read(path, spec, fmt::format("cannot open the file: {}", std::strerror(errno)), true);
  ReadResult r = read_fd(fd, path, spec, options, to);
  ::close(fd);
  return r;
}

ReadResult read_standard_input(const TableSpec& spec, const ReadOptions& options, const Destination& to) {
  return read_fd(STDIN_FILENO, kStandardInputName, spec, options, to);
}

}  // namespace csv

ReadResult read_csv_buffer(std::string_view data, const std::string& display_name, const TableSpec& spec,
                           const ReadOptions& options, StringPool& pool) {
  return read_buffer(data, display_name, spec, options, Destination{&pool}, false);
}

namespace csv {

ReadResult read_as_stream(std::string_view data, const std::string& display_name, const TableSpec& spec,
                          const ReadOptions& options, StringPool* pool, StreamParts* parts) {
  // The bytes as a pipe would give them: all that is asked for while they last.
  class MemoryStream : public ByteStream {
   public:
    explicit MemoryStream(std::string_view data) : data_(data) {}
    ssize_t read(char* into, size_t n) override {
      n = std::min(n, data_.size() - at_);
      std::memcpy(into, data_.data() + at_, n);
      at_ += n;
      return static_cast<ssize_t>(n);
    }

   private:
    std::string_view data_;
    size_t at_ = 0;
  } from_memory(data);
  return stream_rows(from_memory, display_name, spec, options, parts ? Destination::streamed(*parts) : Destination{pool});
}

}  // namespace csv

ReadResult read_csv(const std::string& path, const TableSpec& spec, const ReadOptions& options, StringPool& pool) {
  return csv::read_input(path, spec, options, Destination{&pool});
}

ReadResult stream_csv_buffer(std::string_view data, const std::string& display_name, const TableSpec& spec,
                             const ReadOptions& options, StreamParts& parts) {
  return read_buffer(data, display_name, spec, options, csv::Destination::streamed(parts), false);
}

ReadResult stream_csv(const std::string& path, const TableSpec& spec, const ReadOptions& options,
                      StreamParts& parts) {
  return csv::read_input(path, spec, options, csv::Destination::streamed(parts));
}

}  // namespace rebate::ledger

