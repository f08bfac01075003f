// Unit tests of the parse phase: the AST built for each construct, and lexical error codes.
#include <catch2/catch.hpp>

#include "ast/dump.h"
#include "parse/parse.h"

using namespace rebate;

namespace {

struct Parsed {
  std::string ast;
  std::vector<std::string> codes;
};

Parsed parse_text(const std::string& text) {
  SourceMap sources;
  FileId id = sources.add("t.rebate", text);
  Diagnostics diags;
  ast::Module m = parse_module(sources.file(id), 0, diags);
  Parsed p{ast::dump(m), {}};
  for (const auto& d : diags.all()) p.codes.emplace_back(info(d.kind).code);
  return p;
}

}  // namespace

TEST_CASE("expressions parse with the documented precedence", "[parse]") {
  struct Case { const char* src; const char* ast; };
  const Case cases[] = {
      {"const a = 1 + 2 * 3", "(const a (+ 1 (* 2 3)))\n"},
      {"const a = 5% of x + 1% of y", "(const a (+ (of 5% x) (of 1% y)))\n"},
      {"const a = t by g of u", "(const a (of (by t g) u))\n"},
      {"const a = x / y otherwise 0%", "(const a (otherwise (/ x y) 0%))\n"},
      {"const a = not x and y or z", "(const a (or (and (not x) y) z))\n"},
      {"const a = d in 2026-07-01 .. 2026-08-15", "(const a (in d (.. 2026-07-01 2026-08-15)))\n"},
      {"const a = f not in [\"a\", \"b\"]", "(const a (not in f [ \"a\" \"b\" ]))\n"},
      {"const a = 100_000 USD", "(const a 100000 USD)\n"},
      {"const a = 30 days", "(const a 30 days)\n"},
      {"const a = if x > 0 then 1 else 2", "(const a (if (> x 0) 1 2))\n"},
      {"const a = sales.sum(amount where family == \"EV\")", "(const a (method sales sum amount where (== family \"EV\")))\n"},
      {"const a = -x * 2", "(const a (* (- x) 2))\n"},
  };
  for (const auto& c : cases) {
    INFO(c.src);
    Parsed p = parse_text(c.src);
    CHECK(p.codes.empty());
    CHECK(p.ast == c.ast);
  }
}

TEST_CASE("a number then a name on the next line is not a quantity", "[parse]") {
  Parsed p = parse_text("program \"P\" { period: quarter  places: 2\n currency: USD }");
  CHECK(p.codes.empty());
  CHECK(p.ast.find("(places 2)") != std::string::npos);
}

TEST_CASE("lexical errors have their own codes", "[parse]") {
  CHECK(parse_text("const a = \"open").codes == std::vector<std::string>{"E0105"});
  CHECK(parse_text("const a = 1 /* open").codes == std::vector<std::string>{"E0106"});
  CHECK(parse_text("const a = 1 $").codes.front() == "E0104");
  CHECK(parse_text("const a = 2026-02-30").codes == std::vector<std::string>{"E0109"});
  CHECK(parse_text("const a = 2026-Q5").codes == std::vector<std::string>{"E0109"});
  CHECK(parse_text(std::string("const a = 1\0", 12)).codes == std::vector<std::string>{"E0102"});
  CHECK(parse_text("const a = \"\xE9\"").codes == std::vector<std::string>{"E0101"});
  CHECK(parse_text("/* closed */ const a = 1").codes.empty());
}

TEST_CASE("deep nesting is refused before it can exhaust the stack", "[parse]") {
  std::string deep = "const a = " + std::string(10000, '(') + "1" + std::string(10000, ')');
  CHECK(parse_text(deep).codes == std::vector<std::string>{"E0108"});
  std::string negations = "const a = ";
  for (int i = 0; i < 10000; ++i) negations += "- ";
  negations += "1";
  CHECK(parse_text(negations).codes == std::vector<std::string>{"E0108"});
}

TEST_CASE("the parser recovers and reports several errors", "[parse]") {
  Parsed p = parse_text("measure a = 1 +\nmeasure b = = 2\nmeasure c = 3");
  CHECK(p.codes.size() >= 2);
  CHECK(p.ast.find("(measure c 3)") != std::string::npos);
}

TEST_CASE("doc comments attach to the declaration below", "[parse]") {
  SourceMap sources;
  FileId id = sources.add("t.rebate", "/// Revenue in the quarter.\n/// Net of returns.\nmeasure rev = 1\n");
  Diagnostics diags;
  ast::Module m = parse_module(sources.file(id), 0, diags);
  REQUIRE(m.measures.size() == 1);
  CHECK(m.measures[0].doc == "Revenue in the quarter.\nNet of returns.");
}

TEST_CASE("comments are tokens the parser does not see", "[parse]") {
  // A plain comment between a doc comment and its declaration, and comments inside a declaration.
  const std::string text = "/// Revenue.\n// plain\nmeasure rev = /* here */ 1 // after\nconst c = 2\n";
  SourceMap sources;
  const SourceFile& file = sources.file(sources.add("t.rebate", text));
  Diagnostics diags;
  ast::Module m = parse_module(file, 0, diags);
  CHECK(diags.all().empty());
  REQUIRE(m.measures.size() == 1);
  CHECK(m.measures[0].doc == "Revenue.");
  std::vector<std::pair<std::string, TokenClass>> comments;
  for (const ClassifiedToken& t : classify_tokens(file)) {
    if (t.token_class == TokenClass::Comment || t.token_class == TokenClass::DocComment) {
      comments.emplace_back(text.substr(t.span.begin, t.span.end - t.span.begin), t.token_class);
    }
  }
  CHECK(comments == std::vector<std::pair<std::string, TokenClass>>{{"/// Revenue.", TokenClass::DocComment},
                                                                   {"// plain", TokenClass::Comment},
                                                                   {"/* here */", TokenClass::Comment},
                                                                   {"// after", TokenClass::Comment}});
  // --dump=tokens shows what the parser reads: the doc comment, no plain comment.
  const std::string dumped = dump_tokens(file);
  CHECK(dumped.find("DOC_COMMENT") != std::string::npos);
  CHECK(dumped.find("plain") == std::string::npos);
  CHECK(dumped.find("here") == std::string::npos);
}

TEST_CASE("the hand-written lexer agrees with the grammar's lexer", "[parse][lexer]") {
  const char* const cases[] = {
      "", " ", "\n\n", "a", "_", "__0", "_a", "USD", "USDX", "US", "Usd", "usd", "and", "andy", "at least", "x1_2",
      "1", "1_000", "1__0", "1_", "1.5", "1.", ".5", "1..5", "1.5.3", "5%", "5.5%", "5.%", "1_000.5_0%", "%",
      "2026-01-15", "2026-01", "2026-Q1", "2026-H2", "2026-Q", "2026-0", "2026-011", "2026-01-1", "2026-01-1a",
      "12026-01", "2_026-01", "2026-01%", "2026-13-45", "2026-", "202-01",
      "\"a\"", "\"a", "\"a\\\"b\"", "\"a\\\"", "\"a\\", "\"a\\\nb\"", "\"\"", "\"a\nb\"", "\"\xC3\xA9\"",
      "'EV'", "'EV", "'", "''", "'a\nb'",
      "// c\nx", "/// doc\nx", "//// four\nx", "///", "//", "/", "/* c */ x", "/**/x", "/*/ x", "/* a **/ x", "/* open",
      "/* open *", "a /* b */ c /* d", "/*",
      "==", "===", "====", "=>", "=", "!=", "!", "!!", "&&", "&", "&&&", "||", "|", "|||", ";", "..", "...", "<=", "<",
      ">=", ">", "=<", "-", "+", "*", "(", ")", "[", "]", "{", "}", ":", ",", "?", ".",
      "$", "\xE2\x82\xAC", "\xC2\xA3 5", "#", "@", "^", "~", "`", "\\", "\t\f\r\n",
      "a\r\nb", "\xC3\xA9t\xC3\xA9 x", "x \xF0\x9F\x98\x80 y",
      "decision d: Percent by p.region, p.tier {\n  emea, at least gold => 3%\n  _, _ => 1%\n}",
      "const a = sales.sum(amount where family == \"EV\") cap 1_000_000 USD // note",
  };
  for (const char* c : cases) {
    INFO(c);
    CHECK(lexer_difference(c).empty());
  }
  // Random token soup from pieces that meet at every boundary.
  const char* const pieces[] = {"a", "Z", "USD", "_", "1", "0", "2026", "-", "Q", "H", ".", "%", "\"", "'", "\\", "/",
                                "*", "=", ">", "<", "!", "&", "|", ";", " ", "\n", "\r", "and", "\xC3\xA9", "$", "(", "}"};
  uint32_t seed = 12345;
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    int length = 1 + static_cast<int>(seed % 12);
    for (int k = 0; k < length; ++k) {
      seed = seed * 1103515245u + 12345u;
      text += pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
    }
    INFO(text);
    REQUIRE(lexer_difference(text).empty());
  }
}
