// End-to-end tests of the engine on N threads: one, two, three and eight threads (and shuffled rows) must
// give the same payouts and the same errors, with expected amounts worked out by hand in the comments; seeded
// random ledgers check the scan's shortcuts differentially.
#include <catch2/catch.hpp>

#include <cstdio>
#include <iterator>
#include <map>
#include <set>

#include "engine/engine_test_support.h"

using namespace rebate;
using namespace rebate::engine_test;

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
  check_more_threads(two, program, sales, "2026-Q3", {});
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
  check_more_threads(two, program, sales, "2026-Q3", {});
  REQUIRE(!one.result.ok());
  CHECK(one.result.errors.size() == 5);  // lines 15, 715, 1415, 2115, 2815
  CHECK(one.result.errors == two.result.errors);
}

TEST_CASE("a ledger whose middle is inside a quoted cell gives on two threads what it gives on one", "[engine][threads]") {
  // 3,000 lines of 1.00 USD, then a line whose family cell holds 400 line breaks (from before the
  // middle of the file to well past it: the two-thread read's guessed split is inside it, and the run
  // reads again with an exact split), then 3,000 more; a partner not in the table on the last line.
  std::string sales = "date,partner,order_id,family,units,amount\n";
  for (int i = 0; i < 3000; ++i) sales += "2026-07-01,P1,O" + std::to_string(i) + ",sw,1,1.00\n";
  sales += "2026-07-02,P1,ON,\"note";
  for (int i = 0; i < 400; ++i) sales += "\nline " + std::to_string(i);
  sales += "\",1,1.00\n";
  for (int i = 0; i < 3000; ++i) sales += "2026-07-03,P2,Q" + std::to_string(i) + ",sw,1,1.00\n";
  const size_t open = sales.find("\"note"), close = sales.find('"', open + 1);
  REQUIRE(open < sales.size() / 2);
  REQUIRE(close > sales.size() / 2);
  const char* program = "measure revenue = sales.sum(amount)\nrebate r { pay 1% of revenue }\n";
  auto one = run(program, sales, "2026-Q3", {}, 1);
  auto two = run(program, sales, "2026-Q3", {}, 2);
  check_more_threads(two, program, sales, "2026-Q3", {});
  REQUIRE(one.result.ok());
  REQUIRE(two.result.ok());
  CHECK(one.amounts == two.amounts);
  CHECK(two.amounts["P1 2026-Q3 r"] == "30.01");  // 1% of 3,001 lines of 1.00
  CHECK(two.amounts["P2 2026-Q3 r"] == "30.00");  // 1% of 3,000
  // The error of a line past the quoted cell names its physical line: 1 (header) + 3,000 + 401 + 3,000 + 1.
  const std::string bad = sales + "2026-07-04,PX,Z,sw,1,1.00\n";
  auto one_bad = run(program, bad, "2026-Q3", {}, 1);
  auto two_bad = run(program, bad, "2026-Q3", {}, 2);
  check_more_threads(two_bad, program, bad, "2026-Q3", {});
  REQUIRE(one_bad.result.errors.size() == 1);
  CHECK(one_bad.result.errors[0].find(":6403:") != std::string::npos);
  CHECK(two_bad.result.errors == one_bad.result.errors);
}

TEST_CASE("a second half's unknown partner names its line with the split guessed or counted", "[engine][threads]") {
  // No quotes: the guess is the split. Unknown partners on both sides of the middle, one near the end;
  // the second thread numbers its lines from the split's, counted for the message if the first thread
  // has not got there yet.
  std::string sales = "date,partner,order_id,family,units,amount\n";
  for (int i = 0; i < 6000; ++i) sales += std::string("2026-07-01,") + (i == 1000 || i == 3100 || i == 5998 ? "PX" : "P1") + ",O,sw,1,1.00\n";
  const char* program = "measure revenue = sales.sum(amount)\nrebate r { pay 1% of revenue }\n";
  auto one = run(program, sales, "2026-Q3", {}, 1);
  auto two = run(program, sales, "2026-Q3", {}, 2);
  check_more_threads(two, program, sales, "2026-Q3", {});
  REQUIRE(one.result.errors.size() == 3);
  CHECK(one.result.errors[2].find(":6000:") != std::string::npos);  // line 1 is the header: 5,998 + 2
  CHECK(two.result.errors == one.result.errors);
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
    for (const auto& p : r.payouts) amounts[std::string(p.partner) + " " + std::string(p.period) + " " + std::string(p.rebate)] = p.amount().to_fixed(2);
    return amounts;
  };
  auto one = run_with(1), two = run_with(2);
  CHECK(one == two);
  for (unsigned threads : kMoreThreads) CHECK(run_with(threads) == two);
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
  check_more_threads(two, program, sales, "2026-Q3", {});
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
  check_more_threads(two, program, sales, "2026-Q3", {});
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
  for (unsigned threads : kThreadCounts) {
    auto o = run(program, sales, "2026-Q3", {}, threads);
    REQUIRE(o.diagnostics.empty());
    REQUIRE(o.result.ok());
    CHECK(o.amounts["P1 2026-Q3 pct"] == "120000000000.00");
    CHECK(o.amounts["P1 2026-Q3 per_big"] == "3.00");
    CHECK(o.amounts["P2 2026-Q3 pct"] == "0.05");
    CHECK(o.amounts["P2 2026-Q3 per_big"] == "0.00");
  }
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
  check_more_threads(two, program, sales, "2026-Q3", {});
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
  for (unsigned threads : kThreadCounts) {
    auto o = run(program, sales, "2026-Q3", {}, threads);
    REQUIRE(o.result.ok());
    CHECK(o.result.summary.outside_run_looked_back + o.result.summary.outside_run_nowhere == 6);
    CHECK(o.result.summary.outside_run_nowhere == 6);  // the program has no look-backs
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
  for (unsigned threads : kThreadCounts) {
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
  for (unsigned threads : kThreadCounts) {
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
      if (p.partner == "P1" && p.rebate == "per_order") amount = p.amount().to_fixed(2);
    }
    CHECK(amount == "30000.00");
    uint64_t rejected = 0;
    for (const auto& c : r.summary.inputs) rejected += c.name == "sales" ? c.rejected : 0;
    CHECK(rejected == 3000);
  }
}

TEST_CASE("random ledgers give the same payouts at every thread count, in any row order", "[engine][threads]") {
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
      for (unsigned threads : kThreadCounts) {
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
        for (const auto& p : r.payouts) amounts[std::string(p.partner) + " " + std::string(p.rebate)] = p.amount().to_fixed(2);
        outcomes.push_back(std::move(amounts));
      }
    }
    INFO("seed " << seed);
    REQUIRE(outcomes.size() == 2 * std::size(kThreadCounts));  // the file's order and the shuffled, at each count
    CHECK(outcomes[0].size() == 15);  // 3 partners x 5 rebates
    CHECK(outcomes[0]["P1 per_order"] != "0.00");
    for (size_t k = 1; k < outcomes.size(); ++k) CHECK(outcomes[0] == outcomes[k]);
  }
}

TEST_CASE("random ledgers without a partner table or fixed periods agree at every thread count", "[engine][threads]") {
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
    for (unsigned threads : kThreadCounts) {
      engine::RunOptions options;
      options.input_buffers["sales"] = sales;
      options.threads = threads;
      engine::RunResult r = engine::run(plan, options);
      INFO("seed " << seed << ", threads " << threads << (r.errors.empty() ? std::string() : ": " + r.errors[0]));
      REQUIRE(r.ok());
      std::map<std::string, std::string> amounts;
      for (const auto& p : r.payouts) amounts[std::string(p.partner) + " " + std::string(p.period) + " " + std::string(p.rebate)] = p.amount().to_fixed(2);
      outcomes.push_back(std::move(amounts));
    }
    INFO("seed " << seed);
    // Partners Q0..Q60 (Q0..Q39 in the first half, Q21..Q60 in the second), every quarter from the first
    // line's to the last's (months 1 to 9: 2024-Q1 .. 2026-Q3, 11 quarters), 3 rebates.
    CHECK(outcomes[0].size() == 61 * 11 * 3);
    for (size_t k = 1; k < outcomes.size(); ++k) CHECK(outcomes[0] == outcomes[k]);
  }
}
