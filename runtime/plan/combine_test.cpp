// plan::combine: the combined plan pays, for each program, exactly what the program's own plan pays
// (amounts, statuses, bands, reasons, lines, explanations, awards), and shares what the two have in
// common (one aggregate, one group, one measure where both programs have the same).
#include "plan/combine.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "driver/compilation.h"
#include "engine/engine.h"
#include "lower/lower.h"

using namespace rebate;

namespace {

// A program's text compiled as if it were at `path` (its imports resolve from there) and lowered.
plan::Plan lower_text(const std::string& path, const std::string& text) {
  Compiler compiler(CompileOptions{});
  CompiledProgram compiled = compiler.compile_text(path, text);
  compiler.finish();
  std::string messages;
  for (const Diagnostic& d : compiler.diagnostics().all()) messages += d.message + "\n";
  INFO(path << "\n" << messages);
  REQUIRE(compiled.typed);
  REQUIRE(!compiler.diagnostics().has_errors());
  return lower_program(*compiled.typed, compiler.sources());
}

// Whether a program compiles without errors.
bool compiles(const std::string& path, const std::string& text) {
  Compiler compiler(CompileOptions{});
  CompiledProgram compiled = compiler.compile_text(path, text);
  compiler.finish();
  return compiled.typed && !compiler.diagnostics().has_errors();
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void same_payout(const engine::Payout& both, const engine::Payout& alone) {
  INFO(fmt::format("{} {} {}", alone.partner, alone.period, alone.rebate));
  CHECK(both.partner.view() == alone.partner.view());
  CHECK(both.period.view() == alone.period.view());
  CHECK(both.rebate.view() == alone.rebate.view());
  CHECK(both.title.view() == alone.title.view());
  // Byte-equal amounts: the same coefficient at the same scale, not only the same value.
  CHECK(both.amount().to_string() == alone.amount().to_string());
  CHECK(both.amount().scale() == alone.amount().scale());
  CHECK(both.status.view() == alone.status.view());
  CHECK(both.reason.view() == alone.reason.view());
  CHECK(both.band.view() == alone.band.view());
  CHECK(both.lines == alone.lines);
  CHECK(both.basis().has_value() == alone.basis().has_value());
  if (both.basis() && alone.basis()) CHECK(both.basis()->to_string() == alone.basis()->to_string());
  CHECK(both.rate().has_value() == alone.rate().has_value());
  if (both.rate() && alone.rate()) CHECK(both.rate()->to_string() == alone.rate()->to_string());
  REQUIRE(both.measures().size() == alone.measures().size());
  for (size_t i = 0; i < both.measures().size(); ++i) {
    CHECK(both.measures()[i].name == alone.measures()[i].name);
    CHECK(both.measures()[i].value == alone.measures()[i].value);
  }
  CHECK(both.steps() == alone.steps());
  CHECK(both.next_band() == alone.next_band());
}

struct Compared {
  size_t payouts = 0;  // payouts compared, both programs
  size_t awards = 0;
  bool shared_every_aggregate = false;  // the combined plan has no more aggregates than the first program
};

// Runs the combined plan and each program alone on the same inputs and compares every payout and award.
Compared compare_runs(const plan::Plan& first, const plan::Plan& second, const engine::RunOptions& options) {
  plan::CombineResult c = plan::combine(first, second);
  INFO(c.why_not);
  REQUIRE(c.combined);
  const plan::Plan& both = c.combined->plan;
  REQUIRE(c.combined->first_rebates == first.rebates.size());
  REQUIRE(both.rebates.size() == first.rebates.size() + second.rebates.size());
  REQUIRE(both.awards.size() == first.awards.size() + second.awards.size());
  engine::RunResult together = engine::run(both, options);
  engine::RunResult one = engine::run(first, options);
  engine::RunResult two = engine::run(second, options);
  INFO(fmt::format("errors: {} / {} / {}", fmt::join(together.errors, "; "), fmt::join(one.errors, "; "), fmt::join(two.errors, "; ")));
  REQUIRE(together.ok() == (one.ok() && two.ok()));
  Compared out;
  out.shared_every_aggregate = both.aggregates.size() <= first.aggregates.size();
  if (!together.ok()) return out;
  const size_t n1 = first.rebates.size(), n2 = second.rebates.size(), per = n1 + n2;
  if (per > 0) {
    const size_t cells = together.payouts.size() / per;
    REQUIRE(together.payouts.size() == cells * per);
    REQUIRE(one.payouts.size() == cells * n1);
    REQUIRE(two.payouts.size() == cells * n2);
    for (size_t cell = 0; cell < cells; ++cell) {
      for (size_t r = 0; r < n1; ++r) same_payout(together.payouts[cell * per + r], one.payouts[cell * n1 + r]);
      for (size_t r = 0; r < n2; ++r) same_payout(together.payouts[cell * per + n1 + r], two.payouts[cell * n2 + r]);
    }
    out.payouts = together.payouts.size();
  }
  // The awards of each program, in order, with the second's renamed.
  std::vector<engine::AwardValue> firsts, seconds;
  const std::string prefix(plan::kSecondAwardPrefix);
  // A fund's figures (`coop.closing`, docs/language.md §27) keep the fund's name in both programs; the
  // first program's come first in each cell (its rebates do), so a figure met again in a cell is the
  // second's, as `rebate diff` pairs them (diff/compare.cpp).
  std::vector<std::string> figures_seen;
  std::string cell;
  for (engine::AwardValue a : together.awards) {
    if (a.partner + "|" + a.period != cell) cell = a.partner + "|" + a.period, figures_seen.clear();
    if (a.award.find('.') != std::string::npos) {
      const bool again = std::find(figures_seen.begin(), figures_seen.end(), a.award) != figures_seen.end();
      figures_seen.push_back(a.award);
      (again ? seconds : firsts).push_back(a);
      continue;
    }
    if (a.award.rfind(prefix, 0) == 0) {
      a.award.erase(0, prefix.size());
      seconds.push_back(a);
    } else {
      firsts.push_back(a);
    }
  }
  auto same_awards = [](const std::vector<engine::AwardValue>& x, const std::vector<engine::AwardValue>& y) {
    REQUIRE(x.size() == y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      CHECK(x[i].partner == y[i].partner);
      CHECK(x[i].period == y[i].period);
      CHECK(x[i].measured == y[i].measured);
      CHECK(x[i].award == y[i].award);
      CHECK(x[i].value == y[i].value);
    }
  };
  same_awards(firsts, one.awards);
  same_awards(seconds, two.awards);
  out.awards = together.awards.size();
  return out;
}

const char* kHeader = R"(
program "Test" { currency: USD  period: quarter }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner: Text as partner  order_id: Text  family: Text  units: Int  amount: Money }
)";

const char* kPartners = "id,tier\nP1,gold\nP2,silver\nP3,bronze\n";
const char* kSales =
    "date,partner,order_id,family,units,amount\n"
    "2026-07-03,P1,O1,storage,3,100000.00\n"
    "2026-07-04,P1,O1,support,1,20000.00\n"
    "2026-08-10,P1,O2,storage,2,460000.00\n"
    "2026-07-05,P2,O3,storage,1,99999.99\n"
    "2026-09-30,P2,O4,support,4,30000.50\n"
    "2026-08-01,P3,O5,storage,1,-5000.00\n"
    "2026-10-02,P1,O6,storage,1,150000.00\n"
    "2026-10-03,P2,O7,support,1,1000.00\n";

engine::RunOptions small_inputs() {
  engine::RunOptions o;
  o.input_buffers["partners"] = kPartners;
  o.input_buffers["sales"] = kSales;
  return o;
}

plan::Plan small(const std::string& body) { return lower_text("t.rebate", std::string(kHeader) + body); }

const char* kTiered = R"(
measure storage = sales.sum(amount where family == "storage")
measure support = sales.sum(amount where family == "support")
group orders = sales by order_id {
    hardware: Money = sales.sum(amount where family == "storage")
    care: Money = sales.sum(amount where family == "support")
}
measure solutions = orders.count(where hardware > 0 USD and care > 0 USD)
tiers rates retroactive {
    from 0 USD to 100_000 USD: 2%
    from 100_000 USD: 4%
}
decision uplift: Percent by partner.tier {
    gold => 1%
    silver => 0.5%
    bronze => 0%
}
rebate volume "Volume" {
    eligible when partner.tier >= silver
    pay rates of storage
    uplift uplift of storage
}
rebate care "Care" {
    pay 3% of support
}
rebate solution "Solution" {
    pay 100 USD * solutions
}
)";

}  // namespace

TEST_CASE("combine: a program with itself shares every aggregate, group, measure and function") {
  const plan::Plan p = small(kTiered);
  plan::CombineResult c = plan::combine(p, p);
  REQUIRE(c.combined);
  const plan::Plan& both = c.combined->plan;
  CHECK(both.aggregates.size() == p.aggregates.size());
  CHECK(both.group_field_aggregates.size() == p.group_field_aggregates.size());
  CHECK(both.groups.size() == p.groups.size());
  CHECK(both.measures.size() == p.measures.size());
  CHECK(both.decisions.size() == p.decisions.size());
  CHECK(both.tiers.size() == p.tiers.size());
  CHECK(both.functions.size() <= p.functions.size());
  CHECK(both.rebates.size() == 2 * p.rebates.size());
  const Compared r = compare_runs(p, p, small_inputs());
  CHECK(r.payouts == 2 * 3 * 2 * 3);  // 2 programs x 3 partners x 2 quarters x 3 rebates
}

TEST_CASE("combine: a changed rate shares the scan; the payouts are each program's own") {
  const plan::Plan old_plan = small(kTiered);
  std::string changed = kTiered;
  changed.replace(changed.find("pay 3% of support"), 17, "pay 5% of support");
  changed.replace(changed.find("from 100_000 USD: 4%"), 20, "from 100_000 USD: 4.5%");
  const plan::Plan new_plan = small(changed);
  plan::CombineResult c = plan::combine(old_plan, new_plan);
  REQUIRE(c.combined);
  CHECK(c.combined->plan.aggregates.size() == old_plan.aggregates.size());
  CHECK(c.combined->plan.groups.size() == old_plan.groups.size());
  CHECK(c.combined->plan.tiers.size() == old_plan.tiers.size() + 1);  // the changed table is the second's own
  const Compared r = compare_runs(old_plan, new_plan, small_inputs());
  CHECK(r.payouts == 2 * 3 * 2 * 3);
}

TEST_CASE("combine: a changed filter or group key is the second program's own aggregate or group") {
  const plan::Plan old_plan = small(kTiered);
  std::string changed = kTiered;
  changed.replace(changed.find("measure support = sales.sum(amount where family == \"support\")"), 61,
                  "measure support = sales.sum(amount where family == \"storage\")");
  changed.replace(changed.find("group orders = sales by order_id"), 32, "group orders = sales by order_id, family");
  const plan::Plan new_plan = small(changed);
  plan::CombineResult c = plan::combine(old_plan, new_plan);
  REQUIRE(c.combined);
  CHECK(c.combined->plan.groups.size() == 2);
  CHECK(c.combined->plan.aggregates.size() > old_plan.aggregates.size());
  compare_runs(old_plan, new_plan, small_inputs());
}

TEST_CASE("combine: budgets scale their own program's rebates only") {
  // The first program's budget covers every rebate (an empty list); the second's names one. Each must
  // scale what it scales alone: in the combined plan "every rebate" is every rebate of its program.
  const std::string rebates = R"(
measure revenue = sales.sum(amount)
rebate a "A" { pay 10% of revenue }
rebate b "B" { pay 5% of revenue }
)";
  const plan::Plan old_plan = small(rebates + "budget pool = 50_000 USD per quarter\n");
  const plan::Plan new_plan = small(rebates + "budget pool = 20_000 USD per quarter for a\n");
  plan::CombineResult c = plan::combine(old_plan, new_plan);
  REQUIRE(c.combined);
  REQUIRE(c.combined->plan.budgets.size() == 2);
  CHECK(c.combined->plan.budgets[0].rebates == std::vector<uint32_t>{0, 1});
  CHECK(c.combined->plan.budgets[1].rebates == std::vector<uint32_t>{2});
  compare_runs(old_plan, new_plan, small_inputs());
  compare_runs(new_plan, old_plan, small_inputs());
}

TEST_CASE("combine: awards stay each program's, the second's renamed") {
  const std::string award = R"(
measure revenue = sales.sum(amount)
award level: Tier for next period "Level" {
    when revenue >= LIMIT => gold
    otherwise => bronze
}
rebate a "A" { pay 1% of revenue }
)";
  auto with = [&](const char* limit) {
    std::string s = award;
    s.replace(s.find("LIMIT"), 5, limit);
    return small(s);
  };
  const plan::Plan old_plan = with("500_000 USD"), new_plan = with("100_000 USD");
  plan::CombineResult c = plan::combine(old_plan, new_plan);
  REQUIRE(c.combined);
  CHECK(c.combined->plan.awards[0].name == "level");
  CHECK(c.combined->plan.awards[1].name == "new:level");
  CHECK(compare_runs(old_plan, new_plan, small_inputs()).awards == 2 * 3 * 2);
}

TEST_CASE("combine: rebates added and removed; a runtime error in one program") {
  const plan::Plan old_plan = small(kTiered);
  const plan::Plan new_plan = small(R"(
measure storage = sales.sum(amount where family == "storage")
decision rate: Percent by partner.tier {
    gold => 2%
    silver => 1%
    bronze => 0%
}
rebate fresh "Fresh" { pay rate of storage }
)");
  const Compared r = compare_runs(old_plan, new_plan, small_inputs());
  CHECK(r.payouts == 3 * 2 * (3 + 1));
  // A division by zero in the second program (P3 has no support lines): the combined run fails as the
  // second does alone.
  const plan::Plan failing = small(R"(
measure storage = sales.sum(amount where family == "storage")
measure support = sales.sum(amount where family == "support")
rebate ratio "Ratio" { pay 1% of storage * (storage / support) }
)");
  engine::RunResult alone = engine::run(failing, small_inputs());
  REQUIRE(!alone.ok());
  compare_runs(old_plan, failing, small_inputs());
}

TEST_CASE("combine: programs with other headers or inputs do not share a plan") {
  const plan::Plan p = small("measure revenue = sales.sum(amount)\nrebate a \"A\" { pay 1% of revenue }\n");
  const plan::Plan monthly = lower_text("t.rebate", R"(
program "Test" { currency: USD  period: month }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner: Text as partner  order_id: Text  family: Text  units: Int  amount: Money }
measure revenue = sales.sum(amount)
rebate a "A" { pay 1% of revenue }
)");
  plan::CombineResult c = plan::combine(p, monthly);
  CHECK(!c.combined);
  CHECK(c.why_not == "the period differs");
  const plan::Plan wider = lower_text("t.rebate", R"(
program "Test" { currency: USD  period: quarter }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner: Text as partner  order_id: Text  family: Text  units: Int  amount: Money  region: Text }
measure revenue = sales.sum(amount)
rebate a "A" { pay 1% of revenue }
)");
  c = plan::combine(p, wider);
  CHECK(!c.combined);
  CHECK(c.why_not == "input `sales` has different columns");
}

// Every example with itself and with changed copies (every percentage one point higher; every amount
// one unit higher; a text a filter compares with changed), where the copy compiles: the combined run pays
// each program what it pays alone.
TEST_CASE("combine: every example, with itself and with changed copies") {
  namespace fs = std::filesystem;
  const fs::path examples = fs::path(REBATE_SOURCE_DIR) / "examples";
  size_t programs = 0, changed_pairs = 0, payouts = 0;
  for (const fs::directory_entry& dir : fs::directory_iterator(examples)) {
    const fs::path program = dir.path() / "program.rebate";
    if (!fs::exists(program)) continue;
    ++programs;
    INFO(dir.path().filename().string());
    engine::RunOptions options;
    std::istringstream args(read(dir.path() / "run.args"));
    std::vector<std::string> words;
    for (std::string line; std::getline(args, line);) {
      if (!line.empty()) words.push_back(line);
    }
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "--input") {
        const size_t eq = words[i + 1].find('=');
        options.input_paths[words[i + 1].substr(0, eq)] = (dir.path() / words[i + 1].substr(eq + 1)).string();
      } else if (words[i] == "--period") {
        options.period = words[i + 1];
      }
    }
    const std::string text = read(program);
    const plan::Plan original = lower_text(program.string(), text);
    {
      INFO("with itself");
      const Compared r = compare_runs(original, original, options);
      payouts += r.payouts;
      CHECK(r.shared_every_aggregate);
    }
    auto bump = [](const std::string& s, const std::regex& number, int by) {
      std::string out;
      auto begin = std::sregex_iterator(s.begin(), s.end(), number);
      size_t at = 0;
      for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        std::string digits = m[1].str();
        digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
        out += s.substr(at, static_cast<size_t>(m.position(1)) - at) + std::to_string(std::stoll(digits) + by);
        at = static_cast<size_t>(m.position(1) + m.length(1));
      }
      return out + s.substr(at);
    };
    std::vector<std::pair<std::string, std::string>> copies = {
        {"percentages + 1", bump(text, std::regex(R"(\b(\d+)%)"), 1)},
        {"amounts + 1", bump(text, std::regex(R"(\b(\d[\d_]*) (USD|EUR))"), 1)},
        {"a filter's text", std::regex_replace(text, std::regex(R"re(== "([a-z_-]+)")re"), "== \"$1x\"", std::regex_constants::format_first_only)},
    };
    size_t compiled = 0;
    for (const auto& [what, copy] : copies) {
      if (copy == text || !compiles(program.string(), copy)) continue;
      INFO(what);
      ++compiled;
      ++changed_pairs;
      const plan::Plan changed = lower_text(program.string(), copy);
      payouts += compare_runs(original, changed, options).payouts;
      compare_runs(changed, original, options);
    }
    CHECK(compiled > 0);  // every example is compared with at least one changed copy
  }
  CHECK(programs == 23);  // the fifteen scenarios, the quarterly true-up (16), the multi-currency program (17), the closed quarters (18),
                          // the co-op fund (19), the churn clawback across ledgers (20), the quarter forecast (21) and the
                          // partner history (22) and the partner payout currency (23)
  CHECK(changed_pairs >= 20);
  CHECK(payouts > 1000);
}

// The `rebate diff` benchmark's pair (bench/run/diff_bench.sh): the reference program and a copy with the
// sell-through rate changed share every aggregate and group, so the combined scan is one program's.
TEST_CASE("combine: the benchmark's rate change shares the whole scan") {
  const std::filesystem::path path = std::filesystem::path(REBATE_SOURCE_DIR) / "bench" / "run" / "reference.rebate";
  const std::string text = read(path);
  std::string changed = text;
  const size_t at = changed.find("    pay 2% of revenue\n");
  REQUIRE(at != std::string::npos);
  changed.replace(at, 22, "    pay 2.5% of revenue\n");
  const plan::Plan before = lower_text(path.string(), text), after = lower_text(path.string(), changed);
  plan::CombineResult c = plan::combine(before, after);
  REQUIRE(c.combined);
  CHECK(c.combined->plan.aggregates.size() <= before.aggregates.size());
  CHECK(c.combined->plan.groups.size() == before.groups.size());
  CHECK(c.combined->plan.group_field_aggregates.size() == before.group_field_aggregates.size());
  CHECK(c.combined->plan.measures.size() <= before.measures.size());
}
