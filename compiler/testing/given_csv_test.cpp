// Unit tests of the test runner's given rows -> CSV conversion (every column type, quoting, left-out and
// optional columns, lookups) and of run_test on the real engine (pass, fail, error).
#include "testing/given_csv.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>

#include "driver/compilation.h"
#include "lower/lower.h"
#include "testing/test_runner.h"

namespace {

using namespace rebate;

struct Compiled {
  Compiler compiler{CompileOptions{}};
  CompiledProgram program;
  plan::Plan plan;
};

std::unique_ptr<Compiled> compile(const std::string& text) {
  auto c = std::make_unique<Compiled>();
  c->program = c->compiler.compile_text("t.rebate", text);
  c->compiler.finish();
  for (const Diagnostic& d : c->compiler.diagnostics().all()) INFO(d.message);
  REQUIRE(!c->compiler.diagnostics().has_errors());
  REQUIRE(c->program.typed);
  c->plan = lower_program(*c->program.typed, c->compiler.sources());
  return c;
}

const char* kProgram = R"(
program "Types" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
enum Tier { bronze, silver, gold }
partner table partners {
    id: Text as key from "Partner ID"
    name: Text from "Partner Name"
    tier: Tier from "Level"
    certified: Bool
    joined: Date
    note: Text?
}
table skus { sku: Text as key  family: Text  weight: Decimal(3) }
ledger sales {
    day: Date as date from "Invoice Date"
    partner_id: Text as partner
    sku: skus
    quantity: Int
    amount: Money from "Net Amount"
    discount: Percent
    memo: Text?
}
const big = 1_000 USD
const storage = "Storage"
const launch = 2026-07-02
measure revenue = sales.sum(amount where sku.family == "Storage")
measure units = sales.sum(quantity)
rebate r "R" { eligible when partner.tier >= silver  pay 10% of revenue }
rebate u "U" { pay 1 USD * units }

test "every type" {
    given partners (id, name, tier, certified, joined) {
        ("P1", "Smith, \"J\" & Co", gold, true, 2020-02-29)
    }
    given skus (sku, family, weight) {
        ("S1", storage, 1.250)
        ("S2", "Other", 0)
    }
    given sales (day, partner_id, sku, quantity, amount, discount) {
        (2026-07-01, "P1", "S1", -3, -2_000.5 USD, 2.5%)
        (launch, "P1", "S2", 4, big, 0%)
    }
    expect r for "P1" in 2026-Q3 = -200.05 USD
}
)";

}  // namespace

TEST_CASE("given rows become CSV cells the reader reads, every column in the header", "[testing]") {
  auto c = compile(kProgram);
  const ast::Test& test = c->program.modules.front()->tests.at(0);
  testing::GivenInputs given = testing::given_inputs(test, *c->program.typed, c->plan);
  CHECK(given.errors.empty());
  CHECK(given.buffers.at("partners") ==
        "Partner ID,Partner Name,Level,certified,joined,note\n"
        "P1,\"Smith, \"\"J\"\" & Co\",gold,true,2020-02-29,\n");
  CHECK(given.buffers.at("skus") == "sku,family,weight\nS1,Storage,1.25\nS2,Other,0\n");
  CHECK(given.buffers.at("sales") ==
        "Invoice Date,partner_id,sku,quantity,Net Amount,discount,memo\n"
        "2026-07-01,P1,S1,-3,-2000.5,2.5%,\n"
        "2026-07-02,P1,S2,4,1000,0%,\n");
  // Left out: the partners' note and the sales memo. A left-out column no rule reads is made optional in
  // the test's plan; the given ones and those the rules read keep their declaration.
  REQUIRE(given.left_out.size() == c->plan.inputs.size());
  auto uses = testing::column_uses(c->plan);
  plan::Plan test_plan = testing::plan_for_test(c->plan, given, uses);
  auto column = [&](const plan::Plan& p, const std::string& input, const std::string& name) -> const ledger::ColumnSpec& {
    for (const auto& in : p.inputs) {
      for (const auto& col : in.spec.columns) {
        if (in.name == input && col.name == name) return col;
      }
    }
    throw std::runtime_error("no column " + name);
  };
  CHECK(column(test_plan, "sales", "memo").optional);
  CHECK(!column(test_plan, "sales", "amount").optional);
  CHECK(!column(test_plan, "partners", "tier").optional);
  CHECK(!testing::missing_column(given, c->plan, uses));
  // Every line of a buffer maps back to its given row (line 0: the header).
  CHECK(given.line_spans.at("sales").size() == 3);
  CHECK(!given.line_spans.at("sales")[0].valid());
  CHECK(given.line_spans.at("sales")[1].valid());
}

TEST_CASE("a text cell with a line break, a comma and quotes is quoted; every line maps back to its row", "[testing]") {
  auto c = compile(std::string(kProgram) + R"(
test "text" {
    given partners (id, name, tier) {
        ("P1", "line one\nline two", gold)
        ("P2", "a, \"b\"", silver)
    }
    expect u for "P1" in 2026-Q3 = 0 USD
}
)");
  const ast::Test& test = c->program.modules.front()->tests.at(1);
  testing::GivenInputs given = testing::given_inputs(test, *c->program.typed, c->plan);
  CHECK(given.errors.empty());
  CHECK(given.buffers.at("partners") ==
        "Partner ID,Partner Name,Level,certified,joined,note\n"
        "P1,\"line one\nline two\",gold,,,\n"
        "P2,\"a, \"\"b\"\"\",silver,,,\n");
  // Header, the first row's two lines, the second row: each line knows its row.
  const auto& spans = given.line_spans.at("partners");
  REQUIRE(spans.size() == 4);
  CHECK(spans[1].begin == spans[2].begin);
  CHECK(spans[3].begin > spans[1].begin);
  // Left out and read by no rule (certified, joined, note): optional in the test's plan, so empty cells
  // are no value; tier is read, and given.
  auto uses = testing::column_uses(c->plan);
  CHECK(!testing::missing_column(given, c->plan, uses));
  plan::Plan test_plan = testing::plan_for_test(c->plan, given, uses);
  for (const auto& in : test_plan.inputs) {
    if (in.name != "partners") continue;
    for (const auto& col : in.spec.columns) CHECK(col.optional == (col.name == "certified" || col.name == "joined" || col.name == "note"));
  }
}

TEST_CASE("which columns the rules read", "[testing]") {
  auto c = compile(kProgram);
  auto uses = testing::column_uses(c->plan);
  auto read = [&](const std::string& input, const std::string& column) {
    for (size_t i = 0; i < c->plan.inputs.size(); ++i) {
      if (c->plan.inputs[i].name != input) continue;
      const auto& cols = c->plan.inputs[i].spec.columns;
      for (size_t k = 0; k < cols.size(); ++k) {
        if (cols[k].name == column) return uses[i][k].read;
      }
    }
    FAIL("no column " << input << "." << column);
    return false;
  };
  CHECK(read("partners", "id"));
  CHECK(read("partners", "tier"));
  CHECK(!read("partners", "name"));
  CHECK(!read("partners", "joined"));
  CHECK(read("sales", "day"));
  CHECK(read("sales", "partner_id"));
  CHECK(read("sales", "sku"));
  CHECK(read("sales", "amount"));
  CHECK(read("sales", "quantity"));
  CHECK(!read("sales", "discount"));
  CHECK(read("skus", "sku"));
  CHECK(read("skus", "family"));
  CHECK(!read("skus", "weight"));
}

TEST_CASE("a test runs on the engine and its expectation is compared exactly", "[testing]") {
  auto c = compile(kProgram);
  const ast::Test& test = c->program.modules.front()->tests.at(0);
  testing::TestResult r = testing::run_test(test, *c->program.typed, c->plan, c->compiler.sources(), testing::built_engines());
  INFO((r.errors.empty() ? std::string() : r.errors.front()));
  // Storage revenue is the S1 line only: -2,000.50 x 10% = -200.05; a rebate is floored at zero, so the
  // payout is 0 and the expectation (-200.05) fails, showing both values.
  REQUIRE(r.expects.size() == 1);
  CHECK(r.outcome == testing::Outcome::Fail);
  CHECK(r.expects[0].expected == "-200.05 USD");
  CHECK(r.expects[0].actual == "0.00 USD");
  const std::string text(kProgram);
  CHECK(r.expects[0].where.line == 1 + std::count(text.begin(), text.begin() + static_cast<long>(text.find("expect r for")), '\n'));
  CHECK(r.expects[0].where.file == "t.rebate");
  CHECK(!r.expects[0].explanation.empty());
}

TEST_CASE("a column the rules read and the test leaves out is an error naming it", "[testing]") {
  auto c = compile(std::string(kProgram) + R"(
test "no tier" {
    given partners (id) { ("P1") }
    given sales (day, partner_id, quantity) { (2026-07-01, "P1", 2) }
    expect u for "P1" in 2026-Q3 = 2 USD
}
test "no payout for P9" {
    given partners (id, tier) { ("P1", gold) }
    given sales (day, partner_id, sku, quantity, amount) { (2026-07-01, "P1", "S1", 2, 5 USD) }
    given skus (sku, family) { ("S1", "Storage") }
    expect u for "P9" in 2026-Q3 = 2 USD
    expect u for "P1" in 2026-Q3 = 2 USD
    expect r for "P1" in 2026-Q3 = 0.50 USD
}
)");
  const auto& tests = c->program.modules.front()->tests;
  testing::TestResult no_tier = testing::run_test(tests.at(1), *c->program.typed, c->plan, c->compiler.sources(), testing::built_engines());
  CHECK(no_tier.outcome == testing::Outcome::Error);
  REQUIRE(!no_tier.errors.empty());
  CHECK_THAT(no_tier.errors[0], Catch::Contains("`tier`") && Catch::Contains("partners"));

  testing::TestResult p9 = testing::run_test(tests.at(2), *c->program.typed, c->plan, c->compiler.sources(), testing::built_engines());
  INFO((p9.errors.empty() ? std::string() : p9.errors.front()));
  CHECK(p9.outcome == testing::Outcome::Error);
  REQUIRE(p9.expects.size() == 3);
  CHECK(p9.expects[0].outcome == testing::Outcome::Error);
  CHECK_THAT(p9.expects[0].message, Catch::Contains("no payout") && Catch::Contains("P9"));
  CHECK(p9.expects[1].outcome == testing::Outcome::Pass);
  CHECK(p9.expects[2].outcome == testing::Outcome::Pass);
}

TEST_CASE("a value the column cannot hold is the reader's error, at the given row", "[testing]") {
  auto c = compile(std::string(kProgram) + R"(
test "too many places" {
    given partners (id, tier) { ("P1", gold) }
    given skus (sku, family, weight) { ("S1", "Storage", 1.2345) }
    expect u for "P1" in 2026-Q3 = 0 USD
}
)");
  const auto& tests = c->program.modules.front()->tests;
  testing::TestResult r = testing::run_test(tests.at(1), *c->program.typed, c->plan, c->compiler.sources(), testing::built_engines());
  CHECK(r.outcome == testing::Outcome::Error);
  REQUIRE(!r.errors.empty());
  CHECK_THAT(r.errors[0], Catch::StartsWith("t.rebate:") && Catch::Contains("`weight`") && Catch::Contains("given skus"));
}

TEST_CASE("every engine runs every test, and engines that disagree fail it", "[testing]") {
  auto c = compile(std::string(kProgram) + R"(
test "units" {
    given partners (id, tier) { ("P1", gold) }
    given sales (day, partner_id, sku, quantity, amount) { (2026-07-01, "P1", "S1", 2, 5 USD) }
    given skus (sku, family) { ("S1", "Storage") }
    expect u for "P1" in 2026-Q3 = 2 USD
}
)");
  const ast::Test& test = c->program.modules.front()->tests.at(1);
  std::vector<testing::Engine> engines = testing::built_engines();
  REQUIRE(!engines.empty());
  CHECK(engines.front().name == "vm");
  // Every engine of the build (the JIT's too, when built) passes the test.
  std::vector<std::string> names;
  for (const testing::Engine& e : engines) names.push_back(e.name);
  testing::TestResult built = testing::run_test(test, *c->program.typed, c->plan, c->compiler.sources(), engines);
  CHECK(built.outcome == testing::Outcome::Pass);
  CHECK(built.engines == names);
  engines.resize(1);
  // A second engine that agrees: the test passes on both.
  engines.push_back(testing::Engine{"same", engines.front().run});
  testing::TestResult agree = testing::run_test(test, *c->program.typed, c->plan, c->compiler.sources(), engines);
  CHECK(agree.outcome == testing::Outcome::Pass);
  CHECK(agree.engines == std::vector<std::string>{"vm", "same"});
  // One that is a cent off: a failure saying which engine gave what.
  engines.back() = testing::Engine{"off", [](const plan::Plan& p, const engine::RunOptions& o) {
                                     engine::RunResult r = engine::run(p, o);
                                     for (engine::Payout& x : r.payouts) x.set_amount(*Decimal::add(x.amount(), Decimal::from_scaled(1, 2)));
                                     return r;
                                   }};
  testing::TestResult differ = testing::run_test(test, *c->program.typed, c->plan, c->compiler.sources(), engines);
  CHECK(differ.outcome == testing::Outcome::Fail);
  REQUIRE(differ.expects.size() == 1);
  CHECK_THAT(differ.expects[0].message, Catch::Contains("the engines disagree: vm gives 2.00 USD, off gives 2.01 USD"));
  // One that throws: an error, not a crash.
  engines.back() = testing::Engine{"broken", [](const plan::Plan&, const engine::RunOptions&) -> engine::RunResult {
                                     throw std::runtime_error("no code for this opcode");
                                   }};
  testing::TestResult broken = testing::run_test(test, *c->program.typed, c->plan, c->compiler.sources(), engines);
  CHECK(broken.outcome == testing::Outcome::Error);
  REQUIRE(!broken.errors.empty());
  CHECK_THAT(broken.errors[0], Catch::Contains("broken") && Catch::Contains("no code for this opcode"));
}
