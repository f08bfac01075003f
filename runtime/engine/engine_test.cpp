// End-to-end tests of the engine's semantics: each case is a small program, CSV inputs held in memory,
// and payouts computed by hand (the arithmetic is in the comment next to each expectation).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <set>

#include "driver/compilation.h"
#include "engine/engine.h"
#include "engine/report.h"
#include "lower/lower.h"

using namespace rebate;

namespace {

const char* kHeader = R"(
program "Test" { currency: USD  period: quarter }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner: Text as partner  order_id: Text  family: Text  units: Int  amount: Money }
)";

const char* kPartners = "id,tier\nP1,gold\nP2,silver\nP3,bronze\n";

struct Outcome {
  engine::RunResult result;
  std::vector<std::string> diagnostics;
  // "P1 2026-Q3 rebate" -> amount
  std::map<std::string, std::string> amounts;
  std::map<std::string, std::string> statuses;
};

Outcome run(const std::string& program, const std::string& sales, const std::string& period = "2026-Q3",
            const std::map<std::string, std::string>& extra = {}, unsigned threads = 0) {
  Outcome o;
  Compiler compiler(CompileOptions{});
  CompiledProgram compiled = compiler.compile_text("t.rebate", std::string(kHeader) + program);
  compiler.finish();
  for (const auto& d : compiler.diagnostics().all()) {
    if (d.severity == Severity::Error) o.diagnostics.push_back(d.message);
  }
  if (!o.diagnostics.empty() || !compiled.typed) return o;
  plan::Plan plan = lower_program(*compiled.typed, compiler.sources());
  engine::RunOptions options;
  options.input_buffers["partners"] = kPartners;
  options.input_buffers["sales"] = sales;
  for (const auto& [k, v] : extra) options.input_buffers[k] = v;
  if (!period.empty()) options.period = period;
  options.threads = threads;
  o.result = engine::run(plan, options);
  for (const auto& p : o.result.payouts) {
    const std::string key = std::string(p.partner) + " " + std::string(p.period) + " " + std::string(p.rebate);
    o.amounts[key] = p.amount.to_fixed(2);
    o.statuses[key] = p.status;
  }
  return o;
}

// A program compiled (no error allowed) and lowered to its plan.
plan::Plan compile_plan(const std::string& program) {
  Compiler compiler(CompileOptions{});
  CompiledProgram compiled = compiler.compile_text("t.rebate", program);
  compiler.finish();
  REQUIRE(compiled.typed);
  REQUIRE(!compiler.diagnostics().has_errors());
  return lower_program(*compiled.typed, compiler.sources());
}

// A seeded generator for random ledgers (splitmix64).
struct SplitMix {
  uint64_t x;
  uint64_t next(uint64_t n) {  // 0 .. n - 1
    x += 0x9E3779B97F4A7C15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) % n;
  }
};

std::string lines(std::initializer_list<const char*> rows) {
  std::string out = "date,partner,order_id,family,units,amount\n";
  for (const char* r : rows) out += std::string(r) + "\n";
  return out;
}

}  // namespace

TEST_CASE("retroactive and incremental tiers on the brief's worked example", "[engine]") {
  // Tiers 10% below 1,000 and 25% from 1,000 to 2,500; basis 2,000.
  const char* program = R"(
tiers retro retroactive { from 0 USD to 1_000 USD: 10%  from 1_000 USD to 2_500 USD: 25% }
tiers incr incremental { from 0 USD to 1_000 USD: 10%  from 1_000 USD to 2_500 USD: 25% }
measure revenue = sales.sum(amount)
rebate r_retro { pay retro of revenue }
rebate r_incr { pay incr of revenue }
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,x,1,1200", "2026-08-01,P1,O2,x,1,800", "2026-07-01,P2,O3,x,1,1000"}));
  REQUIRE(o.diagnostics.empty());
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 r_retro"] == "500.00");  // 2,000 x 25%
  CHECK(o.amounts["P1 2026-Q3 r_incr"] == "350.00");   // 1,000 x 10% + 1,000 x 25%
  // A basis exactly on the boundary belongs to the upper band: 1,000 x 25% = 250; incremental 1,000 x 10% = 100.
  CHECK(o.amounts["P2 2026-Q3 r_retro"] == "250.00");
  CHECK(o.amounts["P2 2026-Q3 r_incr"] == "100.00");
  CHECK(o.amounts["P3 2026-Q3 r_retro"] == "0.00");  // no lines: a sum over no lines is zero
}

TEST_CASE("the tier metric may differ from the paid basis", "[engine]") {
  // Band by units (10+ units: 5%), paid on revenue.
  const char* program = R"(
tiers by_units retroactive { from 0 to 10: 1%  from 10: 5% }
measure units = sales.sum(units)
measure revenue = sales.sum(amount)
rebate r { pay (by_units by units) of revenue }
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,x,10,2000", "2026-07-01,P2,O2,x,9,2000"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 r"] == "100.00");  // 10 units -> 5% of 2,000
  CHECK(o.amounts["P2 2026-Q3 r"] == "20.00");   // 9 units -> 1% of 2,000
}

TEST_CASE("returns net out, and the payout is floored at zero unless negatives are allowed", "[engine]") {
  const char* program = R"(
measure revenue = sales.sum(amount)
rebate plain { pay 10% of revenue }
rebate clawback { pay 10% of revenue  allow negative }
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,x,1,1000", "2026-07-02,P1,O2,x,-1,-300", "2026-07-01,P2,O3,x,-1,-500"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 plain"] == "70.00");       // (1,000 - 300) x 10%
  CHECK(o.amounts["P2 2026-Q3 plain"] == "0.00");        // -500 x 10% = -50, floored at zero
  CHECK(o.amounts["P2 2026-Q3 clawback"] == "-50.00");   // allowed: a clawback of 50
}

TEST_CASE("rounding each line versus rounding the sum", "[engine]") {
  // Two lines of 20.987: rounding each (20.99 + 20.99) gives 41.98, rounding the sum (41.974) gives 41.97.
  const char* program = R"(
rebate per_line { pay sales.sum(round(amount, 2)) }
rebate on_sum { pay sales.sum(amount) }
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,x,1,20.987", "2026-07-02,P1,O2,x,1,20.987"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 per_line"] == "41.98");
  CHECK(o.amounts["P1 2026-Q3 on_sum"] == "41.97");
}

TEST_CASE("caps on the measure versus caps on the payout, gates and eligibility", "[engine]") {
  const char* program = R"(
measure revenue = sales.sum(amount)
measure capped_revenue = revenue cap 1_000 USD
rebate measure_cap { pay 10% of capped_revenue }
rebate payout_cap { pay 10% of revenue  cap 50 USD }
rebate gated { require revenue >= 1_500 USD  pay 10% of revenue }
rebate silver_up { eligible when partner.tier >= silver  pay 1% of revenue }
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,x,1,2000", "2026-07-01,P3,O2,x,1,2000", "2026-07-01,P2,O3,x,1,1000"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 measure_cap"] == "100.00");  // min(2,000, 1,000) x 10%
  CHECK(o.amounts["P1 2026-Q3 payout_cap"] == "50.00");    // 2,000 x 10% = 200, capped at 50
  CHECK(o.amounts["P1 2026-Q3 gated"] == "200.00");        // 2,000 >= 1,500
  CHECK(o.amounts["P2 2026-Q3 gated"] == "0.00");          // 1,000 < 1,500
  CHECK(o.statuses["P2 2026-Q3 gated"] == "gate not met");
  CHECK(o.amounts["P3 2026-Q3 silver_up"] == "0.00");      // bronze
  CHECK(o.statuses["P3 2026-Q3 silver_up"] == "not eligible");
  CHECK(o.amounts["P2 2026-Q3 silver_up"] == "10.00");     // silver: 1,000 x 1%
}

TEST_CASE("a budget scales payouts pro rata and the cents add up to the budget", "[engine]") {
  // Three partners earn 100 each (300 in all); the budget is 200: each gets 200/300 x 100 = 66.666...,
  // cut to 66.66 (199.98 in all); the 2 cents left go to the largest payouts, ties in partner order: P1
  // and P2 get 66.67, P3 66.66; 66.67 + 66.67 + 66.66 = 200.00.
  const char* program = R"(
measure revenue = sales.sum(amount)
rebate r { pay 10% of revenue }
budget pool = 200 USD per quarter
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,x,1,1000", "2026-07-01,P2,O2,x,1,1000", "2026-07-01,P3,O3,x,1,1000"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 r"] == "66.67");
  CHECK(o.amounts["P2 2026-Q3 r"] == "66.67");
  CHECK(o.amounts["P3 2026-Q3 r"] == "66.66");
}

TEST_CASE("look-backs: previous period, same period last year, year to date", "[engine]") {
  const char* program = R"(
measure revenue = sales.sum(amount)
measure before = previous(revenue)
measure last = last_year(revenue)
measure ytd = year_to_date(revenue)
rebate prev_r { pay 1% of before }
rebate ly_r { pay 1% of last }
rebate ytd_r { pay 1% of ytd }
)";
  auto o = run(program, lines({"2025-08-01,P1,O1,x,1,5000", "2026-02-01,P1,O2,x,1,1000", "2026-05-01,P1,O3,x,1,2000",
                               "2026-07-01,P1,O4,x,1,3000"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 prev_r"] == "20.00");  // Q2 2026: 2,000 x 1%
  CHECK(o.amounts["P1 2026-Q3 ly_r"] == "50.00");    // Q3 2025: 5,000 x 1%
  CHECK(o.amounts["P1 2026-Q3 ytd_r"] == "60.00");   // Q1..Q3 2026: 1,000 + 2,000 + 3,000 = 6,000 x 1%
}

TEST_CASE("growth with an explicit answer for a zero baseline", "[engine]") {
  const char* program = R"(
measure revenue = sales.sum(amount)
measure base = last_year(revenue)
measure growth = (revenue - base) / base otherwise 0%
rebate growth_r { pay 3% of (revenue - base) when growth > 10% }
)";
  auto o = run(program, lines({"2025-07-01,P1,O1,x,1,1000", "2026-07-01,P1,O2,x,1,1200", "2026-07-01,P2,O3,x,1,5000"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 growth_r"] == "6.00");  // growth 20% > 10%: 3% x 200
  CHECK(o.amounts["P2 2026-Q3 growth_r"] == "0.00");  // no baseline: growth is 0%, not paid
}

TEST_CASE("per-order sub-aggregates: orders with hardware and support", "[engine]") {
  const char* program = R"(
group orders = sales by order_id {
  hardware = sales.count(where family == "hardware")
  support = sales.count(where family == "support")
}
measure solutions = orders.count(where hardware > 0 and support > 0)
rebate solution_bonus { pay 100 USD * solutions }
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,hardware,1,10", "2026-07-01,P1,O1,support,1,5", "2026-07-02,P1,O2,hardware,1,10",
                               "2026-07-03,P1,O3,hardware,1,10", "2026-07-03,P1,O3,support,1,5", "2026-07-03,P2,O4,support,1,5"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 solution_bonus"] == "200.00");  // O1 and O3 have both: 2 x 100
  CHECK(o.amounts["P2 2026-Q3 solution_bonus"] == "0.00");
}

TEST_CASE("the same payouts whatever the order of the input rows", "[engine]") {
  const char* program = R"(
measure revenue = sales.sum(amount)
measure customers = sales.count_distinct(order_id)
rebate r { pay 3% of revenue + 1 USD * customers }
)";
  auto a = run(program, lines({"2026-07-01,P1,O1,x,1,100.10", "2026-07-05,P2,O2,x,1,20", "2026-08-01,P1,O3,x,1,0.30"}));
  auto b = run(program, lines({"2026-08-01,P1,O3,x,1,0.30", "2026-07-01,P1,O1,x,1,100.10", "2026-07-05,P2,O2,x,1,20"}));
  REQUIRE(a.result.ok());
  CHECK(a.amounts == b.amounts);
  CHECK(a.amounts["P1 2026-Q3 r"] == "5.01");  // 3% x 100.40 = 3.012 + 2 customers = 5.012 -> 5.01
}

TEST_CASE("a division by zero names the place, the partner and the period", "[engine]") {
  const char* program = R"(
measure revenue = sales.sum(amount)
measure orders = sales.count()
rebate r { pay revenue / orders }
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,x,1,100"}));
  REQUIRE_FALSE(o.result.ok());
  REQUIRE(o.result.errors.size() == 1);
  const std::string& e = o.result.errors[0];
  CHECK(e.find("t.rebate:") != std::string::npos);
  CHECK(e.find("division by zero") != std::string::npos);
  CHECK(e.find("partner P2") != std::string::npos);
  CHECK(e.find("2026-Q3") != std::string::npos);
}

TEST_CASE("a long chain of measures: each run's values stay put while the runs it starts grow the stack", "[engine]") {
  // m1 = 1 USD + revenue, m2 = 1 USD + m1, ...: every level holds its 1 USD on the VM's stack while the
  // level below runs, and 400 levels need several times the stack's first size.
  std::string program = "measure m0 = sales.sum(amount)\n";
  for (int k = 1; k <= 400; ++k) program += fmt::format("measure m{} = 1 USD + m{}\n", k, k - 1);
  program += "rebate r { pay m400 }\n";
  auto o = run(program, lines({"2026-07-01,P1,O1,x,1,100", "2026-07-02,P2,O2,x,1,20.50"}));
  REQUIRE(o.diagnostics.empty());
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 r"] == "500.00");  // 100 + 400 x 1
  CHECK(o.amounts["P2 2026-Q3 r"] == "420.50");  // 20.50 + 400
  CHECK(o.amounts["P3 2026-Q3 r"] == "400.00");  // no lines: 0 + 400
}

TEST_CASE("a decision that reads only the partner gives each partner its value in every period", "[engine]") {
  // tier_rate reads only partner.tier: worked out once per partner and reused for its other periods;
  // size_bonus also reads a measure: worked out in every cell. Partners P1 gold, P2 silver, P3 bronze.
  const char* program = R"(
measure revenue = sales.sum(amount)
decision tier_rate: Percent by partner.tier { gold => 5%  silver => 3%  otherwise => 1% }
decision size_bonus: Money by revenue, partner.tier { at least 1_000 USD, at least silver => 100 USD  otherwise => 0 USD }
rebate by_tier { pay tier_rate of revenue }
rebate by_size { pay size_bonus }
)";
  const std::string sales = lines({"2026-05-01,P1,O1,x,1,2000", "2026-08-01,P1,O2,x,1,500", "2026-05-02,P2,O3,x,1,1500",
                                   "2026-08-02,P2,O4,x,1,1000", "2026-05-03,P3,O5,x,1,5000", "2026-08-03,P3,O6,x,1,10"});
  for (unsigned threads : {1u, 2u}) {
    INFO("threads " << threads);
    auto o = run(program, sales, "", {}, threads);
    REQUIRE(o.diagnostics.empty());
    REQUIRE(o.result.ok());
    CHECK(o.amounts["P1 2026-Q2 by_tier"] == "100.00");  // 2,000 x 5%
    CHECK(o.amounts["P1 2026-Q3 by_tier"] == "25.00");   // 500 x 5%
    CHECK(o.amounts["P2 2026-Q2 by_tier"] == "45.00");   // 1,500 x 3%
    CHECK(o.amounts["P2 2026-Q3 by_tier"] == "30.00");   // 1,000 x 3%
    CHECK(o.amounts["P3 2026-Q2 by_tier"] == "50.00");   // 5,000 x 1%
    CHECK(o.amounts["P3 2026-Q3 by_tier"] == "0.10");    // 10 x 1%
    CHECK(o.amounts["P1 2026-Q2 by_size"] == "100.00");  // 2,000 >= 1,000, gold
    CHECK(o.amounts["P1 2026-Q3 by_size"] == "0.00");    // 500 < 1,000
    CHECK(o.amounts["P2 2026-Q2 by_size"] == "100.00");  // 1,500, silver
    CHECK(o.amounts["P2 2026-Q3 by_size"] == "100.00");  // 1,000, silver
    CHECK(o.amounts["P3 2026-Q2 by_size"] == "0.00");    // bronze
    CHECK(o.amounts["P3 2026-Q3 by_size"] == "0.00");
  }
}

TEST_CASE("a ledger line whose partner is unknown is an error, not dropped", "[engine]") {
  auto o = run("rebate r { pay 1% of sales.sum(amount) }", lines({"2026-07-01,P9,O1,x,1,100"}));
  REQUIRE_FALSE(o.result.ok());
  CHECK(o.result.errors[0].find("partner `P9` is not in the partner table") != std::string::npos);
}

TEST_CASE("the scan's kernels and the VM agree", "[engine]") {
  // The first measure of each pair has a shape the kernels run (a set, a range, a conjunction); the second
  // says the same with `or` / arithmetic, which only the VM runs. Each pair must agree to the cent.
  const char* program = R"(
measure k_set = sales.sum(amount where family in ["a", "b"])
measure v_set = sales.sum(amount where family == "a" or family == "b")
measure k_range = sales.sum(amount where date in 2026-07-01 .. 2026-07-31 and units >= 2)
measure v_range = sales.sum(amount * 1 where date >= 2026-07-01 and date <= 2026-07-31 and not (units < 2))
measure k_count = sales.count(where family != "c")
measure v_count = sales.count(where not (family == "c"))
rebate r { pay (k_set - v_set) + (k_range - v_range) + 1 USD * (k_count - v_count) + 1% of k_set }
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,a,1,10.25", "2026-07-15,P1,O2,b,2,20.50", "2026-07-31,P1,O3,c,3,30.75",
                               "2026-08-01,P1,O4,a,2,40.00", "2026-07-20,P2,O5,c,1,5"}));
  REQUIRE(o.result.ok());
  // Every difference is zero; 1% of k_set: P1 (10.25 + 20.50 + 40.00) x 1% = 0.7075 -> 0.71 (half-even).
  CHECK(o.amounts["P1 2026-Q3 r"] == "0.71");
  CHECK(o.amounts["P2 2026-Q3 r"] == "0.00");
}

TEST_CASE("a column that declares a rounding rounds cells with more places; one that does not refuses them", "[engine]") {
  Compiler compiler(CompileOptions{});
  CompiledProgram compiled = compiler.compile_text("t.rebate", R"(
program "Test" { currency: USD  period: quarter }
ledger sales { date: Date as date  partner: Text as partner  amount: Money(2) rounding half_up }
rebate r { pay sales.sum(amount) }
)");
  compiler.finish();
  REQUIRE_FALSE(compiler.diagnostics().has_errors());
  plan::Plan plan = lower_program(*compiled.typed, compiler.sources());
  engine::RunOptions options;
  options.input_buffers["sales"] = "date,partner,amount\n2026-07-01,P1,20.987\n2026-07-02,P1,20.982\n";
  auto result = engine::run(plan, options);
  REQUIRE(result.ok());
  REQUIRE(result.payouts.size() == 1);
  CHECK(result.payouts[0].amount.to_fixed(2) == "41.97");  // 20.99 (half up) + 20.98
}

TEST_CASE("a line dated far away is counted, and the tables stay the size of the run", "[engine]") {
  // 1900-01-01 and 2099-12-31 are typos in a 2026 ledger: they cannot change a Q3 2026 payout with a
  // one-year look-back, so they are left out of the tables and reported in a note.
  const char* program = R"(
measure revenue = sales.sum(amount)
measure base = last_year(revenue)
rebate r { pay 1% of revenue + 1% of base }
)";
  auto o = run(program, lines({"1900-01-01,P1,O1,x,1,1000000", "2099-12-31,P1,O2,x,1,1000000", "2025-07-01,P1,O3,x,1,200",
                               "2026-07-01,P1,O4,x,1,100"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 r"] == "3.00");  // 1% of 100 + 1% of 200 (Q3 2025)
  bool noted = false;
  for (const auto& n : o.result.summary.notes) noted = noted || n.find("2 ledger lines are dated outside every period") == 0;
  CHECK(noted);
}

TEST_CASE("the plan and its bytecode can be printed", "[engine]") {
  Compiler compiler(CompileOptions{});
  CompiledProgram compiled = compiler.compile_text("t.rebate", std::string(kHeader) + R"(
tiers volume retroactive { from 0 USD to 1_000 USD: 1%  from 1_000 USD: 2% }
measure revenue = sales.sum(amount where family == "storage")
rebate r { eligible when partner.tier >= silver  pay volume of revenue }
)");
  compiler.finish();
  REQUIRE_FALSE(compiler.diagnostics().has_errors());
  plan::Plan plan = lower_program(*compiled.typed, compiler.sources());
  std::string p = plan::dump_plan(plan);
  CHECK(p.find("aggregate 0: sum over ledger sales where f") != std::string::npos);
  CHECK(p.find("tiers volume retroactive") != std::string::npos);
  CHECK(p.find("[1000, inf) -> 0.02") != std::string::npos);
  std::string b = plan::dump_bytecode(plan);
  // The filter compares the family column with a text constant; the payout applies the tier table.
  CHECK(b.find("Column") != std::string::npos);
  CHECK(b.find("Text         \"storage\"") != std::string::npos);
  CHECK(b.find("TierOf       volume") != std::string::npos);
  CHECK(b.find("PartnerAttr") != std::string::npos);
}

TEST_CASE("two threads, each scanning half of a ledger, give what one thread gives", "[engine][threads]") {
  // 2,000 lines over three partners, two quarters, orders of two lines, five customers. Each total is
  // also worked out here, from the generator's arithmetic, not from the engine.
  std::string sales = "date,partner,order_id,family,units,amount\n";
  std::map<std::string, long> cents;  // partner -> Q3 revenue in cents
  std::map<std::string, std::set<std::string>> orders_with_both;
  std::map<std::string, std::map<std::string, std::set<std::string>>> families;  // partner -> order -> families
  for (int i = 0; i < 2000; ++i) {
    std::string partner = "P" + std::to_string(1 + i % 3);
    std::string order = "O" + std::to_string(i / 2);
    std::string family = i % 4 == 0 ? "hw" : i % 4 == 1 ? "sup" : "sw";
    std::string date = i % 5 == 0 ? "2026-04-02" : "2026-08-" + std::to_string(10 + i % 19);
    long amount = 100 + (i * 37) % 900;  // whole dollars
    sales += date + "," + partner + "," + order + "," + family + "," + std::to_string(i % 3) + "," + std::to_string(amount) + ".25\n";
    if (date.rfind("2026-08", 0) == 0) {
      cents[partner] += amount * 100 + 25;
      families[partner][order].insert(family);
    }
  }
  const char* program = R"(
measure revenue = sales.sum(amount)
measure big_orders = sales.count_distinct(order_id where amount > 500 USD)
group orders = sales by order_id {
  hw: Money = sales.sum(amount where family == "hw")
  sup: Money = sales.sum(amount where family == "sup")
}
measure both = orders.count(where hw > 0 USD and sup > 0 USD)
rebate pct { pay 1% of revenue }
rebate per_order { pay 10 USD * both }
rebate per_big { pay 1 USD * big_orders }
)";
  auto one = run(program, sales, "2026-Q3", {}, 1);
  auto two = run(program, sales, "2026-Q3", {}, 2);
  REQUIRE(one.diagnostics.empty());
  REQUIRE(one.result.ok());
  REQUIRE(two.result.ok());
  CHECK(one.amounts == two.amounts);
  CHECK(one.statuses == two.statuses);
  for (const auto& [partner, c] : cents) {
    // 1% of the revenue, rounded half-even to the cent: c / 100 cents.
    long pct = c / 100 + ((c % 100 > 50 || (c % 100 == 50 && (c / 100) % 2 == 1)) ? 1 : 0);
    char expected[32];
    std::snprintf(expected, sizeof expected, "%ld.%02ld", pct / 100, pct % 100);
    CHECK(two.amounts[partner + " 2026-Q3 pct"] == expected);
    long both = 0;
    for (const auto& [order, f] : families[partner]) both += f.count("hw") && f.count("sup");
    CHECK(two.amounts[partner + " 2026-Q3 per_order"] == std::to_string(both * 10) + ".00");
  }
}

TEST_CASE("two threads report unknown partners as one thread does, in file order", "[engine][threads]") {
  std::string sales = "date,partner,order_id,family,units,amount\n";
  for (int i = 0; i < 3000; ++i) {
    std::string partner = i % 700 == 13 ? "PX" + std::to_string(i) : "P1";
    sales += "2026-07-01," + partner + ",O1,x,1,1\n";
  }
  const char* program = "measure revenue = sales.sum(amount)\nrebate r { pay 1% of revenue }\n";
  auto one = run(program, sales, "2026-Q3", {}, 1);
  auto two = run(program, sales, "2026-Q3", {}, 2);
  REQUIRE(!one.result.ok());
  CHECK(one.result.errors.size() == 5);  // lines 15, 715, 1415, 2115, 2815
  CHECK(one.result.errors == two.result.errors);
}

TEST_CASE("two threads without a partner table or fixed periods give what one thread gives", "[engine][threads]") {
  // No partner table (partners come from the ledger, numbered by each thread, sorted when merged) and no
  // effective dates or --period (the periods come from the data: each thread widens its own). Lines over
  // six quarters, so that the two halves of the file start with different periods.
  const std::string program = R"(
program "No partner table" { currency: USD  period: quarter }
ledger sales { date: Date as date  partner: Text as partner  order_id: Text  family: Text  units: Int  amount: Money }
measure revenue = sales.sum(amount)
measure customers = sales.count_distinct(order_id where units > 0)
group orders = sales by order_id {
  hw: Money = sales.sum(amount where family == "hw")
}
measure hw_orders = orders.count(where hw > 0 USD)
measure baseline = previous(revenue)
rebate pct { pay 1% of revenue }
rebate per_order { pay 10 USD * hw_orders }
rebate growth { pay 1% of (revenue - baseline) allow negative }
)";
  std::string sales = "date,partner,order_id,family,units,amount\n";
  std::map<std::string, long> dollars;  // partner + quarter -> revenue in whole dollars
  for (int i = 0; i < 3000; ++i) {
    // The first half of the file is 2025, the second 2026 (quarters by i).
    int quarter = i < 1500 ? 1 + (i % 3) : 2 + (i % 3);
    std::string year = i < 1500 ? "2025" : "2026";
    const int month = 3 * quarter - 1;  // the middle month of the quarter
    std::string date = year + (month < 10 ? "-0" : "-") + std::to_string(month) + "-15";
    std::string partner = "Q" + std::to_string(i % 7);
    long amount = 10 + i % 50;
    sales += date + "," + partner + ",O" + std::to_string(i / 3) + "," + (i % 2 ? "hw" : "sw") + "," + std::to_string(i % 4) + "," +
             std::to_string(amount) + "\n";
    dollars[partner + " " + year + "-Q" + std::to_string(quarter)] += amount;
  }
  auto run_with = [&](unsigned threads) {
    plan::Plan plan = compile_plan(program);
    engine::RunOptions options;
    options.input_buffers["sales"] = sales;
    options.threads = threads;
    std::map<std::string, std::string> amounts;
    engine::RunResult r = engine::run(plan, options);
    INFO((r.errors.empty() ? std::string() : r.errors[0]));
    REQUIRE(r.ok());
    for (const auto& p : r.payouts) amounts[std::string(p.partner) + " " + std::string(p.period) + " " + std::string(p.rebate)] = p.amount.to_fixed(2);
    return amounts;
  };
  auto one = run_with(1), two = run_with(2);
  CHECK(one == two);
  REQUIRE(!two.empty());
  // Every partner in every quarter from 2025-Q1 to 2026-Q4 (the data's span), 3 rebates each.
  CHECK(two.size() == 7 * 8 * 3);
  // 1% of a quarter's revenue (whole dollars, so exactly dollars / 100, to the cent).
  for (const auto& [key, d] : dollars) {
    char expected[32];
    std::snprintf(expected, sizeof expected, "%ld.%02ld", d / 100, d % 100);
    CHECK(two[key + " pct"] == expected);
  }
}

// An order's unit price (a group field that divides, so that an order of no units is a runtime error),
// and the orders priced over 5 USD.
const char* kUnitPriceProgram = R"(
group orders = sales by order_id {
  unit_price: Money = sales.sum(amount) / sales.sum(units)
}
measure pricey = orders.count(where unit_price > 5 USD)
rebate r { pay 1 USD * pricey }
)";

TEST_CASE("a group field's runtime error is the same on one thread and two", "[engine][threads]") {
  // Orders in both partitions of the group's rows divide by a zero unit count; whichever thread meets
  // one, the run reports the same first error (partition 0's first failing row), naming the group row.
  std::string sales = "date,partner,order_id,family,units,amount\n";
  for (int i = 0; i < 4000; ++i) {
    const int units = i % 53 == 7 ? 0 : 1 + i % 5;
    sales += "2026-08-1" + std::to_string(i % 9) + ",P" + std::to_string(1 + i % 3) + ",O" + std::to_string(i) + ",hw," +
             std::to_string(units) + ",10\n";
  }
  const char* program = kUnitPriceProgram;
  auto one = run(program, sales, "2026-Q3", {}, 1);
  auto two = run(program, sales, "2026-Q3", {}, 2);
  REQUIRE(one.diagnostics.empty());
  REQUIRE(!one.result.ok());
  REQUIRE(!one.result.errors.empty());
  CHECK(one.result.errors[0].find("division by zero") != std::string::npos);
  CHECK(one.result.errors[0].find("group `orders`") != std::string::npos);
  CHECK(one.result.errors == two.result.errors);
}

TEST_CASE("group rows counted over both partitions, on one thread and two", "[engine][threads]") {
  // 4,000 one-line orders of three partners: unit price 10 / units, over 5 USD when units is 1 (i % 5 == 0).
  // Per partner P(1 + i % 3): the count of i < 4000 with i % 3 == p - 1 and i % 5 == 0, i.e. i % 15 == c
  // for the c in 0..14 with c % 3 == p - 1 and c % 5 == 0 (c = 0, 10, 5 for P1, P2, P3): 267, 267, 267
  // (4000 = 266 * 15 + 10: one more for c < 10, so P1 (c = 0) and P3 (c = 5) 267, P2 (c = 10) 266).
  std::string sales = "date,partner,order_id,family,units,amount\n";
  for (int i = 0; i < 4000; ++i) {
    sales += "2026-08-1" + std::to_string(i % 9) + ",P" + std::to_string(1 + i % 3) + ",O" + std::to_string(i) + ",hw," +
             std::to_string(1 + i % 5) + ",10\n";
  }
  const char* program = kUnitPriceProgram;
  auto one = run(program, sales, "2026-Q3", {}, 1);
  auto two = run(program, sales, "2026-Q3", {}, 2);
  REQUIRE(one.diagnostics.empty());
  REQUIRE(one.result.ok());
  REQUIRE(two.result.ok());
  CHECK(one.amounts == two.amounts);
  CHECK(two.amounts["P1 2026-Q3 r"] == "267.00");
  CHECK(two.amounts["P2 2026-Q3 r"] == "266.00");
  CHECK(two.amounts["P3 2026-Q3 r"] == "267.00");
}

TEST_CASE("a cell's sum past 64 bits stays exact (the scan's compact sums spill into 128 bits)", "[engine][threads]") {
  // Money is kept at 6 decimal places: 4,000,000,000,000.00 USD is 4e18, and three such lines (9.2e18 is
  // the int64 limit) overflow a 64-bit sum. By hand: 4e12 + 4e12 + 4e12 + 0.01 = 12,000,000,000,000.01 USD;
  // 1% of it is 120,000,000,000.0001, rounded half-even to the cent: 120,000,000,000.00. P2: 1% of 5 = 0.05.
  std::string sales = lines({"2026-07-01,P1,O1,hw,1,4000000000000.00", "2026-07-02,P2,O2,hw,1,5.00",
                             "2026-07-02,P1,O3,hw,1,4000000000000.00", "2026-07-03,P1,O4,hw,1,4000000000000.01"});
  const char* program = R"(
measure revenue = sales.sum(amount)
measure big = sales.count(where amount > 1_000_000 USD)
rebate pct { pay 1% of revenue }
rebate per_big { pay 1 USD * big }
)";
  for (unsigned threads : {1u, 2u}) {
    auto o = run(program, sales, "2026-Q3", {}, threads);
    REQUIRE(o.diagnostics.empty());
    REQUIRE(o.result.ok());
    CHECK(o.amounts["P1 2026-Q3 pct"] == "120000000000.00");
    CHECK(o.amounts["P1 2026-Q3 per_big"] == "3.00");
    CHECK(o.amounts["P2 2026-Q3 pct"] == "0.05");
    CHECK(o.amounts["P2 2026-Q3 per_big"] == "0.00");
  }
}

TEST_CASE("every statement at once is each partner and period's statement", "[engine][report]") {
  // statements_markdown gathers the payouts and awards in one pass; each statement must be what
  // statement_markdown gives for its partner and period, and there is one per partner and period paid.
  const std::string program = std::string(kHeader) + R"(
tiers t retroactive { from 0 USD to 1_000 USD: 1%  from 1_000 USD: 2% }
measure revenue = sales.sum(amount)
rebate a { pay t of revenue }
rebate b { pay 5% of revenue }
award level: Tier for next period "Level" {
  when revenue >= 2_000 USD => gold
  otherwise => bronze
}
)";
  plan::Plan plan = compile_plan(program);
  engine::RunOptions options;
  options.input_buffers["partners"] = kPartners;
  options.input_buffers["sales"] = lines({"2026-04-02,P1,O1,hw,1,500", "2026-07-02,P1,O2,hw,1,2500", "2026-08-02,P2,O3,sw,1,700",
                                          "2026-11-02,P3,O4,sw,1,3000", "2026-05-05,P3,O5,hw,1,100"});
  options.explanations = true;
  engine::RunResult r = engine::run(plan, options);
  REQUIRE(r.ok());
  const std::vector<engine::Statement> all = engine::statements_markdown(r, plan);
  std::set<std::pair<std::string, std::string>> expected;
  for (const engine::Payout& p : r.payouts) expected.emplace(std::string(p.partner), std::string(p.period));
  CHECK(all.size() == expected.size());
  for (const engine::Statement& st : all) {
    CHECK(expected.count({st.partner, st.period}) == 1);
    CHECK(st.markdown == engine::statement_markdown(r, plan, st.partner, st.period));
  }
  // P1 in 2026-Q3 (2,500 USD): 2% retroactive = 50.00, 5% = 125.00, and its level for the next quarter.
  bool seen = false;
  for (const engine::Statement& st : all) {
    if (st.partner != "P1" || st.period != "2026-Q3") continue;
    seen = true;
    CHECK(st.markdown.find("| **Total** | **175.00 USD** | |") != std::string::npos);
    CHECK(st.markdown.find("**level:** gold (for 2026-Q4)") != std::string::npos);  // 2,500 USD >= 2,000 USD
  }
  CHECK(seen);
}

TEST_CASE("an order met in both halves of a file is one group row on two threads", "[engine][threads]") {
  // Orders O0..O999 first (hardware), then, in the second half of the file, support lines for the even
  // orders and new orders N1, N3, ... of hardware only. An order with both: the even i, with partner
  // P(1 + i % 3). By hand: P1 has i % 6 == 0 (0, 6, ..., 996: 167), P2 i % 6 == 4 (4 .. 994: 166), P3
  // i % 6 == 2 (2 .. 998: 167); 10 USD each.
  std::string sales = "date,partner,order_id,family,units,amount\n";
  for (int i = 0; i < 1000; ++i) sales += "2026-07-01,P" + std::to_string(1 + i % 3) + ",O" + std::to_string(i) + ",hw,1,100\n";
  for (int i = 0; i < 1000; ++i) {
    const std::string partner = "P" + std::to_string(1 + i % 3);
    sales += i % 2 == 0 ? "2026-09-30," + partner + ",O" + std::to_string(i) + ",sup,1,50\n"
                        : "2026-09-30," + partner + ",N" + std::to_string(i) + ",hw,1,70\n";
  }
  const char* program = R"(
group orders = sales by order_id {
  hw: Money = sales.sum(amount where family == "hw")
  sup: Money = sales.sum(amount where family == "sup")
}
measure both = orders.count(where hw > 0 USD and sup > 0 USD)
measure all_orders = orders.count()
rebate per_order { pay 10 USD * both }
rebate per_any { pay 1 USD * all_orders }
)";
  auto one = run(program, sales, "2026-Q3", {}, 1);
  auto two = run(program, sales, "2026-Q3", {}, 2);
  REQUIRE(one.diagnostics.empty());
  REQUIRE(one.result.ok());
  REQUIRE(two.result.ok());
  CHECK(one.amounts == two.amounts);
  CHECK(two.amounts["P1 2026-Q3 per_order"] == "1670.00");
  CHECK(two.amounts["P2 2026-Q3 per_order"] == "1660.00");
  CHECK(two.amounts["P3 2026-Q3 per_order"] == "1670.00");
  // Every O order once, and N orders for odd i: P1 has 334 O (i % 3 == 0) + 167 N (odd, i % 6 == 3),
  // P2 333 + 167 (i % 6 == 1), P3 333 + 166 (i % 6 == 5: 5 .. 995).
  CHECK(two.amounts["P1 2026-Q3 per_any"] == "501.00");
  CHECK(two.amounts["P2 2026-Q3 per_any"] == "500.00");
  CHECK(two.amounts["P3 2026-Q3 per_any"] == "499.00");
}

TEST_CASE("lines of far-apart periods are all counted as outside the run", "[engine][threads]") {
  // --period 2026-Q3: the lines of 2026-Q1, of the year 1 and of the year 9999 (thousands of quarters
  // apart, past the scan's window of counted periods) are outside the run: 1 + 2 + 3 = 6 of 9 lines.
  std::string sales = lines({"2026-07-01,P1,O1,hw,1,10", "0001-01-01,P1,O2,hw,1,10", "2026-07-02,P2,O3,hw,1,10",
                             "9999-12-31,P1,O4,hw,1,10", "9999-12-30,P2,O5,hw,1,10", "2026-02-01,P3,O6,hw,1,10",
                             "0001-03-01,P3,O7,hw,1,10", "9999-11-30,P3,O8,hw,1,10", "2026-09-30,P3,O9,hw,1,10"});
  const char* program = "measure revenue = sales.sum(amount)\nrebate r { pay 1% of revenue }\n";
  for (unsigned threads : {1u, 2u}) {
    auto o = run(program, sales, "2026-Q3", {}, threads);
    REQUIRE(o.result.ok());
    CHECK(o.result.summary.outside_run == 6);
    CHECK(o.amounts["P1 2026-Q3 r"] == "0.10");  // 1% of 10 USD
  }
}

TEST_CASE("a group row's sum past 64 bits stays exact (compact group rows spill into 128 bits)", "[engine][threads]") {
  // Order O1 of P1: three hardware lines of 4,000,000,000,000.00 USD and one of 0.01 (4e18 at 6 places:
  // the three overflow a 64-bit sum), 12,000,000,000,000.01 USD in all; O2 of P2: 5.00 USD. By hand:
  // one order over 10,000,000,000,000 USD (P1's); 1% of P1's order value is 120,000,000,000.0001, rounded
  // half-even to the cent 120,000,000,000.00; P2: 1% of 5 = 0.05.
  std::string sales = lines({"2026-07-01,P1,O1,hw,1,4000000000000.00", "2026-07-02,P2,O2,hw,1,5.00",
                             "2026-07-02,P1,O1,hw,1,4000000000000.00", "2026-07-03,P1,O1,hw,1,4000000000000.00",
                             "2026-07-04,P1,O1,hw,1,0.01"});
  const char* program = R"(
group orders = sales by order_id {
  hw: Money = sales.sum(amount where family == "hw")
}
measure huge_orders = orders.count(where hw > 10_000_000_000_000 USD)
measure order_value = orders.sum(hw)
rebate per_huge { pay 1 USD * huge_orders }
rebate pct { pay 1% of order_value }
)";
  for (unsigned threads : {1u, 2u}) {
    auto o = run(program, sales, "2026-Q3", {}, threads);
    REQUIRE(o.diagnostics.empty());
    INFO((o.result.errors.empty() ? std::string() : o.result.errors[0]));
    REQUIRE(o.result.ok());
    CHECK(o.amounts["P1 2026-Q3 per_huge"] == "1.00");
    CHECK(o.amounts["P1 2026-Q3 pct"] == "120000000000.00");
    CHECK(o.amounts["P2 2026-Q3 per_huge"] == "0.00");
    CHECK(o.amounts["P2 2026-Q3 pct"] == "0.05");
  }
}

TEST_CASE("lines of unknown partners left out between an order's lines do not move its group row", "[engine][threads]") {
  // With rejects, lines naming a partner not in the table are left out; between two lines of one order
  // they must not make the order's lines look like another row's. Orders O<i> of P1 with a hardware and
  // a support line, a PX line of the same order between them: every O<i> has both, so P1 has 3,000 such
  // orders (10 USD each), and 3,000 lines are left out. (9,000 lines: several chunks of the reader, so
  // that a left-out line's unset partner and period hold an earlier chunk's values.)
  std::string sales = "date,partner,order_id,family,units,amount\n";
  for (int i = 0; i < 3000; ++i) {
    const std::string order = ",O" + std::to_string(i);
    sales += "2026-07-01,P1" + order + ",hw,1,100\n";
    sales += "2026-07-01,PX" + order + ",hw,1,100\n";
    sales += "2026-07-01,P1" + order + ",sup,1,50\n";
  }
  const std::string program = std::string(kHeader) + R"(
group orders = sales by order_id {
  hw: Money = sales.sum(amount where family == "hw")
  sup: Money = sales.sum(amount where family == "sup")
}
measure both = orders.count(where hw > 0 USD and sup > 0 USD)
rebate per_order { pay 10 USD * both }
)";
  plan::Plan plan = compile_plan(program);
  for (unsigned threads : {1u, 2u}) {
    engine::RunOptions options;
    options.input_buffers["partners"] = kPartners;
    options.input_buffers["sales"] = sales;
    options.period = "2026-Q3";
    options.reject_bad_rows = true;
    options.threads = threads;
    engine::RunResult r = engine::run(plan, options);
    REQUIRE(r.ok());
    std::string amount;
    for (const auto& p : r.payouts) {
      if (p.partner == "P1" && p.rebate == "per_order") amount = p.amount.to_fixed(2);
    }
    CHECK(amount == "30000.00");
    uint64_t rejected = 0;
    for (const auto& c : r.summary.inputs) rejected += c.name == "sales" ? c.rejected : 0;
    CHECK(rejected == 3000);
  }
}

TEST_CASE("random ledgers give the same payouts on one thread and two, in any row order", "[engine][threads]") {
  // A differential check of the scan's shortcuts (same key as the line before, compact sums and group
  // rows, partitions, segments, lazy texts, lines left out): seeded random ledgers of several reader
  // chunks, with unknown partners (rejected), orders that come back far apart, returns, lines outside
  // the run's periods; read on one thread and two, in file order and shuffled. All four must agree.
  const std::string program = std::string(kHeader) + R"(
group orders = sales by order_id {
  hw: Money = sales.sum(amount where family == "hw")
  sup: Money = sales.sum(amount where family == "sup")
  lines: Int = sales.count()
}
measure revenue = sales.sum(amount)
measure units_sold = sales.sum(units where units > 0)
measure buyers = sales.count_distinct(order_id where family == "sup")
measure both = orders.count(where hw > 0 USD and sup > 0 USD)
measure big = orders.count(where lines >= 3)
measure baseline = last_year(revenue)
rebate pct { pay 1% of revenue }
rebate per_order { pay 10 USD * both }
rebate per_big { pay 3 USD * big + 1 USD * buyers }
rebate growth { pay 2% of (revenue - baseline) allow negative }
rebate units { pay 0.5 USD * units_sold }
)";
  plan::Plan plan = compile_plan(program);
  for (uint64_t seed : {1u, 2u, 3u}) {
    SplitMix random{seed * 0x9E3779B97F4A7C15ull};
    auto next = [&random](uint64_t n) { return random.next(n); };
    std::vector<std::string> rows;
    int order = 0;
    while (rows.size() < 12000) {
      const std::string partner = next(20) == 0 ? "PX" : "P" + std::to_string(1 + next(3));
      const std::string id = next(10) == 0 && order > 10 ? "O" + std::to_string(next(static_cast<uint64_t>(order))) : "O" + std::to_string(order++);
      const std::string date = (next(4) == 0 ? "2025-0" : "2026-0") + std::to_string(1 + next(9)) + "-1" + std::to_string(next(10));
      for (uint64_t l = 0, lines = 1 + next(4); l < lines; ++l) {
        const char* family = next(3) == 0 ? "sup" : next(2) ? "hw" : "sw";
        const long units = next(15) == 0 ? -1 : static_cast<long>(1 + next(9));
        const long cents = units * static_cast<long>(100 + next(90000));
        const std::string& who = next(12) == 0 ? std::string("PX") : partner;  // a line of an unknown partner within an order
        rows.push_back(date + "," + who + "," + id + "," + family + "," + std::to_string(units) + "," + std::to_string(cents / 100) + "." +
                       std::to_string(100 + std::labs(cents) % 100).substr(1));
      }
    }
    std::vector<std::string> shuffled = rows;
    for (size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[next(i)]);
    std::vector<std::map<std::string, std::string>> outcomes;
    for (const auto* order_rows : {&rows, &shuffled}) {
      std::string sales = "date,partner,order_id,family,units,amount\n";
      for (const std::string& r : *order_rows) sales += r + "\n";
      for (unsigned threads : {1u, 2u}) {
        engine::RunOptions options;
        options.input_buffers["partners"] = kPartners;
        options.input_buffers["sales"] = sales;
        options.period = "2026-Q3";
        options.reject_bad_rows = true;
        options.threads = threads;
        engine::RunResult r = engine::run(plan, options);
        INFO("seed " << seed << ", threads " << threads << (r.errors.empty() ? std::string() : ": " + r.errors[0]));
        REQUIRE(r.ok());
        std::map<std::string, std::string> amounts;
        for (const auto& p : r.payouts) amounts[std::string(p.partner) + " " + std::string(p.rebate)] = p.amount.to_fixed(2);
        outcomes.push_back(std::move(amounts));
      }
    }
    INFO("seed " << seed);
    REQUIRE(outcomes.size() == 4);
    CHECK(outcomes[0].size() == 15);  // 3 partners x 5 rebates
    CHECK(outcomes[0]["P1 per_order"] != "0.00");
    CHECK(outcomes[0] == outcomes[1]);
    CHECK(outcomes[0] == outcomes[2]);
    CHECK(outcomes[0] == outcomes[3]);
  }
}

TEST_CASE("random ledgers without a partner table or fixed periods agree on one thread and two", "[engine][threads]") {
  // Each thread numbers the partners it meets and widens its periods to its lines' (the compact sums are
  // folded before the cells move); the merge renumbers the partners, so group rows are merged row by row.
  const std::string program = R"(
program "Random" { currency: USD  period: quarter }
ledger sales { date: Date as date  partner: Text as partner  order_id: Text  family: Text  units: Int  amount: Money }
group orders = sales by order_id {
  hw: Money = sales.sum(amount where family == "hw")
  sup: Money = sales.sum(amount where family == "sup")
}
measure revenue = sales.sum(amount)
measure both = orders.count(where hw > 0 USD and sup > 0 USD)
measure baseline = previous(revenue)
rebate pct { pay 1% of revenue }
rebate per_order { pay 10 USD * both }
rebate growth { pay 1% of (revenue - baseline) allow negative }
)";
  plan::Plan plan = compile_plan(program);
  for (uint64_t seed : {7u, 8u}) {
    SplitMix random{seed * 0x9E3779B97F4A7C15ull};
    auto next = [&random](uint64_t n) { return random.next(n); };
    // The first half of the file in 2024 and 2025, the second in 2025 and 2026: each thread starts with
    // other periods, and meets partners in another order.
    std::string sales = "date,partner,order_id,family,units,amount\n";
    for (int i = 0; i < 10000; ++i) {
      const std::string year = i < 5000 ? (next(2) ? "2024" : "2025") : (next(2) ? "2025" : "2026");
      const std::string partner = "Q" + std::to_string(i < 5000 ? next(40) : 60 - next(40));
      sales += year + "-0" + std::to_string(1 + next(9)) + "-15," + partner + ",O" + std::to_string(next(3000)) + "," +
               (next(2) ? "hw" : "sup") + ",1," + std::to_string(1 + next(999)) + ".25\n";
    }
    std::vector<std::map<std::string, std::string>> outcomes;
    for (unsigned threads : {1u, 2u}) {
      engine::RunOptions options;
      options.input_buffers["sales"] = sales;
      options.threads = threads;
      engine::RunResult r = engine::run(plan, options);
      INFO("seed " << seed << ", threads " << threads << (r.errors.empty() ? std::string() : ": " + r.errors[0]));
      REQUIRE(r.ok());
      std::map<std::string, std::string> amounts;
      for (const auto& p : r.payouts) amounts[std::string(p.partner) + " " + std::string(p.period) + " " + std::string(p.rebate)] = p.amount.to_fixed(2);
      outcomes.push_back(std::move(amounts));
    }
    INFO("seed " << seed);
    // Partners Q0..Q60 (Q0..Q39 in the first half, Q21..Q60 in the second), every quarter from the first
    // line's to the last's (months 1 to 9: 2024-Q1 .. 2026-Q3, 11 quarters), 3 rebates.
    CHECK(outcomes[0].size() == 61 * 11 * 3);
    CHECK(outcomes[0] == outcomes[1]);
  }
}
