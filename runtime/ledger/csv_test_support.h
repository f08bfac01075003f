// Shared by the CSV reader's tests (csv_reader_test.cpp, csv_stream_test.cpp, the input sources' tests):
// column specs, the small sales ledger's spec, reading text held in memory, the errors as text, and a
// directory of files for one test.
#pragma once

#include <catch2/catch.hpp>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"

namespace rebate::ledger::csv_test {

// A fresh directory under /tmp for one test, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/rebate_ledger_test_XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

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
