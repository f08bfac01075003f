// libFuzzer target for the whole front end: bytes -> parse -> check -> diagnostics in every format, and
// the formatter.
//
// Every input is compiled as the text of one program file, exactly as `rebate check` would compile it,
// and the diagnostics are rendered as human (with and without colour), gnu and JSON text. An input that
// parses is formatted (compiler/format), and the formatter's two properties must hold: the result means
// what the input meant (the same AST, doc comments and comments: format_file checks this and reports an
// internal error otherwise) and formatting the result again changes nothing. A violated property aborts.
// Few random inputs parse, so every input also drives the formatter through a program that does: its
// bytes say where comments, doc comments, line breaks and blank lines go in kProgram (comments_into).
// Any crash, sanitizer report, leak, hang or out-of-memory is a bug. See docs/fuzzing.md.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

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

// A program that parses, with every construct the printer lays out: tables, blocks, calls, lists,
// operators of every precedence, parentheses, a test with rows.
constexpr const char* kProgram = R"(import "std/tiers"
program "P" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
enum Tier { bronze, silver, gold, }
partner table partners { id: Text as key from "ID"  tier: Tier?  cap: Money(EUR) }
ledger sales { d: Date as date  p: Text as partner  family: Text  amount: Money(2) rounding half_up }
const families = ["a", "b",]
measure revenue: Money = sales.sum(amount where family in families and not (amount < 0 USD)) cap 1_000 USD floor 0 USD
measure growth = if revenue > 0 USD then (revenue - last_year(revenue)) / revenue else 0% otherwise 1%
group orders = sales by p, d { total = sales.sum(amount) }
tiers t retroactive { from 0 USD to 100_000 USD: 2%  from 100_000 USD: -(4%) }
decision rate: Percent by partner.tier, revenue { gold | silver, at least 5 USD => 3%  _, 1 USD .. 2 USD => 1%  otherwise => 0% }
rebate r "R" { eligible when partner.tier >= silver  pay t of revenue when growth > 10%  cap 50 USD  allow negative  rounding down to 2 }
award level: Tier for next period "L" { when revenue >= 1_000 USD => gold  otherwise => bronze }
budget pool = 2_000 USD per quarter for r
test "t" { given sales (d, p, amount) { (2026-07-01, "P1", 10 USD,) }  expect r for "P1" in 2026-Q3 = 1 USD }
)";

// kProgram with comments and breaks put where `data` says, two bytes an insertion (where, what); the
// comments' words are letters made from the bytes, so the text still parses.
std::string comments_into(const uint8_t* data, size_t size) {
  static const std::vector<size_t> places = [] {
    std::vector<size_t> out;  // before each space or line break outside a string
    bool in_string = false;
    for (size_t i = 0; kProgram[i]; ++i) {
      if (kProgram[i] == '"') in_string = !in_string;
      if (!in_string && (kProgram[i] == ' ' || kProgram[i] == '\n')) out.push_back(i);
    }
    return out;
  }();
  std::vector<std::pair<size_t, std::string>> inserts;
  for (size_t k = 0; k + 1 < size && inserts.size() < 24; k += 2) {
    const size_t at = places[data[k] % places.size()];
    const std::string word(1, static_cast<char>('a' + data[k + 1] % 26));
    static const char* const kinds[] = {" // ", " /* ", "\n\n", "\n", " /// ", " /* multi\n"};
    const std::string kind = kinds[(data[k + 1] / 26) % 6];
    std::string text = kind;
    if (kind == " // " || kind == " /// ") text += word + "\n";
    if (kind == " /* ") text += word + " */ ";
    if (kind == " /* multi\n") text += "   " + word + " */ ";
    inserts.emplace_back(at, text);
  }
  std::string out = kProgram;
  // From the last place back, so that earlier places keep their offsets.
  std::stable_sort(inserts.begin(), inserts.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [at, text] : inserts) out.insert(at, text);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The fuzzer runs the compiler on its own thread's stack (8 MiB by default), not on the CLI's 256 MiB
  // thread (cli/big_stack.cpp): the parser's nesting guard (kMaxNesting) must keep recursion bounded by
  // itself, so a stack overflow here is a bug even if the CLI would have survived it.
  const std::string text(reinterpret_cast<const char*>(data), size);
  compile_and_render(text);
  format_twice(text);
  format_twice(comments_into(data, size));
  return 0;
}
