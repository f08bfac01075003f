// `rebate diff OLD NEW --input NAME=PATH... [--period P] [--format md|csv|json] [--top N]
//  [--fail-above AMOUNT|PERCENT%] [--out PATH]`
// Two versions of a program (files, or `git:REV:PATH`) run on the same ledgers, their payouts compared
// partner x period x rebate. Both run in one scan of the ledgers when they can share a plan
// (plan/combine.h), else one after the other. Exit 0 when compared (and within --fail-above), 1 for
// errors in the programs, the inputs or at run time and when the change exceeds --fail-above, 2 for usage
// or I/O problems.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

#include "commands.h"
#include "core/activity.h"
#include "core/output_files.h"
#include "diff/compare.h"
#include "diff/report.h"
#include "git_source.h"
#include "lower/lower.h"
#include "plan/combine.h"
#include "run_options.h"

namespace rebate::cli {

namespace {

constexpr const char* kCommand = "rebate diff";

struct DiffCliOptions {
  std::string before, after;  // OLD and NEW as given
  RunInputs run;
  std::string format = "md";
  std::string out;
  std::string fail_above;
  size_t top = 10;
  bool two_runs = false;  // run the programs one after the other even when they could share a scan (tests)
};

// One of the two programs, compiled and lowered.
struct Program {
  std::string spec;  // as given
  bool from_git = false;
  std::unique_ptr<Compiler> compiler;
  CompiledProgram compiled;
  plan::Plan plan;
};

// Compiles OLD or NEW; nullopt, or the exit code after the messages.
std::optional<int> load(const std::string& spec, Program& p) {
  p.spec = spec;
  if (spec.rfind("git:", 0) == 0) {
    p.from_git = true;
    std::string error;
    std::optional<GitProgram> git = git_program(spec, error);
    if (!git) {
      fmt::print(stderr, "{}: `{}`: {}\n", kCommand, spec, error);
      return kExitUsage;
    }
    std::optional<std::string> text = git_file(git->revision, git->path, error);
    if (!text) {
      fmt::print(stderr, "{}: cannot read `{}`: {}\n", kCommand, spec, error);
      return kExitUsage;
    }
    p.compiler = std::make_unique<Compiler>(git_compile_options(git->revision));
    p.compiled = p.compiler->compile_text(git->name, std::move(*text));
  } else {
    p.compiler = std::make_unique<Compiler>(CompileOptions{});
    p.compiled = p.compiler->compile_file(spec);
  }
  p.compiler->finish();
  if (auto failed = report_diagnostics(*p.compiler, p.compiled.typed != nullptr)) return failed;
  p.plan = lower_program(*p.compiled.typed, p.compiler->sources());
  return std::nullopt;
}

std::vector<diff::RebateInfo> rebates_of(const plan::Plan& plan) {
  const std::vector<std::vector<std::string>> bands = engine::band_texts(plan);
  std::vector<diff::RebateInfo> out;
  for (const plan::Rebate& r : plan.rebates) {
    out.push_back(diff::RebateInfo{r.name, r.title, r.pay_tiers < bands.size() ? bands[r.pay_tiers] : std::vector<std::string>()});
  }
  return out;
}

bool declares(const plan::Plan& plan, const std::string& name) {
  for (const plan::Input& in : plan.inputs) {
    if (in.name == name) return true;
  }
  return false;
}

// The run's options for one program: only the inputs it declares.
engine::RunOptions for_program(const engine::RunOptions& ro, const plan::Plan& plan) {
  engine::RunOptions mine = ro;
  mine.input_paths.clear();
  for (const auto& [name, path] : ro.input_paths) {
    if (declares(plan, name)) mine.input_paths.emplace(name, path);
  }
  return mine;
}

// A run's errors and notes on standard error; the exit code when it failed.
std::optional<int> run_failed(const engine::RunResult& result, const char* which) {
  for (const std::string& note : result.summary.notes) fmt::print(stderr, "note: {}{}\n", which, note);
  if (result.ok()) return std::nullopt;
  for (const std::string& e : result.errors) fmt::print(stderr, "{}{}\n", which, e.find("error") == std::string::npos ? "error: " + e : e);
  return result.usage_error ? kExitUsage : kExitErrors;
}

int run_diff(const DiffCliOptions& o) {
  std::optional<diff::Threshold> threshold;
  if (!o.fail_above.empty()) {
    threshold = diff::parse_threshold(o.fail_above);
    if (!threshold) {
      fmt::print(stderr, "{}: `--fail-above {}` must be an amount (`1000`, `250.50`) or a percentage (`1%`, `0.5%`), not negative\n", kCommand,
                 o.fail_above);
      return kExitUsage;
    }
  }
  engine::RunOptions ro;
  if (auto usage = engine_options(kCommand, o.run, ro)) return *usage;
  ro.explanations = false;  // the comparison reads amounts, statuses and bands only

  set_activity("compiling the programs");
  Program before, after;
  if (auto failed = load(o.before, before)) return *failed;
  if (auto failed = load(o.after, after)) return *failed;
  // Amounts in two currencies have no difference without a rate: compared as numbers, 100 USD against
  // 100 EUR would read as unchanged.
  if (before.plan.currency != after.plan.currency) {
    fmt::print(stderr,
               "{}: the programs compute in different currencies (`{}` in {}, `{}` in {}): their amounts cannot be compared\n"
               "  help: compare versions in one currency; to pay partners in another, keep `currency:` and add `payout_currency:` "
               "(docs/language.md §24), whose paid amounts the payouts file shows beside the compared ones\n",
               kCommand, before.plan.currency, o.before, after.plan.currency, o.after);
    return kExitUsage;
  }
  for (const auto& [name, path] : ro.input_paths) {
    if (!declares(before.plan, name) && !declares(after.plan, name)) {
      fmt::print(stderr, "{}: neither program has a ledger or table `{}` (from --input {}={})\n", kCommand, name, name, path);
      return kExitUsage;
    }
  }

  // Outputs are claimed before anything is read: the report never overwrites a program or an input.
  OutputFiles files;
  for (const Program* p : {&before, &after}) {
    if (p->from_git) continue;
    for (FileId f = 0; f < p->compiler->sources().size(); ++f) {
      const std::string& path = p->compiler->sources().file(f).path();
      files.add_input(path, fmt::format("the program file `{}`", path));
    }
  }
  claim_inputs(ro, files);
  const bool to_stdout = o.out.empty() || o.out == "-";
  if (!to_stdout) {
    if (auto refused = files.add_output(o.out, "the report (--out)")) {
      fmt::print(stderr, "{}: {}\n", kCommand, *refused);
      return kExitUsage;
    }
  }
  ro.outputs = &files;

  std::unique_ptr<diff::Report> report = diff::make_report(o.format, std::max(before.plan.minor_unit, after.plan.minor_unit));
  diff::Comparison comparison(rebates_of(before.plan), rebates_of(after.plan), o.top, *report);
  diff::ReportInfo info{o.before, o.after, after.plan.currency, true, threshold, false};

  plan::CombineResult combined;
  // A run that closes periods pays adjustments, which a combined plan's cells could not tell apart by
  // program: the programs run one after the other then.
  const bool closing = ro.closed_through || before.plan.closed_through || after.plan.closed_through;
  if (!o.two_runs && !closing) combined = plan::combine(before.plan, after.plan);
  try {
    if (combined.combined) {
      set_activity("running both programs");
      diff::CombinedSink sink(comparison, combined.combined->first_rebates);
      engine::RunResult result = engine::run(combined.combined->plan, ro, sink);
      if (auto failed = run_failed(result, "")) return *failed;
    } else {
      info.one_scan = false;
      if (!o.two_runs) {
        fmt::print(stderr, "note: the two programs cannot share one scan of the ledgers ({}); they run one after the other\n",
                   closing ? "the run closes periods, and each program's adjustments are its own" : combined.why_not);
      }
      set_activity("running the old program");
      diff::KeptRun kept(before.plan.rebates.size());
      engine::RunResult first = engine::run(before.plan, for_program(ro, before.plan), kept);
      if (auto failed = run_failed(first, "the old program: ")) return *failed;
      set_activity("running the new program");
      engine::RunResult second = engine::run(after.plan, for_program(ro, after.plan), kept.against(comparison));
      if (auto failed = run_failed(second, "the new program: ")) return *failed;
      kept.rest(comparison);
    }
  } catch (const std::overflow_error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitErrors;
  }

  set_activity("writing the report");
  info.exceeded = threshold && diff::exceeds(*threshold, comparison.before_total(), comparison.after_total());
  std::FILE* to = to_stdout ? stdout : std::fopen(files.write_path(o.out).c_str(), "wb");
  if (!to) {
    fmt::print(stderr, "{}: cannot write `{}`\n", kCommand, o.out);
    return kExitUsage;
  }
  bool failed = false;
  const bool read_back = report->write(comparison, info, [&](std::string_view part) {
    failed = failed || std::fwrite(part.data(), 1, part.size(), to) != part.size();
  });
  failed = failed || !read_back || std::fflush(to) != 0;
  if (!to_stdout) failed = std::fclose(to) != 0 || failed;
  if (failed) {
    fmt::print(stderr, "{}: cannot write {}\n", kCommand, to_stdout ? "to standard output" : fmt::format("`{}`", o.out));
    return kExitUsage;
  }
  if (auto commit_failed = files.commit()) {
    fmt::print(stderr, "{}: {}\n", kCommand, *commit_failed);
    return kExitUsage;
  }
  if (info.exceeded) {
    const Decimal delta = Decimal::sub(comparison.after_total(), comparison.before_total()).value_or(Decimal());
    const std::optional<std::string> percent = diff::percent_change(comparison.before_total(), comparison.after_total());
    fmt::print(stderr, "{}: the payouts change by {} {} ({}), more than --fail-above {}\n", kCommand,
               diff::amount_text(delta, after.plan.minor_unit), after.plan.currency, percent ? *percent + "%" : "from nothing",
               threshold->text);
    return kExitErrors;
  }
  return kExitOk;
}

}  // namespace

std::function<int()> add_diff_command(CLI::App& app) {
  auto o = std::make_shared<DiffCliOptions>();
  CLI::App* cmd = app.add_subcommand("diff", "Compare the payouts of two versions of a program on the same ledgers");
  cmd->add_option("old", o->before, "The old program: a file, or git:REV:PATH to read it from a git revision")->required();
  cmd->add_option("new", o->after, "The new program: a file, or git:REV:PATH")->required();
  add_run_inputs(cmd, o->run);
  add_closing_options(cmd, o->run);
  cmd->add_option("--format", o->format, "md (default: a Markdown report for a pull-request comment), csv or json")
      ->check(CLI::IsMember({"md", "csv", "json"}));
  cmd->add_option("--top", o->top, "How many of the largest changes the report lists (default 10)");
  cmd->add_option("--fail-above", o->fail_above,
                  "Exit 1 when the total payout changes by more than this amount (`5000`) or percentage (`1%`)");
  cmd->add_option("--out", o->out, "Write the report to this file instead of standard output");
  // Hidden: the report does not depend on it; tests compare the one-scan and the two-run ways.
  cmd->add_flag("--two-runs", o->two_runs, "Run the programs one after the other even when they can share one scan")->group("");
  return [o] { return run_diff(*o); };
}

}  // namespace rebate::cli
