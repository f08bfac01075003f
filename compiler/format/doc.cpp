// The layout document's arena: building nodes, their source ranges, and the order pass of finish().
#include "format/doc.h"

#include <algorithm>

namespace rebate::format {

uint32_t columns(std::string_view s) {
  uint32_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

DocId Doc::add(DocNode n) {
  nodes_.push_back(n);
  return static_cast<DocId>(nodes_.size() - 1);
}

DocId Doc::text(std::string_view s, uint32_t src) {
  DocNode n;
  n.kind = DocKind::Text;
  n.text = s;
  n.width = columns(s);
  n.src = src;
  n.first_src = n.last_src = src;
  return add(n);
}

DocId Doc::own(std::string s, uint32_t src) {
  owned_.push_back(std::move(s));
  return text(owned_.back(), src);
}

DocId Doc::leaf(DocKind kind) {
  DocNode n;
  n.kind = kind;
  return add(n);
}

DocId Doc::hard_line() {
  DocNode n;
  n.kind = DocKind::HardLine;
  n.has_hard = true;
  return add(n);
}

DocId Doc::pad(uint32_t spaces) {
  DocNode n;
  n.kind = DocKind::Pad;
  n.count = spaces;
  return add(n);
}

DocId Doc::stmt(StmtKind kind) {
  DocNode n;
  n.kind = DocKind::Stmt;
  n.stmt = kind;
  // `Comments` breaks only when there are comments, and those make any group around them break anyway.
  n.has_hard = kind != StmtKind::Comments;
  return add(n);
}

DocId Doc::concat(const std::vector<DocId>& parts) {
  DocNode n;
  n.kind = DocKind::Concat;
  n.first = static_cast<uint32_t>(kids_.size());
  n.count = static_cast<uint32_t>(parts.size());
  for (DocId p : parts) {
    kids_.push_back(p);
    const DocNode& c = nodes_[p];
    n.has_hard = n.has_hard || c.has_hard;
    if (c.first_src != kNoSrc && n.first_src == kNoSrc) n.first_src = c.first_src;
    if (c.last_src != kNoSrc) n.last_src = c.last_src;
  }
  return add(n);
}

DocId Doc::wrap(DocKind kind, DocId child) {
  DocNode n;
  n.kind = kind;
  n.first = child;
  const DocNode& c = nodes_[child];
  n.has_hard = c.has_hard;
  n.first_src = c.first_src;
  n.last_src = c.last_src;
  return add(n);
}

void Doc::finish(DocId root) {
  // The texts and statement breaks in document order (an explicit stack: documents can be deep), then
  // each one's next src from the back.
  std::vector<DocId> order;
  std::vector<DocId> stack{root};
  while (!stack.empty()) {
    DocId id = stack.back();
    stack.pop_back();
    const DocNode& n = nodes_[id];
    switch (n.kind) {
      case DocKind::Text:
      case DocKind::Stmt:
        order.push_back(id);
        break;
      case DocKind::Concat:
        for (uint32_t i = n.count; i-- > 0;) stack.push_back(kids_[n.first + i]);
        break;
      case DocKind::Nest:
      case DocKind::Group:
      case DocKind::Flat:
        stack.push_back(n.first);
        break;
      case DocKind::Line:
      case DocKind::SoftLine:
      case DocKind::HardLine:
      case DocKind::Pad:
        break;
    }
  }
  uint32_t next = kNoSrc;
  for (size_t i = order.size(); i-- > 0;) {
    DocNode& n = nodes_[order[i]];
    n.next_src = next;
    if (n.kind == DocKind::Text && n.src != kNoSrc) next = n.src;
  }
}

uint32_t Doc::flat_width(DocId id) const {
  const DocNode& n = nodes_[id];
  switch (n.kind) {
    case DocKind::Text: return n.width;
    case DocKind::Line: return 1;
    case DocKind::Pad: return n.count;
    case DocKind::SoftLine:
    case DocKind::HardLine:
    case DocKind::Stmt:
      return 0;
    case DocKind::Concat: {
      uint32_t w = 0;
      for (uint32_t i = 0; i < n.count; ++i) w += flat_width(kids_[n.first + i]);
      return w;
    }
    case DocKind::Nest:
    case DocKind::Group:
    case DocKind::Flat:
      return flat_width(n.first);
  }
  return 0;
}

}  // namespace rebate::format
