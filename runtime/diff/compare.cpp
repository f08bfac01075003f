// Comparing two programs' payouts as they come (compare.h).
#include "diff/compare.h"

#include <algorithm>
#include <stdexcept>

#include "plan/combine.h"

namespace rebate::diff {

namespace {

Decimal exact(std::optional<Decimal> v, const char* what) {
  // Past 38 digits: an error, never a total without one of its terms.
  if (!v) throw std::overflow_error(std::string("arithmetic overflow adding up ") + what);
  return *v;
}

Decimal magnitude(const Decimal& d) { return d.is_negative() ? d.negated() : d; }

// Whether row `a` moved more than row `b` (ties: the earlier in the output first).
bool moved_more(const Row& a, const Row& b) {
  const int c = Decimal::compare(magnitude(a.delta), magnitude(b.delta));
  if (c != 0) return c > 0;
  return a.order < b.order;
}

Paid paid(const engine::Payout& p) { return Paid{p.amount(), std::string(p.status), std::string(p.band)}; }

}  // namespace

Comparison::Comparison(const std::vector<RebateInfo>& old_rebates, const std::vector<RebateInfo>& new_rebates, size_t top, ChangeSink& sink)
    : top_(top), sink_(sink) {
  for (const RebateInfo& r : old_rebates) old_bands_.push_back(r.bands);
  for (const RebateInfo& r : new_rebates) new_bands_.push_back(r.bands);
  std::vector<bool> matched(old_rebates.size(), false);
  for (size_t n = 0; n < new_rebates.size(); ++n) {
    Pair pair;
    pair.after = n;
    for (size_t o = 0; o < old_rebates.size(); ++o) {
      if (old_rebates[o].name == new_rebates[n].name) {
        pair.before = o;
        matched[o] = true;
      }
    }
    pairs_.push_back(pair);
    rebates_.push_back(RebateSummary{new_rebates[n].name, new_rebates[n].title, pair.before != SIZE_MAX, true, {}, {}, 0});
  }
  for (size_t o = 0; o < old_rebates.size(); ++o) {
    if (matched[o]) continue;
    pairs_.push_back(Pair{o, SIZE_MAX});
    rebates_.push_back(RebateSummary{old_rebates[o].name, old_rebates[o].title, true, false, {}, {}, 0});
  }
}

void Comparison::cell(std::string_view partner, std::string_view period, const engine::Payout* before, const engine::Payout* after) {
  // Cells come period by period (in the two-run way, the old run's own cells last): a period is found
  // among the last few.
  size_t p = periods_.size();
  while (p > 0 && periods_[p - 1] != period) --p;
  if (p == 0) {
    periods_.emplace_back(period);
    cells_per_period_.push_back(0);
    p = periods_.size();
  }
  partners_ = std::max(partners_, static_cast<size_t>(++cells_per_period_[p - 1]));
  Row row;  // reused: only a changed row is handed on
  for (size_t k = 0; k < pairs_.size(); ++k) {
    const Pair& pair = pairs_[k];
    const engine::Payout* b = before && pair.before != SIZE_MAX ? &before[pair.before] : nullptr;
    const engine::Payout* a = after && pair.after != SIZE_MAX ? &after[pair.after] : nullptr;
    if (!b && !a) continue;
    const unsigned paired = a && b ? (a->status.view() != b->status.view() ? kStatus : 0u) | (band_changed(pair, *b, *a) ? kBand : 0u) : 0u;
    record(rebates_[k], partner, period, b, a, paired, row);
  }
}

// One payout of each run (either may be missing) added to the totals and, when it changed, handed on:
// `paired_changes` are what only two payouts of one rebate can differ in (status, band).
void Comparison::record(RebateSummary& summary, std::string_view partner, std::string_view period, const engine::Payout* b,
                        const engine::Payout* a, unsigned paired_changes, Row& row) {
  ++compared_;
  ++order_;
  const Decimal old_amount = b ? b->amount() : Decimal();
  const Decimal new_amount = a ? a->amount() : Decimal();
  summary.before = exact(Decimal::add(summary.before, old_amount), "the old totals");
  summary.after = exact(Decimal::add(summary.after, new_amount), "the new totals");
  before_total_ = exact(Decimal::add(before_total_, old_amount), "the old totals");
  after_total_ = exact(Decimal::add(after_total_, new_amount), "the new totals");
  unsigned changes = 0;
  if (a && b) {
    if (Decimal::compare(old_amount, new_amount) != 0) changes |= kAmount;
    changes |= paired_changes;
  } else if (a) {
    if (!new_amount.is_zero()) changes = kAdded;
  } else if (!old_amount.is_zero()) {
    changes = kRemoved;
  }
  if (changes == 0) return;
  ++changed_;
  ++summary.changed;
  if (changes & (kStatus | kBand)) ++band_status_;
  row.order = order_;
  row.partner.assign(partner);
  row.period.assign(period);
  row.rebate = summary.name;
  row.corrects.assign((a ? a : b)->corrects.view());
  row.before = b ? std::optional<Paid>(paid(*b)) : std::nullopt;
  row.after = a ? std::optional<Paid>(paid(*a)) : std::nullopt;
  row.changes = changes;
  row.delta = exact(Decimal::sub(new_amount, old_amount), "a change");
  sink_.row(row);
  if (!row.delta.is_zero()) mover(row);
}

void Comparison::adjustments(std::string_view partner, std::string_view period, const engine::Payout* before, size_t before_count,
                             const engine::Payout* after, size_t after_count) {
  auto summary_of = [&](std::string_view rebate) -> RebateSummary& {
    for (RebateSummary& r : rebates_) {
      if (r.name == rebate) return r;
    }
    throw std::logic_error("an adjustment of a rebate neither program has");
  };
  std::vector<bool> paired(after_count, false);
  Row row;
  auto compare = [&](const engine::Payout* b, const engine::Payout* a) { record(summary_of((a ? a : b)->rebate.view()), partner, period, b, a, 0, row); };
  for (size_t i = 0; i < before_count; ++i) {
    const engine::Payout* match = nullptr;
    for (size_t k = 0; k < after_count && !match; ++k) {
      if (!paired[k] && after[k].rebate.view() == before[i].rebate.view() && after[k].corrects.view() == before[i].corrects.view()) {
        paired[k] = true;
        match = &after[k];
      }
    }
    compare(&before[i], match);
  }
  for (size_t k = 0; k < after_count; ++k) {
    if (!paired[k]) compare(nullptr, &after[k]);
  }
}

int Comparison::band_position(const std::vector<std::string>& bands, std::string_view band) {
  if (bands.empty()) return -2;
  for (size_t i = 0; i < bands.size(); ++i) {
    if (bands[i] == band) return static_cast<int>(i);
  }
  return -1;
}

bool Comparison::band_changed(const Pair& pair, const engine::Payout& before, const engine::Payout& after) const {
  const std::vector<std::string>& old_bands = old_bands_[pair.before];
  const std::vector<std::string>& new_bands = new_bands_[pair.after];
  if (old_bands.empty() || new_bands.empty()) return before.band.view() != after.band.view();
  return band_position(old_bands, before.band) != band_position(new_bands, after.band);
}

void Comparison::awards(std::string_view partner, const std::vector<AwardSeen>& before, const std::vector<AwardSeen>& after) {
  auto find = [](const std::vector<AwardSeen>& in, std::string_view name) -> const AwardSeen* {
    for (const AwardSeen& a : in) {
      if (a.name == name) return &a;
    }
    return nullptr;
  };
  auto report = [&](const AwardSeen* b, const AwardSeen* a) {
    ++award_changes_;
    const AwardSeen& any = a ? *a : *b;
    AwardChange change{std::string(partner), std::string(any.period), std::string(any.name), std::nullopt, std::nullopt};
    if (b) change.before = std::string(b->value);
    if (a) change.after = std::string(a->value);
    sink_.award(change);
  };
  for (const AwardSeen& b : before) {
    const AwardSeen* a = find(after, b.name);
    if (!a || a->value != b.value || a->period != b.period) report(&b, a);
  }
  for (const AwardSeen& a : after) {
    if (!find(before, a.name)) report(nullptr, &a);
  }
}

// A bounded heap whose front is the smallest of the largest movers: a row that moved more replaces it.
void Comparison::mover(const Row& r) {
  if (top_ == 0) return;
  if (heap_.size() < top_) {
    heap_.push_back(r);
    std::push_heap(heap_.begin(), heap_.end(), moved_more);
  } else if (moved_more(r, heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), moved_more);
    heap_.back() = r;
    std::push_heap(heap_.begin(), heap_.end(), moved_more);
  }
}

std::vector<Row> Comparison::movers() const {
  std::vector<Row> out = heap_;
  std::sort(out.begin(), out.end(), moved_more);
  return out;
}

void CombinedSink::batch(const engine::PayoutBatch& b) {
  const std::string_view prefix = plan::kSecondAwardPrefix;
  // (A run that closes periods is compared in two runs: a combined plan's adjustments would not say
  // which program's rebate they are. cli/diff_command.cpp.)
  if (b.payout_begin) throw std::logic_error("a combined run of two programs with adjustments");
  for (size_t c = 0; c < b.cells; ++c) {
    const engine::Payout* payouts = b.per_cell ? b.cell_payouts(c) : nullptr;
    c_.cell(b.partners[c], b.period_label, payouts, payouts ? payouts + old_rebates_ : nullptr);
    if (!b.award_begin || b.award_begin[c] == b.award_begin[c + 1]) continue;
    before_.clear();
    after_.clear();
    // A fund's figures (`coop.closing`, docs/language.md §27) are named after the fund in both programs;
    // the old program's come first (its rebates do), so a figure is the new program's when the old one
    // has no fund of that name or has already given it in this cell.
    std::vector<std::string_view> figures_seen;
    auto is_old_fund = [&](std::string_view fund) {
      for (size_t r = 0; payouts && r < old_rebates_; ++r) {
        if (payouts[r].rebate.view() == fund) return true;
      }
      return false;
    };
    for (uint32_t k = b.award_begin[c]; k < b.award_begin[c + 1]; ++k) {
      const engine::AwardValue& a = b.awards[k];
      std::string_view name = a.award;
      if (const size_t dot = name.find('.'); dot != std::string_view::npos) {
        const bool again = std::find(figures_seen.begin(), figures_seen.end(), name) != figures_seen.end();
        figures_seen.push_back(name);
        (again || !is_old_fund(name.substr(0, dot)) ? after_ : before_).push_back(AwardSeen{name, a.period, a.value});
      } else if (name.substr(0, prefix.size()) == prefix) {
        after_.push_back(AwardSeen{name.substr(prefix.size()), a.period, a.value});
      } else {
        before_.push_back(AwardSeen{name, a.period, a.value});
      }
    }
    c_.awards(b.partners[c], before_, after_);
  }
}

void KeptRun::batch(const engine::PayoutBatch& b) {
  const size_t payouts = kept_.payouts.size(), awards = kept_.awards.size();
  collector_.batch(b);
  for (size_t c = 0; c < b.cells; ++c) {
    Cell cell;
    cell.period.assign(b.period_label);
    cell.partner.assign(b.partners[c]);
    cell.payouts = payouts + static_cast<size_t>(b.cell_payouts(c) - b.payouts);
    cell.payout_count = b.cell_payout_count(c);
    cell.awards = awards + (b.award_begin ? b.award_begin[c] : 0);
    cell.award_end = awards + (b.award_begin ? b.award_begin[c + 1] : 0);
    by_key_.emplace(cell.period + '\n' + cell.partner, cells_.size());
    cells_.push_back(std::move(cell));
  }
}

namespace {

std::vector<AwardSeen> seen(const std::vector<engine::AwardValue>& awards, size_t from, size_t to) {
  std::vector<AwardSeen> out;
  for (size_t k = from; k < to; ++k) out.push_back(AwardSeen{awards[k].award, awards[k].period, awards[k].value});
  return out;
}

}  // namespace

// The new program's batches, each cell compared with the old run's same cell (or with none).
class KeptRun::Against : public engine::PayoutSink {
 public:
  Against(KeptRun& kept, Comparison& c) : kept_(kept), c_(c) {}
  void batch(const engine::PayoutBatch& b) override {
    for (size_t c = 0; c < b.cells; ++c) {
      const std::string partner(b.partners[c]);
      auto it = kept_.by_key_.find(std::string(b.period_label) + '\n' + partner);
      Cell* old = it == kept_.by_key_.end() ? nullptr : &kept_.cells_[it->second];
      const engine::Payout* before = old && kept_.rebates_ ? &kept_.kept_.payouts[old->payouts] : nullptr;
      c_.cell(partner, b.period_label, before, b.per_cell ? b.cell_payouts(c) : nullptr);
      // Past each program's rebates: the cell's adjustments (closed periods).
      const size_t before_adjusted = before ? old->payout_count - kept_.rebates_ : 0, after_adjusted = b.cell_payout_count(c) - b.per_cell;
      if (before_adjusted || after_adjusted) {
        c_.adjustments(partner, b.period_label, before ? before + kept_.rebates_ : nullptr, before_adjusted, b.cell_payouts(c) + b.per_cell,
                       after_adjusted);
      }
      std::vector<AwardSeen> after;
      if (b.award_begin) {
        for (uint32_t k = b.award_begin[c]; k < b.award_begin[c + 1]; ++k) after.push_back(AwardSeen{b.awards[k].award, b.awards[k].period, b.awards[k].value});
      }
      std::vector<AwardSeen> before_awards = old ? seen(kept_.kept_.awards, old->awards, old->award_end) : std::vector<AwardSeen>();
      if (!before_awards.empty() || !after.empty()) c_.awards(partner, before_awards, after);
      if (old) old->matched = true;
    }
  }

 private:
  KeptRun& kept_;
  Comparison& c_;
};

KeptRun::KeptRun(size_t rebates) : rebates_(rebates), collector_(kept_) {}
KeptRun::~KeptRun() = default;

engine::PayoutSink& KeptRun::against(Comparison& c) {
  against_ = std::make_unique<Against>(*this, c);
  return *against_;
}

void KeptRun::rest(Comparison& c) {
  for (const Cell& cell : cells_) {
    if (cell.matched) continue;
    c.cell(cell.partner, cell.period, rebates_ ? &kept_.payouts[cell.payouts] : nullptr, nullptr);
    if (cell.payout_count > rebates_) {
      c.adjustments(cell.partner, cell.period, &kept_.payouts[cell.payouts + rebates_], cell.payout_count - rebates_, nullptr, 0);
    }
    std::vector<AwardSeen> before = seen(kept_.awards, cell.awards, cell.award_end);
    if (!before.empty()) c.awards(cell.partner, before, {});
  }
}

}  // namespace rebate::diff
