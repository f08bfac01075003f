// Byte-level checks. The lexer works on code points, so malformed UTF-8 is rejected here with the exact
// offset of the first bad byte instead of being decoded into something the user never wrote.
#include "parse/input_checks.h"

#include <fmt/format.h>

#include "parse/parse.h"

namespace rebate {
namespace {

// Length of the UTF-8 sequence at s[i], or 0 when it is malformed (overlong, surrogate, truncated).
size_t utf8_sequence_length(const std::string& s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

Span at(const SourceFile& file, size_t offset) {
  return Span{file.id(), static_cast<uint32_t>(offset), static_cast<uint32_t>(offset + 1)};
}

}  // namespace

bool check_input_bytes(const SourceFile& file, Diagnostics& diags) {
  const std::string& text = file.text();
  if (text.size() > kMaxSourceBytes) {
    diags.report(DiagKind::FileTooLarge, Span{file.id(), 0, 0},
                 fmt::format("`{}` is {} bytes; a rebate file may have at most {} bytes", file.path(),
                             text.size(), kMaxSourceBytes))
        .with_help("split the program into modules and join them with `import`");
    return false;
  }
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\0') {
      diags.report(DiagKind::NulByte, at(file, i), "the file contains a NUL byte")
          .with_label("NUL byte here")
          .with_help("is this a binary file, or a text file saved as UTF-16? rebate files are UTF-8 text");
      return false;
    }
    size_t len = utf8_sequence_length(text, i);
    if (len == 0) {
      diags.report(DiagKind::InvalidUtf8, at(file, i),
                   fmt::format("invalid UTF-8 byte 0x{:02X}", static_cast<unsigned char>(text[i])))
          .with_label("not UTF-8")
          .with_help("save the file as UTF-8 (a file exported as Latin-1 or Windows-1252 shows this)");
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace rebate
