// Reports of a `rebate test` run: human text (one line per test, details under a failure, a summary
// line), JSON and JUnit XML. The shapes are documented in docs/language.md §15.
#pragma once

#include <string>
#include <vector>

#include "core/markup.h"
#include "testing/coverage_report.h"
#include "testing/test_runner.h"

namespace rebate::testing {

// One program file: its tests' results, or why it could not run them.
struct ProgramResult {
  std::string file;
  std::string title;                // the program's title
  bool compiled = true;             // false: errors in the program; no test ran
  std::string diagnostics;          // the rendered errors when it did not compile
  std::vector<TestResult> tests;    // in source order (those --filter kept; with --fail-fast, up to the first failure)
};

struct Totals {
  size_t passed = 0;
  size_t failed = 0;  // failures and errors
  size_t errors = 0;  // of which errors (a program that does not compile is one)
  size_t programs = 0;
  size_t not_compiled = 0;
};
Totals totals(const std::vector<ProgramResult>& programs);

// "PASS file:line title", then for a failure or an error what went wrong (indented).
std::string human_test(const TestResult& test);
// "12 passed, 1 failed" (errors are counted as failed; said after it when there are any), the programs and engines.
std::string human_summary(const Totals& totals, const std::vector<std::string>& engines);

// {"engines": [...], "summary": {...}, "programs": [{"file", "title", "compiled", "diagnostics", "tests": [...]}]}
// With `coverage`, a "coverage" member holds coverage_json's report (coverage_report.h).
std::string json_report(const std::vector<ProgramResult>& programs, const std::vector<std::string>& engines,
                        const std::vector<ProgramCoverage>* coverage = nullptr);

// <testsuites><testsuite name=FILE><testcase name=TITLE classname=FILE time=S><failure|error message type>...
std::string junit_report(const std::vector<ProgramResult>& programs, const std::vector<std::string>& engines);

// The report's texts are written with xml_escape (core/markup.h).
using rebate::xml_escape;

}  // namespace rebate::testing
