// Table-driven unit tests of the checker: each case is a snippet after a common prelude and the codes
// it must report (empty: checks clean). The golden tests in tests/check/ cover messages and spans.
#include <catch2/catch.hpp>

#include "check/check_test_util.h"

using rebate::testing::check_text;
using rebate::testing::kPrelude;

namespace {

struct Case {
  const char* name;
  const char* source;
  std::vector<std::string> codes;
};

// Each snippet pays through a rebate so that unused-measure lints stay out of the way.
const Case kCases[] = {
    {"percent of money", "measure rev = sales.sum(amount)\nrebate r { pay 5% of rev }", {}},
    {"money plus int", "measure rev = sales.sum(amount)\nrebate r { pay rev + 100 }", {"E0302"}},
    {"money compared with int", "measure rev = sales.sum(amount)\nrebate r { pay 5% of rev when rev > 100 }", {"E0302"}},
    {"money times money", "measure rev = sales.sum(amount)\nrebate r { pay rev * rev }", {"E0304"}},
    {"two currencies", "measure rev = sales.sum(amount)\nrebate r { pay rev + 5 EUR }", {"E0303"}},
    {"percent plus money", "measure rev = sales.sum(amount)\nrebate r { pay 5% + rev }", {"E0305"}},
    {"date plus date", "measure d = sales.max(invoice_date) otherwise 2026-01-01\nmeasure n = sales.count()\n"
                       "rebate r { pay 1 USD * n when d + 2026-01-01 > d }", {"E0306"}},
    {"date plus duration", "measure d = sales.max(invoice_date) otherwise 2026-01-01\nmeasure n = sales.count()\n"
                           "rebate r { pay 1 USD * n when d + 30 days > 2026-03-01 }", {}},
    {"avg needs a value for no lines", "measure a = sales.avg(amount)\nrebate r { pay 1% of a }", {"E0310"}},
    {"avg with otherwise", "measure a = sales.avg(amount) otherwise 0 USD\nrebate r { pay 1% of a }", {}},
    {"unknown name", "measure rev = sales.sum(amount)\nrebate r { pay 5% of revnue }", {"E0201"}},
    {"measure cycle", "measure a = b + 1 USD\nmeasure b = a + 1 USD\nrebate r { pay a }", {"E0203"}},
    {"duplicate", "measure rev = sales.sum(amount)\nmeasure rev = sales.sum(amount)\nrebate r { pay 1% of rev }", {"E0202"}},
    {"unused measure", "measure rev = sales.sum(amount)\nmeasure units = sales.sum(quantity)\nrebate r { pay 1% of rev }", {"W0001"}},
    {"unguarded division", "measure rev = sales.sum(amount)\nmeasure n = sales.count()\nrebate r { pay rev / n }", {"W0005"}},
    {"guarded division", "measure rev = sales.sum(amount)\nmeasure n = sales.count()\nrebate r { pay if n > 0 then rev / n else 0 USD }", {}},
    {"a constant divided by a constant is a band bound", "const top = 1_000 USD / 4\nmeasure rev = sales.sum(amount)\n"
     "tiers t retroactive { from 0 USD to top: 1%  from top: 2% }\nrebate r { pay t of rev }", {}},
    {"a constant divided by zero", "const cap_amount = 1_000 USD / 0\nmeasure rev = sales.sum(amount)\nrebate r { pay 1% of rev  cap cap_amount }", {"W0005"}},
    {"a band value divided by zero", "const rate = 2% / 0\nmeasure rev = sales.sum(amount)\n"
     "tiers t retroactive { from 0 USD to 100 USD: rate  from 100 USD: 2% }\nrebate r { pay t of rev }", {"W0005", "E0408"}},
    {"a band value divided by a constant", "const rate = 6% / 2\nmeasure rev = sales.sum(amount)\n"
     "tiers t retroactive { from 0 USD to 100 USD: rate  from 100 USD: 4% }\nrebate r { pay t of rev }", {}},
    {"a budget divided by zero", "measure rev = sales.sum(amount)\nrebate r { pay 1% of rev }\nbudget pool = 1_000 USD / 0 per quarter", {"E0504"}},
    {"a budget divided by a constant", "measure rev = sales.sum(amount)\nrebate r { pay 1% of rev }\nbudget pool = 1_000 USD / 4 per quarter", {}},
    {"a band bound divided by zero", "const top = 1_000 USD / 0\nmeasure rev = sales.sum(amount)\n"
     "tiers t retroactive { from 0 USD to top: 1%  from top: 2% }\nrebate r { pay t of rev }", {"W0005", "E0408", "E0408"}},
    {"enum member by context", "measure rev = sales.sum(amount)\nrebate r { eligible when partner.tier >= silver  pay 1% of rev }", {}},
    {"never pays", "measure rev = sales.sum(amount)\nrebate r { eligible when partner.tier > platinum  pay 1% of rev }", {"W0002"}},
    {"condition not bool", "measure rev = sales.sum(amount)\nrebate r { require rev  pay 1% of rev }", {"E0309"}},
    {"column outside aggregate", "rebate r { pay 1% of amount }", {"E0312"}},
    {"tier gap", "measure rev = sales.sum(amount)\ntiers t retroactive { from 0 USD to 100 USD: 1%  from 200 USD: 2% }\nrebate r { pay t of rev }", {"E0401"}},
    {"tier overlap", "measure rev = sales.sum(amount)\ntiers t retroactive { from 0 USD to 100 USD: 1%  from 50 USD: 2% }\nrebate r { pay t of rev }", {"E0402"}},
    {"tier out of order", "measure rev = sales.sum(amount)\ntiers t retroactive { from 100 USD to 200 USD: 1%  from 0 USD to 100 USD: 2% }\nrebate r { pay t of rev }", {"E0403"}},
    {"tier mixed units", "measure rev = sales.sum(amount)\ntiers t retroactive { from 0 USD to 100: 1%  from 100 USD: 2% }\nrebate r { pay t of rev }", {"E0404"}},
    {"tier cliff", "measure rev = sales.sum(amount)\ntiers t retroactive { from 0 USD to 100 USD: 3%  from 100 USD: 2% }\nrebate r { pay t of rev }", {"W0004"}},
    {"incremental by metric", "measure rev = sales.sum(amount)\nmeasure n = sales.count()\ntiers t incremental { from 0 to 10: 1%  from 10: 2% }\nrebate r { pay (t by n) of rev }", {"E0410"}},
    {"decision uncovered", "measure rev = sales.sum(amount)\ndecision rate: Percent by partner.tier { gold | platinum => 3%  silver => 2% }\nrebate r { pay rate of rev }", {"E0411"}},
    {"decision complete", "measure rev = sales.sum(amount)\ndecision rate: Percent by partner.tier { at least gold => 3%  silver => 2%  bronze => 1% }\nrebate r { pay rate of rev }", {}},
    {"decision unreachable row", "measure rev = sales.sum(amount)\ndecision rate: Percent by partner.tier { _ => 1%  gold => 3% }\nrebate r { pay rate of rev }", {"W0006"}},
    {"numeric decision coverage", "measure n = sales.count()\nmeasure rev = sales.sum(amount)\ndecision rate: Percent by n { below 10 => 1%  10 .. 20 => 2%  above 20 => 3% }\nrebate r { pay rate of rev }", {}},
    {"numeric decision gap", "measure n = sales.count()\nmeasure rev = sales.sum(amount)\ndecision rate: Percent by n { below 10 => 1%  above 20 => 3% }\nrebate r { pay rate of rev }", {"E0411"}},
    {"missing pay", "rebate r { cap 10 USD }", {"E0508"}},
    {"group and solution orders",
     "group orders = sales by customer { hw = sales.count(where family == \"hw\")  sup = sales.count(where family == \"support\") }\n"
     "measure solutions = orders.count(where hw > 0 and sup > 0)\nrebate r { pay 100 USD * solutions }", {}},
    {"time shift of a non-measure", "measure rev = sales.sum(amount)\nrebate r { pay 1% of previous(rev + rev) }", {"E0315"}},
    {"growth with zero baseline", "measure rev = sales.sum(amount)\nmeasure base = last_year(rev)\n"
                                  "measure growth = (rev - base) / base otherwise 0%\nrebate r { pay 3% of (rev - base) when growth > 10% }", {}},
};

}  // namespace

TEST_CASE("checker reports the right codes", "[check]") {
  for (const Case& c : kCases) {
    INFO(c.name << "\n" << c.source);
    auto result = check_text(std::string(kPrelude) + c.source + "\n");
    CHECK(result.codes == c.codes);
  }
}

TEST_CASE("types of measures are inferred with units", "[check]") {
  auto r = check_text(std::string(kPrelude) +
                      "measure rev = sales.sum(amount)\nmeasure n = sales.count()\nmeasure share = rev / rev otherwise 0\n"
                      "rebate r { pay 1% of rev when n > 0 and share > 0 }\n");
  CHECK(r.codes.empty());
  CHECK(r.dump_types.find("measure rev : Money(USD)") != std::string::npos);
  CHECK(r.dump_types.find("measure n : Int") != std::string::npos);
  CHECK(r.dump_types.find("measure share : Decimal") != std::string::npos);
}

TEST_CASE("help lines say how to fix unit errors", "[check]") {
  auto r = check_text(std::string(kPrelude) + "measure rev = sales.sum(amount)\nrebate r { pay rev + 100 }\n");
  REQUIRE(r.diags.size() == 1);
  CHECK(r.diags[0].help.find("`100 USD`") != std::string::npos);
  auto typo = check_text(std::string(kPrelude) + "measure revenue = sales.sum(amount)\nrebate r { pay 1% of revnue }\n");
  REQUIRE(typo.diags.size() == 1);
  CHECK(typo.diags[0].help == "did you mean `revenue`?");
}
