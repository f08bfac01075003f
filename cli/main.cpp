// `rebate`: the command-line entry point. Subcommands live in their own files (commands.h).
#include <fmt/format.h>

#include <new>

#include "big_stack.h"
#include "check/suggest.h"
#include "commands.h"
#include "core/activity.h"
#include "engines/engines.h"

namespace {

// A command whose memory runs out is told so, naming what it was doing, and exits 2 (a resource problem,
// as I/O problems are): the exception unwinds the command, whose output files are then removed unwritten
// (core/output_files.h), instead of aborting the process with nothing said.
int guarded(const std::string& name, const std::function<int()>& command) {
  try {
    return command();
  } catch (const std::bad_alloc&) {
    const std::string doing = rebate::activity();
    fmt::print(stderr, "rebate {}: out of memory{}{}; no output file was written\n", name, doing.empty() ? "" : " while ", doing);
    return rebate::cli::kExitUsage;
  }
}

// `rebate run --perod 2026-Q3`: the first argument the subcommand does not take, with the option it most
// likely meant.
int report_extras(const CLI::App& sub) {
  const std::string command = "rebate " + sub.get_name();
  const std::string arg = sub.remaining().front();
  if (arg.size() > 1 && arg[0] == '-') {
    const std::string name = arg.substr(0, arg.find('='));
    std::vector<std::string> options;
    for (const CLI::Option* o : sub.get_options()) {
      for (const std::string& l : o->get_lnames()) options.push_back("--" + l);
      for (const std::string& s : o->get_snames()) options.push_back("-" + s);
    }
    const auto guess = rebate::check::closest(name, options);
    fmt::print(stderr, "{}: unknown option `{}`{} (`{} --help` lists the options)\n", command, name,
               guess ? fmt::format("; did you mean `{}`?", *guess) : "", command);
  } else {
    fmt::print(stderr, "{}: unexpected argument `{}` (`{} --help` says what it takes)\n", command, arg, command);
  }
  return rebate::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rebate: check and run partner rebate programs written in the Rebate language", "rebate"};
  // The engines are part of the version: scripts and tests learn from it what this build can run.
  std::string engines;
  for (const rebate::vm::EngineKind& e : rebate::engines::built_engines()) engines += (engines.empty() ? "" : ", ") + e.name;
  app.set_version_flag("--version", std::string("rebate ") + REBATE_VERSION + " (engines: " + engines + ")");
  app.require_subcommand(1);
  std::function<int()> check = rebate::cli::add_check_command(app);
  std::function<int()> run = rebate::cli::add_run_command(app);
  std::function<int()> explain = rebate::cli::add_explain_command(app);
  std::function<int()> test = rebate::cli::add_test_command(app);
  std::function<int()> lsp = rebate::cli::add_lsp_command(app);
  std::function<int()> diff = rebate::cli::add_diff_command(app);
  std::function<int()> format = rebate::cli::add_fmt_command(app);
  std::function<int()> compile = rebate::cli::add_compile_command(app);
  std::function<int()> forecast = rebate::cli::add_forecast_command(app);

  // `rebate chek`: CLI11 would only say that a subcommand is required.
  if (argc > 1 && argv[1][0] != '-') {
    std::string word = argv[1];
    bool known = false;
    std::string names;
    std::vector<std::string> candidates;
    for (const CLI::App* sub : app.get_subcommands({})) {
      known = known || sub->get_name() == word;
      names += (names.empty() ? "" : ", ") + sub->get_name();
      candidates.push_back(sub->get_name());
    }
    if (!known) {
      const auto guess = rebate::check::closest(word, candidates);
      fmt::print(stderr, "rebate: unknown command `{}`{} The commands are {} (`rebate --help` says more).\n", word,
                 guess ? fmt::format("; did you mean `{}`?", *guess) : ".", names);
      return rebate::cli::kExitUsage;
    }
  }
  // Unknown options and arguments are the subcommand's to report (with a did-you-mean), not CLI11's.
  for (CLI::App* sub : app.get_subcommands({})) sub->allow_extras();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A usage error is 2 (CLI11 would say 105 and the like), said in the tool's words.
    const std::vector<CLI::App*> parsed = app.get_subcommands();
    const std::string command = parsed.empty() ? "rebate" : "rebate " + parsed.front()->get_name();
    fmt::print(stderr, "{}: {} (`{} --help` lists the options)\n", command, e.what(), command);
    return rebate::cli::kExitUsage;
  }
  for (CLI::App* sub : app.get_subcommands()) {
    if (!sub->remaining().empty()) return report_extras(*sub);
    std::function<int()>* command = sub->get_name() == "check"  ? &check
                                    : sub->get_name() == "run"  ? &run
                                    : sub->get_name() == "test" ? &test
                                    : sub->get_name() == "lsp"  ? &lsp
                                    : sub->get_name() == "diff" ? &diff
                                    : sub->get_name() == "fmt"  ? &format
                                    : sub->get_name() == "compile" ? &compile
                                    : sub->get_name() == "forecast" ? &forecast
                                                                : &explain;
    return rebate::run_with_big_stack([&] { return guarded(sub->get_name(), *command); });
  }
  return rebate::cli::kExitUsage;
}
