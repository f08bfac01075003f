// Allow comments; see suppressions.h.
#include "driver/suppressions.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <regex>

#include "check/suggest.h"
#include "parse/parse.h"

namespace rebate {

namespace {

struct Allow {
  FileId file = kNoFile;
  uint32_t line = 0;  // the line of code it silences
  Span span;          // the comment
  std::string name;   // one lint
  Span name_span;
  bool used = false;
};

std::vector<std::string> lint_names() {
  std::vector<std::string> out;
  for (const DiagKindInfo& k : all_diag_kinds()) {
    if (!k.lint.empty()) out.emplace_back(k.lint);
  }
  return out;
}

// The allow comments of one file, each name on its own; unknown names reported (E0111).
void collect(const SourceFile& file, std::vector<Allow>& out, Diagnostics& diags) {
  // Most files have none: lexing again is skipped unless the text could hold one.
  if (file.text().find("rebate:") == std::string::npos) return;
  static const std::regex allow(R"(^//\s*rebate:\s*allow\(([^)]*)\)\s*$)");
  static const std::regex name(R"([A-Za-z0-9_-]+)");
  const std::vector<ClassifiedToken> tokens = classify_tokens(file);
  const std::vector<std::string> lints = lint_names();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].token_class != TokenClass::Comment) continue;
    const Span span = tokens[i].span;
    const std::string text = file.text().substr(span.begin, span.end - span.begin);
    std::smatch m;
    if (!std::regex_match(text, m, allow)) continue;
    const uint32_t line = file.line_col(span.begin).line;
    // Code before it on its line: it silences that line; else the next line of code.
    bool trailing = false;
    for (size_t j = i; j-- > 0;) {
      if (file.line_col(tokens[j].span.begin).line != line) break;
      trailing = trailing || (tokens[j].token_class != TokenClass::Comment && tokens[j].token_class != TokenClass::DocComment);
    }
    uint32_t target = line;
    if (!trailing) {
      target = 0;
      for (size_t j = i + 1; j < tokens.size(); ++j) {
        if (tokens[j].token_class == TokenClass::Comment || tokens[j].token_class == TokenClass::DocComment) continue;
        target = file.line_col(tokens[j].span.begin).line;
        break;
      }
    }
    const std::string names = m[1].str();
    const uint32_t names_at = span.begin + static_cast<uint32_t>(m.position(1));
    size_t found = 0;
    for (auto it = std::sregex_iterator(names.begin(), names.end(), name); it != std::sregex_iterator(); ++it, ++found) {
      const std::string n = it->str();
      const uint32_t at = names_at + static_cast<uint32_t>(it->position());
      const Span name_span{file.id(), at, at + static_cast<uint32_t>(n.size())};
      if (!lint_by_name(n)) {
        auto& d = diags.report(DiagKind::UnknownAllowedLint, name_span, fmt::format("`{}` is not a lint", n));
        if (auto guess = check::closest(n, lints)) d.with_help(fmt::format("did you mean `{}`?", *guess)).with_fix(Fix{name_span, *guess, fmt::format("change to `{}`", *guess)});
        else d.with_help(fmt::format("the lints are {}", fmt::join(lints, ", ")));
        continue;
      }
      out.push_back(Allow{file.id(), target, span, n, name_span, false});
    }
    if (found == 0) {
      diags.report(DiagKind::UnknownAllowedLint, span, "this allow comment names no lint")
          .with_help(fmt::format("name the lints to silence: `// rebate: allow({})`", lints.front()));
    }
  }
}

}  // namespace

void apply_suppressions(Diagnostics& diags, const SourceMap& sources, const std::vector<FileId>& files) {
  std::vector<Allow> allows;
  for (FileId f : files) {
    if (f < sources.size()) collect(sources.file(f), allows, diags);
  }
  if (allows.empty()) return;
  diags.remove_if([&](const Diagnostic& d) {
    const DiagKindInfo& k = info(d.kind);
    if (k.lint.empty() || d.kind == DiagKind::UnusedAllow || !d.span.valid() || d.span.file >= sources.size()) return false;
    const uint32_t line = sources.file(d.span.file).line_col(d.span.begin).line;
    bool silenced = false;
    for (Allow& a : allows) {
      if (a.file == d.span.file && a.line == line && a.name == k.lint) silenced = a.used = true;
    }
    return silenced;
  });
  for (const Allow& a : allows) {
    if (a.used) continue;
    diags.report(DiagKind::UnusedAllow, a.name_span, fmt::format("`allow({})` silences nothing here", a.name))
        .with_label(a.line ? fmt::format("no `{}` warning on line {}", a.name, a.line) : "no line of code follows it")
        .with_help("remove it, or put it on the line before the declaration it is for (or at the end of that line)");
  }
}

}  // namespace rebate
