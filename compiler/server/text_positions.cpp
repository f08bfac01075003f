// UTF-8 byte offsets <-> LSP positions (UTF-16 code units).
#include "server/text_positions.h"

#include <algorithm>

namespace rebate::server {

namespace {

// The length of the UTF-8 sequence that starts with `c` (1 for a byte that cannot start one), and how
// many UTF-16 units the code point takes.
size_t sequence_length(std::string_view text, size_t i, uint32_t* units) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (n > 1) {
    if (i + n > text.size()) n = 1;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) n = 1;
    }
  }
  *units = n == 4 ? 2 : 1;
  return n;
}

}  // namespace

uint32_t utf16_length(std::string_view text) {
  uint32_t total = 0;
  for (size_t i = 0; i < text.size();) {
    uint32_t units = 0;
    i += sequence_length(text, i, &units);
    total += units;
  }
  return total;
}

LineIndex::LineIndex(std::string_view text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      starts_.push_back(i + 1);
    } else if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      starts_.push_back(i + 1);
    }
  }
}

size_t LineIndex::line_end(std::string_view text, uint32_t line) const {
  size_t end = line + 1 < starts_.size() ? starts_[line + 1] : text.size();
  if (line + 1 < starts_.size()) {
    // Step back over the line break: "\n", "\r" or "\r\n".
    if (end > starts_[line] && text[end - 1] == '\n') --end;
    if (end > starts_[line] && text[end - 1] == '\r') --end;
  }
  return end;
}

size_t LineIndex::offset_of(std::string_view text, Position p, bool* clamped) const {
  if (clamped) *clamped = false;
  if (p.line >= starts_.size()) {
    if (clamped) *clamped = true;
    return text.size();
  }
  size_t i = starts_[p.line];
  size_t end = line_end(text, p.line);
  uint32_t units = 0;
  while (i < end && units < p.character) {
    uint32_t u = 0;
    size_t n = sequence_length(text, i, &u);
    // A position between the two halves of a surrogate pair means the code point's start.
    if (units + u > p.character) break;
    i += n;
    units += u;
  }
  if (units < p.character && i >= end && clamped) *clamped = true;
  return i;
}

Position LineIndex::position_of(std::string_view text, size_t offset) const {
  offset = std::min(offset, text.size());
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - starts_.begin() - 1);
  size_t start = starts_[line];
  size_t end = std::min(offset, line_end(text, line));
  return Position{line, utf16_length(text.substr(start, end - start))};
}

}  // namespace rebate::server
