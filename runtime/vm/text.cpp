// The text functions (docs/language.md §4): TextTest (`starts_with`, `ends_with`, `contains`) and
// TextMap (`upper`, `lower`, `length`), shared by the interpreter and the JIT's helpers (vm/ops.h).
//
// Texts are UTF-8 (the ledger reader and the lexer refuse anything else) and are compared by their code
// points, as they are written: case matters and no normalisation is applied (a precomposed `é` is not an
// `e` followed by a combining accent). `upper` and `lower` are Unicode's simple case mapping, one code
// point to one code point, from ICU and independent of any locale: `é` becomes `É`, `ß` stays `ß` (its
// capital is two letters, `SS`, which a simple mapping does not make), and a letter with no case (CJK)
// stays as it is. `length` counts code points, not bytes.
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <string>

#include "vm/ops.h"

namespace rebate::vm::ops {

namespace {

constexpr const char* kInvalidUtf8 = "a text that is not valid UTF-8";
constexpr const char* kNoTexts = "internal error: a text function ran where texts cannot be made";

std::string_view text_of(const Frame& frame, const Value& v) { return frame.texts()->text(static_cast<uint32_t>(v.coef)); }

// `s` with each code point mapped by `map`; false when `s` is not UTF-8.
bool mapped(std::string_view s, UChar32 (*map)(UChar32), std::string& out) {
  out.clear();
  out.reserve(s.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, n, c);
    if (c < 0) return false;
    const UChar32 m = map(c);
    uint8_t buffer[U8_MAX_LENGTH];
    int32_t k = 0;
    U8_APPEND_UNSAFE(buffer, k, m);
    out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(k));
  }
  return true;
}

// The number of code points of `s`, or -1 when it is not UTF-8.
int64_t code_points(std::string_view s) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  int64_t count = 0;
  for (int32_t i = 0; i < n; ++count) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, n, c);
    if (c < 0) return -1;
  }
  return count;
}

}  // namespace

const char* text_test(const Frame& frame, uint32_t function, Value& x, const Value& y) {
  if (x.none || y.none) {
    x = Value::missing();
    return nullptr;
  }
  if (!frame.texts()) return kNoTexts;
  const std::string_view t = text_of(frame, x), p = text_of(frame, y);
  bool r = false;
  switch (static_cast<plan::TextFunction>(function)) {
    case plan::TextFunction::StartsWith: r = t.substr(0, p.size()) == p; break;
    case plan::TextFunction::EndsWith: r = t.size() >= p.size() && t.substr(t.size() - p.size()) == p; break;
    // UTF-8 never has one character's bytes inside another's, so a byte search finds whole characters.
    case plan::TextFunction::Contains: r = t.find(p) != std::string_view::npos; break;
    case plan::TextFunction::Upper:
    case plan::TextFunction::Lower:
    case plan::TextFunction::Length: return "internal error: TextTest of a function that is not a test";
  }
  x = Value::boolean(r);
  return nullptr;
}

const char* text_map(Frame& frame, uint32_t function, Value& x) {
  if (x.none) return nullptr;
  if (!frame.texts()) return kNoTexts;
  const std::string_view t = text_of(frame, x);
  const auto f = static_cast<plan::TextFunction>(function);
  if (f == plan::TextFunction::Length) {
    const int64_t n = code_points(t);
    if (n < 0) return kInvalidUtf8;
    x = Value::integer(n);
    return nullptr;
  }
  if (f != plan::TextFunction::Upper && f != plan::TextFunction::Lower) return "internal error: TextMap of a function that is not a map";
  thread_local std::string made;
  if (!mapped(t, f == plan::TextFunction::Upper ? u_toupper : u_tolower, made)) return kInvalidUtf8;
  x = Value::integer(frame.texts()->intern(made));
  return nullptr;
}

}  // namespace rebate::vm::ops
