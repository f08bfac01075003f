// What the commands that run programs (`rebate run`, `rebate explain`, `rebate diff`) share: the options
// that say what to read and how (`--input NAME=PATH`, `--period`, `--threads`, ...), turned into the
// engine's RunOptions, and the compiler's diagnostics printed with the exit code they mean.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "driver/compilation.h"
#include "engine/engine.h"

namespace rebate::cli {

struct RunInputs {
  std::vector<std::string> inputs;  // NAME=PATH
  std::string period;
  std::string as_of;  // --as-of DATE: read only what was booked by then
  std::string closed_through;  // --closed-through PERIOD: the periods up to it are closed
  std::string closed_on;       // --closed-on DATE: the day they were closed
  size_t max_errors = 20;
  unsigned threads = 0;          // 0: automatic
  unsigned max_span_years = 10;  // without effective dates: the most years the ledgers' dates may span
  size_t batch_partners = 0;     // partners per batch of payouts (0: automatic); for tests
  size_t piece_bytes = 0;        // bytes per piece of a ledger (0: automatic); for tests
  std::string engine = "vm";     // one of the build's engines (runtime/engines)
};

// `--engine NAME`, checked against the engines this build has (with `all` too when `with_all`); the
// help and the error for an unknown name list only those.
CLI::Option* add_engine_option(CLI::App* cmd, std::string& engine, const std::string& help, bool with_all);

// `--input`, `--period` (required for `rebate explain`), `--as-of`, `--max-errors`, `--threads`, `--max-span-years`,
// `--engine` and the hidden `--batch-partners`.
// `period_help`: the help of `--period` when the command gives it a meaning of its own.
void add_run_inputs(CLI::App* cmd, RunInputs& o, bool period_required = false, const char* period_help = nullptr);

// `--closed-through` and `--closed-on` (docs/language.md §23): `rebate run`, `explain` and `diff` (a forecast
// projects the open period and pays no adjustment).
void add_closing_options(CLI::App* cmd, RunInputs& o);

// The engine's options from the command line's: nullopt, or the exit code after a message that starts
// with `command` (an `--input` that is not NAME=PATH, or a name bound twice).
std::optional<int> engine_options(const char* command, const RunInputs& o, engine::RunOptions& ro);

// The program compiled (its diagnostics printed) and lowered into `plan`; nullopt, or the exit code when it
// has errors or an `--input` names no ledger or table of it.
std::optional<int> compile_for_run(const char* command, const std::string& path, const engine::RunOptions& ro, Compiler& compiler,
                                   plan::Plan& plan);

// Every file the inputs read (a glob's or a directory's files each; nothing for standard input or a
// database), so that no output of the command overwrites one.
void claim_inputs(const engine::RunOptions& ro, OutputFiles& files);

// The compiler's diagnostics on standard error (colour on a terminal); the exit code they mean when there
// are errors: 2 when a file could not be read, 1 otherwise. nullopt when there is no error.
std::optional<int> report_diagnostics(Compiler& compiler, bool has_program);

}  // namespace rebate::cli
