// Myers' diff over lines, in linear space: the "middle snake" bisection as Neil Fraser's diff-match-patch
// writes it (diff_bisect), after trimming the common head and tail at every level.
#include "format/line_diff.h"

#include <fmt/format.h>

#include <unordered_map>

namespace rebate::format {

namespace {

// The edit script, one operation a line: '=' (kept), '-' (old line removed), '+' (new line added).
class Differ {
 public:
  Differ(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) : a_(a), b_(b) {}

  std::string run() {
    diff(0, a_.size(), 0, b_.size());
    return std::move(ops_);
  }

 private:
  void diff(size_t a0, size_t a1, size_t b0, size_t b1) {
    while (a0 < a1 && b0 < b1 && a_[a0] == b_[b0]) {
      ops_ += '=';
      ++a0;
      ++b0;
    }
    size_t tail = 0;
    while (a1 > a0 && b1 > b0 && a_[a1 - 1] == b_[b1 - 1]) {
      --a1;
      --b1;
      ++tail;
    }
    if (a0 == a1) {
      ops_.append(b1 - b0, '+');
    } else if (b0 == b1) {
      ops_.append(a1 - a0, '-');
    } else {
      bisect(a0, a1, b0, b1);
    }
    ops_.append(tail, '=');
  }

  // Finds the middle snake of a[a0,a1) against b[b0,b1) (both non-empty) and diffs the two halves.
  void bisect(size_t a0, size_t a1, size_t b0, size_t b1) {
    const long n = static_cast<long>(a1 - a0), m = static_cast<long>(b1 - b0);
    auto A = [&](long i) { return a_[a0 + static_cast<size_t>(i)]; };
    auto B = [&](long j) { return b_[b0 + static_cast<size_t>(j)]; };
    const long max_d = (n + m + 1) / 2;
    const long offset = max_d;
    const long length = 2 * max_d + 2;
    std::vector<long> v1(static_cast<size_t>(length), -1), v2(static_cast<size_t>(length), -1);
    v1[static_cast<size_t>(offset + 1)] = 0;
    v2[static_cast<size_t>(offset + 1)] = 0;
    const long delta = n - m;
    const bool front = delta % 2 != 0;  // the forward path meets the reverse one (odd delta), or the reverse the forward
    long k1start = 0, k1end = 0, k2start = 0, k2end = 0;
    auto at = [](std::vector<long>& v, long i) -> long& { return v[static_cast<size_t>(i)]; };
    for (long d = 0; d < max_d; ++d) {
      for (long k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
        const long k1o = offset + k1;
        long x1 = (k1 == -d || (k1 != d && at(v1, k1o - 1) < at(v1, k1o + 1))) ? at(v1, k1o + 1) : at(v1, k1o - 1) + 1;
        long y1 = x1 - k1;
        while (x1 < n && y1 < m && A(x1) == B(y1)) {
          ++x1;
          ++y1;
        }
        at(v1, k1o) = x1;
        if (x1 > n) {
          k1end += 2;  // ran off the right
        } else if (y1 > m) {
          k1start += 2;  // ran off the bottom
        } else if (front) {
          const long k2o = offset + delta - k1;
          if (k2o >= 0 && k2o < length && at(v2, k2o) != -1 && x1 >= n - at(v2, k2o)) {
            split(a0, a1, b0, b1, x1, y1);
            return;
          }
        }
      }
      for (long k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
        const long k2o = offset + k2;
        long x2 = (k2 == -d || (k2 != d && at(v2, k2o - 1) < at(v2, k2o + 1))) ? at(v2, k2o + 1) : at(v2, k2o - 1) + 1;
        long y2 = x2 - k2;
        while (x2 < n && y2 < m && A(n - x2 - 1) == B(m - y2 - 1)) {
          ++x2;
          ++y2;
        }
        at(v2, k2o) = x2;
        if (x2 > n) {
          k2end += 2;
        } else if (y2 > m) {
          k2start += 2;
        } else if (!front) {
          const long k1o = offset + delta - k2;
          if (k1o >= 0 && k1o < length && at(v1, k1o) != -1) {
            const long x1 = at(v1, k1o);
            const long y1 = offset + x1 - k1o;
            if (x1 >= n - x2) {
              split(a0, a1, b0, b1, x1, y1);
              return;
            }
          }
        }
      }
    }
    // Nothing in common.
    ops_.append(static_cast<size_t>(n), '-');
    ops_.append(static_cast<size_t>(m), '+');
  }

  void split(size_t a0, size_t a1, size_t b0, size_t b1, long x, long y) {
    diff(a0, a0 + static_cast<size_t>(x), b0, b0 + static_cast<size_t>(y));
    diff(a0 + static_cast<size_t>(x), a1, b0 + static_cast<size_t>(y), b1);
  }

  const std::vector<uint32_t>& a_;
  const std::vector<uint32_t>& b_;
  std::string ops_;
};

std::string range(size_t start, size_t count) {
  // `diff -u`'s ranges: 1-based; an empty range names the line before it; a count of one is left out.
  if (count == 0) return fmt::format("{},0", start);
  if (count == 1) return fmt::format("{}", start + 1);
  return fmt::format("{},{}", start + 1, count);
}

void append_line(std::string& out, char mark, std::string_view line) {
  out += mark;
  out += line;
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

std::vector<LineChange> line_changes(const std::vector<std::string_view>& before,
                                     const std::vector<std::string_view>& after) {
  std::unordered_map<std::string_view, uint32_t> ids;
  auto intern = [&](const std::vector<std::string_view>& lines) {
    std::vector<uint32_t> out;
    out.reserve(lines.size());
    for (std::string_view l : lines) out.push_back(ids.emplace(l, static_cast<uint32_t>(ids.size())).first->second);
    return out;
  };
  std::vector<uint32_t> a = intern(before), b = intern(after);
  std::string ops = Differ(a, b).run();
  std::vector<LineChange> changes;
  size_t i = 0, j = 0, k = 0;
  while (k < ops.size()) {
    if (ops[k] == '=') {
      ++i;
      ++j;
      ++k;
      continue;
    }
    LineChange c{i, i, j, j};
    for (; k < ops.size() && ops[k] != '='; ++k) {
      if (ops[k] == '-') ++c.old_end;
      else ++c.new_end;
    }
    i = c.old_end;
    j = c.new_end;
    changes.push_back(c);
  }
  return changes;
}

std::string unified_diff(std::string_view before, std::string_view after, const std::string& label, size_t context) {
  const std::vector<std::string_view> a = split_lines(before), b = split_lines(after);
  const std::vector<LineChange> changes = line_changes(a, b);
  if (changes.empty()) return {};
  std::string out = fmt::format("--- a/{}\n+++ b/{}\n", label, label);
  size_t first = 0;
  while (first < changes.size()) {
    // Changes whose contexts touch or overlap make one hunk.
    size_t last = first;
    while (last + 1 < changes.size() && changes[last + 1].old_begin - changes[last].old_end <= 2 * context) ++last;
    const LineChange& f = changes[first];
    const LineChange& l = changes[last];
    const size_t old_start = f.old_begin >= context ? f.old_begin - context : 0;
    const size_t old_end = std::min(a.size(), l.old_end + context);
    const size_t new_start = f.new_begin - (f.old_begin - old_start);
    const size_t new_end = l.new_end + (old_end - l.old_end);
    out += fmt::format("@@ -{} +{} @@\n", range(old_start, old_end - old_start), range(new_start, new_end - new_start));
    size_t i = old_start;
    for (size_t c = first; c <= last; ++c) {
      for (; i < changes[c].old_begin; ++i) append_line(out, ' ', a[i]);
      for (size_t k = changes[c].old_begin; k < changes[c].old_end; ++k) append_line(out, '-', a[k]);
      for (size_t k = changes[c].new_begin; k < changes[c].new_end; ++k) append_line(out, '+', b[k]);
      i = changes[c].old_end;
    }
    for (; i < old_end; ++i) append_line(out, ' ', a[i]);
    first = last + 1;
  }
  return out;
}

}  // namespace rebate::format
