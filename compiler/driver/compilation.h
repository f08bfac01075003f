// The driver: loads a root file and everything it imports, parses each file once, and runs the checker.
// The CLI, the test runner and the language server all compile through here.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "check/checker.h"
#include "diagnostics/diagnostic.h"
#include "source/source.h"

namespace rebate {

struct CompileOptions {
  LintOptions lints;
  bool check = true;  // false: stop after parsing (for --dump=tokens/ast)
  // Text that takes the place of a file on disk (an editor's unsaved buffer), by normalised path; consulted
  // before the disk for every file but the embedded standard library. Empty: the disk only.
  std::function<std::optional<std::string>(const std::string& path)> overlay;
  // false: a file the overlay does not give is not read from the disk either, but not found (a program
  // read from a git revision, `rebate diff git:REV:PATH`: its imports come from that revision only).
  bool disk = true;
};

// One program: the root file and its imports, in load order (root first).
struct CompiledProgram {
  FileId root = kNoFile;
  std::vector<const ast::Module*> modules;
  std::unique_ptr<TypedProgram> typed;  // null when checking was skipped or a file could not be read
};

class Compiler {
 public:
  explicit Compiler(CompileOptions options) : options_(std::move(options)) {}

  // Compiles `path` as a program. Diagnostics accumulate across calls; finish() sorts them.
  CompiledProgram compile_file(const std::string& path);
  // Compiles text that is not on disk (an editor buffer, a test), as if it were at `path`.
  CompiledProgram compile_text(const std::string& path, std::string text);

  SourceMap& sources() { return sources_; }
  Diagnostics& diagnostics() { return diags_; }
  // Applies the files' allow comments (suppressions.h), then --allow and --strict, and sorts.
  void finish();
  // The normalised paths of every file loaded so far (the roots and their imports): what a language
  // server re-checks a program for when one of them changes.
  std::vector<std::string> loaded_paths() const;

 private:
  struct Loaded {
    FileId file;
    std::unique_ptr<ast::Module> module;
  };
  const Loaded* load(const std::string& path, Span imported_at);
  const Loaded* load_text(const std::string& path, std::string text);
  CompiledProgram compile_loaded(const Loaded* root);
  void collect(const Loaded* module, std::vector<const Loaded*>& stack, std::vector<const ast::Module*>& out);
  std::string resolve_import(const std::string& importer, const std::string& spec) const;

  CompileOptions options_;
  SourceMap sources_;
  Diagnostics diags_;
  std::map<std::string, std::unique_ptr<Loaded>> loaded_;  // by normalised path
  ast::ExprId next_expr_id_ = 0;
};

// Reads a whole file; on failure returns nullopt and sets `error` to a message and `kind` to its code
// (E0100, or E0103 for a file over the size limit, which is not read at all).
std::optional<std::string> read_source_file(const std::string& path, std::string& error,
                                            DiagKind* kind = nullptr);

}  // namespace rebate
