// A streamed source (a regular file, a buffer) read by N threads: cut into pieces at line starts outside
// quoted cells, several per thread, claimed by the threads as they go (Claims), each piece read through a
// window of its thread's by its own Reader into its stretch's part, parts in file order. The cuts are
// guessed (the first line start past each share's start; the piece before's reader checks it: a guess
// inside a quoted cell leaves that reader inside the cell at its piece's end) or counted exactly (every
// share's quotes and line ends counted in parallel first). With rejects, each later piece writes its
// rejected rows to a temporary file of its own, appended to the rejects file in the pieces' order: the
// file is a one-thread read's, row for row.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/threads.h"
#include "ledger/csv_reader.h"
#include "ledger/input_sources.h"

namespace rebate::ledger::csv {

namespace {

// Whether the line feed at offset `nl` of `source` follows a blank line: a blank line in the middle of a
// file is a malformed row, at its end it is not, so no piece may start right after one (the pieces would
// disagree with a one-thread read about it). `from`: where the rows start.
bool after_blank_line(const ByteSource& source, uint64_t from, uint64_t nl) {
  if (nl <= from) return false;
  char before[2] = {0, 0};
  const uint64_t at = nl - std::min<uint64_t>(2, nl - from);
  const auto n = static_cast<size_t>(nl - at);
  if (source.read_at(at, before, n) != static_cast<ssize_t>(n)) return false;
  const char last = before[n - 1];
  return last == '\n' || (last == '\r' && n == 2 && before[0] == '\n');
}

// A cut's search usually ends at the first line end past its start: read a little at a time.
constexpr size_t kSeekBlock = size_t{64} << 10;

}  // namespace

std::optional<uint64_t> guess_split_at(const ByteSource& source, uint64_t from, uint64_t at, uint64_t end) {
  std::optional<uint64_t> found;
  for_each_block(source, at, end, [&](std::string_view bytes, uint64_t offset) {
    const char* const stop = bytes.data() + bytes.size();
    for (const char* q = bytes.data(); (q = static_cast<const char*>(std::memchr(q, '\n', static_cast<size_t>(stop - q)))); ++q) {
      const uint64_t nl = offset + static_cast<uint64_t>(q - bytes.data());
      if (nl + 1 < end && !after_blank_line(source, from, nl)) {
        found = nl + 1;
        return false;
      }
    }
    return true;
  }, kSeekBlock);
  return found;
}

std::optional<uint64_t> guess_split(const ByteSource& source, uint64_t from, uint64_t end) {
  return guess_split_at(source, from, from + (end - from) / 2, end);
}

std::vector<Cut> guess_cuts(const ByteSource& source, uint64_t from, uint64_t end, size_t pieces) {
  std::vector<Cut> cuts;
  for (size_t k = 1; k < pieces; ++k) {
    uint64_t share = from + (end - from) * k / pieces;
    if (!cuts.empty()) share = std::max(share, cuts.back().at);
    const std::optional<uint64_t> at = guess_split_at(source, from, share, end);
    if (!at) break;
    if (cuts.empty() || *at > cuts.back().at) cuts.push_back(Cut{*at, 0});
  }
  return cuts;
}

std::vector<Cut> count_cuts(const ByteSource& source, uint64_t from, uint64_t end, size_t pieces) {
  // Each share's quotes and line feeds, counted in parallel; the parity of the quotes before a share's
  // start says whether it starts inside a quoted cell.
  struct Counts {
    uint64_t quotes = 0, newlines = 0;
  };
  std::vector<uint64_t> share(pieces + 1);
  for (size_t k = 0; k <= pieces; ++k) share[k] = from + (end - from) * k / pieces;
  std::vector<Counts> counts(pieces);
  for_each_task(pieces, [&](size_t k) {
    for_each_block(source, share[k], share[k + 1], [&](std::string_view bytes, uint64_t) {
      counts[k].quotes += count_in('"', bytes.data(), bytes.data() + bytes.size());
      counts[k].newlines += count_in('\n', bytes.data(), bytes.data() + bytes.size());
      return true;
    });
  });
  std::vector<Cut> cuts;
  uint64_t quotes = 0, newlines = 0;  // before share[k]
  for (size_t k = 1; k < pieces; ++k) {
    quotes += counts[k - 1].quotes;
    newlines += counts[k - 1].newlines;
    // The first line start from share[k] on outside every quoted cell: the quotes counted as the line
    // feeds are passed (within this share, or further when a quoted cell runs over it).
    uint64_t q = quotes, n = newlines;
    for_each_block(source, share[k], end, [&](std::string_view bytes, uint64_t offset) {
      const char* const stop = bytes.data() + bytes.size();
      for (const char* p = bytes.data(); p < stop;) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(stop - p)));
        if (!nl) {
          q += count_in('"', p, stop);
          return true;
        }
        q += count_in('"', p, nl);
        ++n;
        p = nl + 1;
        const uint64_t at = offset + static_cast<uint64_t>(p - bytes.data());
        if (q % 2 == 0 && at < end && !after_blank_line(source, from, at - 1)) {
          if (cuts.empty() || at > cuts.back().at) cuts.push_back(Cut{at, n});
          return false;
        }
      }
      return true;
    }, kSeekBlock);
  }
  return cuts;
}

namespace {

// Which piece each thread reads next (morsel-driven): thread t starts on the t-th of `threads` stretches
// of consecutive pieces and reads them in order; a thread whose stretch is done takes over the second
// half of what is left of the longest other one, a stretch of its own. A stretch's rows go to one part,
// so every part holds consecutive pieces in file order whatever the timing, and the merge (parts in
// file order) sees a one-thread read's order. Claims are rare (a piece is megabytes): a mutex will do.
class Claims {
 public:
  Claims(size_t pieces, size_t threads) {
    for (size_t t = 0; t < threads; ++t) stretches_.push_back(Stretch{pieces * t / threads, pieces * (t + 1) / threads});
  }
  struct Claim {
    size_t piece;
    bool starts_stretch;  // the first piece of a stretch: its rows go to a new part
    size_t first, end;    // the stretch, as it stands (a later claim may find it shorter)
  };
  // The next piece for thread slot `t`; nullopt when every piece is taken.
  std::optional<Claim> next(size_t t) {
    std::lock_guard<std::mutex> lock(mutex_);
    Stretch& mine = stretches_[t];
    if (mine.next < mine.end) {
      const size_t piece = mine.next++;
      return Claim{piece, piece == mine.first, mine.first, mine.end};
    }
    // A piece left to its own thread is read sooner there than a new part is made and merged for it: a
    // stretch is taken over only where two pieces or more are left.
    Stretch* longest = nullptr;
    for (Stretch& s : stretches_) {
      if (s.end - s.next >= 2 && (!longest || s.end - s.next > longest->end - longest->next)) longest = &s;
    }
    if (!longest) return std::nullopt;
    const size_t half = longest->next + (longest->end - longest->next) / 2;
    mine = Stretch{half, longest->end, half + 1};
    longest->end = half;
    return Claim{half, true, half, mine.end};
  }

 private:
  struct Stretch {
    size_t next, end;
    size_t first;  // where the stretch started
    Stretch(size_t from, size_t to) : next(from), end(to), first(from) {}
    Stretch(size_t from, size_t to, size_t after_first) : next(after_first), end(to), first(from) {}
  };
  std::mutex mutex_;
  std::vector<Stretch> stretches_;
};

}  // namespace

Pieces read_pieces(Reader& head, Window& head_window, const ByteSource& source, uint64_t rows_from, const std::string& display_name,
                   const TableSpec& spec, const ReadOptions& options, const Destination& to, ReadResult& result, size_t pieces,
                   size_t threads) {
  const uint64_t data_end = source.size();
  const uint64_t first_line = head.line();
  // (A rejected row is written to the rejects file, and kept in `rejected`, with its line number as it
  // is met: when rows are rejected the cuts are counted, so that every piece knows its lines from the
  // start. A guessed piece knows them only once the pieces before are read.)
  const bool exact = options.exact_split || options.reject_bad_rows;
  std::vector<Cut> cuts = exact ? count_cuts(source, rows_from, data_end, pieces) : guess_cuts(source, rows_from, data_end, pieces);
  const size_t n = cuts.size() + 1;
  // Piece k is [begin(k), begin(k + 1)).
  auto begin = [&](size_t k) { return k == 0 ? rows_from : k == n ? data_end : cuts[k - 1].at; };
  threads = std::min(threads, n);
  // A guessed piece's lines count from its origin: the piece before's start and line.
  std::vector<std::unique_ptr<LineOrigin>> origins(n);
  if (!exact) {
    for (size_t k = 1; k < n; ++k) {
      origins[k] = k == 1 ? std::make_unique<LineOrigin>(source, rows_from, begin(1), first_line)
                          : std::make_unique<LineOrigin>(source, begin(k - 1), begin(k), origins[k - 1].get());
    }
  }
  std::vector<ReadResult> results(n);
  // Piece k > 0's reader is made by the thread that claims the piece, on its stretch's part's pool.
  std::vector<std::unique_ptr<Reader>> readers(n);
  auto reader = [&](size_t k) -> Reader& { return k == 0 ? head : *readers[k]; };
  auto result_of = [&](size_t k) -> ReadResult& { return k == 0 ? result : results[k]; };
  std::vector<std::unique_ptr<std::FILE, int (*)(std::FILE*)>> rejects;
  if (head.writes_rejects()) {
    for (size_t k = 1; k < n; ++k) {
      rejects.emplace_back(std::tmpfile(), &std::fclose);
      if (!rejects.back()) {
        results[k].errors.push_back(InputError{display_name, 0, 0, {}, "cannot create a temporary file for the rejected rows"});
        results[k].io_failed = true;
        result.io_failed = true;
        return Pieces::Failed;
      }
    }
  }
  // `missed`: a cut that is not a row start; `failed`: the source cannot be read. Either stops every reader.
  std::atomic<bool> missed{false}, failed{false}, stop{false};
  auto miss = [&] {
    missed.store(true);
    stop.store(true);
  };
  auto fail = [&] {
    failed.store(true);
    stop.store(true);
  };
  // Piece k read by its reader into `part`, through `window`: the reader reads to the next piece's start,
  // where its last row must end. One whose last cell is a quoted cell the piece ends inside (the guess
  // was inside a quoted cell that holds line ends) stops every reader: the parts' sinks saw rows that
  // are not the file's.
  auto read_piece = [&](size_t k, const StreamPart& part, Window& window, double from, double share) {
    RangeStream in(source, begin(k), begin(k + 1), display_name);
    window.clear();
    if (!window.fill(in)) {
      stream_error(in, display_name, result_of(k));
      fail();
      return;
    }
    if (k > 0) {
      readers[k] = std::make_unique<Reader>(window.bytes(), display_name, spec, options, *part.pool, results[k]);
      Reader& r = *readers[k];
      r.start_after(head, window.bytes().data(), exact ? first_line + cuts[k - 1].newlines : 0);
      r.set_more_input(!window.ended());
      r.set_progress_share(0, begin(k + 1) - begin(k));
      r.stream_to(part.sink);
      if (!exact) r.number_lines_from(origins[k].get());
      if (!rejects.empty()) r.reject_into(rejects[k - 1].get());
    } else {
      head.continue_in(window.bytes(), !window.ended());
      head.set_progress_share(rows_from, begin(1) - rows_from);
    }
    Reader& r = reader(k);
    r.set_piece_share(from, share);
    r.stop_when(&stop);
    if (!read_rows_through(r, window, in, 0, display_name, result_of(k))) fail();
    if (k + 1 < n) {
      if (r.quoted_cell_unclosed()) {
        miss();
      } else if (!exact && !r.stopped()) {
        // The piece's line feeds, for the next piece's rows' lines.
        origins[k + 1]->set_newlines(k == 0 ? r.line() - first_line : r.line());
      }
    }
    if (k > 0) {
      // The piece is read: its reader and its chunk's columns give their memory back now, not once every
      // piece is.
      r.finish();
      readers[k].reset();
      results[k].table = Table();
    }
  };
  Claims claims(n, threads);
  // A window per task, reused from piece to piece (the first task's is the head's: it reads piece 0).
  std::vector<std::unique_ptr<Window>> windows(threads);
  for_each_task(threads, [&](size_t t) {
    if (t > 0) windows[t] = std::make_unique<Window>(options.window_bytes ? options.window_bytes : head_window.capacity());
    Window& window = t == 0 ? head_window : *windows[t];
    StreamPart part;
    while (std::optional<Claims::Claim> c = claims.next(t)) {
      if (c->piece == 0) {
        part = to.start;
      } else if (c->starts_stretch) {
        part = to.parts->part(to.at + c->piece);
      }
      // (How much of its part's stretch the piece is: what the scan sizes the part's tables by.)
      const double stretch = static_cast<double>(begin(c->end) - begin(c->first));
      read_piece(c->piece, part, window, static_cast<double>(begin(c->piece) - begin(c->first)) / stretch,
                 static_cast<double>(begin(c->piece + 1) - begin(c->piece)) / stretch);
    }
  });
  // The later pieces' rejected rows after the head's, in the file's order (a failed read is read again
  // from the start on one thread, which writes the rejects file anew).
  for (size_t k = 1; k < n && !missed.load() && !rejects.empty(); ++k) {
    if (!head.append_rejects(rejects[k - 1].get())) break;
  }
  head.finish();
  if (n == 1) return Pieces::One;  // the head read every row: its errors are a one-thread read's
  // A missed guess first: the pieces after it read from inside a quoted cell, and their errors are not
  // the file's (read again with counted cuts, those are).
  if (missed.load() && !exact) return Pieces::Missed;
  // Counted cuts that are not row starts: a malformed file, whose stray quotes (inside unquoted cells)
  // the count took for quoted cells. Its errors are a one-thread read's, below; but a read that rejects
  // bad rows has streamed rows the file does not have, and no error to stop on: it is read again in one
  // piece (the caller is told as of a missed guess).
  if (missed.load() && options.reject_bad_rows) return Pieces::Missed;
  bool ok = !missed.load() && !failed.load() && result.ok();
  for (size_t k = 1; k < n; ++k) ok = ok && results[k].ok();
  if (!ok) return Pieces::Failed;
  for (size_t k = 1; k < n; ++k) {
    result.rows_read += results[k].rows_read;
    result.rows_rejected += results[k].rows_rejected;
    for (InputError& e : results[k].rejected) {
      if (result.rejected.size() < options.max_rejects_reported) result.rejected.push_back(std::move(e));
    }
  }
  return Pieces::Read;
}

}  // namespace rebate::ledger::csv
