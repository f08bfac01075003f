// `rebate compile PROGRAM --target sql --dialect postgres|duckdb [--out FILE] [--table NAME=TABLE]...`:
// the program as one SQL script computing its payouts inside a database (docs/sql.md). Exit 0 with the
// script, 1 when the program has errors or uses a construct the SQL target cannot express yet (each
// named by an E0701 diagnostic), 2 for usage and I/O problems.
#include <fmt/format.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "check/suggest.h"
#include "commands.h"
#include "core/output_files.h"
#include "diagnostics/render.h"
#include "engine/periods.h"
#include "lower/lower.h"
#include "run_options.h"
#include "sql/sql.h"

namespace rebate::cli {

namespace {

struct CompileCliOptions {
  std::string program;
  std::string target;
  std::string dialect;
  std::string out;
  std::vector<std::string> tables;
  std::string period;
  std::string select = "payouts";
  std::string closed_through, closed_on;
};

// `--closed-through` / `--closed-on` as `rebate run` reads them (engine/closing.cpp, resolve_closing): the
// command line's closing replaces the header's, its `--closed-on` alone moves the header's close day.
// Written into the plan's header settings, which the SQL target reads. False after a usage error.
bool apply_closing_options(const CompileCliOptions& o, plan::Plan& plan, const char* command) {
  if (o.closed_through.empty() && o.closed_on.empty()) return true;
  const std::optional<std::string> label = !o.closed_through.empty() ? std::optional(o.closed_through) : plan.closed_through;
  if (!label) {
    fmt::print(stderr, "{}: --closed-on says when the closed periods were closed, and no period is closed: give --closed-through too\n", command);
    return false;
  }
  std::optional<DayNumber> on;
  if (!o.closed_on.empty()) {
    on = parse_date(o.closed_on);
    if (!on) {
      fmt::print(stderr, "{}: `--closed-on {}` is not a date; write the day as year-month-day, like `--closed-on 2026-07-10`\n", command, o.closed_on);
      return false;
    }
  } else if (o.closed_through.empty()) {
    on = plan.closed_on;
  }
  const engine::Periods periods(plan);
  const std::optional<engine::PeriodIndex> through = periods.parse(*label);
  if (!through) {
    fmt::print(stderr, "{}: --closed-through: `{}` is not a period of this program; write its label as the payouts name it, like `{}`\n", command, *label,
               periods.label(periods.of_day(*parse_date("2026-06-30"))));
    return false;
  }
  if (on && *on < periods.last_day(*through)) {
    fmt::print(stderr, "{}: {} is closed on {}, before it ends on {}: a period closes on or after its last day\n", command, *label, format_date(*on),
               format_date(periods.last_day(*through)));
    return false;
  }
  // What was paid for a closed period: the settled rebates' own ledgers, the program's one for the others.
  size_t payments = 0;
  for (const plan::Input& in : plan.inputs) payments += in.kind == plan::InputKind::Payments ? 1 : 0;
  for (const plan::Rebate& r : plan.rebates) {
    if (payments == 0 || (payments > 1 && r.payments == UINT32_MAX)) {
      fmt::print(stderr, "{}: --closed-through closes the periods up to {}, and {}: an adjustment is the recomputed payout less what was paid\n", command,
                 *label, payments == 0 ? "the program has no payments ledger to say what was paid for them"
                                       : fmt::format("rebate `{}` does not settle against one of the program's {} payments ledgers", r.name, payments));
      return false;
    }
  }
  plan.closed_through = *label;
  plan.closed_on = on;
  return true;
}

// Where a plan location is in the sources, as a span over its text (an invalid span for none).
Span span_of(const plan::Plan& plan, uint32_t where, const SourceMap& sources) {
  if (where >= plan.locations.size()) return Span{};
  const plan::Location& l = plan.locations[where];
  for (FileId f = 0; f < sources.size(); ++f) {
    const SourceFile& file = sources.file(f);
    if (file.path() != l.file || l.line == 0 || l.line > file.line_count()) continue;
    const std::string_view line = file.line_text(l.line);
    const auto begin = static_cast<uint32_t>(line.data() - file.text().data()) + std::min<uint32_t>(l.column - 1, static_cast<uint32_t>(line.size()));
    const auto line_end = static_cast<uint32_t>(line.data() - file.text().data() + line.size());
    return Span{f, begin, std::min<uint32_t>(begin + static_cast<uint32_t>(std::max<size_t>(l.text.size(), 1)), line_end)};
  }
  return Span{};
}

int compile_program(const CompileCliOptions& o) {
  const char* const command = "rebate compile";
  if (o.target != "sql") {
    fmt::print(stderr, "{}: `--target {}`: the only target is `sql`\n", command, o.target);
    return kExitUsage;
  }
  const sql::Dialect* dialect = sql::dialect_named(o.dialect);
  if (!dialect) {
    std::string names;
    for (const std::string& n : sql::dialect_names()) names += (names.empty() ? "`" : ", `") + n + "`";
    fmt::print(stderr, "{}: `--dialect {}` is not a dialect this tool writes ({})\n", command, o.dialect, names);
    return kExitUsage;
  }
  Compiler compiler(CompileOptions{});
  CompiledProgram program = compiler.compile_file(o.program);
  compiler.finish();
  if (auto failed = report_diagnostics(compiler, program.typed != nullptr)) return *failed;
  plan::Plan plan = lower_program(*program.typed, compiler.sources());

  sql::SqlOptions options;
  options.dialect = dialect;
  options.select = o.select == "totals" ? sql::Select::Totals : o.select == "awards" ? sql::Select::Awards : o.select == "metrics" ? sql::Select::Metrics : sql::Select::Payouts;
  for (const std::string& t : o.tables) {
    const size_t eq = t.find('=');
    const std::string name = t.substr(0, eq), table = eq == std::string::npos ? "" : t.substr(eq + 1);
    std::vector<std::string> inputs;
    bool known = false;
    for (const plan::Input& in : plan.inputs) {
      inputs.push_back(in.name);
      known = known || in.name == name;
    }
    if (eq == std::string::npos || table.empty() || !sql::quoted_table_name(table)) {
      fmt::print(stderr, "{}: `--table {}`: write it NAME=TABLE or NAME=SCHEMA.TABLE (`--table sales=erp.invoice_lines`)\n", command, t);
      return kExitUsage;
    }
    if (!known) {
      const auto guess = check::closest(name, inputs);
      fmt::print(stderr, "{}: `--table {}`: the program has no ledger or table `{}`{}\n", command, t, name,
                 guess ? fmt::format("; did you mean `{}`?", *guess) : "");
      return kExitUsage;
    }
    if (!options.tables.emplace(name, table).second) {
      fmt::print(stderr, "{}: `--table {}`: `{}` is mapped twice\n", command, t, name);
      return kExitUsage;
    }
  }

  if (!apply_closing_options(o, plan, command)) return kExitUsage;
  if (!o.period.empty()) {
    // One period, or a range of them, named as `rebate run --period` names them.
    const engine::Periods periods(plan);
    const size_t dots = o.period.find("..");
    const auto first = periods.parse(o.period.substr(0, dots));
    const auto last = periods.parse(dots == std::string::npos ? o.period : o.period.substr(dots + 2));
    if (!first || !last || *last < *first) {
      fmt::print(stderr, "{}: `--period {}` is not a period of this program, or a range of them with the earlier first (write it like `{}`)\n",
                 command, o.period, periods.label(periods.of_day(*parse_date("2026-07-01"))));
      return kExitUsage;
    }
    options.periods = std::pair<int64_t, int64_t>(*first, *last);
    // A program that closes periods pays only open ones, as `rebate run` does (docs/language.md §23).
    if (plan.closed_through) {
      const auto through = periods.parse(*plan.closed_through);
      if (through && *first <= *through) {
        const DayNumber on = plan.closed_on.value_or(periods.last_day(*through));
        fmt::print(stderr, "{}: {} is closed (the periods up to {} were closed on {}): the script pays only open periods, and the lines booked late for a "
                           "closed one are paid as adjustments in the first open period it pays\n",
                   command, periods.label(*first), *plan.closed_through, format_date(on));
        return kExitUsage;
      }
    }
  }

  sql::SqlResult result = sql::compile_sql(plan, options);
  if (!result.unsupported.empty()) {
    Diagnostics diags;
    for (const sql::Unsupported& u : result.unsupported) {
      diags.report(DiagKind::SqlUnsupported, span_of(plan, u.where, compiler.sources()),
                   fmt::format("the SQL target cannot express {} yet", u.construct))
          .with_help(fmt::format("run this program with `rebate run`; docs/sql.md lists what `--dialect {}` supports", dialect->name));
    }
    diags.finish(LintOptions{});
    RenderOptions render_options;
    render_options.color = isatty(STDERR_FILENO) && getenv("NO_COLOR") == nullptr;
    const std::string rendered = render(diags, compiler.sources(), render_options);
    std::fwrite(rendered.data(), 1, rendered.size(), stderr);
    return kExitErrors;
  }
  if (o.out.empty() || o.out == "-") {
    std::fwrite(result.script.data(), 1, result.script.size(), stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitUsage;
  }
  OutputFiles files;
  files.add_input(o.program, fmt::format("the program file `{}`", o.program));
  if (auto refused = files.add_output(o.out, "the SQL script (--out)")) {
    fmt::print(stderr, "{}: {}\n", command, *refused);
    return kExitUsage;
  }
  std::ofstream out(files.write_path(o.out), std::ios::binary);
  out << result.script;
  out.close();
  if (!out) {
    fmt::print(stderr, "{}: cannot write `{}`\n", command, o.out);
    return kExitUsage;
  }
  if (auto failed = files.commit()) {
    fmt::print(stderr, "{}: {}\n", command, *failed);
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace

std::function<int()> add_compile_command(CLI::App& app) {
  auto o = std::make_shared<CompileCliOptions>();
  CLI::App* cmd = app.add_subcommand("compile", "Compile a program to another target: SQL that computes its payouts in a database");
  cmd->add_option("program", o->program, "The .rebate program")->required();
  cmd->add_option("--target", o->target, "What to compile to: sql")->required();
  std::string names;
  for (const std::string& n : sql::dialect_names()) names += (names.empty() ? "" : " or ") + n;
  cmd->add_option("--dialect", o->dialect, "The SQL dialect: " + names)->required();
  cmd->add_option("--out", o->out, "Write the script to this file instead of standard output");
  cmd->add_option("--period", o->period, "Pay one period (2026-Q3) or a range (2026-Q1..2026-Q3) instead of the program's effective dates");
  cmd->add_option("--select", o->select, "What the query selects: payouts (the default), totals (per partner and period), awards or metrics")
      ->check(CLI::IsMember({"payouts", "totals", "awards", "metrics"}));
  cmd->add_option("--closed-through", o->closed_through,
                  "Close the periods up to this one, as in 2026-Q2 (replaces the program's `closed_through`), as `rebate run --closed-through` does");
  cmd->add_option("--closed-on", o->closed_on, "The day the closed periods were closed, as in 2026-07-10 (default: the last closed period's last day)");
  cmd->add_option("--table", o->tables, "NAME=TABLE: read input NAME from TABLE (or SCHEMA.TABLE) instead of the table named NAME");
  return [o] { return compile_program(*o); };
}

}  // namespace rebate::cli
