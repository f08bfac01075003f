// Coverage counts; see coverage.h.
#include "engine/coverage.h"

namespace rebate::engine {

namespace {

template <typename T>
void add_all(std::vector<T>& into, const std::vector<T>& from) {
  if (into.size() < from.size()) into.resize(from.size());
  for (size_t i = 0; i < from.size(); ++i) into[i] += from[i];
}

void add_all(std::vector<std::vector<uint64_t>>& into, const std::vector<std::vector<uint64_t>>& from) {
  if (into.size() < from.size()) into.resize(from.size());
  for (size_t i = 0; i < from.size(); ++i) add_all(into[i], from[i]);
}

}  // namespace

Coverage::Coverage(const plan::Plan& plan) {
  for (const plan::Rebate& r : plan.rebates) {
    RebateCoverage& c = rebates.emplace_back();
    c.eligible.resize(r.eligible.size());
    c.require.resize(r.require.size());
    c.accelerate.resize(r.accelerate.size());
    c.uplift.resize(r.uplift.size());
  }
  for (const plan::Tiers& t : plan.tiers) bands.emplace_back(t.bands.size(), 0);
  for (const plan::Decision& d : plan.decisions) decision_rows.emplace_back(d.rows.size(), 0);
  for (const plan::Award& a : plan.awards) award_rows.emplace_back(a.rows.size(), 0);
}

void Coverage::band(const plan::Plan& plan, uint32_t tiers, int band) {
  if (band < 0 || tiers >= bands.size()) return;
  const bool incremental = plan.tiers[tiers].mode == plan::TierMode::Incremental;
  for (int b = incremental ? 0 : band; b <= band && static_cast<size_t>(b) < bands[tiers].size(); ++b) ++bands[tiers][static_cast<size_t>(b)];
}

Coverage& Coverage::operator+=(const Coverage& o) {
  if (rebates.size() < o.rebates.size()) rebates.resize(o.rebates.size());
  for (size_t i = 0; i < o.rebates.size(); ++i) {
    RebateCoverage& a = rebates[i];
    const RebateCoverage& b = o.rebates[i];
    a.evaluated += b.evaluated;
    a.paid += b.paid;
    add_all(a.eligible, b.eligible);
    add_all(a.require, b.require);
    a.pay_when += b.pay_when;
    add_all(a.accelerate, b.accelerate);
    add_all(a.uplift, b.uplift);
    a.cap += b.cap;
    a.floor += b.floor;
    a.negative_kept += b.negative_kept;
  }
  add_all(bands, o.bands);
  add_all(decision_rows, o.decision_rows);
  add_all(award_rows, o.award_rows);
  return *this;
}

}  // namespace rebate::engine
