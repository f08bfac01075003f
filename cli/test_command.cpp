// `rebate test [PATH...] [--engine vm|jit|all] [--format human|json|junit] [--filter TEXT] [--fail-fast]
//              [--coverage] [--coverage-format human|json|lcov] [--coverage-out FILE] [--min-coverage PERCENT]`
// Runs the `test` blocks of programs on the real engine (compiler/testing). Exit 0 when every test
// passes, 1 when a test fails or is an error, a program does not compile or a program's coverage is
// below --min-coverage, 2 for usage or I/O problems.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <cstdio>

#include "commands.h"
#include "core/output_files.h"
#include "diagnostics/render.h"
#include "driver/compilation.h"
#include "engines/engines.h"
#include "lower/lower.h"
#include "rebate_files.h"
#include "run_options.h"
#include "testing/coverage_report.h"
#include "testing/test_report.h"
#include "testing/test_runner.h"

namespace rebate::cli {

namespace {

struct TestOptions {
  std::vector<std::string> paths;
  std::string engine = "all";
  std::string format = "human";
  std::string filter;
  bool fail_fast = false;
  bool coverage = false;
  std::string coverage_format = "human";
  std::string coverage_out;
  std::optional<double> min_coverage;
};

// The coverage report in JSON or LCOV to --coverage-out, written as run outputs are (never over a
// program read, atomically); the error message if it cannot be.
std::optional<std::string> write_coverage(const std::string& path, const std::string& text, const std::vector<std::string>& programs) {
  OutputFiles files;
  for (const std::string& p : programs) files.add_input(p, "the program `" + p + "`");
  if (auto refused = files.add_output(path, "the coverage report")) return refused;
  const std::string temporary = files.write_path(path);
  std::FILE* f = std::fopen(temporary.c_str(), "wb");
  if (!f) return fmt::format("cannot write the coverage report `{}`: {}", path, std::strerror(errno));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !written) return fmt::format("cannot write the coverage report `{}`: {}", path, std::strerror(errno));
  return files.commit();
}

int run_tests(TestOptions o) {
  o.coverage = o.coverage || o.min_coverage || !o.coverage_out.empty() || o.coverage_format != "human";
  if (o.coverage_format != "human" && o.coverage_out.empty()) {
    fmt::print(stderr, "rebate test: --coverage-format {} writes a file: name it with --coverage-out, e.g. --coverage-out {}\n",
               o.coverage_format, o.coverage_format == "lcov" ? "lcov.info" : "coverage.json");
    return kExitUsage;
  }
  if (!o.coverage_out.empty() && o.coverage_format == "human") {
    fmt::print(stderr, "rebate test: --coverage-out writes json or lcov: add --coverage-format json or --coverage-format lcov\n");
    return kExitUsage;
  }
  if (o.min_coverage && (*o.min_coverage < 0 || *o.min_coverage > 100)) {
    fmt::print(stderr, "rebate test: --min-coverage is a percentage from 0 to 100, not {}\n", *o.min_coverage);
    return kExitUsage;
  }
  std::vector<testing::Engine> engines = testing::built_engines();
  if (o.engine != "all") {
    auto kept = std::find_if(engines.begin(), engines.end(), [&](const testing::Engine& e) { return e.name == o.engine; });
    if (kept == engines.end()) {
      fmt::print(stderr, "rebate test: this build has no {} engine; use --engine vm (or all)\n", o.engine);
      return kExitUsage;
    }
    engines = {*kept};
  }
  std::vector<std::string> engine_names;
  for (const testing::Engine& e : engines) engine_names.push_back(e.name);

  // A library named on the command line is said to be skipped; one found in a directory is skipped quietly.
  std::vector<RebateFile> files;
  std::string not_found;
  if (!find_rebate_files(o.paths, files, not_found)) {
    fmt::print(stderr, "rebate test: {}\n", not_found);
    return kExitUsage;
  }

  const bool human = o.format == "human";
  const bool color = isatty(STDERR_FILENO) && getenv("NO_COLOR") == nullptr;
  bool io_error = false;
  bool stopped = false;
  std::vector<testing::ProgramResult> programs;
  std::vector<testing::ProgramCoverage> coverage;
  std::vector<std::string> program_files;
  for (const RebateFile& file : files) {
    if (stopped) break;
    Compiler compiler(CompileOptions{});
    CompiledProgram program = compiler.compile_file(file.path);
    compiler.finish();
    const Diagnostics& diags = compiler.diagnostics();
    const bool unreadable = std::any_of(diags.all().begin(), diags.all().end(), [](const Diagnostic& d) { return d.kind == DiagKind::CannotReadFile; });
    const bool is_program = !program.modules.empty() && !program.modules.front()->programs.empty();
    if (!unreadable && !is_program) {
      // A library module (no `program` header): its declarations are tested through the programs importing it.
      if (file.named) fmt::print(stderr, "rebate test: `{}` has no `program` header: not a program, no tests run\n", file.path);
      continue;
    }
    testing::ProgramResult result;
    result.file = file.path;
    result.title = is_program ? program.modules.front()->programs.front().title : "";
    if (unreadable || diags.has_errors() || !program.typed) {
      RenderOptions shown;
      shown.color = color;
      const std::string rendered = render(diags, compiler.sources(), shown);
      std::fwrite(rendered.data(), 1, rendered.size(), stderr);
      RenderOptions plain;
      plain.format = DiagFormat::Gnu;
      result.compiled = false;
      result.diagnostics = render(diags, compiler.sources(), plain);
      io_error = io_error || unreadable;
      if (human) fmt::print("ERROR {}: the program does not compile; none of its tests ran\n", file.path);
      programs.push_back(std::move(result));
      if (o.fail_fast) stopped = true;
      continue;
    }
    const plan::Plan plan = lower_program(*program.typed, compiler.sources());
    engine::Coverage counts(plan);
    program_files.push_back(file.path);
    for (const ast::Test& test : program.modules.front()->tests) {
      if (!o.filter.empty() && test.title.find(o.filter) == std::string::npos) continue;
      testing::TestResult r = testing::run_test(test, *program.typed, plan, compiler.sources(), engines, o.coverage ? &counts : nullptr);
      if (human) {
        const std::string line = testing::human_test(r);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
      }
      const bool failed = r.outcome != testing::Outcome::Pass;
      result.tests.push_back(std::move(r));
      if (failed && o.fail_fast) {
        stopped = true;
        break;
      }
    }
    programs.push_back(std::move(result));
    if (o.coverage) coverage.push_back(testing::program_coverage(file.path, *program.typed, plan, compiler.sources(), counts));
  }

  // Programs below --min-coverage, each on its own: one well-tested program does not hide another.
  std::string below;
  if (o.min_coverage) {
    for (const testing::ProgramCoverage& c : coverage) {
      if (!c.at_least(*o.min_coverage)) below += fmt::format("coverage of {} is {}%, below --min-coverage {}%\n", c.file, c.percent(), *o.min_coverage);
    }
  }
  if (!o.coverage_out.empty()) {
    const std::string text = o.coverage_format == "lcov" ? testing::coverage_lcov(coverage) : testing::coverage_json(coverage);
    if (auto refused = write_coverage(o.coverage_out, text, program_files)) {
      fmt::print(stderr, "rebate test: {}\n", *refused);
      return kExitUsage;
    }
  }

  const testing::Totals t = testing::totals(programs);
  std::string report;
  if (o.format == "json") {
    report = testing::json_report(programs, engine_names, o.coverage ? &coverage : nullptr);
  } else if (o.format == "junit") {
    report = testing::junit_report(programs, engine_names);
  } else {
    // The coverage before the summary line, which stays the last line (CI tools read it).
    if (o.coverage) report += testing::coverage_text(coverage);
    report += below;
    report += testing::human_summary(t, engine_names) + (stopped ? "; stopped at the first failure (--fail-fast)" : "") + "\n";
  }
  if (!human && !below.empty()) fmt::print(stderr, "rebate test: {}", below);
  if (std::fwrite(report.data(), 1, report.size(), stdout) != report.size() || std::fflush(stdout) != 0) {
    fmt::print(stderr, "rebate test: cannot write to standard output\n");
    return kExitUsage;
  }
  if (io_error) return kExitUsage;
  return t.failed || t.not_compiled || !below.empty() ? kExitErrors : kExitOk;
}

}  // namespace

std::function<int()> add_test_command(CLI::App& app) {
  auto options = std::make_shared<TestOptions>();
  CLI::App* cmd = app.add_subcommand("test", "Run the `test` blocks of programs and report which pass");
  cmd->add_option("paths", options->paths,
                  "Program files or directories (every program under them, recursively); default: the current directory");
  add_engine_option(cmd, options->engine, "Which engines run the tests: " + engines::engine_names() + ", or all (the default: every engine of the build)", true);
  cmd->add_option("--format", options->format, "human (default), json or junit (JUnit XML for CI)")
      ->check(CLI::IsMember({"human", "json", "junit"}));
  cmd->add_option("--filter", options->filter, "Run only the tests whose name contains this text");
  cmd->add_flag("--fail-fast", options->fail_fast, "Stop at the first test that fails or is an error");
  cmd->add_flag("--coverage", options->coverage,
                "Report which rebates, clauses, tier bands, decision rows and award rows the tests reached");
  cmd->add_option("--coverage-format", options->coverage_format,
                  "human (in the report, default), json or lcov (written to --coverage-out)")
      ->check(CLI::IsMember({"human", "json", "lcov"}));
  cmd->add_option("--coverage-out", options->coverage_out, "The file the json or lcov coverage report is written to");
  cmd->add_option("--min-coverage", options->min_coverage,
                  "Exit 1 when a program's tests reach fewer than this percentage of its items (implies --coverage)");
  return [options] { return run_tests(*options); };
}

}  // namespace rebate::cli
