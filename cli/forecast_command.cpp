// `rebate forecast PROGRAM --input NAME=PATH... --as-of DATE [--period P] [--method M] [--near PCT] [--format
// csv|json|markdown] [--out PATH]` (docs/forecast.md). Exit 0 when the forecast was written, 1 for errors
// in the program, the inputs or at run time, 2 for usage or I/O problems (nothing written).
#include <fmt/format.h>

#include <cstdio>
#include <fstream>

#include "commands.h"
#include "core/activity.h"
#include "core/output_files.h"
#include "forecast/forecast.h"
#include "run_options.h"

namespace rebate::cli {

namespace {

constexpr const char* kCommand = "rebate forecast";

struct ForecastCliOptions {
  std::string program;
  RunInputs run;  // --input, --period, --threads, --engine, ... (run_options.h)
  std::string near;
  std::string method = "run_rate";
  std::string format = "csv";
  std::string out;
};

bool write_to(const std::string& path, const std::string& text) {
  if (path.empty()) return std::fwrite(text.data(), 1, text.size(), stdout) == text.size() && std::fflush(stdout) == 0;
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();  // a full disk shows when the last bytes are flushed
  return static_cast<bool>(out);
}

int run_forecast_command(const ForecastCliOptions& o) {
  forecast::Request request;
  if (!o.near.empty()) {
    request.near = forecast::parse_near(o.near);
    request.near_text = o.near;
    if (!request.near) {
      fmt::print(stderr, "{}: `--near {}` must be a percentage above 0 and at most 100, as in `--near 10%`\n", kCommand, o.near);
      return kExitUsage;
    }
  }
  if (o.run.period.find("..") != std::string::npos) {
    fmt::print(stderr, "{}: `--period {}`: a forecast is of the one period open at the as-of date, not a range\n", kCommand, o.run.period);
    return kExitUsage;
  }
  request.period = o.run.period;
  request.method = *forecast::parse_method(o.method);  // CLI11 took only the names parse_method knows
  engine::RunOptions ro;
  RunInputs inputs = o.run;
  inputs.period.clear();  // the open period, set by the forecast once it is known
  if (auto usage = engine_options(kCommand, inputs, ro)) return *usage;  // --as-of too (required)
  request.as_of = *ro.as_of;

  set_activity("compiling the program");
  Compiler compiler(CompileOptions{});
  plan::Plan plan;
  if (auto failed = compile_for_run(kCommand, o.program, ro, compiler, plan)) return *failed;
  const std::variant<forecast::OpenPeriod, std::string> open = forecast::open_period(plan, request);
  if (const std::string* refused = std::get_if<std::string>(&open)) {
    fmt::print(stderr, "{}: {}\n", kCommand, *refused);
    return kExitUsage;
  }

  // Outputs are claimed before anything is read (core/output_files.h): --out may not be an input.
  OutputFiles files;
  for (FileId f = 0; f < compiler.sources().size(); ++f) {
    files.add_input(compiler.sources().file(f).path(), fmt::format("the program file `{}`", compiler.sources().file(f).path()));
  }
  claim_inputs(ro, files);
  const bool to_stdout = o.out.empty() || o.out == "-";
  if (!to_stdout) {
    if (auto refused = files.add_output(o.out, "the forecast (--out)")) {
      fmt::print(stderr, "{}: {}\n", kCommand, *refused);
      return kExitUsage;
    }
  }
  ro.outputs = &files;

  set_activity("forecasting");
  engine::RunResult result;
  const std::optional<forecast::Forecast> made = forecast::run_forecast(plan, ro, request, std::get<forecast::OpenPeriod>(open), result);
  if (!made) {
    for (const std::string& e : result.errors) fmt::print(stderr, "{}\n", e.find("error") == std::string::npos ? "error: " + e : e);
    return result.usage_error ? kExitUsage : kExitErrors;
  }
  for (const std::string& note : made->notes) fmt::print(stderr, "note: {}\n", note);
  const std::string text = o.format == "json"       ? forecast::forecast_json(*made)
                           : o.format == "markdown" ? forecast::forecast_markdown(*made)
                                                    : forecast::forecast_csv(*made);
  if (!write_to(to_stdout ? std::string() : files.write_path(o.out), text)) {
    fmt::print(stderr, "{}: cannot write `{}`\n", kCommand, to_stdout ? "standard output" : o.out);
    return kExitUsage;
  }
  if (auto failed = files.commit()) {
    fmt::print(stderr, "{}: {}\n", kCommand, *failed);
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace

std::function<int()> add_forecast_command(CLI::App& app) {
  auto o = std::make_shared<ForecastCliOptions>();
  CLI::App* cmd = app.add_subcommand("forecast", "Project the open period to its end: measures, bands, payouts and accruals as of a date");
  cmd->add_option("program", o->program, "The .rebate program")->required();
  add_run_inputs(cmd, o->run, false, "The period to forecast: the one open at the as-of date (an error otherwise), as in 2026-Q3");
  cmd->get_option("--as-of")
      ->required()
      ->description("The date of the forecast, as in 2026-08-15: what was booked by then is read (in a ledger without booking dates, "
                    "the lines dated by then), and the open period projected from it");
  cmd->add_option("--near", o->near, "Also list the partners projected within this distance of their next band, as in 10%");
  cmd->add_option("--method", o->method,
                  "run_rate (default): the period's sums and counts × days in period / days elapsed; last_year: × the same period "
                  "last year / its part up to the corresponding day, per partner (run rate where last year has nothing)")
      ->check(CLI::IsMember({"run_rate", "last_year"}));
  cmd->add_option("--format", o->format, "csv (default), json or markdown")->check(CLI::IsMember({"csv", "json", "markdown"}));
  cmd->add_option("--out", o->out, "Write the forecast to this file instead of standard output");
  return [o] { return run_forecast_command(*o); };
}

}  // namespace rebate::cli
