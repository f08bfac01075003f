// The engine's working state, shared by its files (inputs, scan, merge, groups, evaluate). Not public.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "core/fx_rates.h"
#include "core/huge_pages.h"
#include "engine/distinct_set.h"
#include "engine/closing.h"
#include "engine/engine.h"
#include "engine/funds.h"
#include "engine/paged_array.h"
#include "engine/partner_history.h"
#include "engine/payments.h"
#include "engine/periods.h"
#include "engine/phase_clock.h"
#include "engine/text_arena.h"
#include "ledger/ledger.h"
#include "ledger/short_text_ids.h"
#include "vm/vm.h"

namespace rebate::engine {

using plan::Value;

// One aggregate's running state for one partner and period (or one group row). 32 bytes: there is one
// per partner, period and aggregate (and per group row and field), and the scan's cost is mostly
// fetching them.
struct AggState {
  // sum/avg: the exact sum (the kernels add int64 cells at the column's scale, the VM adds Decimals);
  // min/max: the best value so far (coefficient).
  Int128 value = 0;
  uint64_t count = 0;    // lines that passed the filter (and had a value)
  int32_t aux = 0;       // min/max: the best value's aux (a day number: a period's last day)
  int16_t scale = 0;     // of `value`
  bool has_best = false;

  Decimal sum() const { return Decimal::from_scaled(value, scale); }
  void set_sum(const Decimal& d) {
    value = d.coefficient();
    scale = static_cast<int16_t>(d.scale());
  }
  Value best() const { return Value{value, aux, scale, false}; }
  void set_best(const Value& v) {
    value = v.coef;
    // A value's aux is a day number or a duration's unit: it fits (DayNumber is 32 bits).
    if (v.aux != static_cast<int32_t>(v.aux)) throw std::logic_error("an aggregate's value has an aux beyond 32 bits");
    aux = static_cast<int32_t>(v.aux);
    scale = v.scale;
    has_best = true;
  }
};
static_assert(sizeof(AggState) == 32);

DistinctKey distinct_key(const Value& v);

template <class T>
using BigArray = std::vector<T, HugePageAllocator<T>>;  // randomly accessed: on huge pages when big

// Aggregate states of partners x periods, cell-major: a cell's states (one per plan aggregate) side by
// side, so that a ledger line updates one block of neighbouring states instead of one state in each of
// a dozen tables. Cells are partner-major: cell = partner * periods + (period - first period).
struct CellStates {
  size_t slots = 0;           // states per cell: one per plan aggregate
  BigArray<AggState> states;  // states[cell * slots + aggregate]
  std::vector<std::vector<DistinctSet>> distinct;  // count_distinct aggregates: per aggregate, per cell (else empty)

  size_t cells() const { return slots ? states.size() / slots : 0; }
  AggState& at(size_t cell, uint32_t a) { return states[cell * slots + a]; }
  const AggState& at(size_t cell, uint32_t a) const { return states[cell * slots + a]; }
  DistinctSet* distinct_at(size_t cell, uint32_t a) { return distinct[a].empty() ? nullptr : &distinct[a][cell]; }
  const DistinctSet* distinct_at(size_t cell, uint32_t a) const { return distinct[a].empty() ? nullptr : &distinct[a][cell]; }
};

// Finds the row of a fixed-width key of int64s (partner, period, the group's key columns) without
// allocating per lookup: open addressing over a flat array of keys. Some words of a key may be texts
// (a group by an order id): those are compared and hashed by their bytes, which the index keeps in its
// own arena (the word stores the text's handle there), so a text needs no string pool id.
class KeyIndex {
 public:
  // `text_words`: the positions of the key's text words, ascending.
  explicit KeyIndex(size_t width = 1, std::vector<uint32_t> text_words = {})
      : width_(width), text_words_(std::move(text_words)), cell_and_text_(width_ == 2 && text_words_ == std::vector<uint32_t>{1}) {}
  // The row of `key`, adding it as the next row when it is new (`fresh` says so). `texts[t]` is the
  // text of the t-th text word (the word itself is ignored); nullptr when the key has no text word.
  uint32_t find_or_add(const int64_t* key, const std::string_view* texts, uint64_t hash, bool& fresh);
  uint32_t find_or_add(const int64_t* key, bool& fresh) { return find_or_add(key, nullptr, hash(key, nullptr), fresh); }
  // The key's hash. `without_first`, when given, gets the hash of the key without its first word (a group
  // row's key without its cell word, whose partner a merge may number anew): it picks the row's partition.
  uint64_t hash(const int64_t* key, const std::string_view* texts, uint64_t* without_first = nullptr) const {
    // The usual group key, a cell word and one text (an order id), inline: the same hash as the general
    // loop gives it, without the loop.
    if (cell_and_text_) {
      uint64_t h = (kHashSeed ^ text_hash(texts[0])) * kHashMultiplier;
      if (without_first) *without_first = h ^ (h >> 31);
      h = (h ^ static_cast<uint64_t>(key[0])) * kHashMultiplier;
      return h ^ (h >> 29);
    }
    return hash_any(key, texts, without_first);
  }
  // The hash of any key, word by word (what hash() gives every key).
  uint64_t hash_any(const int64_t* key, const std::string_view* texts, uint64_t* without_first = nullptr) const;
  static constexpr uint64_t kHashSeed = 0x9E3779B97F4A7C15ull, kHashMultiplier = 0xBF58476D1CE4E5B9ull;
  // A text word's part of a key's hash. The usual key text (an order id) is at most 16 bytes: hashed from
  // the two loads that name it (ShortTextIds::key_of), where the pool's hash loops over its bytes.
  static uint64_t text_hash(std::string_view text) {
    ledger::ShortTextIds::Key k;
    if (!ledger::ShortTextIds::key_of(text, k)) return ledger::StringPool::hash(text);
    return (k.w0 * 0x9E3779B97F4A7C15ull) ^ ((k.w1 ^ k.size) * 0xC2B2AE3D27D4EB4Full);
  }
  // The row of `key`, or UINT32_MAX when it has none.
  uint32_t find(const int64_t* key, const std::string_view* texts, uint64_t hash) const;
  void prefetch(uint64_t hash) const;
  // found(other_row, row) for every row of `other`, an index of the same shape whose key words mean the
  // same (a merge's second part, its partners numbered as the first's), in the order of other's slots:
  // `row` is the row here with the same key, or UINT32_MAX. A row's slot keeps its hash's top half, which
  // finds its slot here too: no key is read or hashed again but where the tags match.
  template <class Found>
  void match_rows_of(const KeyIndex& other, Found&& found) const {
    constexpr size_t kAhead = 16;
    const size_t n = other.slots_.size();
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n && other.slots_[i + kAhead] != 0) prefetch(other.slots_[i + kAhead]);
      const uint64_t entry = other.slots_[i];
      if (entry == 0) continue;
      const auto other_row = static_cast<uint32_t>(entry) - 1;
      found(other_row, find_row_of(entry >> 32 << 32, other, other_row));
    }
  }
  // Room for `rows` rows without growing on the way (a merge knows how many may come).
  void reserve(size_t rows);
  // Rewrites every row's first word (`word_of(old)`: a merge renumbering a part's partners) and finds
  // the rows' slots again from their new hashes.
  template <class WordOf>
  void rewrite_first_words(WordOf&& word_of) {
    for (size_t row = 0; row < rows_; ++row) keys_[row * width_] = word_of(keys_[row * width_]);
    reslot();
  }
  // Whether `rows` rows need a larger table than the index has.
  bool would_grow(size_t rows) const { return (rows + 1) * 4 > slots_.size() * 3; }
  size_t size() const { return rows_; }
  size_t width() const { return width_; }
  const std::vector<uint32_t>& text_words() const { return text_words_; }
  int64_t key(size_t row, size_t i) const { return keys_[row * width_ + i]; }
  // Word i of a row's key when it is a text word.
  std::string_view text(size_t row, size_t i) const { return texts_.text(static_cast<uint64_t>(key(row, i))); }

 private:
  size_t slot_of(uint64_t hash) const;
  bool same(uint32_t row, const int64_t* key, const std::string_view* texts) const;
  // The row whose key is `other`'s row `other_row`, found by the tag (the hash's top half) both gave it.
  uint32_t find_row_of(uint64_t tag, const KeyIndex& other, uint32_t other_row) const;
  void grow();
  void rehash(size_t capacity);
  void reslot();
  size_t width_;
  std::vector<uint32_t> text_words_;
  bool cell_and_text_;  // the key is a cell word and one text word
  unsigned bits_ = 0;  // the table has 1 << bits_ slots
  size_t rows_ = 0;
  PagedArray<int64_t> keys_;  // row r's key at [r * width, (r + 1) * width)
  TextArena texts_;           // the text words' bytes, in the order the rows were added
  // (the key's hash's top 32 bits << 32) | (row + 1); 0 = free. The hash part skips most key compares.
  BigArray<uint64_t> slots_;
};

// A group's rows, stored flat. A row's key in the index is its cell (group_cell_word: the partner and the
// period in one word), the group's key columns' values (a text column by its bytes) and, when a key
// column is optional, a word of presence bits (bit c: column c has a value); then one state per field
// aggregate. Rows are only appended.
//
// The cell word holds the partner in its low 32 bits and the period in its high 32 (a period index fits:
// periods are counted from day 0 in whole days at least, and a day number is 32 bits). The key columns
// start at word kGroupKeyColumns.
constexpr size_t kGroupKeyColumns = 1;
inline int64_t group_cell_word(uint32_t partner, PeriodIndex period) {
  return static_cast<int64_t>(static_cast<uint64_t>(static_cast<uint32_t>(static_cast<int32_t>(period))) << 32 | partner);
}
// Where a group's fields are kept when every one is a masked sum or count (the usual case: an order's
// hardware and support values): per row a compact block of `words` words (int64 sums, then uint32 counts),
// instead of a 32-byte AggState per field; what would overflow a word is kept aside as an AggState.
struct CompactLayout {
  struct Field {
    bool sum = false;     // else a count
    uint32_t index = 0;   // the field's sum (or count) among the block's sums (or counts)
    int16_t scale = 0;    // a sum's scale (the summed column's)
    uint32_t where = 0;   // the field aggregate's place in the source (an overflow's error names it)
  };
  std::vector<Field> fields;  // by field aggregate
  size_t sums = 0;            // int64 words before the counts
  size_t words = 0;           // a row's block
};

struct GroupData {
  KeyIndex index;
  size_t key_count = 0;    // key columns
  size_t agg_count = 0;    // field aggregates
  PagedArray<AggState> states;     // rows x agg_count (empty when compact)
  std::unordered_map<size_t, DistinctSet> distinct;  // state index -> set, for count_distinct fields
  std::shared_ptr<const CompactLayout> compact_layout;  // set: the fields are kept compact
  PagedBlocks compact;                                  // a block of compact_layout->words a row
  std::unordered_map<size_t, AggState> spilled;         // state index -> what did not fit its compact word
  bool is_compact() const { return compact_layout != nullptr; }
  // The fields kept compact from here on (before any row).
  void keep_compact(std::shared_ptr<const CompactLayout> layout) {
    compact = PagedBlocks(layout->words);
    compact_layout = std::move(layout);
  }
  // Field f of a row as a state (compact or not).
  AggState field_state(size_t row, size_t f) const;
  // Room for one more row's fields.
  void add_row_storage() {
    if (is_compact()) {
      compact.add();
    } else {
      states.resize(states.size() + agg_count);
    }
  }
  size_t rows() const { return index.size(); }
  uint32_t partner(size_t row) const { return static_cast<uint32_t>(index.key(row, 0)); }
  PeriodIndex period(size_t row) const { return static_cast<int32_t>(static_cast<uint64_t>(index.key(row, 0)) >> 32); }
};

// A group's rows in partitions by the hash of their key without the cell word (partner and period), so
// that the run's threads merge and finish them side by side, each partition a task. Their number is
// fixed, whatever the thread count (enough for 64 threads to share them out): the rows of a partition are
// in the order their keys first appear in the ledger, and the partitions are met in order, whatever
// --threads, so what a run computes, and the first error it meets, do not depend on it.
constexpr size_t kGroupPartitions = 64;
using GroupPartitions = std::array<GroupData, kGroupPartitions>;
// `without_partner`: KeyIndex::hash's `without_first`. (Its low bits: the high ones pick the slot.)
inline size_t partition_of(uint64_t without_partner) { return static_cast<size_t>(without_partner & (kGroupPartitions - 1)); }

// A partition of a group once the scan's parts are merged: each part's rows of that partition, a segment
// per part in the parts' order (the file's), kept where the scan put them. A key met in several parts is
// the row of the first segment that has it: a later part's row of that key has its states added into
// that row and is skipped, as is a row outside every period the run pays or looks back to. The rows not
// skipped, segment after segment, are in the order their keys first appear in the ledger.
struct MergedPartition {
  std::vector<GroupData> segments;
  std::vector<std::vector<uint8_t>> skipped;  // per segment, per row: 1 = skipped (empty: none is)
  bool empty() const {
    for (const GroupData& d : segments) {
      if (d.rows() > 0) return false;
    }
    return true;
  }
  bool skips(size_t segment, size_t row) const { return !skipped[segment].empty() && skipped[segment][row] != 0; }
};
using MergedGroup = std::array<MergedPartition, kGroupPartitions>;

// An empty group's storage for plan group `g` over its ledger.
GroupData make_group(const plan::Plan& plan, const plan::Group& g);
GroupPartitions make_group_partitions(const plan::Plan& plan, const plan::Group& g);
// The value of key column `c` (0-based among the group's key columns) of a row, as the VM sees it (a
// text interned in `pool`).
Value group_key(const plan::Plan& plan, const plan::Group& g, const GroupData& data, size_t row, size_t c, ledger::StringPool& pool);

// Thrown by the read when an N-thread read's guessed cut fell inside a quoted cell
// (ledger::ReadResult::split_missed): what the scan computed is not the file's, and run() runs again
// with exact splits.
struct SplitMissed {};

struct DetailLines;

// `rebate run --as-of DATE` reads what was booked by that date: a line of a ledger with an `as booked`
// column is read when that day is on or before DATE, a line of a ledger without one when its `as date`
// is (a line cannot be booked before the day it is dated). Without --as-of every line is read.
inline bool booked_by(const plan::Input& in, const ledger::Table& chunk, size_t row, const std::optional<DayNumber>& as_of) {
  if (!as_of) return true;
  const uint32_t c = in.booked_column != UINT32_MAX ? in.booked_column : in.date_column;
  return static_cast<DayNumber>(chunk.columns[c].values[row]) <= *as_of;
}

struct State {
  const plan::Plan& plan;
  const RunOptions& options;
  RunResult& result;
  Periods periods;
  // The plan prepared by the engine the run chose (RunOptions::engine), and the executor of the run's
  // own thread; scan parts and evaluation threads ask `engine` for their own.
  const vm::Engine& engine;
  std::unique_ptr<vm::Executor> machine;
  ledger::StringPool pool;
  std::vector<ledger::Table> tables;                  // by input (a ledger's: its columns, no rows: it is streamed)
  std::vector<uint32_t> text_ids;                     // plan.texts interned
  // Partners, sorted by id.
  std::vector<uint32_t> partner_ids;                  // string ids (or ints as text) by partner index
  std::unordered_map<int64_t, uint32_t> partner_by_key;  // key value (string id / int) -> partner index
  std::vector<uint32_t> partner_of_text;  // text keys: string id -> partner index (UINT32_MAX: none), for the scan
  std::vector<uint32_t> partner_row;                  // partner index -> row in the partner table (UINT32_MAX: none)
  PartnerHistory history;                             // a partner table with `valid_from` (§28): the rows by partner and time
  // Lookup tables: input -> key value -> row.
  std::vector<std::unordered_map<int64_t, uint32_t>> table_rows;
  // Ledger indexes (ledger_index.h): input -> row -> the partner key of the line (as partner_by_key's).
  std::vector<std::vector<int64_t>> index_partner;
  PeriodIndex first_period = 0, last_period = -1;     // the aggregates' periods
  // Known before the scan (effective dates or --period), or taken from the data after it.
  bool periods_fixed = false;
  std::vector<PeriodIndex> run_periods;
  // The first period each plan aggregate is read in (the first paid period, less its look-backs), and
  // each group (the earliest of the aggregates over it); past last_period: never. Used by the scan when
  // periods_fixed.
  std::vector<PeriodIndex> aggregate_from;
  std::vector<PeriodIndex> group_from;
  CellStates aggregates;                              // every plan aggregate, per partner and period
  std::vector<MergedGroup> groups;                    // by plan group
  // Groups read over a window of several periods (year_to_date of a measure over the group): their rows
  // stay after the finish, each partner's listed, so that the window forms its groups again from all its
  // lines (an order with lines in Q1 and Q2 is one order of the year to date; docs/language.md §8).
  struct GroupRowRef {
    uint32_t partition;
    uint32_t segment;
    size_t row;
  };
  std::vector<uint8_t> group_windowed;                            // by plan group: 1 = rows kept
  std::vector<std::vector<std::vector<GroupRowRef>>> group_rows;  // by plan group, then partner
  PaymentsIndex payments;                             // what the payments inputs say was paid (payments.h)
  FundClaims fund_claims;                             // the funds' claims, by fund and partner (funds.h)
  // Closed periods (closing.h): set when the run closes some; the lines booked late for them, by partner
  // and closed period; and with closing, the periods --period or the effective dates asked for (the run
  // pays the open ones, chosen after the scan: the closed ones re-run need their cells too).
  std::optional<Closing> closing;
  std::map<std::pair<uint32_t, PeriodIndex>, uint64_t> late_lines;
  std::optional<std::vector<PeriodIndex>> requested_periods;
  FxRates fx;                                         // the FX table's rates, for `convert` (fx.cpp)
  PhaseClock* clock = nullptr;                        // --timings: where load_inputs marks the end of reading
  std::shared_ptr<DetailLines> detail;                // --detail: the partner's ledger lines (engine/detail.h)

  State(const plan::Plan& p, const RunOptions& o, RunResult& r, const vm::Engine& e)
      : plan(p), options(o), result(r), periods(p), engine(e), machine(e.executor()) {}

  size_t period_count() const { return last_period >= first_period ? static_cast<size_t>(last_period - first_period + 1) : 0; }
  // The cell of a partner and period in the aggregates' states, or SIZE_MAX outside their periods.
  size_t cell(uint32_t partner, PeriodIndex period) const {
    if (period < first_period || period > last_period) return SIZE_MAX;
    return static_cast<size_t>(partner) * period_count() + static_cast<size_t>(period - first_period);
  }
  // The partner table's row a formula of `partner` in `period` reads (UINT32_MAX: none): the one row of
  // the partner, or with history the row in force then, or the nearest (partner_history.h).
  uint32_t partner_row_in(uint32_t partner, PeriodIndex period) const {
    if (!history.on()) return partner_row[partner];
    return history.row_in(partner, periods.first_day(period), periods.last_day(period), true);
  }
  // Whether `partner` is a partner in `period`: in the table, and with history a row of it in force then.
  bool partner_in(uint32_t partner, PeriodIndex period) const {
    return !history.on() || history.row_in(partner, periods.first_day(period), periods.last_day(period), false) != UINT32_MAX;
  }
  std::string partner_name(uint32_t partner) const { return std::string(pool.text(partner_ids[partner])); }
  // A table's cell (tables are read whole; ledgers are streamed and read through their chunks).
  Value cell_value(uint32_t input, uint32_t column, uint32_t row) const;
  std::string location_text(uint32_t where) const;
  // The input is read from many files (a directory, a glob): its rejects files name each row's file.
  bool many_files(uint32_t input) const;
};

// A stored cell as the VM sees it (absent: missing).
Value cell_value(const ledger::ColumnSpec& spec, int64_t stored, bool present);
inline Value cell_value(const ledger::Column& c, size_t row) { return cell_value(c.spec, c.values[row], c.has_value(row)); }

// A ledger line by its date, for messages about the span of the ledgers' dates.
struct DatedLine {
  PeriodIndex period = 0;
  DayNumber day = 0;
  std::string file;
  uint64_t line = 0;
};

// Without `effective` dates or --period a run pays every period from its first line's to its last's: one
// line dated decades away (a typo) would make that thousands of periods for every partner. The error
// naming both lines when they are further apart than RunOptions::max_span_years, else nullopt.
std::optional<std::string> dated_span_error(const State& s, const DatedLine& earliest, const DatedLine& latest);

// One thread's share of the ledgers' scan: its own aggregates, groups, VM and texts, over the part of
// each ledger its thread reads. Parts are merged into the State when every ledger has been read.
struct ScanPart {
  explicit ScanPart(const State& s);  // scan.cpp; the State's pool must not change while parts exist
  const State& state;
  ledger::StringPool pool;  // an overlay on state.pool: the texts this part met first
  std::unique_ptr<vm::Executor> machine;
  // Partners: with a partner table, a partner's index is the State's; without one, the part numbers the
  // partners it meets (local index -> the ledger's key value: a text id in `pool`, or an integer).
  std::vector<int64_t> partner_keys;
  std::unordered_map<int64_t, uint32_t> partner_of_key;
  // The cells' periods: the State's when they are fixed, else widened to each line's period.
  PeriodIndex first_period = 0, last_period = -1;
  CellStates aggregates;  // laid out as the State's (the aggregates over groups stay empty here)
  std::vector<GroupPartitions> groups;
  // Lines per period (lines of known partners), so that the merge can count what the run leaves out.
  std::map<PeriodIndex, uint64_t> lines_per_period;
  uint64_t outside_effective = 0;
  uint64_t outside_effective_paid = 0;         // of those, lines in a paid period (they count there)
  uint64_t outside_effective_looked_back = 0;  // lines before the paid periods that look-backs read
  uint64_t booked_after_as_of = 0;  // lines left unread: booked after --as-of (booked_by)
  // Closed periods: lines booked after the close, by (partner as the part numbers it, closed period).
  std::map<std::pair<uint32_t, PeriodIndex>, uint64_t> late_lines;
  // Lines whose partner is not in the partner table: by input, their count, the first messages, and
  // (with --on-bad-row reject) the rows as CSV for the rejects file.
  struct Unknown {
    uint64_t count = 0;
    std::vector<std::string> messages;
    std::string rows;
  };
  std::vector<Unknown> unknown;
  // Lines whose lookup column (`sku: skus`) holds a key its table does not have, likewise.
  std::vector<Unknown> unknown_keys;
  // With --on-bad-row reject: lines a conversion of their own (`convert(amount, ...)` inside an aggregate)
  // has no exchange rate for, likewise (without it a missing rate is a runtime error: vm/convert.cpp).
  std::vector<Unknown> missing_rates;
  // The first runtime error of the part (file order); the part reads on but computes nothing more.
  std::optional<vm::EvalError> error;
  // Without fixed periods: the part's earliest and latest lines (of known partners), and the error when
  // they are further apart than the run allows (dated_span_error); the part then computes nothing more.
  std::optional<DatedLine> earliest, latest;
  std::optional<std::string> span_error;

  size_t period_count() const { return last_period >= first_period ? static_cast<size_t>(last_period - first_period + 1) : 0; }
  size_t partner_count() const { return state.plan.partner_table != UINT32_MAX ? state.partner_ids.size() : partner_keys.size(); }
};

// inputs.cpp: tables, partners, periods, then every ledger streamed through the scan (false: errors)
bool load_inputs(State& s);
// inputs.cpp: the run's periods and the aggregates' periods from the ledger lines' periods (lines per
// period), when the program's effective dates and --period leave them open.
void choose_periods(State& s, const std::map<PeriodIndex, uint64_t>& lines);
// scan.cpp: the sink that updates one part's aggregates and groups from a ledger's chunks of rows
// A sink of a ledger's rows that is told when the ledger has been read (to put away what it keeps aside).
class ScanSink : public ledger::RowSink {
 public:
  virtual void end() = 0;
};
std::unique_ptr<ScanSink> ledger_sink(ScanPart& part, uint32_t input);
// line_notes.cpp: the notes (and the Summary's counts) saying where the ledger lines went, each line
// told once, and which paid periods have no line; `lines`: the lines per period
void note_lines(State& s, const std::map<PeriodIndex, uint64_t>& lines);
// merge.cpp: the parts' partners, periods, aggregates and groups brought into the State
void merge_parts(State& s, std::vector<std::unique_ptr<ScanPart>>& parts);
// groups.cpp: group rows' fields, then the aggregates over groups; the group rows are freed after, but
// for the groups read over several periods at once
void finish_groups(State& s);
// window_groups.cpp: aggregate `a` over group rows of `partner` formed over the periods first..last together
// (rows of one key in several periods are one row), for a group kept by finish_groups
Value window_group_aggregate(const State& s, uint32_t a, uint32_t partner, PeriodIndex first, PeriodIndex last,
                             vm::Executor& machine);
// scan.cpp: an aggregate's value from its state (count_distinct: the set's size)
Value finish(const AggState& st, const DistinctSet* distinct, plan::AggregateKind kind);
// One line's (or group row's) value into an aggregate's state; `where` names the line for errors.
// `frame.context()` names it only if the value does not fit (building the name costs more than adding).
void accumulate(AggState& st, DistinctSet* distinct, const plan::Aggregate& agg, const Value& v, const vm::Frame& frame);
// merge.cpp: adds state `from` into `into` (both of aggregate `agg`), exactly.
void merge_state(AggState& into, const AggState& from, const plan::Aggregate& agg);
// The exact sum of a state.
Decimal total(const AggState& st);
// evaluate.cpp: the batch driver; each cell by a CellEvaluator (cell_evaluator.h)
void evaluate(State& s, PayoutSink& sink);


}  // namespace rebate::engine
