// Code tokens, comments and bracket pairs from the parse phase's token list.
#include "format/tokens.h"

#include "parse/parse.h"

namespace rebate::format {

std::string normalized_comment(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    out += line;
    if (end == std::string_view::npos) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

bool blank_line_between(std::string_view text, uint32_t from, uint32_t to) {
  int breaks = 0;
  for (uint32_t i = from; i < to && i < text.size(); ++i) {
    if (text[i] == '\n' && ++breaks == 2) return true;
  }
  return false;
}

SourceTokens source_tokens(const SourceFile& file) {
  SourceTokens out;
  std::string_view text = file.text();
  uint32_t code_end = 0;  // where the last code token ended
  bool any_code = false;
  for (const ClassifiedToken& t : classify_tokens(file)) {
    std::string_view written = text.substr(t.span.begin, t.span.end - t.span.begin);
    if (t.token_class == TokenClass::Comment || t.token_class == TokenClass::DocComment) {
      Comment c;
      c.begin = t.span.begin;
      c.end = t.span.end;
      c.text = normalized_comment(written);
      c.block = written.size() >= 2 && written[1] == '*';
      c.trailing = any_code && text.substr(code_end, t.span.begin - code_end).find('\n') == std::string_view::npos;
      out.comments.push_back(std::move(c));
      continue;
    }
    out.code.push_back(CodeToken{t.span.begin, t.span.end, written});
    code_end = t.span.end;
    any_code = true;
  }
  out.close.assign(out.code.size(), SIZE_MAX);
  std::vector<size_t> open;
  for (size_t i = 0; i < out.code.size(); ++i) {
    if (out.code[i].text == "(") {
      open.push_back(i);
    } else if (out.code[i].text == ")" && !open.empty()) {
      out.close[open.back()] = i;
      open.pop_back();
    }
  }
  return out;
}

}  // namespace rebate::format
