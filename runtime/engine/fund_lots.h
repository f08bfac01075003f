// What a fund holds, by the period each part of it accrued in (docs/language.md §27, "Expiry"). A fund
// whose accruals expire must know how old its money is: each period's accrual is a lot, and
// - a claim takes the oldest money first (the nearest to lapsing: FIFO, as co-op programs spend it);
// - a negative accrual (returns exceeding purchases) takes back the newest money first: returns undo
//   the latest purchases, whose accrual is the latest;
// - what returns take beyond the balance is a debt, which the next accruals pay off before anything
//   else (a debt never expires; the balance is then below zero and pays no claim);
// - at the end of a period, the lots accrued `expires_after` periods before it (counting it) lapse.
// A fund without expiry keeps the same lots and never lapses one, so both kinds share this one path.
#pragma once

#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "core/decimal.h"
#include "engine/periods.h"

namespace rebate::engine {

class FundLots {
 public:
  struct Lot {
    PeriodIndex accrued_in;
    Decimal left;
  };

  // The fund's balance: the lots' sum less the debt.
  const Decimal& balance() const { return balance_; }

  // Adds a period's accrual (negative: takes it back, newest first). False on overflow (nothing changed).
  bool accrue(PeriodIndex period, const Decimal& amount) {
    const std::optional<Decimal> balance = Decimal::add(balance_, amount);
    if (!balance) return false;
    balance_ = *balance;
    if (amount.sign() >= 0) {
      Decimal rest = amount;
      if (debt_.sign() > 0) {  // the debt first
        const bool covers = Decimal::compare(rest, debt_) >= 0;
        rest = covers ? *Decimal::sub(rest, debt_) : Decimal();
        debt_ = covers ? Decimal() : *Decimal::sub(debt_, amount);
      }
      if (rest.sign() > 0) lots_.push_back(Lot{period, rest});
      return true;
    }
    Decimal owed = *Decimal::sub(Decimal(), amount);
    while (owed.sign() > 0 && !lots_.empty()) {
      Lot& newest = lots_.back();
      if (Decimal::compare(newest.left, owed) > 0) {
        newest.left = *Decimal::sub(newest.left, owed);
        return true;
      }
      owed = *Decimal::sub(owed, newest.left);
      lots_.pop_back();
    }
    if (owed.sign() > 0) debt_ = *Decimal::add(debt_, owed);  // below the old balance's magnitude
    return true;
  }

  // Pays `amount` (at most the balance, above zero) from the oldest lots.
  void pay(const Decimal& amount) {
    balance_ = *Decimal::sub(balance_, amount);
    Decimal owed = amount;
    while (owed.sign() > 0 && !lots_.empty()) {
      Lot& oldest = lots_.front();
      if (Decimal::compare(oldest.left, owed) > 0) {
        oldest.left = *Decimal::sub(oldest.left, owed);
        return;
      }
      owed = *Decimal::sub(owed, oldest.left);
      lots_.pop_front();
    }
  }

  // At the end of `period`: the lots that lapse with it under `expire after N` (N periods: the lots
  // accrued in `period - N + 1` or before), taken out of the fund and returned oldest first. N = 0:
  // accruals never lapse.
  std::vector<Lot> expire(PeriodIndex period, uint32_t expires_after) {
    std::vector<Lot> gone;
    if (expires_after == 0) return gone;
    while (!lots_.empty() && lots_.front().accrued_in + static_cast<PeriodIndex>(expires_after) <= period + 1) {
      balance_ = *Decimal::sub(balance_, lots_.front().left);
      gone.push_back(lots_.front());
      lots_.pop_front();
    }
    return gone;
  }

 private:
  std::deque<Lot> lots_;  // oldest first, each above zero
  Decimal debt_;          // above zero only when there are no lots
  Decimal balance_;
};

}  // namespace rebate::engine
