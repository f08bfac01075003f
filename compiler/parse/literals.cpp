// Literal decoding.
#include "parse/literals.h"

namespace rebate {

std::string strip_digit_separators(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != '_') out.push_back(c);
  }
  return out;
}

std::string decode_string_literal(std::string_view text) {
  // Double quotes, or single quotes (accepted after a diagnostic) around the text.
  char quote = !text.empty() && text.front() == '\'' ? '\'' : '"';
  if (!text.empty() && text.front() == quote) text.remove_prefix(1);
  if (!text.empty() && text.back() == quote) text.remove_suffix(1);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      char next = text[++i];
      switch (next) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        default:
          out.push_back('\\');
          out.push_back(next);
      }
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace rebate
