// The comparison and the reports of `rebate diff`: exact texts (amounts, percentages rounded once),
// --fail-above on both sides, the movers' order, added and removed rebates, band changes by position,
// and the Markdown report within a pull-request comment whatever the rows.
#include "diff/report.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace rebate;
using namespace rebate::diff;

namespace {

Decimal dec(const char* s) { return *Decimal::parse(s); }

// Payouts as the engine hands them over, with their texts kept here.
struct Payouts {
  std::vector<std::string> texts;
  std::vector<engine::Payout> payouts;
  Payouts() { texts.reserve(1000); }
  void add(const char* amount, const char* status = "paid", const char* band = "") {
    engine::Payout p;
    p.set_amount(dec(amount));
    texts.push_back(status);
    p.status = engine::TextRef(texts.back());
    texts.push_back(band);
    p.band = engine::TextRef(texts.back());
    payouts.push_back(p);
  }
};

// Keeps what a comparison hands on.
struct Kept : ChangeSink {
  std::vector<Row> rows;
  std::vector<AwardChange> awards;
  void row(const Row& r) override { rows.push_back(r); }
  void award(const AwardChange& a) override { awards.push_back(a); }
};

std::string write(Report& r, const Comparison& c, const ReportInfo& info) {
  std::string out;
  REQUIRE(r.write(c, info, [&](std::string_view part) { out.append(part); }));
  return out;
}

}  // namespace

TEST_CASE("diff: amounts and percentages are exact") {
  CHECK(amount_text(dec("1234.5"), 2) == "1234.50");
  CHECK(amount_text(dec("0.125"), 2) == "0.125");  // a rebate rounded to more places keeps them
  CHECK(amount_text(dec("-7"), 2) == "-7.00");
  CHECK(amount_text(dec("5"), 0) == "5");
  CHECK(percent_change(dec("200"), dec("201")) == "0.50");
  CHECK(percent_change(dec("60.50"), dec("30.00")) == "-50.41");  // -50.413...
  CHECK(percent_change(dec("100"), dec("0")) == "-100.00");
  CHECK(percent_change(dec("0"), dec("0")) == "0.00");
  CHECK(!percent_change(dec("0"), dec("5")));  // from nothing: "new"
  CHECK(percent_change(dec("-200"), dec("-100")) == "50.00");  // of |old|: a clawback halved is +50%
  // Ties are rounded half-even once, on the exact value: 0.125% -> 0.12, 0.375% -> 0.38.
  CHECK(percent_change(dec("800"), dec("801")) == "0.12");
  CHECK(percent_change(dec("800"), dec("803")) == "0.38");
  // Just above a tie, beyond the 18 places of a division: 1/3 of a hundredth over 0.125%.
  // 0.12500000000000000000033...% would be 0.125 at 18 places, then 0.12; exactly it is 0.13.
  CHECK(percent_change(dec("300000000000000000000000"), dec("300375000000000000000001")) == "0.13");
}

TEST_CASE("diff: --fail-above on both sides of the threshold") {
  REQUIRE(parse_threshold("1000"));
  CHECK(!parse_threshold("-1"));
  CHECK(!parse_threshold("1 USD"));
  CHECK(!parse_threshold("%"));
  CHECK(parse_threshold("1_000.50")->value == dec("1000.50"));
  const Threshold amount = *parse_threshold("100");
  CHECK(!exceeds(amount, dec("1000"), dec("1100")));  // exactly 100: not more
  CHECK(exceeds(amount, dec("1000"), dec("1100.01")));
  CHECK(exceeds(amount, dec("1000"), dec("899.99")));  // a fall counts as much as a rise
  const Threshold percent = *parse_threshold("1%");
  REQUIRE(percent.percent);
  CHECK(!exceeds(percent, dec("1000"), dec("1010")));
  CHECK(exceeds(percent, dec("1000"), dec("1010.01")));
  CHECK(exceeds(percent, dec("1000"), dec("989.99")));
  CHECK(exceeds(percent, dec("0"), dec("0.01")));  // any change of nothing
  CHECK(!exceeds(percent, dec("0"), dec("0")));
}

TEST_CASE("diff: rows, totals, added and removed rebates, bands by position") {
  Kept kept;
  const std::vector<std::string> old_bands = {"from 0 USD to 100 USD", "from 100 USD"};
  const std::vector<std::string> new_bands = {"from 0 USD to 120 USD", "from 120 USD"};
  Comparison c({{"tiered", "T", old_bands}, {"gone", "G", {}}}, {{"fresh", "F", {}}, {"tiered", "T", new_bands}}, 2, kept);
  Payouts before, after;
  // P1: tiered 10.00 in the first band both times (its bounds moved: no band change), gone 3.00.
  before.add("10.00", "paid", "from 0 USD to 100 USD");
  before.add("3.00");
  after.add("0", "zero");  // fresh pays P1 nothing: not a change
  after.add("12.00", "paid", "from 0 USD to 120 USD");
  // P2: tiered moves up a band; gone 0 (not a change); fresh 5.00.
  before.add("4.00", "paid", "from 0 USD to 100 USD");
  before.add("0", "zero");
  after.add("5.00");
  after.add("4.00", "paid", "from 120 USD");
  c.cell("P1", "2026-Q3", &before.payouts[0], &after.payouts[0]);
  c.cell("P2", "2026-Q3", &before.payouts[2], &after.payouts[2]);
  REQUIRE(kept.rows.size() == 4);
  CHECK(kept.rows[0].rebate == "tiered");
  CHECK(kept.rows[0].changes == kAmount);
  CHECK(kept.rows[0].delta == dec("2"));
  CHECK(kept.rows[1].rebate == "gone");
  CHECK(kept.rows[1].changes == kRemoved);
  CHECK(kept.rows[2].rebate == "fresh");
  CHECK(kept.rows[2].changes == kAdded);
  CHECK(kept.rows[3].changes == kBand);
  CHECK(c.rows_compared() == 6);
  CHECK(c.band_or_status_changed() == 1);
  CHECK(c.before_total() == dec("17"));
  CHECK(c.after_total() == dec("21"));
  REQUIRE(c.rebates().size() == 3);  // the new program's order, then the removed one
  CHECK(c.rebates()[0].name == "fresh");
  CHECK(!c.rebates()[0].in_old);
  CHECK(c.rebates()[2].name == "gone");
  CHECK(!c.rebates()[2].in_new);
  // The movers: 5.00 (P2 fresh), then 3.00 (P1 gone); 2.00 did not make the top two.
  const std::vector<Row> movers = c.movers();
  REQUIRE(movers.size() == 2);
  CHECK(movers[0].delta == dec("5"));
  CHECK(movers[1].delta == dec("-3"));
  CHECK(c.partners() == 2);
  CHECK(c.periods() == std::vector<std::string>{"2026-Q3"});
}

TEST_CASE("diff: awards compared by name") {
  Kept kept;
  Comparison c({}, {}, 5, kept);
  c.awards("P1", {{"level", "2026-Q4", "gold"}, {"star", "2026-Q3", "true"}}, {{"level", "2026-Q4", "silver"}, {"new_one", "2026-Q3", "x"}});
  REQUIRE(kept.awards.size() == 3);
  CHECK((kept.awards[0].award == "level" && *kept.awards[0].before == "gold" && *kept.awards[0].after == "silver"));
  CHECK((kept.awards[1].award == "star" && !kept.awards[1].after));
  CHECK((kept.awards[2].award == "new_one" && !kept.awards[2].before));
  c.awards("P2", {{"level", "2026-Q4", "gold"}}, {{"level", "2026-Q4", "gold"}});
  CHECK(kept.awards.size() == 3);
}

TEST_CASE("diff: the Markdown report stays within a pull-request comment") {
  // 28,000 changed rows with long partner ids, 400 rebates: every section is cut to fit, and says so.
  std::vector<RebateInfo> rebates;
  for (int r = 0; r < 400; ++r) rebates.push_back(RebateInfo{"rebate_number_" + std::to_string(r), "R", {}});
  std::unique_ptr<Report> md = make_report("md", 2);
  Comparison c(rebates, rebates, 1000, *md);
  Payouts before, after;
  for (size_t r = 0; r < rebates.size(); ++r) {
    before.add("100.00", "paid");
    after.add("101.50", "gate not met");
  }
  for (int p = 0; p < 70; ++p) c.cell(std::string(60, 'x') + "|" + std::to_string(p), "2026-Q3", before.payouts.data(), after.payouts.data());
  ReportInfo info{"git:origin/main:program.rebate", "program.rebate", "USD", true, parse_threshold("1%"), true};
  const std::string text = write(*md, c, info);
  CHECK(text.size() <= kCommentLimit);
  CHECK(text.find("more rows left out") != std::string::npos);
  CHECK(text.find("more rebates") != std::string::npos);
  CHECK(text.find("\\|") != std::string::npos);  // a `|` in a partner id does not end its cell
  CHECK(text.find("</details>") != std::string::npos);
  CHECK(text.find("more than `--fail-above 1%`") != std::string::npos);
  // Every line of a table has as many cells as its header (a `|` from the data is escaped).
  size_t header_cells = 0, lines_checked = 0;
  bool in_table = false;
  for (size_t at = 0; at < text.size();) {
    const size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] != '|') {
      in_table = false;
      continue;
    }
    size_t cells = 0;
    for (size_t i = 0; i < line.size(); ++i) cells += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    if (!in_table) header_cells = cells;
    in_table = true;
    CHECK(cells == header_cells);
    ++lines_checked;
  }
  CHECK(lines_checked > 100);
  CHECK(text.find("| **total** | **2,800,000.00** | **2,842,000.00** | **+42,000.00** | **+1.50%** |") != std::string::npos);
}

TEST_CASE("diff: the JSON report parses and lists every row") {
  std::unique_ptr<Report> json = make_report("json", 2);
  Comparison c({{"a", "A", {}}}, {{"a", "A", {}}}, 3, *json);
  Payouts before, after;
  for (int p = 0; p < 5; ++p) {
    before.add("1.00");
    after.add("2.00");
  }
  for (int p = 0; p < 5; ++p) c.cell("P\"" + std::to_string(p), "2026-07", &before.payouts[static_cast<size_t>(p)], &after.payouts[static_cast<size_t>(p)]);
  const std::string text = write(*json, c, ReportInfo{"a", "b", "EUR", false, std::nullopt, false});
  const nlohmann::json doc = nlohmann::json::parse(text);
  CHECK(doc["changes"].size() == 5);
  CHECK(doc["changes"][0]["partner"] == "P\"0");
  CHECK(doc["top_movers"].size() == 3);
  CHECK(doc["total"]["delta"] == "5.00");
  CHECK(doc["total"]["percent"] == "100.00");
  CHECK(doc["one_scan"] == false);
  CHECK(!doc.contains("fail_above"));
  // No change at all: empty arrays, still JSON.
  std::unique_ptr<Report> empty = make_report("json", 2);
  Comparison none({}, {}, 3, *empty);
  CHECK(nlohmann::json::parse(write(*empty, none, ReportInfo{}))["changes"].empty());
}
