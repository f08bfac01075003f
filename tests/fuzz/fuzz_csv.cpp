// libFuzzer target for the ledger CSV reader (runtime/ledger), differential: one input is read four ways,
// which must agree exactly, and compared with two reads of related inputs. See docs/fuzzing.md.
//
// Input layout:
//   byte 0: which TableSpec (make_specs below) the CSV is read against;
//   byte 1: options: bit 0 max_errors 1 or 5; bit 1 reject_bad_rows; bit 2 count_all_errors = false;
//           bits 3 to 6 all set: the data lines are repeated until the file has more than 2 * kChunkRows
//           lines (or 96 KiB), so that streaming chunks and interning batches fill up (such an input
//           takes 100-300 ms under the sanitizers, hence 1 in 16);
//   as text: '0'..'7' pick the spec, then '@' plain options, 'A' max_errors 5, 'B' reject_bad_rows, 'D'
//   count_all_errors off, 'x' repeat ('y' and 'z' with max_errors 5, with reject_bad_rows);
//   the rest: the CSV text.
//
// The four reads: read_csv_buffer on one thread and on two (threads = 2 forces the split whatever the
// size), stream_csv_buffer with one part on one thread, and on two threads with pieces of 16 bytes (many
// pieces, claimed as the threads go, a part per stretch, each part an overlay StringPool on a common
// base, as the engine's scan does); and the two streamed reads again with
// every text column left uninterned (ColumnSpec::intern false: the cells handed over as views); the first
// two-part read guesses its split (read again with an exact one when the guess missed, as the engine
// does), the second counts it (ReadOptions::exact_split). They must report the same ok(),
// errors, notes, rejected rows, errors_not_shown, rows_read and rows_rejected; when the read is ok, the
// same rows (every cell as text) on the same lines, the two parts' rows concatenated in part order. Each
// table or chunk is also checked for shape (a value per row in every read column, `present` exactly for
// optional columns, lines increasing). After the two-part read the parts' pools are merged into the base
// as the engine merges them (absorb the first, intern the second's texts) and every text id is checked.
// With reject_bad_rows (and count_all_errors) the read is compared with a plain read as well: it fails
// exactly when the plain read fails or rows were rejected, and has the plain read's rows when it is ok.
// When the text has no quote and no lone carriage return, it is read once more with every data cell
// quoted: quoted rows never take the reader's fast path (Reader::fast_row), so this compares the fast path
// with the general one (same rows, lines and errors but for their character columns). These two extra
// reads are row by row, so a repeated input skips them.
//
// A disagreement prints both outcomes to stderr and traps, so libFuzzer saves the input as a crash.
// FUZZ_CSV_VERBOSE=1 prints what the one-thread read gave for every input (to look at a corpus file).
#include <cstddef>
#include <memory>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ledger/csv_reader.h"
#include "ledger/ledger.h"
#include "ledger/test_parts.h"

using namespace rebate::ledger;

namespace {

[[noreturn]] void fail(const char* file, int line, const char* what, const std::string& detail) {
  std::fprintf(stderr, "\nfuzz_csv: check failed at %s:%d: %s\n%s\n", file, line, what, detail.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

#define FUZZ_CHECK(cond, detail)                                     \
  do {                                                               \
    if (!(cond)) fail(__FILE__, __LINE__, #cond, (detail));          \
  } while (0)

// ---- the specs -----------------------------------------------------------------------------------

ColumnSpec col(std::string name, ColumnKind kind, int scale = 0, bool optional = false, std::string header = {}) {
  ColumnSpec c;
  c.header = header.empty() ? name : std::move(header);
  c.name = std::move(name);
  c.kind = kind;
  c.scale = scale;
  c.optional = optional;
  if (kind == ColumnKind::Money) c.currency = "USD";
  if (kind == ColumnKind::Enum) c.enum_members = {"bronze", "silver", "gold"};
  return c;
}

ColumnSpec with(ColumnSpec c, ExcessDigits mode) {
  c.excess_digits = mode;
  return c;
}

ColumnSpec unread(ColumnSpec c) {
  c.read = false;
  return c;
}

ColumnSpec currency(ColumnSpec c, std::string code) {
  c.currency = std::move(code);
  return c;
}

std::vector<TableSpec> make_specs() {
  using K = ColumnKind;
  using E = ExcessDigits;
  std::vector<TableSpec> s;
  // 0: one text column: CSV structure (quotes, line ends, blank lines in a one-column file).
  s.push_back({"one", {col("t", K::Text)}});
  // 1: a small sales ledger.
  s.push_back({"sales",
               {col("day", K::Date), col("partner", K::Text), col("amount", K::Money, 4), col("qty", K::Int)}});
  // 2: every kind, required.
  s.push_back({"kinds",
               {col("id", K::Int), col("d2", K::Decimal, 2), with(col("d4", K::Decimal, 4), E::Down),
                col("pct", K::Percent, 6), col("ok", K::Bool), col("tier", K::Enum), col("day", K::Date),
                col("note", K::Text)}});
  // 3: every kind, optional.
  s.push_back({"optional",
               {col("id", K::Int, 0, true), currency(with(col("amt", K::Money, 2, true), E::HalfUp), "EUR"),
                col("note", K::Text, 0, true), col("day", K::Date, 0, true), col("tier", K::Enum, 0, true),
                col("ok", K::Bool, 0, true), col("pct", K::Percent, 2, true), col("d4", K::Decimal, 4, true)}});
  // 4: unread columns, headers that differ from the names, one CSV column feeding two spec columns.
  s.push_back({"renamed",
               {unread(col("skip", K::Text)), unread(col("x", K::Int, 0, false, "X")),
                with(col("amount", K::Money, 2, false, "Net Amount"), E::Up),
                col("partner", K::Text, 0, false, "Partner ID"), col("when", K::Date, 0, false, "day"),
                col("when_text", K::Text, 0, false, "day"), unread(col("pct", K::Percent, 4, true))}});
  // 5: rounding modes.
  s.push_back({"rounding",
               {with(col("m0", K::Money, 0), E::Up), with(col("m2", K::Money, 2), E::Down),
                with(col("m4", K::Money, 4), E::HalfEven), with(col("m2u", K::Money, 2), E::HalfUp),
                with(col("d2", K::Decimal, 2), E::HalfEven), with(col("p4", K::Percent, 4, true), E::HalfUp),
                col("m2e", K::Money, 2)}});
  // 6: two text columns, one optional and renamed: structure again, with more than one column.
  s.push_back({"texts", {col("a", K::Text), col("b", K::Text, 0, true, "B col"), unread(col("c", K::Int))}});
  // 7: texts and an enum, for interning across rows (same text on consecutive rows) and the pools.
  s.push_back({"pool", {col("k", K::Enum, 0, true), col("t", K::Text), col("u", K::Text, 0, true)}});
  return s;
}

const std::vector<TableSpec>& specs() {
  static const std::vector<TableSpec> s = make_specs();
  return s;
}

// Texts already in the base pool (and in the one-thread read's pool) before reading, so that overlays
// find some texts in their base.
const char* const kSeedTexts[] = {"P1", "P2", "gold", "a", "x", "Acme, Inc.", "2026-07-01"};

// ---- what a read gave ------------------------------------------------------------------------------

struct Outcome {
  const char* how = "";
  bool ok = false;
  std::vector<std::string> errors, notes, rejected;
  std::vector<std::string> errors_nocol, rejected_nocol;  // file:line: column `name`: message (no character column)
  uint64_t errors_not_shown = 0, rows_read = 0, rows_rejected = 0;
  std::vector<std::vector<std::string>> rows;  // read columns only; "-" absent, "=" + text present
  std::vector<uint64_t> lines;
};

std::string show(const Outcome& o, size_t max_rows = 20) {
  std::string s = std::string(o.how) + ": ok=" + (o.ok ? "1" : "0") + " rows_read=" + std::to_string(o.rows_read) +
                  " rows_rejected=" + std::to_string(o.rows_rejected) +
                  " errors_not_shown=" + std::to_string(o.errors_not_shown) + " rows=" + std::to_string(o.rows.size()) +
                  "\n";
  for (const auto& e : o.errors) s += "  error: " + e + "\n";
  for (const auto& e : o.notes) s += "  note: " + e + "\n";
  for (const auto& e : o.rejected) s += "  rejected: " + e + "\n";
  for (size_t i = 0; i < o.rows.size() && i < max_rows; ++i) {
    s += "  line " + (i < o.lines.size() ? std::to_string(o.lines[i]) : std::string("?")) + ":";
    for (const auto& c : o.rows[i]) s += " [" + c + "]";
    s += "\n";
  }
  if (o.rows.size() > max_rows) s += "  ...\n";
  return s;
}

std::vector<std::string> strings(const std::vector<InputError>& v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& e : v) out.push_back(e.to_string());
  return out;
}

// Without the character column of the cell, and without the character position inside the cell of an
// invalid UTF-8 byte (counted from the opening quote of a quoted cell): what quoting a cell changes.
std::vector<std::string> strings_without_column(const std::vector<InputError>& v) {
  static const std::string kAt = " at character ";
  std::vector<std::string> out;
  out.reserve(v.size());
  for (InputError e : v) {
    e.column = 0;
    for (size_t i = e.message.find(kAt); i != std::string::npos; i = e.message.find(kAt, i + 1)) {
      size_t d = i + kAt.size(), k = d;
      while (k < e.message.size() && e.message[k] >= '0' && e.message[k] <= '9') ++k;
      e.message.replace(d, k - d, "#");
    }
    out.push_back(e.to_string());
  }
  return out;
}

// Everything of a result but its rows.
void take_status(Outcome& o, const ReadResult& r) {
  o.ok = r.ok();
  o.errors = strings(r.errors);
  o.notes = strings(r.notes);
  o.rejected = strings(r.rejected);
  o.errors_nocol = strings_without_column(r.errors);
  o.rejected_nocol = strings_without_column(r.rejected);
  o.errors_not_shown = r.errors_not_shown;
  o.rows_read = r.rows_read;
  o.rows_rejected = r.rows_rejected;
}

// A table (a whole read's or a chunk's) has the spec's columns, one value per row in each read column,
// `present` exactly for optional read columns, valid enum indexes and text ids, increasing lines.
void check_shape(const Table& t, const TableSpec& spec, const StringPool& pool, const char* how) {
  const std::string where = std::string(how) + ", table `" + spec.name + "`";
  FUZZ_CHECK(t.columns.size() == spec.columns.size(), where);
  const size_t n = t.row_count();
  for (size_t j = 0; j < t.columns.size(); ++j) {
    const Column& c = t.columns[j];
    const std::string at = where + ", column `" + spec.columns[j].name + "`";
    FUZZ_CHECK(c.spec.name == spec.columns[j].name, at);
    if (!c.spec.read) {
      FUZZ_CHECK(c.values.empty() && c.present.empty(), at);
      continue;
    }
    FUZZ_CHECK(c.values.size() == n,
               at + ": values " + std::to_string(c.values.size()) + ", rows " + std::to_string(n));
    if (c.spec.optional) {
      FUZZ_CHECK(c.present.size() == n,
                 at + ": present " + std::to_string(c.present.size()) + ", rows " + std::to_string(n));
    } else {
      FUZZ_CHECK(c.present.empty(), at);
    }
    if (c.lazy_text()) {  // a streamed text column left uninterned: its cells are views, its values 0
      FUZZ_CHECK(c.texts.size() == n, at + ": texts " + std::to_string(c.texts.size()) + ", rows " + std::to_string(n));
      for (size_t row = 0; row < n; ++row) {
        FUZZ_CHECK(c.values[row] == 0, at + ": a lazy text's value is not 0");
        if (!c.has_value(row)) FUZZ_CHECK(c.texts[row].empty(), at + ": an absent lazy text is not empty");
      }
      continue;
    }
    FUZZ_CHECK(c.texts.empty(), at + ": texts in an interned column");
    for (size_t row = 0; row < n; ++row) {
      const int64_t v = c.values[row];
      if (!c.present.empty()) {
        FUZZ_CHECK(c.present[row] <= 1, at);
        if (!c.present[row]) FUZZ_CHECK(v == 0, at + ": an absent value is not 0");
      }
      if (!c.has_value(row)) continue;
      if (c.spec.kind == ColumnKind::Enum)
        FUZZ_CHECK(v >= 0 && static_cast<size_t>(v) < c.spec.enum_members.size(), at);
      if (c.spec.kind == ColumnKind::Bool) FUZZ_CHECK(v == 0 || v == 1, at);
      if (c.spec.kind == ColumnKind::Text) {
        FUZZ_CHECK(v > 0 && static_cast<size_t>(v) < pool.size(), at + ": text id " + std::to_string(v));
      }
    }
  }
  for (size_t row = 0; row < n; ++row) {
    FUZZ_CHECK(t.line(row) >= 2, where + ": a row on line " + std::to_string(t.line(row)));
    if (row > 0) FUZZ_CHECK(t.lines[row] > t.lines[row - 1], where + ": lines not increasing");
  }
}

std::vector<std::string> row_text(const Table& t, size_t row, const StringPool& pool) {
  std::vector<std::string> cells;
  for (const Column& c : t.columns) {
    if (!c.spec.read) continue;
    cells.push_back(c.has_value(row) ? "=" + format_cell(c, row, pool) : std::string("-"));
  }
  return cells;
}

void take_rows(Outcome& o, const Table& t, const StringPool& pool) {
  for (size_t row = 0; row < t.row_count(); ++row) {
    o.rows.push_back(row_text(t, row, pool));
    o.lines.push_back(t.line(row));
  }
}

// A failed read keeps no rows; a streaming read keeps none ever (they went to the sinks).
void check_empty(const ReadResult& r, const TableSpec& spec, const char* how) {
  FUZZ_CHECK(r.table.columns.size() == spec.columns.size() || (!r.ok() && r.table.columns.empty()),
             std::string(how) + ": the result has " + std::to_string(r.table.columns.size()) + " columns");
  FUZZ_CHECK(r.table.lines.empty(), std::string(how) + ": rows left in the result's table");
  for (const Column& c : r.table.columns) FUZZ_CHECK(c.values.empty() && c.present.empty(), how);
}

// Records every row a streaming part is given, and its text cells' ids in the part's pool.
class RecordingSink : public RowSink {
 public:
  RecordingSink(const TableSpec& spec, const StringPool& pool, const char* how) : spec_(spec), pool_(pool), how_(how) {}

  void rows(const Table& chunk) override {
    FUZZ_CHECK(chunk.row_count() > 0 && chunk.row_count() <= kChunkRows,
               std::string(how_) + ": a chunk of " + std::to_string(chunk.row_count()) + " rows");
    check_shape(chunk, spec_, pool_, how_);
    if (!lines.empty()) FUZZ_CHECK(chunk.line(0) > lines.back(), std::string(how_) + ": chunk lines go back");
    for (size_t row = 0; row < chunk.row_count(); ++row) {
      rows_.push_back(row_text(chunk, row, pool_));
      lines.push_back(chunk.line(row));
      for (const Column& c : chunk.columns) {
        if (c.spec.read && c.spec.kind == ColumnKind::Text && !c.lazy_text() && c.has_value(row)) {
          const auto id = static_cast<uint32_t>(c.values[row]);
          texts.emplace_back(id, std::string(pool_.text(id)));
        }
      }
    }
    ++chunks;
  }

  std::vector<std::vector<std::string>> rows_;
  std::vector<uint64_t> lines;
  std::vector<std::pair<uint32_t, std::string>> texts;  // (id in the part's pool, text)
  size_t chunks = 0;

 private:
  const TableSpec& spec_;
  const StringPool& pool_;
  const char* how_;
};

void seed(StringPool& pool) {
  for (const char* s : kSeedTexts) pool.intern(s);
}

const std::string kFile = "fuzz.csv";

Outcome read_whole(std::string_view csv, const TableSpec& spec, ReadOptions options, unsigned threads, bool seeded,
                   const char* how) {
  options.threads = threads;
  StringPool pool;
  if (seeded) seed(pool);
  ReadResult r = read_csv_buffer(csv, kFile, spec, options, pool);
  Outcome o;
  o.how = how;
  take_status(o, r);
  if (r.ok()) {
    check_shape(r.table, spec, pool, how);
    take_rows(o, r.table, pool);
  } else {
    check_empty(r, spec, how);
  }
  return o;
}

Outcome read_streamed_one(std::string_view csv, const TableSpec& spec, ReadOptions options, const StringPool& base) {
  const char* how = "stream_csv_buffer, one part";
  options.threads = 1;
  StringPool pool(&base);
  RecordingSink sink(spec, pool, how);
  OnePart part(StreamPart{&sink, &pool});
  ReadResult r = stream_csv_buffer(csv, kFile, spec, options, part);
  Outcome o;
  o.how = how;
  take_status(o, r);
  check_empty(r, spec, how);
  if (r.ok()) {
    o.rows = std::move(sink.rows_);
    o.lines = std::move(sink.lines);
  }
  return o;
}

// Two threads and pieces of 16 bytes (ReadOptions::piece_bytes), so that even a small file is cut into
// many pieces, claimed by the threads as they go and taken over from one another: a part per stretch,
// each with an overlay on `base`. When the read is ok, the parts (in the file's order) give the
// one-thread read's rows, and their texts are merged into `base` the way the engine does
// (engine/merge.cpp: absorb the first part, intern the others' texts). A guessed split that missed (only
// possible with a quote in the file) is read again with an exact split, and one that misses all the same
// (stray quotes in a read that rejects rows) in one piece, as the engine does.
Outcome read_streamed_pieces(std::string_view csv, const TableSpec& spec, ReadOptions options, StringPool& base) {
  const char* how = "stream_csv_buffer, two threads, pieces of 16 bytes, windows of 24";
  options.threads = 2;
  options.piece_bytes = 16;
  options.window_bytes = 24;  // a piece's rows read through a window refilled (and grown) within them
  auto make = [&](StringPool& pool) { return std::make_unique<RecordingSink>(spec, pool, how); };
  // The overlays leave `base` as it is until the merge: a missed read's pools and sinks are dropped.
  auto parts = std::make_unique<TestParts<RecordingSink>>(2, &base, make);
  ReadResult r = stream_csv_buffer(csv, kFile, spec, options, *parts);
  if (r.split_missed) {
    // (A guess misses only inside a quoted cell, or where a piece's reader stopped counting errors before
    // its end: count_all_errors off.)
    FUZZ_CHECK(csv.find('"') != std::string_view::npos || !options.count_all_errors, "a guessed split missed in a file without quotes");
    options.exact_split = true;
    parts = std::make_unique<TestParts<RecordingSink>>(2, &base, make);
    r = stream_csv_buffer(csv, kFile, spec, options, *parts);
  }
  if (r.split_missed) {
    // Counted cuts that are not row starts: a file with stray quotes, read rejecting bad rows. The engine
    // reads it again in one piece (engine/run.cpp).
    FUZZ_CHECK(options.reject_bad_rows, "an exact split missed in a read that does not reject rows");
    options.threads = 1;
    parts = std::make_unique<TestParts<RecordingSink>>(1, &base, make);
    r = stream_csv_buffer(csv, kFile, spec, options, *parts);
    FUZZ_CHECK(!r.split_missed, "a read in one piece missed a split");
  }
  Outcome o;
  o.how = how;
  take_status(o, r);
  check_empty(r, spec, how);
  if (!r.ok()) return o;
  const std::vector<RecordingSink*> sinks = parts->in_order();
  const std::vector<StringPool*> pools = parts->pools_in_order();
  for (size_t k = 0; k < sinks.size(); ++k) {
    if (k > 0 && !sinks[k - 1]->lines.empty() && !sinks[k]->lines.empty())
      FUZZ_CHECK(sinks[k]->lines.front() > sinks[k - 1]->lines.back(), "a part's rows start before the part before's end");
    o.rows.insert(o.rows.end(), sinks[k]->rows_.begin(), sinks[k]->rows_.end());
    o.lines.insert(o.lines.end(), sinks[k]->lines.begin(), sinks[k]->lines.end());
  }

  // The merge. The first part's ids stay as they are; the others' texts are interned.
  const uint32_t base_size = static_cast<uint32_t>(base.size());
  std::vector<std::vector<std::string>> own(sinks.size());  // each later part's own texts, by id - base_size
  for (size_t k = 0; k < sinks.size(); ++k) {
    const StringPool& pool = *pools[k];
    FUZZ_CHECK(pool.first_own_id() == base_size, "overlay first ids");
    if (k > 0) {
      for (size_t id = base_size; id < pool.size(); ++id) own[k].emplace_back(pool.text(static_cast<uint32_t>(id)));
    }
  }
  if (sinks.empty()) return o;
  base.absorb(std::move(*pools[0]));
  std::unordered_map<std::string, uint32_t> id_of;
  for (uint32_t id = 0; id < base.size(); ++id) {
    std::string text(base.text(id));
    FUZZ_CHECK(base.find(text) == id, "after absorb, find(text(" + std::to_string(id) + ")) is another id");
    FUZZ_CHECK(id_of.emplace(text, id).second, "after absorb, a text has two ids");
  }
  for (const auto& [id, text] : sinks[0]->texts) {
    FUZZ_CHECK(id < base.size() && base.text(id) == text, "part 1's text id " + std::to_string(id) + " changed on absorb");
  }
  for (size_t k = 1; k < sinks.size(); ++k) {
    std::vector<uint32_t> remap;
    for (const std::string& text : own[k]) {
      const uint32_t id = base.intern(text);
      auto [it, fresh] = id_of.emplace(text, id);
      FUZZ_CHECK(it->second == id, "interning a later part's text gave an id another text has");
      (void)fresh;
      remap.push_back(id);
    }
    for (const auto& [id, text] : sinks[k]->texts) {
      const uint32_t merged = id < base_size ? id : remap.at(id - base_size);
      FUZZ_CHECK(base.text(merged) == text, "a later part's text id " + std::to_string(id) + " merged wrongly");
    }
  }
  return o;
}

// The spec with every text column left uninterned (ColumnSpec::intern false), as the engine streams a
// column it only groups by or counts distinct: a streaming read hands such cells over as views.
TableSpec lazy_texts(const TableSpec& spec) {
  TableSpec lazy = spec;
  for (ColumnSpec& c : lazy.columns) {
    if (c.kind == ColumnKind::Text) c.intern = false;
  }
  return lazy;
}

// A streaming read of `spec` with lazy text columns, on one part (one thread) or two (two threads, the
// split counted exactly: the other two-part read guesses it).
Outcome read_streamed_lazy(std::string_view csv, const TableSpec& spec, ReadOptions options, const StringPool& base, size_t parts) {
  const char* how = parts == 1 ? "stream_csv_buffer, lazy texts, one part" : "stream_csv_buffer, lazy texts, two parts";
  options.threads = static_cast<unsigned>(parts);
  options.exact_split = true;
  const TableSpec lazy = lazy_texts(spec);
  auto make = [&](StringPool& pool) { return std::make_unique<RecordingSink>(lazy, pool, how); };
  auto stream = std::make_unique<TestParts<RecordingSink>>(parts, &base, make);
  ReadResult r = stream_csv_buffer(csv, kFile, lazy, options, *stream);
  if (r.split_missed) {  // stray quotes in a read that rejects rows: in one piece, as the engine does
    FUZZ_CHECK(options.reject_bad_rows, "an exact split missed in a read that does not reject rows");
    options.threads = 1;
    stream = std::make_unique<TestParts<RecordingSink>>(1, &base, make);
    r = stream_csv_buffer(csv, kFile, lazy, options, *stream);
  }
  Outcome o;
  o.how = how;
  take_status(o, r);
  check_empty(r, lazy, how);
  if (!r.ok()) return o;
  for (RecordingSink* sink : stream->in_order()) {
    o.rows.insert(o.rows.end(), sink->rows_.begin(), sink->rows_.end());
    o.lines.insert(o.lines.end(), sink->lines.begin(), sink->lines.end());
  }
  return o;
}

// Read as a non-regular file is (a pipe: csv::read_as_stream), a buffer of `buffer` bytes at a time,
// into one table or streamed with lazy texts to one part. Rows of more than eight buffers are an error
// there that a regular file does not have: `too_long` says the read ended with it.
Outcome read_as_pipe(std::string_view csv, const TableSpec& spec, ReadOptions options, const StringPool& base, size_t buffer,
                     bool streamed, bool& too_long) {
  const char* how = streamed ? "as a pipe, streamed, lazy texts" : "as a pipe, whole";
  options.window_bytes = buffer;
  const TableSpec lazy = lazy_texts(spec);
  const TableSpec& used = streamed ? lazy : spec;
  StringPool whole_pool;
  seed(whole_pool);
  StringPool part_pool(&base);
  RecordingSink sink(used, part_pool, how);
  OnePart part(StreamPart{&sink, &part_pool});
  ReadResult r = csv::read_as_stream(csv, kFile, used, options, streamed ? nullptr : &whole_pool, streamed ? &part : nullptr);
  too_long = !r.errors.empty() && r.errors.back().message.find("has not ended; a file that is not a regular file") != std::string::npos;
  Outcome o;
  o.how = how;
  take_status(o, r);
  if (streamed) {
    check_empty(r, used, how);
    if (r.ok()) {
      o.rows = std::move(sink.rows_);
      o.lines = std::move(sink.lines);
    }
  } else if (r.ok()) {
    check_shape(r.table, spec, whole_pool, how);
    take_rows(o, r.table, whole_pool);
  } else {
    check_empty(r, spec, how);
  }
  return o;
}

void expect_same(const Outcome& a, const Outcome& b, const std::string& context) {
  auto both = [&] { return context + "\n" + show(a) + show(b); };  // only built for a failure
  FUZZ_CHECK(a.ok == b.ok, both());
  FUZZ_CHECK(a.errors == b.errors, both());
  FUZZ_CHECK(a.notes == b.notes, both());
  FUZZ_CHECK(a.rejected == b.rejected, both());
  FUZZ_CHECK(a.errors_not_shown == b.errors_not_shown, both());
  FUZZ_CHECK(a.rows_read == b.rows_read, both());
  FUZZ_CHECK(a.rows_rejected == b.rows_rejected, both());
  if (!a.ok) return;
  FUZZ_CHECK(a.rows.size() == b.rows.size(), both());
  for (size_t i = 0; i < a.rows.size(); ++i) {
    FUZZ_CHECK(a.lines[i] == b.lines[i], both() + "first different line: row " + std::to_string(i));
    FUZZ_CHECK(a.rows[i] == b.rows[i], both() + "first different cells: row " + std::to_string(i));
  }
}

// The same CSV with every data cell quoted ("" around it), when that means the same cells: the text has no
// quote and no carriage return other than before a line feed, so its lines and commas are its rows and
// cells. The header line and blank lines stay as they are. Rows with quotes never take the reader's fast
// path (Reader::fast_row), so the two reads compare the fast path with the general one; only the
// character columns of errors differ. Empty when not applicable.
std::string quote_every_cell(std::string_view csv) {
  if (csv.find('"') != std::string_view::npos) return {};
  for (size_t i = csv.find('\r'); i != std::string_view::npos; i = csv.find('\r', i + 1))
    if (i + 1 == csv.size() || csv[i + 1] != '\n') return {};
  const size_t header_end = csv.find('\n');
  if (header_end == std::string_view::npos) return {};
  std::string out(csv.substr(0, header_end + 1));
  out.reserve(csv.size() * 2);
  size_t at = header_end + 1;
  while (at < csv.size()) {
    size_t nl = csv.find('\n', at);
    const bool last = nl == std::string_view::npos;
    if (last) nl = csv.size();
    size_t content_end = nl;
    if (!last && content_end > at && csv[content_end - 1] == '\r') --content_end;
    const std::string_view line = csv.substr(at, content_end - at);
    if (!line.empty()) {
      out += '"';
      for (char c : line) {
        if (c == ',') {
          out += "\",\"";
        } else {
          out += c;
        }
      }
      out += '"';
    }
    out.append(csv.substr(content_end, nl - content_end));  // the carriage return, if any
    if (!last) out += '\n';
    at = nl + 1;
  }
  return out;
}

// Repeats the lines after the first (the header, roughly: a quoted header cell may hold a line break)
// until the text has more than 2 * kChunkRows line breaks or 192 KiB.
std::string repeated(std::string_view csv) {
  const size_t nl = csv.find('\n');
  if (nl == std::string_view::npos || nl + 1 == csv.size()) return std::string(csv);
  std::string body(csv.substr(nl + 1));
  if (body.back() != '\n') body += '\n';
  size_t body_lines = 0;
  for (char c : body) body_lines += c == '\n';
  std::string out(csv.substr(0, nl + 1));
  size_t lines = 0;
  while (lines <= 2 * kChunkRows + 16 && out.size() < (96u << 10)) {
    out += body;
    lines += body_lines;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const TableSpec& spec = specs()[data[0] % specs().size()];
  const uint8_t flags = data[1];
  std::string_view csv(reinterpret_cast<const char*>(data + 2), size - 2);
  std::string expanded;
  if ((flags & 0x78) == 0x78) {
    expanded = repeated(csv);
    csv = expanded;
  }
  ReadOptions options;
  options.max_errors = (flags & 1) ? 5 : 1;
  options.reject_bad_rows = (flags & 2) != 0;
  options.count_all_errors = (flags & 4) == 0;

  const std::string context = "spec `" + spec.name + "`, max_errors " + std::to_string(options.max_errors) +
                              (options.reject_bad_rows ? ", reject_bad_rows" : "") +
                              (options.count_all_errors ? "" : ", count_all_errors = false") + ", " +
                              std::to_string(csv.size()) + " bytes";

  const Outcome one = read_whole(csv, spec, options, 1, true, "read_csv_buffer, threads 1");
  static const bool verbose = std::getenv("FUZZ_CSV_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s\n%s", context.c_str(), show(one, 40).c_str());
  const Outcome two = read_whole(csv, spec, options, 2, false, "read_csv_buffer, threads 2");
  expect_same(one, two, context);

  StringPool base;
  seed(base);
  const Outcome stream_one = read_streamed_one(csv, spec, options, base);
  expect_same(one, stream_one, context);
  expect_same(one, read_streamed_lazy(csv, spec, options, base, 1), context);
  expect_same(one, read_streamed_lazy(csv, spec, options, base, 2), context);
  const Outcome stream_two = read_streamed_pieces(csv, spec, options, base);
  expect_same(one, stream_two, context);

  // As a pipe, in buffers small enough that rows, quoted cells and line ends are cut at their ends; a
  // repeated input (up to 96 KiB) in 4 KiB buffers: each buffer ends a streamed chunk, and a chunk's
  // columns are sized for kChunkRows rows again, which thousands of tiny buffers would make slow.
  const std::vector<size_t> buffers = expanded.empty() ? std::vector<size_t>{16, 61} : std::vector<size_t>{4096};
  for (size_t buffer : buffers) {
    for (bool streamed : {false, true}) {
      bool too_long = false;
      const Outcome piped = read_as_pipe(csv, spec, options, base, buffer, streamed, too_long);
      if (!too_long) expect_same(one, piped, context + ", as a pipe, buffer " + std::to_string(buffer));
    }
  }

  // The general path against the fast path: the same cells, quoted. Row by row, so not for a repeated
  // input (the repetition adds nothing but time); nor is the plain read below.
  const bool repeated_input = !expanded.empty();
  const std::string quoted = repeated_input ? std::string() : quote_every_cell(csv);
  if (!quoted.empty()) {
    const Outcome q = read_whole(quoted, spec, options, 1, true, "read_csv_buffer, threads 1, every cell quoted");
    auto both = [&] { return context + ", every cell quoted\n" + show(one) + show(q); };
    FUZZ_CHECK(one.ok == q.ok, both());
    FUZZ_CHECK(one.errors_nocol == q.errors_nocol, both());
    FUZZ_CHECK(one.rejected_nocol == q.rejected_nocol, both());
    FUZZ_CHECK(one.notes == q.notes, both());
    FUZZ_CHECK(one.errors_not_shown == q.errors_not_shown, both());
    FUZZ_CHECK(one.rows_read == q.rows_read && one.rows_rejected == q.rows_rejected, both());
    if (one.ok) {
      FUZZ_CHECK(one.lines == q.lines, both());
      FUZZ_CHECK(one.rows == q.rows, both());
    }
  }

  if (options.reject_bad_rows) {
    const uint64_t rejected = one.rows_rejected;
    FUZZ_CHECK(one.rejected.size() == std::min<uint64_t>(rejected, options.max_rejects_reported),
               context + "\n" + show(one));
    if (one.ok) {
      FUZZ_CHECK(one.rows.size() == one.rows_read - rejected, context + "\n" + show(one));
    }
    if (options.count_all_errors && !repeated_input) {
      // Rejecting changes only what happens to malformed rows.
      ReadOptions plain_options = options;
      plain_options.reject_bad_rows = false;
      plain_options.max_errors = 0;
      const Outcome plain = read_whole(csv, spec, plain_options, 1, true, "read_csv_buffer, threads 1, no rejects");
      auto both = [&] { return context + "\n" + show(one) + show(plain); };
      FUZZ_CHECK(plain.ok == (one.ok && rejected == 0), both());
      FUZZ_CHECK(plain.rows_read == one.rows_read, both());
      FUZZ_CHECK(plain.notes == one.notes, both());
      if (plain.ok) {
        FUZZ_CHECK(plain.rows == one.rows && plain.lines == one.lines, both());
      } else if (one.ok) {
        // Every rejected row is one or more errors of the plain read (max_errors 0 keeps them all).
        FUZZ_CHECK(plain.errors.size() >= rejected, both());
      }
    }
  } else {
    FUZZ_CHECK(one.rows_rejected == 0 && one.rejected.empty(), context + "\n" + show(one));
    if (one.ok) FUZZ_CHECK(one.rows.size() == one.rows_read, context + "\n" + show(one));
  }
  return 0;
}
