// The source as the formatter sees it: the code tokens in order (the printer walks them alongside the
// AST), and the comments with where they stand (the renderer places them). Both come from the parse
// phase's token list (parse.h: classify_tokens), so the formatter never lexes on its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "source/source.h"

namespace rebate::format {

struct CodeToken {
  uint32_t begin = 0, end = 0;
  std::string_view text;
};

struct Comment {
  uint32_t begin = 0, end = 0;
  std::string text;        // as written, without the spaces that ended its lines
  bool block = false;      // `/* */`
  bool trailing = false;   // on the line of the code before it (else on a line of its own)
};

struct SourceTokens {
  std::vector<CodeToken> code;
  std::vector<Comment> comments;
  // code[i] is `(` and code[close[i]] its `)`; SIZE_MAX for every other token.
  std::vector<size_t> close;
};

SourceTokens source_tokens(const SourceFile& file);

// A comment's text as the formatter writes it: the spaces and tabs (and `\r`) at the end of each of its
// lines removed. Both the formatter and the checks of its output compare comments through this.
std::string normalized_comment(std::string_view text);

// Whether the source has a blank line between offsets `from` and `to` (two line breaks).
bool blank_line_between(std::string_view text, uint32_t from, uint32_t to);

}  // namespace rebate::format
