// The CSV reader: RFC 4180 scanning over a memory-mapped file, typed cells into columns.
//
// The scanner walks the bytes once. An unquoted field is found with a table-driven loop that stops only
// at `,`, line ends, quotes and (in columns that are read) non-ASCII bytes, which are checked as UTF-8
// in place. Field values are views into the file; only a quoted field with doubled quotes is copied,
// into one reused buffer. A row is parsed into a row buffer and appended to the columns only when every
// cell is valid, so a rejected row leaves no trace in the table.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>
#include <unordered_map>

#include "ledger/cells.h"
#include "ledger/ledger.h"

namespace rebate::ledger {

namespace {

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

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

std::string backticked_list(const std::vector<std::string>& items, size_t limit = 30) {
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
    if (rejects_) std::fclose(rejects_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  void run() {
    if (!start()) return;
    if (options_.reject_bad_rows && !options_.rejects_path.empty() && !open_rejects()) return;
    rows();
    finish();
  }

  // The spec and the header; false when there is nothing more to read.
  bool start() {
    result_.table.name = spec_.name;
    if (!validate_spec()) return false;
    for (const auto& c : spec_.columns) {
      result_.table.columns.push_back(Column{c, {}, {}});
      parsers_.emplace_back(c);
    }
    return read_header();
  }

  // For a second reader of the same file: the header `head` read, then rows from `at` (the start of line
  // `line`) to the end.
  void start_after(const Reader& head, const char* at, uint64_t line) {
    result_.table.name = spec_.name;
    for (const auto& c : spec_.columns) {
      result_.table.columns.push_back(Column{c, {}, {}});
      parsers_.emplace_back(c);
    }
    headers_ = head.headers_;
    targets_ = head.targets_;
    p_ = at;
    line_start_ = at;
    line_ = line;
  }

  void limit(const char* end) { end_ = end; }
  // The input is a read-only file mapping: pages behind the reader can be given back as it goes, so a
  // large file does not stay resident once its rows are parsed (they are re-read from the file if needed).
  void set_mapped() {
    mapped_ = true;
    dropped_ = p_ ? p_ : begin_;
  }
  const char* position() const { return p_; }
  uint64_t line() const { return line_; }
  // Hand the rows to `sink` a chunk at a time instead of keeping them.
  void stream_to(RowSink* sink) { sink_ = sink; }

  void rows() {
    reserve();
    read_rows();
  }

  void finish() {
    if (rejects_) {
      bool failed = std::ferror(rejects_) != 0;
      failed = std::fclose(rejects_) != 0 || failed;
      rejects_ = nullptr;
      if (failed) file_error(fmt::format("cannot write the rejects file `{}`", options_.rejects_path));
    }
    if (!result_.ok()) {
      // A failed read leaves no half-filled table behind.
      for (auto& c : result_.table.columns) {
        c.values.clear();
        c.present.clear();
      }
      result_.table.lines.clear();
    }
  }

 private:
  void file_error(std::string message, uint64_t line = 0, uint32_t column = 0, std::string column_name = {}) {
    result_.errors.push_back(InputError{file_, line, column, std::move(column_name), std::move(message)});
  }

  bool validate_spec() {
    bool ok = true;
    for (const auto& c : spec_.columns) {
      auto bad = [&](const std::string& m) {
        file_error(fmt::format("the table `{}` declares column `{}` {}", spec_.name, c.name, m));
        ok = false;
      };
      switch (c.kind) {
        case ColumnKind::Decimal:
        case ColumnKind::Money:
          if (c.scale < 0 || c.scale > 18) bad(fmt::format("with scale {}; it must be 0 to 18", c.scale));
          break;
        case ColumnKind::Percent:
          if (c.scale < 2 || c.scale > 18) bad(fmt::format("with scale {}; a percent column needs 2 to 18", c.scale));
          break;
        case ColumnKind::Enum:
          if (c.enum_members.empty()) bad("as an enum without members");
          break;
        default: break;
      }
    }
    return ok;
  }

  // ---- scanning -------------------------------------------------------------------------------

  void set_problem(Field& f, std::string message) {
    if (f.problem.empty()) f.problem = std::move(message);
  }

  void bad_utf8(Field& f, const char* at) {
    // Only a cell's first problem is reported: working out the column of every bad byte of a long cell
    // of them would take time quadratic in its length.
    if (!f.problem.empty()) return;
    const char* content = f.start < at && *f.start == '"' ? f.start + 1 : f.start;  // a quoted cell's text starts after the quote
    uint32_t pos = char_column_(content, at);
    set_problem(f, fmt::format("invalid UTF-8 (byte 0x{:02X}) at character {} of the cell; the file must be "
                               "UTF-8 encoded",
                               byte(*at), pos));
  }

  // Past the multi-byte character at q, or past one byte of invalid UTF-8 (recorded as the cell's problem).
  const char* past_character(Field& f, const char* q) {
    const int n = detail::utf8_sequence_length(q, end_);
    if (n > 0) return q + n;
    bad_utf8(f, q);
    return q + 1;
  }

  // Records where the current field ended (before its terminator), for "too few fields" and rejects.
  void mark_end(const char* at) {
    term_pos_ = at;
    term_line_ = line_;
    term_line_start_ = line_start_;
  }

  End finish(const char* at, Field& f, const char* value_begin, bool set_value) {
    if (set_value) f.value = std::string_view(value_begin, static_cast<size_t>(at - value_begin));
    mark_end(at);
    if (at == end_) {
      p_ = end_;
      return End::File;
    }
    if (*at == ',') {
      p_ = at + 1;
      return End::Field;
    }
    p_ = at + (*at == '\r' ? 2 : 1);
    ++line_;
    line_start_ = p_;
    return End::Row;
  }

  // The first byte at or after q that is not plain for `cls` (end_ if none): eight bytes at a time
  // while they last, then one by one. `high` is kHighBits when non-ASCII bytes stop the scan.
  const char* skip_plain(const char* q, const uint8_t* cls, uint64_t high) const {
    while (end_ - q >= 8) {
      uint64_t w;
      std::memcpy(&w, q, 8);
      const uint64_t m = has_byte(w, kCommas) | has_byte(w, kLineFeeds) | has_byte(w, kReturns) |
                         has_byte(w, kQuotes) | (w & high);
      if (m != 0) return q + (__builtin_ctzll(m) >> 3);
      q += 8;
    }
    while (q < end_ && cls[byte(*q)] == kPlain) ++q;
    return q;
  }

  // Scans one field starting at p_, leaving p_ after its terminator. `check`: validate UTF-8.
  End scan_field(Field& f, bool check) {
    f.start = p_;
    f.line = line_;
    f.line_start = line_start_;
    if (!f.problem.empty()) f.problem.clear();
    if (p_ < end_ && *p_ == '"') return scan_quoted(f, check);
    const uint8_t* cls = check ? kClasses.unquoted_check : kClasses.unquoted_skip;
    const uint64_t high = check ? kHighBits : 0;
    const char* q = p_;
    for (;;) {
      q = skip_plain(q, cls, high);
      if (q == end_) return finish(q, f, p_, true);
      switch (cls[byte(*q)]) {
        case kComma:
        case kLf: return finish(q, f, p_, true);
        case kCr:
          if (q + 1 == end_) {
            f.value = std::string_view(p_, static_cast<size_t>(q - p_));
            mark_end(q);
            p_ = end_;
            return End::File;
          }
          if (q[1] == '\n') return finish(q, f, p_, true);
          set_problem(f, "a carriage return inside an unquoted cell; quote the cell or end the line with a line feed");
          ++q;
          break;
        case kQuote:
          set_problem(f, "a `\"` inside an unquoted cell; quote the whole cell and double the quote, like "
                         "\"12\"\" screen\"");
          ++q;
          break;
        default:  // kHigh
          q = past_character(f, q);
          break;
      }
    }
  }

  End scan_quoted(Field& f, bool check) {
    const uint8_t* cls = check ? kClasses.quoted_check : kClasses.quoted_skip;
    const char* content = p_ + 1;
    const char* q = content;
    bool doubled = false;
    const uint64_t high = check ? kHighBits : 0;
    for (;;) {
      while (end_ - q >= 8) {
        uint64_t w;
        std::memcpy(&w, q, 8);
        const uint64_t m = has_byte(w, kQuotes) | has_byte(w, kLineFeeds) | (w & high);
        if (m != 0) {
          q += __builtin_ctzll(m) >> 3;
          break;
        }
        q += 8;
      }
      while (q < end_ && cls[byte(*q)] == kPlain) ++q;
      if (q == end_) {
        fatal_ = true;
        f.problem = "this quoted cell is never closed: the file ends inside it (a `\"` is missing)";
        mark_end(end_);
        p_ = end_;
        return End::File;
      }
      const uint8_t c = cls[byte(*q)];
      if (c == kLf) {
        ++line_;
        line_start_ = ++q;
      } else if (c == kQuote) {
        if (q + 1 < end_ && q[1] == '"') {
          doubled = true;
          q += 2;
        } else {
          break;
        }
      } else {  // kHigh
        q = past_character(f, q);
      }
    }
    const std::string_view raw(content, static_cast<size_t>(q - content));
    if (doubled) {
      scratch_.clear();
      for (size_t i = 0; i < raw.size(); ++i) {
        scratch_ += raw[i];
        if (raw[i] == '"') ++i;  // the second quote of a pair
      }
      f.value = scratch_;
    } else {
      f.value = raw;
    }
    ++q;  // the closing quote
    if (q == end_ || *q == ',' || *q == '\n' || (*q == '\r' && q + 1 < end_ && q[1] == '\n'))
      return finish(q, f, nullptr, false);
    if (*q == '\r' && q + 1 == end_) {
      mark_end(q);
      p_ = end_;
      return End::File;
    }
    set_problem(f, "text after the closing quote of a quoted cell; quote the whole cell");
    while (q < end_ && *q != ',' && *q != '\n' && !(*q == '\r' && q + 1 < end_ && q[1] == '\n')) ++q;
    return finish(q, f, nullptr, false);
  }

  // ---- header ---------------------------------------------------------------------------------

  bool read_header() {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) {
      p_ += 3;
      line_start_ = p_;
    }
    header_start_ = p_;
    if (p_ == end_) {
      // An empty export (no lines, not even a header) is an empty ledger: no rows, said in a note.
      result_.notes.push_back(InputError{file_, 0, 0, {}, "the file is empty: read as a ledger with no lines"});
      return false;
    }
    if (*p_ == '\n' || *p_ == '\r') {
      file_error("no header: the first line is empty; expected a header line naming the columns", 1, 1);
      return false;
    }
    if (lone_carriage_returns()) {
      file_error("the lines end with a carriage return alone (the old Mac OS convention); save the file with "
                 "LF or CRLF line ends",
                 1, 1);
      return false;
    }
    Field f;
    std::vector<uint32_t> header_columns;
    End e;
    do {
      e = scan_field(f, true);
      if (!f.problem.empty()) {
        header_error(f.problem, f.line, char_column_(f.line_start, f.start), f.value);
        if (fatal_) return false;
      }
      headers_.emplace_back(f.value);
      header_columns.push_back(char_column_(f.line_start, f.start));
    } while (e == End::Field);
    header_end_ = term_pos_;
    if (!result_.ok()) return false;

    // Duplicate headers make "the column named X" ambiguous.
    std::unordered_map<std::string_view, size_t> first_of;
    for (size_t i = 0; i < headers_.size(); ++i) {
      if (headers_[i].empty()) continue;
      auto [at, fresh] = first_of.emplace(headers_[i], i);
      if (!fresh) {
        header_error(fmt::format("the header {} appears twice, in CSV columns {} and {}", detail::quote_for_message(headers_[i]),
                                 at->second + 1, i + 1),
                     1, header_columns[i], {});
      }
    }
    if (!result_.ok()) return false;

    targets_.assign(headers_.size(), {});
    std::vector<std::string> missing;
    for (size_t j = 0; j < spec_.columns.size(); ++j) {
      const ColumnSpec& c = spec_.columns[j];
      const std::string& want = c.header.empty() ? c.name : c.header;
      auto exact = std::find(headers_.begin(), headers_.end(), want);
      if (exact != headers_.end()) {
        if (c.read) targets_[static_cast<size_t>(exact - headers_.begin())].push_back(static_cast<int>(j));
        continue;
      }
      std::vector<size_t> loose;
      for (size_t i = 0; i < headers_.size(); ++i)
        if (same_ignoring_case(detail::trim(headers_[i]), detail::trim(want))) loose.push_back(i);
      if (loose.size() == 1) {
        if (c.read) targets_[loose[0]].push_back(static_cast<int>(j));
        result_.notes.push_back(InputError{
            file_, 1, header_columns[loose[0]], c.name,
            fmt::format("read from the header {}, which matches {} only when case and surrounding spaces are "
                        "ignored",
                        detail::quote_for_message(headers_[loose[0]]), detail::quote_for_message(want))});
      } else if (loose.size() > 1) {
        std::vector<std::string> names;
        for (size_t i : loose) names.push_back(headers_[i]);
        file_error(fmt::format("the header {} matches several CSV columns when case and spaces are ignored: {}",
                               detail::quote_for_message(want), backticked_list(names)),
                   1, header_columns[loose[1]], c.name);
      } else {
        missing.push_back(want == c.name ? detail::quote_for_message(want)
                                         : fmt::format("{} (column `{}`)", detail::quote_for_message(want), c.name));
      }
    }
    if (!missing.empty()) {
      std::string list;
      for (size_t i = 0; i < missing.size(); ++i) list += (i ? ", " : "") + missing[i];
      file_error(fmt::format("missing column{} {}; the header has {}", missing.size() == 1 ? "" : "s", list,
                             backticked_list(headers_)),
                 1, 1);
    }
    return result_.errors.empty();
  }

  // A problem in the header line, counted against max_errors like a row's (a header can be long).
  void header_error(std::string message, uint64_t line, uint32_t column, std::string_view cell) {
    if (!error_budget_left()) {
      ++result_.errors_not_shown;
      return;
    }
    // The cell's text names the column, unless it is not printable text itself.
    const bool printable = std::all_of(cell.begin(), cell.end(), [](char c) { return byte(c) >= 0x20 && c != 0x7F; });
    file_error(std::move(message), line, column, printable ? std::string(cell) : std::string());
  }

  // The first line break of the file is a carriage return alone, outside quotes: a file from the old Mac
  // OS, which would otherwise read as one enormous header line.
  bool lone_carriage_returns() const {
    for (const char* q = p_; q < end_; ++q) {
      if (*q == '"' || *q == '\n') return false;
      if (*q == '\r') return q + 1 < end_ && q[1] != '\n';
    }
    return false;
  }

  // ---- rows -----------------------------------------------------------------------------------

  void reserve() {
    if (sink_) {
      for (auto& c : result_.table.columns) {
        if (!c.spec.read) continue;
        c.values.reserve(kChunkRows);
        if (c.spec.optional) c.present.reserve(kChunkRows);
      }
      result_.table.lines.reserve(kChunkRows);
      return;
    }
    const size_t remaining = static_cast<size_t>(end_ - p_);
    const size_t sample = std::min<size_t>(remaining, 1 << 20);
    size_t newlines = 0;
    for (const char* q = p_; (q = static_cast<const char*>(std::memchr(q, '\n', static_cast<size_t>(p_ + sample - q)))); ++q)
      ++newlines;
    size_t rows = sample == remaining ? newlines + 1 : remaining / (sample / std::max<size_t>(newlines, 1)) * 21 / 20 + 16;
    for (auto& c : result_.table.columns) {
      c.values.reserve(rows);
      if (c.spec.optional) c.present.reserve(rows);
    }
    result_.table.lines.reserve(rows);
  }

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

  void bad_row(const char* row_start, const char* row_end, uint64_t row_line) {
    if (!options_.reject_bad_rows) {
      for (auto& e : row_errors_) {
        if (error_budget_left())
          result_.errors.push_back(std::move(e));
        else
          ++result_.errors_not_shown;
      }
      if (result_.errors_not_shown > 0 && !options_.count_all_errors) stop_ = true;
      return;
    }
    ++result_.rows_rejected;
    std::string reason;
    for (const auto& e : row_errors_) {
      if (!reason.empty()) reason += "; ";
      if (!e.column_name.empty()) reason += fmt::format("column `{}`: ", e.column_name);
      reason += e.message;
    }
    if (result_.rejected.size() < options_.max_rejects_reported) {
      InputError first = row_errors_.front();
      first.column_name.clear();
      first.message = reason;
      result_.rejected.push_back(std::move(first));
    }
    if (rejects_) {
      std::fwrite(row_start, 1, static_cast<size_t>(row_end - row_start), rejects_);
      std::string tail = fmt::format(",{},{}\n", row_line, csv_quote(reason));
      std::fwrite(tail.data(), 1, tail.size(), rejects_);
    }
  }

  bool open_rejects() {
    rejects_ = std::fopen(options_.rejects_path.c_str(), "wb");
    if (!rejects_) {
      file_error(fmt::format("cannot create the rejects file `{}`: {}", options_.rejects_path, std::strerror(errno)));
      return false;
    }
    std::fwrite(header_start_, 1, static_cast<size_t>(header_end_ - header_start_), rejects_);
    std::fputs(",_line,_error\n", rejects_);
    return true;
  }

  void read_rows() {
    const size_t ncsv = headers_.size();
    const size_t ncols = spec_.columns.size();
    std::vector<int64_t> values(ncols, 0);
    std::vector<uint8_t> present(ncols, 0);
    Field f;
    std::string message;
    std::vector<uint8_t> is_text(ncols, 0);
    std::vector<std::string_view> texts(ncols);
    std::vector<std::string> owned(ncols);
    for (size_t j = 0; j < ncols; ++j) is_text[j] = spec_.columns[j].kind == ColumnKind::Text;
    pending_bytes_.reserve(kPendingBytes);

    while (p_ < end_ && !stop_) {
      if (mapped_ && p_ - dropped_ > kDropEvery) drop_behind();
      const char* row_start = p_;
      const uint64_t row_line = line_;
      row_errors_.clear();
      if (*p_ == '\n' || (*p_ == '\r' && p_ + 1 < end_ && p_[1] == '\n')) {
        const char* q = p_;
        while (q < end_ && (*q == '\n' || *q == '\r')) ++q;
        if (q == end_) break;  // blank lines at the end of the file
        if (ncsv != 1) {
          p_ += *p_ == '\r' ? 2 : 1;
          ++line_;
          line_start_ = p_;
          ++result_.rows_read;
          row_error(row_line, 1, {},
                    fmt::format("an empty line; expected {} cells (blank lines are allowed only at the end of the "
                                "file)",
                                ncsv));
          bad_row(row_start, row_start, row_line);
          continue;
        }
      }
      if (fast_row(values, present, texts, is_text)) {
        commit_row(values, present, texts, is_text, row_line);
        continue;
      }
      size_t ci = 0;
      End e;
      for (;;) {
        const std::vector<int>& targets = targets_[ci];
        e = scan_field(f, !targets.empty());
        if (fatal_) {
          file_error(f.problem, f.line, char_column_(f.line_start, f.start), name_for(ci));
          return;
        }
        if (!f.problem.empty()) {
          row_error(f.line, char_column_(f.line_start, f.start), name_for(ci), f.problem);
        } else {
          for (int j : targets) {
            const auto ju = static_cast<size_t>(j);
            if (is_text[ju] && !f.value.empty()) {
              // Interned in batches when the row is committed; a doubled-quote cell lives in scratch_,
              // which the next cell reuses, so it is kept aside.
              if (f.value.data() == scratch_.data()) {
                owned[ju].assign(f.value);
                texts[ju] = owned[ju];
              } else {
                texts[ju] = f.value;
              }
              present[ju] = 1;
              continue;
            }
            if (!parse_cell(ju, f.value, values, present, message)) {
              row_error(f.line, char_column_(f.line_start, f.start), spec_.columns[ju].name, std::move(message));
              message.clear();
            }
          }
        }
        ++ci;
        if (e != End::Field) break;
        if (ci == ncsv) {  // more cells than headers
          const char* extra_start = p_;
          const uint64_t extra_line = line_;
          const char* extra_line_start = line_start_;
          size_t count = ci;
          do {
            e = scan_field(f, false);
            ++count;
            if (fatal_) {
              file_error(f.problem, f.line, char_column_(f.line_start, f.start));
              return;
            }
          } while (e == End::Field);
          row_error(extra_line, char_column_(extra_line_start, extra_start), {},
                    fmt::format("the row has {} cells; the header has {}", count, ncsv));
          ci = ncsv;
          break;
        }
      }
      if (ci < ncsv) {
        std::vector<std::string> absent;
        for (size_t k = ci; k < ncsv; ++k) absent.push_back(headers_[k]);
        row_error(term_line_, char_column_(term_line_start_, term_pos_), name_for(ci),
                  fmt::format("the row has {} cell{}; the header has {} (missing {})", ci, ci == 1 ? "" : "s", ncsv,
                              backticked_list(absent, 5)));
      }
      if (row_errors_.empty()) {
        commit_row(values, present, texts, is_text, row_line);
      } else {
        ++result_.rows_read;
        bad_row(row_start, term_pos_, row_line);
      }
    }
    flush_interning();
    if (sink_ && !result_.table.lines.empty() && result_.errors.empty()) deliver();
  }

  // Parses a non-text cell of spec column j into values[j] / present[j]; false (and the message) when
  // the cell is not a value of the column.
  bool parse_cell(size_t j, std::string_view value, std::vector<int64_t>& values, std::vector<uint8_t>& present,
                  std::string& message) {
    switch (parsers_[j].parse(value, pool_, values[j], message)) {
      case CellStatus::Value: present[j] = 1; return true;
      case CellStatus::Absent:
        present[j] = 0;
        values[j] = 0;
        return true;
      case CellStatus::Error: return false;
    }
    return false;
  }

  // A row without errors: counted, and stored (unless an earlier row failed the read).
  void commit_row(const std::vector<int64_t>& values, const std::vector<uint8_t>& present, const std::vector<std::string_view>& texts,
                  const std::vector<uint8_t>& is_text, uint64_t row_line) {
    ++result_.rows_read;
    if (!result_.errors.empty()) return;
    auto& columns = result_.table.columns;
    const size_t row = result_.table.lines.size();
    for (size_t j = 0; j < columns.size(); ++j) {
      if (!spec_.columns[j].read) continue;  // never parsed, never stored
      if (is_text[j] && present[j]) {
        columns[j].values.push_back(0);
        defer_intern(texts[j], j, row);
      } else {
        columns[j].values.push_back(values[j]);
      }
      if (spec_.columns[j].optional) columns[j].present.push_back(present[j]);
    }
    result_.table.lines.push_back(row_line);
    if (sink_ && result_.table.lines.size() == kChunkRows) deliver();
  }

  // The common row, fast: one physical line with no quote, no carriage return but its line end, no
  // byte above ASCII, and the header's number of cells, all of which parse. Its commas are found eight
  // bytes at a time and its cells parsed in place. Anything else (or any cell in error) leaves p_ where
  // it was and returns false: the general path reads the row and reports exactly what is wrong.
  bool fast_row(std::vector<int64_t>& values, std::vector<uint8_t>& present, std::vector<std::string_view>& texts,
                const std::vector<uint8_t>& is_text) {
    const auto* nl = static_cast<const char*>(std::memchr(p_, '\n', static_cast<size_t>(end_ - p_)));
    if (nl == nullptr) return false;  // the last line, without a line end: the general path
    const char* content_end = nl > p_ && nl[-1] == '\r' ? nl - 1 : nl;
    const size_t ncsv = headers_.size();
    commas_.clear();
    for (const char* q = p_; q < content_end; q += 8) {
      uint64_t w = 0;
      const size_t n = std::min<size_t>(8, static_cast<size_t>(content_end - q));
      std::memcpy(&w, q, n);
      if (n < 8) w |= ~uint64_t{0} << (8 * n) & (kOnes * 'a');  // pad with a plain byte
      if ((exact_bytes(w, kQuotes) | exact_bytes(w, kReturns) | (w & kHighBits)) != 0) return false;
      for (uint64_t m = exact_bytes(w, kCommas); m != 0; m &= m - 1) {
        if (commas_.size() + 1 == ncsv) return false;  // more cells than headers
        commas_.push_back(q + (__builtin_ctzll(m) >> 3));
      }
    }
    if (commas_.size() + 1 != ncsv) return false;
    const char* start = p_;
    for (size_t ci = 0; ci < ncsv; ++ci) {
      const char* stop = ci + 1 < ncsv ? commas_[ci] : content_end;
      const std::string_view value(start, static_cast<size_t>(stop - start));
      for (int j : targets_[ci]) {
        const auto ju = static_cast<size_t>(j);
        if (is_text[ju] && !value.empty()) {
          texts[ju] = value;
          present[ju] = 1;
          continue;
        }
        if (!parse_cell(ju, value, values, present, fast_message_)) {
          fast_message_.clear();
          return false;
        }
      }
      start = stop + 1;
    }
    p_ = nl + 1;
    ++line_;
    line_start_ = p_;
    return true;
  }

  // Bytes of w equal to the byte broadcast in b get their high bit set, exactly (no false positives
  // next to a match, unlike has_byte).
  static uint64_t exact_bytes(uint64_t w, uint64_t b) {
    const uint64_t x = w ^ b;
    return ~(((x & ~kHighBits) + ~kHighBits) | x | ~kHighBits);
  }

  // Streaming: the rows read so far go to the sink, and the table is emptied for the next chunk.
  void deliver() {
    flush_interning();
    forget_previous_texts();
    sink_->rows(result_.table);
    for (auto& c : result_.table.columns) {
      c.values.clear();
      c.present.clear();
    }
    result_.table.lines.clear();
  }

  // Text cells are interned a batch at a time (StringPool::intern_many overlaps the lookups' cache
  // misses); until then the value slot holds 0 and the text is a view into the input or pending_bytes_.
  static constexpr size_t kPendingTexts = 256;
  static constexpr size_t kPendingBytes = 1 << 16;

  void defer_intern(std::string_view text, size_t column, size_t row) {
    const bool in_input = text.data() >= begin_ && text.data() < end_;
    // Ledgers repeat a text on consecutive rows (an order's lines share its id, customer and partner):
    // the same bytes as this column's text on the row before take its id without a lookup.
    if (previous_.size() <= column) previous_.resize(column + 1);
    Previous& before = previous_[column];
    if (in_input && before.row + 1 == row && before.row != kNoRow && before.text == text) {
      pending_cells_.push_back(PendingCell{static_cast<uint32_t>(column), row, true});
      before.row = row;
      return;
    }
    before = Previous{in_input ? text : std::string_view(), in_input ? row : kNoRow};
    if (!in_input) {
      if (text.size() > kPendingBytes) {  // too long to batch: intern now
        result_.table.columns[column].values[row] = pool_.intern(text);
        return;
      }
      if (pending_bytes_.size() + text.size() > kPendingBytes) flush_interning();
      // Within the reserved capacity, so earlier views into pending_bytes_ stay valid.
      const size_t at = pending_bytes_.size();
      pending_bytes_.append(text);
      text = std::string_view(pending_bytes_.data() + at, text.size());
    }
    pending_texts_.push_back(text);
    pending_cells_.push_back(PendingCell{static_cast<uint32_t>(column), row, false});
    if (pending_texts_.size() == kPendingTexts) flush_interning();
  }

  void flush_interning() {
    if (pending_cells_.empty()) return;
    pending_ids_.resize(pending_texts_.size());
    pool_.intern_many(pending_texts_.data(), pending_texts_.size(), pending_ids_.data());
    auto& columns = result_.table.columns;
    size_t next_id = 0;
    for (const PendingCell& cell : pending_cells_) {
      std::vector<int64_t>& values = columns[cell.column].values;
      // In row order, so the row before is already set (earlier in this batch, or in an earlier one).
      values[cell.row] = cell.same_as_previous_row ? values[cell.row - 1] : pending_ids_[next_id++];
    }
    pending_texts_.clear();
    pending_cells_.clear();
    pending_bytes_.clear();
  }

  // A chunk handed over starts a new table: no row before the first.
  void forget_previous_texts() {
    for (Previous& p : previous_) p.row = kNoRow;
  }

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

  static constexpr std::ptrdiff_t kDropEvery = 2 << 20;
  // Pending text views (a few rows back) stay inside this; a view behind it would still read right (a
  // dropped page of a private file mapping is read from the file again), only slower.
  static constexpr std::ptrdiff_t kDropLag = 1 << 20;
  void drop_behind() {
    const uintptr_t page = 4096;
    uintptr_t from = (reinterpret_cast<uintptr_t>(dropped_) + page - 1) & ~(page - 1);
    uintptr_t to = reinterpret_cast<uintptr_t>(p_ - kDropLag) & ~(page - 1);
    if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
    dropped_ = p_ - kDropLag;
  }
  bool mapped_ = false;
  const char* dropped_ = nullptr;
  RowSink* sink_ = nullptr;
  ColumnCounter char_column_;
  std::vector<const char*> commas_;  // fast_row: the current line's commas
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
  std::vector<std::string_view> pending_texts_;
  std::vector<PendingCell> pending_cells_;
  std::vector<uint32_t> pending_ids_;
  std::string pending_bytes_;
};

// Where a second thread can start reading rows: the start of a line past the middle of [from, end) that
// is outside every quoted cell (an even number of quotes before it) and does not follow a blank line
// (a blank line in the middle of a file is a malformed row, at its end it is not: the halves must not
// disagree). nullptr when there is none.
// `mapped`: [from, end) is a read-only file mapping, whose pages are given back as they are counted
// (counting touches the whole first half; the first thread reads it again from the file). `newlines`:
// the line feeds in [from, split), for the second thread's line numbers.
const char* parallel_split(const char* from, const char* end, bool mapped, uint64_t& newlines) {
  const char* mid = from + (end - from) / 2;
  size_t quotes = 0;
  newlines = 0;
  auto count = [&](char c, const char* a, const char* b) {
    size_t n = 0;
    for (const char* q = a; (q = static_cast<const char*>(std::memchr(q, c, static_cast<size_t>(b - q)))); ++q) ++n;
    return n;
  };
  constexpr std::ptrdiff_t kBlock = 2 << 20;
  for (const char* block = from; block < mid; block += std::min(kBlock, mid - block)) {
    const char* block_end = block + std::min(kBlock, mid - block);
    quotes += count('"', block, block_end);
    newlines += count('\n', block, block_end);
    if (mapped) {
      const uintptr_t page = 4096;
      const uintptr_t first = (reinterpret_cast<uintptr_t>(block) + page - 1) & ~(page - 1);
      const uintptr_t last = reinterpret_cast<uintptr_t>(block_end) & ~(page - 1);
      if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
    }
  }
  const char* p = mid;
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

// How a buffer is read: into one table (`parts` empty, texts in `pool`), or streamed to the parts.
struct Destination {
  StringPool* pool = nullptr;
  const std::vector<StreamPart>* parts = nullptr;
  StringPool& pool_of(size_t part) const { return parts ? *(*parts)[part].pool : *pool; }
  size_t count() const { return parts ? parts->size() : 2; }
};

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
  uint64_t newlines = 0;
  const char* split = parallel_split(reader.position(), data.data() + data.size(), mapped, newlines);
  if (!split) {
    reader.rows();
    reader.finish();
    return result;
  }
  const uint64_t line = reader.line() + newlines;
  ReadResult second_result;
  std::unique_ptr<StringPool> own_pool;  // a materializing read's second half: merged into `pool` after
  if (!to.parts) own_pool = std::make_unique<StringPool>();
  StringPool& second_pool = to.parts ? to.pool_of(1) : *own_pool;
  Reader second(data, display_name, spec, options, second_pool, second_result);
  second.start_after(reader, split, line);
  if (mapped) second.set_mapped();
  if (to.parts) second.stream_to((*to.parts)[1].sink);
  reader.limit(split);
  std::thread worker([&] { second.rows(); });
  reader.rows();
  worker.join();
  reader.finish();
  second.finish();
  if (!result.ok() || !second_result.ok()) {
    // Malformed rows: read again on one thread, without keeping or streaming rows, so that errors, their
    // order and max_errors are exactly those of a sequential read. Bad files are the rare case.
    ReadResult again;
    Reader sequential(data, display_name, spec, options, to.pool_of(0), again);
    if (mapped) sequential.set_mapped();
    DiscardRows discard;  // a streaming read keeps no rows, not even to report errors
    if (to.parts) sequential.stream_to(&discard);
    sequential.run();
    if (to.parts && again.ok()) {
      // The halves disagreed with the whole (parallel_split is built so that they cannot): the sinks saw
      // an unknown share of the rows, so the read must fail rather than give numbers.
      again.errors.push_back(InputError{display_name, 0, 0, {}, "internal error: the two threads' reads disagree with a one-thread read; please report this file"});
    }
    return again;
  }
  if (to.parts) {
    result.rows_read += second_result.rows_read;
  } else {
    merge_rows(result, second_result, *to.pool, second_pool);
  }
  return result;
}

// Reads a file: memory-mapped when possible, else read into memory (a pipe, an empty file).
ReadResult read_file(const std::string& path, const TableSpec& spec, const ReadOptions& options, const Destination& to) {
  auto io_error = [&](const std::string& what) {
    ReadResult r;
    r.table.name = spec.name;
    r.errors.push_back(InputError{path, 0, 0, {}, fmt::format("{}: {}", what, std::strerror(errno))});
    return r;
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open the file");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto r = io_error("cannot read the file");
    ::close(fd);
    return r;
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    errno = EISDIR;
    return io_error("cannot read the file");
  }
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    const auto size = static_cast<size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
      ::madvise(map, size, MADV_SEQUENTIAL);
      ::close(fd);
      ReadResult r = read_buffer(std::string_view(static_cast<const char*>(map), size), path, spec, options, to, true);
      ::munmap(map, size);
      return r;
    }
  }
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto r = io_error("cannot read the file");
      ::close(fd);
      return r;
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return read_buffer(data, path, spec, options, to, false);
}

}  // namespace

ReadResult read_csv_buffer(std::string_view data, const std::string& display_name, const TableSpec& spec,
                           const ReadOptions& options, StringPool& pool) {
  return read_buffer(data, display_name, spec, options, Destination{&pool, nullptr}, false);
}

ReadResult read_csv(const std::string& path, const TableSpec& spec, const ReadOptions& options, StringPool& pool) {
  return read_file(path, spec, options, Destination{&pool, nullptr});
}

ReadResult stream_csv_buffer(std::string_view data, const std::string& display_name, const TableSpec& spec,
                             const ReadOptions& options, const std::vector<StreamPart>& parts) {
  return read_buffer(data, display_name, spec, options, Destination{nullptr, &parts}, false);
}

ReadResult stream_csv(const std::string& path, const TableSpec& spec, const ReadOptions& options,
                      const std::vector<StreamPart>& parts) {
  return read_file(path, spec, options, Destination{nullptr, &parts});
}

}  // namespace rebate::ledger
