// A run from start to end: the engine prepared (the JIT compiles the plan), the inputs read and
// scanned, the groups finished, the payouts evaluated and handed to the sink; run again with exact
// splits when a guessed split of a ledger missed, or from the start when an input can be read once.
#include <fmt/format.h>
#include <sys/stat.h>

#include "core/activity.h"
#include "core/threads.h"
#include "engine/detail.h"
#include "engine/phase_clock.h"
#include "engine/projection.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

bool inputs_rereadable(const RunOptions& options);

// One run into `result`: the payouts to `sink`, or kept in the result when it is null.
void run_once(const plan::Plan& plan, const RunOptions& options, const vm::Engine& engine, PayoutSink* sink, RunResult& result) {
  State s(plan, options, result, engine);
  PayoutCollector collector(result);
  PayoutSink& to = sink ? *sink : collector;
  PhaseClock clock(result.summary.timings);
  try {
    s.clock = &clock;
    if (s.options.detail_partner && !detail_inputs_rereadable(s)) return;
    if (s.options.forecast && s.options.forecast->capture && !inputs_rereadable(options)) {
      result.errors.push_back("`rebate forecast --method last_year` reads the inputs twice (last year as known on the corresponding "
                              "day, then everything known at the as-of date), and an input here can be read only once (standard "
                              "input, a pipe or a database query): save it to a file and name the file, or use `--method run_rate`");
      result.usage_error = true;
      return;
    }
    if (!load_inputs(s)) return;
    clock.lap("merge");
    set_activity("finishing the groups");
    finish_groups(s);
    clock.lap("groups");
    if (s.options.detail_partner && !read_detail_lines(s)) return;
    if (s.options.forecast && s.options.forecast->capture) {
      // Last year's shape, first run: last year's same period as known on the corresponding day; nothing paid.
      capture_last_year(s, *s.options.forecast->capture);
      return;
    }
    set_activity("evaluating the rebates");
    to.start(result.summary);
    if (s.options.forecast) {
      // A forecast: the payouts to date, then the open period projected, then the run's evaluation of it.
      const ForecastRun& forecast = *s.options.forecast;
      forecast.to_date->start(result.summary);
      evaluate(s, *forecast.to_date);
      forecast.to_date->finish(result.summary);
      project_open_period(s);
    }
    evaluate(s, to);
    clock.lap("evaluate");
    to.finish(result.summary);
  } catch (const vm::EvalError& e) {
    result.payouts.clear();
    result.totals.clear();
    result.awards.clear();
    result.errors.push_back(fmt::format("{}: error: {}, for {}", s.location_text(e.where), e.what(), e.context));
  } catch (const vm::EngineUnavailable& e) {  // the JIT failing to compile a function when it first runs
    result.payouts.clear();
    result.totals.clear();
    result.awards.clear();
    result.errors.push_back(e.what());
    result.usage_error = true;
  }
}

bool inputs_rereadable(const RunOptions& options);
void run_on_threads(const plan::Plan& plan, const RunOptions& options, const vm::Engine& engine, PayoutSink* sink,
                    RunResult& result, const std::vector<PhaseTime>& prepared);

RunResult run_with(const plan::Plan& plan, const RunOptions& options, PayoutSink* sink) {
  RunResult result;
  // The plan prepared once for the engine, whatever runs again below. Its time is the `prepare` phase
  // of --timings (the JIT loads LLVM and compiles later, within the phases: jit/jit.h).
  std::unique_ptr<vm::Engine> engine;
  std::vector<PhaseTime> prepared;
  try {
    PhaseClock clock(prepared);
    set_activity(options.engine ? "preparing the " + options.engine->name + " engine" : "preparing the interpreter");
    engine = options.engine ? options.engine->prepare(plan, options.tiering) : vm::interpreter(plan);
    clock.lap("prepare");
  } catch (const vm::EngineUnavailable& e) {
    result.errors.push_back(e.what());
    result.usage_error = true;
    return result;
  }
  result.summary.timings = prepared;
  // Every parallel step of the run is a task on these N threads (core/threads.h).
  RunThreads threads(thread_count(options.threads));
  threads.run([&] { run_on_threads(plan, options, *engine, sink, result, prepared); });
  result.summary.compiled = engine->compile_stats();
  return result;
}

void run_on_threads(const plan::Plan& plan, const RunOptions& options, const vm::Engine& engine, PayoutSink* sink,
                    RunResult& result, const std::vector<PhaseTime>& prepared) {
  RunOptions o = options;
  // An input read once cannot be read again: the cuts are counted from the start, and a read that
  // rejects bad rows, which may need one piece (below), is in one piece from the start.
  if (!inputs_rereadable(o)) {
    o.exact_splits = true;
    o.one_piece_reads = o.one_piece_reads || o.reject_bad_rows;
  }
  for (;;) {
    try {
      run_once(plan, o, engine, sink, result);
      return;
    } catch (const SplitMissed&) {
      // Thrown while reading, before any payout was handed over. A guessed cut that was not a row start
      // (a ledger with line ends in quoted cells, one of them where the read guessed a cut): again with
      // counted cuts. A counted cut that was not (a malformed ledger whose stray quotes the count took
      // for quoted cells, read with --on-bad-row reject): again with every ledger in one piece.
      if (o.one_piece_reads) throw;  // (one piece has no cut)
      if (o.exact_splits) {
        o.one_piece_reads = true;
      } else {
        o.exact_splits = true;
      }
      result = RunResult();
      result.summary.timings = prepared;
    }
  }
}

// An input that is not a regular file (a pipe, /dev/stdin, `<(zcat ...)`, `-`, a database query) can be
// read only once: a run that has one counts its N-thread cuts from the start instead of guessing
// them, since a missed guess runs everything again and would find that input empty.
bool inputs_rereadable(const RunOptions& options) {
  for (const auto& [name, path] : options.input_paths) {
    const ledger::InputFiles input = ledger::resolve_input(path);
    if (input.kind == ledger::InputFiles::Kind::StandardInput || input.kind == ledger::InputFiles::Kind::Database) return false;
    for (const std::string& file : input.files) {
      struct stat st {};
      if (::stat(file.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return false;
    }
  }
  return true;
}

}  // namespace

RunResult run(const plan::Plan& plan, const RunOptions& options, PayoutSink& sink) { return run_with(plan, options, &sink); }

RunResult run(const plan::Plan& plan, const RunOptions& options) { return run_with(plan, options, nullptr); }

}  // namespace rebate::engine
