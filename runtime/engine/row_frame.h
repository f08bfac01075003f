// A ledger line as the VM sees it during the scan (a vm::Frame), the counterpart of cell_frame.h's
// cell: its columns (read directly by the engines that can, vm::LineCells), the rows its lookups found,
// its partner and period as the chunk's placing worked them out. Internal to the scan (scan.cpp).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/state.h"

namespace rebate::engine {

// Where a chunk's lines belong, worked out once per chunk before any aggregate reads them.
struct ChunkRows {
  std::vector<uint32_t> partner;     // the part's partner index
  std::vector<PeriodIndex> period;
  std::vector<size_t> cell;          // in the part's aggregate states; SIZE_MAX: the line is left out
  // By lookup column of the ledger (plan::Input::lookups): the line's row in the table, UINT32_MAX for
  // none (an empty cell). Found once per line when the line is placed, whatever reads it how often.
  std::vector<std::vector<uint32_t>> lookup_row;
};

// A column's cells for direct reads (vm::LineCells), when they are stored as the plan's `specs[column]` says:
// interned, with the plan's kind and scale. Otherwise none, and the loads go through the Frame.
inline vm::ColumnCells column_cells(const ledger::Column& c, const std::vector<ledger::ColumnSpec>& specs, size_t column) {
  if (column >= specs.size()) return {};
  const ledger::ColumnSpec& spec = specs[column];
  if (c.lazy_text() || c.values.empty() || c.spec.kind != spec.kind || c.spec.scale != spec.scale) return {};
  return {c.values.data(), c.present.empty() ? nullptr : c.present.data()};
}

// A ledger line's cell as the VM sees it: a text the reader left uninterned (a lazy column) is interned
// in the part's pool when a formula needs it.
inline Value line_value(ledger::StringPool& pool, const ledger::Column& c, uint32_t row) {
  if (c.lazy_text() && c.has_value(row)) return Value::integer(pool.intern(c.texts[row]));
  return cell_value(c, row);
}

// Loads for functions over one ledger line of a chunk.
class RowFrame : public vm::Frame {
 public:
  RowFrame(ScanPart& part, uint32_t input, const ledger::Table& chunk, const ChunkRows& rows)
      : part_(part), s_(part.state), input_(input), chunk_(chunk), rows_(rows) {
    // The cells for engines that read them directly (vm::LineCells).
    const plan::Plan& plan = s_.plan;
    const plan::Input& in = plan.inputs[input];
    for (size_t c = 0; c < chunk.columns.size(); ++c) columns_.push_back(column_cells(chunk.columns[c], in.spec.columns, c));
    for (size_t k = 0; k < in.lookups.size(); ++k) {
      const uint32_t table = in.lookups[k].second;
      table_columns_.emplace_back();
      for (size_t c = 0; c < s_.tables[table].columns.size(); ++c)
        table_columns_.back().push_back(column_cells(s_.tables[table].columns[c], plan.inputs[table].spec.columns, c));
      lookup_rows_.push_back(rows.lookup_row[k].data());
      lookup_columns_.push_back(table_columns_.back().data());
    }
    line_.columns = columns_.data();
    line_.lookup_rows = lookup_rows_.data();
    line_.lookup_columns = lookup_columns_.data();
    line_.text_ids = s_.text_ids.data();
    cells_ = &line_;
    fx_ = &s_.fx;
    texts_ = &part.pool;
  }
  void at(uint32_t row) {
    row_ = row;
    line_.row = row;
  }

  Value column(uint32_t c) override { return line_value(part_.pool, chunk_.columns[c], row_); }
  Value lookup(uint32_t c, uint32_t table_column) override {
    const std::vector<std::pair<uint32_t, uint32_t>>& lookups = s_.plan.inputs[input_].lookups;
    for (size_t k = 0; k < lookups.size(); ++k) {
      if (lookups[k].first != c) continue;
      const uint32_t row = rows_.lookup_row[k][row_];
      return row == UINT32_MAX ? Value::missing() : s_.cell_value(lookups[k].second, table_column, row);
    }
    return Value::missing();
  }
  Value group_field(uint32_t) override { return Value::missing(); }
  Value partner_attr(uint32_t c) override {
    if (s_.plan.partner_table == UINT32_MAX) return Value::missing();
    uint32_t row = s_.partner_row_in(rows_.partner[row_], rows_.period[row_]);
    return row == UINT32_MAX ? Value::missing() : s_.cell_value(s_.plan.partner_table, c, row);
  }
  Value partner_id() override {
    if (s_.plan.partner_table != UINT32_MAX) return Value::integer(s_.partner_ids[rows_.partner[row_]]);
    return Value::integer(part_.partner_keys[rows_.partner[row_]]);
  }
  Value period() override {
    PeriodIndex p = rows_.period[row_];
    Value v = Value::integer(s_.periods.first_day(p));
    v.aux = s_.periods.last_day(p);
    return v;
  }
  Value measure(uint32_t) override { return Value::missing(); }
  Value shifted(uint32_t, uint32_t) override { return Value::missing(); }
  Value aggregate(uint32_t) override { return Value::missing(); }
  Value decision(uint32_t) override { return Value::missing(); }
  Value text(uint32_t t) override { return Value::integer(s_.text_ids[t]); }
  std::string context() const override {
    return fmt::format("ledger `{}` line {}", s_.plan.inputs[input_].name, chunk_.line(row_));
  }

 private:
  ScanPart& part_;
  const State& s_;
  uint32_t input_;
  const ledger::Table& chunk_;
  const ChunkRows& rows_;
  uint32_t row_ = 0;
  vm::LineCells line_;
  std::vector<vm::ColumnCells> columns_;
  std::vector<std::vector<vm::ColumnCells>> table_columns_;
  std::vector<const uint32_t*> lookup_rows_;
  std::vector<const vm::ColumnCells*> lookup_columns_;
};

}  // namespace rebate::engine
