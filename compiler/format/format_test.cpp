// The formatter, case by case: each input and the canonical text docs/style.md says it becomes, which must
// format to itself again. tests/format/format_test.py checks the properties on every .rebate file of the
// repository and the `rebate fmt` command line.
#include "format/format.h"

#include <catch2/catch.hpp>

#include "format/doc.h"
#include "format/layout.h"
#include "format/printer.h"
#include "format/tokens.h"
#include "parse/parse.h"

using namespace rebate;

namespace {

format::Formatted format_text(const std::string& text) {
  SourceMap sources;
  Diagnostics diags;
  return format::format_file(sources.file(sources.add("t.rebate", text)), diags);
}

// `input` formats to `expected`, which formats to itself.
void check_format(const std::string& input, const std::string& expected) {
  INFO(input);
  format::Formatted once = format_text(input);
  INFO(once.internal_error);
  REQUIRE(once.text);
  CHECK(*once.text == expected);
  format::Formatted twice = format_text(*once.text);
  REQUIRE(twice.text);
  CHECK(*twice.text == *once.text);
}

}  // namespace

TEST_CASE("declarations: one blank line between, blocks one item a line", "[format]") {
  check_format("program \"P\" { currency: USD  period: quarter }\nconst a = 1 const b = 2\n",
               "program \"P\" {\n    currency: USD\n    period: quarter\n}\n\nconst a = 1\n\nconst b = 2\n");
  // Imports stay together; blank lines collapse to one; the file ends with one line break.
  check_format("import \"a\"\nimport \"b\"\n\n\n\nconst x=1", "import \"a\"\nimport \"b\"\n\nconst x = 1\n");
  check_format("partner table p{id:Text as key from \"ID\" tier:Tier?} ledger s{d:Date as date a:Money(EUR) rounding half_up}",
               "partner table p {\n    id: Text as key from \"ID\"\n    tier: Tier?\n}\n\n"
               "ledger s {\n    d: Date as date\n    a: Money(EUR) rounding half_up\n}\n");
  check_format("rebate r \"R\" {}\nrebate q {pay 1%   allow negative rounding down to 2}",
               "rebate r \"R\" {}\n\nrebate q {\n    pay 1%\n    allow negative\n    rounding down to 2\n}\n");
  check_format("group o = s by a, b { x: Money = s.sum(m) }", "group o = s by a, b {\n    x: Money = s.sum(m)\n}\n");
  check_format("award a: Tier for next period \"A\" { when x => gold otherwise => bronze }",
               "award a: Tier for next period \"A\" {\n    when x    => gold\n    otherwise => bronze\n}\n");
  check_format("budget b = 2_000 USD per quarter for r, q", "budget b = 2_000 USD per quarter for r, q\n");
  check_format("test \"t\" { expect r for \"P1\" in 2026-Q3 = 1 USD given s (a, b) { (1, 2,) } }",
               "test \"t\" {\n    expect r for \"P1\" in 2026-Q3 = 1 USD\n    given s (a, b) {\n        (1, 2)\n    }\n}\n");
  check_format("test \"t\" { given sales   from \"fixtures/q3.csv\" expect r for \"P1\" in 2026-Q3 = 1 USD }",
               "test \"t\" {\n    given sales from \"fixtures/q3.csv\"\n    expect r for \"P1\" in 2026-Q3 = 1 USD\n}\n");
  check_format("", "");
  check_format("\n\n  \n", "");
}

TEST_CASE("literals keep their spelling; trailing commas go", "[format]") {
  check_format("const a = [1_000_000,2.50 ,  5% , 1_049.35 EUR,\"say \\\"hi\\\"\", 2026-Q3, 2026-07-01, 30 days,]",
               "const a = [1_000_000, 2.50, 5%, 1_049.35 EUR, \"say \\\"hi\\\"\", 2026-Q3, 2026-07-01, 30 days]\n");
  check_format("enum E { a, b, }", "enum E { a, b }\n");
  check_format("const a = 100USD", "const a = 100 USD\n");
}

TEST_CASE("parentheses: the source's kept once, the tree's needs added", "[format]") {
  check_format("const a = ((x + y)) * (z)", "const a = (x + y) * (z)\n");
  check_format("const a = x + if c then y else z", "const a = x + (if c then y else z)\n");
  // `not` after `+` takes the rest of the comparison: the tree has it as the right side of `+`.
  check_format("const a = - -5 + -(-5) + not not b", "const a = - -5 + -(-5) + (not not b)\n");
  check_format("const a = x otherwise y otherwise z", "const a = x otherwise y otherwise z\n");
  check_format("const a = (x otherwise y) otherwise z", "const a = (x otherwise y) otherwise z\n");
  check_format("const a = x - (y - z)", "const a = x - (y - z)\n");
  check_format("const a = f not in [1] and not x in y", "const a = f not in [1] and not x in y\n");
}

TEST_CASE("tier, decision and award tables are aligned into columns", "[format]") {
  check_format("tiers t retroactive {\nfrom 0 USD to 100_000 USD: 2%\nfrom 100_000 USD to 500_000 USD: 4%\nfrom 500_000 USD: 6%\n}",
               "tiers t retroactive {\n"
               "    from 0 USD       to 100_000 USD: 2%\n"
               "    from 100_000 USD to 500_000 USD: 4%\n"
               "    from 500_000 USD:                6%\n"
               "}\n");
  check_format("tiers t incremental { from 0 USD to 250_000 USD: 0%  from 250_000 USD to 1_000_000 USD: 1%  from 1_000_000 USD: 2% }",
               "tiers t incremental {\n"
               "    from 0 USD         to 250_000 USD:   0%\n"
               "    from 250_000 USD   to 1_000_000 USD: 1%\n"
               "    from 1_000_000 USD:                  2%\n"
               "}\n");
  check_format("decision d: Money by a, b {\ntrue, \"DE\" | \"FR\" => 500 EUR\nfalse, _ => 0 EUR\n"
               "true, at least 5 => 1 EUR\n_, 1 .. 5 => 2 EUR\nnot true, below (-5) => 3 EUR\notherwise => 0 EUR }",
               "decision d: Money by a, b {\n"
               "    true,     \"DE\" | \"FR\" => 500 EUR\n"
               "    false,    _           => 0 EUR\n"
               "    true,     at least 5  => 1 EUR\n"
               "    _,        1 .. 5      => 2 EUR\n"
               "    not true, below (-5)  => 3 EUR\n"
               "    otherwise             => 0 EUR\n"
               "}\n");
}

TEST_CASE("long lines break at operators, call arguments and lists", "[format]") {
  check_format("measure m = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa + bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb * c - dddddddddddddddddddddddddddd",
               "measure m = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
               "    + bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb * c\n"
               "    - dddddddddddddddddddddddddddd\n");
  check_format("measure promo_units = licence_sales.sum(units where product == \"CloudVault\" and booked_on in promo_start .. promo_end)",
               "measure promo_units = licence_sales.sum(\n"
               "    units where product == \"CloudVault\" and booked_on in promo_start .. promo_end\n"
               ")\n");
  check_format("rebate r { pay aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa of bbbbbbbbbbbbbbbbbbbbbbbb when cccccccccccccccccccccc > 0 USD }",
               "rebate r {\n"
               "    pay aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa of bbbbbbbbbbbbbbbbbbbbbbbb\n"
               "        when cccccccccccccccccccccc > 0 USD\n"
               "}\n");
  check_format("measure m = sales.sum(amount) cap 1_000_000_000_000_000 USD floor 1_000_000_000_000_000_000_000_000_000 USD",
               "measure m = sales.sum(amount)\n    cap 1_000_000_000_000_000 USD\n    floor 1_000_000_000_000_000_000_000_000_000 USD\n");
  // At the width exactly, one line; a column past it, broken.
  const std::string name(100 - std::string("const a = x + ").size(), 'y');
  check_format("const a = x + " + name, "const a = x + " + name + "\n");
  check_format("const a = x + " + name + "y", "const a = x\n    + " + name + "y\n");
}

TEST_CASE("comments stay where they were", "[format]") {
  check_format("// header\n\n\n/// doc\nconst a = 1 // trailing\n// below a\n\n// above b\nconst b = 2\n/* end */",
               "// header\n\n/// doc\nconst a = 1 // trailing\n// below a\n\n// above b\nconst b = 2\n/* end */\n");
  // Before a block's `}`, in an empty block, after `{`, between items (blank lines kept, one at most).
  check_format("rebate r { // note\n  pay 1%\n\n\n  // why\n  cap 2 USD\n  // last\n}\nrebate q {\n // nothing yet\n}",
               "rebate r { // note\n    pay 1%\n\n    // why\n    cap 2 USD\n    // last\n}\n\nrebate q {\n    // nothing yet\n}\n");
  // Inside an expression: the group breaks around a line comment; a one-line block comment stays inline.
  check_format("measure m = f(x, // first\n y)\nmeasure n = f(x, /* mid */ y)",
               "measure m = f(\n    x, // first\n    y\n)\n\nmeasure n = f(x, /* mid */ y)\n");
  // Trailing spaces of comments go; a block comment's lines are kept as they are.
  check_format("/* a  \n     b */   \nconst a = 1   // c   \n", "/* a\n     b */\nconst a = 1 // c\n");
  // Doc comments stay on their declaration and column.
  check_format("ledger s {\n/// the day\nd: Date as date\n}\n", "ledger s {\n    /// the day\n    d: Date as date\n}\n");
}

TEST_CASE("line breaks, a byte-order mark and a missing last line break", "[format]") {
  check_format("\xEF\xBB\xBF" "const a = 1\r\n// c\r\nconst b = 2", "const a = 1\n\n// c\nconst b = 2\n");
}

TEST_CASE("a file with syntax errors is not formatted", "[format]") {
  for (const char* bad : {"const a = ", "rebate r { pay 1% ", "const a = 1 && 2", "const a = 'x'", "const a = 2026-02-30",
                          "const a = \"open", "/* open"}) {
    INFO(bad);
    SourceMap sources;
    Diagnostics diags;
    format::Formatted f = format::format_file(sources.file(sources.add("t.rebate", bad)), diags);
    CHECK_FALSE(f.text);
    CHECK(f.errors);
    CHECK(diags.has_errors());
  }
}

TEST_CASE("the meaning check sees changed trees, doc comments and comments", "[format]") {
  CHECK(format::meaning_difference("const a = 1 + 2 * 3", "const a = 1 + 2 * 3 // x").find("comment") != std::string::npos);
  CHECK(format::meaning_difference("const a = 1 + 2 * 3", "const a = (1 + 2) * 3").find("AST") != std::string::npos);
  CHECK(format::meaning_difference("/// d\nconst a = 1", "const a = 1 /// d").find("doc") != std::string::npos);
  CHECK(format::meaning_difference("const a = 1", "const a = ").find("does not parse") != std::string::npos);
  CHECK(format::meaning_difference("const a = 1 // x  ", "const a   =   1 // x") == "");
}

TEST_CASE("the printer adds parentheses where the tree needs them", "[format]") {
  // `x + y * z` parsed, then regrouped by hand as (x + y) * z: a tree whose source lacks the parentheses.
  SourceMap sources;
  Diagnostics diags;
  const SourceFile& file = sources.file(sources.add("t.rebate", "const a = x + y * z"));
  ast::Module m = parse_module(file, 0, diags);
  REQUIRE(m.consts.size() == 1);
  ast::ExprPtr add = std::move(m.consts[0].value);  // (+ x (* y z))
  ast::ExprPtr mul = std::move(add->args[1]);
  REQUIRE(mul->op == ast::Op::Mul);
  add->args[1] = std::move(mul->args[0]);
  add->span.end = add->args[1]->span.end;
  mul->span.begin = add->span.begin;
  mul->args[0] = std::move(add);
  m.consts[0].value = std::move(mul);
  CHECK(format::precedence(*m.consts[0].value) > format::precedence(m.consts[0].value->arg(0)));
  format::SourceTokens tokens = format::source_tokens(file);
  format::Doc doc;
  format::Printer printer(doc, tokens);
  format::DocId root = printer.module(m);
  CHECK(printer.mismatches() == 0);
  CHECK(format::render(doc, root, tokens.comments, file.text()) == "const a = (x + y) * z\n");
}
