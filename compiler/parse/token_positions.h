// ANTLR counts positions in code points; the compiler's spans are byte offsets. This maps one to the other.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "source/source.h"

namespace antlr4 {
class Token;
}

namespace rebate {

class TokenPositions {
 public:
  // `skip` bytes at the start of the text (a UTF-8 byte order mark) are not given to the lexer.
  TokenPositions(FileId file, const std::string& text, size_t skip);

  uint32_t byte_offset(size_t code_point_index) const;
  Span span(const antlr4::Token* token) const;
  Span span(const antlr4::Token* first, const antlr4::Token* last) const;
  FileId file() const { return file_; }

 private:
  FileId file_;
  std::vector<uint32_t> offsets_;  // offsets_[i] = byte offset of code point i; one extra at the end
};

}  // namespace rebate
