// The Reader's rows: the fast path for the common row, typed cells into a row buffer, rows committed to
// the columns (or rejected and written out), text interned in batches, chunks handed to a sink, and the
// pages of a mapped file given back behind the reader. See csv_reader.h.
#include <immintrin.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

#include "ledger/csv_reader.h"

namespace rebate::ledger::csv {

namespace {

// The index of the lowest set bit of `bits` (not 0). GCC compiles __builtin_ctzll, at the x86-64 baseline,
// to a bsf whose result it then sign-extends and offsets again on every use: the loop that stores a
// line's comma positions took ten instructions a comma instead of seven. (tzcnt is read as bsf by a
// processor without BMI1; both give the index for a word that is not 0.)
inline uint64_t lowest_bit(uint64_t bits) {
#if defined(__x86_64__) && defined(__GNUC__)
  uint64_t i;
  __asm__("tzcnt %1, %0" : "=r"(i) : "r"(bits) : "cc");
  return i;
#else
  return static_cast<uint64_t>(__builtin_ctzll(bits));
#endif
}

}  // namespace

void Reader::reserve() {
  if (sink_) return;  // a chunk's columns are sized in read_rows
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

namespace {

// The cells of one CSV record as RFC 4180 writes them (a database's rows, which PostgreSQL writes: well
// formed), for the key a row's error is named by.
std::vector<std::string> split_record(std::string_view row) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < row.size(); ++i) {
    const char c = row[i];
    if (quoted) {
      if (c != '"') {
        cells.back() += c;
      } else if (i + 1 < row.size() && row[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else if (c == '\n' || c == '\r') {
      break;
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

}  // namespace

std::string Reader::row_key(std::string_view raw) const {
  const std::vector<std::string> cells = split_record(raw);
  std::string key;
  for (const std::string& h : options_.key_headers) {
    const auto at = std::find(headers_.begin(), headers_.end(), h);
    const auto i = static_cast<size_t>(at - headers_.begin());
    if (at == headers_.end() || i >= cells.size()) continue;
    key += fmt::format("{}`{}` {}", key.empty() ? "" : ", ", h, detail::quote_for_message(cells[i]));
  }
  return key;
}

void Reader::bad_row(const char* row_start, const char* row_end, uint64_t row_line) {
  if (options_.number_rows) {
    const std::string key =
        options_.key_headers.empty() ? std::string() : row_key(std::string_view(row_start, static_cast<size_t>(std::max(row_end, p_) - row_start)));
    for (InputError& e : row_errors_) {
      e.row = result_.rows_read;
      e.key = key;
    }
  }
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
    // The row's bytes as read and its own line end (p_ is past it): [row_start, row_end) holds the row up
    // to its last cell, and the line end follows unless the row ended early (a blank line).
    std::string_view raw(row_start, static_cast<size_t>(std::max(row_end, p_) - row_start));
    const std::string line =
        rejected_row(raw, row_line, reason, header_line_end(), options_.rejects_name_file ? std::string_view(file_) : std::string_view());
    std::fwrite(line.data(), 1, line.size(), rejects_);
  }
}

bool Reader::open_rejects() {
  rejects_ = std::fopen(options_.rejects_path.c_str(), options_.rejects_append ? "ab" : "wb");
  if (!rejects_) {
    file_error(fmt::format("cannot create the rejects file `{}`: {}", options_.rejects_path, std::strerror(errno)));
    result_.io_failed = true;
    return false;
  }
  if (options_.rejects_append) return true;  // a later file of a ledger in many files: the first wrote the header
  const std::string header = rejects_header(result_.table.header_line, options_.rejects_name_file);
  std::fwrite(header.data(), 1, header.size(), rejects_);
  return true;
}

bool Reader::append_rejects(std::FILE* piece) {
  bool ok = rejects_ && std::fflush(piece) == 0 && std::fseek(piece, 0, SEEK_SET) == 0;
  char buffer[1 << 16];
  for (size_t n; ok && (n = std::fread(buffer, 1, sizeof buffer, piece)) > 0;) ok = std::fwrite(buffer, 1, n, rejects_) == n;
  ok = ok && !std::ferror(piece);
  if (!ok) {
    file_error(fmt::format("cannot write the rejects file `{}`", options_.rejects_path));
    result_.io_failed = true;
  }
  return ok;
}

void Reader::read_rows() {
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
  // How commit_row stores each column that is read, worked out once.
  stored_.clear();
  for (size_t j = 0; j < ncols; ++j) {
    const ColumnSpec& c = spec_.columns[j];
    if (!c.read) continue;  // never parsed, never stored
    const Store how = !is_text[j] ? Store::Value : sink_ && !c.intern ? Store::Lazy : Store::Interned;
    stored_.push_back(StoredColumn{static_cast<uint32_t>(j), how, c.optional});
  }
  short_ids_.resize(ncols);
  if (sink_) size_chunk(kChunkRows);
  pending_bytes_.reserve(kPendingBytes);

  while (p_ < end_ && !stop_) {
    if (p_ >= next_progress_ && !keep_going()) break;
    const char* row_start = row_start_ = p_;
    const uint64_t row_line = line_;
    row_errors_.clear();
    if (*p_ == '\n' || (*p_ == '\r' && p_ + 1 < end_ && p_[1] == '\n')) {
      const char* q = p_;
      while (q < end_ && (*q == '\n' || *q == '\r')) ++q;
      if (q == end_) break;  // blank lines at the end of the file (of what has been read, in a stream)
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
    if (fast_row(row_line)) continue;
    size_t ci = 0;
    End e;
    for (;;) {
      const std::vector<int>& targets = targets_[ci];
      e = scan_field(f, !targets.empty());
      if (fatal_ && !more_input_) {
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
          if (fatal_ && !more_input_) {
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
    if (more_input_ && e == End::File) {
      // The row reaches the end of what has been read of a stream (a cell, a quoted cell or a line end
      // cut short): it is read again from its start once there is more.
      fatal_ = false;
      p_ = line_start_ = row_start;
      line_ = row_line;
      break;
    }
    if (ci < ncsv) {
      std::vector<std::string> absent;
      for (size_t k = ci; k < ncsv; ++k) absent.push_back(headers_[k]);
      row_error(term_line_, char_column_(term_line_start_, term_pos_), name_for(ci),
                fmt::format("the row has {} cell{}; the header has {} (missing {})", ci, ci == 1 ? "" : "s", ncsv,
                            backticked_list(absent, 5)));
    }
    if (row_errors_.empty()) {
      commit_row(values, present, texts, row_line);
    } else {
      ++result_.rows_read;
      bad_row(row_start, term_pos_, row_line);
    }
  }
  flush_interning();
  if (sink_ && rows_ != 0 && result_.errors.empty()) deliver();
  size_chunk(sink_ ? 0 : rows_);  // streamed: every row went to the sink, and the table is left empty
  if (sink_) rows_ = 0;
}

bool Reader::keep_going() {
  if (abandon_ && abandon_->load(std::memory_order_relaxed)) {
    abandoned_ = true;
    return false;
  }
  // No flag: never again (end_ is only ever reached by leaving the loop).
  next_progress_ = abandon_ ? p_ + std::min(kProgressEvery, end_ - p_) : end_;
  return true;
}

bool Reader::parse_cell(size_t j, std::string_view value, std::vector<int64_t>& values, std::vector<uint8_t>& present,
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

void Reader::size_chunk(size_t rows) {
  for (const StoredColumn& c : stored_) {
    Column& column = result_.table.columns[c.column];
    column.values.resize(rows);
    if (c.optional) column.present.resize(rows);
    if (c.how == Store::Lazy) column.texts.resize(rows);
  }
  result_.table.lines.resize(rows);
  if (sink_ && options_.keep_raw_rows) result_.table.raw.resize(rows);
  if (fast_planned_) bind_fast_targets();
}

void Reader::bind_fast_targets() {
  for (FastTarget& t : fast_targets_) {
    Column& column = result_.table.columns[t.column];
    t.values = column.values.data();
    t.present = t.optional ? column.present.data() : nullptr;
    t.texts = t.how == Store::Lazy ? column.texts.data() : nullptr;
  }
}

void Reader::make_room() {
  // A whole table grows to the lines' capacity (reserved from an estimate of the row count, then
  // doubled by the vector), and is cut to the rows read at the end of read_rows. A streamed chunk's
  // columns always have kChunkRows slots.
  if (!sink_ && rows_ == result_.table.lines.size()) size_chunk(std::max(rows_ + 1, result_.table.lines.capacity()));
}


void Reader::row_stored(uint64_t row_line) {
  result_.table.lines[rows_] = row_line;
  if (!result_.table.raw.empty()) result_.table.raw[rows_] = std::string_view(row_start_, static_cast<size_t>(p_ - row_start_));
  ++rows_;
  if (sink_ && rows_ == kChunkRows) deliver();
}

void Reader::commit_row(const std::vector<int64_t>& values, const std::vector<uint8_t>& present, const std::vector<std::string_view>& texts,
                uint64_t row_line) {
  ++result_.rows_read;
  if (!result_.errors.empty()) return;
  make_room();
  auto& columns = result_.table.columns;
  const size_t row = rows_;
  for (const StoredColumn& c : stored_) {
    Column& column = columns[c.column];
    switch (c.how) {
      case Store::Value: column.values[row] = values[c.column]; break;
      case Store::Interned: {
        // A short text met before in this column takes its id at once; any other is interned with its
        // batch, its slot holding 0 until then.
        const uint32_t id = present[c.column] ? short_ids_[c.column].find(texts[c.column]) : ShortTextIds::kNone;
        column.values[row] = id == ShortTextIds::kNone ? 0 : id;
        if (present[c.column] && id == ShortTextIds::kNone) defer_intern(texts[c.column], c.column, row);
        break;
      }
      case Store::Lazy:
        column.values[row] = 0;
        column.texts[row] = present[c.column] ? text_for_chunk(texts[c.column]) : std::string_view();
        break;
    }
    if (c.optional) column.present[row] = present[c.column];
  }
  row_stored(row_line);
}

void Reader::plan_fast_row() {
  fast_targets_.clear();
  for (size_t ci = 0; ci < targets_.size(); ++ci)
    for (int j : targets_[ci]) {
      const auto ju = static_cast<size_t>(j);
      const auto stored = std::find_if(stored_.begin(), stored_.end(), [&](const StoredColumn& c) { return c.column == ju; });
      const int keep = parsers_[ju].plain_number_keep();
      const FastKind kind = stored->how == Store::Lazy       ? FastKind::Lazy
                            : stored->how == Store::Interned ? FastKind::Interned
                            : keep >= 0                      ? FastKind::Number
                                                             : FastKind::Other;
      fast_targets_.push_back(FastTarget{static_cast<uint32_t>(ci), static_cast<uint32_t>(ju), stored->how, stored->optional, kind,
                                         keep, &parsers_[ju], &short_ids_[ju]});
    }
  std::stable_sort(fast_targets_.begin(), fast_targets_.end(), [](const FastTarget& a, const FastTarget& b) { return a.kind < b.kind; });
  for (size_t k = 0; k < 3; ++k) {
    fast_ends_[k] = static_cast<size_t>(std::find_if(fast_targets_.begin(), fast_targets_.end(), [k](const FastTarget& t) {
                                          return static_cast<size_t>(t.kind) > k;
                                        }) - fast_targets_.begin());
  }
  fast_planned_ = true;
  bind_fast_targets();
  // Room for a block's 64 commas beyond the header's cells: they are stored before they are counted.
  cell_starts_.assign(targets_.size() + 65, nullptr);
}

void Reader::make_block_masks(const char* block) {
  // A block reaching outside [begin_, end_) is read from a copy, padded with a plain byte.
  const char* bytes = block;
  alignas(32) char padded[64];
  if (block < begin_ || block + 64 > end_) {
    std::memset(padded, 'a', sizeof padded);
    const char* from = std::max(block, begin_);
    const char* to = std::min(block + 64, end_);
    if (to > from) std::memcpy(padded + (from - block), from, static_cast<size_t>(to - from));
    bytes = padded;
  }
  // A stop is a byte below 0x20 (line ends, and the rare control character, which the general path
  // reads) or above 0x7f (below 0x20 as a signed byte: one compare for both), or a quote. Thirty-two
  // bytes at a time when the build targets AVX2 (cmake/x86_64_level.cmake), else sixteen (SSE2).
  uint64_t stops = 0, commas = 0;
#ifdef __AVX2__
  const __m256i space = _mm256_set1_epi8(0x20), quote = _mm256_set1_epi8('"'), comma = _mm256_set1_epi8(',');
  for (unsigned i = 0; i < 64; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + i));
    const __m256i stop = _mm256_or_si256(_mm256_cmpgt_epi8(space, v), _mm256_cmpeq_epi8(v, quote));
    stops |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(stop))} << i;
    commas |= uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, comma)))} << i;
  }
#else
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), comma = _mm_set1_epi8(',');
  for (unsigned i = 0; i < 64; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + i));
    const auto stop = static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, quote))));
    stops |= uint64_t{stop} << i;
    commas |= uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)))} << i;
  }
#endif
  masks_ = BlockMasks{block, stops, commas};
}

bool Reader::fast_row(uint64_t row_line) {
  if (!fast_planned_) plan_fast_row();
  const size_t ncsv = headers_.size();
  // Locals, not members or vectors: the stores below (pointers, bytes) could alias them otherwise, and
  // they would be loaded again after each one.
  const char* const begin = p_;
  const char* const end = end_;
  const char** const starts = cell_starts_.data();  // cell k is [starts[k], starts[k + 1] - 1)
  // The commas, and the first byte that ends the fast path's line: a control character (a line feed, a
  // carriage return, ...), a quote or a byte above ASCII. Only that first one matters: anything but a
  // line end (or CR LF) sends the row to the general path. The bytes are looked at a 64-byte block at a
  // time (block_masks): a block holds the end of one row and the start of the next, and the next row's
  // call finds it made.
  starts[0] = begin;
  size_t n = 1;  // cells started
  const char* content_end = nullptr;
  const char* nl = nullptr;
  for (const char* at_block = begin;;) {
    const BlockMasks& m = block_masks(at_block);
    const auto offset = static_cast<unsigned>(at_block - m.block);
    const uint64_t from_here = ~uint64_t{0} << offset;
    const uint64_t stops = m.stops & from_here;
    uint64_t commas = m.commas & from_here;
    if (stops != 0) commas &= (stops & (0 - stops)) - 1;  // only those before the stop
    const char* const after = m.block + 1;  // a comma's cell starts after it
    const char** next = starts + n;
    for (; commas != 0; commas &= commas - 1) *next++ = after + lowest_bit(commas);
    n = static_cast<size_t>(next - starts);
    if (n > ncsv) return false;  // more cells than headers
    if (stops == 0) {
      at_block = m.block + 64;
      if (at_block >= end) return false;  // the last line, without a line end: the general path
      continue;
    }
    const char* at = m.block + static_cast<unsigned>(__builtin_ctzll(stops));
    if (*at == '\n') {
      content_end = nl = at;
    } else if (*at == '\r' && end - at > 1 && at[1] == '\n') {
      content_end = at;
      nl = at + 1;
    } else {
      return false;
    }
    break;
  }
  if (n != ncsv) return false;
  starts[n] = content_end + 1;
  // The cells go straight to their slots in the row's place (a row that turns out bad is not counted,
  // and the next one overwrites them); texts to intern wait in fast_misses_ until every cell parsed.
  make_room();
  const size_t row = rows_;
  fast_misses_.clear();
  const FastTarget* t = fast_targets_.data();
  const FastTarget* const lazy_end = t + fast_ends_[0];
  const FastTarget* const interned_end = t + fast_ends_[1];
  const FastTarget* const numbers_end = t + fast_ends_[2];
  const FastTarget* const targets_end = t + fast_targets_.size();
  const auto cell = [starts](const FastTarget& target) {
    const char* const from = starts[target.csv];
    return std::string_view(from, static_cast<size_t>(starts[target.csv + 1] - 1 - from));
  };
  // Texts: views into the input (the fast path has no quoted cell), or their ids. (An empty cell is
  // absent or in error, as the column's parser says.)
  for (; t != lazy_end; ++t) {
    const std::string_view value = cell(*t);
    if (value.empty()) {
      if (!fast_cell(*t, value, row)) return false;
      continue;
    }
    t->values[row] = 0;
    t->texts[row] = value;
    if (t->optional) t->present[row] = 1;
  }
  for (; t != interned_end; ++t) {
    const std::string_view value = cell(*t);
    if (value.empty()) {
      if (!fast_cell(*t, value, row)) return false;
      continue;
    }
    const uint32_t id = t->ids->find(value);
    t->values[row] = id == ShortTextIds::kNone ? 0 : id;
    if (id == ShortTextIds::kNone) fast_misses_.push_back(FastMiss{value, t->column});
    if (t->optional) t->present[row] = 1;
  }
  // Numbers, then the other cells (dates, booleans, ...), in their usual shape inline; anything else in full.
  for (; t != numbers_end; ++t) {
    const std::string_view value = cell(*t);
    // (A line end follows the cell: eight readable bytes after it but at the very end of the file.)
    const bool padded = end - (value.data() + value.size()) >= 8;
    if (padded ? detail::plain_decimal_padded(value, t->keep, t->values[row]) : detail::plain_decimal(value, t->keep, t->values[row])) {
      if (t->optional) t->present[row] = 1;
    } else if (!fast_cell(*t, value, row)) {
      return false;
    }
  }
  for (; t != targets_end; ++t) {
    const std::string_view value = cell(*t);
    if (t->parser->parse_plain(value, t->values[row])) {
      if (t->optional) t->present[row] = 1;
    } else if (!fast_cell(*t, value, row)) {
      return false;
    }
  }
  p_ = nl + 1;
  ++line_;
  line_start_ = p_;
  ++result_.rows_read;
  if (!result_.errors.empty()) return true;  // counted, not kept: the read has failed
  for (const FastMiss& m : fast_misses_) defer_intern(m.text, m.column, row);
  row_stored(row_line);
  return true;
}

bool Reader::fast_cell(const FastTarget& t, std::string_view value, size_t row) {
  int64_t& out = t.values[row];
  const CellStatus status = t.parser->parse(value, pool_, out, fast_message_);
  if (status == CellStatus::Error) {
    fast_message_.clear();
    return false;
  }
  if (status == CellStatus::Absent) {
    out = 0;
    if (t.how == Store::Lazy) t.texts[row] = std::string_view();
  }
  if (t.optional) t.present[row] = status == CellStatus::Value;
  return true;
}

void Reader::deliver() {
  flush_interning();
  forget_previous_texts();
  if (share_bytes_ == 0) {
    result_.table.progress = 0;  // a pipe's size is not known
  } else {
    const double at = static_cast<double>(consumed_) + static_cast<double>(p_ - begin_) - static_cast<double>(share_from_);
    const double read = std::clamp(at / static_cast<double>(share_bytes_), 0.0, 1.0);
    result_.table.progress = options_.progress_from + (piece_from_ + read * piece_share_) * options_.progress_share;
  }
  const bool short_chunk = rows_ < kChunkRows;  // the last one: the sink sees exactly its rows
  if (short_chunk) size_chunk(rows_);
  sink_->rows(result_.table);
  if (short_chunk) size_chunk(kChunkRows);
  rows_ = 0;
  chunk_texts_.clear();
}

std::string_view Reader::text_for_chunk(std::string_view text) {
  if (text.data() >= begin_ && text.data() < end_) return text;  // the input outlives the chunk
  return chunk_texts_.emplace_back(text);  // a copied cell (doubled quotes): kept until the chunk is delivered
}

std::string_view Reader::stable_text(std::string_view text) {
  if (text.data() >= begin_ && text.data() < end_) return text;  // a view into the input stays valid
  if (pending_bytes_.size() + text.size() > kPendingBytes) flush_interning();
  // Within the reserved capacity, so earlier views into pending_bytes_ stay valid.
  const size_t at = pending_bytes_.size();
  pending_bytes_.append(text);
  return std::string_view(pending_bytes_.data() + at, text.size());
}

void Reader::defer_intern(std::string_view text, size_t column, size_t row) {
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
    text = stable_text(text);
  }
  pending_texts_.push_back(text);
  pending_cells_.push_back(PendingCell{static_cast<uint32_t>(column), row, false});
  if (pending_texts_.size() == kPendingTexts) flush_interning();
}

void Reader::flush_interning() {
  if (pending_cells_.empty()) {
    pending_bytes_.clear();
    return;
  }
  pending_ids_.resize(pending_texts_.size());
  pool_.intern_many(pending_texts_.data(), pending_texts_.size(), pending_ids_.data());
  auto& columns = result_.table.columns;
  size_t next_id = 0;
  for (const PendingCell& cell : pending_cells_) {
    std::vector<int64_t>& values = columns[cell.column].values;
    // In row order, so the row before is already set (earlier in this batch, in an earlier one, or from
    // the short-text cache).
    if (cell.same_as_previous_row) {
      values[cell.row] = values[cell.row - 1];
      continue;
    }
    const std::string_view text = pending_texts_[next_id];
    const uint32_t id = pending_ids_[next_id++];
    values[cell.row] = id;
    ShortTextIds::Key key;
    if (ShortTextIds::key_of(text, key)) short_ids_[cell.column].add(key, id);
  }
  pending_texts_.clear();
  pending_cells_.clear();
  pending_bytes_.clear();
}

}  // namespace rebate::ledger::csv
