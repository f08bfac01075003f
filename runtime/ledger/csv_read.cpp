// Reading CSV files and buffers: memory-mapped files, the two-thread split of a large file (and the
// merge of the halves, or their streaming to two parts), and the public read_csv / stream_csv. The rows
// themselves are the Reader's work (csv_reader.h).
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
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/worker_thread.h"
#include "ledger/byte_stream.h"
#include "ledger/csv_reader.h"
#include "ledger/input_sources.h"
#include "ledger/mapped_files.h"

namespace rebate::ledger {

namespace csv {

// Where a second thread can start reading rows: the start of a line at or past the middle of [from, end)
// that is outside every quoted cell (an even number of quotes before it) and does not follow a blank line
// (a blank line in the middle of a file is a malformed row, at its end it is not: the halves must not
// disagree). nullptr when there is none.
// The second thread counts the quotes and line feeds before the split while the first reads rows from
// `from` (and publishes how far it got in `first_at`), so the split is not the middle but the point past
// it that leaves both threads equally much to do: halfway between where the first thread is when the
// count gets there and the end. Counting is several times faster than reading, so the first thread is
// still short of the middle then, and does not wait.
// `mapped`: [from, end) is a read-only file mapping, whose pages are given back as they are counted
// (counting touches the whole first part; the first thread reads it again from the file). `newlines`:
// the line feeds in [from, split), for the second thread's line numbers.
const char* parallel_split(const char* from, const char* end, bool mapped, const std::atomic<const char*>& first_at,
                           uint64_t& newlines) {
  const char* counted_to = from + (end - from) / 2;  // moved on to the balance point as the count gets there
  size_t quotes = 0;
  newlines = 0;
  auto count = [&](char c, const char* a, const char* b) {
    size_t n = 0;
    for (const char* q = a; (q = static_cast<const char*>(std::memchr(q, c, static_cast<size_t>(b - q)))); ++q) ++n;
    return n;
  };
  // Both counts in one pass, sixteen bytes at a time: per byte lane, how many times it held the
  // character (at most 255 blocks at a time), then the lanes summed (SSE2: no popcount needed).
  auto count_both = [&](const char* a, const char* b) {
    const __m128i quote = _mm_set1_epi8('"'), lf = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    auto lanes = [&](__m128i v) {
      const __m128i s = _mm_sad_epu8(v, zero);
      return static_cast<uint64_t>(_mm_cvtsi128_si64(s)) + static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s)));
    };
    while (b - a >= 16) {
      __m128i in_quotes = zero, in_newlines = zero;
      const char* const stop = a + std::min<std::ptrdiff_t>((b - a) / 16, 255) * 16;
      for (; a < stop; a += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
        in_quotes = _mm_sub_epi8(in_quotes, _mm_cmpeq_epi8(v, quote));
        in_newlines = _mm_sub_epi8(in_newlines, _mm_cmpeq_epi8(v, lf));
      }
      quotes += lanes(in_quotes);
      newlines += lanes(in_newlines);
    }
    quotes += count('"', a, b);
    newlines += count('\n', a, b);
  };
  constexpr std::ptrdiff_t kBlock = 2 << 20;
  constexpr std::ptrdiff_t kCloseEnough = 64 << 10;
  for (const char* block = from; block < counted_to;) {
    const char* block_end = block + std::min(kBlock, counted_to - block);
    count_both(block, block_end);
    if (mapped) {
      const uintptr_t page = 4096;
      const uintptr_t first = (reinterpret_cast<uintptr_t>(block) + page - 1) & ~(page - 1);
      const uintptr_t last = reinterpret_cast<uintptr_t>(block_end) & ~(page - 1);
      if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
    }
    block = block_end;
    if (block == counted_to) {  // counted this far: is the balance point further on?
      const char* first = std::max(from, first_at.load(std::memory_order_relaxed));
      const char* balance = first + (end - first) / 2;
      if (balance - counted_to > kCloseEnough) counted_to = balance;
    }
  }
  const char* p = counted_to;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!nl) return nullptr;
    quotes += count('"', p, nl);
    ++newlines;
    p = nl + 1;
    bool blank_before = nl > from && (nl[-1] == '\n' || (nl[-1] == '\r' && nl - 1 > from && nl[-2] == '\n'));
    if (quotes % 2 == 0 && !blank_before && p < end) return p;
  }
  return nullptr;
}

const char* guess_split(const char* from, const char* end) {
  for (const char* p = from + (end - from) / 2; p < end;) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!nl) return nullptr;
    p = nl + 1;
    const bool blank_before = nl > from && (nl[-1] == '\n' || (nl[-1] == '\r' && nl - 1 > from && nl[-2] == '\n'));
    if (!blank_before && p < end) return p;
  }
  return nullptr;
}

}  // namespace csv

uint64_t LineOrigin::line() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!line_) {
    uint64_t newlines = 0;
    for (const char* p = from_; (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(to_ - p)))); ++p) ++newlines;
    line_ = from_line_ + newlines;
  }
  return *line_;
}

void LineOrigin::set(uint64_t line) {
  std::lock_guard<std::mutex> lock(mutex_);
  line_ = line;
}

namespace {

using csv::Reader;
using csv::guess_split;
using csv::parallel_split;
using csv::Destination;
using csv::kStandardInputName;

// Text ids of a second pool in the first: each distinct text is interned once.
void merge_rows(ReadResult& into, ReadResult& from, StringPool& pool, const StringPool& from_pool) {
  std::vector<uint32_t> remap(from_pool.size(), UINT32_MAX);
  for (size_t j = 0; j < into.table.columns.size(); ++j) {
    Column& dst = into.table.columns[j];
    Column& src = from.table.columns[j];
    if (!dst.spec.read) continue;
    if (dst.spec.kind == ColumnKind::Text) {
      for (size_t row = 0; row < src.values.size(); ++row) {
        if (!src.has_value(row)) continue;
        auto id = static_cast<uint32_t>(src.values[row]);
        if (remap[id] == UINT32_MAX) remap[id] = pool.intern(from_pool.text(id));
        src.values[row] = remap[id];
      }
    }
    dst.values.insert(dst.values.end(), src.values.begin(), src.values.end());
    dst.present.insert(dst.present.end(), src.present.begin(), src.present.end());
  }
  into.table.lines.insert(into.table.lines.end(), from.table.lines.begin(), from.table.lines.end());
  into.rows_read += from.rows_read;
}

// Files at least this large are read by two threads, one half each, when the machine has two cores.
constexpr size_t kParallelBytes = 16u << 20;

class DiscardRows : public RowSink {
 public:
  void rows(const Table&) override {}
};


// How a two-thread read went: both threads read rows (their results to check and merge), or the first
// read them all (a file with no row start past the middle, or a guessed split that missed), or the two
// reads do not meet at the split (which a counted split cannot do but in a malformed file): to be read
// again on one thread.
enum class Halves { Two, One, Disagree };

// The second thread's reader, set to read the rows from `at` (the start of line `line`) on.
void start_second(Reader& second, const Reader& head, const char* at, uint64_t line, const Destination& to, bool mapped) {
  second.start_after(head, at, line);
  if (mapped) second.set_mapped();
  if (to.parts) second.stream_to((*to.parts)[1].sink);
}

// The split counted first (ReadOptions::exact_split): the second thread counts the first half's quotes and
// line ends while the first already reads its rows; the first pauses at its first row past the middle of
// the file until the split is known (a row start at or after that row), then reads up to it. Counting
// takes a fraction of the time reading does, so the first thread rarely waits; the second starts late.
Halves read_halves_counted(Reader& reader, Reader& second, std::string_view data, const Destination& to, bool mapped) {
  const char* const rows_begin = reader.position();
  const char* const data_end = data.data() + data.size();
  const uint64_t first_line = reader.line();
  std::mutex mutex;
  std::condition_variable found;
  bool known = false;
  const char* split = nullptr;
  bool paused = false;
  reader.pause_at(rows_begin + (data_end - rows_begin) / 2, [&] {
    paused = true;
    std::unique_lock<std::mutex> lock(mutex);
    found.wait(lock, [&] { return known; });
    return split ? split : data_end;
  });
  std::atomic<const char*> first_at{rows_begin};
  reader.publish_progress(&first_at);
  WorkerThread worker([&] {
    uint64_t newlines = 0;
    const char* at = parallel_split(rows_begin, data_end, mapped, first_at, newlines);
    {
      std::lock_guard<std::mutex> lock(mutex);
      split = at;
      known = true;
    }
    found.notify_all();
    if (!at) return;
    start_second(second, reader, at, first_line + newlines, to, mapped);
    second.rows();
  });
  reader.rows();
  worker.join();
  reader.finish();
  if (!split) return Halves::One;
  second.finish();
  // The first thread's rows end exactly where the second's start, unless a row of the first ran past the
  // split or the first stopped short of it (an error): the halves cannot be put together as they are.
  if (!paused || reader.position() != split) return Halves::Disagree;
  return Halves::Two;
}

// The split guessed (the default): the second thread starts at once at the first row start past the
// middle (csv::guess_split), its lines numbered from there (LineOrigin), and the first thread checks the
// guess when it gets there: a row of its own that ends exactly at the guess makes it a row start. One
// that runs past it (the guess was inside a quoted cell that holds line ends) stops the second thread;
// a materializing read then has the first thread read on to the end, a streaming one stops there and
// says so (split_missed), since the second part's sink saw rows that are not the file's. `origin` is
// the caller's: the second half's lines count from it until they are merged.
Halves read_halves_guessed(Reader& reader, Reader& second, std::string_view data, const Destination& to, bool mapped,
                           ReadResult& result, std::optional<LineOrigin>& origin) {
  const char* const rows_begin = reader.position();
  const char* const data_end = data.data() + data.size();
  const char* const at = guess_split(rows_begin, data_end);
  if (!at) {
    reader.rows();
    reader.finish();
    return Halves::One;
  }
  origin.emplace(rows_begin, at, reader.line());
  std::atomic<bool> missed{false};
  bool checked = false;  // the first thread got to a row start at or past the guess
  reader.pause_at(at, [&] {
    checked = true;
    if (reader.position() == at) {
      origin->set(reader.line());
      return at;
    }
    missed.store(true);
    return to.parts ? reader.position() : data_end;
  });
  WorkerThread worker([&] {
    start_second(second, reader, at, 0, to, mapped);
    second.number_lines_from(&*origin);
    second.stop_when(&missed);
    second.rows();
  });
  reader.rows();
  // A first thread that read to the end of the file (or stopped at a fatal error) without a row start at
  // or past the guess: its last row, a quoted cell holding line breaks, ran over the guess, which was
  // not a row start. It read every row itself, exactly as one thread does; the second thread is stopped.
  if (!checked) missed.store(true);
  worker.join();
  reader.finish();
  if (missed.load()) {
    // A streaming read's second part saw rows that are not the file's (unless the read failed anyway).
    if (to.parts && (checked || result.ok())) result.split_missed = true;
    return Halves::One;
  }
  second.finish();
  return Halves::Two;
}

// `mapped`: `data` is a private read-only mapping of the file, whose pages may be given back as rows are read.
ReadResult read_buffer(std::string_view data, const std::string& display_name, const TableSpec& spec,
                       const ReadOptions& options, const Destination& to, bool mapped) {
  ReadResult result;
  Reader reader(data, display_name, spec, options, to.pool_of(0), result);
  if (mapped) reader.set_mapped();
  if (to.parts) reader.stream_to((*to.parts)[0].sink);
  bool parallel = to.count() >= 2 && !options.reject_bad_rows &&
                  (options.threads >= 2 ||
                   (options.threads == 0 && data.size() >= kParallelBytes && std::thread::hardware_concurrency() >= 2));
  if (!parallel) {
    reader.run();
    return result;
  }
  if (!reader.start()) {
    reader.finish();
    return result;
  }
  ReadResult second_result;
  std::unique_ptr<StringPool> own_pool;  // a materializing read's second half: merged into `pool` after
  if (!to.parts) own_pool = std::make_unique<StringPool>();
  StringPool& second_pool = to.parts ? to.pool_of(1) : *own_pool;
  Reader second(data, display_name, spec, options, second_pool, second_result);
  std::optional<LineOrigin> origin;  // a guessed split's: second_result's lines count from it
  const Halves halves = options.exact_split ? read_halves_counted(reader, second, data, to, mapped)
                                            : read_halves_guessed(reader, second, data, to, mapped, result, origin);
  if (halves == Halves::One) return result;  // the first thread read every row, or the guess missed
  if (halves == Halves::Disagree || !result.ok() || !second_result.ok()) {
    // Malformed rows: read again on one thread, without keeping or streaming rows, so that errors, their
    // order and max_errors are exactly those of a sequential read. Bad files are the rare case.
    ReadResult again;
    Reader sequential(data, display_name, spec, options, to.pool_of(0), again);
    if (mapped) sequential.set_mapped();
    DiscardRows discard;  // a streaming read keeps no rows, not even to report errors
    if (to.parts) sequential.stream_to(&discard);
    sequential.run();
    if (to.parts && again.ok()) {
      // The halves disagreed with the whole (the split is checked so that they cannot): the sinks saw
      // an unknown share of the rows, so the read must fail rather than give numbers.
      again.errors.push_back(InputError{display_name, 0, 0, {}, "internal error: the two threads' reads disagree with a one-thread read; please report this file"});
    }
    return again;
  }
  if (to.parts) {
    result.rows_read += second_result.rows_read;
  } else {
    Table& rows = second_result.table;
    if (rows.origin) {  // its lines counted from the split's
      const uint64_t first = rows.origin->line();
      for (uint64_t& line : rows.lines) line += first;
      rows.origin = nullptr;
    }
    merge_rows(result, second_result, *to.pool, second_pool);
  }
  return result;
}

// A non-regular file (a pipe, a FIFO, /dev/stdin, a character device) has no size and cannot be mapped:
// it is read into a buffer, and one Reader reads the rows of what is there, stopping at the start of
// the first row that reaches the buffer's end (it may go on in the bytes not read yet); that row is
// moved to the buffer's start, the rest filled from the file, and the reader reads on (continue_in).
// One reader, so the errors, max_errors, rejects, line numbers and row counts are those of a regular
// file of the same bytes. A row (or the header) that fills the whole buffer doubles it, up to eight
// times its first size: a longer one is an error naming its line (/dev/zero never ends its first line).
// Memory: the buffer, and what the rows themselves keep (a whole table's columns); a streamed ledger's
// chunks are handed over before the buffer is refilled. One thread: the second thread of a two-thread
// read needs the file's second half while the first reads the first.
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
  Reader reader(std::string_view(buffer.data(), size), path, spec, options, to.pool_of(0), result);
  reader.set_more_input(!eof);
  reader.set_progress_unknown();
  if (to.parts) reader.stream_to((*to.parts)[0].sink);
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
// uncompressed file memory-mapped (the fast path: two threads on a large one), anything else as a stream
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
  return read_buffer(data, display_name, spec, options, Destination{&pool, nullptr}, false);
}

namespace csv {

ReadResult read_as_stream(std::string_view data, const std::string& display_name, const TableSpec& spec,
                          const ReadOptions& options, StringPool* pool, const std::vector<StreamPart>* parts) {
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
  return stream_rows(from_memory, display_name, spec, options, Destination{pool, parts});
}

}  // namespace csv

ReadResult read_csv(const std::string& path, const TableSpec& spec, const ReadOptions& options, StringPool& pool) {
  return csv::read_input(path, spec, options, Destination{&pool, nullptr});
}

ReadResult stream_csv_buffer(std::string_view data, const std::string& display_name, const TableSpec& spec,
                             const ReadOptions& options, const std::vector<StreamPart>& parts) {
  return read_buffer(data, display_name, spec, options, Destination{nullptr, &parts}, false);
}

ReadResult stream_csv(const std::string& path, const TableSpec& spec, const ReadOptions& options,
                      const std::vector<StreamPart>& parts) {
  return csv::read_input(path, spec, options, Destination{nullptr, &parts});
}

}  // namespace rebate::ledger

