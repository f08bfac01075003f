// The fused scan: each chunk of a ledger's lines, as the reader streams it, updates every aggregate over
// that ledger for the line's partner and period, and every group the line belongs to. A part (one per
// reading thread) keeps its own states; merge.cpp brings them together; groups.cpp then computes the
// group rows' fields and the aggregates over them.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <tuple>

#include "engine/kernels.h"
#include "engine/ledger_index.h"
#include "engine/row_frame.h"
#include "engine/scan_bad_lines.h"
#include "engine/state.h"
#include "ledger/short_text_ids.h"

namespace rebate::engine {

namespace {

// Runs a kernel on one line (nothing when the line does not pass the filter). `mask`: the line's LineTests.
inline void run_fast(const Fast& f, const std::vector<ledger::Column>& columns, uint32_t row, uint64_t mask, AggState& st,
                     DistinctSet* distinct, ledger::StringPool& pool) {
  bool pass = true;
  if (f.masked) {
    pass = (mask & f.need) == f.need;
  } else {
    for (const ColumnTest& test : f.filter->all) pass = pass && test.test(columns[test.column].values[row]);
  }
  if (f.arg) {
    // Without branches: which lines pass a family filter is as good as random.
    const int64_t v = columns[f.arg->column].values[row];
    st.value += pass ? v : 0;  // exact: 2^64 lines of int64 stay far inside 128 bits
    st.count += pass;
    st.scale = pass ? static_cast<int16_t>(f.arg->scale) : st.scale;
  } else if (f.distinct_column) {
    if (!pass) return;
    ++st.count;
    distinct->insert(distinct_key(line_value(pool, columns[*f.distinct_column], row)));
  } else {
    st.count += pass;
  }
}

// One aggregate on the VM for one line: its filter, then its argument.
void update(vm::Executor& machine, const plan::Aggregate& agg, RowFrame& frame, AggState& st, DistinctSet* distinct) {
  if (agg.filter != plan::kNoFunction) {
    Value keep = machine.run(agg.filter, frame);
    if (keep.none) throw vm::EvalError("this filter has no value for a line (it reads an empty cell)", agg.where, frame.context());
    if (!keep.truthy()) return;
  }
  Value v = agg.arg == plan::kNoFunction ? Value::integer(1) : machine.run(agg.arg, frame);
  accumulate(st, distinct, agg, v, frame);
}

// Gives the part's aggregate tables room for `partners` partners and the periods lo..hi (partner-major
// cells: more partners append cells, more periods lay them out again).
void fit(ScanPart& part, size_t partners, PeriodIndex lo, PeriodIndex hi) {
  const size_t old_count = part.period_count();
  const PeriodIndex old_first = part.first_period;
  if (old_count == 0) {
    part.first_period = lo;
    part.last_period = hi;
  } else if (!part.state.periods_fixed) {
    part.first_period = std::min(part.first_period, lo);
    part.last_period = std::max(part.last_period, hi);
  }
  const size_t count = part.period_count();
  const size_t cells = partners * count;
  const bool same_periods = count == old_count && part.first_period == old_first;
  CellStates& a = part.aggregates;
  const size_t old_cells = a.cells();
  // Where an old cell goes when the periods widen (partner-major: more partners only append cells).
  auto moved_to = [&](size_t cell) { return cell / old_count * count + static_cast<size_t>(old_first - part.first_period) + cell % old_count; };
  if (same_periods) {
    a.states.resize(std::max(a.states.size(), cells * a.slots));
  } else {
    BigArray<AggState> wider(cells * a.slots);
    for (size_t cell = 0; cell < old_cells; ++cell) std::copy_n(&a.states[cell * a.slots], a.slots, &wider[moved_to(cell) * a.slots]);
    a.states = std::move(wider);
  }
  for (uint32_t k = 0; k < a.distinct.size(); ++k) {
    const plan::Aggregate& agg = part.state.plan.aggregates[k];
    if (agg.over_group || agg.kind != plan::AggregateKind::CountDistinct) continue;
    std::vector<DistinctSet>& d = a.distinct[k];
    if (same_periods) {
      d.resize(std::max(d.size(), cells));
      continue;
    }
    std::vector<DistinctSet> wider(cells);
    for (size_t cell = 0; cell < d.size(); ++cell) wider[moved_to(cell)] = std::move(d[cell]);
    d = std::move(wider);
  }
}

// a[0, n) == b[0, n), for a group key of a few words: std::equal would call memcmp, a call a line.
inline bool same_words(const int64_t* a, const int64_t* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// How many lines ahead the scan fetches the aggregate state a line will update.
constexpr uint32_t kPrefetch = 16;

// The rows of one ledger that one part reads.
class LedgerSink : public ScanSink {
 public:
  LedgerSink(ScanPart& part, uint32_t input)
      : part_(part), s_(part.state), plan_(part.state.plan), input_(input), bad_(part, input) {
    make_day_periods();
    for (uint32_t a = 0; a < plan_.aggregates.size(); ++a) {
      if (!plan_.aggregates[a].over_group && plan_.aggregates[a].source == input) mine_.push_back(a);
    }
    for (uint32_t g = 0; g < plan_.groups.size(); ++g) {
      if (plan_.groups[g].ledger == input) my_groups_.push_back(g);
    }
    for (uint32_t a : mine_) {
      fast_.push_back(fast_for(s_, input, plan_.aggregates[a]));
      // Known periods: an aggregate takes only the lines of the periods it is read in (a test on the
      // line's date, which the kernels share), so a look-back at one measure costs no other one anything.
      aggregate_from_.push_back(s_.periods_fixed ? s_.aggregate_from[a] : std::numeric_limits<PeriodIndex>::min());
      Fast& f = fast_.back();
      if (f.usable && aggregate_from_.back() > s_.first_period) {
        if (!f.filter) f.filter.emplace();
        f.filter->all.push_back(ColumnTest{plan_.inputs[input].date_column, true, {}, s_.periods.first_day(aggregate_from_.back()),
                                           std::numeric_limits<int64_t>::max(), false});
      }
    }
    for (size_t k = 0; k < mine_.size(); ++k) {
      if (!fast_[k].usable) continue;
      tests_.assign(fast_[k]);
      if (!masked_.take(fast_[k], mine_[k])) fast_slots_.push_back(k);
    }
    // A line of a period before the first paid one is read only by look-backs: the kernels of the
    // aggregates they reach go first, and such a line runs those alone (the others would add nothing:
    // their date test fails).
    if (s_.periods_fixed && !s_.run_periods.empty()) {
      paid_from_ = s_.run_periods.front();
      const auto looked_back = [&](uint32_t aggregate) { return s_.aggregate_from[aggregate] < paid_from_; };
      std::tie(back_sums_, back_counts_) = masked_.put_first(looked_back);
      back_fast_ = static_cast<size_t>(std::stable_partition(fast_slots_.begin(), fast_slots_.end(), [&](size_t k) { return looked_back(mine_[k]); }) -
                                       fast_slots_.begin());
    }
    group_fast_.resize(my_groups_.size());
    group_masked_.resize(my_groups_.size());
    // Known periods: a group takes only the lines of the periods its rows are read in.
    for (uint32_t g : my_groups_) group_from_.push_back(s_.periods_fixed ? s_.group_from[g] : std::numeric_limits<PeriodIndex>::min());
    group_other_.resize(my_groups_.size());
    for (size_t k = 0; k < my_groups_.size(); ++k) {
      const std::vector<uint32_t>& fields = plan_.groups[my_groups_[k]].aggregates;
      for (uint32_t f = 0; f < fields.size(); ++f) {
        group_fast_[k].push_back(fast_for(s_, input, plan_.group_field_aggregates[fields[f]]));
        if (group_fast_[k].back().usable) tests_.assign(group_fast_[k].back());
        if (!group_masked_[k].take(group_fast_[k].back(), f)) group_other_[k].push_back(f);
      }
      // Every field a masked sum or count: the group's rows keep them compact.
      if (group_other_[k].empty() && !group_masked_[k].empty()) {
        CompactLayout compact = group_masked_[k].layout(fields.size());
        for (uint32_t f = 0; f < fields.size(); ++f) compact.fields[f].where = plan_.group_field_aggregates[fields[f]].where;
        auto layout = std::make_shared<const CompactLayout>(std::move(compact));
        for (GroupData& data : part_.groups[my_groups_[k]]) {
          if (data.rows() == 0) data.keep_compact(layout);
        }
      }
    }
  }

  void rows(const ledger::Table& chunk) override {
    if (part_.error || part_.span_error) return;  // it ends the part's computing; the reader still checks the rows
    try {
      place(chunk);
      if (part_.span_error) return;  // the chunk's lines were not placed in cells
      tests_.run(chunk);
      aggregate(chunk);
      group(chunk);
    } catch (const vm::EvalError& e) {
      part_.error = e;
    }
  }

 private:
  // Each line's partner, period and cell; lines of unknown partners are recorded and left out.
  void place(const ledger::Table& chunk) {
    const plan::Input& in = plan_.inputs[input_];
    const ledger::Column& pc = chunk.columns[in.partner_column];
    const ledger::Column& dc = chunk.columns[in.date_column];
    const size_t n = chunk.row_count();
    rows_.partner.resize(n);
    rows_.period.resize(n);
    rows_.cell.assign(n, SIZE_MAX);
    PeriodIndex lo = 0, hi = -1;
    // Known periods: the cells are the State's, and a line's cell is worked out at once.
    const bool fixed = s_.periods_fixed;
    const PeriodIndex first = s_.first_period, last = s_.last_period;
    const size_t count = fixed && last >= first ? static_cast<size_t>(last - first + 1) : 0;
    // (Locals: the stores below could alias the plan's and the part's members otherwise.)
    const DayNumber effective_from = plan_.effective_from.value_or(std::numeric_limits<DayNumber>::min());
    const DayNumber effective_to = plan_.effective_to.value_or(std::numeric_limits<DayNumber>::max());
    uint64_t outside_effective = 0, outside_paid = 0, outside_looked_back = 0;
    uint32_t* const partners = rows_.partner.data();
    PeriodIndex* const periods = rows_.period.data();
    size_t* const cells = rows_.cell.data();
    const bool has_lookups = !in.lookups.empty();  // (a local: the stores below could alias the plan)
    const bool history = s_.history.on();          // a partner is a partner only while a row of it is in force (§28)
    const std::optional<DayNumber> as_of = s_.options.as_of;
    uint64_t after_as_of = 0;
    // Closed periods: a line dated in one and booked after the close is late (closing.h). Only a ledger
    // with booking dates has late lines, and no line is tested when nothing is closed.
    const ledger::Column* booked = s_.closing && in.booked_column != UINT32_MAX ? &chunk.columns[in.booked_column] : nullptr;
    const PeriodIndex closed_through = s_.closing ? s_.closing->through : 0;
    const DayNumber closed_on = s_.closing ? s_.closing->on : 0;
    rows_.lookup_row.resize(in.lookups.size());
    for (std::vector<uint32_t>& rows : rows_.lookup_row) rows.assign(n, UINT32_MAX);
    // `as partner` on a lookup into a keyed ledger (§26): the partner of the line found (ledger_index.h).
    const auto [through, through_rows] = partner_through_lookup(s_, in, rows_.lookup_row);
    for (size_t row = 0; row < n; ++row) {
      if (!booked_by(in, chunk, row, as_of)) {  // not booked yet on the --as-of date: as if not in the file
        ++after_as_of;
        continue;
      }
      if (has_lookups && !bad_.keys_known(chunk, row, rows_.lookup_row)) continue;  // a malformed row: recorded, left out
      const int64_t key = through ? through[through_rows[row]] : pc.values[row];
      uint32_t partner = UINT32_MAX;
      if (!s_.partner_of_text.empty()) {
        // A text the partner table does not have is the overlay's, beyond the State's ids: unknown.
        if (static_cast<uint64_t>(key) < s_.partner_of_text.size()) partner = s_.partner_of_text[static_cast<size_t>(key)];
      } else if (plan_.partner_table != UINT32_MAX) {
        auto it = s_.partner_by_key.find(key);
        if (it != s_.partner_by_key.end()) partner = it->second;
      } else {
        auto [it, fresh] = part_.partner_of_key.try_emplace(key, static_cast<uint32_t>(part_.partner_keys.size()));
        if (fresh) part_.partner_keys.push_back(key);
        partner = it->second;
      }
      if (partner == UINT32_MAX) {
        bad_.unknown_partner(chunk, row);
        continue;
      }
      const auto day = static_cast<DayNumber>(dc.values[row]);
      const PeriodIndex p = period_of(day);
      if (history && !s_.partner_in(partner, p)) [[unlikely]] {
        bad_.unknown_partner(chunk, row, std::pair{partner, p});
        continue;
      }
      partners[row] = partner;
      periods[row] = p;
      // A line some conversion has no rate for: left out with --on-bad-row reject (its cell stays SIZE_MAX).
      if (bad_.checks_rates() && (!fixed || (p >= first && p <= last)) && !bad_.rates_known(chunk, row, day, p)) continue;
      if (booked && p <= closed_through && static_cast<DayNumber>(booked->values[row]) > closed_on) [[unlikely]] {
        ++part_.late_lines[{partner, p}];
      }
      if (day < effective_from || day > effective_to) {
        // Outside the effective dates (which fix the periods: `fixed` holds): in a paid period the line
        // counts there (a period overlapping the dates is paid and measured whole); before the paid
        // periods, within the look-backs' reach, only in look-backs; anywhere else in no payout.
        ++outside_effective;
        const bool paid = !s_.run_periods.empty() && p >= s_.run_periods.front() && p <= s_.run_periods.back();
        outside_paid += paid;
        outside_looked_back += !paid && !s_.run_periods.empty() && p >= first && p < s_.run_periods.front();
      }
      count_line(p);
      if (fixed) {
        cells[row] = p < first || p > last ? SIZE_MAX  // outside every period the run pays or looks back to
                                           : static_cast<size_t>(partner) * count + static_cast<size_t>(p - first);
        continue;
      }
      cells[row] = 0;  // placed below
      if (lo > hi) lo = hi = p;
      lo = std::min(lo, p);
      hi = std::max(hi, p);
    }
    part_.outside_effective += outside_effective;
    part_.outside_effective_paid += outside_paid;
    part_.outside_effective_looked_back += outside_looked_back;
    part_.booked_after_as_of += after_as_of;
    if (fixed) {
      lo = first;
      hi = last;
    } else if (lo <= hi && !within_span(chunk, lo, hi)) {
      return;  // no cell is widened to the typo's period: the run fails (span_error)
    }
    if (lo <= hi) {
      // The compact blocks follow the cells' layout: folded into the states before the cells move
      // (periods widened), extended when partners are added (they only append cells).
      const PeriodIndex first_before = part_.first_period;
      const size_t count_before = part_.period_count();
      const bool moves = count_before != 0 && !fixed && (lo < part_.first_period || hi > part_.last_period);
      if (moves) fold(first_before, count_before);
      fit(part_, part_.partner_count(), lo, hi);
      const size_t words = masked_.words();
      if (words && compact_.size() < part_.aggregates.cells() * words) compact_.resize(part_.aggregates.cells() * words, 0);
    }
    if (fixed) return;
    const size_t part_count = part_.period_count();
    for (size_t row = 0; row < n; ++row) {
      if (cells[row] == SIZE_MAX) continue;
      const PeriodIndex p = periods[row];
      cells[row] = p < part_.first_period || p > part_.last_period
                       ? SIZE_MAX  // outside every period the run pays or looks back to
                       : static_cast<size_t>(partners[row]) * part_count + static_cast<size_t>(p - part_.first_period);
    }
  }

  // Keeps the part's earliest and latest lines up to date with the chunk's (its periods lo..hi); false,
  // with the part's span_error set, when they are further apart than the run allows.
  bool within_span(const ledger::Table& chunk, PeriodIndex lo, PeriodIndex hi) {
    auto line_of = [&](PeriodIndex p) {
      const plan::Input& in = plan_.inputs[input_];
      DatedLine at{p, 0, chunk.source.empty() ? in.name : chunk.source, 0};
      for (size_t row = 0; row < chunk.row_count(); ++row) {
        if (rows_.cell[row] == SIZE_MAX || rows_.period[row] != p) continue;  // an unknown partner's, or another period's
        at.day = static_cast<DayNumber>(chunk.columns[in.date_column].values[row]);
        at.line = chunk.line(row);
        break;
      }
      return at;
    };
    if (!part_.earliest || lo < part_.earliest->period) part_.earliest = line_of(lo);
    if (!part_.latest || hi > part_.latest->period) part_.latest = line_of(hi);
    part_.span_error = dated_span_error(s_, *part_.earliest, *part_.latest);
    return !part_.span_error;
  }

  // Adds every cell's compact block into the states, the blocks laid out for the periods first..first +
  // count (the states may be laid out for others by now: a cell is found again by partner and period).
  void fold(PeriodIndex first, size_t count) {
    const size_t words = masked_.words();
    if (!words || count == 0) return;
    CellStates& states = part_.aggregates;
    for (size_t cell = 0; cell * words < compact_.size(); ++cell) {
      uint64_t* block = &compact_[cell * words];
      bool any = false;
      for (size_t w = 0; w < words && !any; ++w) any = block[w] != 0;
      if (!any) continue;
      const size_t partner = cell / count;
      const PeriodIndex period = first + static_cast<PeriodIndex>(cell % count);
      const size_t to = partner * part_.period_count() + static_cast<size_t>(period - part_.first_period);
      AggState* target = &states.states[to * states.slots];
      masked_.fold(block, [target](uint32_t slot) -> AggState& { return target[slot]; });
    }
    compact_.assign(compact_.size(), 0);
  }

 public:
  // The ledger has been read: what the compact blocks hold goes into the states.
  void end() override {
    fold(part_.first_period, part_.period_count());
    add_period_lines();
  }

 private:
  // The period of a day, through a small cache: a ledger's dates span a few hundred days, each met
  // thousands of times, and working out a calendar date is dozens of instructions.
  PeriodIndex period_of(DayNumber day) {
    // The days of the run's periods straight from a table (known periods); any other through the cache.
    const uint64_t at = static_cast<uint64_t>(static_cast<int64_t>(day) - day_periods_first_);
    if (at < day_periods_.size()) return s_.first_period + day_periods_[at];
    DayPeriod& slot = period_cache_[static_cast<uint64_t>(day) % period_cache_.size()];
    if (!slot.known || slot.day != day) slot = DayPeriod{day, s_.periods.of_day(day), true};
    return slot.period;
  }

  // Every aggregate over the ledger, one at a time over the chunk's lines.
  void aggregate(const ledger::Table& chunk) {
    const auto n = static_cast<uint32_t>(chunk.row_count());
    CellStates& states = part_.aggregates;
    const size_t slots = states.slots;
    // The kernels, line by line: a line's states are one block, fetched a few lines ahead (the lines come
    // in no order of partner, so each block is a likely cache miss).
    masked_.bind(chunk);
    const size_t words = masked_.words();
    if (!masked_.empty() || !fast_slots_.empty()) {
      for (uint32_t row = 0; row < n; ++row) {
        if (row + kPrefetch < n && rows_.cell[row + kPrefetch] != SIZE_MAX) {
          // The compact block's cache lines, and the states the other kernels update.
          const size_t ahead = rows_.cell[row + kPrefetch];
          if (words) {
            const char* compact = reinterpret_cast<const char*>(&compact_[ahead * words]);
            for (size_t offset = 0; offset < words * 8; offset += 64) __builtin_prefetch(compact + offset, 1);
            __builtin_prefetch(compact + words * 8 - 1, 1);
          }
          // (A count_distinct's state only for a line that passes its filter: most do not, and the others'
          // states are touched whether the line passes or not.)
          for (size_t k : fast_slots_) {
            const Fast& f = fast_[k];
            if (f.distinct_column && f.masked && (tests_.mask(row + kPrefetch) & f.need) != f.need) continue;
            __builtin_prefetch(&states.states[ahead * slots + mine_[k]], 1);
          }
        }
        const size_t cell = rows_.cell[row];
        if (cell == SIZE_MAX) continue;
        AggState* block = &states.states[cell * slots];
        const uint64_t mask = tests_.mask(row);
        const bool paid = rows_.period[row] >= paid_from_;
        if (words) {
          masked_.line_compact(&compact_[cell * words], [block](uint32_t slot) -> AggState& { return block[slot]; }, mask, row,
                               paid ? SIZE_MAX : back_sums_, paid ? SIZE_MAX : back_counts_);
        }
        const size_t fast_count = paid ? fast_slots_.size() : back_fast_;
        for (size_t i = 0; i < fast_count; ++i) {
          const size_t k = fast_slots_[i];
          run_fast(fast_[k], chunk.columns, row, mask, block[mine_[k]], states.distinct_at(cell, mine_[k]), part_.pool);
        }
      }
    }
    // The others on the VM, one aggregate at a time.
    RowFrame frame(part_, input_, chunk, rows_);
    for (size_t k = 0; k < mine_.size(); ++k) {
      if (fast_[k].usable) continue;
      const plan::Aggregate& agg = plan_.aggregates[mine_[k]];
      for (uint32_t row = 0; row < n; ++row) {
        const size_t cell = rows_.cell[row];
        if (cell == SIZE_MAX || rows_.period[row] < aggregate_from_[k]) continue;
        frame.at(row);
        update(*part_.machine, agg, frame, states.at(cell, mine_[k]), states.distinct_at(cell, mine_[k]));
      }
    }
  }

  // Each line into its group rows: keyed by the partner (the part's index), the period and the group's keys.
  void group(const ledger::Table& chunk) {
    const auto n = static_cast<uint32_t>(chunk.row_count());
    RowFrame frame(part_, input_, chunk, rows_);
    for (size_t k = 0; k < my_groups_.size(); ++k) {
      const plan::Group& g = plan_.groups[my_groups_[k]];
      GroupPartitions& partitions = part_.groups[my_groups_[k]];
      group_masked_[k].bind(chunk);
      // Every line's key and hash first, so that the index's slots can be fetched ahead of the probes.
      const KeyIndex& shape = partitions[0].index;
      const size_t width = shape.width();
      const size_t text_count = shape.text_words().size();
      keys_.resize(static_cast<size_t>(n) * width);
      texts_.resize(static_cast<size_t>(n) * text_count);
      hashes_.resize(n);
      partition_.resize(n);
      how_.resize(n);
      for (uint32_t row = 0; row < n; ++row) {
        if (rows_.cell[row] == SIZE_MAX || rows_.period[row] < group_from_[k]) {
          how_[row] = kLeftOut;
          continue;
        }
        int64_t* key = &keys_[row * width];
        std::string_view* texts = &texts_[row * text_count];
        key[0] = group_cell_word(rows_.partner[row], rows_.period[row]);
        int64_t present = 0;
        for (size_t c = 0, t = 0; c < g.key_columns.size(); ++c) {
          const ledger::Column& column = chunk.columns[g.key_columns[c]];
          key[kGroupKeyColumns + c] = column.values[row];
          if (column.has_value(row)) present |= int64_t{1} << c;
          // A text key by its bytes: the reader's view, or the interned text when a formula needs the column's ids.
          if (column.spec.kind == ledger::ColumnKind::Text) {
            texts[t++] = column.lazy_text() ? column.texts[row] : part_.pool.text(static_cast<uint32_t>(column.values[row]));
          }
        }
        if (width > kGroupKeyColumns + g.key_columns.size()) key[width - 1] = present;
        // An order's lines are usually neighbours: a key equal to the line before's is that line's row,
        // found without hashing or probing (when the line before has a row: a line left out has no key).
        if (row > 0 && how_[row - 1] != kLeftOut && same_words(key, key - width, width) &&
            std::equal(texts, texts + text_count, texts - text_count, ledger::same_text)) {
          how_[row] = kSameAsBefore;
          continue;
        }
        how_[row] = kProbe;
        uint64_t without_partner = 0;
        hashes_[row] = shape.hash(key, texts, &without_partner);
        partition_[row] = static_cast<uint8_t>(partition_of(without_partner));
      }
      presize(partitions, chunk.progress, n);
      GroupData* data_before = nullptr;  // the row of the line before (set when a line is kSameAsBefore)
      uint32_t grow_before = 0;
      for (uint32_t row = 0; row < n; ++row) {
        if (row + kPrefetch < n && how_[row + kPrefetch] == kProbe) partitions[partition_[row + kPrefetch]].index.prefetch(hashes_[row + kPrefetch]);
        if (how_[row] == kLeftOut) continue;
        const bool same = how_[row] == kSameAsBefore;
        GroupData& data = same ? *data_before : partitions[partition_[row]];
        bool fresh = false;
        const uint32_t grow = same ? grow_before : data.index.find_or_add(&keys_[row * width], &texts_[row * text_count], hashes_[row], fresh);
        data_before = &data;
        grow_before = grow;
        if (fresh) data.add_row_storage();
        const size_t first_state = static_cast<size_t>(grow) * data.agg_count;
        if (data.is_compact()) {
          group_masked_[k].line_compact(data.compact[grow],
                                        [&data, first_state](uint32_t f) -> AggState& { return data.spilled[first_state + f]; },
                                        tests_.mask(row), row);
          continue;
        }
        group_masked_[k].line([&data, first_state](uint32_t f) -> AggState& { return data.states[first_state + f]; }, tests_.mask(row), row);
        for (uint32_t f : group_other_[k]) {
          const size_t state = first_state + f;
          const plan::Aggregate& agg = plan_.group_field_aggregates[g.aggregates[f]];
          DistinctSet* distinct = agg.kind == plan::AggregateKind::CountDistinct ? &data.distinct[state] : nullptr;
          if (group_fast_[k][f].usable) {
            run_fast(group_fast_[k][f], chunk.columns, row, tests_.mask(row), data.states[state], distinct, part_.pool);
          } else {
            frame.at(row);
            update(*part_.machine, agg, frame, data.states[state], distinct);
          }
        }
      }
    }
  }

  // A partition's index that the chunk's new keys would make grow is grown at once to the size its rows
  // so far point to, the part having read `progress` of its share of the ledger: a growing index
  // allocates its slots again at every doubling, twice the final table in all, and fresh memory costs
  // as much as the work done in it here. From 2% of the share on (before, the rows say too little), and
  // at most eight times the rows (a ledger whose keys come early).
  void presize(GroupPartitions& partitions, double progress, uint32_t n) {
    if (progress < 0.02) return;
    std::array<size_t, kGroupPartitions> probes{};
    for (uint32_t row = 0; row < n; ++row) probes[partition_[row]] += how_[row] == kProbe;
    for (size_t q = 0; q < kGroupPartitions; ++q) {
      KeyIndex& index = partitions[q].index;
      const size_t rows = index.size() + probes[q];
      if (!index.would_grow(rows)) continue;
      const auto expected = static_cast<size_t>(static_cast<double>(rows) / std::min(progress, 1.0) * 1.1);
      index.reserve(std::min(expected, rows * 8));
    }
  }

  ScanPart& part_;
  const State& s_;
  const plan::Plan& plan_;
  uint32_t input_;
  BadLines bad_;  // the lines it cannot place, said and rejected
  std::vector<uint32_t> mine_, my_groups_;
  std::vector<Fast> fast_;
  MaskedKernels masked_;            // the masked sums and counts among them
  std::vector<size_t> fast_slots_;  // the k (index into mine_) of the other aggregates the kernels run
  // Lines before paid_from_ run only the first back_sums_ / back_counts_ of masked_ and back_fast_ of
  // fast_slots_: the aggregates look-backs read (periods not fixed: every line is paid).
  PeriodIndex paid_from_ = std::numeric_limits<PeriodIndex>::min();
  size_t back_sums_ = 0, back_counts_ = 0, back_fast_ = 0;
  std::vector<std::vector<Fast>> group_fast_;     // per group, per field aggregate
  std::vector<MaskedKernels> group_masked_;       // per group: the fields that are masked sums and counts
  std::vector<std::vector<uint32_t>> group_other_;  // per group: the other fields
  LineTests tests_;
  BigArray<uint64_t> compact_;  // per cell: masked_'s compact block (words() words)
  ChunkRows rows_;
  struct DayPeriod {
    DayNumber day = 0;
    PeriodIndex period = 0;
    bool known = false;
  };
  std::array<DayPeriod, 1024> period_cache_{};
  // Known periods spanning at most kDayPeriods days (a few years): day_periods_first_ + i is in period
  // first_period + day_periods_[i]. A line's period is then one load, with no compare of a cached day.
  static constexpr size_t kDayPeriods = 4096;
  std::vector<uint16_t> day_periods_;
  int64_t day_periods_first_ = 0;
  void make_day_periods() {
    if (!s_.periods_fixed || s_.first_period > s_.last_period || s_.last_period - s_.first_period >= 65536) return;
    const DayNumber first = s_.periods.first_day(s_.first_period), last = s_.periods.last_day(s_.last_period);
    if (last < first || static_cast<size_t>(last - first) >= kDayPeriods) return;
    day_periods_first_ = first;
    day_periods_.resize(static_cast<size_t>(last - first) + 1);
    for (size_t i = 0; i < day_periods_.size(); ++i)
      day_periods_[i] = static_cast<uint16_t>(s_.periods.of_day(static_cast<DayNumber>(first + static_cast<int64_t>(i))) - s_.first_period);
  }
  std::vector<int64_t> keys_;     // group keys of a chunk's lines
  std::vector<std::string_view> texts_;  // their text words
  std::vector<uint64_t> hashes_;  // and their hashes
  std::vector<uint8_t> partition_;  // and partitions
  // How group() finds a line's row: by its key, as the line before's (the same key), or not at all (a
  // line left out of the cells, or of a period the group is not read in).
  enum : uint8_t { kProbe, kSameAsBefore, kLeftOut };
  std::vector<uint8_t> how_;
  std::vector<PeriodIndex> aggregate_from_;  // per mine_: the first period whose lines it takes
  std::vector<PeriodIndex> group_from_;      // per my_groups_
  // Lines per period, counted in a flat window of periods (a map lookup a line was a cache miss a line:
  // the lines come in no order of date), added into the part's map when the ledger ends.
  void count_line(PeriodIndex p) {
    if (period_lines_.empty()) period_lines_base_ = p;
    if (p < period_lines_base_ || p - period_lines_base_ >= static_cast<PeriodIndex>(period_lines_.size())) [[unlikely]] {
      const PeriodIndex from = std::min(p, period_lines_base_);
      const PeriodIndex to = std::max(p, period_lines_base_ + static_cast<PeriodIndex>(period_lines_.size()) - 1);
      if (to - from >= 4096) {  // far from the others: the map
        ++part_.lines_per_period[p];
        return;
      }
      // The window widened to take p: towards earlier periods too (the first line of a ledger in no
      // order of date may well not be of its earliest period).
      period_lines_.insert(period_lines_.begin(), static_cast<size_t>(period_lines_base_ - from), 0);
      period_lines_base_ = from;
      period_lines_.resize(static_cast<size_t>(to - from) + 1, 0);
    }
    ++period_lines_[static_cast<size_t>(p - period_lines_base_)];
  }
  void add_period_lines() {
    for (size_t k = 0; k < period_lines_.size(); ++k) {
      if (period_lines_[k]) part_.lines_per_period[period_lines_base_ + static_cast<PeriodIndex>(k)] += period_lines_[k];
    }
    period_lines_.clear();
  }
  std::vector<uint64_t> period_lines_;
  PeriodIndex period_lines_base_ = 0;
};

}  // namespace

ScanPart::ScanPart(const State& s) : state(s), pool(&s.pool), machine(s.engine.executor()) {
  aggregates.slots = s.plan.aggregates.size();
  aggregates.distinct.resize(s.plan.aggregates.size());
  for (const plan::Group& g : s.plan.groups) groups.push_back(make_group_partitions(s.plan, g));
  unknown.resize(s.plan.inputs.size());
  unknown_keys.resize(s.plan.inputs.size());
  missing_rates.resize(s.plan.inputs.size());
}

std::unique_ptr<ScanSink> ledger_sink(ScanPart& part, uint32_t input) {
  return std::make_unique<LedgerSink>(part, input);
}

}  // namespace rebate::engine
