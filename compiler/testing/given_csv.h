// A test's `given` rows as the CSV text the engine reads: one buffer per declared ledger and table, with
// every declared column in the header (by its CSV header name), the given values written as the CSV
// reader expects a cell of the column's type, and the columns a row leaves out empty. No second reader
// and no second evaluator: the test then runs the real engine on these buffers (test_runner.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "check/checker.h"
#include "plan/plan.h"
#include "source/source.h"

namespace rebate::testing {

// Where the rules read a column, if they do: the first instruction that reads it (a Plan::locations
// index) or the role that makes the engine read it ("the partner of each line").
struct ColumnUse {
  bool read = false;
  uint32_t where = UINT32_MAX;  // Plan::locations index, or UINT32_MAX
  std::string role;             // when `where` is none: why the engine reads it
};

// Per plan input, per column of its spec: whether a run reads it. Ledgers: the partner and date columns,
// the columns formulas read, group keys, lookup keys; tables: the key, the partner attributes, the
// columns looked up.
std::vector<std::vector<ColumnUse>> column_uses(const plan::Plan& plan);

// The literal a test value stands for: itself, or the value of the constant it names (`quarterly_cap`).
const ast::Expr& literal_of(const ast::Expr& value, const TypedProgram& program);

// One CSV cell for a test value of a column: `60_000 USD` -> "60000", `2.5%` -> "2.5%", `gold` ->
// "gold", `"Smith, \"J\""` -> "\"Smith, \"\"J\"\"\"" (quoted as RFC 4180 says). nullopt, with `error`
// set, for a value that is not a literal the runner can write.
std::optional<std::string> csv_cell(const ast::Expr& value, const ledger::ColumnSpec& column, const TypedProgram& program,
                                    std::string& error);

// The CSV text of every input of a test, and where each of its lines came from.
struct GivenInputs {
  std::map<std::string, std::string> buffers;  // input name -> CSV text (every declared input; header only when not given)
  // input name -> per physical line of its buffer (0-based; line 0 the header): the given row's span.
  std::map<std::string, std::vector<Span>> line_spans;
  // Per plan input, per column: true when some given row of the test leaves it out (an empty cell).
  std::vector<std::vector<bool>> left_out;
  std::vector<std::string> errors;  // values that cannot be written; the test is an error
};

// Inputs given inline; an input a `given ... from "PATH"` reads has no buffer (see fixture_paths).
GivenInputs given_inputs(const ast::Test& test, const TypedProgram& program, const plan::Plan& plan);

// The fixtures of a test (`given sales from "fixtures/q3.csv"`): input name -> the file's path, resolved
// against the directory of the program file that holds the test. A fixture that cannot be opened is an
// error naming the `given` line, as is a path that is empty.
struct Fixtures {
  std::map<std::string, std::string> paths;
  std::vector<std::string> errors;
};
Fixtures fixture_paths(const ast::Test& test, const SourceMap& sources);

// A copy of `plan` for running a test: every column some row leaves out and that no rule reads is made
// optional, so that its empty cells are no value instead of an error (a test gives only the columns its
// rules read). A column the rules read and a row leaves out is not touched: the reader names it.
plan::Plan plan_for_test(const plan::Plan& plan, const GivenInputs& given, const std::vector<std::vector<ColumnUse>>& uses);

// The message for the first column the rules read, that is not optional and that some row of the test
// leaves out ("the test gives no `tier` for `partners`, and the rules read it at program.rebate:60:20
// (`partner.tier >= silver`)"), or nullopt.
std::optional<std::string> missing_column(const GivenInputs& given, const plan::Plan& plan,
                                          const std::vector<std::vector<ColumnUse>>& uses);

}  // namespace rebate::testing
