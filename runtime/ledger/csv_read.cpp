// Reading CSV files and buffers: sources (regular files and buffers, a streamed one read by N threads,
// csv_pieces.cpp), streams, and the public read_csv / stream_csv. The rows themselves are the Reader's
// work (csv_reader.h).
#include <fcntl.h>
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

namespace rebate::ledger {

uint64_t LineOrigin::line() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!line_) {
    const uint64_t newlines = newlines_ ? *newlines_ : count_byte(source_, '\n', from_, to_);
    line_ = (before_ ? before_->line() : from_line_) + newlines;
  }
  return *line_;
}

void LineOrigin::set(uint64_t line) {
  std::lock_guard<std::mutex> lock(mutex_);
  line_ = line;
}

void LineOrigin::set_newlines(uint64_t newlines) {
  std::lock_guard<std::mutex> lock(mutex_);
  newlines_ = newlines;
}

namespace {

using csv::Reader;
using csv::Destination;
using csv::kStandardInputName;
using csv::stream_error;

class DiscardRows : public RowSink {
 public:
  void rows(const Table&) override {}
};

// Every input is read through a window (csv::Window): one Reader reads the rows of what is there,
// stopping at the start of the first row that reaches the window's end (it may go on in the bytes not
// read yet); that row is moved to the window's start, the rest filled, and the reader reads on
// (continue_in). A row (or the header) that fills the whole window doubles it. One reader per piece, so
// the errors, max_errors, rejects, line numbers and row counts are those of one pass over the bytes.
// Memory: the windows, and what the rows themselves keep (a whole table's columns); a streamed ledger's
// chunks are handed over before the window is refilled.
//
// A non-regular file (a pipe, a FIFO, /dev/stdin, a character device) has no size: it is read from its
// start on one thread, 8 MiB at a time at first, and a row may be up to eight times that (/dev/zero never
// ends its first line). A source (a regular file, a buffer: byte_source.h) is read 1 MiB at a time, its
// rows of any length, and may be cut into pieces read by N threads (csv_pieces.cpp).
constexpr size_t kPipeWindow = 8u << 20;
constexpr size_t kSourceWindow = 1u << 20;

std::string byte_size(size_t bytes) {
  if (bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes % (1u << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

// The header of `in`, read into `reader` through `window` (refilled while it is incomplete); false when
// there are no rows to read (an error, or the header is all there is).
bool start_streamed(Reader& reader, csv::Window& window, ByteStream& in, size_t longest, const std::string& name,
                    ReadResult& result) {
  bool started = reader.start();
  while (!started && reader.header_incomplete()) {
    if (!csv::refill(reader, window, in, longest, name, result)) return false;
    started = reader.resume_header();
  }
  return started;
}

// The whole of `in` on one thread: into one table (`sink` null, texts in `pool`), or streamed to `sink`.
// `size`: the source's, or nullopt for a non-regular file.
ReadResult read_whole(ByteStream& in, std::optional<uint64_t> size, const std::string& path, const TableSpec& spec,
                      const ReadOptions& options, StringPool& pool, RowSink* sink) {
  const size_t first = options.window_bytes ? options.window_bytes : size ? kSourceWindow : kPipeWindow;
  const size_t longest = size ? 0 : first * 8;
  // (A small source gets a window of its size and a byte: its first fill sees its end.)
  csv::Window window(size ? static_cast<size_t>(std::min<uint64_t>(first, *size + 1)) : first);
  ReadResult result;
  if (!window.fill(in)) {
    result.table.name = spec.name;
    stream_error(in, path, result);
    return result;
  }
  Reader reader(window.bytes(), path, spec, options, pool, result);
  reader.set_more_input(!window.ended());
  if (size) reader.set_progress_share(0, *size);
  if (sink) reader.stream_to(sink);
  if (!start_streamed(reader, window, in, longest, path, result)) {
    reader.finish();
    return result;
  }
  if (options.reject_bad_rows && !options.rejects_path.empty() && !reader.start_rejects()) return result;
  csv::read_rows_through(reader, window, in, longest, path, result);
  reader.finish();
  return result;
}

// A source: read whole (one piece), or cut into pieces (csv_pieces.cpp) read by to.threads threads at
// most (options.threads, when set, at most that many; then at least one piece per thread, however small
// the data, which the tests use), several per thread where the data is large enough (kMinPieceBytes,
// kPiecesPerThread). A read into one table (`to.pool`: a table, small, read whole) is one piece.
ReadResult read_source(const ByteSource& source, const std::string& display_name, const TableSpec& spec,
                       const ReadOptions& options, const Destination& to) {
  // (A later file of a ledger in many files appends to the rejects file: one piece, so that a failed
  // read, read again, does not append its rows twice.)
  size_t threads = to.parts && !options.rejects_append ? to.threads : 1;
  if (options.threads != 0) threads = std::min<size_t>(threads, options.threads);
  const size_t fewest = options.threads != 0 ? threads : 1;
  const size_t piece_bytes = options.piece_bytes ? options.piece_bytes : kMinPieceBytes;
  const size_t pieces = threads <= 1 ? 1 : std::clamp<size_t>(static_cast<size_t>(source.size() / piece_bytes), fewest, threads * kPiecesPerThread);
  RangeStream whole(source, 0, source.size(), display_name);
  RowSink* const sink = to.parts ? to.start.sink : nullptr;
  if (pieces == 1) return read_whole(whole, source.size(), display_name, spec, options, to.first_pool(), sink);
  // The header first, through the window the first piece's rows are then read in.
  csv::Window window(options.window_bytes ? options.window_bytes : kSourceWindow);
  ReadResult result;
  if (!window.fill(whole)) {
    result.table.name = spec.name;
    stream_error(whole, display_name, result);
    return result;
  }
  Reader head(window.bytes(), display_name, spec, options, to.first_pool(), result);
  head.set_more_input(!window.ended());
  head.stream_to(sink);
  if (!start_streamed(head, window, whole, 0, display_name, result) ||
      (options.reject_bad_rows && !options.rejects_path.empty() && !head.start_rejects())) {
    head.finish();
    return result;
  }
  const std::string_view read = window.bytes();
  const uint64_t rows_from = whole.at() - static_cast<uint64_t>(read.data() + read.size() - head.position());
  switch (csv::read_pieces(head, window, source, rows_from, display_name, spec, options, to, result, pieces, threads)) {
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
  RangeStream again_in(source, 0, source.size(), display_name);
  DiscardRows discard;  // a streaming read keeps no rows, not even to report errors
  ReadResult again = read_whole(again_in, source.size(), display_name, spec, options, to.first_pool(), &discard);
  if (again.ok()) {
    // The pieces disagreed with the whole (counted cuts cannot, but in a malformed file): the sinks saw
    // an unknown share of the rows, so the read must fail rather than give numbers.
    again.errors.push_back(InputError{display_name, 0, 0, {}, "internal error: the threads' reads disagree with a one-thread read; please report this file"});
  }
  return again;
}

// A stream with no size (a pipe, a decompressor, a database's COPY): one thread, from its start.
ReadResult stream_rows(ByteStream& in, const std::string& path, const TableSpec& spec, const ReadOptions& options,
                       const Destination& to) {
  return read_whole(in, std::nullopt, path, spec, options, to.first_pool(), to.parts ? to.start.sink : nullptr);
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
// uncompressed file as a source (read anywhere: N threads on a large one), anything else as a stream
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
  // (A regular file that says it has no bytes is read as a stream: /proc and /sys files have content
  // without a size.)
  if (regular && kind == Compression::None && st.st_size > 0) {
    const FileSource source(fd, static_cast<uint64_t>(st.st_size));
    ReadResult r = read_source(source, path, spec, options, to);
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

bool Window::fill(ByteStream& in) {
  while (size_ < buffer_.size() && !ended_) {
    const ssize_t n = in.read(buffer_.data() + size_, buffer_.size() - size_);
    if (n < 0) return false;
    if (n == 0) ended_ = true;
    size_ += static_cast<size_t>(n);
  }
  return true;
}

void Window::keep_from(const char* from) {
  const auto kept = static_cast<size_t>(buffer_.data() + size_ - from);
  if (kept == buffer_.size()) {
    buffer_.resize(buffer_.size() * 2);  // (`from` is the start: nothing moves)
  } else {
    std::memmove(buffer_.data(), from, kept);
  }
  size_ = kept;
}

void stream_error(const ByteStream& in, const std::string& name, ReadResult& result) {
  // Rows read from a corrupt archive's last bytes before the decoder noticed may be garbage: their
  // errors would only hide the one that matters.
  if (in.data_error()) {
    result.errors.clear();
    result.errors_not_shown = 0;
  }
  result.errors.push_back(InputError{name, 0, 0, {}, in.error()});
  result.io_failed = !in.data_error();
}

bool refill(Reader& reader, Window& window, ByteStream& in, size_t longest, const std::string& name, ReadResult& result) {
  const std::string_view bytes = window.bytes();
  if (longest != 0 && static_cast<size_t>(bytes.data() + bytes.size() - reader.position()) == window.capacity() &&
      window.capacity() >= longest) {
    const bool header = reader.header_incomplete();
    result.errors.push_back(InputError{
        name, header ? 1 : reader.line(), 1, {},
        fmt::format("{} longer than {} and has not ended; a file that is not a regular file (a pipe, a device) is "
                    "read as a stream, whose header and rows must each fit in {}{}",
                    header ? "the header line is" : "a row (from this line on) is", byte_size(longest), byte_size(longest),
                    header ? " (is this a CSV file?)" : "; save it to a file to read it")});
    return false;
  }
  window.keep_from(reader.position());
  if (!window.fill(in)) {
    stream_error(in, name, result);
    return false;
  }
  reader.continue_in(window.bytes(), !window.ended());
  return true;
}

bool read_rows_through(Reader& reader, Window& window, ByteStream& in, size_t longest, const std::string& name,
                       ReadResult& result) {
  for (;;) {
    reader.rows();
    if (!reader.more_input() || reader.stopped()) return true;
    if (!refill(reader, window, in, longest, name, result)) return false;
  }
}

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
  return read_source(MemorySource(data), display_name, spec, options, Destination{&pool});
}

namespace csv {

ReadResult read_as_stream(std::string_view data, const std::string& display_name, const TableSpec& spec,
                          const ReadOptions& options, StringPool* pool, StreamParts* parts) {
  // The bytes as a pipe would give them: all that is asked for while they last.
  const MemorySource memory(data);
  RangeStream from_memory(memory, 0, memory.size(), display_name);
  return stream_rows(from_memory, display_name, spec, options, parts ? Destination::streamed(*parts) : Destination{pool});
}

}  // namespace csv

ReadResult read_csv(const std::string& path, const TableSpec& spec, const ReadOptions& options, StringPool& pool) {
  return csv::read_input(path, spec, options, Destination{&pool});
}

ReadResult stream_csv_buffer(std::string_view data, const std::string& display_name, const TableSpec& spec,
                             const ReadOptions& options, StreamParts& parts) {
  return read_source(MemorySource(data), display_name, spec, options, csv::Destination::streamed(parts));
}

ReadResult stream_csv(const std::string& path, const TableSpec& spec, const ReadOptions& options,
                      StreamParts& parts) {
  return csv::read_input(path, spec, options, csv::Destination::streamed(parts));
}

}  // namespace rebate::ledger

