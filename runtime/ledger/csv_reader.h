// The CSV reader's machinery, private to runtime/ledger: the byte classes and SWAR helpers of the field
// scanner, and the Reader, which turns a buffer of CSV text into typed rows against a TableSpec.
// Its work is in three files: csv_reader.cpp (the header line and the fields: RFC 4180 scanning, UTF-8
// checks), csv_rows.cpp (rows: the fast path, typed cells, interning, rejects, handing chunks to a sink),
// csv_read.cpp (files and buffers, the public read_csv / stream_csv), csv_pieces.cpp (a buffer read by N threads).
//
// The scanner walks the bytes once. An unquoted field is found with a table-driven loop that stops only
// at `,`, line ends, quotes and (in columns that are read) non-ASCII bytes, which are checked as UTF-8
// in place. Field values are views into the file; only a quoted field with doubled quotes is copied,
// into one reused buffer. A row is parsed into a row buffer and appended to the columns only when every
// cell is valid, so a rejected row leaves no trace in the table.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/byte_source.h"
#include "ledger/cells.h"
#include "ledger/ledger.h"
#include "ledger/short_text_ids.h"

namespace rebate::ledger::csv {

struct Destination;  // input_sources.h

using detail::CellParser;
using detail::CellStatus;

enum : uint8_t { kPlain = 0, kComma = 1, kLf = 2, kCr = 3, kQuote = 4, kHigh = 5 };

struct ByteClasses {
  uint8_t unquoted_check[256];  // fields that are read: stop at non-ASCII bytes to check UTF-8
  uint8_t unquoted_skip[256];
  uint8_t quoted_check[256];
  uint8_t quoted_skip[256];
};

constexpr ByteClasses make_classes() {
  ByteClasses t{};
  for (int i = 0; i < 256; ++i) {
    t.unquoted_check[i] = t.unquoted_skip[i] = t.quoted_check[i] = t.quoted_skip[i] = kPlain;
    if (i >= 0x80) t.unquoted_check[i] = t.quoted_check[i] = kHigh;
  }
  t.unquoted_check[','] = t.unquoted_skip[','] = kComma;
  t.unquoted_check['\n'] = t.unquoted_skip['\n'] = kLf;
  t.unquoted_check['\r'] = t.unquoted_skip['\r'] = kCr;
  t.unquoted_check['"'] = t.unquoted_skip['"'] = kQuote;
  t.quoted_check['"'] = t.quoted_skip['"'] = kQuote;
  t.quoted_check['\n'] = t.quoted_skip['\n'] = kLf;
  return t;
}

constexpr ByteClasses kClasses = make_classes();

inline uint8_t byte(char c) { return static_cast<uint8_t>(c); }

// SWAR: a word's bytes equal to the broadcast byte `b` get their high bit set (bytes above the first
// match may be set spuriously, which does not matter: only the first match is used; little-endian).
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighBits = 0x8080808080808080ull;
constexpr uint64_t kCommas = kOnes * ',';
constexpr uint64_t kLineFeeds = kOnes * '\n';
constexpr uint64_t kReturns = kOnes * '\r';
constexpr uint64_t kQuotes = kOnes * '"';
inline uint64_t has_byte(uint64_t w, uint64_t b) {
  const uint64_t x = w ^ b;
  return (x - kOnes) & ~x & kHighBits;
}

// 1-based character columns (UTF-8 continuation bytes do not count). Remembers the last answer, so that
// the columns of many cells of one long line, asked in order, cost one pass over the line, not one each.
class ColumnCounter {
 public:
  uint32_t operator()(const char* line_start, const char* at) {
    if (line_start != line_ || at < at_) {
      line_ = at_ = line_start;
      column_ = 1;
    }
    for (; at_ < at; ++at_)
      if ((byte(*at_) & 0xC0) != 0x80) ++column_;
    return column_;
  }

 private:
  const char* line_ = nullptr;
  const char* at_ = nullptr;
  uint32_t column_ = 1;
};

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

inline std::string backticked_list(const std::vector<std::string>& items, size_t limit = 30) {
  std::string r;
  for (size_t i = 0; i < items.size() && i < limit; ++i) r += (i ? ", " : "") + detail::quote_for_message(items[i]);
  if (items.size() > limit) r += fmt::format(" and {} more", items.size() - limit);
  return r;
}

enum class End { Field, Row, File };

struct Field {
  std::string_view value;
  const char* start = nullptr;       // the field's first byte (its opening quote when quoted)
  const char* line_start = nullptr;  // the first byte of the physical line holding `start`
  uint64_t line = 0;
  std::string problem;  // what is malformed about the field itself (not about its value)
};

class Reader {
 public:
  Reader(std::string_view data, const std::string& file, const TableSpec& spec, const ReadOptions& options,
         StringPool& pool, ReadResult& result)
      : begin_(data.data()),
        p_(data.data()),
        end_(data.data() + data.size()),
        line_start_(data.data()),
        file_(file),
        spec_(spec),
        options_(options),
        pool_(pool),
        result_(result) {}

  ~Reader() {
    if (rejects_ && !rejects_borrowed_) std::fclose(rejects_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  void run();

  // The spec and the header; false when there is nothing more to read.
  bool start();

  // For a second reader of the same file: the header `head` read, then rows from `at` (the start of line
  // `line`) to the end.
  void start_after(const Reader& head, const char* at, uint64_t line);

  // Reading rows, stop when `flag` is set (looked at every kProgressEvery bytes): the pieces of an
  // N-thread read one of whose guessed starts turned out to be inside a quoted cell.
  void stop_when(const std::atomic<bool>* flag) { abandon_ = flag; }
  // The rows' lines count from `origin`'s (a later piece of an N-thread read; see LineOrigin).
  void number_lines_from(const LineOrigin* origin) { result_.table.origin = origin; }
  const char* position() const { return p_; }
  uint64_t line() const { return line_; }
  // Hand the rows to `sink` a chunk at a time instead of keeping them.
  void stream_to(RowSink* sink) { sink_ = sink; }

  void rows() {
    reserve();
    read_rows();
  }

  void finish();

  // ---- a stream (every input: csv_read.cpp reads it a window at a time) -----------------------------
  // More of the file follows end_: a row (or the header) that reaches end_ may go on past it, so the
  // reader stops at its start instead of reading it, and waits for continue_in (the header:
  // header_incomplete(), then resume_header()).
  void set_more_input(bool more) { more_input_ = more; }
  bool more_input() const { return more_input_; }
  // Reads on in `data`, whose first byte is the one at position() in the buffer before (the reader is
  // done with that buffer: rows() has returned, so its chunk is delivered and its texts interned).
  void continue_in(std::string_view data, bool more);
  bool header_incomplete() const { return header_incomplete_; }
  bool resume_header();
  // Opens options.rejects_path and writes the header to it, as run() does once the header is read.
  bool start_rejects() { return open_rejects(); }
  // A later piece of an N-thread read: its rejected rows go to `file`, a temporary file the caller
  // appends to the head's rejects file in the pieces' order (and closes), not to options.rejects_path.
  void reject_into(std::FILE* file) {
    rejects_ = file;
    rejects_borrowed_ = true;
  }
  bool writes_rejects() const { return rejects_ != nullptr; }
  // Appends what `piece` (a temporary file given to a later piece's reject_into) holds to this reader's
  // rejects file; false (and the read's I/O error) when it cannot.
  bool append_rejects(std::FILE* piece);
  // A fatal error (a quoted cell never closed), or too many errors to go on counting.
  bool stopped() const { return fatal_ || stop_ || abandoned_; }
  // The last cell read is a quoted cell the input ends inside: for a piece of an N-thread read (which
  // ends with a line end), a cut inside a quoted cell.
  bool quoted_cell_unclosed() const { return fatal_; }
  // The rows are bytes [from, from + bytes) of the stream (offsets from its first byte): the chunks say
  // how much of that is read (Table::progress). Without it (a pipe: its size is not known) they say 0.
  void set_progress_share(uint64_t from, uint64_t bytes) {
    share_from_ = from;
    share_bytes_ = bytes;
  }
  // A piece's place in its part's share of the file (csv_pieces.cpp: the stretch of pieces its part
  // reads): the chunks' progress counts from `from` of that share, the piece being `share` of it.
  void set_piece_share(double from, double share) {
    piece_from_ = from;
    piece_share_ = share;
  }

 private:
  void file_error(std::string message, uint64_t line = 0, uint32_t column = 0, std::string column_name = {}) {
    result_.errors.push_back(InputError{file_, line, column, std::move(column_name), std::move(message)});
  }

  bool validate_spec();

  // ---- scanning -------------------------------------------------------------------------------

  void set_problem(Field& f, std::string message) {
    if (f.problem.empty()) f.problem = std::move(message);
  }

  void bad_utf8(Field& f, const char* at);

  // Past the multi-byte character at q, or past one byte of invalid UTF-8 (recorded as the cell's problem).
  const char* past_character(Field& f, const char* q);

  // Records where the current field ended (before its terminator), for "too few fields" and rejects.
  void mark_end(const char* at);

  End finish(const char* at, Field& f, const char* value_begin, bool set_value);

  // The first byte at or after q that is not plain for `cls` (end_ if none): eight bytes at a time
  // while they last, then one by one. `high` is kHighBits when non-ASCII bytes stop the scan.
  const char* skip_plain(const char* q, const uint8_t* cls, uint64_t high) const;

  // Scans one field starting at p_, leaving p_ after its terminator. `check`: validate UTF-8.
  End scan_field(Field& f, bool check);

  End scan_quoted(Field& f, bool check);

  // ---- header ---------------------------------------------------------------------------------

  bool read_header();
  // The header reaches the end of what has been read of a stream: everything read_header did since
  // `from` is undone, to read it again with more input.
  bool header_wait(const char* from, size_t errors_before, uint64_t not_shown_before);

  // A problem in the header line, counted against max_errors like a row's (a header can be long).
  void header_error(std::string message, uint64_t line, uint32_t column, std::string_view cell);

  // The first line break of the file is a carriage return alone, outside quotes: a file from the old Mac
  // OS, which would otherwise read as one enormous header line.
  bool lone_carriage_returns() const;

  // ---- rows -----------------------------------------------------------------------------------

  void reserve();

  void row_error(uint64_t line, uint32_t column, std::string column_name, std::string message) {
    row_errors_.push_back(InputError{file_, line, column, std::move(column_name), std::move(message)});
  }

  std::string name_for(size_t csv_column) const {
    const auto& t = targets_[csv_column];
    return t.empty() ? headers_[csv_column] : spec_.columns[static_cast<size_t>(t[0])].name;
  }

  bool error_budget_left() const {
    return options_.max_errors == 0 || result_.errors.size() < options_.max_errors;
  }

  void bad_row(const char* row_start, const char* row_end, uint64_t row_line);
  // A database row's key cells (ReadOptions::key_headers) from its bytes, for its errors.
  std::string row_key(std::string_view raw) const;

  bool open_rejects();
  // The header's line end ("\r\n" or "\n"): what a rejected last row without one gets in the rejects file.
  std::string_view header_line_end() const {
    const std::string& h = result_.table.header_line;
    return h.size() >= 2 && h[h.size() - 2] == '\r' ? std::string_view("\r\n") : std::string_view("\n");
  }
  const char* row_start_ = nullptr;  // where the row being read starts (Table::raw)

  void read_rows();

  // Parses a non-text cell of spec column j into values[j] / present[j]; false (and the message) when
  // the cell is not a value of the column.
  bool parse_cell(size_t j, std::string_view value, std::vector<int64_t>& values, std::vector<uint8_t>& present,
                  std::string& message);

  // A row without errors: counted, and stored (unless an earlier row failed the read).
  void commit_row(const std::vector<int64_t>& values, const std::vector<uint8_t>& present, const std::vector<std::string_view>& texts,
                  uint64_t row_line);

  // The common row, fast: one physical line with no quote, no carriage return but its line end, no
  // byte above ASCII, and the header's number of cells, all of which parse. Its commas and its line end
  // are found in one pass, sixteen bytes at a time, and its cells parsed in place, straight into the
  // table's columns; the row is counted and stored. Anything else (or any cell in error) leaves p_
  // where it was and returns false: the general path reads the row and reports exactly what is wrong.
  bool fast_row(uint64_t row_line);
  // A text of fast_row's row not found by its bytes: interned once the whole row has parsed.
  struct FastMiss {
    std::string_view text;
    uint32_t column;
  };
  std::vector<FastMiss> fast_misses_;

  // How a read column is stored: a parsed value, a text to intern, or (a streamed Text column with
  // spec.intern false) a text handed over as a view.
  enum class Store : uint8_t { Value, Interned, Lazy };
  // fast_row's plan, made on its first row (targets_ is known by then): the spec columns read, flattened
  // so that unread CSV columns cost nothing and no per-column vector is walked, and sorted by what a
  // cell takes (FastKind), so that each kind runs in a loop of its own without asking which it is.
  enum class FastKind : uint8_t { Lazy, Interned, Number, Other };
  struct FastTarget {
    uint32_t csv;     // the CSV column
    uint32_t column;  // the spec column it feeds
    Store how;        // as commit_row stores it
    bool optional;
    FastKind kind;
    int keep;  // Number: the places plain_decimal keeps
    const CellParser* parser;  // &parsers_[column]
    ShortTextIds* ids;         // &short_ids_[column]
    // The column's slots, found again whenever the table is sized (bind_fast_targets): a row's cells
    // are stored without going through the table's vectors.
    int64_t* values = nullptr;
    uint8_t* present = nullptr;          // optional columns
    std::string_view* texts = nullptr;  // Lazy columns
  };
  void plan_fast_row();
  void bind_fast_targets();
  // A fast-path cell that is not in its kind's usual shape, through the column's whole parser: false
  // when it is in error (the general path then reads the row and says why).
  bool fast_cell(const FastTarget& t, std::string_view value, size_t row);
  size_t fast_ends_[3] = {};  // where the Lazy, Interned and Number targets end in fast_targets_
  // Where the commas and fast_row's stop bytes are in one 64-byte block of the input (aligned to 64
  // bytes): bit i for the block's byte i. The last block made is kept for the next row.
  struct BlockMasks {
    const char* block = nullptr;
    uint64_t stops = 0;
    uint64_t commas = 0;
  };
  BlockMasks masks_;
  const BlockMasks& block_masks(const char* at) {
    const char* const block = at - (reinterpret_cast<uintptr_t>(at) & 63);
    if (block != masks_.block) make_block_masks(block);
    return masks_;
  }
  void make_block_masks(const char* block);

  // Streaming: the rows read so far go to the sink, and the table is emptied for the next chunk.
  void deliver();
  // A lazy text cell's view, valid until the chunk is delivered.
  std::string_view text_for_chunk(std::string_view text);
  // The columns that are read and stored, and how.
  struct StoredColumn {
    uint32_t column;
    Store how;
    bool optional;
  };
  std::vector<StoredColumn> stored_;
  // The rows stored in the table so far (a streamed chunk's). Each stored column has a slot per row:
  // a streamed chunk's kChunkRows from the start, a whole table's grown by make_room; rows are stored by
  // index, then counted (row_stored).
  size_t rows_ = 0;
  void size_chunk(size_t rows);
  void make_room();
  void row_stored(uint64_t row_line);
  std::deque<std::string> chunk_texts_;  // lazy cells that are not views into the input

  // Text cells are interned a batch at a time (StringPool::intern_many overlaps the lookups' cache
  // misses); until then the value slot holds 0 and the text is a view into the input or pending_bytes_.
  static constexpr size_t kPendingTexts = 256;
  static constexpr size_t kPendingBytes = 1 << 16;

  void defer_intern(std::string_view text, size_t column, size_t row);

  void flush_interning();

  // A chunk handed over starts a new table: no row before the first.
  void forget_previous_texts() {
    for (Previous& p : previous_) p.row = kNoRow;
  }

  // Per column, the ids of the short texts met before (most texts are found there, at once).
  std::vector<ShortTextIds> short_ids_;
  // `text` where it stays valid until the batch is flushed: the input, or a copy in pending_bytes_.
  std::string_view stable_text(std::string_view text);

  struct PendingCell {
    uint32_t column;
    size_t row;
    bool same_as_previous_row;  // the text equals the column's text on the row before: no lookup
  };
  static constexpr size_t kNoRow = SIZE_MAX;
  struct Previous {
    std::string_view text;  // a view into the input (which stays mapped while rows are read)
    size_t row = kNoRow;
  };
  std::vector<Previous> previous_;  // per column

  // The stream's bytes before begin_ (the windows read before this one), and the rows' share of it.
  uint64_t consumed_ = 0;
  uint64_t share_from_ = 0, share_bytes_ = 0;
  static constexpr std::ptrdiff_t kProgressEvery = 256 << 10;
  const std::atomic<bool>* abandon_ = nullptr;
  const char* next_progress_ = nullptr;
  // Every kProgressEvery bytes: publishes the position, and false when the read is abandoned.
  bool keep_going();
  RowSink* sink_ = nullptr;
  ColumnCounter char_column_;
  bool fast_planned_ = false;
  std::vector<FastTarget> fast_targets_;
  std::vector<const char*> cell_starts_;  // fast_row: where the line's cells start, then its end + 1
  std::string fast_message_;

  const char* begin_;
  const char* p_;
  const char* end_;
  const char* line_start_;
  uint64_t line_ = 1;
  const char* term_pos_ = nullptr;
  uint64_t term_line_ = 0;
  const char* term_line_start_ = nullptr;
  const char* header_start_ = nullptr;
  const char* header_end_ = nullptr;
  bool fatal_ = false;
  bool stop_ = false;
  bool abandoned_ = false;  // stop_when's flag was set
  bool more_input_ = false;
  bool header_incomplete_ = false;
  double piece_from_ = 0, piece_share_ = 1;

  const std::string& file_;
  const TableSpec& spec_;
  const ReadOptions& options_;
  StringPool& pool_;
  ReadResult& result_;

  std::vector<CellParser> parsers_;
  std::vector<std::string> headers_;
  std::vector<std::vector<int>> targets_;  // per CSV column: the spec columns it feeds
  std::vector<InputError> row_errors_;
  std::string scratch_;
  std::FILE* rejects_ = nullptr;
  bool rejects_borrowed_ = false;  // reject_into's file: the caller's to close
  std::vector<std::string_view> pending_texts_;
  std::vector<PendingCell> pending_cells_;
  std::vector<uint32_t> pending_ids_;
  std::string pending_bytes_;
};

// The window a stream is read through (csv_read.cpp): bytes [0, size) of a buffer, refilled as the reader
// moves on, the bytes it has not read yet moved to the start first.
class Window {
 public:
  explicit Window(size_t first) : buffer_(first) {}
  // Reads from `in` until the window is full or `in` ends; false when `in` fails.
  bool fill(ByteStream& in);
  std::string_view bytes() const { return {buffer_.data(), size_}; }
  bool ended() const { return ended_; }  // `in` has no more bytes
  size_t capacity() const { return buffer_.size(); }
  // Keeps the bytes from `from` (in the window) on, moved to the start; the window doubles when they
  // fill it.
  void keep_from(const char* from);
  // Empty, for another stream.
  void clear() {
    size_ = 0;
    ended_ = false;
  }

 private:
  std::vector<char> buffer_;
  size_t size_ = 0;
  bool ended_ = false;
};

// More of `in` for `reader`, which got to the end of `window`: the bytes from its position on kept, the
// rest filled, and the reader told to go on there. `longest`: the largest the window may grow to (a
// pipe's rows must fit in it), 0 for no limit. false, with the error in `result`, when `in` fails or
// a row would need a larger window.
bool refill(Reader& reader, Window& window, ByteStream& in, size_t longest, const std::string& name, ReadResult& result);
// The rows from where `reader` stands in `window` to the end of `in` (or until the reader stops); false
// when a refill failed (the error in `result`).
bool read_rows_through(Reader& reader, Window& window, ByteStream& in, size_t longest, const std::string& name,
                       ReadResult& result);
// `in` failed: its error (a device or connection that failed: exit 2; bytes that are not what they claim,
// a corrupt archive or a file cut short while it is read: an error in the inputs) is the read's.
void stream_error(const ByteStream& in, const std::string& name, ReadResult& result);

// The N-thread read of a streamed source (csv_pieces.cpp). A cut: where a piece starts (a line start, an
// offset in the source), and the line feeds before it from the rows' start (counted cuts only; 0 when
// guessed).
struct Cut {
  uint64_t at;
  uint64_t newlines;
};
// The first line start at or past `at` in [from, end) of `source` that does not follow a blank line (a
// blank line in the middle of a file is a malformed row, at its end it is not: the pieces must not
// disagree), whatever the quotes before it; nullopt when there is none. guess_split: at the middle.
std::optional<uint64_t> guess_split_at(const ByteSource& source, uint64_t from, uint64_t at, uint64_t end);
std::optional<uint64_t> guess_split(const ByteSource& source, uint64_t from, uint64_t end);
// Where the pieces after the first of `pieces` about equal shares of [from, end) start, ascending: each
// the first line start past its share's start, guessed (whatever the quotes before) or counted (outside
// every quoted cell: each share's quotes and line feeds counted, in parallel). Fewer when the shares
// have fewer line starts.
std::vector<Cut> guess_cuts(const ByteSource& source, uint64_t from, uint64_t end, size_t pieces);
std::vector<Cut> count_cuts(const ByteSource& source, uint64_t from, uint64_t end, size_t pieces);
// How an N-thread read went: every piece read into its part; one piece only (the head read every row);
// a guessed cut that was not a row start (the parts saw rows that are not the file's); or a reader
// that met a malformed row (or cuts that disagree with the rows), to be read again on one thread.
enum class Pieces { Read, One, Missed, Failed };
// The rows of `data` from where `head` (started: the header read, streaming to to.start) stands, in up
// to `pieces` pieces read by `threads` tasks on the caller's arena, each task a stretch of consecutive
// pieces at a time into a part of the stretch's own (StreamParts); `result` is head's.
Pieces read_pieces(Reader& head, Window& window, const ByteSource& source, uint64_t rows_from, const std::string& display_name,
                   const TableSpec& spec, const ReadOptions& options, const Destination& to, ReadResult& result, size_t pieces,
                   size_t threads);

// Tests and fuzzing: `data` read as a non-regular file is (a window of options.window_bytes bytes at a
// time, csv_read.cpp), into one table (`pool`) or streamed to `parts`.
ReadResult read_as_stream(std::string_view data, const std::string& display_name, const TableSpec& spec,
                          const ReadOptions& options, StringPool* pool, StreamParts* parts);

}  // namespace rebate::ledger::csv
