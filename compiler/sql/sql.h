// `rebate compile --target sql`: a checked program's plan as one SQL script that computes the same
// payouts as `rebate run` inside a database (docs/sql.md).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "sql/dialect.h"
#include "sql/tree.h"

namespace rebate::sql {

// What the script's query selects: the payouts (as `rebate run --format csv` writes them), the totals
// per partner and period (`--totals`), the awards (`--awards`) or the metrics (`--metrics`).
enum class Select : uint8_t { Payouts, Totals, Awards, Metrics };

struct SqlOptions {
  const Dialect* dialect = nullptr;
  // Input name -> the table or view that holds it (`--table sales=erp.invoice_lines`); an input not
  // named here is read from the table of its own name. Columns are the CSV headers the program names.
  std::map<std::string, std::string> tables;
  // The periods paid (indexes of engine::Periods), first and last, as `--period` fixes them; none: the
  // program's effective dates.
  std::optional<std::pair<int64_t, int64_t>> periods;
  Select select = Select::Payouts;
};

// The script, or every construct that stops it (each with where it is written).
struct SqlResult {
  std::string script;
  std::vector<Unsupported> unsupported;
};
SqlResult compile_sql(const plan::Plan& plan, const SqlOptions& options);

// `erp.invoice_lines` as a quoted SQL name (`"erp"."invoice_lines"`); nullopt when it is not one or two
// names separated by a dot.
std::optional<std::string> quoted_table_name(const std::string& text);

}  // namespace rebate::sql
