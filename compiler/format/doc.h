// The layout document: what the printer (printer.h) builds from the AST and the renderer (layout.h)
// turns into text. A Wadler-style document: text, places where a line may break, groups that are laid out
// on one line when they fit and broken otherwise, and indentation; plus the statement breaks between the
// items of a block, where the renderer also places comments and keeps blank lines.
//
// Every text that comes from a source token carries the token's byte offset (`src`): comments are
// placed by comparing their offsets with these, so the document needs no comment nodes of its own.
#pragma once

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace rebate::format {

using DocId = uint32_t;
inline constexpr uint32_t kNoSrc = UINT32_MAX;

enum class DocKind : uint8_t {
  Text,      // a token or fixed text, on one line
  Line,      // a space, or a line break where its group is broken
  SoftLine,  // nothing, or a line break where its group is broken
  HardLine,  // always a line break (before a block's `}`)
  Pad,       // `count` spaces: the alignment of a table's columns
  Concat,    // the children in order
  Nest,      // the child, its line breaks indented one level more
  Group,     // the child on one line if it fits in the width and holds no comment, else broken
  Flat,      // the child on one line, whatever its width (a row of a table)
  Stmt,      // a statement break: see StmtKind
};

// What a statement break does besides breaking the line. Each places the comments that come before the
// next token (each on its own line) and decides the blank lines around them.
enum class StmtKind : uint8_t {
  Start,        // the start of the file: no line break, only the comments above the first declaration
  Item,         // between two items of a block (or two imports): one blank line where the source had any
  Declaration,  // between two declarations: always one blank line, above the next one's comments
  Comments,     // before a block's `}` or the end of the file: the comments left, nothing if there are none
};

struct DocNode {
  DocKind kind = DocKind::Text;
  StmtKind stmt = StmtKind::Item;
  bool has_hard = false;      // a HardLine or a breaking Stmt inside: a group around it must break
  uint32_t src = kNoSrc;      // Text: the source token's offset
  uint32_t first_src = kNoSrc, last_src = kNoSrc;  // the first and last src inside (Group: comment test)
  uint32_t next_src = kNoSrc; // Text and Stmt: the src of the next text with one (set by Doc::finish)
  uint32_t count = 0;         // Pad: spaces; Concat: children
  uint32_t first = 0;         // Concat: index of the first child in `kids`; Nest, Group, Flat: the child
  std::string_view text;      // Text
  uint32_t width = 0;         // Text: columns (code points)
};

// An arena of nodes; ids are indices. Build bottom-up, then finish() the root once.
class Doc {
 public:
  DocId text(std::string_view s, uint32_t src = kNoSrc);  // `s` must outlive the Doc (or use own())
  DocId own(std::string s, uint32_t src = kNoSrc);       // a text the Doc keeps
  DocId line() { return leaf(DocKind::Line); }
  DocId soft_line() { return leaf(DocKind::SoftLine); }
  DocId hard_line();
  DocId pad(uint32_t spaces);
  DocId stmt(StmtKind kind);
  DocId concat(const std::vector<DocId>& parts);
  DocId concat(std::initializer_list<DocId> parts) { return concat(std::vector<DocId>(parts)); }
  DocId nest(DocId child) { return wrap(DocKind::Nest, child); }
  DocId group(DocId child) { return wrap(DocKind::Group, child); }
  DocId flat(DocId child) { return wrap(DocKind::Flat, child); }
  DocId empty() { return concat({}); }

  // Sets every Text's and Stmt's next_src, in the order the renderer meets them.
  void finish(DocId root);

  const DocNode& node(DocId id) const { return nodes_[id]; }
  DocId child(DocId id, uint32_t i) const { return kids_[nodes_[id].first + i]; }
  // Columns the node takes on one line (comments aside).
  uint32_t flat_width(DocId id) const;

 private:
  DocId leaf(DocKind kind);
  DocId wrap(DocKind kind, DocId child);
  DocId add(DocNode n);

  std::vector<DocNode> nodes_;
  std::vector<DocId> kids_;
  std::deque<std::string> owned_;
};

// Columns a text takes: its code points.
uint32_t columns(std::string_view s);

}  // namespace rebate::format
