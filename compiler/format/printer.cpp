// The printer's token cursor, and the file: its declarations in source order, with the statement breaks
// between them.
#include "format/printer.h"

#include <algorithm>
#include <functional>

namespace rebate::format {

DocId Printer::tok(std::string_view text) {
  if (pos_ < tokens_.code.size() && tokens_.code[pos_].text == text) {
    const CodeToken& t = tokens_.code[pos_++];
    return doc_.text(t.text, t.begin);
  }
  ++mismatches_;
  return doc_.own(std::string(text));
}

DocId Printer::next_tok() {
  if (pos_ < tokens_.code.size()) {
    const CodeToken& t = tokens_.code[pos_++];
    return doc_.text(t.text, t.begin);
  }
  ++mismatches_;
  return doc_.empty();
}

void Printer::skip(std::string_view text) {
  if (pos_ < tokens_.code.size() && tokens_.code[pos_].text == text) ++pos_;
}

size_t Printer::token_at(uint32_t offset) const {
  auto it = std::lower_bound(tokens_.code.begin(), tokens_.code.end(), offset,
                             [](const CodeToken& t, uint32_t o) { return t.begin < o; });
  return static_cast<size_t>(it - tokens_.code.begin());
}

size_t Printer::paren_levels(const Span& span) const {
  size_t first = token_at(span.begin);
  size_t after = token_at(span.end);  // the first token past the span
  if (first >= tokens_.code.size() || after == 0 || tokens_.code[first].begin != span.begin) return 0;
  size_t last = after - 1;
  if (tokens_.code[last].end != span.end) return 0;
  size_t levels = 0;
  while (first + levels < last - levels && tokens_.code[first + levels].text == "(" &&
         tokens_.close[first + levels] == last - levels) {
    ++levels;
  }
  return levels;
}

bool Printer::comments_between(uint32_t begin, uint32_t end) const {
  auto it = std::lower_bound(tokens_.comments.begin(), tokens_.comments.end(), begin,
                             [](const Comment& c, uint32_t o) { return c.begin < o; });
  return it != tokens_.comments.end() && it->begin < end;
}

DocId Printer::module(const ast::Module& m) {
  struct Declaration {
    uint32_t begin;
    bool is_import;
    std::function<DocId()> print;
  };
  std::vector<Declaration> all;
  for (const auto& d : m.imports) all.push_back({d.span.begin, true, [&] { return import_decl(d); }});
  for (const auto& d : m.programs) all.push_back({d.span.begin, false, [&] { return program(d); }});
  for (const auto& d : m.enums) all.push_back({d.span.begin, false, [&] { return enumeration(d); }});
  for (const auto& d : m.sources) all.push_back({d.span.begin, false, [&] { return source(d); }});
  for (const auto& d : m.calendars) all.push_back({d.span.begin, false, [&] { return calendar(d); }});
  for (const auto& d : m.consts) all.push_back({d.span.begin, false, [&] { return constant(d); }});
  for (const auto& d : m.measures) all.push_back({d.span.begin, false, [&] { return measure(d); }});
  for (const auto& d : m.groups) all.push_back({d.span.begin, false, [&] { return group(d); }});
  for (const auto& d : m.tiers) all.push_back({d.span.begin, false, [&] { return tiers(d); }});
  for (const auto& d : m.decisions) all.push_back({d.span.begin, false, [&] { return decision(d); }});
  for (const auto& d : m.rebates) all.push_back({d.span.begin, false, [&] { return rebate(d); }});
  for (const auto& d : m.awards) all.push_back({d.span.begin, false, [&] { return award(d); }});
  for (const auto& d : m.budgets) all.push_back({d.span.begin, false, [&] { return budget(d); }});
  for (const auto& d : m.tests) all.push_back({d.span.begin, false, [&] { return test(d); }});
  std::stable_sort(all.begin(), all.end(), [](const Declaration& a, const Declaration& b) { return a.begin < b.begin; });

  std::vector<DocId> parts{doc_.stmt(StmtKind::Start)};
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) {
      // Imports stay together; every other declaration is set apart by a blank line.
      bool imports = all[i - 1].is_import && all[i].is_import;
      parts.push_back(doc_.stmt(imports ? StmtKind::Item : StmtKind::Declaration));
    }
    parts.push_back(all[i].print());
  }
  parts.push_back(doc_.stmt(StmtKind::Comments));
  DocId root = doc_.concat(parts);
  doc_.finish(root);
  return root;
}

}  // namespace rebate::format
