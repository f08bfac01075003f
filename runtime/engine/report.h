// Writing a run's results: payouts as CSV or JSON (report.cpp), explanations as text and partner statements
// as Markdown (people_report.cpp).
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "plan/plan.h"

namespace rebate::engine {

// A decimal's text, exactly as Decimal::to_fixed(places) and Decimal::to_string() write it, appended to
// `out` without temporary strings: reports write a few per payout, and a large run has a million.
void append_fixed(std::string& out, const Decimal& d, int places);
void append_shortest(std::string& out, const Decimal& d);

// Texts for people (explanations, statements): a number's whole part in groups of three
// ("12300.00" -> "12,300.00", "-1234567" -> "-1,234,567"; anything else as it is), and a text as the
// program wrote it with the digit separators of its numbers shown as commas ("100_000 USD" ->
// "100,000 USD") or, for a name, its words ("storage_revenue" -> "storage revenue").
std::string grouped(std::string_view number);
std::string digits_grouped(std::string_view source_text);
std::string as_words(std::string_view name);
// "598,000.00 USD", "4.5%", "12": a value as an explanation shows it, in its unit (a currency code, "%" for
// a ratio shown as a percentage, or "" for a number); money with `minor_unit` places. Defined in people_report.cpp.
std::string format_value(const plan::Value& v, const std::string& unit, int minor_unit);
// A measure's value as an explanation shows it: a number as format_value does, a text quoted
// (`"Acme GmbH"`, from `texts`, which holds the texts the run made too), a flag, a member's name, a day.
std::string format_measure(const plan::Measure& m, const plan::Value& v, const ledger::StringPool& texts, int minor_unit);
// A metric's (or award's) title for people: its title, or its name in words.
std::string metric_title(const plan::Plan& plan, std::string_view name);

// The payouts as CSV or JSON text, whole, or handed to `out` a part at a time as it is made (a large
// run's report need not be held in memory before it is written). A CSV file holds one kind of record:
// the payouts file only payouts (so that its amount column adds up to what is paid), the totals and the
// awards and the metrics each in a file of their own (`rebate run --totals PATH --awards PATH --metrics PATH`).
// The JSON form is one document whose `payouts`, `totals`, `awards` and `metrics` are separate arrays.
using TextOut = std::function<void(std::string_view)>;
std::string payouts_csv(const RunResult& result, const plan::Plan& plan);
std::string totals_csv(const RunResult& result, const plan::Plan& plan);  // partner,period,amount,currency
std::string awards_csv(const RunResult& result);   // partner,period,measured,award,value,currency
std::string metrics_csv(const RunResult& result);  // partner,period,metric,value,currency (docs/language.md §25)
std::string payouts_json(const RunResult& result, const plan::Plan& plan);
// `threads` 2 or more: a large report's rows are formatted on that many threads of the caller's arena
// (the text is the same).
void write_payouts_csv(const RunResult& result, const plan::Plan& plan, const TextOut& out, size_t threads = 1);
void write_payouts_json(const RunResult& result, const plan::Plan& plan, const TextOut& out);
// One block per payout: the measures and their values, the band and rate, caps, gates, lines, the
// distance to the next band.
// `partner` empty: every payout.
std::string explain_text(const RunResult& result, const plan::Plan& plan, const std::string& partner = "");
// What a partner portal shows for one partner and period: the payouts, how each was computed, the total,
// and how far the partner is from the next band.
std::string statement_markdown(const RunResult& result, const plan::Plan& plan, const std::string& partner,
                               const std::string& period);
// Every partner and period's statement, in the order of their first payout: one pass over the payouts
// and awards (a statement at a time would read them all for each of thousands of partners).
struct Statement {
  std::string partner, period, markdown;
};
std::vector<Statement> statements_markdown(const RunResult& result, const plan::Plan& plan);

// Text to be written after what is being streamed (the totals and awards after the payouts, the
// explanations after the report): kept in memory up to `memory_limit` bytes, past that in an unnamed
// temporary file (std::tmpfile), so that its size does not become the process's.
class Spool {
 public:
  explicit Spool(size_t memory_limit = size_t{16} << 20) : limit_(memory_limit) {}
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  void append(std::string_view s);
  // A TextOut that appends here (valid while the spool is).
  TextOut appender() {
    return [this](std::string_view s) { append(s); };
  }
  // Everything appended, in order, handed to `out` a part at a time; the spool is empty after. False when
  // the temporary file could not be written or read back.
  bool drain(const TextOut& out);
  size_t size() const { return size_; }

 private:
  size_t limit_;
  std::string memory_;
  std::FILE* file_ = nullptr;
  size_t size_ = 0;
  bool no_file_ = false;  // none could be made: kept in memory
  bool failed_ = false;   // the temporary file could not be written or read back
};

// The same reports written as a run makes its payouts (engine::run with a PayoutSink), a batch at a
// time: byte for byte what the functions above give for the whole RunResult. The CSV files are written
// as their rows come; the JSON document's totals and awards, which follow every payout, are spooled
// (Spool) until finish().
class CsvWriter : public PayoutSink {
 public:
  // Where the totals, the awards and the metrics go (totals_csv, awards_csv, metrics_csv); null: not written.
  struct Extras {
    TextOut totals;
    TextOut awards;
    TextOut metrics;
  };
  // `threads` 2 or more: a large batch's rows are formatted on that many threads of the run's arena
  // (the sink is called inside engine::run; the text is the same).
  CsvWriter(const plan::Plan& plan, TextOut out, size_t threads = 1, Extras extras = {});
  ~CsvWriter() override;
  void start(const Summary& summary) override;
  void batch(const PayoutBatch& b) override;
  void finish(const Summary& summary) override;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

class JsonWriter : public PayoutSink {
 public:
  JsonWriter(const plan::Plan& plan, TextOut out);
  ~JsonWriter() override;
  void start(const Summary& summary) override;
  void batch(const PayoutBatch& b) override;
  void finish(const Summary& summary) override;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

// explain_text as the run goes: each payout's block as its batch comes, the awards' lines spooled until
// finish(). `partner` not empty: that partner's only.
class ExplainWriter : public PayoutSink {
 public:
  ExplainWriter(const plan::Plan& plan, TextOut out, std::string partner = "");
  void batch(const PayoutBatch& b) override;
  void finish(const Summary& summary) override;
  // Whether a payout or an award of `partner` was met (any when it is empty).
  bool matched() const { return matched_; }

 private:
  const plan::Plan& plan_;
  TextOut out_;
  std::string partner_;
  std::string text_;  // a batch's text, reused
  Spool awards_;
  bool matched_ = false;
};

// What one partner's statement for one period shows.
struct StatementPage {
  std::string_view partner;  // the id
  std::string_view name;     // the partner table's `name`, or empty
  std::string_view period;
  std::vector<const Payout*> payouts;       // the period's, in the program's order (none in an award-only program)
  std::vector<const AwardValue*> awards;    // decided on the period's figures
  // The partner's total by period, in run order, up to this one (the period-over-period chart).
  std::vector<std::pair<std::string_view, Decimal>> history;
  const PaidIn* paid_total = nullptr;  // the total as paid in the partner's currency, with a payout currency
};

// The statement as a self-contained HTML page (statement_html.cpp): inline CSS and SVG, no script, nothing
// fetched from elsewhere; printable.
std::string statement_html(const plan::Plan& plan, const StatementPage& page);

enum class StatementFormat { Markdown, Html };

// Each partner and period's statement (statements_markdown's, in the same order) handed to `out` as its
// batch comes: one for every partner and period with payouts or awards.
class StatementWriter : public PayoutSink {
 public:
  using Out = std::function<void(std::string_view partner, std::string_view period, const std::string& text)>;
  StatementWriter(const plan::Plan& plan, Out out, StatementFormat format = StatementFormat::Markdown)
      : plan_(plan), out_(std::move(out)), format_(format) {}
  void batch(const PayoutBatch& b) override;

 private:
  const plan::Plan& plan_;
  Out out_;
  StatementFormat format_;
  // HTML: each partner's totals so far, by partner index (periods come in order), and the periods' labels.
  std::vector<std::vector<std::pair<size_t, Decimal>>> history_;
  std::vector<std::string> labels_;
};

// Several sinks handed the same batches, in the order they were added.
class SinkFanout : public PayoutSink {
 public:
  void add(PayoutSink& sink) { sinks_.push_back(&sink); }
  void start(const Summary& summary) override {
    for (PayoutSink* s : sinks_) s->start(summary);
  }
  void batch(const PayoutBatch& b) override {
    for (PayoutSink* s : sinks_) s->batch(b);
  }
  void finish(const Summary& summary) override {
    for (PayoutSink* s : sinks_) s->finish(summary);
  }

 private:
  std::vector<PayoutSink*> sinks_;
};

}  // namespace rebate::engine
