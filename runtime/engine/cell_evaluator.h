// The evaluation of a cell: one partner in one period, every rebate clause by clause with its
// explanation, the adjustments it carries, and every award. One `CellEvaluator` per evaluation thread;
// the batch driver (evaluate.cpp) calls it over the partners and periods.
//
// Its methods live by job: cell_evaluator.cpp (a cell: its rebates in order), rebate_clauses.cpp (a
// rebate's conditions, basis, band, amount and trace), settlement.cpp (a settled rebate netted against
// the payments, a closed period's adjustments), awards.cpp (awards and metrics, their explanations).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "engine/cell_frame.h"
#include "engine/closing.h"
#include "engine/coverage.h"
#include "engine/engine.h"
#include "engine/funds.h"
#include "engine/state.h"
#include "engine/trace.h"

namespace rebate::engine {

// What a rebate's payouts need that is the same in every cell, worked out once per run.
struct RebateFacts {
  std::vector<uint32_t> shown;       // the measures its explanation shows: the conditions', then the payout's
};

// The measures rebate `pr`'s explanation shows.
RebateFacts rebate_facts(const plan::Rebate& pr);

// A negative amount kept by `allow negative` is a clawback: the partner owes it back, and no report
// calls it paid (docs/language.md §21).
// A settled rebate that earned less than was paid and carries the difference forward pays nothing now:
// `carried` (docs/language.md §22).
// A closed period's correction, paid in the first open period the run pays: `adjustment` (§23).
enum class Status { Paid, Clawback, NotEligible, GateNotMet, ConditionNotMet, Zero, Carried, Adjustment };

// Static, as a payout's texts must outlive it (TextRef).
const std::string& status_text(Status status);

// The texts payouts point to, kept in the run's TextStore before the cells are evaluated on several
// threads (the store is not shared between threads while they run). Partner ids are not: there are
// millions; a batch keeps its own partners' (Batch::partner_texts).
struct PayoutTexts {
  std::vector<TextRef> periods;    // by run period
  std::vector<TextRef> names, titles;  // by rebate
  std::vector<std::vector<TextRef>> bands;  // by tier table and band
  std::vector<TextRef> locations;  // by plan location: the clauses quoted as reasons
};

// Keeps those texts for the run, `labels` being its periods' labels.
PayoutTexts payout_texts(const State& s, const std::vector<std::string>& labels);

// Evaluates cells: one partner in one period, every rebate and award. One per thread.
class CellEvaluator {
 public:
  // `full`: with explanations (when the run shows them) and awards; without, only what the amounts
  // need (a budget's first look at a period).
  CellEvaluator(const State& s, const std::vector<RebateFacts>& rebates, const PayoutTexts& texts, bool full = true)
      : s_(s), plan_(s.plan), rebates_(rebates), texts_(texts), context_(s), tracer_(s, context_), explain_(full && s.options.explanations), awards_(full) {
    // Coverage counts the full evaluations only (a budget's first look evaluates the same cells again).
    if (full && s.options.coverage) {
      coverage_ = std::make_unique<CoverageCounter>(s.plan, *s.options.coverage);
      context_.machine->set_observer(coverage_.get());
    }
  }

  // What this evaluator's cells reached (null when the run does not count coverage).
  const Coverage* coverage() const { return coverage_ ? &coverage_->counts : nullptr; }

  // Fills the cell's payouts, one per rebate in the program's order, and appends its awards. The steps
  // run in the order of the sequential engine, so that the first runtime error is the same.
  // `p`: the period's index among the run's periods. The payouts may be a previous batch's: each is
  // made afresh, keeping only its explanation's memory.
  void evaluate(size_t p, const std::string& label, uint32_t partner, TextRef partner_text, Payout* payouts,
                std::vector<AwardValue>& awards);

  // The adjustments the cell carries (it is in the first open period the run pays), appended to `into`:
  // for each closed period with lines of the partner booked after the close, each rebate's payout of it
  // recomputed with every line read, less what was paid for it (closing.h). `p` as for evaluate().
  void adjust(size_t p, uint32_t partner, TextRef partner_text, const Adjustments& adjustments, std::vector<Payout>& into);

 private:
  // A payout as a fresh one, its explanation's vectors and strings emptied but kept for their memory.
  static void reset(Payout& out);

  // `frame`: the window the rebate earns over (the period, or for a rebate settled over the year to
  // date, the year so far).
  void rebate(PartnerFrame& frame, size_t r, Payout& out);

  // The payout's whole trace: what its clauses read, down to the ledgers, in the order of the clauses.
  void trace(PartnerFrame& frame, const plan::Rebate& pr, Payout& out);

  // The first condition that does not hold decides the status, and its text is the reason.
  // `covered`: the conditions' outcomes are counted there (coverage), when not null.
  void check(PartnerFrame& frame, const std::vector<plan::Condition>& conditions, Status failed, Status& status, Payout& out,
             std::vector<Outcomes>* covered);

  // The measures the conditions and the payout read (with explanations only), the lines behind them,
  // the basis and, for a tier table, the band reached and the distance to the next one.
  void explain(PartnerFrame& frame, size_t r, Payout& out);

  // The distinct ledger lines the payout's amount was computed from: the terms of its period's place
  // in the year (plan/line_counts.h).
  uint64_t lines(PartnerFrame& frame, const plan::Rebate& pr);

  void band(PartnerFrame& frame, const plan::Rebate& pr, Payout& out);

  // The payout of a rebate whose conditions hold: the pay clause, accelerators, uplifts, the floor at
  // zero, the rebate's floor and cap, then rounding. Each step that changes the amount is explained.
  // `covered`: what the clauses did is counted there (coverage), when not null.
  Decimal amount(PartnerFrame& frame, const plan::Rebate& pr, Status& status, Payout& out, RebateCoverage* covered);

  // A settled rebate (docs/language.md §22): what its clauses earned over `frame`'s window (the payout's
  // amount so far) less what the payments input says was paid for that window, within a cap per year
  // netted the same way; a negative result is paid as the rebate's `on negative` policy says.
  void settle(PartnerFrame& frame, const plan::Rebate& pr, size_t r, Status& status, Payout& out);

  // An adjustment of a rebate that does not settle: its recomputed payout (the amount so far) less what
  // the closing's payments ledger says was paid for the period, rounded once as the rebate rounds (a
  // payment booked with more places stays exact until then). Negative when more was paid than is due now.
  void net_against_paid(PartnerFrame& frame, size_t r, Payout& out);

  // An award's or metric's value as files write it and as people read it. Money is rounded to its
  // currency's minor unit by the program's rounding mode, as a payout is (docs/language.md §25).
  void award_value(const plan::Award& a, const Value& v, uint32_t where, PartnerFrame& frame, AwardValue& out) const;

  // The text of an award's row value (for the next level of an explanation).
  std::string award_text(const plan::Award& a, const Value& v, uint32_t where, PartnerFrame& frame) const;

  // Why award `a` gave row `decided`'s value: the rows tried before it, what they read, and how far the
  // partner is from the row above (the next level).
  std::shared_ptr<Explanation> explain_award(PartnerFrame& frame, const plan::Award& a, size_t decided);

  // A cap's or floor's amount for an explanation: by name and value when the program names it
  // (`storage_cap (50,000.00 USD)`), else the value.
  std::string limit_text(uint32_t where, const Decimal& value) const;

  // Each award's first row that holds, for this partner and period.
  void award(PartnerFrame& frame, PeriodIndex period, const std::string& label, uint32_t partner, std::vector<AwardValue>& awards);

  // The counts, and the machine's observer of the tier bands reached. Counts only in the cells and
  // for the rebates and awards that the caller's Coverage::checked names.
  struct CoverageCounter : vm::Observer {
    CoverageCounter(const plan::Plan& p, const Coverage& wanted) : plan(p), checked(wanted.checked), counts(p) {}
    void band(uint32_t tiers, int band) override {
      if (cell_counted) counts.band(plan, tiers, band);
    }
    // A new cell: which of its rebates and awards count.
    void begin_cell(std::string_view partner, const std::string& period, CellContext& context) {
      names.clear();
      if (checked.empty()) {
        cell_counted = true;
      } else {
        for (auto it = checked.lower_bound({std::string(partner), period, std::string()});
             it != checked.end() && std::get<0>(*it) == partner && std::get<1>(*it) == period; ++it) {
          names.push_back(std::get<2>(*it));
        }
        cell_counted = !names.empty();
      }
      context.coverage = cell_counted ? &counts : nullptr;
    }
    bool counts_name(const std::string& name) const {
      return checked.empty() || std::find(names.begin(), names.end(), name) != names.end();
    }
    const plan::Plan& plan;
    const std::set<std::tuple<std::string, std::string, std::string>>& checked;
    Coverage counts;
    bool cell_counted = false;
    std::vector<std::string> names;  // the cell's rebates and awards that count
  };
  RebateCoverage* covered(size_t r) {
    return coverage_ && coverage_->counts_name(plan_.rebates[r].name) ? &coverage_->counts.rebates[r] : nullptr;
  }

  const State& s_;
  const plan::Plan& plan_;
  const std::vector<RebateFacts>& rebates_;
  const PayoutTexts& texts_;
  CellContext context_;
  FundEvaluator funds_{s_, context_};
  Tracer tracer_;
  bool explain_;  // explanations made
  bool awards_;   // awards made
  std::unique_ptr<CoverageCounter> coverage_;  // on the heap: the context and the machine point into it
};

}  // namespace rebate::engine
