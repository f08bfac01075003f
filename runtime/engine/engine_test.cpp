// End-to-end tests of the engine's semantics: each case is a small program, CSV inputs held in memory,
// and payouts computed by hand (the arithmetic is in the comment next to each expectation).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <set>

#include "engine/engine_test_support.h"
#include "engine/report.h"

using namespace rebate;

using namespace rebate::engine_test;

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

TEST_CASE("totals are each partner's payouts per period, in period then partner order", "[engine]") {
  // Two quarters from the data, three partners, two rebates (1% and 2% of revenue). Q1: P1 100, P2 200;
  // Q2: P1 50, P3 300. A total is 3% of the partner's revenue: Q1 P1 3.00, P2 6.00, P3 0.00; Q2 P1 1.50,
  // P2 0.00, P3 9.00. With a budget of 5 USD a quarter on b: Q1's b payouts 2 + 4 = 6 > 5 are scaled to
  // 5 x 2/6 = 1.666.. -> 1.66 and 5 x 4/6 = 3.333.. -> 3.33, the cent left to the larger (P2: 3.34), so
  // P1 1 + 1.66 = 2.66, P2 2 + 3.34 = 5.34; Q2's b payouts 1 + 6 = 7 > 5: 5/7 -> 0.71, 30/7 -> 4.28, the
  // cent to P3 (4.29): P1 0.50 + 0.71 = 1.21, P3 3.00 + 4.29 = 7.29.
  const std::string program = R"(
measure revenue = sales.sum(amount)
rebate a { pay 1% of revenue }
rebate b { pay 2% of revenue }
)";
  const std::string sales = lines({"2026-01-10,P1,O1,x,1,100", "2026-02-10,P2,O2,x,1,200", "2026-04-10,P1,O3,x,1,50",
                                   "2026-05-10,P3,O4,x,1,300"});
  const std::vector<std::string> order = {"P1 2026-Q1", "P2 2026-Q1", "P3 2026-Q1", "P1 2026-Q2", "P2 2026-Q2", "P3 2026-Q2"};
  auto totals = [](const Outcome& o) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const engine::Total& t : o.result.totals) out.emplace_back(t.partner + " " + t.period, t.amount.to_fixed(2));
    return out;
  };
  for (unsigned threads : {1u, 2u}) {
    auto o = run(program, sales, "", {}, threads);
    REQUIRE(o.result.ok());
    const auto t = totals(o);
    REQUIRE(t.size() == order.size());
    const std::vector<std::string> amounts = {"3.00", "6.00", "0.00", "1.50", "0.00", "9.00"};
    for (size_t i = 0; i < order.size(); ++i) CHECK(t[i] == std::make_pair(order[i], amounts[i]));
    auto b = run(program + "budget pool = 5 USD per quarter for b\n", sales, "", {}, threads);
    REQUIRE(b.result.ok());
    const auto tb = totals(b);
    REQUIRE(tb.size() == order.size());
    const std::vector<std::string> budgeted = {"2.66", "5.34", "0.00", "1.21", "0.00", "7.29"};
    for (size_t i = 0; i < order.size(); ++i) CHECK(tb[i] == std::make_pair(order[i], budgeted[i]));
  }
}

TEST_CASE("a budget written as a formula of constants is that amount", "[engine]") {
  // max(100, 200) = 200, and 200 / 2 x 3 - 100 = 200: the same budget as above, so the same cents.
  // (Lowering once folded only + - * / itself, and took a call as 0: every payout scaled to 0.00.)
  for (const char* budget : {"max(100 USD, 200 USD)", "pool_base / 2 * 3 - 100 USD"}) {
    const std::string program = fmt::format(R"(
const pool_base = 200 USD
measure revenue = sales.sum(amount)
rebate r {{ pay 10% of revenue }}
budget pool = {} per quarter
)",
                                            budget);
    INFO(budget);
    auto o = run(program.c_str(), lines({"2026-07-01,P1,O1,x,1,1000", "2026-07-01,P2,O2,x,1,1000", "2026-07-01,P3,O3,x,1,1000"}));
    REQUIRE(o.result.ok());
    CHECK(o.amounts["P1 2026-Q3 r"] == "66.67");
    CHECK(o.amounts["P2 2026-Q3 r"] == "66.67");
    CHECK(o.amounts["P3 2026-Q3 r"] == "66.66");
  }
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

TEST_CASE("tests on group fields compare exactly, at the field's scale and past it", "[engine]") {
  // The finish compares a compact row's words with the constants: 10.00 against `>= 10 USD` and
  // `> 9.995 USD` (a constant with more places than the field, compared as a decimal), counts against
  // whole and fractional constants, every comparison operator on each, and a negative constant (folded
  // into one by the lowering). A test the plan's filter matcher does not take (`value + 0 USD < ...`) has
  // its rows finished through their fields' values, and must agree.
  const char* fields = R"(
group orders = sales by order_id {
  value: Money = sales.sum(amount where family == "x")
  lines = sales.count()
}
)";
  const std::string direct = std::string(fields) + R"(
measure at_least_ten = orders.count(where value >= 10 USD)
measure above_fine = orders.count(where value > 9.995 USD)
measure above_ten = orders.count(where value > 10 USD)
measure two_lines = orders.count(where lines >= 2)
measure over_one_and_half = orders.count(where lines > 1.5)
measure exactly_ten = orders.count(where value == 10 USD)
measure not_ten = orders.count(where value != 10 USD)
measure below_ten = orders.count(where value < 10 USD)
measure at_most = orders.count(where value <= 9.99 USD)
measure one_line = orders.count(where lines == 1)
measure not_two_lines = orders.count(where lines != 2)
measure at_most_one_line = orders.count(where lines <= 1)
measure negative = orders.count(where value < -0.01 USD)
measure above_minus_three = orders.count(where value > -3 USD)
measure lines_below_minus_four = sales.count(where amount < -4 USD)
rebate a { pay 1000 USD * at_least_ten + 100 USD * above_fine + 10 USD * above_ten }
rebate b { pay 1000 USD * two_lines + 100 USD * over_one_and_half }
rebate d { pay 1000 USD * exactly_ten + 100 USD * not_ten + 10 USD * below_ten + 1 USD * at_most }
rebate e { pay 1000 USD * one_line + 100 USD * not_two_lines + 10 USD * at_most_one_line }
rebate c { pay 10 USD * negative + 1000 USD * at_least_ten }
rebate f { pay 100 USD * above_minus_three + 1 USD * lines_below_minus_four }
)";
  const std::string general = std::string(fields) + R"(
measure negative = orders.count(where value + 0 USD < -0.01 USD)
measure at_least_ten = orders.count(where value >= 10 USD)
rebate c { pay 10 USD * negative + 1000 USD * at_least_ten }
)";
  // O1: 4.00 + 6.00 = 10.00 (2 lines); O2: 9.99 (2 lines, one of family y: not in the value); O3: 10.01
  // (1 line); O4: -5.00 + 3.00 = -2.00 (2 lines).
  const std::string sales = lines({"2026-07-01,P1,O1,x,1,4.00", "2026-07-01,P1,O1,x,1,6.00", "2026-07-02,P1,O2,x,1,9.99",
                                   "2026-07-02,P1,O2,y,1,500.00", "2026-07-03,P1,O3,x,1,10.01", "2026-07-04,P1,O4,x,1,-5.00",
                                   "2026-07-04,P1,O4,x,1,3.00"});
  auto o = run(direct, sales);
  REQUIRE(o.result.ok());
  // a: >= 10: O1, O3 (2); > 9.995: O1, O3 (2); > 10: O3 (1) -> 2000 + 200 + 10.
  CHECK(o.amounts["P1 2026-Q3 a"] == "2210.00");
  // b: >= 2 lines: O1, O2, O4 (3); > 1.5 lines: the same 3 -> 3000 + 300.
  CHECK(o.amounts["P1 2026-Q3 b"] == "3300.00");
  // d: == 10: O1 (1); != 10: O2, O3, O4 (3); < 10: O2, O4 (2); <= 9.99: O2, O4 (2) -> 1000 + 300 + 20 + 2.
  CHECK(o.amounts["P1 2026-Q3 d"] == "1322.00");
  // e: one line: O3 (1); not two lines: O3 (1); at most one line: O3 (1) -> 1000 + 100 + 10.
  CHECK(o.amounts["P1 2026-Q3 e"] == "1110.00");
  CHECK(o.amounts["P1 2026-Q3 c"] == "2010.00");  // value < -0.01: O4 (10); >= 10: O1, O3 (2000)
  // f: value > -3: all four orders (400); lines below -4 USD: the -5.00 line (1) -> 401.
  CHECK(o.amounts["P1 2026-Q3 f"] == "401.00");
  auto g = run(general, sales);
  REQUIRE(g.result.ok());
  CHECK(g.amounts["P1 2026-Q3 c"] == "2010.00");  // value < -0.01: O4 (10); >= 10: O1, O3 (2000)
}

TEST_CASE("a group read through look-backs has its rows in the periods they reach back to", "[engine]") {
  // The scan groups a ledger's lines only in the periods the aggregates over the group are read in (the
  // paid period and the look-backs of the measures over it): here previous(), last_year() and
  // year_to_date() of the solution orders, and last_year() of revenue, which reads no group row.
  const char* program = R"(
group orders = sales by order_id {
  hardware = sales.count(where family == "hardware")
  support = sales.count(where family == "support")
}
measure solutions = orders.count(where hardware > 0 and support > 0)
measure solutions_before = previous(solutions)
measure solutions_last_year = last_year(solutions)
measure solutions_ytd = year_to_date(solutions)
measure revenue = sales.sum(amount)
measure revenue_last_year = last_year(revenue)
rebate now_r { pay 100 USD * solutions }
rebate before_r { pay 10 USD * solutions_before }
rebate last_year_r { pay 1 USD * solutions_last_year }
rebate ytd_r { pay 1000 USD * solutions_ytd }
rebate revenue_r { pay 1% of revenue_last_year }
)";
  const std::string sales = lines({
      "2025-05-01,P1,O9,hardware,1,10", "2025-05-01,P1,O9,support,1,10",  // 2025-Q2: read by nothing
      "2025-08-01,P1,O1,hardware,1,10", "2025-08-01,P1,O1,support,1,10",  // 2025-Q3: two solutions
      "2025-08-02,P1,O2,hardware,1,10", "2025-08-02,P1,O2,support,1,10",
      "2026-02-01,P1,O3,hardware,1,10", "2026-02-01,P1,O3,support,1,10",  // 2026-Q1: one
      "2026-05-01,P1,O4,hardware,1,10", "2026-05-01,P1,O4,support,1,10",  // 2026-Q2: one, and O5 without support
      "2026-05-02,P1,O5,hardware,1,10",
      "2026-07-01,P1,O6,hardware,1,10", "2026-07-01,P1,O6,support,1,10",  // 2026-Q3: two, and O1 again (support only)
      "2026-07-02,P1,O7,support,1,10", "2026-07-02,P1,O7,hardware,1,10",
      "2026-07-03,P1,O1,support,1,10",
  });
  for (unsigned threads : {1u, 2u}) {
    INFO(threads << " thread(s)");
    auto o = run(program, sales, "2026-Q3", {}, threads);
    REQUIRE(o.result.ok());
    CHECK(o.amounts["P1 2026-Q3 now_r"] == "200.00");       // O6, O7: 2 x 100
    CHECK(o.amounts["P1 2026-Q3 before_r"] == "10.00");     // 2026-Q2: O4: 1 x 10
    CHECK(o.amounts["P1 2026-Q3 last_year_r"] == "2.00");   // 2025-Q3: O1, O2: 2 x 1
    CHECK(o.amounts["P1 2026-Q3 ytd_r"] == "4000.00");      // 2026-Q1..Q3: O3, O4, O6, O7: 4 x 1,000
    CHECK(o.amounts["P1 2026-Q3 revenue_r"] == "0.40");     // 2025-Q3: 4 lines x 10 = 40 x 1%
  }
}

TEST_CASE("each aggregate takes the lines of the periods it is read in, its look-backs included", "[engine]") {
  // Each aggregate reaches back its own way: a kernel sum through previous(), a count_distinct through
  // last_year(), a count the VM runs (its filter multiplies, which no kernel matches) through
  // year_to_date(); revenue is read in the paid period only.
  const char* program = R"(
measure revenue = sales.sum(amount)
measure units = sales.sum(units where family == "x")
measure orders_seen = sales.count_distinct(order_id)
measure big = sales.count(where amount * 2 > 100 USD)
measure units_before = previous(units)
measure orders_last_year = last_year(orders_seen)
measure big_ytd = year_to_date(big)
rebate r1 { pay 1 USD * units_before }
rebate r2 { pay 10 USD * orders_last_year }
rebate r3 { pay 100 USD * big_ytd }
rebate r4 { pay 1% of revenue }
)";
  const std::string sales = lines({
      "2025-08-01,P1,O1,x,2,100", "2025-08-02,P1,O2,y,5,30", "2025-08-03,P1,O2,y,1,20",  // 2025-Q3
      "2025-11-01,P1,O7,x,9,500",                                                        // 2025-Q4: read by none
      "2026-02-01,P1,O3,x,1,60",                                                         // 2026-Q1
      "2026-05-01,P1,O4,x,3,10", "2026-05-02,P1,O5,y,7,80",                              // 2026-Q2
      "2026-07-01,P1,O6,x,4,1000",                                                       // 2026-Q3
  });
  for (unsigned threads : {1u, 2u}) {
    INFO(threads << " thread(s)");
    auto o = run(program, sales, "2026-Q3", {}, threads);
    REQUIRE(o.result.ok());
    CHECK(o.amounts["P1 2026-Q3 r1"] == "3.00");    // 2026-Q2 units of family x: O4's 3 (O5 is y) x 1 USD
    CHECK(o.amounts["P1 2026-Q3 r2"] == "20.00");   // 2025-Q3 orders: O1, O2 = 2 x 10 USD
    CHECK(o.amounts["P1 2026-Q3 r3"] == "300.00");  // 2026-Q1..Q3 lines over 50 USD: O3 (60), O5 (80), O6 (1,000) = 3 x 100 USD
    CHECK(o.amounts["P1 2026-Q3 r4"] == "10.00");   // 2026-Q3 revenue 1,000 x 1%
  }
}

TEST_CASE("an explanation says how far the partner is from the next band, as a person would", "[engine]") {
  // 87,700 of storage revenue in the first band (2% below 100,000): 12,300 more reaches 4%.
  const char* program = R"(
tiers storage_tiers retroactive {
  from 0 USD to 100_000 USD: 2%
  from 100_000 USD to 1_000_000 USD: 4%
  from 1_000_000 USD: 6%
}
measure storage_revenue = sales.sum(amount where family == "storage")
rebate storage_volume { pay storage_tiers of storage_revenue }
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,storage,1,80000", "2026-07-02,P1,O2,storage,1,7700"}));
  REQUIRE(o.result.ok());
  const engine::Payout* p = nullptr;
  for (const auto& x : o.result.payouts) {
    if (x.partner == "P1" && x.period == "2026-Q3") p = &x;
  }
  REQUIRE(p != nullptr);
  CHECK(p->amount().to_fixed(2) == "1754.00");  // 87,700 x 2%
  CHECK(p->band == "from 0 USD to 100,000 USD");
  CHECK(p->next_band() == "12,300.00 USD more storage revenue reaches 4%");
  REQUIRE(p->measures().size() == 1);
  CHECK(p->measures()[0].value == "87,700.00 USD");
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

TEST_CASE("dividing by a ratio that came from a division is exact, not an overflow", "[engine]") {
  // Three lines, one of family y: share = 1 / 3 carried to 18 places (0.333333333333333333); 1800 USD /
  // that = 5400.0000000000000054 USD, which pays 1% = 54.00. (The dividend's coefficient scaled to
  // 18 + 18 places is beyond 38 digits: this once failed as an overflow.)
  const char* program = R"(
measure revenue = sales.sum(amount)
measure share = sales.count(where family == "y") / sales.count() otherwise 0%
measure per_share = revenue / share otherwise 0 USD
rebate r { pay 1% of per_share }
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,x,1,600", "2026-07-02,P1,O2,x,1,600", "2026-07-03,P1,O3,y,1,600"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 r"] == "54.00");
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
  CHECK(result.payouts[0].amount().to_fixed(2) == "41.97");  // 20.99 (half up) + 20.98
}

namespace {

// Revenue and the same quarter's a year before: lines of the paid quarter and of a year before count.
const char* const kRevenueAndLastYear = R"(
measure revenue = sales.sum(amount)
measure base = last_year(revenue)
rebate r { pay 1% of revenue + 1% of base }
)";

bool has_note_starting(const Outcome& o, std::string_view start) {
  for (const auto& n : o.result.summary.notes) {
    if (n.rfind(start, 0) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a line dated far away is counted, and the tables stay the size of the run", "[engine]") {
  // 1900-01-01 and 2099-12-31 are typos in a 2026 ledger: they cannot change a Q3 2026 payout with a
  // one-year look-back, so they are left out of the tables and reported in a note.
  auto o = run(kRevenueAndLastYear, lines({"1900-01-01,P1,O1,x,1,1000000", "2099-12-31,P1,O2,x,1,1000000", "2025-07-01,P1,O3,x,1,200",
                               "2026-07-01,P1,O4,x,1,100"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 r"] == "3.00");  // 1% of 100 + 1% of 200 (Q3 2025)
  // Three lines are outside 2026-Q3: the 2025-07-01 one within last_year's reach (2025-Q3 .. 2026-Q2),
  // the two typos in no payout; told once, in one note.
  CHECK(has_note_starting(o, "3 ledger lines are dated outside the period the run pays (2026-Q3): 1 can count only through "
                             "look-backs (2025-Q3 .. 2026-Q2) and 2 count in no payout"));
  CHECK(o.result.summary.outside_run_looked_back == 1);
  CHECK(o.result.summary.outside_run_nowhere == 2);
}

TEST_CASE("lines of periods before the first line's are counted like the others", "[engine]") {
  // The scan counts lines per period in a window that starts at the first line's period and widens:
  // towards later periods and, here, towards earlier ones (2025-Q3, then 2024-Q2, then 1990-Q1).
  auto o = run(kRevenueAndLastYear, lines({"2026-07-01,P1,O4,x,1,100", "2025-07-01,P1,O3,x,1,200", "2024-05-05,P1,O2,x,1,5000",
                               "1990-01-01,P1,O1,x,1,7000", "2026-07-02,P1,O5,x,1,100"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 r"] == "4.00");  // 1% of 100 + 100 + 1% of 200 (Q3 2025); 2024 and 1990 in no period
  // Outside 2026-Q3: 2025-07-01 (within reach), 2024-05-05 and 1990-01-01 (beyond it).
  CHECK(has_note_starting(o, "3 ledger lines are dated outside the period the run pays (2026-Q3): 1 can count only through "
                             "look-backs (2025-Q3 .. 2026-Q2) and 2 count in no payout"));
}

TEST_CASE("the plan and its bytecode can be printed", "[engine]") {
  Compiler compiler(CompileOptions{});
  CompiledProgram compiled = compiler.compile_text("t.rebate", std::string(kHeader) + R"(
tiers volume retroactive { from 0 USD to 1_000 USD: 1%  from 1_000 USD: 2% }
measure revenue = sales.sum(amount where family == "storage")
const floor = 5 USD
measure returns = sales.count(where amount < -0.01 USD and amount < -floor)
rebate r { eligible when partner.tier >= silver  pay volume of revenue }
rebate per_return { pay 1 USD * returns + floor }
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
  // `-` on a constant is a negative constant, a declared one's too (which stays positive where it is
  // read as it is); no Neg is left to run.
  CHECK(b.find("Const        -0.01") != std::string::npos);
  CHECK(b.find("Const        -5") != std::string::npos);
  CHECK(b.find("Const        5") != std::string::npos);
  CHECK(b.find("Neg") == std::string::npos);
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

TEST_CASE("a lookup table keyed by Int is looked up by number", "[engine][lookup]") {
  // The ledger's `product` cells are the table's Int keys. Before, they were read as texts and never
  // matched the numbers: any filter on `product.family` failed with "it reads an empty cell".
  const char* program = R"(
table products { code: Int as key  family: Text }
ledger orders { date: Date as date  partner: Text as partner  product: products  amount: Money }
measure storage = orders.sum(amount where product.family == "storage")
rebate r { pay 10% of storage }
)";
  auto o = run(program, "date,partner,order_id,family,units,amount\n", "2026-Q3",
               {{"products", "code,family\n7,storage\n8,compute\n"},
                {"orders", "date,partner,product,amount\n2026-07-01,P1,7,100\n2026-07-02,P1,8,50\n2026-07-03,P2,7,30\n"}});
  REQUIRE(o.diagnostics.empty());
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 r"] == "10.00");  // product 7 is storage: 10% of 100; product 8 is not
  CHECK(o.amounts["P2 2026-Q3 r"] == "3.00");   // 10% of 30
}

TEST_CASE("a budget written finer than the cent is paid to the cent below it, and never hangs", "[engine][budget]") {
  // Three partners earn 100 each (300); the budget is 200.005: each share is 200.005/300 x 100 = 66.668333,
  // cut to 66.66 (199.98); whole cents left: 200.005 - 199.98 = 0.025, so 2 cents, to the largest payouts
  // in partner order (P1, P2): 66.67, 66.67, 66.66 = 200.00. The half cent is no payout's. Before, the
  // leftover loop ran forever, waiting for 0.005 to reach zero a cent at a time.
  const char* program = R"(
measure revenue = sales.sum(amount)
rebate r { pay 10% of revenue }
budget pool = 200.005 USD per quarter
)";
  auto o = run(program, lines({"2026-07-01,P1,O1,x,1,1000", "2026-07-01,P2,O2,x,1,1000", "2026-07-01,P3,O3,x,1,1000"}));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 r"] == "66.67");
  CHECK(o.amounts["P2 2026-Q3 r"] == "66.67");
  CHECK(o.amounts["P3 2026-Q3 r"] == "66.66");
}
