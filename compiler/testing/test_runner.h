// The test runner: runs a program's `test` blocks on the real engine (every engine the build has) and
// compares each `expect` with the payout or award the run produced. Used by `rebate test`
// (cli/test_command.cpp); the reports are in test_report.h.
//
//   test -> given rows as CSV buffers (given_csv.h) -> engine::run per engine -> expectations compared,
//   engines compared with each other -> TestResult
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "check/checker.h"
#include "engine/engine.h"
#include "plan/plan.h"
#include "source/source.h"

namespace rebate::testing {

// An engine that runs plans. Every engine of the build runs every test; their payouts must agree to the cent.
struct Engine {
  std::string name;  // "vm", "jit"
  std::function<engine::RunResult(const plan::Plan&, const engine::RunOptions&)> run;
};

// The engines this build has (runtime/engines), in the order `--engine all` runs them: the bytecode VM,
// then the JIT when the build has it.
std::vector<Engine> built_engines();

enum class Outcome { Pass, Fail, Error };
const char* name(Outcome outcome);  // "pass", "fail", "error"

// A position in a program file.
struct Where {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string text() const;  // "file:line:column"
};

struct ExpectResult {
  Where where;
  std::string source;   // the expect line as written
  std::string target;   // the rebate or award
  bool is_award = false;
  std::string partner;
  std::string period;
  std::string expected;  // "35880.00 USD", "gold"
  std::string actual;    // "" when there is no payout or award
  Outcome outcome = Outcome::Pass;
  std::string message;      // why it failed or is an error
  std::string explanation;  // the actual payout's (or the partner's awards') explanation, as `rebate explain` prints it
};

struct TestResult {
  std::string title;
  Where where;
  Outcome outcome = Outcome::Pass;
  std::vector<ExpectResult> expects;
  std::vector<std::string> errors;  // errors of the test as a whole: a value, a missing column, the engine
  // Payouts or awards on which the engines disagree (beyond those an `expect` names): failures.
  std::vector<std::string> disagreements;
  std::vector<std::string> engines;  // the engines it ran on
  double seconds = 0;
};

// Runs one test of a checked and lowered program on `engines` (at least one). With `coverage`, what the
// first engine's run reached is added to it.
TestResult run_test(const ast::Test& test, const TypedProgram& program, const plan::Plan& plan, const SourceMap& sources,
                    const std::vector<Engine>& engines, engine::Coverage* coverage = nullptr);

}  // namespace rebate::testing
