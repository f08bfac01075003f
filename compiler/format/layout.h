// The renderer: a finished layout document and the source's comments in, text out.
//
// Groups are laid out on one line when they fit in the line width and hold no comment, and broken
// otherwise (Lindig's strict variant of Wadler's printer, with an explicit stack). Comments are placed by
// source position: one that followed code on its line follows the same token; one on a line of its own
// gets a line of its own before the next token; a blank line before or after a comment, or between two
// items of a block, is kept (one at most). The output has no trailing spaces and ends with one line break.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "format/doc.h"
#include "format/tokens.h"

namespace rebate::format {

inline constexpr uint32_t kLineWidth = 100;
inline constexpr uint32_t kIndent = 4;

// `source` is the text the comments' and the document's offsets point into.
std::string render(const Doc& doc, DocId root, const std::vector<Comment>& comments, std::string_view source);

}  // namespace rebate::format
