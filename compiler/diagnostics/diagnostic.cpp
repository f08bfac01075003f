// The table of diagnostic kinds and the Diagnostics list.
#include "diagnostics/diagnostic.h"

#include <algorithm>
#include <cctype>

namespace rebate {

const std::vector<DiagKindInfo>& all_diag_kinds() {
  static const std::vector<DiagKindInfo> kinds = {
#define DIAGNOSTIC(Name, Code, Summary) {DiagKind::Name, Code, "", Summary},
#define LINT(Name, Code, LintName, Summary) {DiagKind::Name, Code, LintName, Summary},
#include "diagnostics/diagnostic_kinds.def"
  };
  return kinds;
}

const DiagKindInfo& info(DiagKind kind) { return all_diag_kinds()[static_cast<size_t>(kind)]; }

#ifndef REBATE_DIAGNOSTICS_DOCS_URL
#define REBATE_DIAGNOSTICS_DOCS_URL "docs/diagnostics.md"
#endif

std::string docs_url(const DiagKindInfo& kind) {
  // GitHub's anchor of the heading `### E0201: a name that is not defined`, or for a lint
  // `### W0001 `unused-measure`: a measure no rebate, award or budget uses` (backquotes drop out).
  const std::string heading = std::string(kind.code) + (kind.lint.empty() ? "" : " " + std::string(kind.lint)) + ": " +
                              std::string(kind.summary);
  std::string anchor;
  for (char c : heading) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) anchor += static_cast<char>(std::tolower(u));
    else if (c == ' ') anchor += '-';
    else if (c == '-' || c == '_') anchor += c;
  }
  return std::string(REBATE_DIAGNOSTICS_DOCS_URL) + "#" + anchor;
}

std::optional<DiagKind> lint_by_name(std::string_view name) {
  for (const auto& k : all_diag_kinds()) {
    if (!k.lint.empty() && k.lint == name) return k.kind;
  }
  return std::nullopt;
}

Diagnostic& Diagnostics::report(DiagKind kind, Span span, std::string message) {
  Diagnostic d;
  d.kind = kind;
  d.severity = info(kind).lint.empty() ? Severity::Error : Severity::Warning;
  d.message = std::move(message);
  d.span = span;
  list_.push_back(std::move(d));
  return list_.back();
}

bool Diagnostics::has_errors() const {
  return std::any_of(list_.begin(), list_.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

size_t Diagnostics::count_in_file(FileId file) const {
  return static_cast<size_t>(
      std::count_if(list_.begin(), list_.end(), [&](const Diagnostic& d) { return d.span.file == file; }));
}

void Diagnostics::append(const Diagnostics& other) {
  list_.insert(list_.end(), other.list_.begin(), other.list_.end());
}

void Diagnostics::finish(const LintOptions& options) {
  std::erase_if(list_, [&](const Diagnostic& d) {
    return d.severity == Severity::Warning && options.allowed.count(d.kind) > 0;
  });
  if (options.strict) {
    for (auto& d : list_) {
      if (d.severity == Severity::Warning) d.severity = Severity::Error;
    }
  }
  std::stable_sort(list_.begin(), list_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.span.file != b.span.file) return a.span.file < b.span.file;
    return a.span.begin < b.span.begin;
  });
  // The same problem reported twice at one place (e.g. by error recovery) is shown once.
  list_.erase(std::unique(list_.begin(), list_.end(),
                          [](const Diagnostic& a, const Diagnostic& b) {
                            return a.kind == b.kind && a.span.file == b.span.file &&
                                   a.span.begin == b.span.begin && a.message == b.message;
                          }),
              list_.end());
}

}  // namespace rebate
