// Payouts streamed a batch at a time (engine::run with a PayoutSink) are the payouts a run keeps in
// memory (engine::run without one): the same payouts in the same order, with the same amounts,
// explanations, totals and awards, whatever the batch size and the number of threads, with a budget
// and without; and the streaming writers write the whole-result writers' text byte for byte.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/engine_test_support.h"
#include "engine/report.h"

namespace {

using namespace rebate;
using namespace rebate::engine_test;

// Seven partners, so that batches of 3 end inside a period: [P1..P3] [P4..P6] [P7].
const char* kSeven = "id,tier\nP1,gold\nP2,silver\nP3,bronze\nP4,gold\nP5,silver\nP6,bronze\nP7,gold\n";

// Revenue 100 x k for partner Pk in 2026-Q3 (2 units), and 10 x k in 2026-Q4 (1 unit; P7 none).
std::string seven_sales() {
  std::string rows = "date,partner,order_id,family,units,amount\n";
  for (int k = 1; k <= 7; ++k) rows += "2026-07-0" + std::to_string(k) + ",P" + std::to_string(k) + ",O" + std::to_string(k) + ",hw,2," + std::to_string(100 * k) + "\n";
  for (int k = 1; k <= 6; ++k) rows += "2026-10-0" + std::to_string(k) + ",P" + std::to_string(k) + ",Q" + std::to_string(k) + ",sw,1," + std::to_string(10 * k) + "\n";
  return rows;
}

// Rebates of several shapes (a tier table with its next band, a gate with its reason, a cap), an award.
const char* kProgram = R"(
tiers t retroactive { from 0 USD to 300 USD: 5%  from 300 USD: 10% }
measure revenue = sales.sum(amount)
measure units = sales.sum(units)
rebate r "Volume rebate" { pay t of revenue }
rebate g "Gated bonus" { require units >= 2  pay 1% of revenue  cap 3 USD }
award level: Tier for next period "Level" {
  when revenue >= 400 USD => gold
  otherwise => bronze
}
)";

struct Collected {
  engine::RunResult result;  // summary, errors
  engine::RunResult kept;    // payouts, totals, awards as a PayoutCollector keeps them
};

engine::RunOptions seven_options(unsigned threads, size_t batch) {
  engine::RunOptions options;
  options.input_buffers["partners"] = kSeven;
  options.input_buffers["sales"] = seven_sales();
  options.threads = threads;
  options.batch_partners = batch;
  options.explanations = true;
  return options;
}

Collected streamed(const plan::Plan& plan, unsigned threads, size_t batch) {
  Collected c;
  engine::PayoutCollector collector(c.kept);
  c.result = engine::run(plan, seven_options(threads, batch), collector);
  return c;
}

void check_same_payouts(const engine::RunResult& a, const engine::RunResult& b) {
  REQUIRE(a.payouts.size() == b.payouts.size());
  for (size_t i = 0; i < a.payouts.size(); ++i) {
    const engine::Payout &p = a.payouts[i], &q = b.payouts[i];
    INFO("payout " << i << ": " << p.partner.view() << " " << p.period.view() << " " << p.rebate.view());
    CHECK(p.partner.view() == q.partner.view());
    CHECK(p.period.view() == q.period.view());
    CHECK(p.rebate.view() == q.rebate.view());
    CHECK(p.title.view() == q.title.view());
    CHECK(p.status.view() == q.status.view());
    CHECK(p.reason.view() == q.reason.view());
    CHECK(p.band.view() == q.band.view());
    CHECK(p.lines == q.lines);
    CHECK(p.amount().to_string() == q.amount().to_string());
    CHECK(p.basis() == q.basis());
    CHECK(p.rate() == q.rate());
    REQUIRE(p.measures().size() == q.measures().size());
    for (size_t m = 0; m < p.measures().size(); ++m) {
      CHECK(p.measures()[m].name == q.measures()[m].name);
      CHECK(p.measures()[m].value == q.measures()[m].value);
    }
    CHECK(p.steps() == q.steps());
    CHECK(p.next_band() == q.next_band());
    CHECK(p.before_budget() == q.before_budget());
  }
  REQUIRE(a.totals.size() == b.totals.size());
  for (size_t i = 0; i < a.totals.size(); ++i) {
    CHECK(a.totals[i].partner == b.totals[i].partner);
    CHECK(a.totals[i].period == b.totals[i].period);
    CHECK(a.totals[i].amount.to_string() == b.totals[i].amount.to_string());
  }
  REQUIRE(a.awards.size() == b.awards.size());
  for (size_t i = 0; i < a.awards.size(); ++i) {
    CHECK(a.awards[i].partner == b.awards[i].partner);
    CHECK(a.awards[i].period == b.awards[i].period);
    CHECK(a.awards[i].measured == b.awards[i].measured);
    CHECK(a.awards[i].value == b.awards[i].value);
  }
}

// Every streaming writer's text on a streamed run: CSV, JSON, explanations, statements.
struct Texts {
  std::string csv, totals, awards, json, explained;
  std::vector<engine::Statement> statements;
};

Texts written(const plan::Plan& plan, unsigned threads, size_t batch) {
  Texts t;
  engine::CsvWriter::Extras extras{[&](std::string_view s) { t.totals.append(s); }, [&](std::string_view s) { t.awards.append(s); }};
  engine::CsvWriter csv(plan, [&](std::string_view s) { t.csv.append(s); }, threads, extras);
  engine::JsonWriter json(plan, [&](std::string_view s) { t.json.append(s); });
  engine::ExplainWriter explain(plan, [&](std::string_view s) { t.explained.append(s); });
  engine::StatementWriter statements(plan, [&](std::string_view partner, std::string_view period, const std::string& md) {
    t.statements.push_back(engine::Statement{std::string(partner), std::string(period), md});
  });
  engine::SinkFanout all;
  all.add(csv);
  all.add(json);
  all.add(explain);
  all.add(statements);
  engine::RunResult r = engine::run(plan, seven_options(threads, batch), all);
  REQUIRE(r.ok());
  return t;
}

void check_writers(const plan::Plan& plan, const engine::RunResult& whole) {
  const std::string csv = engine::payouts_csv(whole, plan), json = engine::payouts_json(whole, plan);
  const std::string explained = engine::explain_text(whole, plan);
  const std::vector<engine::Statement> statements = engine::statements_markdown(whole, plan);
  for (unsigned threads : {1u, 2u}) {
    for (size_t batch : {size_t{1}, size_t{3}, size_t{0}}) {
      INFO(threads << " thread(s), batches of " << batch << " partners");
      const Texts t = written(plan, threads, batch);
      CHECK(t.csv == csv);
      CHECK(t.totals == engine::totals_csv(whole, plan));
      CHECK(t.awards == engine::awards_csv(whole));
      CHECK(t.json == json);
      CHECK(t.explained == explained);
      REQUIRE(t.statements.size() == statements.size());
      for (size_t k = 0; k < statements.size(); ++k) {
        CHECK(t.statements[k].partner == statements[k].partner);
        CHECK(t.statements[k].period == statements[k].period);
        CHECK(t.statements[k].markdown == statements[k].markdown);
      }
    }
  }
}

}  // namespace

TEST_CASE("streamed payouts are the collected ones, batch by batch, on one thread and two", "[engine][stream]") {
  // Hand-computed: Pk's 2026-Q3 revenue is 100k USD (2 units), 2026-Q4's 10k (1 unit; P7 none). Rebate
  // r: 5% below 300 USD, 10% from 300 (300 itself is in the upper band): Q3 P1 5.00, P2 10.00, P3
  // 30.00, P4 40.00, ..., P7 70.00; Q4 P1..P6 0.50, 1.00, ..., 3.00, P7 0.00. Rebate g (units >= 2, 1%
  // capped at 3 USD): Q3 P1..P7 1.00, 2.00, 3.00, 3.00 (4.00 capped), ..., 3.00; Q4 gate not met: 0.00.
  const plan::Plan plan = compile_plan(std::string(kHeader) + kProgram);
  engine::RunOptions whole_options = seven_options(1, 0);
  whole_options.period.reset();
  const engine::RunResult whole = engine::run(plan, whole_options);
  REQUIRE(whole.ok());
  REQUIRE(whole.payouts.size() == 2 * 7 * 2);  // 2026-Q3 and 2026-Q4, seven partners, two rebates
  auto amount = [&](size_t period, size_t partner, size_t rebate) {
    return whole.payouts[(period * 7 + partner) * 2 + rebate].amount().to_fixed(2);
  };
  const char* r_q3[] = {"5.00", "10.00", "30.00", "40.00", "50.00", "60.00", "70.00"};
  const char* g_q3[] = {"1.00", "2.00", "3.00", "3.00", "3.00", "3.00", "3.00"};
  const char* r_q4[] = {"0.50", "1.00", "1.50", "2.00", "2.50", "3.00", "0.00"};
  const char* g_q4[] = {"0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"};
  for (size_t k = 0; k < 7; ++k) {
    CHECK(amount(0, k, 0) == r_q3[k]);
    CHECK(amount(0, k, 1) == g_q3[k]);
    CHECK(amount(1, k, 0) == r_q4[k]);
    CHECK(amount(1, k, 1) == g_q4[k]);
  }
  CHECK(whole.payouts[(1 * 7 + 6) * 2 + 1].status == "gate not met");
  REQUIRE(whole.totals.size() == 14);
  CHECK(whole.totals[6].amount.to_fixed(2) == "73.00");  // P7 in Q3: 70.00 + 3.00
  REQUIRE(whole.awards.size() == 14);
  CHECK(whole.awards[3].value == "gold");    // P4 in Q3: 400 USD
  CHECK(whole.awards[2].value == "bronze");  // P3 in Q3: 300 USD

  for (unsigned threads : {1u, 2u}) {
    for (size_t batch : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{100}}) {
      INFO(threads << " thread(s), batches of " << batch << " partners");
      Collected c = streamed(plan, threads, batch);
      REQUIRE(c.result.ok());
      CHECK(c.result.payouts.empty());  // streamed: nothing kept in the result
      check_same_payouts(c.kept, whole);
    }
  }
  check_writers(plan, whole);
}

TEST_CASE("a budget is exact when a period's payouts come in several batches", "[engine][stream]") {
  // Hand-computed: rebate r pays 10% of Pk's 2026-Q3 revenue (100k USD): 10, 20, ..., 70 USD, 280 in all,
  // over the 100 USD budget. Each becomes 10k x 100 / 280, cut to the cent: 3.57, 7.14, 10.71, 14.28,
  // 17.85, 21.42, 25.00 (99.97 in all); the 3 cents left go to the largest payouts: P7 25.01, P6 21.43,
  // P5 17.86. Rebate u (1%, not in the budget) is left as it is: 1.00 .. 7.00. In 2026-Q4 r pays 1, 2, ..,
  // 6 USD (21 in all): under the budget, not scaled. Rebates r and g are as in the test above. With batches of 3 partners the scaled payouts and
  // the cents fall in all three batches of the quarter.
  const plan::Plan plan = compile_plan(std::string(kHeader) + kProgram + R"(
rebate b "Budgeted" { pay 10% of revenue }
rebate u "Uncovered" { pay 1% of revenue }
budget pool = 100 USD per quarter for b
)");
  engine::RunOptions whole_options = seven_options(1, 0);
  const engine::RunResult whole = engine::run(plan, whole_options);
  REQUIRE(whole.ok());
  REQUIRE(whole.payouts.size() == 2 * 7 * 4);
  auto payout = [&](size_t period, size_t partner, size_t rebate) -> const engine::Payout& {
    return whole.payouts[(period * 7 + partner) * 4 + rebate];
  };
  const char* b_q3[] = {"3.57", "7.14", "10.71", "14.28", "17.86", "21.43", "25.01"};
  for (size_t k = 0; k < 7; ++k) {
    CHECK(payout(0, k, 2).amount().to_fixed(2) == b_q3[k]);
    CHECK(payout(0, k, 3).amount().to_fixed(2) == std::to_string(k + 1) + ".00");
    CHECK(payout(0, k, 2).before_budget()->to_fixed(2) == std::to_string(10 * (k + 1)) + ".00");
    CHECK(payout(1, k, 2).amount().to_fixed(2) == (k < 6 ? std::to_string(k + 1) + ".00" : "0.00"));
    CHECK(!payout(1, k, 2).before_budget());
  }
  CHECK(payout(0, 6, 2).steps().back() ==
        "budget `pool` of 100.00 USD scaled the period's 280.00 USD of payouts by 0.357143: 70.00 USD before");
  // P7's Q3 total: r 70.00 + g 3.00 + b 25.01 + u 7.00.
  CHECK(whole.totals[6].amount.to_fixed(2) == "105.01");

  for (unsigned threads : {1u, 2u}) {
    for (size_t batch : {size_t{1}, size_t{3}, size_t{4}, size_t{0}}) {
      INFO(threads << " thread(s), batches of " << batch << " partners");
      Collected c = streamed(plan, threads, batch);
      REQUIRE(c.result.ok());
      check_same_payouts(c.kept, whole);
    }
  }
  check_writers(plan, whole);
}

TEST_CASE("two budgets over the same payouts scale them one after the other, across batches", "[engine][stream]") {
  // Hand-computed, 2026-Q3: b pays 10, 20, ..., 70 USD (280). Budget `first` (200 USD, b) makes each
  // 10k x 200 / 280 cut to the cent: 7.14, 14.28, 21.42, 28.57, 35.71, 42.85, 50.00 (199.97), the 3 cents
  // to P7, P6, P5: 50.01, 42.86, 35.72. Budget `second` (100 USD, b and u; u pays 1..7, 28 in all) then
  // sees 200.00 + 28 = 228: b's become x 100 / 228 cut: 3.13, 6.26, 9.39, 12.53, 15.66, 18.79, 21.93
  // (87.69); u's 0.43, 0.87, 1.31, 1.75, 2.19, 2.63, 3.07 (12.25); 99.94 in all, and the 6 cents left go
  // to the six largest before `second`: P7's, P6's, ..., P2's b (50.01, 42.86, ..., 14.28).
  const plan::Plan plan = compile_plan(std::string(kHeader) + R"(
measure revenue = sales.sum(amount)
rebate b { pay 10% of revenue }
rebate u { pay 1% of revenue }
budget first = 200 USD per quarter for b
budget second = 100 USD per quarter
)");
  engine::RunOptions whole_options = seven_options(1, 0);
  whole_options.period = "2026-Q3";
  const engine::RunResult whole = engine::run(plan, whole_options);
  REQUIRE(whole.ok());
  REQUIRE(whole.payouts.size() == 14);
  const char* b[] = {"3.13", "6.27", "9.40", "12.54", "15.67", "18.80", "21.94"};
  const char* u[] = {"0.43", "0.87", "1.31", "1.75", "2.19", "2.63", "3.07"};
  Decimal sum;
  for (size_t k = 0; k < 7; ++k) {
    CHECK(whole.payouts[2 * k].amount().to_fixed(2) == b[k]);
    CHECK(whole.payouts[2 * k + 1].amount().to_fixed(2) == u[k]);
    CHECK(whole.payouts[2 * k].steps().size() == 2);
    sum = *Decimal::add(sum, *Decimal::add(whole.payouts[2 * k].amount(), whole.payouts[2 * k + 1].amount()));
  }
  CHECK(sum.to_fixed(2) == "100.00");
  CHECK(whole.payouts[12].before_budget()->to_fixed(2) == "50.01");  // P7's b before `second`
  for (unsigned threads : {1u, 2u}) {
    for (size_t batch : {size_t{1}, size_t{3}}) {
      engine::RunOptions options = seven_options(threads, batch);
      options.period = "2026-Q3";
      engine::RunResult kept;
      engine::PayoutCollector collector(kept);
      REQUIRE(engine::run(plan, options, collector).ok());
      check_same_payouts(kept, whole);
    }
  }
}

TEST_CASE("a runtime error in a later batch is the collected run's error, whatever the batches", "[engine][stream]") {
  // P5's Q3 revenue is 500 USD: 1000 / (revenue - 500 USD) divides by zero for P5 only, in the second
  // batch of 3; with a budget the first look at the period meets it first.
  for (const char* budget : {"", "budget pool = 10 USD per quarter\n"}) {
    const plan::Plan plan = compile_plan(std::string(kHeader) + R"(
measure revenue = sales.sum(amount)
measure odd = 1000 / ((revenue - 500 USD) / 1 USD)
rebate r { pay 1% of revenue  cap odd * 1 USD }
)" + budget);
    engine::RunOptions options = seven_options(1, 0);
    const engine::RunResult whole = engine::run(plan, options);
    REQUIRE(!whole.ok());
    CHECK(whole.payouts.empty());
    CHECK(whole.errors[0].find("partner P5, period 2026-Q3") != std::string::npos);
    for (unsigned threads : {1u, 2u}) {
      for (size_t batch : {size_t{1}, size_t{3}}) {
        engine::RunResult kept;
        engine::PayoutCollector collector(kept);
        const engine::RunResult r = engine::run(plan, seven_options(threads, batch), collector);
        CHECK(r.errors == whole.errors);
      }
    }
  }
}
