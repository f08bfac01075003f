// Unit tests of the test reports: the summary line CI tools read, what a failure shows, XML escaping.
#include "testing/test_report.h"

#include <catch2/catch.hpp>
#include <regex>

using namespace rebate::testing;

namespace {

TestResult failing() {
  TestResult t;
  t.title = "a <tricky> & \"quoted\" name";
  t.where = Where{"p.rebate", 12, 1};
  t.outcome = Outcome::Fail;
  t.engines = {"vm"};
  ExpectResult x;
  x.where = Where{"p.rebate", 20, 5};
  x.source = "expect r for \"P1\" in 2026-Q3 = 10 USD";
  x.expected = "10.00 USD";
  x.actual = "9.99 USD";
  x.outcome = Outcome::Fail;
  x.message = "expected 10.00 USD, got 9.99 USD";
  x.explanation = "P1 2026-Q3 r: 9.99 USD (paid)\n  revenue = 999.00 USD\n";
  t.expects.push_back(x);
  return t;
}

}  // namespace

TEST_CASE("the summary line starts `N passed, N failed`, errors counted as failed", "[testing]") {
  const std::regex ci(R"(^\d+ passed, \d+ failed)");
  Totals t;
  t.passed = 12;
  t.failed = 1;
  t.programs = 3;
  std::string line = human_summary(t, {"vm"});
  CHECK(std::regex_search(line, ci));
  CHECK(line.rfind("12 passed, 1 failed", 0) == 0);
  t.failed = 3;
  t.errors = 2;
  line = human_summary(t, {"vm", "jit"});
  CHECK(line.rfind("12 passed, 3 failed (2 of them errors)", 0) == 0);
  CHECK_THAT(line, Catch::Contains("engines: vm, jit"));

  ProgramResult broken;
  broken.compiled = false;
  ProgramResult ok;
  TestResult pass;
  ok.tests = {pass, failing()};
  Totals counted = totals({broken, ok});
  CHECK(counted.passed == 1);
  CHECK(counted.failed == 2);  // the failing test, and the program that does not compile
  CHECK(counted.errors == 1);
  CHECK(counted.not_compiled == 1);
}

TEST_CASE("a failure shows the expect line's place, both values and the explanation", "[testing]") {
  const std::string text = human_test(failing());
  CHECK(text.rfind("FAIL p.rebate:12 a <tricky>", 0) == 0);
  CHECK_THAT(text, Catch::Contains("p.rebate:20:5: expect r for \"P1\" in 2026-Q3 = 10 USD"));
  CHECK_THAT(text, Catch::Contains("expected: 10.00 USD"));
  CHECK_THAT(text, Catch::Contains("actual:   9.99 USD"));
  CHECK_THAT(text, Catch::Contains("revenue = 999.00 USD"));
  TestResult pass;
  pass.title = "fine";
  pass.where = Where{"p.rebate", 3, 1};
  CHECK(human_test(pass) == "PASS p.rebate:3 fine\n");
}

TEST_CASE("XML text is escaped for attributes and content", "[testing]") {
  CHECK(xml_escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
  CHECK(xml_escape("one\ntwo\x01") == "one&#10;two?");
  CHECK(xml_escape("one\ntwo", false) == "one\ntwo");
  ProgramResult p;
  p.file = "p.rebate";
  p.title = "P & Q";
  p.tests = {failing()};
  const std::string xml = junit_report({p}, {"vm"});
  CHECK_THAT(xml, Catch::Contains("<testsuites name=\"rebate test\" tests=\"1\" failures=\"1\" errors=\"0\""));
  CHECK_THAT(xml, Catch::Contains("<testcase name=\"a &lt;tricky&gt; &amp; &quot;quoted&quot; name\" classname=\"p.rebate\""));
  CHECK_THAT(xml, Catch::Contains("<failure message=\"p.rebate:20:5: expected 10.00 USD, got 9.99 USD\" type=\"expectation\">"));
  CHECK_THAT(xml, Catch::Contains("<property name=\"program\" value=\"P &amp; Q\"/>"));
}
