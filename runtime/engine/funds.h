// Funds (docs/language.md §27): the claims inputs read whole and checked, and a fund's balance worked
// out for one partner up to one period. A fund accrues each period what its `accrue` formula gives
// (rounded as a payout is), and pays the claims of each period, in order of claim date then claim id,
// each in full while the balance (accrued to date less paid to date) covers it, else refused whole.
// The balance is carried from the program's first period (its `effective` start), so a cell works it
// out from there: a few periods of a few formulas, with no state kept between cells (cells are
// evaluated in any order, on any thread).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/decimal.h"
#include "engine/periods.h"
#include "plan/plan.h"

namespace rebate::engine {

struct State;
struct Payout;
struct AwardValue;
struct CellContext;

// One row of a claims input.
struct Claim {
  DayNumber day = 0;
  PeriodIndex period = 0;
  int64_t number = 0;  // an Int claim id (0 for a Text one): ids sort as numbers then
  std::string id;      // the claim id as written
  Decimal amount;
  uint64_t line = 0;   // its line in the claims file
};

// The claims of every fund, by fund (its plan rebate) and partner, each list in the order claims are
// served: claim date, then claim id.
class FundClaims {
 public:
  void reset(const plan::Plan& plan, size_t partners);
  const std::vector<Claim>& of(uint32_t rebate, uint32_t partner) const { return by_rebate_[rebate][partner]; }
  std::vector<Claim>& at(uint32_t rebate, uint32_t partner) { return by_rebate_[rebate][partner]; }

  // A text kept for the run (a payout's reason refers to it by address); safe from every thread.
  const std::string& keep(std::string text) const;

 private:
  std::vector<std::vector<std::vector<Claim>>> by_rebate_;  // [rebate][partner]; empty for rebates that are not funds
  mutable std::mutex kept_lock_;
  mutable std::unordered_set<std::string> kept_;
};

// Reads every claims input's rows into s.fund_claims. A claim naming no partner of the program, dated
// outside the program's effective dates, for an amount that is not above zero or finer than the
// currency's minor unit, or with an id seen before, is an error naming its file, line and column: a
// claim left out would be neither paid nor refused. Claims dated after --as-of are not read (they had
// not been made). False when there were errors (in s.result.errors).
bool index_claims(State& s);

// The periods from which funds carry their balance: the program's effective start, or nothing when the
// program has no fund (the aggregates then reach back no further than the look-backs need).
std::optional<PeriodIndex> funds_start(const State& s);

// One fund's figures for one partner and period.
struct FundPeriod {
  Decimal opening, accrued, claimed, paid, refused, expired, closing;  // expired: with `expire after` only
  uint32_t claims = 0, refused_claims = 0;
};

// Works out a cell's funds: their payouts, and their figures as metrics (`coop.opening`, ...).
class FundEvaluator {
 public:
  FundEvaluator(const State& s, CellContext& context) : s_(s), context_(context) {}
  // Fund `r`'s payout for `partner` in `period`: the claims it paid then. `explain`: with its steps.
  void payout(size_t r, uint32_t partner, PeriodIndex period, bool explain, Payout& out);
  // The figures of the funds paid out in this cell so far, appended as metrics to `into` (null: not
  // wanted), then forgotten.
  void figures(std::string_view partner, const std::string& label, std::vector<AwardValue>* into);

 private:
  const State& s_;
  CellContext& context_;
  std::vector<std::pair<uint32_t, FundPeriod>> cell_;  // (fund's rebate, its figures) of the current cell
};

}  // namespace rebate::engine
