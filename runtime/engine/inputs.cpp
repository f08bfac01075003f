// Reading the inputs: every declared ledger and table from its CSV, partners, the period of each line,
// and the run's periods. Nothing is dropped silently: unknown partners are errors (or rejected and
// counted), lines outside the effective dates are counted.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <mutex>

#include "core/activity.h"
#include "core/threads.h"
#include "engine/fx.h"
#include "engine/ledger_index.h"
#include "engine/projection.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

std::string error_text(const ledger::InputError& e) { return e.to_string(); }

using ledger::csv_quote;

int64_t key_of(const ledger::Column& c, size_t row) { return c.values[row]; }

// How far before the first paid period the program's look-backs read: previous() one period,
// last_year() a year, year_to_date() up to a year less a period, added up through measures that use
// other measures' look-backs. Per aggregate (-1: no measure reads it), and the deepest of all.
struct Lookbacks {
  int64_t deepest = 0;
  std::vector<int64_t> aggregate;
};

Lookbacks lookbacks(const plan::Plan& plan, int per_year) {
  Lookbacks out;
  out.aggregate.assign(plan.aggregates.size(), -1);
  // The deepest look-back each function was visited at: visiting it again at a shallower one finds
  // nothing new (what it reads is read at least that far back already).
  std::vector<int64_t> visited(plan.functions.size(), -1);
  std::function<void(plan::FunctionId, int64_t)> visit = [&](plan::FunctionId f, int64_t back) {
    if (f == plan::kNoFunction || visited[f] >= back) return;
    visited[f] = back;
    out.deepest = std::max(out.deepest, back);
    for (const plan::Instr& in : plan.functions[f].code) {
      if (in.op == plan::Opcode::Aggregate) {
        out.aggregate.at(in.a) = std::max(out.aggregate[in.a], back);  // at(): a wrong index is a bug, never a stray write
      } else if (in.op == plan::Opcode::Measure || in.op == plan::Opcode::Shifted) {
        const plan::Measure& m = plan.measures[in.a];
        const int64_t shift = in.op == plan::Opcode::Measure ? 0 : in.b == 0 ? 1 : in.b == 1 ? per_year : per_year - 1;
        for (plan::FunctionId part : {m.value, m.cap, m.floor}) visit(part, back + shift);
      } else if (in.op == plan::Opcode::Decision) {
        visit(plan.decisions[in.a].value, back);
      }
    }
  };
  // A group's field functions are PartnerPeriod functions too, but their `Aggregate` instructions name
  // the group's own aggregates (plan.group_field_aggregates), not the program's: not visited here (they
  // are read through the aggregates over the group, which are).
  std::vector<bool> group_field(plan.functions.size(), false);
  for (const plan::Group& g : plan.groups) {
    for (plan::FunctionId f : g.field_values) {
      if (f != plan::kNoFunction) group_field[f] = true;
    }
  }
  for (plan::FunctionId f = 0; f < plan.functions.size(); ++f) {
    if (plan.functions[f].kind == plan::FunctionKind::PartnerPeriod && !group_field[f]) visit(f, 0);
  }
  // The aggregates that count a payout's lines (plan/line_counts.h) are read by no function: as far
  // back as the terms that read them (the periods the amount's own look-backs reach).
  for (const plan::Rebate& r : plan.rebates) {
    for (const plan::LineCount& l : r.line_counts) {
      const int64_t back = -static_cast<int64_t>(l.first);
      out.aggregate.at(l.aggregate) = std::max(out.aggregate[l.aggregate], back);
      out.deepest = std::max(out.deepest, back);
    }
  }
  // A rebate settled over the year to date works out its clauses over the year so far.
  for (const plan::Rebate& r : plan.rebates) {
    if (r.payments == UINT32_MAX || !r.settle_year_to_date) continue;
    for (plan::FunctionId f : plan::rebate_functions(r)) visit(f, per_year - 1);
  }
  return out;
}

}  // namespace

Value State::cell_value(uint32_t input, uint32_t column, uint32_t row) const {
  return engine::cell_value(tables[input].columns[column], row);
}

bool State::many_files(uint32_t input) const {
  auto path = options.input_paths.find(plan.inputs[input].name);
  return path != options.input_paths.end() && ledger::resolve_input(path->second).kind == ledger::InputFiles::Kind::Files;
}

std::string State::location_text(uint32_t where) const {
  if (where >= plan.locations.size()) return "the program";
  const plan::Location& l = plan.locations[where];
  return fmt::format("{}:{}:{} (`{}`)", l.file, l.line, l.column, l.text);
}

namespace {

// A ledger's schema with the columns no formula reads marked unread: checked in the header, not parsed.
ledger::TableSpec ledger_spec(const plan::Plan& plan, uint32_t index) {
  const plan::Input& in = plan.inputs[index];
  ledger::TableSpec spec = in.spec;
  std::vector<bool> used(spec.columns.size(), false);
  // The booking date is read in every run, --as-of or not: a malformed one is an error either way.
  for (uint32_t c : {in.partner_column, in.date_column, in.booked_column}) {
    if (c < used.size()) used[c] = true;
  }
  for (const plan::Function& f : plan.functions) {
    if (f.kind != plan::FunctionKind::Row || f.input != index) continue;
    for (const plan::Instr& instr : f.code) {
      if ((instr.op == plan::Opcode::Column || instr.op == plan::Opcode::Lookup) && instr.a < used.size()) used[instr.a] = true;
    }
  }
  for (const plan::Group& g : plan.groups) {
    if (g.ledger != index) continue;
    for (uint32_t c : g.key_columns) used[c] = true;
  }
  // Lookup columns are always read: a key missing from its table is a malformed row whatever the
  // program reads of the table (scan.cpp, keys_known).
  for (const auto& [c, table] : in.lookups) used[c] = true;
  // The cells its index keeps (§26) are parsed here too: a malformed one is reported by this read.
  for (uint32_t ix = 0; ix < plan.inputs.size(); ++ix) {
    if (plan.inputs[ix].kind != plan::InputKind::LedgerIndex || plan.inputs[ix].indexes != index) continue;
    const ledger::TableSpec kept = ledger_index_spec(plan, ix);
    for (size_t c = 0; c < kept.columns.size(); ++c) used[c] = used[c] || kept.columns[c].read;
  }
  for (size_t c = 0; c < spec.columns.size(); ++c) spec.columns[c].read = used[c];
  // A text column that only groups lines (kept by its bytes) or is counted distinct (interned on the
  // lines that pass the count's filter) is not interned on every line: an order id or a customer id has
  // millions of values, and interning each line's is much of a scan's cost. Any other use needs the
  // column's ids on every line (filters compare them, lookups find rows by them).
  std::vector<bool> needs_ids(spec.columns.size(), false);
  needs_ids[in.partner_column] = true;
  for (const auto& [c, table] : in.lookups) needs_ids[c] = true;  // found in the table by id
  auto bare_column = [&](plan::FunctionId f) {
    const std::vector<plan::Instr>& code = plan.functions[f].code;
    return code.size() == 2 && code[0].op == plan::Opcode::Column && code[1].op == plan::Opcode::Return;
  };
  std::vector<bool> distinct_arg(plan.functions.size(), false);
  for (const auto* aggregates : {&plan.aggregates, &plan.group_field_aggregates}) {
    for (const plan::Aggregate& a : *aggregates) {
      if (a.kind == plan::AggregateKind::CountDistinct && a.arg != plan::kNoFunction && bare_column(a.arg)) distinct_arg[a.arg] = true;
    }
  }
  for (plan::FunctionId f = 0; f < plan.functions.size(); ++f) {
    if (plan.functions[f].kind != plan::FunctionKind::Row || plan.functions[f].input != index || distinct_arg[f]) continue;
    for (const plan::Instr& instr : plan.functions[f].code) {
      if ((instr.op == plan::Opcode::Column || instr.op == plan::Opcode::Lookup) && instr.a < needs_ids.size()) needs_ids[instr.a] = true;
    }
  }
  for (size_t c = 0; c < spec.columns.size(); ++c) {
    if (spec.columns[c].kind == ledger::ColumnKind::Text && !needs_ids[c]) spec.columns[c].intern = false;
  }
  return spec;
}

// Where to write the output file `path`: the run's outputs say (a temporary file moved into place when the
// command succeeds), or the path itself.
std::string output_path(const State& s, const std::string& path) {
  return s.options.outputs ? s.options.outputs->write_path(path) : path;
}

ledger::ReadOptions read_options(const State& s, const plan::Input& in) {
  ledger::ReadOptions ro;
  ro.max_errors = s.options.max_errors;
  ro.reject_bad_rows = s.options.reject_bad_rows;
  ro.threads = s.options.threads;
  ro.piece_bytes = s.options.piece_bytes;
  if (s.options.one_piece_reads) ro.threads = 1;
  ro.exact_split = s.options.exact_splits;
  if (s.options.reject_bad_rows && !s.options.rejects_path.empty()) ro.rejects_path = output_path(s, s.options.rejects_path + "." + in.name + ".csv");
  return ro;
}

// The reader's errors, notes and counts into the run's result; the table (for a ledger: no rows) kept.
void take(State& s, uint32_t index, ledger::ReadResult& r) {
  const plan::Input& in = s.plan.inputs[index];
  for (const auto& e : r.errors) s.result.errors.push_back(error_text(e));
  if (r.errors_not_shown) s.result.errors.push_back(fmt::format("{} more errors in `{}` not shown", r.errors_not_shown, in.name));
  for (const auto& n : r.notes) s.result.summary.notes.push_back(error_text(n));
  if (r.rows_rejected) {
    // Malformed rows skipped with --on-bad-row reject: each said (up to --max-errors), then counted, as
    // the lines of unknown partners are (report_left_out): nothing is left out unsaid.
    for (size_t k = 0; k < r.rejected.size() && k < s.options.max_errors; ++k) s.result.summary.notes.push_back(error_text(r.rejected[k]));
    const std::string where = s.options.rejects_path.empty() ? "" : fmt::format(" (written to `{}.{}.csv`)", s.options.rejects_path, in.name);
    s.result.summary.notes.push_back(r.rows_rejected == 1 ? fmt::format("1 row of `{}` is malformed; it was left out{}", in.name, where)
                                                          : fmt::format("{} rows of `{}` are malformed; they were left out{}", r.rows_rejected, in.name, where));
  }
  if (r.io_failed) s.result.usage_error = true;  // a file that cannot be read or written: exit 2
  s.result.summary.inputs.push_back(Summary::InputCount{in.name, r.rows_read, r.rows_rejected});
  s.tables[index] = std::move(r.table);
}

// Tables are read whole: they are small, and every line of a ledger may look them up.
void read_tables(State& s) {
  const plan::Plan& plan = s.plan;
  for (uint32_t index = 0; index < plan.inputs.size(); ++index) {
    const plan::Input& in = plan.inputs[index];
    if (in.kind == plan::InputKind::Ledger || in.kind == plan::InputKind::LedgerIndex) continue;  // (ledger_index.cpp)
    set_activity(fmt::format("reading the table `{}`", in.name));
    ledger::ReadOptions ro = read_options(s, in);
    // A payment left out would be paid again by the rebates that net against it: a malformed payments
    // row always stops the run, whatever --on-bad-row says.
    // Likewise an FX row: without it another day's rate would apply.
    // And a claim: left out, it would be neither paid nor refused.
    if (in.kind == plan::InputKind::Payments || in.kind == plan::InputKind::Fx || in.kind == plan::InputKind::Claims) {
      ro.reject_bad_rows = false, ro.rejects_path.clear();
    }
    ledger::ReadResult r;
    if (auto b = s.options.input_buffers.find(in.name); b != s.options.input_buffers.end()) {
      r = ledger::read_csv_buffer(b->second, in.name, in.spec, ro, s.pool);
    } else {
      r = ledger::read_csv(s.options.input_paths.at(in.name), in.spec, ro, s.pool);
    }
    take(s, index, r);
  }
}

void index_tables(State& s) {
  const plan::Plan& plan = s.plan;
  s.table_rows.resize(plan.inputs.size());
  for (uint32_t i = 0; i < plan.inputs.size(); ++i) {
    const plan::Input& in = plan.inputs[i];
    if (in.kind == plan::InputKind::Ledger || in.kind == plan::InputKind::LedgerIndex || in.key_column == UINT32_MAX) continue;
    // A partner table with history has a row per partner per stretch of time: its key repeats, and its
    // rows are checked against each other by read_partner_history (partner_history.h).
    const bool history = in.valid_from_column != UINT32_MAX;
    const ledger::Table& t = s.tables[i];
    const ledger::Column& key = t.columns[in.key_column];
    for (uint32_t row = 0; row < t.row_count(); ++row) {
      auto [it, fresh] = s.table_rows[i].emplace(key_of(key, row), row);
      if (!fresh && !history) {
        s.result.errors.push_back(fmt::format("{}:{}: duplicate key `{}` in table `{}` (first on line {})", in.name,
                                              t.lines[row], ledger::format_cell(key, row, s.pool), in.name,
                                              t.lines[it->second]));
      }
    }
  }
}

// With a partner table the partners are its rows, sorted by id; without one the ledgers name them (merge.cpp).
void partners_from_table(State& s) {
  const plan::Plan& plan = s.plan;
  if (plan.partner_table == UINT32_MAX) return;
  const plan::Input& in = plan.inputs[plan.partner_table];
  const ledger::Column& key = s.tables[plan.partner_table].columns[in.key_column];
  const bool keys_are_text = key.spec.kind == ledger::ColumnKind::Text;
  // Partner ids are text in every output; integer ids are written as text.
  std::vector<std::pair<std::string, int64_t>> named;
  for (int64_t k : key.values) named.emplace_back(keys_are_text ? std::string(s.pool.text(static_cast<uint32_t>(k))) : std::to_string(k), k);
  std::sort(named.begin(), named.end());
  named.erase(std::unique(named.begin(), named.end()), named.end());  // a partner with history has several rows
  for (uint32_t p = 0; p < named.size(); ++p) {
    s.partner_ids.push_back(s.pool.intern(named[p].first));
    s.partner_by_key[named[p].second] = p;
  }
  s.partner_row.assign(named.size(), UINT32_MAX);
  for (const auto& [k, row] : s.table_rows[plan.partner_table]) s.partner_row[s.partner_by_key[k]] = row;
  if (keys_are_text) {
    s.partner_of_text.assign(s.pool.size(), UINT32_MAX);
    for (const auto& [k, p] : s.partner_by_key) s.partner_of_text[static_cast<size_t>(k)] = p;
  }
}

// The aggregates cover the periods the run pays and those its look-backs read, no more: one line dated
// decades away (a typo) must not make them huge. Lines outside are counted, not lost: no payout of the
// run can depend on them.
// `reach_from`: with closed periods, the earliest closed period an adjustment re-runs (before the paid
// periods): the aggregates reach back from it too.
void set_run_periods(State& s, std::vector<PeriodIndex> periods, std::optional<PeriodIndex> reach_from = std::nullopt) {
  s.run_periods = std::move(periods);
  if (s.run_periods.empty()) {  // nothing to pay: no aggregate or group is read in any period
    s.aggregate_from.assign(s.plan.aggregates.size(), std::numeric_limits<PeriodIndex>::max());
    s.group_from.assign(s.plan.groups.size(), std::numeric_limits<PeriodIndex>::max());
    return;
  }
  const Lookbacks back = lookbacks(s.plan, s.periods.per_year());
  PeriodIndex from = reach_from ? std::min(*reach_from, s.run_periods.front()) : s.run_periods.front();
  // A fund's balance is carried from its first period (funds.h): its accruals are read from there.
  if (const std::optional<PeriodIndex> start = funds_start(s)) from = std::min(from, *start);
  s.first_period = from - back.deepest;
  s.last_period = s.run_periods.back();
  // An aggregate is read in the paid periods and as far back as the look-backs over it reach: a line of
  // an earlier period can change no payout through it (a look-back at revenue needs last year's revenue,
  // not last year's new logos or orders). A group's rows are read only through the aggregates over them.
  s.aggregate_from.assign(s.plan.aggregates.size(), s.last_period + 1);
  s.group_from.assign(s.plan.groups.size(), s.last_period + 1);
  for (size_t a = 0; a < s.plan.aggregates.size(); ++a) {
    if (back.aggregate[a] < 0) continue;  // read by no measure
    s.aggregate_from[a] = from - back.aggregate[a];
    const plan::Aggregate& agg = s.plan.aggregates[a];
    if (agg.over_group) s.group_from[agg.source] = std::min(s.group_from[agg.source], s.aggregate_from[a]);
  }
  reach_last_year(s);  // a forecast by last year's shape reads last year's same period too
}

// The periods, when --period or the program's effective dates fix them before any line is read.
// False: --period is not a period the run can pay (a usage error).
bool fix_periods(State& s) {
  const plan::Plan& plan = s.plan;
  std::vector<PeriodIndex> periods;
  if (s.options.period) {
    // One period ("2026-Q3"), or a range of them ("2026-Q1..2026-Q3").
    const std::string& text = *s.options.period;
    const size_t dots = text.find("..");
    const std::string first_text = dots == std::string::npos ? text : text.substr(0, dots);
    const std::string last_text = dots == std::string::npos ? text : text.substr(dots + 2);
    auto usage = [&](std::string message) {
      s.result.errors.push_back(std::move(message));
      s.result.usage_error = true;
      return false;
    };
    std::optional<PeriodIndex> ends[2];
    for (int e = 0; e < 2; ++e) {
      const std::string& label = e == 0 ? first_text : last_text;
      ends[e] = s.periods.parse(label);
      if (!ends[e]) {
        const PeriodIndex like = s.periods.of_day(*parse_date("2026-07-01"));
        return usage(fmt::format("`{}` is not a period of this program (it pays per {}; write it like `{}`, or a range like `{}..{}`)", label,
                                 plan.grain == PeriodGrain::Month ? "month" : plan.grain == PeriodGrain::Year ? "year" : "quarter",
                                 s.periods.label(like), s.periods.label(like), s.periods.label(like + 1)));
      }
      if ((plan.effective_to && s.periods.first_day(*ends[e]) > *plan.effective_to) ||
          (plan.effective_from && s.periods.last_day(*ends[e]) < *plan.effective_from)) {
        return usage(fmt::format("{} is outside the program's effective dates ({} .. {}): it pays nothing then", label,
                                 plan.effective_from ? format_date(*plan.effective_from) : "", plan.effective_to ? format_date(*plan.effective_to) : ""));
      }
    }
    if (*ends[1] < *ends[0]) return usage(fmt::format("`{}`: the range ends before it starts (write the earlier period first)", text));
    const bool capturing = s.options.forecast && s.options.forecast->capture;  // reads last year, pays nothing (projection.h)
    if (s.options.as_of && s.periods.first_day(*ends[0]) > *s.options.as_of && !capturing) {
      // Nothing booked by then can be in it: the run would pay it from no lines at all.
      return usage(fmt::format("{} starts after the as-of date ({}): nothing booked by then is in it", first_text, format_date(*s.options.as_of)));
    }
    const unsigned years = s.options.max_span_years;
    if (years != 0 && *ends[1] - *ends[0] >= static_cast<PeriodIndex>(years) * s.periods.per_year()) {
      return usage(fmt::format("`{}` spans {} periods, more than {} years of them (`--max-span-years` allows more)", text, *ends[1] - *ends[0] + 1, years));
    }
    for (PeriodIndex p = *ends[0]; p <= *ends[1]; ++p) periods.push_back(p);
  } else if (plan.effective_from && plan.effective_to) {
    const PeriodIndex from = s.periods.of_day(*plan.effective_from), to = s.periods.of_day(*plan.effective_to);
    const unsigned years = s.options.max_span_years;
    if (years != 0 && to - from >= static_cast<PeriodIndex>(years) * s.periods.per_year()) {
      // The same limit as for dates from the ledgers: `effective: 0026-01-01 .. 2026-12-31` is a typo too.
      s.result.errors.push_back(fmt::format(
          "the program's effective dates ({} .. {}) span {} periods, more than {} years of them, each paid to every "
          "partner. If a date is a typo, correct the program's header; otherwise allow a longer span (`--max-span-years`)",
          format_date(*plan.effective_from), format_date(*plan.effective_to), to - from + 1, years));
      return false;
    }
    for (PeriodIndex p = from; p <= to; ++p) periods.push_back(p);
  } else {
    return true;  // from the data, after the scan
  }
  if (s.closing) {
    // Only open periods are paid; the closed periods an adjustment re-runs are known after the scan, so
    // the periods are chosen then (choose_periods).
    if (s.options.period && periods.front() <= s.closing->through) {
      s.result.errors.push_back(fmt::format("{} is closed (the periods up to {} were closed on {}): a run pays only open periods, and the "
                                            "lines booked late for a closed one are paid as adjustments in the first open period it pays",
                                            s.periods.label(periods.front()), s.periods.label(s.closing->through), format_date(s.closing->on)));
      s.result.usage_error = true;
      return false;
    }
    s.requested_periods = std::move(periods);
    return true;
  }
  set_run_periods(s, std::move(periods));
  s.periods_fixed = true;
  return true;
}

// A sink for a ledger read only to check it (the inputs already failed: nothing to compute).
class CheckOnly : public ScanSink {
 public:
  void rows(const ledger::Table&) override {}
  void end() override {}
};

// Where one ledger's rows go (ledger::StreamParts): its first rows to the run's first part, each later
// stretch of the ledger (csv_pieces.cpp: several pieces per thread, claimed as the threads go) to a new
// part, made by the thread that reads it. `compute` false: sinks that only check the rows.
class LedgerParts : public ledger::StreamParts {
 public:
  LedgerParts(State& s, ScanPart& first, uint32_t input, bool compute)
      : s_(s), input_(input), compute_(compute), threads_(thread_count(s.options.threads)), first_(first) {
    first_sink_ = sink_of(first);
  }
  size_t threads() const override { return threads_; }
  ledger::StreamPart part(uint64_t at) override {
    if (at == 0) return ledger::StreamPart{first_sink_.get(), &first_.pool};
    std::lock_guard<std::mutex> lock(mutex_);
    Made made{at, std::make_unique<ScanPart>(s_), nullptr};
    made.sink = sink_of(*made.part);
    const ledger::StreamPart out{made.sink.get(), &made.part->pool};
    made_.push_back(std::move(made));
    return out;
  }
  // Once the ledger is read: every sink told so, and the new parts after `parts`, in the ledger's order.
  void end(std::vector<std::unique_ptr<ScanPart>>& parts) {
    first_sink_->end();
    std::sort(made_.begin(), made_.end(), [](const Made& x, const Made& y) { return x.at < y.at; });
    for (Made& m : made_) {
      m.sink->end();
      parts.push_back(std::move(m.part));
    }
    made_.clear();
  }

 private:
  struct Made {
    uint64_t at;
    std::unique_ptr<ScanPart> part;
    std::unique_ptr<ScanSink> sink;
  };
  std::unique_ptr<ScanSink> sink_of(ScanPart& part) const {
    if (!compute_) return std::make_unique<CheckOnly>();
    return ledger_sink(part, input_);
  }

  State& s_;
  uint32_t input_;
  bool compute_;
  size_t threads_;
  ScanPart& first_;
  std::unique_ptr<ScanSink> first_sink_;
  std::mutex mutex_;
  std::vector<Made> made_;
};

// Streams every ledger through the parts' sinks (`compute` false: only checks them), adding the parts
// each ledger's read makes after `parts` (which holds the run's first). Returns the first runtime error
// of the scan in file order, if any.
std::optional<vm::EvalError> stream_ledgers(State& s, std::vector<std::unique_ptr<ScanPart>>& parts, bool compute) {
  const plan::Plan& plan = s.plan;
  std::optional<vm::EvalError> first_error;
  for (uint32_t index = 0; index < plan.inputs.size(); ++index) {
    const plan::Input& in = plan.inputs[index];
    if (in.kind != plan::InputKind::Ledger) continue;
    set_activity(fmt::format("reading the ledger `{}`", in.name));
    ledger::TableSpec spec = ledger_spec(plan, index);
    // The ledger's columns without rows: what the scan's kernels need to know of them.
    s.tables[index].name = in.name;
    for (const ledger::ColumnSpec& c : spec.columns) s.tables[index].columns.push_back(ledger::Column{c, {}, {}});
    LedgerParts stream(s, *parts.front(), index, compute);
    ledger::ReadOptions ro = read_options(s, in);
    // A line of an unknown partner or lookup key is rejected as it was read, and its error points at the
    // cell (a view per row: cheap beside parsing it).
    ro.keep_raw_rows = s.options.reject_bad_rows || plan.partner_table != UINT32_MAX || !in.lookups.empty();
    ledger::ReadResult r;
    if (auto b = s.options.input_buffers.find(in.name); b != s.options.input_buffers.end()) {
      r = ledger::stream_csv_buffer(b->second, in.name, spec, ro, stream);
    } else {
      r = ledger::stream_csv(s.options.input_paths.at(in.name), spec, ro, stream);
    }
    if (r.split_missed) throw SplitMissed{};
    stream.end(parts);
    take(s, index, r);
    for (auto& part : parts) {
      if (part->error && !first_error) first_error = part->error;
    }
    if (compute) {
      // The ledgers' span so far, over every part's lines (each part checks only its own as it reads).
      std::optional<DatedLine> earliest, latest;
      for (auto& part : parts) {
        if (part->span_error) {
          s.result.errors.push_back(*part->span_error);
          return first_error;
        }
        if (part->earliest && (!earliest || part->earliest->period < earliest->period)) earliest = part->earliest;
        if (part->latest && (!latest || part->latest->period > latest->period)) latest = part->latest;
      }
      if (earliest && latest) {
        if (auto too_long = dated_span_error(s, *earliest, *latest)) {
          s.result.errors.push_back(*too_long);
          return first_error;
        }
      }
    }
  }
  return first_error;
}

// Ledger lines the scan left out, `of` each part (ScanPart::unknown: their partner is not in the partner
// table; ScanPart::unknown_keys: their lookup key is not in its table): errors, or with --on-bad-row
// reject, left out, counted, noted (`why`, a verb, then `what`) and written as they were read to PATH.NAME`suffix`.
void report_left_out(State& s, const std::vector<std::unique_ptr<ScanPart>>& parts, std::vector<ScanPart::Unknown> ScanPart::*of,
                     const char* suffix, const char* why, const char* what) {
  const plan::Plan& plan = s.plan;
  size_t reported = 0;
  for (uint32_t index = 0; index < plan.inputs.size(); ++index) {
    const plan::Input& in = plan.inputs[index];
    uint64_t left_out = 0;
    for (const auto& part : parts) {
      const ScanPart::Unknown& u = ((*part).*of)[index];
      left_out += u.count;
      for (const std::string& m : u.messages) {
        if (reported++ < s.options.max_errors) (s.options.reject_bad_rows ? s.result.summary.notes : s.result.errors).push_back(m);
      }
    }
    if (!left_out) continue;
    if (s.options.reject_bad_rows && !s.options.rejects_path.empty()) {
      const std::string path = s.options.rejects_path + "." + in.name + suffix;
      std::ofstream out(output_path(s, path), std::ios::binary);
      out << ledger::rejects_header(s.tables[index].header_line, s.many_files(index));
      for (const auto& part : parts) out << ((*part).*of)[index].rows;
      out.close();
      if (!out) {
        s.result.errors.push_back(fmt::format("cannot write the rejected rows to `{}`", path));
        s.result.usage_error = true;
      }
    }
    if (!s.options.reject_bad_rows) continue;  // errors: the run stops
    for (auto& c : s.result.summary.inputs) {
      if (c.name == in.name) c.rejected += left_out;
    }
    s.result.summary.notes.push_back(left_out == 1 ? fmt::format("1 line of `{}` {}s {}; it was left out", in.name, why, what)
                                                   : fmt::format("{} lines of `{}` {} {}; they were left out", left_out, in.name, why, what));
  }
}

}  // namespace

std::optional<std::string> dated_span_error(const State& s, const DatedLine& earliest, const DatedLine& latest) {
  const unsigned years = s.options.max_span_years;
  if (years == 0 || latest.period - earliest.period < static_cast<PeriodIndex>(years) * s.periods.per_year()) return std::nullopt;
  return fmt::format(
      "the ledgers' lines span {} periods, from {} (a line dated {} at {}:{}) to {} (a line dated {} at {}:{}); without "
      "`effective` dates a run pays every period from the first line's to the last's, and this is more than {} years of "
      "them. If a date is a typo, correct the line; otherwise declare the program's dates (`effective: 2026-01-01 .. "
      "2026-12-31` in its header), pay one period (`--period`), or allow a longer span (`--max-span-years`)",
      latest.period - earliest.period + 1, s.periods.label(earliest.period), format_date(earliest.day), earliest.file,
      earliest.line, s.periods.label(latest.period), format_date(latest.day), latest.file, latest.line, years);
}

void choose_periods(State& s, const std::map<PeriodIndex, uint64_t>& lines) {
  const plan::Plan& plan = s.plan;
  std::vector<PeriodIndex> periods;
  if (s.requested_periods) {
    periods = *s.requested_periods;
  } else if (!lines.empty()) {
    const PeriodIndex first = lines.begin()->first, last = lines.rbegin()->first;
    PeriodIndex from = plan.effective_from ? std::max(first, s.periods.of_day(*plan.effective_from)) : first;
    PeriodIndex to = plan.effective_to ? std::min(last, s.periods.of_day(*plan.effective_to)) : last;
    for (PeriodIndex p = from; p <= to; ++p) periods.push_back(p);
  }
  if (!s.closing) {
    set_run_periods(s, std::move(periods));
    return;
  }
  // Closed periods: the open ones are paid, the first of them (or the first after the close, when the
  // lines reach no open period) carrying the adjustments; the aggregates reach the earliest closed period
  // with late lines too.
  const PeriodIndex through = s.closing->through;
  std::erase_if(periods, [&](PeriodIndex p) { return p <= through; });
  if (periods.empty() && !(plan.effective_to && s.periods.first_day(through + 1) > *plan.effective_to)) periods.push_back(through + 1);
  std::optional<PeriodIndex> reach;
  for (const auto& [key, n] : s.late_lines) reach = std::min(reach.value_or(key.second), key.second);
  set_run_periods(s, std::move(periods), reach);
}

bool load_inputs(State& s) {
  const plan::Plan& plan = s.plan;
  for (const plan::Input& in : plan.inputs) {
    if (s.options.input_buffers.count(in.name) || s.options.input_paths.count(in.name)) continue;
    if (in.kind == plan::InputKind::LedgerIndex) continue;  // its ledger's file: said once, for the ledger
    s.result.errors.push_back(fmt::format("no input for {} `{}`: pass --input {}=PATH.csv",
                                          in.kind == plan::InputKind::Ledger ? "ledger" : in.kind == plan::InputKind::Payments ? "payments ledger"
                                          : in.kind == plan::InputKind::Claims ? "claims ledger"
                                          : in.kind == plan::InputKind::Fx ? "fx table" : "table",
                                          in.name, in.name));
    s.result.usage_error = true;
  }
  if (!s.result.errors.empty()) return false;
  s.tables.resize(plan.inputs.size());
  read_tables(s);
  for (const std::string& t : plan.texts) s.text_ids.push_back(s.pool.intern(t));
  index_tables(s);
  index_fx(s);
  // Keyed ledgers other ledgers look up (§26): read and keyed before any ledger is scanned.
  s.index_partner.resize(plan.inputs.size());
  if (s.result.errors.empty() && !ledger_indexes_rereadable(s)) return false;
  if (s.result.errors.empty()) read_ledger_indexes(s);
  const bool usable = s.result.errors.empty();
  if (usable) {
    partners_from_table(s);
    if (!read_partner_history(s) || !resolve_closing(s) || !fix_periods(s)) return false;
  }

  // The ledgers, streamed: a part per stretch of a ledger a thread reads, each on its own texts (the pool
  // is frozen until the parts are merged).
  std::vector<std::unique_ptr<ScanPart>> parts;
  parts.push_back(std::make_unique<ScanPart>(s));
  std::optional<vm::EvalError> error = stream_ledgers(s, parts, usable);
  if (!s.result.errors.empty()) return false;
  report_left_out(s, parts, &ScanPart::unknown_keys, ".unknown-keys.csv", "hold", "a key that is not in its lookup table");
  report_left_out(s, parts, &ScanPart::unknown, ".unknown-partners.csv", "name", "a partner that is not in the partner table");
  report_left_out(s, parts, &ScanPart::missing_rates, ".missing-rates.csv", "need", "an exchange rate the FX table does not have");
  if (!s.result.errors.empty()) return false;
  if (error) throw *error;
  if (s.clock) s.clock->lap("read + scan");
  set_activity("merging what the threads read");
  merge_parts(s, parts);
  return check_adjustments(s) && index_payments(s) && index_claims(s);
}

}  // namespace rebate::engine
