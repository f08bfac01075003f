// Loading files and imports, and running the phases over them.
#include "driver/compilation.h"
#include "driver/suppressions.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "parse/parse.h"
#include "stdlib.h"

namespace rebate {

namespace fs = std::filesystem;

std::optional<std::string> read_source_file(const std::string& path, std::string& error, DiagKind* kind) {
  if (kind) *kind = DiagKind::CannotReadFile;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    error = fmt::format("`{}` does not exist", path);
    return std::nullopt;
  }
  if (fs::is_directory(st)) {
    error = fmt::format("`{}` is a directory, not a rebate file", path);
    return std::nullopt;
  }
  if (!fs::is_regular_file(st)) {
    error = fmt::format("`{}` is not a regular file", path);
    return std::nullopt;
  }
  std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > kMaxSourceBytes) {
    // Refused before reading: a huge file is never loaded into memory.
    error = fmt::format("`{}` is {} bytes; a rebate file may have at most {} bytes", path, size, kMaxSourceBytes);
    if (kind) *kind = DiagKind::FileTooLarge;
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("`{}` cannot be opened", path);
    return std::nullopt;
  }
  std::string text;
  size_t to_read = ec ? kMaxSourceBytes + 1 : static_cast<size_t>(std::min<std::uintmax_t>(size, kMaxSourceBytes + 1));
  text.resize(to_read);
  in.read(text.data(), static_cast<std::streamsize>(to_read));
  text.resize(static_cast<size_t>(in.gcount()));
  if (!ec && size > text.size() && text.size() <= kMaxSourceBytes) {
    error = fmt::format("`{}` could not be read completely", path);
    return std::nullopt;
  }
  return text;
}

namespace {
bool is_stdlib(const std::string& spec) { return spec.rfind("std/", 0) == 0; }
}  // namespace

std::string Compiler::resolve_import(const std::string& importer, const std::string& spec) const {
  if (is_stdlib(spec)) {
    std::string name = spec;
    if (name.size() > 7 && name.compare(name.size() - 7, 7, ".rebate") == 0) name.resize(name.size() - 7);
    return name + ".rebate";  // shown in diagnostics as std/NAME.rebate
  }
  fs::path p = fs::path(importer).parent_path() / spec;
  if (p.extension() != ".rebate") p += ".rebate";
  return p.lexically_normal().string();
}

const Compiler::Loaded* Compiler::load_text(const std::string& path, std::string text) {
  std::string key = fs::path(path).lexically_normal().string();
  FileId id = sources_.add(path, std::move(text));
  auto loaded = std::make_unique<Loaded>();
  loaded->file = id;
  loaded->module = std::make_unique<ast::Module>(parse_module(sources_.file(id), next_expr_id_, diags_));
  next_expr_id_ += loaded->module->expr_count;
  const Loaded* result = loaded.get();
  loaded_[key] = std::move(loaded);
  return result;
}

const Compiler::Loaded* Compiler::load(const std::string& path, Span imported_at) {
  std::string key = fs::path(path).lexically_normal().string();
  if (auto it = loaded_.find(key); it != loaded_.end()) return it->second.get();
  std::string error;
  DiagKind error_kind = DiagKind::CannotReadFile;
  std::optional<std::string> text;
  if (is_stdlib(path)) {
    // The standard library is embedded in the binary; it is never read from disk.
    std::string name = path.substr(0, path.size() - 7);
    for (const StdlibModule& m : stdlib_modules()) {
      if (m.name == name) text = m.text;
    }
    if (!text) {
      std::string known;
      for (const StdlibModule& m : stdlib_modules()) known += (known.empty() ? "`" : ", `") + m.name + "`";
      error = fmt::format("the standard library has no module `{}` (it has {})", name, known);
    }
  } else {
    if (options_.overlay) text = options_.overlay(key);
    if (!text && options_.disk) text = read_source_file(path, error, &error_kind);
    if (!text && !options_.disk) error = fmt::format("`{}` does not exist", path);
  }
  if (!text) {
    if (error_kind == DiagKind::FileTooLarge) {
      diags_.report(DiagKind::FileTooLarge, imported_at, error)
          .with_help("split the program into modules and join them with `import`");
    } else if (imported_at.valid()) {
      diags_.report(DiagKind::ImportNotFound, imported_at, fmt::format("cannot import: {}", error))
          .with_help("import paths are relative to the importing file; `std/...` names a standard module");
    } else {
      diags_.report(DiagKind::CannotReadFile, Span{}, error);
    }
    return nullptr;
  }
  return load_text(path, std::move(*text));
}

void Compiler::collect(const Loaded* module, std::vector<const Loaded*>& stack,
                       std::vector<const ast::Module*>& out) {
  for (const ast::Module* m : out) {
    if (m == module->module.get()) return;
  }
  stack.push_back(module);
  out.push_back(module->module.get());
  const std::string& importer = sources_.file(module->file).path();
  for (const ast::Import& imp : module->module->imports) {
    std::string path = resolve_import(importer, imp.path);
    std::string key = fs::path(path).lexically_normal().string();
    bool on_stack = false;
    for (const Loaded* s : stack) {
      if (fs::path(sources_.file(s->file).path()).lexically_normal().string() == key) on_stack = true;
    }
    if (on_stack) {
      diags_.report(DiagKind::ImportCycle, imp.span, fmt::format("`{}` imports itself through this import", path))
          .with_help("move the shared definitions into a module that both files import");
      continue;
    }
    if (const Loaded* dep = load(path, imp.span)) collect(dep, stack, out);
  }
  stack.pop_back();
}

CompiledProgram Compiler::compile_loaded(const Loaded* root) {
  CompiledProgram program;
  if (!root) return program;
  program.root = root->file;
  std::vector<const Loaded*> stack;
  collect(root, stack, program.modules);
  if (options_.check) program.typed = check_program(program.modules, sources_, diags_);
  return program;
}

std::vector<std::string> Compiler::loaded_paths() const {
  std::vector<std::string> paths;
  for (const auto& [path, module] : loaded_) paths.push_back(path);
  return paths;
}

CompiledProgram Compiler::compile_file(const std::string& path) { return compile_loaded(load(path, Span{})); }

CompiledProgram Compiler::compile_text(const std::string& path, std::string text) {
  return compile_loaded(load_text(path, std::move(text)));
}

void Compiler::finish() {
  std::vector<FileId> files;
  for (const auto& [path, loaded] : loaded_) files.push_back(loaded->file);
  apply_suppressions(diags_, sources_, files);
  diags_.finish(options_.lints);
}

}  // namespace rebate
