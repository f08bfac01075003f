// Source files and positions: every span in the compiler points into a SourceFile held by a SourceMap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rebate {

using FileId = uint32_t;
inline constexpr FileId kNoFile = UINT32_MAX;

// A half-open byte range [begin, end) in one file.
struct Span {
  FileId file = kNoFile;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool valid() const { return file != kNoFile; }
  static Span cover(Span a, Span b);  // the smallest span holding both (same file)
};

// 1-based line and column; columns count Unicode code points, as editors show them.
struct LineCol {
  uint32_t line = 1;
  uint32_t column = 1;
};

class SourceFile {
 public:
  SourceFile(FileId id, std::string path, std::string text);

  FileId id() const { return id_; }
  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  LineCol line_col(uint32_t offset) const;
  std::string_view line_text(uint32_t line) const;  // without the line break
  uint32_t line_count() const { return static_cast<uint32_t>(line_starts_.size()); }

 private:
  FileId id_;
  std::string path_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
  std::vector<uint32_t> continuations_;  // UTF-8 continuation bytes before each multiple of 4096
  uint32_t continuations_before(uint32_t offset) const;
};

class SourceMap {
 public:
  FileId add(std::string path, std::string text);
  const SourceFile& file(FileId id) const { return *files_.at(id); }
  size_t size() const { return files_.size(); }

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace rebate
