// Comparing the lints of two texts of a program file (lints_difference.h).
#include "driver/lints_difference.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "driver/compilation.h"

namespace rebate {

namespace {

struct Lint {
  std::string key;   // "CODE message" without spaces: what is compared
  std::string shown; // "CODE: message"
  bool operator<(const Lint& o) const { return key < o.key; }
};

// The lints the text draws in its own file, sorted.
std::vector<Lint> lints_of(const std::string& path, const std::string& text) {
  Compiler compiler(CompileOptions{});
  CompiledProgram program = compiler.compile_text(path, text);
  compiler.finish();
  std::vector<Lint> out;
  for (const Diagnostic& d : compiler.diagnostics().all()) {
    if (info(d.kind).lint.empty() || !d.span.valid() || d.span.file != program.root) continue;
    Lint l{std::string(info(d.kind).code) + " ", fmt::format("{} {{}}: {}", info(d.kind).code, d.message)};
    for (char c : d.message) {
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') l.key += c;
    }
    out.push_back(std::move(l));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool has_allow_comments(const std::string& text) { return text.find("rebate: allow(") != std::string::npos; }

std::string lints_difference(const std::string& path, const std::string& before, const std::string& after) {
  const std::vector<Lint> a = lints_of(path, before), b = lints_of(path, after);
  std::vector<Lint> only_a, only_b;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_a));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_b));
  if (!only_b.empty()) return fmt::format(fmt::runtime(only_b.front().shown), "would appear");
  if (!only_a.empty()) return fmt::format(fmt::runtime(only_a.front().shown), "would be silenced");
  return {};
}

}  // namespace rebate
