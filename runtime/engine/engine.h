// The engine: runs a plan against ledgers and tables read from CSV, and produces payouts per partner,
// period and rebate, each with what explains it.
//
//   inputs (CSV -> typed columns) -> one fused scan per ledger (every aggregate of every partner and
//   period at once) -> groups -> measures, decision tables, rebates per partner and period (bytecode VM)
//   -> program-wide steps (budgets, awards) -> results in a deterministic order.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/calendar.h"
#include "core/decimal.h"
#include "core/huge_pages.h"
#include "core/output_files.h"
#include "engine/coverage.h"
#include "plan/plan.h"
#include "vm/executor.h"

namespace rebate::engine {

class PayoutSink;

// `rebate forecast` (docs/forecast.md): what a run does differently when it forecasts.
// How the open period is projected (docs/forecast.md): run rate by days elapsed, or last year's shape.
enum class ForecastMethod { RunRate, LastYear };

// Per partner (by id), one value per plan aggregate of one period: a sum as it is, a count as a whole
// number, zero for the aggregates a projection does not scale. What last year's shape reads.
using PeriodAggregates = std::map<std::string, std::vector<Decimal>>;

struct ForecastRun {
  // The forecast's as-of date: its period is the open one. (The run reads what was booked by
  // RunOptions::as_of, which is this day, except in the run that captures last year's part to date.)
  DayNumber as_of = 0;
  PayoutSink* to_date = nullptr;   // gets the payouts to date, before the open period is projected
  ForecastMethod method = ForecastMethod::RunRate;
  // Last year's shape needs last year's same period twice: as it was known on the corresponding day, and
  // whole. The first of the forecast's two runs (RunOptions::as_of the corresponding day) fills `capture`
  // with the former and evaluates nothing; the second reads the latter from its own cells and projects
  // with `last_year_to_day`, the first run's capture.
  PeriodAggregates* capture = nullptr;
  const PeriodAggregates* last_year_to_day = nullptr;
  // Out, with last_year: per partner the method its projection used (`last_year`, `run_rate`, `mixed`).
  std::map<std::string, std::string>* partner_methods = nullptr;
};

struct RunOptions {
  std::map<std::string, std::string> input_paths;    // ledger or table name -> CSV file
  std::map<std::string, std::string> input_buffers;  // name -> CSV text (tests, inline rows)
  std::optional<std::string> period;                 // run one period only ("2026-Q3"), or a range ("2026-Q1..2026-Q3")
  // Read only what was booked by this day (state.h, booked_by); payments made after it are not read either.
  std::optional<DayNumber> as_of;
  // `--closed-through P [--closed-on DATE]` (docs/language.md §23): the periods up to P are closed on DATE
  // (by default P's last day); they override the program's `closed_through:` / `closed_on:`. The run pays
  // only open periods, and the first it pays carries the adjustments for lines booked after the close.
  std::optional<std::string> closed_through;
  std::optional<DayNumber> closed_on;
  // `rebate explain --detail`: the partner whose payouts list the ledger lines they took (engine/detail.h).
  std::optional<std::string> detail_partner;
  size_t max_errors = 20;                            // input errors reported before giving up
  bool reject_bad_rows = false;                      // skip malformed rows, count them, write them out
  std::string rejects_path;                          // with reject_bad_rows: where (one file per input: PATH.NAME.csv)
  // The command's output files (core/output_files.h): the rejects files are written where it says, to be
  // moved into place when the command succeeds. Null: written at their paths directly.
  OutputFiles* outputs = nullptr;
  bool explanations = true;                          // false: skip the measures' values and the next band (CSV only)
  // Threads of the run (core/threads.h): every phase's tasks run on a oneTBB arena of this many; a ledger
  // is read in pieces the threads claim as they go (ledger::kMinPieceBytes, kPiecesPerThread). 0: one
  // per CPU the process may use (sched_getaffinity). The payouts, errors and notes do not depend on it.
  unsigned threads = 0;
  // Tests: a ledger's pieces this small (0: ledger::kMinPieceBytes), so that a small ledger is read as a
  // large one is, many pieces per thread and stretches taken over.
  size_t piece_bytes = 0;
  // N-thread reads find their cuts by counting every share's quotes and line ends before the pieces
  // are read (ledger::ReadOptions::exact_split) instead of guessing them. A run whose guess
  // missed runs again this way by itself; tests set it to cover both.
  bool exact_splits = false;
  // Every ledger read in one piece, on one thread (the scan's other phases still on N): what a run whose
  // counted cuts disagreed with a malformed ledger's rows runs again with (run.cpp).
  bool one_piece_reads = false;
  // Without effective dates or a period, the most years the ledgers' dates may span (0: no limit): past
  // it the run fails naming the earliest and latest lines (inputs.cpp, dated_span_error).
  unsigned max_span_years = 10;
  // Partners per batch of payouts handed to a PayoutSink (0: as many as make about kBatchPayouts
  // payouts). Tests set it small so that batch boundaries fall between partners of a period.
  size_t batch_partners = 0;
  // When set, what the evaluation reached is added to it (`rebate test --coverage`; coverage.h).
  Coverage* coverage = nullptr;
  // The engine that runs the plan's functions (one of runtime/engines' built_engines()); null: the
  // bytecode interpreter. Every engine gives the same payouts and errors, byte for byte.
  const vm::EngineKind* engine = nullptr;
  // How the JIT starts the functions (vm::Tiering): tiered for a run, native for a test of the engine.
  vm::Tiering tiering = vm::Tiering::Tiered;
  // Set: the run forecasts (engine/projection.h). The payouts to date go to `forecast->to_date`, then the
  // period holding the as-of date is projected to its end by run rate and evaluated again for the sink.
  std::optional<ForecastRun> forecast;
};

// About this many payouts are evaluated, handed to the sink and forgotten at a time.
inline constexpr size_t kBatchPayouts = size_t{1} << 16;

struct MeasureValue {
  std::string name;
  std::string value;  // formatted: "12300.00 USD", "12", "4.5%"
};

// One value of a payout's trace, a tree written depth first: what the payout's clauses read (depth 0),
// what each of those read (depth 1), and so on down to the ledgers (engine/trace.h).
struct TraceEntry {
  // Rate: an exchange rate a conversion used (name: the pair, "GBP to EUR"; value: the rate or rates;
  // detail: the day or period, and the amount before and after when the conversion is of one measure).
  enum class Kind : uint8_t { Measure, Constant, Decision, Band, Partner, Rate };
  Kind kind = Kind::Measure;
  uint8_t depth = 0;
  bool repeated = false;  // shown above in the same trace: what it reads is not listed again
  std::string name;       // the measure, constant, decision table, tier table or partner attribute
  std::string window;     // the periods it was computed on, when not the payout's ("2025-Q3", "2026-Q1 to 2026-Q3")
  std::string value;      // "12,300.00 USD", "4.5%"
  std::string detail;     // a measure's formula; a decision's row; a band
  int64_t lines = -1;     // a measure reading one aggregate: the ledger lines (or groups) it read; -1: not shown
  bool over_groups = false;  // `lines` counts group rows
  std::string doc;        // a measure's doc comment
};

// What explains a payout beyond its figures, kept only when the run explains (RunOptions::explanations).
struct Explanation {
  std::vector<TraceEntry> trace;
  std::vector<MeasureValue> measures;  // the values of the measures the clauses read (the trace's depth 0)
  std::vector<std::string> steps;  // "cap quarterly_cap (50,000.00 USD) applied (was 61,200.00 USD)", ...
  std::string next_band;           // "12300.00 USD more reaches 6%"
  // With a next band: the value that picks the band and where the next band starts (a statement's
  // progress bar).
  std::optional<Decimal> progress, next_band_from;
  std::optional<Decimal> metric;  // with a tier table: the value that picked the band (a forecast's measure)
  std::optional<Decimal> before_budget;  // the amount before a budget scaled it down
  // A settled rebate's netting (docs/language.md §22): what was earned over `window`, what the payments
  // ledger says was paid for it (in `payments` rows), and the difference due before a cap or floor per
  // year and the `on negative` policy.
  struct Settlement {
    std::string window;  // "2026-Q1..2026-Q3", or the period
    Decimal earned, paid, due;
    uint64_t payments = 0;
  };
  std::optional<Settlement> settlement;
  // A fund's period (docs/language.md §27): its balance's figures, as its metrics give them (a forecast
  // reads the accrual from here).
  struct Fund {
    Decimal opening, accrued, claimed, paid, expired, closing;
  };
  std::optional<Fund> fund;
  std::vector<std::string> detail;       // --detail: the ledger lines taken, "sales.csv:3 (2026-Q1): date 2026-02-10, ..."
};

// A payout's text: one kept once for the run in RunResult::texts (or a static string), held by its
// address: 8 bytes where a view takes 16 (a quarter of a million payouts are written and read in full).
// Reads as a string_view; valid while what it refers to is.
class TextRef {
 public:
  TextRef() = default;
  TextRef(const std::string& kept) : text_(&kept) {}  // NOLINT(google-explicit-constructor): a kept text is one
  TextRef(const std::string&&) = delete;              // a temporary would dangle
  std::string_view view() const { return text_ ? std::string_view(*text_) : std::string_view(); }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  bool empty() const { return !text_ || text_->empty(); }
  size_t size() const { return text_ ? text_->size() : 0; }
  friend bool operator==(TextRef a, std::string_view b) { return a.view() == b; }

 private:
  const std::string* text_ = nullptr;
};

struct Payout {
  TextRef partner;
  TextRef period;
  TextRef rebate;
  TextRef title;
  TextRef status;  // "paid", "clawback" (negative, kept by `allow negative`), "not eligible", "gate not met", "condition not met", "zero",
                   // "carried", "adjustment" (a closed period's correction, paid in an open one)
  TextRef reason;  // the clause that decided a non-payment, as written; an adjustment's "corrects 2026-Q2: 3 lines booked after ..."
  TextRef band;    // "from 100_000 USD to 500_000 USD"
  TextRef corrects;  // an adjustment: the closed period it corrects ("2026-Q2"); empty otherwise
  uint64_t lines = 0;  // ledger lines that fed the measures the payout reads
  std::shared_ptr<Explanation> explanation;  // null when the run does not explain

  Decimal amount() const { return decimal(kAmount); }  // rounded as the program says (0 when not paid)
  std::optional<Decimal> basis() const { return optional(kBasis); }  // the measure the rate applies to
  std::optional<Decimal> rate() const { return optional(kRate); }
  void set_amount(const Decimal& d) { store(kAmount, d); }
  void set_basis(const Decimal& d) { store(kBasis, d); }
  void set_rate(const Decimal& d) { store(kRate, d); }

  const std::vector<TraceEntry>& trace() const;
  const std::vector<MeasureValue>& measures() const;
  const std::vector<std::string>& steps() const;
  const std::vector<std::string>& detail() const;
  const std::string& next_band() const;
  const std::optional<Decimal>& before_budget() const;
  Explanation& explain();  // the explanation, created on first use

 private:
  // The three decimals packed: their coefficients as 64-bit halves (a Decimal is 32 bytes, aligned to
  // 16, and an optional one 48), their scales and which are present in one word. 136 bytes a payout
  // instead of 272 halves the memory the evaluation faults in and the writer reads.
  enum Slot : unsigned { kAmount, kBasis, kRate };
  uint64_t low_[3] = {};
  int64_t high_[3] = {};
  int8_t scale_[3] = {};
  uint8_t present_ = 1u << kAmount;

 public:
  // An adjustment: the lines booked after the close of the period it corrects (in what was padding).
  uint32_t late_lines = 0;

 private:

  Decimal decimal(Slot s) const {
    return Decimal::from_scaled((static_cast<Int128>(high_[s]) << 64) | static_cast<Int128>(low_[s]), scale_[s]);
  }
  std::optional<Decimal> optional(Slot s) const {
    if (!(present_ & (1u << s))) return std::nullopt;
    return decimal(s);
  }
  void store(Slot s, const Decimal& d) {
    low_[s] = static_cast<uint64_t>(d.coefficient());
    high_[s] = static_cast<int64_t>(d.coefficient() >> 64);  // C++20: shifts of negative values are arithmetic
    scale_[s] = static_cast<int8_t>(d.scale());  // 0..Decimal::kMaxScale
    present_ |= static_cast<uint8_t>(1u << s);
  }
};

inline const std::vector<TraceEntry>& Payout::trace() const {
  static const std::vector<TraceEntry> none;
  return explanation ? explanation->trace : none;
}
inline const std::vector<MeasureValue>& Payout::measures() const {
  static const std::vector<MeasureValue> none;
  return explanation ? explanation->measures : none;
}
inline const std::vector<std::string>& Payout::steps() const {
  static const std::vector<std::string> none;
  return explanation ? explanation->steps : none;
}
inline const std::vector<std::string>& Payout::detail() const {
  static const std::vector<std::string> none;
  return explanation ? explanation->detail : none;
}
inline const std::string& Payout::next_band() const {
  static const std::string none;
  return explanation ? explanation->next_band : none;
}
inline const std::optional<Decimal>& Payout::before_budget() const {
  static const std::optional<Decimal> none;
  return explanation ? explanation->before_budget : none;
}
inline Explanation& Payout::explain() {
  if (!explanation) explanation = std::make_shared<Explanation>();
  return *explanation;
}

// A payout in the currency it is paid in (docs/language.md §24, "Paying in the partner's currency"): the
// payout's amount, final in the program's currency, times `rate`, rounded to `currency`'s minor unit with
// the program's rounding mode. Made by one step after budgets and settlement (payout_currency.h).
struct PaidIn {
  std::string_view currency;  // "EUR" (currency_code_at's static text)
  int places = 2;             // its minor unit
  Decimal rate;               // one unit of the program's currency in `currency`
  DayNumber from = 0, to = 0; // the day of the rate (period_end: from == to), or the days averaged
  Decimal amount;
};

// Texts the payouts refer to (partner ids, period labels, rebate names and titles, bands, reasons), each
// kept once: a quarter of a million payouts share a few thousand strings.
class TextStore {
 public:
  const std::string& keep(std::string_view s) { return *texts_.insert(std::string(s)).first; }

 private:
  std::unordered_set<std::string> texts_;  // a set's nodes do not move: the views stay valid
};

// An award given, or a metric's value (`metric`: written apart from the awards, docs/language.md §25).
struct AwardValue {
  std::string partner;
  std::string period;     // the period the award applies to (the next one for `for next period`)
  std::string measured;   // the period whose figures decided it
  std::string award;      // the award's or metric's name
  std::string value;      // as files write it: "gold", "true", "1234.50", "4.5%", "12"
  std::string currency;   // a Money value's currency; empty for others
  std::string shown;      // as people read it: "gold", "1,234.50 USD", "4.5%", "1,200"
  bool metric = false;
  std::shared_ptr<Explanation> explanation;  // the row that decided and what it read; null when the run does not explain
};

struct Total {
  std::string partner;
  std::string period;
  Decimal amount;
};

// One phase of a run, for `rebate run --timings`.
struct PhaseTime {
  std::string phase;   // "read + scan", "groups", "evaluate", ...
  double seconds = 0;  // wall clock
  double peak_mb = 0;  // the process's peak resident memory by the phase's end (MiB)
};

struct Summary {
  struct InputCount {
    std::string name;
    uint64_t rows = 0;
    uint64_t rejected = 0;
  };
  std::vector<InputCount> inputs;
  // Where the ledger lines went, each line counted once, as the notes say it (line_notes.cpp):
  uint64_t outside_effective = 0;  // ledger lines dated outside the program's effective dates
  uint64_t outside_effective_paid = 0;         // of those: in a paid period, where they count
  uint64_t outside_effective_looked_back = 0;  // before the paid periods, read only by look-backs
  // (the rest of outside_effective count in no payout)
  uint64_t outside_run_looked_back = 0;  // other lines in periods the run does not pay, read only by look-backs
  uint64_t outside_run_nowhere = 0;      // other lines in periods the run does not pay nor look back to
  uint64_t booked_after_as_of = 0;       // ledger lines booked after --as-of, not read (nor counted above)
  uint64_t paid_after_as_of = 0;         // payments ledger rows paid after --as-of, not read
  // Closed periods (docs/language.md §23): ledger lines booked after the close of the closed period they
  // are dated in, and the adjustments they gave.
  uint64_t late_lines = 0;
  uint64_t adjustments = 0;
  // With a payout currency: what the run pays in each currency, by code (the run's note says the same).
  std::vector<std::pair<std::string, Decimal>> paid_by_currency;
  std::vector<std::string> periods_without_lines;  // paid periods without a line of any ledger ("2026-Q4")
  std::vector<std::string> notes;
  std::vector<PhaseTime> timings;  // per phase of the engine, for `rebate run --timings`
  vm::CompileStats compiled;       // the engine's compiling, within those phases (the JIT)
};

struct RunResult {
  std::shared_ptr<TextStore> texts = std::make_shared<TextStore>();  // what the payouts' texts point into
  // By period, partner, then the order of the rebates in the program: kept only by run(plan, options)
  // (a PayoutCollector); run(plan, options, sink) hands them to the sink a batch at a time instead.
  std::vector<Payout> payouts;
  std::vector<Total> totals;
  std::vector<AwardValue> awards;
  // With a payout currency (plan.payout_currency): by payout, and by total, what is paid in which currency.
  std::vector<PaidIn> paid, paid_totals;
  Summary summary;
  std::vector<std::string> errors;  // input or runtime errors: file:line:col or the program location
  bool usage_error = false;         // a missing --input, an unknown period, an input that cannot be read: exit 2
  bool ok() const { return errors.empty(); }
};

// A batch of final payouts: the cells (one partner in one period) of partners [first_partner,
// first_partner + cells) in period `period`, in partner order, each with one payout per rebate in the
// program's order. Batches come in output order (period, then partner), each period's partners
// split into consecutive batches. What a batch points to is valid only during PayoutSink::batch: the
// engine reuses its memory for the next one (copy what must outlive it, as PayoutCollector does).
struct PayoutBatch {
  size_t period = 0;               // index among the run's periods
  std::string_view period_label;   // "2026-Q3"
  uint32_t first_partner = 0;      // the first cell's partner index (partners are sorted by id)
  size_t cells = 0;
  size_t per_cell = 0;             // payouts per cell: the program's rebates
  const TextRef* partners = nullptr;   // by cell: the partner's id
  const TextRef* partner_names = nullptr;  // by cell: the partner table's `name`, when it has one (else null)
  const Payout* payouts = nullptr;     // cells x per_cell, or as payout_begin says
  // Set when a cell of the batch carries adjustments (closed periods, docs/language.md §23): cell c's
  // payouts are [payout_begin[c], payout_begin[c + 1]), one per rebate in the program's order, then its
  // adjustments. Null: per_cell each. Read a cell's payouts through cell_payouts / cell_payout_count.
  const uint32_t* payout_begin = nullptr;
  const Decimal* totals = nullptr;     // by cell: the sum of its payouts, adjustments included (none when per_cell is 0)
  // With a payout currency (plan.payout_currency; else null): each payout as paid, in the payouts' order,
  // and each cell's total as paid (the sum of its payouts' paid amounts).
  const PaidIn* paid = nullptr;
  const PaidIn* paid_totals = nullptr;
  const AwardValue* awards = nullptr;  // the cells' awards, in cell order
  const uint32_t* award_begin = nullptr;  // by cell, and one past: cell c's awards are [award_begin[c], award_begin[c + 1])

  const uint32_t* partner_index = nullptr;  // by cell: its partner's index (a partner history leaves some out, §28), or null
  uint32_t partner_of(size_t c) const { return partner_index ? partner_index[c] : first_partner + static_cast<uint32_t>(c); }
  const Payout* cell_payouts(size_t c) const { return payouts + (payout_begin ? payout_begin[c] : c * per_cell); }
  size_t cell_payout_count(size_t c) const { return payout_begin ? payout_begin[c + 1] - payout_begin[c] : per_cell; }
  size_t payout_count() const { return payout_begin ? payout_begin[cells] : cells * per_cell; }
  size_t award_count() const { return award_begin ? award_begin[cells] : 0; }
};

// Where a run's payouts go as they are made (writers, collectors). The engine calls start() once the
// inputs are read, batch() for each batch in output order, and finish() after the last one when the
// run succeeded. When the run fails at run time (RunResult::errors), batches before the failure may
// have been handed over and finish() is not called: the sink's output is to be thrown away. An
// exception thrown by a sink leaves engine::run as it is (the batches end there).
class PayoutSink {
 public:
  virtual ~PayoutSink() = default;
  virtual void start(const Summary& /*summary*/) {}
  virtual void batch(const PayoutBatch& b) = 0;
  virtual void finish(const Summary& /*summary*/) {}
};

// Keeps every payout, total and award of the batches handed to it in `into` (payouts, totals, awards,
// their texts in into.texts): the in-memory results of run(plan, options), for tests and small callers.
class PayoutCollector : public PayoutSink {
 public:
  explicit PayoutCollector(RunResult& into) : into_(into) {}
  void batch(const PayoutBatch& b) override;

 private:
  RunResult& into_;
};

// Every band's text, by tier table and band, as a payout's `band` names the band it reached ("from 100,000
// USD to 500,000 USD"; "none reached" when the metric is below the first band).
std::vector<std::vector<std::string>> band_texts(const plan::Plan& plan);

// Runs the program, handing the payouts to `sink` a batch at a time (memory: one batch, not the run).
// The result has the summary and the errors, but no payouts, totals or awards.
RunResult run(const plan::Plan& plan, const RunOptions& options, PayoutSink& sink);
// Runs the program and keeps every payout, total and award in the result (a PayoutCollector).
RunResult run(const plan::Plan& plan, const RunOptions& options);

}  // namespace rebate::engine
