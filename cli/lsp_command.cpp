// `rebate lsp [--debounce-ms N]`: the language server over standard input and output (LSP 3.17).
#include "commands.h"
#include "server/stdio.h"

namespace rebate::cli {

std::function<int()> add_lsp_command(CLI::App& app) {
  auto debounce = std::make_shared<int>(100);
  CLI::App* cmd = app.add_subcommand("lsp", "Run the language server on standard input and output (for editors)");
  cmd->add_option("--debounce-ms", *debounce, "Wait this long after the last edit before re-checking (default 100)")
      ->check(CLI::Range(0, 10000));
  return [debounce] {
    server::ServerOptions options;
    options.debounce = std::chrono::milliseconds(*debounce);
    return server::run_stdio(options);
  };
}

}  // namespace rebate::cli
