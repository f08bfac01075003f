// The source text the checker's spans point into (symbol_text.h).
#include "server/symbol_text.h"

namespace rebate::server {

std::string text_of(const SourceMap& sources, Span span) {
  if (!span.valid()) return {};
  const std::string& text = sources.file(span.file).text();
  if (span.begin > text.size() || span.end > text.size() || span.end < span.begin) return {};
  return text.substr(span.begin, span.end - span.begin);
}

}  // namespace rebate::server
