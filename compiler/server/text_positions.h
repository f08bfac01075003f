// Positions as the Language Server Protocol counts them (zero-based lines, columns in UTF-16 code units)
// and as the compiler counts them (byte offsets into UTF-8 text), and the conversion between the two.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rebate::server {

struct Position {
  uint32_t line = 0;
  uint32_t character = 0;  // UTF-16 code units from the start of the line
};

struct Range {
  Position start;
  Position end;
};

// The line starts of a text. Lines end at "\n", "\r\n" or "\r", as LSP 3.17 says.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);

  // The byte offset of a position. A character past the end of its line means the end of the line and a
  // line past the last one the end of the text (what the protocol asks of servers); `clamped` says so.
  size_t offset_of(std::string_view text, Position p, bool* clamped = nullptr) const;
  Position position_of(std::string_view text, size_t offset) const;
  uint32_t line_count() const { return static_cast<uint32_t>(starts_.size()); }

 private:
  std::vector<size_t> starts_;
  size_t line_end(std::string_view text, uint32_t line) const;  // before the line break
};

// How many UTF-16 code units the UTF-8 bytes [begin, end) of `text` are. A byte that is not part of a valid
// sequence counts as one unit (as an editor shows U+FFFD).
uint32_t utf16_length(std::string_view text);

}  // namespace rebate::server
