// libFuzzer target for the whole front end: bytes -> parse -> check -> diagnostics in every format, and
// the formatter.
//
// Every input is compiled as the text of one program file, exactly as `rebate check` would compile it,
// and the diagnostics are rendered as human (with and without colour), gnu and JSON text. An input that
// parses is formatted (compiler/format), and the formatter's two properties must hold: the result means
// what the input meant (the same AST, doc comments and comments: format_file checks this and reports an
// internal error otherwise) and formatting the result again changes nothing. A violated property aborts.
// Any crash, sanitizer report, leak, hang or out-of-memory is a bug. See docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "diagnostics/render.h"
#include "driver/compilation.h"
#include "format/format.h"

namespace {

// The file lives in a directory that does not exist, so `import "x"` reports E0204 instead of reading
// whatever happens to be in the fuzzer's working directory. `import "std/..."` still reads stdlib/.
constexpr const char* kFuzzPath = "/nonexistent-rebate-fuzz/fuzz.rebate";

void compile_and_render(const std::string& text) {
  rebate::Compiler compiler(rebate::CompileOptions{});
  rebate::CompiledProgram program = compiler.compile_text(kFuzzPath, text);
  (void)program;
  compiler.finish();
  const rebate::Diagnostics& diags = compiler.diagnostics();
  size_t total = 0;
  for (rebate::DiagFormat format : {rebate::DiagFormat::Human, rebate::DiagFormat::Gnu, rebate::DiagFormat::Json}) {
    rebate::RenderOptions options;
    options.format = format;
    total += rebate::render(diags, compiler.sources(), options).size();
  }
  rebate::RenderOptions colored;
  colored.color = true;
  total += rebate::render(diags, compiler.sources(), colored).size();
  total += rebate::summary_line(diags).size();
  // Keep the work observable so that nothing is optimised away.
  volatile size_t sink = total;
  (void)sink;
}

[[noreturn]] void violated(const char* property, const std::string& detail, const std::string& text) {
  std::fprintf(stderr, "fuzz_check: the formatter is not %s: %s\n----- formatted text -----\n%s\n", property, detail.c_str(), text.c_str());
  std::abort();
}

void format_twice(const std::string& text) {
  rebate::SourceMap sources;
  rebate::Diagnostics diags;
  rebate::format::Formatted once = rebate::format::format_file(sources.file(sources.add(kFuzzPath, text)), diags);
  if (!once.internal_error.empty()) violated("meaning-preserving", once.internal_error, text);
  if (!once.text) return;  // syntax errors: not formatted
  rebate::format::Formatted twice = rebate::format::format_file(sources.file(sources.add(kFuzzPath, *once.text)), diags);
  if (!twice.text) violated("meaning-preserving", "its result is not formatted again: " + twice.internal_error, *once.text);
  if (*twice.text != *once.text) violated("idempotent", "formatting its result again changes it to\n" + *twice.text, *once.text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The fuzzer runs the compiler on its own thread's stack (8 MiB by default), not on the CLI's 256 MiB
  // thread (cli/big_stack.cpp): the parser's nesting guard (kMaxNesting) must keep recursion bounded by
  // itself, so a stack overflow here is a bug even if the CLI would have survived it.
  const std::string text(reinterpret_cast<const char*>(data), size);
  compile_and_render(text);
  format_twice(text);
  return 0;
}
