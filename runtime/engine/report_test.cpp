// The reports' decimal text must be Decimal's own, byte for byte: the fast formatting is checked against
// Decimal::to_fixed and Decimal::to_string on edge cases and on many random values.
#include <catch2/catch.hpp>

#include <algorithm>

#include <random>

#include "engine/report.h"
#include "engine/report_text.h"
#include "ledger/ledger.h"

using rebate::Decimal;
using rebate::Int128;

namespace {

std::string fixed(const Decimal& d, int places) {
  std::string out = "x";  // appended to what is there
  rebate::engine::append_fixed(out, d, places);
  return out.substr(1);
}

std::string shortest(const Decimal& d) {
  std::string out = "x";
  rebate::engine::append_shortest(out, d);
  return out.substr(1);
}

void check_same(const Decimal& d) {
  INFO(d.to_string() << " at scale " << d.scale());
  CHECK(shortest(d) == d.to_string());
  for (int places = 0; places <= Decimal::kMaxScale; ++places) {
    INFO("places " << places);
    CHECK(fixed(d, places) == d.to_fixed(places));
  }
}

}  // namespace

TEST_CASE("decimal text in reports is Decimal's own", "[report]") {
  const Int128 big = static_cast<Int128>(UINT64_MAX);
  const Int128 max = Int128{10'000'000'000'000'000'000u} * Int128{10'000'000'000'000'000'000u} - 1;  // 10^38 - 1
  for (Int128 coef : {Int128{0}, Int128{1}, Int128{-1}, Int128{5}, Int128{-5}, Int128{15}, Int128{25}, Int128{-25},
                      Int128{100}, Int128{123456789}, Int128{-1000000}, big - 1, big, big + 1, -big, -(big + 1), max, -max}) {
    for (int scale = 0; scale <= Decimal::kMaxScale; ++scale) check_same(Decimal::from_scaled(coef, scale));
  }
  std::mt19937_64 rng(20260701);
  for (int i = 0; i < 20000; ++i) {
    // Magnitudes from one digit to beyond 64 bits, both signs, every scale.
    Int128 coef = static_cast<Int128>(rng() >> (rng() % 64));
    if (i % 7 == 0) coef *= static_cast<Int128>(rng() % 100000);
    if (rng() % 2) coef = -coef;
    check_same(Decimal::from_scaled(coef, static_cast<int>(rng() % (Decimal::kMaxScale + 1))));
  }
}

// The writers' quoting cache knows texts by address and length: a view of the same bytes with another
// length is another text.
TEST_CASE("the quoting cache tells apart views of the same bytes", "[report]") {
  using namespace rebate::engine::report_text;
  const std::string partner = "P1,\"east\"";
  TextCache<needs_csv_quotes> quotes;
  CHECK_FALSE(quotes.plain(partner));
  CHECK(quotes.plain(std::string_view(partner).substr(0, 2)));
  CHECK_FALSE(quotes.plain(std::string_view(partner).substr(0, 3)));
  CHECK_FALSE(quotes.plain(partner));
}

// payouts_csv writes through a staged buffer with its own quoting and number text: the rows must be
// those the straightforward writer gives (ledger::csv_quote, Decimal's own text), for texts that need
// quotes, rows longer than the stage, and amounts beyond 64 bits.
TEST_CASE("payouts CSV: quoting, long rows and wide amounts as the plain writer gives them", "[report]") {
  using namespace rebate::engine;
  rebate::plan::Plan plan;
  plan.currency = "USD";
  plan.minor_unit = 2;
  const std::string partner = "P1,\"east\"";        // quoted; its first two bytes are another partner's id
  const std::string band = "from 1 to 2";
  const std::string reason = "tier >= \"gold\"\nor silver";
  const std::string long_text(5000, 'x');            // a row longer than the sink's stage
  RunResult r;
  auto payout = [&](std::string_view who, std::string_view why, Decimal amount) {
    Payout p;
    p.partner = r.texts->keep(who);
    p.period = r.texts->keep("2026-Q3");
    p.rebate = r.texts->keep("r");
    p.set_amount(amount);
    p.status = r.texts->keep("paid");
    p.reason = r.texts->keep(why);
    p.band = r.texts->keep(band);
    p.lines = 12345678901234567890u;
    return p;
  };
  r.payouts.push_back(payout(partner, reason, Decimal::from_scaled(-5, 1)));
  r.payouts.push_back(payout(std::string_view(partner).substr(0, 2), "", Decimal::from_scaled(123456, 3)));  // rounded
  r.payouts.push_back(payout(partner, long_text, Decimal::from_scaled(static_cast<Int128>(UINT64_MAX) * 1000, 2)));
  r.payouts.back().set_basis(Decimal::from_scaled(15000, 4));
  r.payouts.back().set_rate(Decimal::from_scaled(45, 3));
  r.totals.push_back(Total{partner, "2026-Q3", Decimal::from_scaled(7, 0)});
  r.awards.push_back(AwardValue{partner, "2026-Q4", "2026-Q3", "level", "a,b"});

  std::string expected = "partner,period,rebate,amount,currency,status,basis,band,rate,lines,reason\n";
  for (const Payout& p : r.payouts) {
    expected += rebate::ledger::csv_quote(p.partner) + ",2026-Q3,r," + p.amount().to_fixed(2) + ",USD,paid," +
                (p.basis() ? p.basis()->to_string() : "") + "," + band + "," +
                (p.rate() ? Decimal::mul(*p.rate(), Decimal::from_int(100))->to_string() + "%" : "") + ",12345678901234567890," +
                rebate::ledger::csv_quote(p.reason) + "\n";
  }
  // Payouts only: the total and the award go to files of their own, so that the amounts add up to what
  // is paid (issue 19 §3).
  CHECK(payouts_csv(r, plan) == expected);
  CHECK(totals_csv(r, plan) == "partner,period,amount,currency\n\"P1,\"\"east\"\"\",2026-Q3,7.00,USD\n");
  // The award names both the period it is for (2026-Q4) and the period measured (2026-Q3).
  CHECK(awards_csv(r) == "partner,period,measured,award,value,currency\n\"P1,\"\"east\"\"\",2026-Q4,2026-Q3,level,\"a,b\",\n");
  // Hand-checked pieces of it.
  CHECK(expected.find("\n\"P1,\"\"east\"\"\",2026-Q3,r,-0.50,USD,paid,,from 1 to 2,,12345678901234567890,\"tier >= \"\"gold\"\"\nor silver\"\n") != std::string::npos);
  CHECK(expected.find("\nP1,2026-Q3,r,123.46,USD,paid,,from 1 to 2,,") != std::string::npos);
  CHECK(expected.find(",184467440737095516150.00,USD,paid,1.5,from 1 to 2,4.5%,") != std::string::npos);
}

// On two threads a large report is formatted a chunk of rows at a time by each thread, the chunks put
// back in order: the text must be the one-thread text, byte for byte, whatever the number of chunks
// (one row short of, exactly at, and past a chunk boundary) and with rows that need quoting or are
// longer than the output's stage.
TEST_CASE("payouts CSV on two threads is the one-thread text", "[report]") {
  using namespace rebate::engine;
  rebate::plan::Plan plan;
  plan.currency = "USD";
  plan.minor_unit = 2;
  const std::string quoted = "P,\"q\"", long_text(70000, 'y');
  for (size_t n : {size_t{32767}, size_t{32768}, size_t{8192 * 7 + 1}, size_t{100000}}) {
    RunResult r;
    std::vector<std::string> partners;
    partners.reserve(n);
    for (size_t i = 0; i < n; ++i) partners.push_back(i % 97 == 0 ? quoted + std::to_string(i) : "P" + std::to_string(i));
    for (size_t i = 0; i < n; ++i) {
      Payout p;
      p.partner = r.texts->keep(partners[i]);
      p.period = r.texts->keep("2026-Q3");
      p.rebate = r.texts->keep("r");
      p.set_amount(Decimal::from_scaled(static_cast<int64_t>(i) * 37 - 500, 2));
      p.status = r.texts->keep("paid");
      p.reason = r.texts->keep(i == n / 2 ? std::string_view(long_text) : std::string_view());
      if (i % 3 == 0) p.set_basis(Decimal::from_scaled(static_cast<int64_t>(i), 1));
      if (i % 5 == 0) p.set_rate(Decimal::from_scaled(25, 3));
      p.lines = i;
      r.payouts.push_back(p);
    }
    auto text = [&](size_t threads) {
      std::string out;
      write_payouts_csv(r, plan, [&out](std::string_view part) { out.append(part); }, threads);
      return out;
    };
    const std::string one = text(1);
    INFO(n << " payouts");
    CHECK(std::count(one.begin(), one.end(), '\n') == static_cast<std::ptrdiff_t>(n + 1));
    CHECK(text(2) == one);
    CHECK(text(8) == one);
  }
}

// payouts_json writes through the same staged buffer: every key, escape and null as before, byte for
// byte (the expected document is written out by hand).
TEST_CASE("payouts JSON: escapes, nulls and explanations", "[report]") {
  using namespace rebate::engine;
  rebate::plan::Plan plan;
  plan.title = "T \"x\"";
  plan.currency = "USD";
  plan.minor_unit = 2;
  const std::string partner = "P\\1\t\"q\"\x01";
  RunResult r;
  Payout p;
  p.partner = r.texts->keep(partner);
  p.period = r.texts->keep("2026-Q3");
  p.rebate = r.texts->keep("r");
  p.set_amount(Decimal::from_scaled(-5, 1));
  p.status = r.texts->keep("paid");
  p.reason = r.texts->keep("a\nb");
  p.set_basis(Decimal::from_scaled(15000, 4));
  p.band = r.texts->keep("from 1 to 2");
  p.set_rate(Decimal::from_scaled(45, 3));
  p.lines = 3;
  p.explain().before_budget = Decimal::from_scaled(7, 0);
  p.explain().measures = {MeasureValue{"m1", "12.00 USD"}, MeasureValue{"m2", "say \"hi\""}};
  p.explain().steps = {"cap 5 applied", "x\\y"};
  TraceEntry e;
  e.depth = 1;
  e.name = "m1";
  e.window = "2025-Q3";
  e.value = "12.00 USD";
  e.detail = "s.sum(a where f == \"x\")";
  e.lines = 2;
  TraceEntry again = e;
  again.depth = 2;
  again.repeated = true;
  again.detail.clear();
  again.lines = -1;
  p.explain().trace = {e, again};
  p.explain().next_band = "1.00 USD more reaches 4%";
  // A settlement: amounts at cents when they are exact there, else as they are (a payment of 10.005).
  p.explain().settlement = Explanation::Settlement{"2026-Q1..2026-Q3", Decimal::from_scaled(120000, 4), Decimal::from_scaled(10005, 3),
                                                   Decimal::from_scaled(-1995, 3), 2};
  r.payouts.push_back(p);
  Payout q;
  q.partner = r.texts->keep("P2");
  q.period = r.texts->keep("2026-Q3");
  q.rebate = r.texts->keep("r");
  q.status = r.texts->keep("zero");
  r.payouts.push_back(q);
  r.totals.push_back(Total{"P2", "2026-Q3", Decimal::from_scaled(12345, 2)});
  r.awards.push_back(AwardValue{"P2", "2026-Q4", "2026-Q3", "level", "gold"});
  r.summary.inputs.push_back({"sales", 10, 1});
  r.summary.booked_after_as_of = 3;
  r.summary.paid_after_as_of = 1;
  r.summary.notes.push_back("a \"note\"");
  const std::string expected =
      "{\n  \"program\": \"T \\\"x\\\"\",\n  \"currency\": \"USD\",\n  \"payouts\": ["
      "\n    {\"partner\": \"P\\\\1\\t\\\"q\\\"\\u0001\", \"period\": \"2026-Q3\", \"rebate\": \"r\", \"amount\": \"-0.50\", "
      "\"status\": \"paid\", \"reason\": \"a\\nb\", \"basis\": \"1.5\", \"band\": \"from 1 to 2\", \"rate\": \"4.5%\", "
      "\"lines\": 3, \"explanation\": {\"measures\": {\"m1\": \"12.00 USD\", \"m2\": \"say \\\"hi\\\"\"}, "
      "\"steps\": [\"cap 5 applied\", \"x\\\\y\"], \"trace\": [{\"kind\": \"measure\", \"depth\": 1, \"name\": \"m1\", "
      "\"window\": \"2025-Q3\", \"value\": \"12.00 USD\", \"formula\": \"s.sum(a where f == \\\"x\\\")\", \"lines\": 2}, "
      "{\"kind\": \"measure\", \"depth\": 2, \"name\": \"m1\", \"window\": \"2025-Q3\", \"value\": \"12.00 USD\", \"repeated\": true}], "
      "\"next_band\": \"1.00 USD more reaches 4%\", \"before_budget\": \"7.00\", \"settlement\": {\"window\": \"2026-Q1..2026-Q3\", "
      "\"earned\": \"12.00\", \"paid_before\": \"10.005\", \"payments\": 2, \"due\": \"-1.995\"}}},"
      "\n    {\"partner\": \"P2\", \"period\": \"2026-Q3\", \"rebate\": \"r\", \"amount\": \"0.00\", \"status\": \"zero\", "
      "\"basis\": null, \"band\": null, \"rate\": null, \"lines\": 0, \"explanation\": {\"measures\": {}, \"steps\": [], \"trace\": []}}"
      "\n  ],\n  \"totals\": [\n    {\"partner\": \"P2\", \"period\": \"2026-Q3\", \"amount\": \"123.45\"}"
      "\n  ],\n  \"awards\": [\n    {\"partner\": \"P2\", \"period\": \"2026-Q4\", \"measured\": \"2026-Q3\", \"award\": \"level\", \"value\": \"gold\"}"
      "\n  ],\n  \"metrics\": ["
      "\n  ],\n  \"summary\": {\"inputs\": [{\"name\": \"sales\", \"rows\": 10, \"rejected\": 1}], "
      "\"lines_outside_effective_dates\": {\"count\": 0, \"in_paid_periods\": 0, \"only_in_look_backs\": 0, \"in_no_payout\": 0}, "
      "\"lines_outside_run_periods\": {\"count\": 0, \"only_in_look_backs\": 0, \"in_no_payout\": 0}, "
      "\"lines_booked_after_as_of\": 3, \"payments_after_as_of\": 1, \"lines_booked_after_close\": 0, \"adjustments\": 0, "
      "\"periods_without_lines\": [], "
      "\"notes\": [\"a \\\"note\\\"\"]}\n}\n";
  CHECK(payouts_json(r, plan) == expected);
}

TEST_CASE("texts for people: numbers in groups of three, digit separators as commas, names as words", "[report]") {
  using rebate::engine::as_words;
  using rebate::engine::digits_grouped;
  using rebate::engine::grouped;
  CHECK(grouped("12300.00") == "12,300.00");
  CHECK(grouped("-1234567.891") == "-1,234,567.891");
  CHECK(grouped("100000") == "100,000");
  CHECK(grouped("999.99") == "999.99");
  CHECK(grouped("-12") == "-12");
  CHECK(grouped("0.000001") == "0.000001");
  CHECK(grouped("1000") == "1,000");
  CHECK(grouped("no value") == "no value");  // not a number: as it is
  CHECK(grouped("12%") == "12%");
  CHECK(grouped("") == "");
  CHECK(digits_grouped("from 100_000 USD to 1_000_000 USD") == "from 100,000 USD to 1,000,000 USD");
  CHECK(digits_grouped("from 0 USD to 500 USD") == "from 0 USD to 500 USD");
  CHECK(digits_grouped("from tier_2_floor to 10_000 USD") == "from tier_2_floor to 10,000 USD");  // names keep theirs
  CHECK(digits_grouped("2.5%") == "2.5%");
  CHECK(as_words("storage_revenue") == "storage revenue");
  CHECK(as_words("storage_revenue + service_revenue") == "storage revenue + service revenue");
}
