// `rebate run PROGRAM --input NAME=PATH... [--period P] [--format csv|json] [--out PATH] [--explain]`
// Exit 0 when the payouts were computed, 1 for errors in the program, the inputs or at run time, 2 for
// usage or I/O problems.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "run_options.h"
#include "core/activity.h"
#include "core/threads.h"
#include "core/output_files.h"
#include "driver/compilation.h"
#include "engine/engine.h"
#include "engine/phase_clock.h"
#include "engine/report.h"
#include "engines/engines.h"
#include "lower/lower.h"

namespace rebate::cli {

namespace {

struct RunCliOptions {
  std::string program;
  RunInputs run;  // --input, --period, --threads, ... (run_options.h)
  std::string format = "csv";
  std::string out;
  std::string totals;  // CSV: each partner's total per period, in a file of its own
  std::string awards;  // CSV: the awards, in a file of their own
  std::string metrics; // CSV: the metrics, in a file of their own (docs/language.md §25)
  std::string dump;
  std::string on_bad_row = "fail";
  std::string rejects;
  bool explain = false;
  std::string statements;    // directory for one statement per partner and period
  std::string statement_format = "md";  // md or html
  std::string partner;       // `rebate explain`: the partner to explain
  bool explain_only = false; // `rebate explain`: print explanations instead of payouts
  bool detail = false;       // `rebate explain --detail`: list the ledger lines each payout took
  bool timings = false;      // print the seconds each phase took to stderr
};

void print_timings(const std::vector<engine::PhaseTime>& laps, const vm::CompileStats& compiled) {
  double total = 0;
  for (const engine::PhaseTime& t : laps) {
    fmt::print(stderr, "timing: {:<12} {:8.3f} s   peak memory {:7.1f} MiB\n", t.phase, t.seconds, t.peak_mb);
    total += t.seconds;
  }
  fmt::print(stderr, "timing: {:<12} {:8.3f} s\n", "total", total);
  // The JIT starts and compiles during the phases above (on a thread of its own, or when a function
  // first runs), not as one of them; a tiered run may not start it at all.
  if (compiled.started) {
    fmt::print(stderr, "timing: {:<12} {:8.3f} s   CPU, loading LLVM and making the JIT instance, during the phases above\n", "jit start",
               compiled.start_seconds);
    fmt::print(stderr, "timing: {:<12} {:8.3f} s   CPU, {} functions{}, during the phases above{}\n", "jit compile", compiled.seconds, compiled.functions,
               compiled.cached > 0 ? fmt::format(" ({} from the object cache)", compiled.cached) : "",
               compiled.interpreted > 0 ? fmt::format("; {} functions interpreted only", compiled.interpreted) : "");
  } else if (compiled.interpreted > 0) {
    fmt::print(stderr, "timing: {:<12} LLVM not loaded: no function ran often enough to be worth compiling ({} functions interpreted)\n", "jit",
               compiled.interpreted);
  }
}

// `text` to standard output (path "" or "-") or to `path` as it is (a temporary file of OutputFiles).
bool write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") return std::fwrite(text.data(), 1, text.size(), stdout) == text.size() && std::fflush(stdout) == 0;
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();  // a full disk shows when the last bytes are flushed
  return static_cast<bool>(out);
}

// Every file the run reads (the program and its imports, the ledgers and tables) and may write (the
// payouts, the rejects), so that no output overwrites an input or another output whatever its spelling;
// the message naming both when one would.
std::optional<std::string> claim_files(const RunCliOptions& o, const engine::RunOptions& ro, Compiler& compiler, OutputFiles& files) {
  for (FileId f = 0; f < compiler.sources().size(); ++f) {
    const std::string& path = compiler.sources().file(f).path();
    files.add_input(path, fmt::format("the program file `{}`", path));
  }
  claim_inputs(ro, files);
  if (!o.out.empty() && o.out != "-") {
    if (auto refused = files.add_output(o.out, "the payouts (--out)")) return refused;
  }
  if (!o.totals.empty()) {
    if (auto refused = files.add_output(o.totals, "the totals (--totals)")) return refused;
  }
  if (!o.awards.empty()) {
    if (auto refused = files.add_output(o.awards, "the awards (--awards)")) return refused;
  }
  if (!o.metrics.empty()) {
    if (auto refused = files.add_output(o.metrics, "the metrics (--metrics)")) return refused;
  }
  if (ro.reject_bad_rows) {
    for (const auto& [name, path] : ro.input_paths) {
      for (const char* suffix : {".csv", ".unknown-partners.csv", ".unknown-keys.csv", ".history.csv"}) {
        const std::string file = ro.rejects_path + "." + name + suffix;
        if (auto refused = files.add_output(file, fmt::format("the rejected rows of `{}` (--rejects)", name))) return refused;
      }
    }
  }
  return std::nullopt;
}

// An output that cannot be written: the run stops and the command exits 2 with `message`.
struct OutputFailed {
  std::string message;
};

// The payouts to a file (a temporary of OutputFiles), opened at the first text: a run that fails
// before it makes anything creates nothing.
class PayoutFile {
 public:
  explicit PayoutFile(std::string path) : path_(std::move(path)) {}
  ~PayoutFile() {
    if (file_) std::fclose(file_);
  }
  PayoutFile(const PayoutFile&) = delete;
  PayoutFile& operator=(const PayoutFile&) = delete;
  void write(std::string_view part) {
    if (failed_) return;
    if (!file_ && !(file_ = std::fopen(path_.c_str(), "wb"))) failed_ = true;
    if (file_ && std::fwrite(part.data(), 1, part.size(), file_) != part.size()) failed_ = true;
  }
  // The file closed; false when something could not be written (a full disk shows when the last bytes
  // are flushed).
  bool close() {
    if (!file_) write({});
    if (file_ && std::fclose(file_) != 0) failed_ = true;
    file_ = nullptr;
    return !failed_;
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  bool failed_ = false;
};

// One Markdown statement per partner and period in `dir`, named PARTNER-PERIOD.md with the partner's id
// made a safe file name (safe_file_name: a partner id is read from a ledger and never chooses where a
// file goes), written as the run makes them. The directory is made at the first statement.
engine::StatementWriter::Out statement_files(const std::string& dir, const std::string& extension, OutputFiles& files) {
  return [&dir, extension, &files, made = false](std::string_view partner, std::string_view period, const std::string& markdown) mutable {
    if (!made) {
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) throw OutputFailed{fmt::format("cannot create the statements directory `{}`: {}", dir, ec.message())};
      made = true;
    }
    const std::string file = (std::filesystem::path(dir) / (safe_file_name(partner) + "-" + std::string(period) + extension)).string();
    if (auto refused = files.add_output(file, fmt::format("the statement of `{}` for {}", partner, period))) throw OutputFailed{*refused};
    if (!write_output(files.write_path(file), markdown)) throw OutputFailed{fmt::format("cannot write `{}`", file)};
  };
}

int run_program(const RunCliOptions& o) {
  const char* const command = o.explain_only ? "rebate explain" : "rebate run";
  engine::RunOptions ro;
  if (auto usage = engine_options(command, o.run, ro)) return *usage;
  ro.reject_bad_rows = o.on_bad_row == "reject";
  ro.rejects_path = o.rejects;
  // The CSV form has no column for the measures' values: compute them only when something shows them.
  ro.explanations = o.format == "json" || o.explain || o.explain_only || !o.statements.empty();
  if (o.detail) {
    // `rebate explain --detail`: that partner's lines; `rebate run --detail`: every partner's, for what
    // shows them (the explanations, the statements).
    if (!o.explain_only && !o.explain && o.statements.empty()) {
      fmt::print(stderr, "rebate run: `--detail` lists the lines in the explanations or the statements: add `--explain` or `--statements DIR`\n");
      return kExitUsage;
    }
    ro.detail_partner = o.explain_only ? o.partner : std::string();
  }
  const std::pair<const std::string*, const char*> extra_files[] = {{&o.totals, "totals"}, {&o.awards, "awards"}, {&o.metrics, "metrics"}};
  for (auto [path, option] : extra_files) {
    if (o.format == "json" && !path->empty()) {
      fmt::print(stderr, "{}: `--{}` is for the CSV form; the JSON document holds the totals, awards and metrics in its own `totals`, `awards` and `metrics`\n",
                 command, option);
      return kExitUsage;
    }
    if (*path == "-") {
      fmt::print(stderr, "{}: `--{} -`: standard output holds the payouts; name a file\n", command, option);
      return kExitUsage;
    }
  }
  if (ro.reject_bad_rows && ro.rejects_path.empty()) {
    fmt::print(stderr, "{}: `--on-bad-row reject` needs `--rejects PATH` to write the rejected rows to\n", command);
    return kExitUsage;
  }

  std::vector<engine::PhaseTime> laps;
  engine::PhaseClock clock(laps);
  set_activity("compiling the program");
  Compiler compiler(CompileOptions{});
  plan::Plan plan;
  if (auto failed = compile_for_run(command, o.program, ro, compiler, plan)) return *failed;
  if (o.dump == "plan") return write_output("-", plan::dump_plan(plan)) ? kExitOk : kExitUsage;
  if (o.dump == "bytecode") return write_output("-", plan::dump_bytecode(plan)) ? kExitOk : kExitUsage;
  for (const engines::Dump& d : engines::engine_dumps()) {
    if (o.dump != d.name) continue;
    try {
      return write_output("-", d.print(plan)) ? kExitOk : kExitUsage;
    } catch (const vm::EngineUnavailable& e) {  // the JIT's library missing or from another build
      fmt::print(stderr, "{}: {}\n", command, e.what());
      return kExitUsage;
    }
  }

  // Outputs are claimed before anything is read: a path that is an input or another output is refused
  // before the run, and every output is written beside its place and moved there only at the end.
  OutputFiles files;
  if (auto refused = claim_files(o, ro, compiler, files)) {
    fmt::print(stderr, "{}: {}\n", command, *refused);
    return kExitUsage;
  }
  ro.outputs = &files;

  clock.lap("compile");
  // The payouts are written as the run makes them, a batch at a time: to --out's temporary file as they
  // come; to standard output only once the run has succeeded (spooled until then: a run that fails
  // writes nothing there, as before). The explanations follow the payouts, so they are spooled too.
  const bool to_stdout = o.out.empty() || o.out == "-";
  const size_t threads = thread_count(o.run.threads);
  engine::Spool stdout_spool, explained;
  PayoutFile payout_file(to_stdout ? std::string() : files.write_path(o.out));
  PayoutFile totals_file(o.totals.empty() ? std::string() : files.write_path(o.totals));
  PayoutFile awards_file(o.awards.empty() ? std::string() : files.write_path(o.awards));
  PayoutFile metrics_file(o.metrics.empty() ? std::string() : files.write_path(o.metrics));
  const engine::TextOut payouts_out = to_stdout ? stdout_spool.appender() : engine::TextOut([&](std::string_view part) { payout_file.write(part); });
  engine::SinkFanout sinks;
  std::unique_ptr<engine::PayoutSink> report;
  std::unique_ptr<engine::ExplainWriter> explainer;
  std::unique_ptr<engine::StatementWriter> statements;
  std::string partner_text;  // `rebate explain`: the partner's explanations
  if (o.explain_only) {
    explainer = std::make_unique<engine::ExplainWriter>(plan, [&](std::string_view part) { partner_text.append(part); }, o.partner);
    sinks.add(*explainer);
  } else {
    if (o.format == "json") report = std::make_unique<engine::JsonWriter>(plan, payouts_out);
    else {
      engine::CsvWriter::Extras extras;
      if (!o.totals.empty()) extras.totals = [&](std::string_view part) { totals_file.write(part); };
      if (!o.awards.empty()) extras.awards = [&](std::string_view part) { awards_file.write(part); };
      if (!o.metrics.empty()) extras.metrics = [&](std::string_view part) { metrics_file.write(part); };
      report = std::make_unique<engine::CsvWriter>(plan, payouts_out, threads, std::move(extras));
    }
    sinks.add(*report);
    if (!o.statements.empty()) {
      const bool html = o.statement_format == "html";
      statements = std::make_unique<engine::StatementWriter>(plan, statement_files(o.statements, html ? ".html" : ".md", files),
                                                             html ? engine::StatementFormat::Html : engine::StatementFormat::Markdown);
      sinks.add(*statements);
    }
    if (o.explain) {
      explainer = std::make_unique<engine::ExplainWriter>(plan, explained.appender());
      sinks.add(*explainer);
    }
  }
  engine::RunResult result;
  try {
    result = engine::run(plan, ro, sinks);
  } catch (const OutputFailed& failed) {
    fmt::print(stderr, "rebate run: {}\n", failed.message);
    return kExitUsage;
  }
  laps.insert(laps.end(), result.summary.timings.begin(), result.summary.timings.end());
  clock.restart();
  set_activity("writing the payouts");
  if (o.explain_only && result.ok()) {
    if (!explainer->matched()) {
      fmt::print(stderr, "rebate explain: no payouts or awards for partner `{}` in {}\n", o.partner, o.run.period.empty() ? "the run" : o.run.period);
      return kExitUsage;
    }
    if (!write_output("-", partner_text)) {
      fmt::print(stderr, "rebate explain: cannot write to standard output\n");
      return kExitUsage;
    }
    return kExitOk;
  }
  for (const std::string& note : result.summary.notes) fmt::print(stderr, "note: {}\n", note);
  for (const bool metrics : {false, true}) {
    // The CSV payouts file holds payouts only: awards and metrics have files of their own, and are not
    // dropped unsaid.
    if (!result.ok() || o.format != "csv" || !(metrics ? o.metrics : o.awards).empty()) continue;
    std::string names;
    for (const plan::Award& a : plan.awards) {
      if (a.metric == metrics) names += fmt::format("{}`{}`", names.empty() ? "" : ", ", a.name);
    }
    for (const plan::Rebate& r : plan.rebates) {  // a fund's balance is written with the metrics (§27)
      if (metrics && r.claims != UINT32_MAX) names += fmt::format("{}`{}` (a fund's balance)", names.empty() ? "" : ", ", r.name);
    }
    if (names.empty()) continue;
    if (metrics) fmt::print(stderr, "note: the program reports metrics ({}), which the payouts file does not hold: write them with `--metrics PATH`\n", names);
    else fmt::print(stderr, "note: the program gives awards ({}), which the payouts file does not hold: write them with `--awards PATH`\n", names);
  }
  if (!result.ok()) {
    for (const std::string& e : result.errors) fmt::print(stderr, "{}\n", e.find("error") == std::string::npos ? "error: " + e : e);
    return result.usage_error ? kExitUsage : kExitErrors;
  }
  bool written = false;
  if (to_stdout) {
    bool failed = false;
    written = stdout_spool.drain([&](std::string_view part) {
      failed = failed || std::fwrite(part.data(), 1, part.size(), stdout) != part.size();
    });
    written = written && !failed && std::fflush(stdout) == 0;
  } else {
    written = payout_file.close();
  }
  if (!written) {
    fmt::print(stderr, "rebate run: cannot write `{}`\n", o.out);
    return kExitUsage;
  }
  for (auto [path, file] : {std::pair{&o.totals, &totals_file}, std::pair{&o.awards, &awards_file}, std::pair{&o.metrics, &metrics_file}}) {
    if (!path->empty() && !file->close()) {
      fmt::print(stderr, "rebate run: cannot write `{}`\n", *path);
      return kExitUsage;
    }
  }
  if (o.explain) {
    std::fflush(stdout);  // the payouts first, then how they were computed
    std::FILE* to = to_stdout ? stderr : stdout;
    bool failed = false;
    const bool read_back = explained.drain([&](std::string_view part) { failed = failed || std::fwrite(part.data(), 1, part.size(), to) != part.size(); });
    if (!read_back || failed || std::fflush(to) != 0) {
      fmt::print(stderr, "rebate run: cannot write the explanations\n");
      return kExitUsage;
    }
  }
  // Every file in place at once, now that nothing can fail before them.
  if (auto failed = files.commit()) {
    fmt::print(stderr, "rebate run: {}\n", *failed);
    return kExitUsage;
  }
  clock.lap("write");
  if (o.timings) print_timings(laps, result.summary.compiled);
  return kExitOk;
}

}  // namespace

std::function<int()> add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunCliOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run a program against its ledgers and write the payouts");
  cmd->add_option("program", o->program, "The .rebate program")->required();
  add_run_inputs(cmd, o->run);
  add_closing_options(cmd, o->run);
  cmd->add_option("--format", o->format, "csv (default) or json")->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--out", o->out, "Write the payouts to this file instead of standard output");
  cmd->add_option("--totals", o->totals, "CSV: write each partner's total per period to this file (the payouts file holds payouts only)");
  cmd->add_option("--awards", o->awards, "CSV: write the awards (the period each is for and the period measured) to this file");
  cmd->add_option("--metrics", o->metrics, "CSV: write the metrics (a value per partner and period, not paid) to this file");
  cmd->add_flag("--explain", o->explain, "Also print how each payout was computed");
  cmd->add_flag("--timings", o->timings, "Print the seconds each phase took (compile, prepare, read + scan, groups, evaluate, write), the peak memory and, with the JIT, its compile time to stderr");
  cmd->add_option("--on-bad-row", o->on_bad_row, "fail (default) or reject: skip malformed rows, count them and write them to --rejects")
      ->check(CLI::IsMember({"fail", "reject"}));
  cmd->add_option("--rejects", o->rejects, "With --on-bad-row reject: write rejected rows to PATH.<input>.csv");
  std::vector<std::string> dumps = {"plan", "bytecode"};
  for (const engines::Dump& d : engines::engine_dumps()) dumps.push_back(d.name);
  std::string dump_names;
  for (size_t i = 0; i < dumps.size(); ++i) dump_names += (i == 0 ? "" : i + 1 == dumps.size() ? " or " : ", ") + dumps[i];
  cmd->add_option("--dump", o->dump, "Print an intermediate form instead of running: " + dump_names +
                                         (dumps.size() > 2 ? " (the JIT's module before and after optimisation)" : ""))
      ->check(CLI::IsMember(dumps));
  cmd->add_option("--statements", o->statements, "Write one statement per partner and period into this directory");
  cmd->add_flag("--detail", o->detail,
                "With --explain or --statements: list the ledger lines each payout took (reads the ledgers twice and keeps their lines)");
  cmd->add_option("--statement-format", o->statement_format, "The statements' format: md (Markdown, default) or html (self-contained pages)")
      ->check(CLI::IsMember({"md", "html"}));
  return [o] { return run_program(*o); };
}

std::function<int()> add_explain_command(CLI::App& app) {
  auto o = std::make_shared<RunCliOptions>();
  o->explain_only = true;
  CLI::App* cmd = app.add_subcommand("explain", "Explain one partner's payouts: measures, band, rate, caps, gates, lines");
  cmd->add_option("program", o->program, "The .rebate program")->required();
  add_run_inputs(cmd, o->run, /*period_required=*/true);
  add_closing_options(cmd, o->run);
  cmd->add_option("--partner", o->partner, "The partner's id")->required();
  cmd->add_flag("--detail", o->detail, "List the ledger lines each payout took (file, line, the cells the program reads)");
  return [o] { return run_program(*o); };
}

}  // namespace rebate::cli
