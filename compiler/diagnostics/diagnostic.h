// Diagnostics as data: every phase reports problems by adding Diagnostic values to a Diagnostics list;
// nothing is thrown across phases. Renderers (render.h) turn the list into human, gnu or JSON text.
#pragma once

#include <algorithm>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "source/source.h"

namespace rebate {

enum class DiagKind {
#define DIAGNOSTIC(Name, Code, Summary) Name,
#define LINT(Name, Code, LintName, Summary) Name,
#include "diagnostics/diagnostic_kinds.def"
};

enum class Severity { Error, Warning, Note };

struct DiagKindInfo {
  DiagKind kind;
  std::string_view code;      // "E0201"
  std::string_view lint;      // "unused-measure" for lints, empty for errors
  std::string_view summary;
};

const DiagKindInfo& info(DiagKind kind);
const std::vector<DiagKindInfo>& all_diag_kinds();
std::optional<DiagKind> lint_by_name(std::string_view name);

// Where a kind is documented: the docs/diagnostics.md section of its code (the build's
// REBATE_DIAGNOSTICS_DOCS_URL, then `#e0201-a-name-that-is-not-defined`, the anchor GitHub gives it).
std::string docs_url(const DiagKindInfo& kind);
// The **Fix.** paragraph of the code's section of docs/diagnostics.md (embedded at build time; empty if none).
std::string_view fix_text(std::string_view code);

struct Note {
  Span span;
  std::string message;
};

// A fix a tool can apply without asking: write `replacement` over `span` (the language server's quick
// fixes). Given only where the help line's fix is exact: the did-you-mean name, `100` -> `100 USD`.
struct Fix {
  Span span;
  std::string replacement;
  std::string title;  // "change to `revenue`"
};

struct Diagnostic {
  DiagKind kind;
  Severity severity = Severity::Error;
  std::string message;
  Span span;
  std::string label;          // shown under the caret of the primary span
  std::vector<Note> notes;    // labelled secondary spans
  std::string help;           // how to fix it, when a fix is known
  std::vector<Fix> fixes;     // the help line as edits, when it is one exact edit

  Diagnostic& note(Span s, std::string m) {
    notes.push_back(Note{s, std::move(m)});
    return *this;
  }
  Diagnostic& with_help(std::string h) {
    help = std::move(h);
    return *this;
  }
  Diagnostic& with_fix(std::optional<Fix> f) {
    if (f) fixes.push_back(std::move(*f));
    return *this;
  }
  Diagnostic& with_label(std::string l) {
    label = std::move(l);
    return *this;
  }
};

// Which lints are off and whether warnings count as errors.
struct LintOptions {
  std::set<DiagKind> allowed;
  bool strict = false;
};

class Diagnostics {
 public:
  // Lints are warnings; everything else an error.
  Diagnostic& report(DiagKind kind, Span span, std::string message);

  const std::vector<Diagnostic>& all() const { return list_; }
  // Drops the diagnostics `drop` says yes to (lints an allow comment silences).
  template <typename Pred>
  void remove_if(Pred drop) {
    list_.erase(std::remove_if(list_.begin(), list_.end(), drop), list_.end());
  }
  bool has_errors() const;
  size_t count_in_file(FileId file) const;
  void append(const Diagnostics& other);

  // Drops allowed lints, promotes warnings under --strict, sorts by file and position.
  void finish(const LintOptions& options);

 private:
  std::vector<Diagnostic> list_;
};

}  // namespace rebate
