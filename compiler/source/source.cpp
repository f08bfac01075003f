// Line tables and line/column lookups for source files.
#include "source/source.h"

#include <algorithm>

namespace rebate {

Span Span::cover(Span a, Span b) {
  if (!a.valid()) return b;
  if (!b.valid() || a.file != b.file) return a;
  return Span{a.file, std::min(a.begin, b.begin), std::max(a.end, b.end)};
}

SourceFile::SourceFile(FileId id, std::string path, std::string text)
    : id_(id), path_(std::move(path)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
  // Checkpoints make a column O(4096) on any line, not O(column): a megabyte-long line with many
  // diagnostics on it would otherwise take minutes to render.
  uint32_t count = 0;
  for (uint32_t i = 0; i < text_.size(); ++i) {
    if (i % 4096 == 0) continuations_.push_back(count);
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) == 0x80) ++count;
  }
}

uint32_t SourceFile::continuations_before(uint32_t offset) const {
  if (continuations_.empty()) return 0;
  uint32_t k = std::min<uint32_t>(offset / 4096, static_cast<uint32_t>(continuations_.size() - 1));
  uint32_t count = continuations_[k];
  for (uint32_t i = k * 4096; i < offset; ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) == 0x80) ++count;
  }
  return count;
}

LineCol SourceFile::line_col(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - line_starts_.begin());
  // Count code points: skip UTF-8 continuation bytes. A byte-order mark is not a column.
  uint32_t begin = line_starts_[line - 1];
  uint32_t column = 1 + (offset - begin) - (continuations_before(offset) - continuations_before(begin));
  if (begin == 0 && offset >= 3 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0) --column;
  return LineCol{line, column};
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  uint32_t begin = line_starts_[line - 1];
  uint32_t end = line < line_starts_.size() ? line_starts_[line] : static_cast<uint32_t>(text_.size());
  std::string_view s(text_.data() + begin, end - begin);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

FileId SourceMap::add(std::string path, std::string text) {
  FileId id = static_cast<FileId>(files_.size());
  files_.push_back(std::make_unique<SourceFile>(id, std::move(path), std::move(text)));
  return id;
}

}  // namespace rebate
