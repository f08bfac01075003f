// Unit tests of the diagnostic renderers.
#include "diagnostics/render.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace rebate;

TEST_CASE("gnu and json formats carry file, line, column and code", "[render]") {
  SourceMap sources;
  FileId f = sources.add("p.rebate", "measure a = 1\nmeasure b = revnue + 1\n");
  Diagnostics diags;
  diags.report(DiagKind::UnknownName, Span{f, 26, 32}, "unknown name `revnue`").with_help("did you mean `revenue`?");
  diags.finish(LintOptions{});
  CHECK(render(diags, sources, {DiagFormat::Gnu, false}) ==
        "p.rebate:2:13: error: unknown name `revnue` [E0201]\np.rebate:2:13: note: help: did you mean `revenue`?\n");
  auto j = nlohmann::json::parse(render(diags, sources, {DiagFormat::Json, false}));
  REQUIRE(j.size() == 1);
  CHECK(j[0]["code"] == "E0201");
  CHECK(j[0]["start"]["line"] == 2);
  CHECK(j[0]["start"]["column"] == 13);
  CHECK(j[0]["end"]["column"] == 19);
  CHECK(j[0]["help"] == "did you mean `revenue`?");
  std::string human = render(diags, sources, {DiagFormat::Human, false});
  CHECK(human.find("error[E0201]: unknown name `revnue`") != std::string::npos);
  CHECK(human.find("            ^^^^^^") != std::string::npos);
}

TEST_CASE("strict turns warnings into errors and allow drops them", "[render]") {
  Diagnostics diags;
  diags.report(DiagKind::UnusedMeasure, Span{}, "measure `a` is never used");
  Diagnostics strict = diags;
  strict.finish(LintOptions{{}, true});
  CHECK(strict.has_errors());
  Diagnostics allowed = diags;
  allowed.finish(LintOptions{{DiagKind::UnusedMeasure}, false});
  CHECK(allowed.all().empty());
}
