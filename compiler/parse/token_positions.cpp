// Code point to byte offset mapping for ANTLR tokens.
#include "parse/token_positions.h"

#include <antlr4-runtime.h>

namespace rebate {

TokenPositions::TokenPositions(FileId file, const std::string& text, size_t skip) : file_(file) {
  offsets_.reserve(text.size() + 1);
  for (size_t i = skip; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) offsets_.push_back(static_cast<uint32_t>(i));
  }
  offsets_.push_back(static_cast<uint32_t>(text.size()));
}

uint32_t TokenPositions::byte_offset(size_t index) const {
  return index < offsets_.size() ? offsets_[index] : offsets_.back();
}

Span TokenPositions::span(const antlr4::Token* token) const { return span(token, token); }

Span TokenPositions::span(const antlr4::Token* first, const antlr4::Token* last) const {
  if (first->getType() == antlr4::Token::EOF) {
    uint32_t end = offsets_.back();
    return Span{file_, end, end};
  }
  uint32_t begin = byte_offset(first->getStartIndex());
  // getStopIndex is inclusive; EOF and empty tokens have stop < start.
  size_t start = last->getStartIndex();
  size_t stop = last->getStopIndex();
  uint32_t end = (stop == INVALID_INDEX || stop < start) ? byte_offset(start) : byte_offset(stop + 1);
  if (end < begin) end = begin;
  return Span{file_, begin, end};
}

}  // namespace rebate
