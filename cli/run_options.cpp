// The options of the commands that run programs, and their diagnostics (run_options.h).
#include "run_options.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "core/calendar.h"
#include "diagnostics/render.h"
#include "ledger/ledger.h"
#include "engines/engines.h"
#include "lower/lower.h"

namespace rebate::cli {

void add_run_inputs(CLI::App* cmd, RunInputs& o, bool period_required, const char* period_help) {
  cmd->add_option("--input", o.inputs,
                  "Bind a ledger or table to its CSV: NAME=PATH, a file (.csv, .csv.gz, .csv.zst), a directory or glob of them, - "
                  "(standard input) or postgresql://USER@HOST/DB?table=NAME (repeat for each)");
  CLI::Option* period = cmd->add_option("--period", o.period, period_help ? period_help : period_required ? "The period, as in 2026-Q3, or a range of periods, as in 2026-Q1..2026-Q3" : "Pay one period only, as in 2026-Q3, or a range, as in 2026-Q1..2026-Q3");
  if (period_required) period->required();
  cmd->add_option("--as-of", o.as_of,
                  "Read only what was booked by this day, as in 2026-07-10: ledger lines booked later (or, in a ledger without "
                  "booking dates, dated later) and payments made later are left out, and counted in a note");
  cmd->add_option("--max-errors", o.max_errors, "Report up to this many malformed input rows (default 20)");
  cmd->add_option("--threads", o.threads,
                  "Threads of the run, 1 or more (default: one per CPU this process may use); the payouts are the same")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--max-span-years", o.max_span_years,
                  "Without effective dates, the most years the ledgers' dates may span before the run refuses them (default 10; 0: no limit)");
  add_engine_option(cmd, o.engine, "", false);
  // Hidden: the output does not depend on it; tests make batches small to put their boundaries everywhere.
  cmd->add_option("--batch-partners", o.batch_partners, "Partners per batch of payouts evaluated and written at a time (default: automatic)")
      ->group("");
  // Hidden: the output does not depend on it; tests cut small ledgers into many pieces per thread.
  cmd->add_option("--piece-bytes", o.piece_bytes, "Bytes per piece of a ledger the threads claim (default: 4 MiB)")->group("");
}

void add_closing_options(CLI::App* cmd, RunInputs& o) {
  cmd->add_option("--closed-through", o.closed_through,
                  "Close the periods up to this one, as in 2026-Q2 (replaces the program's `closed_through`): the run pays only open "
                  "periods, and lines booked after the close for a closed period are paid as adjustments in the first open one");
  cmd->add_option("--closed-on", o.closed_on,
                  "The day the closed periods were closed, as in 2026-07-10 (default: the last closed period's last day): a line "
                  "booked after it is late");
}

CLI::Option* add_engine_option(CLI::App* cmd, std::string& engine, const std::string& help, bool with_all) {
  std::string text = help;
  if (text.empty()) {
    for (const vm::EngineKind& e : engines::built_engines()) text += (text.empty() ? "" : "; ") + e.name + ": " + e.summary;
    text = "The engine that runs the program's formulas (default vm): " + text + "; the payouts are the same";
  }
  auto check = [with_all](const std::string& name) -> std::string {
    if (engines::find_engine(name) || (with_all && name == "all")) return "";
    return fmt::format("this build has no engine `{}`; its engines are {}{}", name, engines::engine_names(), with_all ? " (or all)" : "");
  };
  return cmd->add_option("--engine", engine, text)->check(CLI::Validator(check, "ENGINE"));
}

std::optional<int> engine_options(const char* command, const RunInputs& o, engine::RunOptions& ro) {
  for (const std::string& binding : o.inputs) {
    size_t eq = binding.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == binding.size()) {
      fmt::print(stderr, "{}: `--input {}` must be NAME=PATH, as in `--input sales=sales.csv`\n", command, binding);
      return kExitUsage;
    }
    const std::string name = binding.substr(0, eq), path = binding.substr(eq + 1);
    if (auto [it, fresh] = ro.input_paths.emplace(name, path); !fresh) {
      fmt::print(stderr, "{}: `--input {}` is given twice (`{}` and `{}`); a ledger or table is read from one file\n", command, name,
                 it->second, path);
      return kExitUsage;
    }
  }
  // Standard input can be read once: by one input.
  std::string stdin_name;
  for (const auto& [name, path] : ro.input_paths) {
    if (path != "-") continue;
    if (!stdin_name.empty()) {
      fmt::print(stderr, "{}: `--input {}=-` and `--input {}=-` both read standard input, which can be read once\n", command,
                 stdin_name, name);
      return kExitUsage;
    }
    stdin_name = name;
  }
  if (!o.period.empty()) ro.period = o.period;
  if (!o.as_of.empty()) {
    ro.as_of = parse_date(o.as_of);
    if (!ro.as_of) {
      fmt::print(stderr, "{}: `--as-of {}` is not a date; write the day as year-month-day, like `--as-of 2026-07-10`\n", command, o.as_of);
      return kExitUsage;
    }
  }
  if (!o.closed_through.empty()) ro.closed_through = o.closed_through;
  if (!o.closed_on.empty()) {
    ro.closed_on = parse_date(o.closed_on);
    if (!ro.closed_on) {
      fmt::print(stderr, "{}: `--closed-on {}` is not a date; write the day as year-month-day, like `--closed-on 2026-07-10`\n", command, o.closed_on);
      return kExitUsage;
    }
  }
  ro.max_errors = o.max_errors;
  ro.threads = o.threads;
  ro.max_span_years = o.max_span_years;
  ro.batch_partners = o.batch_partners;
  ro.piece_bytes = o.piece_bytes;
  ro.engine = engines::find_engine(o.engine);  // checked by the option's validator
  return std::nullopt;
}

std::optional<int> compile_for_run(const char* command, const std::string& path, const engine::RunOptions& ro, Compiler& compiler,
                                   plan::Plan& plan) {
  CompiledProgram program = compiler.compile_file(path);
  compiler.finish();
  if (auto failed = report_diagnostics(compiler, program.typed != nullptr)) return *failed;
  for (const auto& [name, input] : ro.input_paths) {
    auto it = program.typed->globals.find(name);
    if (it == program.typed->globals.end() || (it->second.kind != SymbolKind::Ledger && it->second.kind != SymbolKind::Table)) {
      fmt::print(stderr, "{}: the program has no ledger or table `{}` (from --input {}={})\n", command, name, name, input);
      return kExitUsage;
    }
  }
  plan = lower_program(*program.typed, compiler.sources());
  return std::nullopt;
}

std::optional<int> report_diagnostics(Compiler& compiler, bool has_program) {
  const Diagnostics& diags = compiler.diagnostics();
  if (!diags.has_errors() && has_program) return std::nullopt;
  RenderOptions render_options;
  render_options.color = isatty(STDERR_FILENO) && getenv("NO_COLOR") == nullptr;
  std::string rendered = render(diags, compiler.sources(), render_options);
  std::fwrite(rendered.data(), 1, rendered.size(), stderr);
  bool io = std::any_of(diags.all().begin(), diags.all().end(), [](const Diagnostic& d) { return d.kind == DiagKind::CannotReadFile; });
  return io ? kExitUsage : kExitErrors;
}

}  // namespace rebate::cli

namespace rebate::cli {

void claim_inputs(const engine::RunOptions& ro, OutputFiles& files) {
  for (const auto& [name, path] : ro.input_paths) {
    for (const std::string& file : ledger::resolve_input(path).files) {
      files.add_input(file, fmt::format("the input `{}` (`{}`)", name, file));
    }
  }
}

}  // namespace rebate::cli
