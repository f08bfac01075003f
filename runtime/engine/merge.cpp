// Bringing the scan's parts together. Each reading thread's part has its own texts (an overlay pool),
// its own partner numbering when there is no partner table, and its own cells; here they become the
// State's: texts interned into the State's pool, partners sorted by id, the periods chosen from the data
// when the program did not fix them, and the states added up. Sums, counts, minima, maxima and sets of
// distinct values merge exactly, so the result does not depend on how the file was split.
#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <unordered_set>

#include "core/threads.h"
#include "engine/state.h"

namespace rebate::engine {

namespace {

// A part's text ids in the State's pool. The first part's texts are taken over as they are (its ids do
// not change); a later part's are interned when the merge meets them (a part holds many texts no state
// keeps, such as the customers of lines no count_distinct counted).
class TextMap {
 public:
  TextMap(State& s, ScanPart& part) : pool_(s.pool), part_(part.pool), first_(part.pool.first_own_id()) {
    if (static_cast<size_t>(first_) == s.pool.size()) {
      s.pool.absorb(std::move(part.pool));
      return;
    }
    identity_ = part.pool.size() == static_cast<size_t>(first_);  // no texts of its own
    ids_.assign(part.pool.size() - static_cast<size_t>(first_), kUnknown);
  }
  int64_t operator()(int64_t id) {
    if (identity_ || id < first_) return id;
    uint32_t& mapped = ids_[static_cast<size_t>(id - first_)];
    if (mapped == kUnknown) mapped = pool_.intern(part_.text(static_cast<uint32_t>(id)));
    return mapped;
  }
  // Maps ids[0..n) in place, the texts not met before interned together (their lookups overlap).
  void map_many(int64_t* ids, size_t n) {
    if (identity_) return;
    views_.clear();
    slots_.clear();
    for (size_t i = 0; i < n; ++i) {
      if (ids[i] < first_ || ids_[static_cast<size_t>(ids[i] - first_)] != kUnknown) continue;
      uint32_t& mapped = ids_[static_cast<size_t>(ids[i] - first_)];
      mapped = kPending;  // a text twice in one batch is interned once
      views_.push_back(part_.text(static_cast<uint32_t>(ids[i])));
      slots_.push_back(&mapped);
    }
    interned_.resize(views_.size());
    pool_.intern_many(views_.data(), views_.size(), interned_.data());
    for (size_t k = 0; k < slots_.size(); ++k) *slots_[k] = interned_[k];
    for (size_t i = 0; i < n; ++i) ids[i] = (*this)(ids[i]);
  }
  bool identity() const { return identity_; }

 private:
  static constexpr uint32_t kUnknown = UINT32_MAX;
  static constexpr uint32_t kPending = UINT32_MAX - 1;
  std::vector<std::string_view> views_;
  std::vector<uint32_t*> slots_;
  std::vector<uint32_t> interned_;
  ledger::StringPool& pool_;
  const ledger::StringPool& part_;  // read only after the first part's texts were absorbed
  int64_t first_;
  std::vector<uint32_t> ids_;
  bool identity_ = true;
};

void merge_distinct(DistinctSet& into, const DistinctSet& from, bool text, TextMap& texts) {
  for (DistinctKey k : from) {
    if (text) k.coef = texts(static_cast<int64_t>(k.coef));
    into.insert(k);
  }
}

// Partners: the partner table's (already the State's), or every partner the ledgers name, sorted by id.
// Returns, per part, its partner index -> the State's.
std::vector<std::vector<uint32_t>> merge_partners(State& s, const std::vector<std::unique_ptr<ScanPart>>& parts,
                                                  std::vector<TextMap>& texts) {
  std::vector<std::vector<uint32_t>> map(parts.size());
  if (s.plan.partner_table != UINT32_MAX) {
    for (auto& m : map) {
      m.resize(s.partner_ids.size());
      for (uint32_t p = 0; p < m.size(); ++p) m[p] = p;
    }
    return map;
  }
  bool keys_are_text = true;
  for (const plan::Input& in : s.plan.inputs) {
    // (A partner read through a lookup (§26) is the looked-up ledger's, which says its kind.)
    if (in.kind == plan::InputKind::Ledger && !in.partner_through_lookup) keys_are_text = in.spec.columns[in.partner_column].kind == ledger::ColumnKind::Text;
  }
  // Partner ids are text in every output; integer ids are written as text.
  std::vector<std::pair<std::string, int64_t>> named;
  std::unordered_set<int64_t> seen;
  for (size_t k = 0; k < parts.size(); ++k) {
    for (int64_t key : parts[k]->partner_keys) {
      int64_t global = keys_are_text ? texts[k](key) : key;
      if (!seen.insert(global).second) continue;
      named.emplace_back(keys_are_text ? std::string(s.pool.text(static_cast<uint32_t>(global))) : std::to_string(global), global);
    }
  }
  std::sort(named.begin(), named.end());
  for (uint32_t p = 0; p < named.size(); ++p) {
    s.partner_ids.push_back(s.pool.intern(named[p].first));
    s.partner_by_key[named[p].second] = p;
  }
  s.partner_row.assign(named.size(), UINT32_MAX);
  for (size_t k = 0; k < parts.size(); ++k) {
    for (int64_t key : parts[k]->partner_keys) map[k].push_back(s.partner_by_key.at(keys_are_text ? texts[k](key) : key));
  }
  return map;
}

bool is_identity(const std::vector<uint32_t>& map) {
  for (uint32_t p = 0; p < map.size(); ++p) {
    if (map[p] != p) return false;
  }
  return true;
}

void merge_aggregates(State& s, const std::vector<std::unique_ptr<ScanPart>>& parts, std::vector<TextMap>& texts,
                      const std::vector<std::vector<uint32_t>>& partners) {
  const plan::Plan& plan = s.plan;
  CellStates& into = s.aggregates;
  const size_t cells = s.partner_ids.size() * s.period_count();
  into.slots = plan.aggregates.size();
  into.distinct.resize(plan.aggregates.size());
  bool empty = true;
  for (size_t k = 0; k < parts.size(); ++k) {
    ScanPart& part = *parts[k];
    CellStates& from = part.aggregates;
    const size_t count = part.period_count();
    // The first part whose cells are the State's (the usual case: a partner table, fixed periods) is
    // taken over as it is.
    if (empty && from.cells() == cells && part.first_period == s.first_period && count == s.period_count() &&
        is_identity(partners[k]) && texts[k].identity()) {
      into = std::move(from);
      empty = false;
      continue;
    }
    if (empty) {
      into.states = BigArray<AggState>(cells * into.slots);
      for (uint32_t a = 0; a < plan.aggregates.size(); ++a) {
        if (plan.aggregates[a].kind == plan::AggregateKind::CountDistinct) into.distinct[a].assign(cells, DistinctSet());
      }
      empty = false;
    }
    for (size_t cell = 0; cell < from.cells(); ++cell) {
      const size_t to = s.cell(partners[k][cell / count], part.first_period + static_cast<PeriodIndex>(cell % count));
      if (to == SIZE_MAX) continue;  // lines outside every period the run pays or looks back to
      for (uint32_t a = 0; a < plan.aggregates.size(); ++a) {
        // (Most of a cell's states met no line in one of the parts: a look-back period's, a rare family's.)
        const AggState& state = from.at(cell, a);
        if (state.count != 0 || state.value != 0 || state.has_best) merge_state(into.at(to, a), state, plan.aggregates[a]);
        if (const DistinctSet* d = from.distinct_at(cell, a); d && !d->empty()) {
          merge_distinct(*into.distinct_at(to, a), *d, plan.aggregates[a].arg_is_text, texts[k]);
        }
      }
    }
    from = CellStates();
  }
  if (empty) {
    into.states = BigArray<AggState>(cells * into.slots);
    for (uint32_t a = 0; a < plan.aggregates.size(); ++a) {
      if (plan.aggregates[a].kind == plan::AggregateKind::CountDistinct) into.distinct[a].assign(cells, DistinctSet());
    }
  }
  // Every count_distinct has a set per cell, also where no part had lines (the aggregates over groups).
  for (uint32_t a = 0; a < plan.aggregates.size(); ++a) {
    if (plan.aggregates[a].kind == plan::AggregateKind::CountDistinct && into.distinct[a].size() < cells) into.distinct[a].resize(cells);
  }
}

// Row `row` of a later part's segment added into row `to` of an earlier one, which has the same key (an
// order met on both sides of a cut).
void add_row(const plan::Plan& plan, const plan::Group& pg, GroupData& into, uint32_t to, const GroupData& from, size_t row,
             TextMap& texts) {
  for (size_t f = 0; f < into.agg_count; ++f) {
    const plan::Aggregate& agg = plan.group_field_aggregates[pg.aggregates[f]];
    const size_t to_state = static_cast<size_t>(to) * into.agg_count + f;
    if (into.is_compact()) {  // kept aside, added to the block when read
      merge_state(into.spilled[to_state], from.field_state(row, f), agg);
      continue;
    }
    const size_t from_state = row * into.agg_count + f;
    merge_state(into.states[to_state], from.states[from_state], agg);
    if (auto d = from.distinct.find(from_state); d != from.distinct.end()) merge_distinct(into.distinct[to_state], d->second, agg.arg_is_text, texts);
  }
}

// A kept row's count_distinct sets over texts, their ids made the State's pool's.
void map_text_ids(GroupData& data, const std::vector<uint8_t>& skipped, const plan::Plan& plan, const plan::Group& pg,
                  TextMap& texts) {
  for (auto& [state, set] : data.distinct) {
    const size_t row = state / data.agg_count;
    if (!skipped.empty() && skipped[row]) continue;
    if (!plan.group_field_aggregates[pg.aggregates[state % data.agg_count]].arg_is_text) continue;
    DistinctSet mapped;
    merge_distinct(mapped, set, true, texts);
    set = std::move(mapped);
  }
}

// Partition `q` of group `g`: each part's rows of that partition become a segment, in the parts' order,
// where the scan left them: nothing is copied. A part's partners are renumbered in its rows' keys when
// the merge numbered them anew (no partner table); each row is then looked up, by the hash tag its slot
// keeps, in the earlier segments, first to last: a row found there has its states added into that row
// and is skipped. A row's partition does not depend on its partner, so renumbering keeps it.
MergedPartition merge_partition(const State& s, const std::vector<std::unique_ptr<ScanPart>>& parts, std::vector<TextMap>& texts,
                                const std::vector<std::vector<uint32_t>>& partners, uint32_t g, size_t q, bool text_ids) {
  const plan::Plan& plan = s.plan;
  const plan::Group& pg = plan.groups[g];
  MergedPartition out;
  for (size_t k = 0; k < parts.size(); ++k) {
    GroupData& from = parts[k]->groups[g][q];
    if (from.rows() == 0) continue;
    if (!is_identity(partners[k])) {
      from.index.rewrite_first_words([&](int64_t word) {
        const auto cell = static_cast<uint64_t>(word);
        return group_cell_word(partners[k][static_cast<uint32_t>(cell)], static_cast<PeriodIndex>(static_cast<int32_t>(cell >> 32)));
      });
    }
    std::vector<uint8_t> skipped;
    auto skip = [&](size_t row) {
      if (skipped.empty()) skipped.assign(from.rows(), 0);
      skipped[row] = 1;
    };
    // Lines outside every period the run pays or looks back to are left out. (A part's rows are of its
    // periods: within the run's when the periods are fixed, the usual case.)
    if (parts[k]->first_period < s.first_period || parts[k]->last_period > s.last_period) {
      for (size_t row = 0; row < from.rows(); ++row) {
        if (s.cell(from.partner(row), from.period(row)) == SIZE_MAX) skip(row);
      }
    }
    for (size_t j = 0; j < out.segments.size(); ++j) {
      GroupData& into = out.segments[j];
      into.index.match_rows_of(from.index, [&](uint32_t row, uint32_t to) {
        if (to == UINT32_MAX || out.skips(j, to) || (!skipped.empty() && skipped[row])) return;
        add_row(plan, pg, into, to, from, row, texts[k]);
        skip(row);
      });
    }
    if (text_ids && !texts[k].identity()) map_text_ids(from, skipped, plan, pg, texts[k]);
    out.segments.push_back(std::move(from));
    out.skipped.push_back(std::move(skipped));
    from = make_group(plan, pg);
  }
  return out;
}

// Whether group `g`'s rows hold text ids of the parts' pools. Text keys are kept by their bytes, so only
// count_distinct fields over texts do (the merge interns them into the State's pool, one thread at a time).
bool holds_text_ids(const plan::Plan& plan, uint32_t g) {
  for (uint32_t a : plan.groups[g].aggregates) {
    const plan::Aggregate& agg = plan.group_field_aggregates[a];
    if (agg.kind == plan::AggregateKind::CountDistinct && agg.arg_is_text) return true;
  }
  return false;
}

void merge_groups(State& s, const std::vector<std::unique_ptr<ScanPart>>& parts, std::vector<TextMap>& texts,
                  const std::vector<std::vector<uint32_t>>& partners) {
  const plan::Plan& plan = s.plan;
  s.groups.clear();
  for (uint32_t g = 0; g < plan.groups.size(); ++g) {
    const bool text_ids = holds_text_ids(plan, g);
    MergedGroup into;
    // A task per partition (they share no row), but when the rows hold text ids: the merge interns them
    // into the State's pool, one partition after another.
    auto merge_one = [&](size_t q) { into[q] = merge_partition(s, parts, texts, partners, g, q, text_ids); };
    if (text_ids) {
      for (size_t q = 0; q < kGroupPartitions; ++q) merge_one(q);
    } else {
      for_each_task(kGroupPartitions, merge_one);  // partition q's error before q + 1's, as one thread meets them
    }
    s.groups.push_back(std::move(into));
  }
}

}  // namespace

void merge_parts(State& s, std::vector<std::unique_ptr<ScanPart>>& parts) {
  std::vector<TextMap> texts;
  for (auto& part : parts) texts.emplace_back(s, *part);
  std::vector<std::vector<uint32_t>> partners = merge_partners(s, parts, texts);

  // The periods, when the program left them to the data, and what the run leaves out.
  std::map<PeriodIndex, uint64_t> lines;
  for (size_t k = 0; k < parts.size(); ++k) {
    const auto& part = parts[k];
    for (const auto& [p, n] : part->lines_per_period) lines[p] += n;
    for (const auto& [key, n] : part->late_lines) s.late_lines[{partners[k][key.first], key.second}] += n;
    s.result.summary.outside_effective += part->outside_effective;
    s.result.summary.outside_effective_paid += part->outside_effective_paid;
    s.result.summary.outside_effective_looked_back += part->outside_effective_looked_back;
    s.result.summary.booked_after_as_of += part->booked_after_as_of;
  }
  if (!s.periods_fixed) choose_periods(s, lines);
  note_lines(s, lines);

  // The aggregates merge as one task while the groups' partitions merge as others, when the groups hold
  // no text ids: then only the aggregates' merge interns texts, and the two share no state.
  bool concurrent = !s.plan.groups.empty();
  for (uint32_t g = 0; g < s.plan.groups.size(); ++g) concurrent = concurrent && !holds_text_ids(s.plan, g);
  if (!concurrent) {
    merge_aggregates(s, parts, texts, partners);
    merge_groups(s, parts, texts, partners);
    return;
  }
  // (The aggregates' error first, as a one-thread merge meets it.)
  for_each_task(2, [&](size_t task) {
    if (task == 0) {
      merge_aggregates(s, parts, texts, partners);
    } else {
      merge_groups(s, parts, texts, partners);
    }
  });
}

}  // namespace rebate::engine
