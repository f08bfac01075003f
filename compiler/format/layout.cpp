// The renderer (layout.h). One pass over the document with an explicit stack of (indentation, flat or
// broken, node); comments are written as the pass meets the tokens they stand before or after.
#include "format/layout.h"

#include <algorithm>

namespace rebate::format {
namespace {

class Renderer {
 public:
  Renderer(const Doc& doc, const std::vector<Comment>& comments, std::string_view source)
      : doc_(doc), comments_(comments), source_(source) {}

  std::string run(DocId root) {
    stack_.push_back(Item{0, false, root});
    while (!stack_.empty()) {
      Item item = stack_.back();
      stack_.pop_back();
      step(item);
    }
    // Whatever the document's last statement break did not place (a document without one).
    while (next_ < comments_.size()) own_line(comments_[next_], 0);
    return finished();
  }

 private:
  struct Item {
    uint32_t indent;
    bool flat;
    DocId id;
  };

  void step(const Item& item) {
    const DocNode& n = doc_.node(item.id);
    switch (n.kind) {
      case DocKind::Text:
        if (n.src == kNoSrc && n.text == " " && (need_break_ || line_empty_)) {
          if (need_break_) newline(item.indent);
          return;  // a space between two tokens is not needed at the start of a line
        }
        if (n.src != kNoSrc) flush_before(n.src, item.indent);
        if (need_break_) newline(item.indent);
        write(n.text, n.width);
        if (n.src != kNoSrc) {
          last_end_ = n.src + static_cast<uint32_t>(n.text.size());
          flush_trailing(n.next_src);
        }
        return;
      case DocKind::Line:
      case DocKind::SoftLine:
        if (!item.flat || need_break_) {
          newline(item.indent);
        } else if (n.kind == DocKind::Line) {
          write(" ", 1);
        }
        return;
      case DocKind::HardLine:
        newline(item.indent);
        return;
      case DocKind::Pad:
        if (need_break_ || line_empty_) return;  // alignment is lost on a line a comment broke
        write(std::string(n.count, ' '), n.count);
        return;
      case DocKind::Concat:
        for (uint32_t i = n.count; i-- > 0;) stack_.push_back(Item{item.indent, item.flat, doc_.child(item.id, i)});
        return;
      case DocKind::Nest:
        stack_.push_back(Item{item.indent + kIndent, item.flat, n.first});
        return;
      case DocKind::Flat:
        stack_.push_back(Item{item.indent, true, n.first});
        return;
      case DocKind::Group: {
        if (n.first_src != kNoSrc) flush_before(n.first_src, item.indent);
        bool flat = item.flat;
        if (!flat) flat = !n.has_hard && !comment_inside(n.first_src, n.last_src) && fits(n.first, item.indent);
        stack_.push_back(Item{item.indent, flat, n.first});
        return;
      }
      case DocKind::Stmt:
        statement(n, item.indent);
        return;
    }
  }

  // ---- output ------------------------------------------------------------------------------------

  void write(std::string_view s, uint32_t width) {
    if (line_empty_) {
      out_.append(indent_, ' ');
      line_empty_ = false;
    }
    out_ += s;
    col_ += width;
  }

  // Ends the current line (nothing to do on a line still empty but its indentation).
  void newline(uint32_t indent) {
    if (!line_empty_) out_ += '\n';
    line_empty_ = true;
    need_break_ = false;
    indent_ = indent;
    col_ = indent;
  }

  // One empty line here, unless the output starts here, already has one, or a block opens just above.
  void blank_line() {
    if (!line_empty_ || out_.empty() || out_.back() != '\n') return;
    if (out_.size() >= 2 && out_[out_.size() - 2] == '\n') return;
    size_t last = out_.find_last_not_of(' ', out_.size() - 2);
    if (last != std::string::npos && out_[last] == '{') return;
    out_ += '\n';
  }

  bool blank_between(uint32_t from, uint32_t to) const {
    return blank_line_between(source_, from, to == kNoSrc ? static_cast<uint32_t>(source_.size()) : to);
  }

  // ---- comments -------------------------------------------------------------------------------

  void write_comment(const Comment& c) {
    if (line_empty_) {
      out_.append(indent_, ' ');
      line_empty_ = false;
    }
    out_ += c.text;
    size_t nl = c.text.rfind('\n');
    col_ = nl == std::string::npos ? col_ + columns(c.text) : columns(std::string_view(c.text).substr(nl + 1));
    last_end_ = c.end;
    ++next_;
  }

  // A comment on a line of its own, at `indent`; the line after it is started.
  void own_line(const Comment& c, uint32_t indent) {
    newline(indent);
    write_comment(c);
    newline(indent);
  }

  // The comments before the token at `src` that stand on lines of their own.
  void flush_before(uint32_t src, uint32_t indent) {
    while (next_ < comments_.size() && comments_[next_].begin < src) own_line(comments_[next_], indent);
  }

  // The comments that follow the token just written on its line (and come before the next token).
  void flush_trailing(uint32_t next_src) {
    while (next_ < comments_.size() && comments_[next_].trailing && comments_[next_].begin < next_src) {
      const Comment& c = comments_[next_];
      write(" ", 1);
      write_comment(c);
      if (!c.block) need_break_ = true;
    }
  }

  // Whether a comment between the first and the last token of a group needs a line break: all but a
  // `/* */` comment on one line after code (`f(x, /* why */ y)`), which stays where it is on a flat line.
  bool comment_inside(uint32_t first, uint32_t last) const {
    if (first == kNoSrc || last == kNoSrc) return false;
    auto it = std::upper_bound(comments_.begin() + static_cast<long>(next_), comments_.end(), first,
                               [](uint32_t offset, const Comment& c) { return offset < c.begin; });
    for (; it != comments_.end() && it->begin < last; ++it) {
      if (!it->block || !it->trailing || it->text.find('\n') != std::string::npos) return true;
    }
    return false;
  }

  // How many of the comments from next_ on come before `src`.
  size_t comments_before(uint32_t src) const {
    size_t k = next_;
    while (k < comments_.size() && comments_[k].begin < src) ++k;
    return k;
  }

  void statement(const DocNode& n, uint32_t indent) {
    const uint32_t next = n.next_src;
    switch (n.stmt) {
      case StmtKind::Start:
      case StmtKind::Item: {
        newline(indent);
        size_t end = comments_before(next);
        while (next_ < end) {
          if (blank_between(last_end_, comments_[next_].begin)) blank_line();
          write_comment(comments_[next_]);
          newline(indent);
        }
        if (blank_between(last_end_, next)) blank_line();
        return;
      }
      case StmtKind::Declaration: {
        newline(indent);
        size_t end = comments_before(next);
        // The comments right above the declaration (no blank line between them and it) are its own: the
        // blank line goes above them. Comments before a blank line stay below the declaration before.
        size_t leading = end;
        while (leading > next_ && !blank_between(comments_[leading - 1].end, leading == end ? next : comments_[leading].begin)) {
          --leading;
        }
        while (next_ < leading) {
          if (blank_between(last_end_, comments_[next_].begin)) blank_line();
          write_comment(comments_[next_]);
          newline(indent);
        }
        blank_line();
        while (next_ < end) {
          write_comment(comments_[next_]);
          newline(indent);
        }
        return;
      }
      case StmtKind::Comments: {
        size_t end = comments_before(next);
        while (next_ < end) {
          newline(indent);
          if (blank_between(last_end_, comments_[next_].begin)) blank_line();
          write_comment(comments_[next_]);
        }
        return;
      }
    }
  }

  // ---- fitting ---------------------------------------------------------------------------------

  // Whether `id`, flat, and what follows it up to the next line break fit in the rest of the line.
  bool fits(DocId id, uint32_t indent) const {
    int64_t left = static_cast<int64_t>(kLineWidth) - static_cast<int64_t>(need_break_ ? indent : col_);
    std::vector<std::pair<DocId, bool>> local{{id, true}};
    size_t rest = stack_.size();
    while (left >= 0) {
      if (local.empty()) {
        if (rest == 0) return true;
        --rest;
        local.emplace_back(stack_[rest].id, stack_[rest].flat);
      }
      auto [d, flat] = local.back();
      local.pop_back();
      const DocNode& n = doc_.node(d);
      switch (n.kind) {
        case DocKind::Text: left -= n.width; break;
        case DocKind::Pad: left -= n.count; break;
        case DocKind::Line:
          if (!flat) return true;
          left -= 1;
          break;
        case DocKind::SoftLine:
          if (!flat) return true;
          break;
        case DocKind::HardLine:
          return true;
        case DocKind::Stmt:
          // The comments before a `)` or `}`: none here (they would have broken the group); the others
          // end the line.
          if (n.stmt != StmtKind::Comments) return true;
          break;
        case DocKind::Concat:
          for (uint32_t i = n.count; i-- > 0;) local.emplace_back(doc_.child(d, i), flat);
          break;
        case DocKind::Nest:
        case DocKind::Group:
          local.emplace_back(n.first, flat);
          break;
        case DocKind::Flat:
          local.emplace_back(n.first, true);
          break;
      }
    }
    return false;
  }

  // No spaces at the ends of lines; one line break at the end of a file that has anything in it.
  std::string finished() {
    std::string text;
    text.reserve(out_.size() + 1);
    size_t start = 0;
    while (start < out_.size()) {
      size_t end = out_.find('\n', start);
      if (end == std::string::npos) end = out_.size();
      size_t stop = end;
      while (stop > start && (out_[stop - 1] == ' ' || out_[stop - 1] == '\t')) --stop;
      text.append(out_, start, stop - start);
      text += '\n';
      start = end + 1;
    }
    while (text.size() >= 2 && text[text.size() - 1] == '\n' && text[text.size() - 2] == '\n') text.pop_back();
    if (text == "\n") text.clear();
    return text;
  }

  const Doc& doc_;
  const std::vector<Comment>& comments_;
  std::string_view source_;
  std::vector<Item> stack_;
  std::string out_;
  size_t next_ = 0;         // the first comment not written yet
  uint32_t col_ = 0;        // the column the next character goes to
  uint32_t indent_ = 0;     // the current line's indentation, written with its first character
  bool line_empty_ = true;  // nothing but (unwritten) indentation on the current line
  bool need_break_ = false; // a `//` comment ended the line: what comes next starts a new one
  uint32_t last_end_ = 0;   // where the last token or comment written ends in the source
};

}  // namespace

std::string render(const Doc& doc, DocId root, const std::vector<Comment>& comments, std::string_view source) {
  return Renderer(doc, comments, source).run(root);
}

}  // namespace rebate::format
