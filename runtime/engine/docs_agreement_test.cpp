// The tool does what docs/language.md says, on the points where a designer writing programs from the
// docs alone found it did not (issue 21). Each case is a whole program with CSV inputs held in memory;
// every expected amount is worked out by hand from the docs' own sentences, in the comment beside it.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "driver/compilation.h"
#include "engine/engine.h"
#include "lower/lower.h"

using namespace rebate;

namespace {

struct Outcome {
  std::vector<std::string> errors;    // "E0510 message": the checker's errors
  std::vector<std::string> warnings;  // "W0006 message"
  engine::RunResult result;
  std::map<std::string, std::string> amounts;   // "P1 2026-Q3 rebate" -> "1240.00" (at 2 places)
  std::map<std::string, std::string> statuses;  // "P1 2026-Q3 rebate" -> "paid"
  bool ran = false;
};

struct Run {
  std::map<std::string, std::string> inputs;  // input name -> CSV text
  std::optional<std::string> period;
  bool reject = false;
  unsigned threads = 1;
};

// Checks a whole program; runs it on the inputs when it has no error.
Outcome run(const std::string& program, const Run& how = {}) {
  Outcome o;
  Compiler compiler(CompileOptions{});
  CompiledProgram compiled = compiler.compile_text("t.rebate", program);
  compiler.finish();
  for (const auto& d : compiler.diagnostics().all()) {
    std::string line = fmt::format("{} {}", info(d.kind).code, d.message);
    if (d.severity == Severity::Error) o.errors.push_back(line);
    if (d.severity == Severity::Warning) o.warnings.push_back(line);
  }
  if (!o.errors.empty() || !compiled.typed || how.inputs.empty()) return o;
  plan::Plan plan = lower_program(*compiled.typed, compiler.sources());
  engine::RunOptions options;
  options.input_buffers = how.inputs;
  options.period = how.period;
  options.reject_bad_rows = how.reject;
  options.threads = how.threads;
  o.result = engine::run(plan, options);
  o.ran = true;
  for (const auto& p : o.result.payouts) {
    const std::string key = fmt::format("{} {} {}", p.partner, p.period, p.rebate);
    o.amounts[key] = p.amount().to_fixed(2);  // as the report writes a USD amount
    o.statuses[key] = std::string(p.status);
  }
  return o;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

const char* kQuarterly = R"(
program "Docs" { currency: USD  period: quarter }
ledger sales { date: Date as date  partner: Text as partner  amount: Money }
measure revenue = sales.sum(amount)
)";

}  // namespace

// ---- 1. `round` counts a percentage's places in percent points -------------------------------------

TEST_CASE("round on a percentage rounds the percentage, in the VM and the constant folder", "[engine][docs]") {
  // §4 Functions: `round(12.345%, 1)` is `12.3%`; `round(x)` rounds a percent to a whole percent.
  const std::string program = std::string(kQuarterly) + R"(
const edge = round(12.35%, 1)
tiers by_share retroactive { from 0% to edge: 1%  from edge: 2% }
measure share = sales.count() / 1000
rebate one_place { pay round(12.35%, 1) of revenue }
rebate whole { pay round(12.35%) of revenue }
rebate explicit_mode { pay round(12.35%, 1, down) of revenue }
rebate folded { pay (by_share by share) of revenue }
)";
  std::string sales = "date,partner,amount\n2026-07-01,P1,10000\n";
  // P2: 124 lines of 1 USD: share 124 / 1000 = 0.124 = 12.4%, exactly the folded bound `edge`.
  for (int i = 0; i < 124; ++i) sales += "2026-07-02,P2,1\n";
  auto o = run(program, {{{"sales", sales}}, "2026-Q3"});
  REQUIRE(o.errors.empty());
  REQUIRE(o.result.ok());
  // 12.35% to one place of the percentage, half-even: 12.4% (the 3 is odd); 10,000 x 12.4% = 1,240.00.
  CHECK(o.amounts["P1 2026-Q3 one_place"] == "1240.00");
  // 12.35% to a whole percent: 12%; 10,000 x 12% = 1,200.00.
  CHECK(o.amounts["P1 2026-Q3 whole"] == "1200.00");
  // Down: 12.3%; 10,000 x 12.3% = 1,230.00.
  CHECK(o.amounts["P1 2026-Q3 explicit_mode"] == "1230.00");
  // P1: 1 line, share 0.001 = 0.1%, below edge (12.4%): 1% of 10,000 = 100.00.
  CHECK(o.amounts["P1 2026-Q3 folded"] == "100.00");
  // P2: share 12.4% is on the boundary, so the upper band: 2% of 124 = 2.48.
  CHECK(o.amounts["P2 2026-Q3 folded"] == "2.48");
}

TEST_CASE("round on money rounds to the value's own currency, not the program's", "[engine][docs]") {
  // §4: `round(x)` rounds Money to the currency's minor unit. A JPY column in a USD program: whole yen.
  const char* program = R"(
program "Yen" { currency: USD  period: quarter }
ledger sales { date: Date as date  partner: Text as partner  yen: Money(JPY) }
measure big_lines = sales.count(where round(yen) >= 101 JPY)
rebate per_big_line { pay 1 USD * big_lines }
)";
  // 100.6 JPY rounds to 101 JPY (whole yen): counted; 100.4 rounds to 100: not. One line counts: 1.00.
  auto o = run(program, {{{"sales", "date,partner,yen\n2026-07-01,P1,100.6\n2026-07-01,P1,100.4\n"}}, "2026-Q3"});
  REQUIRE(o.errors.empty());
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 per_big_line"] == "1.00");
}

// ---- 2. A payout is rounded once, to at most the currency's places ---------------------------------

TEST_CASE("rounding to more places than the currency has is an error, not a second rounding", "[engine][docs]") {
  // §16: a payout has at most the currency's minor unit of places. `rounding up to 3` on 1% of 1,234.50
  // (12.345 exactly) used to round to 12.345 and then again, half-even, to 12.34: less than the exact
  // amount under a mode that never rounds down.
  const std::string bad = std::string(kQuarterly) + "rebate r { pay 1% of revenue  rounding up to 3 }\n";
  auto o = run(bad);
  REQUIRE(o.errors.size() == 1);
  CHECK(o.errors[0] == "E0510 a payout in USD has at most 2 decimal places; it cannot be rounded to 3");
  // In JPY (no minor unit) even `to 1` is refused.
  auto yen = run("program \"Y\" { currency: JPY  period: quarter }\n"
                 "ledger sales { date: Date as date  partner: Text as partner  amount: Money }\n"
                 "rebate r { pay 1% of sales_total  rounding half_up to 1 }\nmeasure sales_total = sales.sum(amount)\n");
  REQUIRE(yen.errors.size() == 1);
  CHECK(yen.errors[0] == "E0510 a payout in JPY has at most 0 decimal places; it cannot be rounded to 1");
  // Up to the cents: 12.345 -> 12.35, and `to 0`: 12.345 -> 13 (up, away from zero).
  const std::string good = std::string(kQuarterly) +
                           "rebate cents { pay 1% of revenue  rounding up to 2 }\n"
                           "rebate whole { pay 1% of revenue  rounding up to 0 }\n";
  auto g = run(good, {{{"sales", "date,partner,amount\n2026-07-01,P1,1234.50\n"}}, "2026-Q3"});
  REQUIRE(g.errors.empty());
  REQUIRE(g.result.ok());
  CHECK(g.amounts["P1 2026-Q3 cents"] == "12.35");
  CHECK(g.amounts["P1 2026-Q3 whole"] == "13.00");
}

// ---- 3. --period takes every label the tool prints ---------------------------------------------------

TEST_CASE("--period accepts fiscal quarters, fiscal months and fiscal years", "[engine][docs]") {
  // §3: retail_445 starts FY2026 on 2026-02-01; quarters are 13 weeks (91 days), months 4, 4, 5 weeks.
  // FY2026-Q1: 2026-02-01 .. 2026-05-02; FY2026-Q2: 2026-05-03 .. 2026-08-01; FY2026-P01: 2026-02-01 ..
  // 2026-02-28 (28 days); FY2026-P02: 2026-03-01 .. 2026-03-28; FY2026: 2026-02-01 .. 2027-01-30 (364 days).
  const char* sales =
      "date,partner,amount\n"
      "2026-02-28,P1,50\n"     // FY2026-Q1, FY2026-P01
      "2026-03-01,P1,500\n"    // FY2026-Q1, FY2026-P02
      "2026-05-02,P1,1000\n"   // FY2026-Q1, FY2026-P03
      "2026-05-03,P1,100\n"    // FY2026-Q2
      "2026-08-01,P1,10\n"     // FY2026-Q2
      "2026-08-02,P1,10000\n"  // FY2026-Q3
      "2027-01-31,P1,7\n";     // FY2027-Q1
  auto program = [](const char* grain) {
    return fmt::format(R"(
import "std/calendars"
program "Fiscal" {{ currency: USD  period: {} of retail_445 }}
ledger sales {{ date: Date as date  partner: Text as partner  amount: Money }}
measure revenue = sales.sum(amount)
rebate r {{ pay 10% of revenue }}
)", grain);
  };
  auto q = run(program("quarter"), {{{"sales", sales}}, "FY2026-Q2"});
  REQUIRE(q.errors.empty());
  INFO(joined(q.result.errors));
  REQUIRE(q.result.ok());
  REQUIRE(q.amounts.size() == 1);
  CHECK(q.amounts["P1 FY2026-Q2 r"] == "11.00");  // (100 + 10) x 10%
  auto m = run(program("month"), {{{"sales", sales}}, "FY2026-P01"});
  REQUIRE(m.result.ok());
  REQUIRE(m.amounts.size() == 1);
  CHECK(m.amounts["P1 FY2026-P01 r"] == "5.00");  // 50 x 10%
  auto y = run(program("year"), {{{"sales", sales}}, "FY2026"});
  REQUIRE(y.result.ok());
  REQUIRE(y.amounts.size() == 1);
  CHECK(y.amounts["P1 FY2026 r"] == "1166.00");  // (50 + 500 + 1,000 + 100 + 10 + 10,000) x 10%
  // A label the program does not print is still a usage error, naming the form to use.
  auto civil = run(program("quarter"), {{{"sales", sales}}, "2026-Q2"});
  CHECK(civil.result.usage_error);
  REQUIRE(civil.result.errors.size() == 1);
  CHECK(civil.result.errors[0] == "`2026-Q2` is not a period of this program (it pays per quarter; write it like `FY2026-Q2`, or a range like "
                                      "`FY2026-Q2..FY2026-Q3`)");
  auto other_grain = run(program("quarter"), {{{"sales", sales}}, "FY2026-P01"});
  CHECK(other_grain.result.usage_error);
}

TEST_CASE("--period on a fiscal year that starts in July", "[engine][docs]") {
  // fiscal_july_544: FY2026 starts 2026-07-01; FY2026-Q1 is 91 days: 2026-07-01 .. 2026-09-29.
  const char* program = R"(
import "std/calendars"
program "July" { currency: USD  period: quarter of fiscal_july_544 }
ledger sales { date: Date as date  partner: Text as partner  amount: Money }
measure revenue = sales.sum(amount)
rebate r { pay 10% of revenue }
)";
  auto o = run(program, {{{"sales", "date,partner,amount\n2026-06-30,P1,1\n2026-07-01,P1,20\n2026-09-29,P1,30\n2026-09-30,P1,400\n"}}, "FY2026-Q1"});
  REQUIRE(o.result.ok());
  REQUIRE(o.amounts.size() == 1);
  CHECK(o.amounts["P1 FY2026-Q1 r"] == "5.00");  // (20 + 30) x 10%
}

// ---- 4. A key missing from its lookup table is a malformed row ----------------------------------------

namespace {

std::string lookup_program(const char* measures) {
  return fmt::format(R"(
program "Lookups" {{ currency: USD  period: quarter }}
table skus {{ sku: Text as key  family: Text }}
ledger sales {{ date: Date as date  partner: Text as partner  sku: skus  amount: Money }}
{}
)", measures);
}

const char* kSkus = "sku,family\nS1,EV\nS2,ICE\n";
// Line 3 names `S9`, which the SKU table does not have.
const char* kSalesWithUnknownSku = "date,partner,sku,amount\n2026-07-01,P1,S1,1000\n2026-07-02,P1,S9,500\n2026-07-03,P1,S2,100\n";

}  // namespace

TEST_CASE("a ledger key missing from its lookup table is a malformed row whatever the program reads", "[engine][docs]") {
  // §5 Lookup tables: "A ledger line whose key is not in the table is a malformed row", reported with
  // the file, the line, the column, the key and the table. Line 3 is `2026-07-02,P1,S9,500`: the key's
  // cell starts after 11 + 3 characters, at column 15.
  const std::string expected = "sales:3:15: column `sku`: `S9` is not a key of table `skus`";
  // The program never reads the SKU table's columns: the line used to be counted silently.
  auto silent = run(lookup_program("measure revenue = sales.sum(amount)\nrebate r { pay 10% of revenue }"),
                    {{{"skus", kSkus}, {"sales", kSalesWithUnknownSku}}, "2026-Q3"});
  REQUIRE(silent.errors.empty());
  REQUIRE(silent.result.errors.size() == 1);
  CHECK(silent.result.errors[0] == expected);
  CHECK(silent.result.payouts.empty());
  // The program reads `sku.family`: the run used to fail saying a cell was empty.
  auto reads = run(lookup_program("measure ev = sales.sum(amount where sku.family == \"EV\")\nrebate r { pay 10% of ev }"),
                   {{{"skus", kSkus}, {"sales", kSalesWithUnknownSku}}, "2026-Q3"});
  REQUIRE(reads.result.errors.size() == 1);
  CHECK(reads.result.errors[0] == expected);
}

TEST_CASE("a ledger key missing from its lookup table is rejected with --on-bad-row reject", "[engine][docs]") {
  auto o = run(lookup_program("measure revenue = sales.sum(amount)\nrebate r { pay 10% of revenue }"),
               {{{"skus", kSkus}, {"sales", kSalesWithUnknownSku}}, "2026-Q3", true});
  INFO(joined(o.result.errors));
  REQUIRE(o.result.ok());
  // The S9 line is left out: (1,000 + 100) x 10% = 110.00.
  CHECK(o.amounts["P1 2026-Q3 r"] == "110.00");
  uint64_t rejected = 0;
  for (const auto& in : o.result.summary.inputs) {
    if (in.name == "sales") rejected = in.rejected;
  }
  CHECK(rejected == 1);
  const std::string notes = joined(o.result.summary.notes);
  CHECK_THAT(notes, Catch::Contains("sales:3:15: column `sku`: `S9` is not a key of table `skus`"));
  CHECK_THAT(notes, Catch::Contains("1 line of `sales` holds a key that is not in its lookup table; it was left out"));
}

// ---- 5. `partner.id` without a partner table --------------------------------------------------------

TEST_CASE("partner.id works without a partner table", "[engine][docs]") {
  // §5: a program without a partner table takes its partners from the ledgers; `partner` then has only
  // its id, and every id on a ledger line is a partner with a payout line for every rebate and period.
  const std::string program = std::string(kQuarterly) + R"(
rebate only_p1 { eligible when partner.id == "P1"  pay 10% of revenue }
rebate listed { eligible when partner in ["P2"]  pay 10% of revenue }
)";
  auto o = run(program, {{{"sales", "date,partner,amount\n2026-07-01,P1,1000\n2026-07-01,P2,300\n2026-01-05,P3,50\n"}}, "2026-Q3"});
  REQUIRE(o.errors.empty());
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q3 only_p1"] == "100.00");  // 1,000 x 10%
  CHECK(o.statuses["P2 2026-Q3 only_p1"] == "not eligible");
  CHECK(o.amounts["P2 2026-Q3 listed"] == "30.00");    // 300 x 10%
  // P3 has a line only in 2026-Q1, outside the paid quarter: still a partner, paid zero in 2026-Q3.
  CHECK(o.statuses.count("P3 2026-Q3 only_p1") == 1);
  // Another attribute is still an error that says to declare a partner table.
  auto bad = run(std::string(kQuarterly) + "rebate r { eligible when partner.tier == \"gold\"  pay 10% of revenue }\n");
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0] == "E0207 the partner has no attribute `tier`");
}

// ---- 6. Decision tables over periods: coverage and reachability are exact ----------------------------

TEST_CASE("a decision row comparing the period is not reported unreachable when it is used", "[engine][docs]") {
  // §11: a row that earlier rows always match first is a warning; the first row of a table never is.
  const std::string program = std::string(kQuarterly) + R"(
decision early_rate: Percent by period {
    below 2026-Q2 => 3%
    at most 2026-Q3 => 2%
    otherwise => 1%
}
rebate r { pay early_rate of revenue }
)";
  auto o = run(program, {{{"sales", "date,partner,amount\n2026-01-05,P1,1000\n2026-07-05,P1,1000\n2026-10-05,P1,1000\n"}}});
  REQUIRE(o.errors.empty());
  CHECK(o.warnings.empty());
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q1 r"] == "30.00");  // below 2026-Q2: 3% of 1,000
  CHECK(o.amounts["P1 2026-Q2 r"] == "0.00");   // no lines: 2% of 0
  CHECK(o.amounts["P1 2026-Q3 r"] == "20.00");  // at most 2026-Q3: 2% of 1,000
  CHECK(o.amounts["P1 2026-Q4 r"] == "10.00");  // otherwise: 1% of 1,000
}

TEST_CASE("decision coverage over periods knows the program's grain", "[check][docs]") {
  // In a quarterly program `period` is a quarter: every quarter `at most 2026-Q1` matches is `below
  // 2026-Q2` too, so that second row is never used (W0006). The month 2026-05 is no quarter's start: an
  // alternative naming it matches no period, and the row is used through its other alternative.
  const std::string quarterly = std::string(kQuarterly) + R"(
decision rate: Percent by period {
    below 2026-Q2 => 3%
    at most 2026-Q1 => 2%
    2026-Q2 | 2026-05 => 1%
    above 2026-Q2 => 0%
}
rebate r { pay rate of revenue }
)";
  auto q = run(quarterly);
  REQUIRE(q.errors.empty());  // covered: below Q2, Q2, above Q2
  REQUIRE(q.warnings.size() == 1);
  CHECK(q.warnings[0] == "W0006 this row is never used: earlier rows match every input it matches");
  // Without the `above` row the periods after 2026-Q2 are uncovered, named as quarters.
  const std::string gap = std::string(kQuarterly) + R"(
decision rate: Percent by period {
    at most 2026-Q1 => 3%
    at least 2026-Q4 => 1%
}
rebate r { pay rate of revenue }
)";
  auto g = run(gap);
  REQUIRE(g.errors.size() == 1);
  CHECK(g.errors[0] == "E0411 no row of `rate` covers `from 2026-Q2 to 2026-Q3`");
}

// ---- 8. Lines outside the effective dates: one rule, and a note that says where they went -------------

TEST_CASE("lines outside the effective dates count in the paid period they fall in, or in look-backs", "[engine][docs]") {
  // §3: `effective` picks the periods paid (every period overlapping the dates); a paid period is
  // measured on all of its lines, and look-backs read earlier periods' lines.
  const std::string program = R"(
program "Effective" { currency: USD  period: quarter  effective: 2026-02-15 .. 2026-09-30 }
ledger sales { date: Date as date  partner: Text as partner  amount: Money }
measure revenue = sales.sum(amount)
measure baseline = last_year(revenue)
rebate r { pay 10% of revenue }
rebate growth { pay 1% of (revenue - baseline)  allow negative }
)";
  const char* sales =
      "date,partner,amount\n"
      "2026-01-10,P1,1000\n"   // before 2026-02-15, in 2026-Q1, which the dates overlap: paid there
      "2026-03-01,P1,2000\n"   // inside the dates, 2026-Q1
      "2025-07-01,P1,300\n"    // 2025-Q3: outside, read by last_year(revenue) in 2026-Q3
      "2026-07-01,P1,500\n"    // inside, 2026-Q3
      "2026-10-01,P1,9000\n";  // after the dates, in 2026-Q4, which is not paid: in no payout
  auto o = run(program, {{{"sales", sales}}});
  REQUIRE(o.errors.empty());
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 2026-Q1 r"] == "300.00");        // (1,000 + 2,000) x 10%: the January line counts
  CHECK(o.amounts["P1 2026-Q3 r"] == "50.00");         // 500 x 10%
  CHECK(o.amounts["P1 2026-Q3 growth"] == "2.00");     // (500 - 300) x 1%: last year's line counts
  CHECK(o.amounts.count("P1 2026-Q4 r") == 0);         // 2026-Q4 is after the dates: not paid
  CHECK(o.result.summary.outside_effective == 3);
  CHECK(o.result.summary.outside_effective_paid == 1);
  CHECK(o.result.summary.outside_effective_looked_back == 1);
  CHECK_THAT(joined(o.result.summary.notes),
             Catch::Contains("3 ledger lines are dated outside the program's effective dates (2026-02-15 .. 2026-09-30): "
                             "1 counts in the paid period it falls in, 1 can count only through look-backs (2025-Q1 .. 2025-Q4) and "
                             "1 counts in no payout"));
}

// ---- 9. Without effective dates, every period from the first to the last line is paid ---------------

TEST_CASE("without effective dates every period from the first line's to the last line's is paid", "[engine][docs]") {
  // §3 and §21: a period between two that have lines is paid too, at zero when nothing is due.
  auto o = run(std::string(kQuarterly) + "rebate r { pay 10% of revenue }\n",
               {{{"sales", "date,partner,amount\n2026-01-05,P1,100\n2026-07-05,P1,200\n"}}});
  REQUIRE(o.result.ok());
  REQUIRE(o.amounts.size() == 3);
  CHECK(o.amounts["P1 2026-Q1 r"] == "10.00");     // 100 x 10%
  CHECK(o.statuses["P1 2026-Q2 r"] == "zero");     // no line in 2026-Q2, paid at zero
  CHECK(o.amounts["P1 2026-Q3 r"] == "20.00");     // 200 x 10%
}

TEST_CASE("under a fiscal calendar period literals name fiscal periods", "[engine][docs]") {
  // §3: "Under a calendar, period literals name fiscal periods: `2026-Q1` is the first fiscal quarter of
  // FY2026". retail_445: FY2026-Q2 is 2026-05-03 .. 2026-08-01, FY2026-Q3 2026-08-02 .. 2026-10-31. Read
  // as the calendar quarter (2026-07-01 .. 2026-09-30), `date in 2026-Q3` would take a line of 2026-07-15.
  const char* program = R"(
import "std/calendars"
program "Fiscal literals" { currency: USD  period: quarter of retail_445 }
ledger sales { date: Date as date  partner: Text as partner  amount: Money }
measure q3_lines = sales.sum(amount where date in 2026-Q3)
measure revenue = sales.sum(amount)
rebate late { pay (if period >= 2026-Q3 then 10% else 1%) of revenue }
rebate in_q3 { pay 10% of q3_lines }
)";
  // 2026-07-15 is in FY2026-Q2 (2026-05-03 .. 2026-08-01), not in fiscal 2026-Q3.
  auto o = run(program, {{{"sales", "date,partner,amount\n2026-07-15,P1,1000\n2026-08-02,P1,2000\n"}}});
  REQUIRE(o.errors.empty());
  INFO(joined(o.result.errors));
  REQUIRE(o.result.ok());
  CHECK(o.amounts["P1 FY2026-Q2 late"] == "10.00");   // FY2026-Q2 is before fiscal 2026-Q3: 1% of 1,000
  CHECK(o.amounts["P1 FY2026-Q3 late"] == "200.00");  // FY2026-Q3: 10% of 2,000
  CHECK(o.amounts["P1 FY2026-Q2 in_q3"] == "0.00");   // 2026-07-15 is not in fiscal 2026-Q3
  CHECK(o.amounts["P1 FY2026-Q3 in_q3"] == "200.00"); // 2026-08-02 is: 10% of 2,000
}

// ---- 7. Groups under time shifts: a window's groups are formed over the whole window ------------------

TEST_CASE("year_to_date of a measure over a group forms the groups over the whole window", "[engine][docs]") {
  // §8 and §9: a shifted measure is recomputed over its window, groups included: an order with lines in
  // Q1 and in Q2 is one order of the year to date in Q2, with the lines of both quarters.
  const std::string program = std::string(kQuarterly) + R"(
ledger lines { date: Date as date  partner: Text as partner  order_id: Text  family: Text  amount: Money }
group orders = lines by order_id {
    hardware = lines.count(where family == "hardware")
    support = lines.count(where family == "support")
    value = lines.sum(amount)
}
measure solutions = orders.count(where hardware > 0 and support > 0)
measure solutions_ytd = year_to_date(solutions)
measure solutions_before = previous(solutions)
measure big_orders_ytd = year_to_date(big_orders)
measure big_orders = orders.count(where value >= 1_000 USD)
measure largest_ytd = year_to_date(largest)
measure largest = orders.max(value) otherwise 0 USD
rebate now_r { pay 100 USD * solutions }
rebate ytd_r { pay 1_000 USD * solutions_ytd }
rebate before_r { pay 10 USD * solutions_before }
rebate big_r { pay 1 USD * big_orders_ytd }
rebate largest_r { pay 1% of largest_ytd }
)";
  const char* lines =
      "date,partner,order_id,family,amount\n"
      "2026-02-01,P1,O1,hardware,600\n"  // O1: hardware in Q1 ...
      "2026-05-01,P1,O1,support,600\n"   // ... support in Q2
      "2026-02-02,P1,O2,hardware,100\n"  // O2: both in Q1, one more line in Q2
      "2026-02-03,P1,O2,support,100\n"
      "2026-05-02,P1,O2,support,100\n"
      "2026-05-03,P1,O3,hardware,50\n";   // O3: hardware only, Q2
  for (unsigned threads : {1u, 2u}) {
    INFO(threads << " thread(s)");
    auto o = run(program, {{{"sales", "date,partner,amount\n"}, {"lines", lines}}, "2026-Q2", false, threads});
    REQUIRE(o.errors.empty());
    INFO(joined(o.result.errors));
    REQUIRE(o.result.ok());
    // 2026-Q2 alone: O1 has only support, O2 only support, O3 only hardware: no solution.
    CHECK(o.amounts["P1 2026-Q2 now_r"] == "0.00");
    // Year to date (Q1 + Q2, grouped once): O1 has hardware and support, O2 too, O3 not: 2 x 1,000.
    // (Groups formed per quarter and added up would give O2 in Q1 only: 1 x 1,000.)
    CHECK(o.amounts["P1 2026-Q2 ytd_r"] == "2000.00");
    // previous(): 2026-Q1's groups: O2 (O1 has no support there): 1 x 10.
    CHECK(o.amounts["P1 2026-Q2 before_r"] == "10.00");
    // Orders of 1,000 USD or more, year to date: O1 600 + 600 = 1,200 (two quarters of 600 each would
    // be none); O2 300; O3 50: 1 x 1 USD.
    CHECK(o.amounts["P1 2026-Q2 big_r"] == "1.00");
    // The largest order year to date: O1, 1,200: 1% = 12.00.
    CHECK(o.amounts["P1 2026-Q2 largest_r"] == "12.00");
  }
}

// ---- 10. Combinations of time shifts (docs/language.md §9, issue 19 §4) ---------------------------------

TEST_CASE("each combination of time shifts reads the window §9's table says", "[engine][docs]") {
  // One line a quarter, 2025-Q1 .. 2026-Q4, of 1, 2, 4, ..., 128 USD: a sum names the quarters it read
  // (its binary digits). The rows of the table, for 2026-Q3 and 2026-Q1 (the first quarter of a year).
  const char* program = R"(
program "Shifts" { currency: USD  period: quarter  effective: 2026-01-01 .. 2026-12-31 }
ledger sales { date: Date as date  partner: Text as partner  amount: Money }
measure m = sales.sum(amount)
measure ytd = year_to_date(m)
measure prev = previous(m)
measure ly = last_year(m)
measure prev_ytd = previous(ytd)  // rebate: allow(previous-year-to-date)
rebate previous_ytd { pay prev_ytd }
rebate ytd_minus_m { pay ytd - m }
rebate last_year_ytd { pay last_year(ytd) }
rebate ytd_of_prev { pay year_to_date(prev) }
rebate ytd_of_ly { pay year_to_date(ly) }
rebate prev_of_ly { pay previous(ly) }
rebate ly_of_prev { pay last_year(prev) }
rebate prev_of_prev { pay previous(prev) }
)";
  std::string sales = "date,partner,amount\n";
  const char* days[] = {"2025-02-01", "2025-05-01", "2025-08-01", "2025-11-01", "2026-02-01", "2026-05-01", "2026-08-01", "2026-11-01"};
  for (int q = 0; q < 8; ++q) sales += fmt::format("{},P1,{}\n", days[q], 1 << q);
  auto o = run(program, {{{"sales", sales}}});
  REQUIRE(o.errors.empty());
  for (const std::string& w : o.warnings) CHECK(w.rfind("W0010", 0) != 0);  // silenced by the allow comment
  REQUIRE(o.result.ok());
  // 2025-Q1 = 1, Q2 = 2, Q3 = 4, Q4 = 8; 2026-Q1 = 16, Q2 = 32, Q3 = 64, Q4 = 128.
  CHECK(o.amounts["P1 2026-Q3 previous_ytd"] == "48.00");   // 2026-Q1 .. Q2: 16 + 32
  CHECK(o.amounts["P1 2026-Q1 previous_ytd"] == "15.00");   // the whole of 2025: 1 + 2 + 4 + 8, not zero
  CHECK(o.amounts["P1 2026-Q3 ytd_minus_m"] == "48.00");    // 16 + 32 + 64 - 64
  CHECK(o.amounts["P1 2026-Q1 ytd_minus_m"] == "0.00");     // 16 - 16
  CHECK(o.amounts["P1 2026-Q3 last_year_ytd"] == "7.00");   // 2025-Q1 .. Q3: 1 + 2 + 4
  CHECK(o.amounts["P1 2026-Q1 last_year_ytd"] == "1.00");   // 2025-Q1
  CHECK(o.amounts["P1 2026-Q3 ytd_of_prev"] == "56.00");    // 2025-Q4 .. 2026-Q2: 8 + 16 + 32
  CHECK(o.amounts["P1 2026-Q1 ytd_of_prev"] == "8.00");     // 2025-Q4
  CHECK(o.amounts["P1 2026-Q3 ytd_of_ly"] == "7.00");       // 2025-Q1 .. Q3
  CHECK(o.amounts["P1 2026-Q1 ytd_of_ly"] == "1.00");       // 2025-Q1
  CHECK(o.amounts["P1 2026-Q3 prev_of_ly"] == "2.00");      // 2025-Q2
  CHECK(o.amounts["P1 2026-Q1 prev_of_ly"] == "0.00");      // 2024-Q4: no line
  CHECK(o.amounts["P1 2026-Q3 ly_of_prev"] == "2.00");      // 2025-Q2
  CHECK(o.amounts["P1 2026-Q3 prev_of_prev"] == "16.00");   // 2026-Q1
  CHECK(o.amounts["P1 2026-Q1 prev_of_prev"] == "4.00");    // 2025-Q3
}

TEST_CASE("previous of a year to date is a lint, and the allow comment silences it", "[engine][docs]") {
  auto o = run(std::string(kQuarterly) + "measure ytd = year_to_date(revenue)\nrebate r { pay ytd - previous(ytd)  allow negative }\n");
  REQUIRE(o.errors.empty());
  REQUIRE(o.warnings.size() == 1);
  CHECK_THAT(o.warnings[0], Catch::StartsWith("W0010 in the first period of each year, `previous(ytd)` is the whole of the year before"));
}
