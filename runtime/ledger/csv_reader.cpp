// The Reader's header line and fields: RFC 4180 scanning (quoted and unquoted cells, line ends), UTF-8
// checks, the header matched against the spec. See csv_reader.h.
#include "ledger/csv_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace rebate::ledger::csv {

void Reader::run() {
  if (!start()) return;
  if (options_.reject_bad_rows && !options_.rejects_path.empty() && !open_rejects()) return;
  rows();
  finish();
}

bool Reader::start() {
  result_.table.name = spec_.name;
  result_.table.source = file_;
  if (!validate_spec()) return false;
  for (const auto& c : spec_.columns) {
    result_.table.columns.push_back(Column{c, {}, {}});
    parsers_.emplace_back(c);
  }
  return read_header();
}

void Reader::start_after(const Reader& head, const char* at, uint64_t line) {
  result_.table.name = spec_.name;
  result_.table.source = file_;
  for (const auto& c : spec_.columns) {
    result_.table.columns.push_back(Column{c, {}, {}});
    parsers_.emplace_back(c);
  }
  headers_ = head.headers_;
  targets_ = head.targets_;
  result_.table.csv_columns = head.result_.table.csv_columns;
  result_.table.csv_headers = head.result_.table.csv_headers;
  p_ = at;
  line_start_ = at;
  line_ = line;
}

void Reader::finish() {
  if (rejects_borrowed_) rejects_ = nullptr;  // the caller's, appended to the head's by the caller
  if (rejects_) {
    bool failed = std::ferror(rejects_) != 0;
    failed = std::fclose(rejects_) != 0 || failed;
    rejects_ = nullptr;
    if (failed) {
      file_error(fmt::format("cannot write the rejects file `{}`", options_.rejects_path));
      result_.io_failed = true;
    }
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

bool Reader::validate_spec() {
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

void Reader::bad_utf8(Field& f, const char* at) {
  // Only a cell's first problem is reported: working out the column of every bad byte of a long cell
  // of them would take time quadratic in its length.
  if (!f.problem.empty()) return;
  const char* content = f.start < at && *f.start == '"' ? f.start + 1 : f.start;  // a quoted cell's text starts after the quote
  uint32_t pos = char_column_(content, at);
  set_problem(f, fmt::format("invalid UTF-8 (byte 0x{:02X}) at character {} of the cell; the file must be "
                             "UTF-8 encoded",
                             byte(*at), pos));
}

const char* Reader::past_character(Field& f, const char* q) {
  const int n = detail::utf8_sequence_length(q, end_);
  if (n > 0) return q + n;
  bad_utf8(f, q);
  return q + 1;
}

void Reader::mark_end(const char* at) {
  term_pos_ = at;
  term_line_ = line_;
  term_line_start_ = line_start_;
}

End Reader::finish(const char* at, Field& f, const char* value_begin, bool set_value) {
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

const char* Reader::skip_plain(const char* q, const uint8_t* cls, uint64_t high) const {
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

End Reader::scan_field(Field& f, bool check) {
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

End Reader::scan_quoted(Field& f, bool check) {
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

bool Reader::read_header() {
  const char* const from = p_;
  const size_t errors_before = result_.errors.size();
  const uint64_t not_shown_before = result_.errors_not_shown;
  if (more_input_ && end_ - p_ < 3) return header_wait(from, errors_before, not_shown_before);  // a BOM?
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
    if (more_input_ && e == End::File) return header_wait(from, errors_before, not_shown_before);
    if (!f.problem.empty()) {
      header_error(f.problem, f.line, char_column_(f.line_start, f.start), f.value);
      if (fatal_) return false;
    }
    headers_.emplace_back(f.value);
    header_columns.push_back(char_column_(f.line_start, f.start));
  } while (e == End::Field);
  header_end_ = term_pos_;
  if (!result_.ok()) return false;
  result_.table.header_line.assign(header_start_, p_);  // with its line end, for rejects files
  result_.header = headers_;
  if (!options_.same_header.empty() && headers_ != options_.same_header) {
    // One ledger in many files: a column that moved, was renamed or added would read another file's
    // cells into the wrong column, or leave a column empty in some of the rows.
    std::string difference;
    const std::vector<std::string>& first = options_.same_header;
    size_t k = 0;
    while (k < first.size() && k < headers_.size() && first[k] == headers_[k]) ++k;
    if (k < first.size() && k < headers_.size()) {
      difference = fmt::format("CSV column {} is {} here and {} there", k + 1, detail::quote_for_message(headers_[k]),
                               detail::quote_for_message(first[k]));
    } else {
      difference = fmt::format("this header has {} columns and that one {}", headers_.size(), first.size());
    }
    file_error(fmt::format("the header differs from the header of `{}` ({}); every file of a ledger must have the same header",
                           options_.same_header_file, difference),
               1, 1);
    return false;
  }

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
  // Where each spec column is read from, for messages about a cell after the read (an unknown partner).
  result_.table.csv_columns.assign(spec_.columns.size(), UINT32_MAX);
  result_.table.csv_headers.assign(spec_.columns.size(), std::string());
  for (size_t i = 0; i < targets_.size(); ++i) {
    for (int j : targets_[i]) {
      result_.table.csv_columns[static_cast<size_t>(j)] = static_cast<uint32_t>(i);
      result_.table.csv_headers[static_cast<size_t>(j)] = headers_[i];
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

bool Reader::header_wait(const char* from, size_t errors_before, uint64_t not_shown_before) {
  result_.errors.resize(errors_before);
  result_.errors_not_shown = not_shown_before;
  headers_.clear();
  fatal_ = false;
  p_ = line_start_ = from;
  line_ = 1;
  header_incomplete_ = true;
  return false;
}

bool Reader::resume_header() {
  header_incomplete_ = false;
  return read_header();
}

void Reader::continue_in(std::string_view data, bool more) {
  consumed_ += static_cast<uint64_t>(p_ - begin_);
  begin_ = p_ = line_start_ = data.data();
  end_ = data.data() + data.size();
  more_input_ = more;
  // Nothing may point into the buffer before: the block masks, the column counter's line, the texts of
  // the rows before (all interned or delivered by now).
  masks_ = BlockMasks{};
  char_column_ = ColumnCounter{};
  next_progress_ = nullptr;
  term_pos_ = term_line_start_ = nullptr;
  forget_previous_texts();
}

void Reader::header_error(std::string message, uint64_t line, uint32_t column, std::string_view cell) {
  if (!error_budget_left()) {
    ++result_.errors_not_shown;
    return;
  }
  // The cell's text names the column, unless it is not printable text itself.
  const bool printable = std::all_of(cell.begin(), cell.end(), [](char c) { return byte(c) >= 0x20 && c != 0x7F; });
  file_error(std::move(message), line, column, printable ? std::string(cell) : std::string());
}

bool Reader::lone_carriage_returns() const {
  for (const char* q = p_; q < end_; ++q) {
    if (*q == '"' || *q == '\n') return false;
    if (*q == '\r') return q + 1 < end_ && q[1] != '\n';
  }
  return false;
}

}  // namespace rebate::ledger::csv
