// Comparing two programs' payouts (`rebate diff`), partner x period x rebate, as the engine hands them
// over a batch at a time: totals per rebate and overall, every row whose amount, status or band changed
// (handed on at once, not kept), the largest movers (a bounded heap), the awards that changed.
//
// Rebates are matched by name. A rebate only the new program has is "added", one only the old has is
// "removed"; their rows are changes when their amount is not zero. The rebates are listed in the new
// program's order, then the removed ones in the old program's.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/decimal.h"
#include "engine/engine.h"

namespace rebate::diff {

// What one program paid one partner in one period for one rebate.
struct Paid {
  Decimal amount;
  std::string status;  // "paid", "not eligible", ...
  std::string band;    // "from 100,000 USD to 500,000 USD", or "" when the rebate has no tier table
};

// What changed in a row (bits). kBand: the band reached is another one of the table's (by its position,
// or by its text when one of the two programs pays by no tier table).
enum Change : unsigned { kAmount = 1, kStatus = 2, kBand = 4, kAdded = 8, kRemoved = 16 };

struct Row {
  uint64_t order = 0;  // its place among the rows compared (the output order)
  std::string partner, period, rebate;
  std::string corrects;  // an adjustment row (closed periods): the closed period it corrects; else empty
  std::optional<Paid> before, after;  // the old and the new program's; none: that program has no such payout
  unsigned changes = 0;
  Decimal delta;  // after - before (an absent side counts as 0)
};

struct AwardChange {
  std::string partner;
  std::string period;  // the period the award is for (the next one for `for next period` awards)
  std::string award;
  std::optional<std::string> before, after;
};

struct RebateSummary {
  std::string name, title;
  bool in_old = false, in_new = false;
  Decimal before, after;   // the rebate's total over every partner and period
  uint64_t changed = 0;    // rows changed
};

struct RebateInfo {
  std::string name, title;
  // The bands of the tier table it pays by, as payouts name them (engine::band_texts); empty: none. A
  // row's band changes when the partner reaches another band of the table (the first, the second, ...),
  // not when the table's bounds move and the band's text with them.
  std::vector<std::string> bands;
};

// Receives each changed row and award as it is found (a report's writer).
class ChangeSink {
 public:
  virtual ~ChangeSink() = default;
  virtual void row(const Row& r) = 0;
  virtual void award(const AwardChange& a) = 0;
};

// An award as a cell has it.
struct AwardSeen {
  std::string_view name, period, value;
};

class Comparison {
 public:
  // `top`: how many of the largest movers to keep; `sink` receives every changed row and award.
  Comparison(const std::vector<RebateInfo>& old_rebates, const std::vector<RebateInfo>& new_rebates, size_t top, ChangeSink& sink);

  // One partner in one period: each program's payouts in the order of its rebates, or nullptr when its
  // run has no such cell; then the awards of each program for that cell.
  void cell(std::string_view partner, std::string_view period, const engine::Payout* before, const engine::Payout* after);
  // The adjustments of one partner in one period (closed periods, docs/language.md §23), each program's
  // (`before_count` and `after_count` of them), paired by rebate and corrected period.
  void adjustments(std::string_view partner, std::string_view period, const engine::Payout* before, size_t before_count,
                   const engine::Payout* after, size_t after_count);
  void awards(std::string_view partner, const std::vector<AwardSeen>& before, const std::vector<AwardSeen>& after);

  const std::vector<RebateSummary>& rebates() const { return rebates_; }
  const Decimal& before_total() const { return before_total_; }
  const Decimal& after_total() const { return after_total_; }
  uint64_t rows_compared() const { return compared_; }
  uint64_t rows_changed() const { return changed_; }
  uint64_t band_or_status_changed() const { return band_status_; }
  uint64_t awards_changed() const { return award_changes_; }
  size_t partners() const { return partners_; }  // the most cells of one period
  const std::vector<std::string>& periods() const { return periods_; }
  // The rows that moved most (|delta|, then output order), largest first.
  std::vector<Row> movers() const;

 private:
  struct Pair {
    size_t before = SIZE_MAX, after = SIZE_MAX;  // the rebate's index in each program
  };
  void mover(const Row& r);
  void record(RebateSummary& summary, std::string_view partner, std::string_view period, const engine::Payout* b, const engine::Payout* a,
              unsigned paired_changes, Row& row);

  // Which band of its table a payout reached: its position, -1 for none (below the first), or -2 when
  // the rebate pays by no tier table.
  static int band_position(const std::vector<std::string>& bands, std::string_view band);
  bool band_changed(const Pair& pair, const engine::Payout& before, const engine::Payout& after) const;

  std::vector<Pair> pairs_;  // by summary
  std::vector<std::vector<std::string>> old_bands_, new_bands_;  // by rebate of each program
  std::vector<RebateSummary> rebates_;
  size_t top_;
  ChangeSink& sink_;
  std::vector<Row> heap_;  // the `top_` largest movers so far; its front is the smallest of them
  Decimal before_total_, after_total_;
  uint64_t compared_ = 0, changed_ = 0, band_status_ = 0, award_changes_ = 0, order_ = 0;
  std::vector<std::string> periods_;  // in the order they came
  std::vector<uint64_t> cells_per_period_;
  size_t partners_ = 0;
};

// The sink of a combined plan's run (plan/combine.h): each cell's payouts are the old program's
// `old_rebates` then the new program's; the new program's awards are told apart by their prefix.
class CombinedSink : public engine::PayoutSink {
 public:
  CombinedSink(Comparison& c, size_t old_rebates) : c_(c), old_rebates_(old_rebates) {}
  void batch(const engine::PayoutBatch& b) override;

 private:
  Comparison& c_;
  size_t old_rebates_;
  std::vector<AwardSeen> before_, after_;
};

// The two-run way, for programs that cannot share a plan: the old program's run is kept whole (by
// period and partner), then the new program's batches are compared with it as they come (`against`),
// and last the cells only the old run had (`rest`).
class KeptRun : public engine::PayoutSink {
 public:
  explicit KeptRun(size_t rebates);
  ~KeptRun() override;
  void batch(const engine::PayoutBatch& b) override;
  engine::PayoutSink& against(Comparison& c);
  void rest(Comparison& c);

 private:
  class Against;
  struct Cell {
    std::string period, partner;
    size_t payouts = 0;         // the first of its payouts in kept_.payouts
    size_t payout_count = 0;    // its payouts: one per rebate, then its adjustments
    size_t awards = 0, award_end = 0;  // its awards in kept_.awards
    bool matched = false;
  };
  size_t rebates_;
  engine::RunResult kept_;
  engine::PayoutCollector collector_;
  std::vector<Cell> cells_;  // in the old run's order
  std::unordered_map<std::string, size_t> by_key_;  // period + '\n' + partner -> cell
  std::unique_ptr<Against> against_;
};

}  // namespace rebate::diff
