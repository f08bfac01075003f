// `rebate check [--format human|gnu|json|sarif] [--strict] [--allow LINT] [--dump=tokens|ast|types] FILE...`
// `rebate check - [--stdin-filename PATH]` checks the program on standard input (an editor's unsaved
// buffer) as if it were the file PATH: imports resolve next to it, diagnostics name it.
// Exit 0 when there is no error (warnings allowed), 1 when there are errors, 2 for usage or I/O problems.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <iostream>

#include "ast/dump.h"
#include "commands.h"
#include "rebate_files.h"
#include "diagnostics/render.h"
#include "driver/compilation.h"
#include "parse/parse.h"

namespace rebate::cli {

namespace {

struct CheckOptions {
  std::vector<std::string> files;
  std::string format = "human";
  std::string color = "auto";
  std::string dump;
  std::vector<std::string> allow;
  bool strict = false;
  std::string stdin_filename;
};


int run_check(const CheckOptions& o) {
  LintOptions lints;
  lints.strict = o.strict;
  for (const auto& name : o.allow) {
    auto kind = lint_by_name(name);
    if (!kind) {
      std::string names;
      for (const auto& k : all_diag_kinds()) {
        if (!k.lint.empty()) names += (names.empty() ? "" : ", ") + std::string(k.lint);
      }
      fmt::print(stderr, "rebate check: unknown lint `{}`; the lints are {}\n", name, names);
      return kExitUsage;
    }
    lints.allowed.insert(*kind);
  }
  CompileOptions options;
  options.lints = lints;
  options.check = o.dump != "tokens" && o.dump != "ast";
  Compiler compiler(options);
  const bool from_stdin = std::find(o.files.begin(), o.files.end(), "-") != o.files.end();
  if (from_stdin && o.files.size() > 1) {
    fmt::print(stderr, "rebate check: `-` (standard input) is checked alone; name the files in another `rebate check`\n");
    return kExitUsage;
  }
  if (!o.stdin_filename.empty() && !from_stdin) {
    fmt::print(stderr, "rebate check: --stdin-filename names the program read from standard input: give `-` as the file\n");
    return kExitUsage;
  }
  std::string dumped;
  for (const auto& file : o.files) {
    // Standard input is compiled as the text of the file it stands for.
    const std::string path = file == "-" ? (o.stdin_filename.empty() ? "<stdin>" : o.stdin_filename) : file;
    std::optional<std::string> stdin_text;
    if (file == "-") {
      std::string error;
      stdin_text = read_program_stdin(error);
      if (!stdin_text) {
        compiler.diagnostics().report(DiagKind::CannotReadFile, Span{}, error);
        continue;
      }
    }
    if (o.dump == "tokens") {
      std::string error;
      auto text = stdin_text ? stdin_text : read_source_file(path, error);
      if (!text) {
        compiler.diagnostics().report(DiagKind::CannotReadFile, Span{}, error);
        continue;
      }
      FileId id = compiler.sources().add(path, *text);
      dumped += dump_tokens(compiler.sources().file(id));
      continue;
    }
    CompiledProgram program = stdin_text ? compiler.compile_text(path, std::move(*stdin_text)) : compiler.compile_file(path);
    if (o.dump == "ast") {
      for (const ast::Module* m : program.modules) dumped += ast::dump(*m);
    } else if (o.dump == "types" && program.typed) {
      dumped += dump_types(*program.typed);
    }
  }
  compiler.finish();
  const Diagnostics& diags = compiler.diagnostics();

  bool io_error = std::any_of(diags.all().begin(), diags.all().end(),
                              [](const Diagnostic& d) { return d.kind == DiagKind::CannotReadFile; });
  RenderOptions render_options;
  render_options.format = o.format == "gnu"     ? DiagFormat::Gnu
                          : o.format == "json"  ? DiagFormat::Json
                          : o.format == "sarif" ? DiagFormat::Sarif
                                                : DiagFormat::Human;
  render_options.color = o.color == "always" || (o.color == "auto" && isatty(STDERR_FILENO) && getenv("NO_COLOR") == nullptr);

  std::fwrite(dumped.data(), 1, dumped.size(), stdout);
  std::string rendered = render(diags, compiler.sources(), render_options);
  if (render_options.format == DiagFormat::Json || render_options.format == DiagFormat::Sarif) {
    // JSON and SARIF are the output when asked for: stdout, always a whole document (no result when all is well).
    std::fwrite(rendered.data(), 1, rendered.size(), stdout);
  } else {
    std::fwrite(rendered.data(), 1, rendered.size(), stderr);
    if (render_options.format == DiagFormat::Human) {
      std::string summary = summary_line(diags);
      if (!summary.empty()) fmt::print(stderr, "{}\n", summary);
    }
  }
  if (io_error) return kExitUsage;
  return diags.has_errors() ? kExitErrors : kExitOk;
}

}  // namespace

std::function<int()> add_check_command(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* cmd = app.add_subcommand("check", "Parse, resolve and type-check programs; report errors and lints");
  cmd->add_option("files", options->files, "The .rebate files to check (each is a program with its imports); - for standard input")
      ->required();
  cmd->add_option("--format", options->format,
                  "How to print diagnostics: human, gnu (file:line:col), json, or sarif (SARIF 2.1.0, for code scanning)")
      ->check(CLI::IsMember({"human", "gnu", "json", "sarif"}));
  cmd->add_option("--stdin-filename", options->stdin_filename,
                  "With `-`: the path the program on standard input stands for (imports resolve next to it)");
  cmd->add_option("--color", options->color, "Colour in human output: auto (on a terminal), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--dump", options->dump, "Print an intermediate form: tokens, ast or types")
      ->check(CLI::IsMember({"tokens", "ast", "types"}));
  cmd->add_option("--allow", options->allow, "Turn off a lint by name (repeatable), e.g. --allow unused-measure");
  cmd->add_flag("--strict", options->strict, "Treat warnings as errors");
  return [options] { return run_check(*options); };
}

}  // namespace rebate::cli
