// One checked program as the language server sees it: the driver's result for an open document (the
// same Compiler and checker as `rebate check`, never a second analysis) plus an index of every name
// written in the program's files (definitions and uses), which hover, definition, references, rename
// and completion read.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "check/checker.h"
#include "driver/compilation.h"

namespace rebate::server {

// A name in the source: where it is written and what it names.
struct Occurrence {
  FileId file = kNoFile;
  Span span;             // the name as written
  Symbol symbol;         // symbol.span: where it is defined (invalid for `partner`, `period`, builtins)
  bool definition = false;
};

class Analysis {
 public:
  using Overlay = std::function<std::optional<std::string>(const std::string& path)>;

  // Checks `text` as the program at `path` (a normalised path); imports read through `overlay` first.
  Analysis(const std::string& path, std::string text, Overlay overlay);

  Compiler& compiler() { return *compiler_; }
  const SourceMap& sources() const { return compiler_->sources(); }
  const Diagnostics& diagnostics() const { return compiler_->diagnostics(); }
  const TypedProgram* typed() const { return program_.typed.get(); }
  const std::vector<const ast::Module*>& modules() const { return program_.modules; }
  FileId root() const { return program_.root; }
  const ast::Module* root_module() const { return program_.modules.empty() ? nullptr : program_.modules[0]; }
  // The normalised paths of every file this program read (itself and its imports).
  const std::vector<std::string>& loaded() const { return loaded_; }
  const std::vector<Occurrence>& occurrences() const { return occurrences_; }
  std::string path_of(FileId file) const;

  // The name at a byte offset of a file (the innermost), or null.
  const Occurrence* occurrence_at(FileId file, uint32_t offset) const;
  // The innermost expression of a file that holds a byte offset, or null.
  const ast::Expr* expr_at(FileId file, uint32_t offset) const;
  // The module of a file, or null.
  const ast::Module* module_of(FileId file) const;

 private:
  void index_module(const ast::Module& m);
  void add(Span span, const Symbol& symbol, bool definition);
  void add_global_use(const ast::Ident& name);

  std::unique_ptr<Compiler> compiler_;
  CompiledProgram program_;
  std::vector<std::string> loaded_;
  std::vector<Occurrence> occurrences_;
};

// Calls `visit` for every expression of a module, outer ones before the ones inside them.
void for_each_expr(const ast::Module& m, const std::function<void(const ast::Expr&)>& visit);

}  // namespace rebate::server
