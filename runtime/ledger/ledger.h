// The ledger reader: CSV files read into typed columns against a schema (a TableSpec), strictly.
//
// It is independent of the compiler: the engine turns a program's ledger and table declarations into
// TableSpecs and hands them here. Format rules and the storage layout are in runtime/ledger/README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rebate::ledger {

enum class ColumnKind { Int, Decimal, Money, Percent, Bool, Text, Date, Enum };
const char* kind_name(ColumnKind kind);  // "Int", "Decimal", ...

// What to do with a Decimal/Money/Percent cell that has more decimal places than the column keeps.
// Error rejects the cell; the others round it: HalfEven (to the even neighbour on a tie), HalfUp (ties
// away from zero), Down (toward zero), Up (away from zero).
enum class ExcessDigits { Error, HalfEven, HalfUp, Down, Up };

struct ColumnSpec {
  std::string name;    // the program's name for the column (used in messages)
  std::string header;  // the CSV header to match; usually == name
  ColumnKind kind = ColumnKind::Text;
  // Decimal/Money: digits after the point kept (0..18). Percent: digits kept of the ratio (2..18), so
  // scale 6 keeps 5% as 50000 and 2.1234% as 21234.
  int scale = 0;
  std::string currency;                   // Money: the column's currency ("USD")
  std::vector<std::string> enum_members;  // Enum: the members, in declared order
  bool currency_codes = false;            // Enum: a Currency column (members: the ISO 4217 codes), named so in messages
  bool optional = false;                  // an empty cell is "no value" instead of an error
  ExcessDigits excess_digits = ExcessDigits::Error;
  // false: the header must be there, but the cells are neither parsed nor stored (the program never uses
  // the column); the column's `values` stay empty.
  bool read = true;
  // Text columns of a streaming read (stream_csv) only: false hands the cells to the sink as views
  // (Column::texts) instead of interning them, for a column whose identity matters on few lines or that
  // the sink keys by its bytes (an order id grouped by, a customer counted only on some lines). Whole
  // reads always intern.
  bool intern = true;
};

struct TableSpec {
  std::string name;
  std::vector<ColumnSpec> columns;
};

// Interns text values for every table of a run. Id 0 is the empty string. Ids are dense and stable;
// the views returned by text() stay valid for the pool's lifetime. Not thread-safe.
class StringPool {
 public:
  StringPool();
  // An overlay on `base`, for one thread of a parallel read: the base's texts keep their ids, new texts
  // get ids from base->size() on. The base must not change while the overlay is in use (reading it
  // from several overlays at once is safe). Texts of several overlays are brought together by interning
  // them into the base afterwards (ids of the first overlay absorbed that way stay the same).
  explicit StringPool(const StringPool* base);
  ~StringPool();
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  uint32_t intern(std::string_view s);
  // The hash intern() uses for a text (also for engines that key texts by their bytes).
  static uint64_t hash(std::string_view s);
  // Interns n strings (out[i] = the id of in[i]). Faster than n calls to intern(): the lookups' memory
  // accesses overlap, which matters once the pool outgrows the caches.
  void intern_many(const std::string_view* in, size_t n, uint32_t* out);
  // The id of `s` if it was interned, or UINT32_MAX.
  uint32_t find(std::string_view s) const;
  std::string_view text(uint32_t id) const;
  size_t size() const { return base_size_ + offsets_.size(); }
  // The first id this pool assigns itself (0, or the base's size for an overlay).
  uint32_t first_own_id() const { return base_size_; }
  // Takes over the texts of an overlay on this pool, with their ids, without copying them. This pool must
  // not have changed since the overlay was made; the overlay is empty afterwards and must not be used.
  void absorb(StringPool&& overlay);

 private:
  struct Memory;  // a zeroed, huge-page-advised anonymous mapping
  uint32_t intern_hashed(std::string_view s, uint64_t h);
  uint32_t find_hashed(std::string_view s, uint64_t h) const;
  size_t slot_index(uint64_t h) const { return static_cast<size_t>(h >> (64 - bits_)); }
  void grow();
  void insert_slots(const uint64_t* slots, unsigned bits, size_t shift);
  const char* store(std::string_view s, uint32_t id);
  const uint64_t* entry_at(uint32_t offset) const;

  // Each interned string lives in an arena entry [size:4][id:4][bytes, padded to 8]. A slot of the
  // open-addressing table (linear probing, indexed by the hash's top bits) is (hash's top 32 bits << 32)
  // | (the entry's offset in 8-byte words + 1), 0 = free: a lookup touches the table once and the arena
  // once, and growing the table needs only the slots.
  uint64_t* slots_ = nullptr;
  unsigned bits_ = 0;  // the table has 1 << bits_ slots
  std::unique_ptr<Memory> table_;                // holds slots_
  std::vector<std::unique_ptr<Memory>> memory_;  // the arena's allocations
  std::vector<uint32_t> offsets_;        // by id: the arena offset of the string's entry
  std::vector<uint64_t*> chunks_;        // arena chunk k covers offsets [k << kChunkBits, (k+1) << kChunkBits)
  size_t used_ = 0;                      // words used in the current chunk
  size_t chunk_words_ = 0;               // words in the current allocation
  uint32_t entry_offset_ = 0;            // offset of the entry store() wrote last
  const StringPool* base_ = nullptr;     // an overlay's base
  uint32_t base_size_ = 0;               // ids below this are the base's; offsets_[k] is id base_size_ + k
};

// One column's values, one int64 per row:
//   Int as is; Decimal/Money scaled by 10^scale (1049.35 at scale 4 = 10493500); Percent as a ratio
//   scaled by 10^scale (5% at scale 6 = 50000); Bool 0/1; Text a StringPool id; Date a DayNumber;
//   Enum the member's index. An absent value (empty cell in an optional column) is stored as 0.
struct Column {
  ColumnSpec spec;
  std::vector<int64_t> values;
  std::vector<uint8_t> present;  // optional columns only: 1 = the row has a value; empty otherwise
  // A streamed chunk's Text column with spec.intern false: the cells' text (values hold 0), valid only
  // while the sink's rows() runs. Empty otherwise.
  std::vector<std::string_view> texts;
  bool has_value(size_t row) const { return present.empty() || present[row] != 0; }
  bool lazy_text() const { return spec.kind == ColumnKind::Text && !spec.intern; }
};

class ByteSource;  // byte_source.h

// The line on which a piece of an N-thread read (after the first) starts. Its thread starts reading at
// once, at a guessed row start, without the number: counting the line ends before it first would hold it
// back. The thread of the piece before says how many line ends that piece has once it has read it (the
// first piece's: its last line); anything that needs the number earlier (an error message about a row of
// the piece) has the line ends of the piece before counted in its bytes. Thread-safe.
class LineOrigin {
 public:
  // [from, to) of `source`: the piece before's rows, from the start of line `from_line`.
  LineOrigin(const ByteSource& source, uint64_t from, uint64_t to, uint64_t from_line)
      : source_(source), from_(from), to_(to), from_line_(from_line) {}
  // [from, to) of `source`: the piece before's rows, from the start of the line `before` gives.
  LineOrigin(const ByteSource& source, uint64_t from, uint64_t to, const LineOrigin* before)
      : source_(source), from_(from), to_(to), before_(before) {}
  uint64_t line() const;
  void set(uint64_t line);
  // The piece before has `newlines` line feeds (its reader has read them all).
  void set_newlines(uint64_t newlines);

 private:
  const ByteSource& source_;
  uint64_t from_, to_;
  uint64_t from_line_ = 0;
  const LineOrigin* before_ = nullptr;
  mutable std::mutex mutex_;
  mutable std::optional<uint64_t> line_;
  std::optional<uint64_t> newlines_;
};

struct Table {
  std::string name;
  std::vector<Column> columns;  // in the spec's order
  // Per row: the 1-based physical line where the row starts; counted from `origin`'s line (the first
  // row 0) when there is one: the streamed chunks of a later piece of an N-thread read.
  std::vector<uint64_t> lines;
  const LineOrigin* origin = nullptr;
  // A streamed chunk: how much of its reader's share of the file has been read once the chunk's rows are
  // (0 to 1, by bytes), so that a sink can size what grows with the rows ahead of time. 0 when the size
  // is not known (a pipe or other non-regular file).
  double progress = 0;
  // Where the rows come from, as errors name it: the file (one of a ledger's many files), `<stdin>`, a
  // database table. Set by the reader.
  std::string source;
  // With ReadOptions::keep_raw_rows, a streamed chunk's rows as they are in the file, each with its line
  // end (valid while the sink's rows() runs), and the header line likewise (kept for good): for the
  // files of rejected rows, which hold the original bytes.
  std::vector<std::string_view> raw;
  std::string header_line;
  // By spec column: its position among the file's columns (0-based; UINT32_MAX when not read), and the
  // header it was read from as the file spells it, for messages that name both (`partner_id`, read
  // from "Sold-To Partner") and point at the cell (field_position).
  std::vector<uint32_t> csv_columns;
  std::vector<std::string> csv_headers;
  uint64_t line(size_t row) const { return origin ? origin->line() + lines[row] : lines[row]; }
  size_t row_count() const { return lines.size(); }
  const Column* column(std::string_view column_name) const;  // by spec name, or nullptr
};

struct InputError {
  std::string file;
  uint64_t line = 0;    // 1-based physical line; 0 when the problem is the file itself
  uint32_t column = 0;  // 1-based character column of the field's start; 0 when not about a field
  std::string column_name;  // the spec column's name (or the CSV header for an unread column)
  std::string message;
  // A database's rows are named by their number in the query's result and their key (ReadOptions::
  // number_rows), not by the lines of the CSV they are copied out as: "erp.invoice_lines: row 12 (`id` 4711): ...".
  uint64_t row = 0;
  std::string key;
  // "sales.csv:12:5: column `amount`: `12.3.4` is not a decimal; ..."
  std::string to_string() const;
};

// A streamed file is cut into pieces of at least this many bytes, and into at most kPiecesPerThread
// pieces per reading thread: enough for a thread that is done to take over half of another's work
// where a core is slower or the file's rows cost more in places, few enough that a piece's reader
// costs nothing beside its rows.
constexpr size_t kMinPieceBytes = 4u << 20;
constexpr size_t kPiecesPerThread = 16;

struct ReadOptions {
  size_t max_errors = 1;  // keep this many errors (0: no limit); later ones are counted in errors_not_shown
  bool count_all_errors = true;  // false: stop reading at the first error beyond max_errors
  bool reject_bad_rows = false;  // skip malformed rows (counted, reported in `rejected`) instead of failing
  std::string rejects_path;      // with reject_bad_rows: write rejected rows here (empty: don't write)
  size_t max_rejects_reported = 100;  // how many rejected rows keep their InputError in `rejected`
  // Threads reading a streamed ledger at once (StreamParts::threads() at most; 0: that many). A mapped
  // file is cut into pieces (several per thread, none smaller than kMinPieceBytes), which the threads
  // claim as they go (csv_pieces.cpp); 1: one piece. With reject_bad_rows the cuts are counted
  // (exact_split) and the rejects file is written in the file's order all the same.
  unsigned threads = 0;
  // Tests: pieces this small (0: kMinPieceBytes), so that a small file is cut into many and the threads
  // claim them, and take over each other's stretches, as on a large one.
  size_t piece_bytes = 0;
  // An N-thread read starts each piece's thread at the first row start past its share's start, trusting
  // that it is not inside a quoted cell, and the thread before checks it when it gets there.
  // true: the starts are found exactly first (every share's quotes and line ends counted, in parallel),
  // which a streaming read whose guess was wrong must be run again with (ReadResult::split_missed).
  bool exact_split = false;
  // Streamed reads only: keep each row's bytes in the chunk (Table::raw) for a sink that may reject it.
  bool keep_raw_rows = false;
  // Tests: the window an input is read through at first, in bytes (0: 8 MiB for a non-regular file (a
  // pipe, a FIFO, a device), 1 MiB for a regular file or a buffer). A row or header of a non-regular file
  // may be up to eight times that long (64 MiB by default); one of a regular file, any length (its window
  // grows to hold it).
  size_t window_bytes = 0;
  // One of a ledger's many files: its header must be `same_header` (the first file's cells), named
  // `same_header_file` in the error; and its chunks' progress counts from `progress_from`, the file being
  // `progress_share` of the ledger (by bytes).
  std::vector<std::string> same_header;
  std::string same_header_file;
  // A database's rows (postgres_source.cpp): errors name a row by its number and, when key_headers (CSV
  // headers) are given, by those cells, rather than by line and column.
  bool number_rows = false;
  std::vector<std::string> key_headers;
  bool rejects_append = false;  // add to rejects_path (a later file of a ledger in many files): no header
  bool rejects_name_file = false;  // a ledger of many files: the rejects file has a `_file` column
  double progress_from = 0;
  double progress_share = 1;
};

// A rejected row as written to a rejects file: its bytes as read (`raw`, with its line end if it has
// one), then the added columns `_line` and `_error`, then its own line end (`line_end` when it has none:
// the file's last line). The header gets `,_line,_error` the same way. A ledger of many files names the
// row's file too: `file` given, a `_file` column before `_line` (the header: `with_file`).
std::string rejected_row(std::string_view raw, uint64_t line, std::string_view reason, std::string_view line_end,
                         std::string_view file = {});
// Where field `field` (0-based) of a raw row starts: the physical lines past the row's first (a quoted
// cell before it may hold line breaks) and the 1-based character column on that line, as the reader's
// errors count them (UTF-8 characters). nullopt when the row has fewer fields.
struct FieldPosition {
  uint64_t lines_down = 0;
  uint32_t column = 1;
};
std::optional<FieldPosition> field_position(std::string_view raw, size_t field);
std::string rejects_header(std::string_view header_line, bool with_file = false);

struct ReadResult {
  Table table;
  // Errors that fail the read. A malformed row is one unless reject_bad_rows is set.
  std::vector<InputError> errors;
  uint64_t errors_not_shown = 0;  // errors beyond max_errors: counted, not kept
  // Information that does not fail the read (e.g. a header matched ignoring case and spaces).
  std::vector<InputError> notes;
  // With reject_bad_rows: the first max_rejects_reported rejected rows' errors (one per row; the
  // message joins the row's problems with "; ").
  std::vector<InputError> rejected;
  std::vector<std::string> header;  // the header's cells, as the file has them
  uint64_t rows_read = 0;      // data rows seen (accepted + rejected)
  uint64_t rows_rejected = 0;  // rows skipped with reject_bad_rows
  // An N-thread streaming read one of whose pieces started inside a quoted cell (see exact_split):
  // the later parts' sinks saw rows that are not the file's, and the readers stopped. What
  // the sinks computed must be thrown away, and the file read again with exact_split; when the read
  // had exact_split already (a malformed file with stray quotes, read rejecting bad rows), in one piece
  // (threads = 1).
  bool split_missed = false;
  // The file could not be opened or read, or the rejects file could not be written: an I/O problem
  // (the CLI's exit 2), not a malformed input.
  bool io_failed = false;
  bool ok() const { return errors.empty() && errors_not_shown == 0; }
};

// What an input names (`--input sales=...`): one file; many files, from a glob (`exports/2026-*.csv`) or a
// directory (every `.csv`, `.csv.gz` and `.csv.zst` in it), read as one ledger in the order of their
// paths (bytes compared), whatever order they were listed or found in; standard input (`-`); a
// PostgreSQL table or query (`postgresql://...?table=...`). A file is gzip or zstd compressed when its
// first bytes say so. `error`: a glob that matches nothing, an empty directory, ... (a usage problem).
struct InputFiles {
  enum class Kind { File, Files, StandardInput, Database };
  Kind kind = Kind::File;
  std::vector<std::string> files;  // File: the path; Files: the files, sorted
  std::string error;
  std::vector<std::string> notes;  // a directory's entries left out (neither .csv, .csv.gz nor .csv.zst)
};
InputFiles resolve_input(const std::string& input);
bool is_database_uri(std::string_view input);

// Receives a ledger's rows a chunk at a time as a streaming read parses them: a streaming read holds no
// more than one chunk of rows in memory, whatever the size of the file.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // The next rows, in file order (at most kChunkRows; each column's values and the rows' lines), their
  // text cells interned in the part's pool. Valid only during the call.
  virtual void rows(const Table& chunk) = 0;
};
constexpr size_t kChunkRows = 4096;

// One part of a streaming read: where its rows go, and the pool their texts are interned in.
struct StreamPart {
  RowSink* sink = nullptr;
  StringPool* pool = nullptr;
};

// The parts a streaming read hands its rows to, asked for as the read needs them. A ledger cut into
// pieces is read by up to threads() threads at once; each reads a stretch of consecutive pieces in
// order, then takes over the second half of what is left of the longest other stretch (csv_pieces.cpp),
// so a slow core or a costly region of the file leaves no thread idle. Each stretch's rows go to a part
// of its own, in file order: part(at) is asked for once per stretch, from the thread that reads it, `at`
// being where the stretch starts in the ledger (0 for its first row, larger for later rows, also across
// a ledger's files). The caller keeps the parts in the order of `at`: that is the ledger's order.
class StreamParts {
 public:
  virtual ~StreamParts() = default;
  virtual size_t threads() const = 0;
  // Called from the reading threads, at the same time.
  virtual StreamPart part(uint64_t at) = 0;
};

// Every row to one part, read by one thread (the caller's).
class OnePart : public StreamParts {
 public:
  explicit OnePart(StreamPart part) : part_(part) {}
  size_t threads() const override { return 1; }
  StreamPart part(uint64_t) override { return part_; }

 private:
  StreamPart part_;
};

// Reads a CSV file as read_csv does, but hands its rows to the parts' sinks a chunk at a time instead of
// keeping them: the result's table has the columns and no rows. A mapped file is cut into pieces read
// by the parts' threads (csv_pieces.cpp), and many files are shared out in the files' order; a
// non-regular file is read by one thread into part(0) (see read_csv). When the read fails the sinks may
// have seen some rows: what they computed must be thrown away. The errors are exactly those of a
// one-thread read.
ReadResult stream_csv(const std::string& path, const TableSpec& spec, const ReadOptions& options, StreamParts& parts);
ReadResult stream_csv_buffer(std::string_view data, const std::string& display_name, const TableSpec& spec,
                             const ReadOptions& options, StreamParts& parts);

// Reads an input (see resolve_input: a file, a glob or directory of files, `-`, a PostgreSQL URI) as one
// table. A regular uncompressed file is memory-mapped. An unreadable file is an error with line 0.
// A file that is not a regular file (a pipe, a FIFO, /dev/stdin, a character device) is read as a stream, a
// buffer at a time, in bounded memory, with the same rows, lines and errors as the same bytes in a
// regular file; but each row (and the header) must fit in 64 MiB, and it is read on one thread.
ReadResult read_csv(const std::string& path, const TableSpec& spec, const ReadOptions& options, StringPool& pool);
// Reads CSV text held in memory; `display_name` stands for the file in errors.
ReadResult read_csv_buffer(std::string_view data, const std::string& display_name, const TableSpec& spec,
                           const ReadOptions& options, StringPool& pool);

// A CSV cell as RFC 4180 writes it: quoted (with doubled quotes) when it holds a comma, quote or line break.
std::string csv_quote(std::string_view s);

// A stored Decimal/Money/Percent value written back at its scale: (-5000, 4) -> "-0.5000".
std::string format_scaled(int64_t value, int scale);
// A cell's value as text, for explanations and tests ("1049.3500", "2026-07-01", "gold", "true"); for
// Percent the percentage ("5.0000%" at scale 6); "" when absent. A lazy text column's cell is its view.
std::string format_cell(const Column& column, size_t row, const StringPool& pool);

}  // namespace rebate::ledger
