// One walk over the rows of an input read whole and checked row by row before the evaluation (the
// payments, claims and FX inputs): the rows booked after --as-of left out and counted, and an error in
// a row's cell said as `file:line: column `name`: message`, up to a limit per kind of input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/state.h"

namespace rebate::engine {

// The errors found in the rows of one kind of input (every payments input, every claims input), in
// s.result.errors: the first `limit` of them (--max-errors; 0: all, as the ledgers' reader takes it),
// then one line counting the rest (finish). Every error counts, shown or not: one not shown still stops
// the run, never leaving a bad row out silently.
class RowErrors {
 public:
  // `inputs` names the kind in that line: "N more errors in the {inputs} not shown".
  RowErrors(State& s, std::string_view inputs, size_t limit) : s_(s), inputs_(inputs), limit_(limit) {}
  void add(std::string message) {
    if (limit_ == 0 || found_ < limit_) s_.result.errors.push_back(std::move(message));
    ++found_;
  }
  // Adds the line counting the errors not shown, if any; true when there were no errors.
  bool finish();

 private:
  State& s_;
  std::string_view inputs_;
  size_t limit_;
  size_t found_ = 0;
};

// A row of an input read whole, as for_each_row_read hands it over.
struct ReadRow {
  const plan::Input& in;
  const ledger::Table& t;
  const std::string& file;  // the input's file, or its name when read from a buffer
  RowErrors& errors;
  size_t row;

  uint64_t line() const { return t.line(row); }
  // An error in the row's cell of `column`.
  void fail(uint32_t column, std::string_view message) const;
};

// The file an input was read from, as its errors name it: its path, or its name when read from a buffer.
inline std::string file_of(const plan::Input& in, const ledger::Table& t) { return t.source.empty() ? in.name : t.source; }

// A cell as the errors quote it: a Text cell's text, any other's stored integer.
std::string cell_text(const State& s, const ledger::Column& c, size_t row);

// Whether a walk leaves out the rows booked after --as-of (booked_by): payments and claims made after
// it had not been made on that day. An FX table's rates are all read (a period's average needs its
// every day's rate).
enum class AsOf { LeaveOutLater, ReadAll };

// Hands each(const ReadRow&) the rows of input `index` (read whole into s.tables), in file order;
// returns how many were left out as booked after --as-of.
template <class Each>
uint64_t for_each_row_read(State& s, uint32_t index, RowErrors& errors, AsOf as_of, Each&& each) {
  const plan::Input& in = s.plan.inputs[index];
  const ledger::Table& t = s.tables[index];
  const std::string file = file_of(in, t);
  uint64_t after_as_of = 0;
  for (size_t row = 0; row < t.row_count(); ++row) {
    if (as_of == AsOf::LeaveOutLater && !booked_by(in, t, row, s.options.as_of)) {
      ++after_as_of;
      continue;
    }
    each(ReadRow{in, t, file, errors, row});
  }
  return after_as_of;
}

}  // namespace rebate::engine
