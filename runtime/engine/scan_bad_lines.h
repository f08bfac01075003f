// The scan's malformed lines (ledger lines the reader accepted but the program cannot place): a partner
// not in the partner table (or without a row in force), a lookup key its table does not have, a
// conversion without its rate (with --on-bad-row reject). Each is counted in the part, said as a message
// naming the file, line and column, and with --on-bad-row reject kept for the rejects file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/state.h"

namespace rebate::engine {

class BadLines {
 public:
  BadLines(ScanPart& part, uint32_t input);

  // Whether every lookup column of the line (`sku: skus`) holds a key of its table; the rows found go to
  // lookup_row[k][row]. A key the table does not have is a malformed row whatever the program reads of
  // the table (docs/language.md §5): recorded as an error, or with --on-bad-row reject, left out,
  // counted and written out.
  bool keys_known(const ledger::Table& chunk, size_t row, std::vector<std::vector<uint32_t>>& lookup_row);
  // Whether the line has the rate of every conversion its aggregates make (docs/language.md §24); a line
  // without one is recorded like a line with an unknown key. Only with --on-bad-row reject
  // (checks_rates): otherwise the VM's error names the pair and the day (vm/convert.cpp).
  bool rates_known(const ledger::Table& chunk, size_t row, DayNumber day, PeriodIndex period);
  bool checks_rates() const { return !conversions_.empty(); }  // (only with --on-bad-row reject)
  // A line whose partner is not in the partner table; `outside`: it is, but no row of it is in force in
  // that period (§28).
  void unknown_partner(const ledger::Table& chunk, size_t row, std::optional<std::pair<uint32_t, PeriodIndex>> outside = std::nullopt);

 private:
  // A conversion a line makes, found in the bytecode: the lowering puts the line's currency (Column) or
  // a fixed one (Const) and the day (the date Column) or the Period right before each Convert.
  struct LineConversion {
    uint32_t currency_column = UINT32_MAX;  // the line's Currency column, or UINT32_MAX: `fixed`
    int fixed = 0, to = 0;
    uint32_t mode = 0;  // as Convert's b: 0 the line's date, 1 its period's last day, 2 its period's average
  };
  void find_conversions();
  // One more malformed line in `u`: while the messages are not too many, `what` said of its cell in
  // `column`; with a rejects file, its row as it is in the file, with `reason`.
  void record(ScanPart::Unknown& u, const ledger::Table& chunk, size_t row, size_t column, std::string_view what, std::string_view reason) const;
  // "sales.csv:5:12: column `partner_id` (CSV header "Sold-To Partner"): WHAT": the file, the line and
  // the column of the cell, and the column named both as the program and as the file names it, as the
  // reader's own errors do (a user looks for the header in the file, the name in the program).
  std::string cell_message(const ledger::Table& chunk, size_t row, size_t column, std::string_view what) const;

  ScanPart& part_;
  const State& s_;
  const plan::Plan& plan_;
  uint32_t input_;
  bool many_files_;  // the rejects files name each row's file (State::many_files)
  std::vector<LineConversion> conversions_;  // with --on-bad-row reject: what rates_known checks
};

}  // namespace rebate::engine
