// Budgets: a period's payouts scaled pro rata to the budgets that cover them (docs/language.md, budgets).
// Used by the evaluation (evaluate.cpp, cell_evaluator.h) only; a header of its own so that the cell evaluation and the
// budget arithmetic each have a file.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/state.h"
#include "vm/vm.h"

namespace rebate::engine {

// "61,200.00 USD", for the steps of an explanation (cell_evaluator.cpp).
std::string money(const Decimal& d, int places, const std::string& currency);

// Amounts kept compactly: a coefficient and a scale, 17 bytes where a Decimal takes 32.
class Amounts {
 public:
  void push(const Decimal& d) {
    coef_.push_back(d.coefficient());
    scale_.push_back(static_cast<int8_t>(d.scale()));
  }
  Decimal operator[](size_t k) const { return Decimal::from_scaled(coef_[k], scale_[k]); }
  void set(size_t k, const Decimal& d) {
    coef_[k] = d.coefficient();
    scale_[k] = static_cast<int8_t>(d.scale());
  }
  size_t size() const { return coef_.size(); }
  void clear() {
    coef_.clear();
    scale_.clear();
  }

 private:
  std::vector<Int128> coef_;
  std::vector<int8_t> scale_;
};

// Budgets: a period's payouts that a budget covers are scaled pro rata when they add up to more than
// the budget. A budget needs the period's total before any payout of the period is final, so a period
// with budgets is evaluated twice. The first time (keep), only the amounts of the payouts some budget
// may scale (covered, above zero) are kept, compactly, in the payouts' order; decide() then works out
// each budget's shares from them exactly as on the whole payouts; the second time (apply), the same
// payouts, evaluated again in the same order, are given their shares and explained.
class PeriodBudgets {
 public:
  explicit PeriodBudgets(const State& s) : s_(s), plan_(s.plan) {
    const size_t rebates = plan_.rebates.size();
    any_covers_.assign(rebates, 0);
    for (const plan::Budget& b : plan_.budgets) {
      std::vector<uint8_t>& covers = covers_.emplace_back(rebates, 0);
      for (size_t r = 0; r < rebates; ++r) {
        // A budget over every rebate leaves the funds out: a fund pays claims up to its balance (§27).
        covers[r] = (b.rebates.empty() && s.plan.rebates[r].claims == UINT32_MAX) || std::find(b.rebates.begin(), b.rebates.end(), r) != b.rebates.end();
        any_covers_[r] |= covers[r];
      }
    }
  }

  // A new period.
  void clear() {
    amounts_.clear();
    rebate_.clear();
    applied_.clear();
  }

  // The first evaluation: payouts [0, n) of a batch, one per rebate for each partner in turn.
  void keep(const Payout* payouts, size_t n) {
    const size_t per_cell = plan_.rebates.size();
    for (size_t i = 0; i < n; ++i) {
      const size_t r = i % per_cell;
      const Decimal amount = payouts[i].amount();
      if (!any_covers_[r] || amount.sign() <= 0) continue;  // no budget scales it; clawbacks are not scaled
      amounts_.push(amount);
      rebate_.push_back(static_cast<uint32_t>(r));
    }
  }

  // Each budget in turn, on the amounts the budgets before it left: when its payouts exceed it, each
  // becomes amount x budget / total, cut to the cent; the cents left over go one at a time to the largest
  // payouts (ties: partner id, then rebate order), so the sum is the budget exactly. A budget written
  // finer than the cent (`100.005 USD`) is paid to the cent below it: no payout holds a fraction of one.
  void decide() {
    const Decimal cent = Decimal::from_scaled(1, plan_.minor_unit);
    for (size_t bi = 0; bi < plan_.budgets.size(); ++bi) {
      const plan::Budget& b = plan_.budgets[bi];
      // An overflow is an error naming the budget, never a share of 0.
      auto exact = [&](std::optional<Decimal> v) {
        if (!v) throw vm::EvalError(fmt::format("arithmetic overflow scaling the payouts to budget `{}`", b.name), UINT32_MAX, "every partner");
        return *v;
      };
      std::vector<uint32_t> members;  // positions in amounts_, in the payouts' order
      Decimal total;
      for (size_t k = 0; k < amounts_.size(); ++k) {
        const Decimal amount = amounts_[k];
        if (!covers_[bi][rebate_[k]] || amount.sign() <= 0) continue;
        members.push_back(static_cast<uint32_t>(k));
        total = exact(Decimal::add(total, amount));
      }
      if (Decimal::compare(total, b.amount) <= 0) continue;
      Applied& a = applied_.emplace_back();
      a.budget = bi;
      Decimal assigned;
      for (uint32_t k : members) {
        const Decimal before = amounts_[k];
        const Decimal share = exact(Decimal::div(exact(Decimal::mul(before, b.amount)), total));
        const Decimal scaled = share.rounded(plan_.minor_unit, RoundingMode::Down).value_or(share);
        a.after.push(scaled);
        assigned = exact(Decimal::add(assigned, scaled));
      }
      std::vector<uint32_t> order(members.size());  // positions in members
      for (size_t k = 0; k < order.size(); ++k) order[k] = static_cast<uint32_t>(k);
      std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
        int cmp = Decimal::compare(amounts_[members[x]], amounts_[members[y]]);
        if (cmp != 0) return cmp > 0;
        return x < y;  // payouts are already in partner, then rebate order
      });
      Decimal left = exact(Decimal::sub(b.amount, assigned));
      for (size_t k = 0; Decimal::compare(left, cent) >= 0 && !order.empty(); k = (k + 1) % order.size()) {
        const Decimal amount = a.after[order[k]];
        a.after.set(order[k], Decimal::add(amount, cent).value_or(amount));
        left = Decimal::sub(left, cent).value_or(Decimal());
      }
      // "budget `b` of 1,000.00 USD scaled the period's 1,500.00 USD of payouts by 0.666667: "
      a.step = fmt::format("budget `{}` of {} scaled the period's {} of payouts by {}: ", b.name,
                           money(b.amount, plan_.minor_unit, plan_.currency), money(total, plan_.minor_unit, plan_.currency),
                           Decimal::div(b.amount, total).value_or(Decimal()).rounded(6, RoundingMode::HalfEven)->to_string());
      for (size_t m = 0; m < members.size(); ++m) amounts_.set(members[m], a.after[m]);
    }
    amounts_.clear();  // the shares are all the second evaluation needs
    next_member_.assign(applied_.size(), 0);
  }

  // The second evaluation: payouts [0, n) of a batch, in the same order as keep() saw them, given
  // their shares; each scaled payout explains each budget that scaled it.
  void apply(Payout* payouts, size_t n) {
    if (applied_.empty()) return;
    const size_t per_cell = plan_.rebates.size();
    for (size_t i = 0; i < n; ++i) {
      const size_t r = i % per_cell;
      Payout& p = payouts[i];
      Decimal amount = p.amount();
      if (!any_covers_[r] || amount.sign() <= 0) continue;
      for (size_t k = 0; k < applied_.size(); ++k) {
        Applied& a = applied_[k];
        if (!covers_[a.budget][r] || amount.sign() <= 0) continue;
        const Decimal before = amount;
        amount = a.after[next_member_[k]++];
        if (s_.options.explanations) {
          Explanation& e = p.explain();
          e.before_budget = before;
          e.steps.push_back(a.step + money(before, plan_.minor_unit, plan_.currency) + " before");
        }
      }
      p.set_amount(amount);
    }
  }

 private:
  struct Applied {
    size_t budget = 0;  // index in plan.budgets
    Amounts after;      // by member (covered, above zero when the budget came), in payout order: its share
    std::string step;   // the explanation's step, but for the amount before
  };
  const State& s_;
  const plan::Plan& plan_;
  std::vector<uint8_t> any_covers_;           // by rebate: some budget covers it
  std::vector<std::vector<uint8_t>> covers_;  // by budget, by rebate
  Amounts amounts_;                           // the first evaluation's payouts that a budget may scale
  std::vector<uint32_t> rebate_;              // their rebates
  std::vector<Applied> applied_;              // the budgets that scale this period's payouts, in order
  std::vector<size_t> next_member_;           // by applied budget: its next member in apply()
};

}  // namespace rebate::engine
