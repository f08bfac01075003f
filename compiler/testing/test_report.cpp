// Human, JSON and JUnit reports of test results; see test_report.h.
#include "testing/test_report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace rebate::testing {

namespace {

std::string indented(const std::string& text, const std::string& by) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += by + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

// What went wrong in a test, as the human report and the JUnit body show it.
std::string details(const TestResult& t) {
  std::string out;
  for (const std::string& e : t.errors) out += "error: " + e + "\n";
  for (const std::string& d : t.disagreements) out += d + "\n";
  for (const ExpectResult& x : t.expects) {
    if (x.outcome == Outcome::Pass) continue;
    out += fmt::format("{}: {}\n", x.where.text(), x.source);
    if (x.outcome == Outcome::Error) {
      out += "  error: " + x.message + "\n";
    } else {
      out += fmt::format("  expected: {}\n  actual:   {}\n", x.expected, x.actual);
      if (x.message.find("engines disagree") != std::string::npos) out += "  " + x.message + "\n";
    }
    if (!x.explanation.empty()) {
      out += x.outcome == Outcome::Error ? "  what the run computed for the partner:\n" : "  how the actual value came about:\n";
      out += indented(x.explanation, "    ");
    }
  }
  return out;
}

// The first line of what went wrong: a JUnit failure's message.
std::string headline(const TestResult& t) {
  if (!t.errors.empty()) return t.errors.front();
  if (!t.disagreements.empty()) return t.disagreements.front();
  for (const ExpectResult& x : t.expects) {
    if (x.outcome != Outcome::Pass) return fmt::format("{}: {}", x.where.text(), x.message);
  }
  return "";
}

std::string seconds(double s) { return fmt::format("{:.3f}", s); }

}  // namespace

Totals totals(const std::vector<ProgramResult>& programs) {
  Totals t;
  for (const ProgramResult& p : programs) {
    ++t.programs;
    if (!p.compiled) {
      // A program that does not compile counts as one failed test (an error): no CI reads it as a success.
      ++t.not_compiled;
      ++t.failed;
      ++t.errors;
    }
    for (const TestResult& r : p.tests) {
      if (r.outcome == Outcome::Pass) {
        ++t.passed;
      } else {
        ++t.failed;
        if (r.outcome == Outcome::Error) ++t.errors;
      }
    }
  }
  return t;
}

std::string human_test(const TestResult& t) {
  const char* word = t.outcome == Outcome::Pass ? "PASS" : t.outcome == Outcome::Fail ? "FAIL" : "ERROR";
  std::string out = fmt::format("{} {}:{} {}\n", word, t.where.file, t.where.line, t.title);
  if (t.outcome != Outcome::Pass) out += indented(details(t), "  ");
  return out;
}

std::string human_summary(const Totals& t, const std::vector<std::string>& engines) {
  std::string out = fmt::format("{} passed, {} failed", t.passed, t.failed);
  if (t.errors) out += fmt::format(" ({} of them {})", t.errors, t.errors == 1 ? "an error" : "errors");
  out += fmt::format(", in {} program{}", t.programs, t.programs == 1 ? "" : "s");
  if (t.not_compiled) out += fmt::format(", {} of which {} not compile", t.not_compiled, t.not_compiled == 1 ? "does" : "do");
  std::string names;
  for (const std::string& e : engines) names += (names.empty() ? "" : ", ") + e;
  out += fmt::format(" (engine{}: {})", engines.size() == 1 ? "" : "s", names);
  return out;
}

std::string json_report(const std::vector<ProgramResult>& programs, const std::vector<std::string>& engines,
                        const std::vector<ProgramCoverage>* coverage) {
  using json = nlohmann::ordered_json;  // keys in the documented order
  const Totals t = totals(programs);
  json out;
  out["engines"] = engines;
  out["summary"] = {{"passed", t.passed},
                    {"failed", t.failed - t.errors},
                    {"errors", t.errors},
                    {"programs", t.programs},
                    {"programs_not_compiling", t.not_compiled}};
  json list = json::array();
  for (const ProgramResult& p : programs) {
    json prog = {{"file", p.file}, {"title", p.title}, {"compiled", p.compiled}};
    if (!p.compiled) prog["diagnostics"] = p.diagnostics;
    json tests = json::array();
    for (const TestResult& r : p.tests) {
      json test = {{"name", r.title},
                   {"file", r.where.file},
                   {"line", r.where.line},
                   {"result", name(r.outcome)},
                   {"seconds", r.seconds},
                   {"engines", r.engines},
                   {"errors", r.errors},
                   {"disagreements", r.disagreements}};
      json expects = json::array();
      for (const ExpectResult& x : r.expects) {
        json e = {{"location", x.where.text()},
                  {"source", x.source},
                  {"kind", x.is_award ? "award" : "rebate"},
                  {"name", x.target},
                  {"partner", x.partner},
                  {"period", x.period},
                  {"expected", x.expected},
                  {"actual", x.actual.empty() ? json(nullptr) : json(x.actual)},
                  {"result", name(x.outcome)}};
        if (!x.message.empty()) e["message"] = x.message;
        if (x.outcome != Outcome::Pass && !x.explanation.empty()) e["explanation"] = x.explanation;
        expects.push_back(std::move(e));
      }
      test["expects"] = std::move(expects);
      tests.push_back(std::move(test));
    }
    prog["tests"] = std::move(tests);
    list.push_back(std::move(prog));
  }
  out["programs"] = std::move(list);
  if (coverage) out["coverage"] = json::parse(coverage_json(*coverage));
  return out.dump(2) + "\n";
}

std::string junit_report(const std::vector<ProgramResult>& programs, const std::vector<std::string>& engines) {
  std::string engine_list;
  for (const std::string& e : engines) engine_list += (engine_list.empty() ? "" : ", ") + e;
  size_t all_tests = 0, all_failures = 0, all_errors = 0;
  double all_time = 0;
  std::string suites;
  for (const ProgramResult& p : programs) {
    size_t failures = 0, errors = 0;
    double time = 0;
    std::string cases;
    if (!p.compiled) {
      // A program that does not compile is one error case: CI shows it instead of silently running fewer tests.
      ++errors;
      cases += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"0.000\">\n", xml_escape("the program compiles"), xml_escape(p.file));
      cases += fmt::format("      <error message=\"{}\" type=\"compile\">{}</error>\n", xml_escape("the program has errors; none of its tests ran"),
                           xml_escape(p.diagnostics, false));
      cases += "    </testcase>\n";
    }
    for (const TestResult& t : p.tests) {
      time += t.seconds;
      cases += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"", xml_escape(t.title), xml_escape(p.file), seconds(t.seconds));
      if (t.outcome == Outcome::Pass) {
        cases += "/>\n";
        continue;
      }
      const bool error = t.outcome == Outcome::Error;
      (error ? errors : failures) += 1;
      const std::string body = fmt::format("{}:{}: {}\n{}", t.where.file, t.where.line, t.title, details(t));
      cases += fmt::format(">\n      <{} message=\"{}\" type=\"{}\">{}</{}>\n    </testcase>\n", error ? "error" : "failure",
                           xml_escape(headline(t)), error ? "error" : "expectation", xml_escape(body, false), error ? "error" : "failure");
    }
    const size_t tests = p.tests.size() + (p.compiled ? 0 : 1);
    suites += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{}\">\n",
                          xml_escape(p.file), tests, failures, errors, seconds(time));
    suites += fmt::format("    <properties>\n      <property name=\"program\" value=\"{}\"/>\n      <property name=\"engines\" value=\"{}\"/>\n    </properties>\n",
                          xml_escape(p.title), xml_escape(engine_list));
    suites += cases + "  </testsuite>\n";
    all_tests += tests;
    all_failures += failures;
    all_errors += errors;
    all_time += time;
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"rebate test\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">\n{}</testsuites>\n",
                     all_tests, all_failures, all_errors, seconds(all_time), suites);
}

}  // namespace rebate::testing
