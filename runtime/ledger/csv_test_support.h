// Shared by the CSV reader's tests (csv_reader_test.cpp, csv_stream_test.cpp): column specs, the small
// sales ledger's spec, reading text held in memory, and the errors as text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"

namespace rebate::ledger::csv_test {

inline ColumnSpec col(std::string name, ColumnKind kind, int scale = 0, bool optional = false, std::string header = {}) {
  ColumnSpec c;
  c.name = name;
  c.header = header.empty() ? name : header;
  c.kind = kind;
  c.scale = scale;
  c.optional = optional;
  if (kind == ColumnKind::Money) c.currency = "USD";
  if (kind == ColumnKind::Enum) c.enum_members = {"bronze", "silver", "gold"};
  return c;
}

// A small sales ledger: date, partner, amount (Money, 4 places), quantity.
inline TableSpec sales_spec() {
  return TableSpec{"sales",
                   {col("date", ColumnKind::Date), col("partner", ColumnKind::Text),
                    col("amount", ColumnKind::Money, 4), col("qty", ColumnKind::Int)}};
}

inline ReadResult read(std::string_view text, const TableSpec& spec, StringPool& pool, ReadOptions options = {}) {
  return read_csv_buffer(text, "sales.csv", spec, options, pool);
}

inline std::vector<std::string> errors_of(const ReadResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.to_string());
  return out;
}

}  // namespace rebate::ledger::csv_test
