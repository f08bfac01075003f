// Running one test block on the real engines; see test_runner.h.
#include "testing/test_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <set>

#include "engine/report.h"
#include "engines/engines.h"
#include "testing/given_csv.h"

namespace rebate::testing {

namespace {

Where where_of(Span span, const SourceMap& sources) {
  Where w;
  if (!span.valid() || span.file >= sources.size()) return w;
  const SourceFile& f = sources.file(span.file);
  LineCol lc = f.line_col(span.begin);
  w.file = f.path();
  w.line = lc.line;
  w.column = lc.column;
  return w;
}

std::string source_text(Span span, const SourceMap& sources) {
  if (!span.valid() || span.file >= sources.size()) return "";
  const std::string& text = sources.file(span.file).text();
  if (span.begin > span.end || span.end > text.size()) return "";
  return text.substr(span.begin, span.end - span.begin);
}

// A partner id or a period as the test writes it: "P1", 42, 2026-Q3, 2026.
std::string key_text(const ast::Expr& value, const TypedProgram& program) {
  const ast::Expr& e = literal_of(value, program);
  if (e.kind == ast::ExprKind::Int) {
    if (std::optional<Decimal> d = program.constant_of(e)) return d->to_string();
  }
  return e.text;
}

// An award's or metric's expected value as the engine shows it: an enum member's name, true/false, a
// text; an amount rounded to its currency's minor unit by the program's mode ("1,234.50 USD"), a number,
// a percentage ("4.5%"), as explanations write them (docs/language.md §25).
std::optional<std::string> award_text(const plan::Award& a, const ast::Expr& value, const TypedProgram& program, const plan::Plan& plan) {
  const ast::Expr& e = literal_of(value, program);
  switch (a.type) {
    case plan::ValueType::Text: case plan::ValueType::Bool: case plan::ValueType::Enum: break;
    case plan::ValueType::Money: case plan::ValueType::Number: case plan::ValueType::Percent: {
      std::optional<Decimal> d = program.constant_of(value);
      if (!d) return std::nullopt;
      if (a.type == plan::ValueType::Money) {
        d = d->rounded(a.places, plan.rounding);
        if (!d) return std::nullopt;
        return engine::format_value(plan::Value::number(*d), a.currency, a.places);
      }
      return engine::format_value(plan::Value::number(*d), a.type == plan::ValueType::Percent ? "%" : "", 0);
    }
  }
  if (const Symbol* s = program.ref_of(e); s && s->kind == SymbolKind::EnumMember) return s->name;
  return e.text;
}

std::string money_text(const Decimal& d, int places, const std::string& currency) {
  const int shown = std::max(places, d.scale());
  std::optional<Decimal> r = d.rounded(shown, RoundingMode::HalfEven);
  return fmt::format("{} {}", r ? r->to_fixed(shown) : d.to_string(), currency);
}

// A reader's or the engine's error about a line of a given buffer ("partners:3:5: column ...") told at
// the given row of the program it came from.
std::string located(const std::string& error, const GivenInputs& given, const SourceMap& sources) {
  for (const auto& [name, spans] : given.line_spans) {
    const std::string prefix = name + ":";
    if (error.compare(0, prefix.size(), prefix) != 0) continue;
    size_t p = prefix.size();
    uint64_t line = 0;
    while (p < error.size() && error[p] >= '0' && error[p] <= '9') line = line * 10 + static_cast<uint64_t>(error[p++] - '0');
    if (p == prefix.size() || line == 0 || line > spans.size() || !spans[line - 1].valid()) return error;
    // Skip ":column" and ": " after the line.
    if (p < error.size() && error[p] == ':') ++p;
    while (p < error.size() && error[p] >= '0' && error[p] <= '9') ++p;
    if (p < error.size() && error[p] == ':') ++p;
    while (p < error.size() && error[p] == ' ') ++p;
    return fmt::format("{}: in `given {}`: {}", where_of(spans[line - 1], sources).text(), name, error.substr(p));
  }
  return error;
}

std::string list(const std::set<std::string>& items) {
  std::string out;
  size_t n = 0;
  for (const std::string& s : items) {
    if (n++ == 12) {
      out += fmt::format(", ... ({} in all)", items.size());
      break;
    }
    out += (out.empty() ? "" : ", ") + s;
  }
  return out.empty() ? "none" : out;
}

// What a run produced, for a message saying why an expectation found nothing.
std::string what_was_paid(const engine::RunResult& r) {
  std::set<std::string> partners, periods;
  for (const engine::Payout& p : r.payouts) {
    partners.insert(std::string(p.partner.view()));
    periods.insert(std::string(p.period.view()));
  }
  if (partners.empty()) return "the run paid no partner in any period (does the test give partner rows and ledger lines?)";
  return fmt::format("the run paid partners {} in {}", list(partners), list(periods));
}

// One engine's answer to one expectation.
struct Answer {
  bool found = false;
  std::string actual;  // as shown
  std::optional<Decimal> amount;
  std::string explanation;
  std::string missing;  // why nothing was found
};

Answer answer(const ast::TestExpect& e, bool is_award, const std::string& partner, const std::string& period,
              const engine::RunResult& r, const plan::Plan& plan) {
  Answer a;
  if (is_award) {
    engine::RunResult shown;
    shown.texts = r.texts;
    for (const engine::AwardValue& v : r.awards) {
      if (v.partner == partner && v.measured == period && v.award == e.rebate.name) {
        a.found = true;
        a.actual = v.shown;
      }
      if (v.partner == partner && v.measured == period) shown.awards.push_back(v);
    }
    for (const engine::Payout& p : r.payouts) {
      if (p.partner == partner && p.period == period) shown.payouts.push_back(p);
    }
    a.explanation = engine::explain_text(shown, plan);
    if (!a.found) {
      bool partner_known = std::any_of(r.payouts.begin(), r.payouts.end(), [&](const engine::Payout& p) { return p.partner == partner; });
      a.missing = partner_known ? fmt::format("no row of award `{}` holds for partner \"{}\" with {}'s figures", e.rebate.name, partner, period)
                                : fmt::format("no award `{}` for partner \"{}\" measured in {}: {}", e.rebate.name, partner, period, what_was_paid(r));
    }
    return a;
  }
  for (const engine::Payout& p : r.payouts) {
    // (An adjustment for a closed period has the same partner, period and rebate: never the payout meant.)
    if (p.partner == partner && p.period == period && p.rebate == e.rebate.name && p.corrects.empty()) {
      a.found = true;
      a.amount = p.amount();
      a.actual = money_text(p.amount(), plan.minor_unit, plan.currency);
      engine::RunResult one;
      one.texts = r.texts;
      one.payouts.push_back(p);
      a.explanation = engine::explain_text(one, plan);
      break;
    }
  }
  if (!a.found) a.missing = fmt::format("no payout of `{}` for partner \"{}\" in {}: {}", e.rebate.name, partner, period, what_was_paid(r));
  return a;
}

// Where two engines' runs differ, if they do: every payout (partner, period, rebate, amount, status) and
// every award, in the engines' common deterministic order.
std::optional<std::string> disagreement(const engine::RunResult& a, const std::string& a_name, const engine::RunResult& b,
                                        const std::string& b_name, const plan::Plan& plan) {
  auto payout_text = [&](const engine::Payout& p) {
    return fmt::format("{} {} {}: {} ({})", p.partner.view(), p.period.view(), p.rebate.view(),
                       money_text(p.amount(), plan.minor_unit, plan.currency), p.status.view());
  };
  const size_t n = std::max(a.payouts.size(), b.payouts.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string x = i < a.payouts.size() ? payout_text(a.payouts[i]) : "nothing";
    const std::string y = i < b.payouts.size() ? payout_text(b.payouts[i]) : "nothing";
    if (x != y) return fmt::format("the engines disagree on payout {}: {} gives {}, {} gives {}", i + 1, a_name, x, b_name, y);
  }
  auto award_text = [](const engine::AwardValue& v) { return fmt::format("{} {} {}: {}", v.partner, v.period, v.award, v.value); };
  const size_t m = std::max(a.awards.size(), b.awards.size());
  for (size_t i = 0; i < m; ++i) {
    const std::string x = i < a.awards.size() ? award_text(a.awards[i]) : "nothing";
    const std::string y = i < b.awards.size() ? award_text(b.awards[i]) : "nothing";
    if (x != y) return fmt::format("the engines disagree on award {}: {} gives {}, {} gives {}", i + 1, a_name, x, b_name, y);
  }
  return std::nullopt;
}

}  // namespace

std::vector<Engine> built_engines() {
  std::vector<Engine> out;
  for (const vm::EngineKind& kind : engines::built_engines()) {
    out.push_back(Engine{kind.name, [kind = &kind](const plan::Plan& p, const engine::RunOptions& o) {
                           engine::RunOptions mine = o;
                           mine.engine = kind;
                           mine.tiering = vm::Tiering::Native;  // every call on the engine's own code, not the interpreter's
                           return engine::run(p, mine);
                         }});
  }
  return out;
}

const char* name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Pass: return "pass";
    case Outcome::Fail: return "fail";
    case Outcome::Error: return "error";
  }
  return "error";
}

std::string Where::text() const { return fmt::format("{}:{}:{}", file, line, column); }

TestResult run_test(const ast::Test& test, const TypedProgram& program, const plan::Plan& plan, const SourceMap& sources,
                    const std::vector<Engine>& engines, engine::Coverage* coverage) {
  const auto started = std::chrono::steady_clock::now();
  TestResult out;
  out.title = test.title;
  out.where = where_of(test.span, sources);
  for (const Engine& engine : engines) out.engines.push_back(engine.name);
  auto finish = [&]() -> TestResult {
    for (const ExpectResult& x : out.expects) {
      if (x.outcome == Outcome::Error) out.outcome = Outcome::Error;
      if (x.outcome == Outcome::Fail && out.outcome == Outcome::Pass) out.outcome = Outcome::Fail;
    }
    if (!out.disagreements.empty() && out.outcome == Outcome::Pass) out.outcome = Outcome::Fail;
    if (!out.errors.empty()) out.outcome = Outcome::Error;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
  };

  const GivenInputs given = given_inputs(test, program, plan);
  const Fixtures fixtures = fixture_paths(test, sources);
  out.errors = given.errors;
  out.errors.insert(out.errors.end(), fixtures.errors.begin(), fixtures.errors.end());
  const std::vector<std::vector<ColumnUse>> uses = column_uses(plan);
  if (std::optional<std::string> missing = missing_column(given, plan, uses)) out.errors.push_back(*missing);
  if (!out.errors.empty()) return finish();

  const plan::Plan test_plan = plan_for_test(plan, given, uses);
  engine::RunOptions options;
  options.input_buffers = given.buffers;
  options.input_paths = fixtures.paths;
  options.explanations = true;
  options.threads = 1;
  // Coverage counts what the expectations check: their rebates and awards, partners and periods.
  if (coverage) {
    coverage->checked.clear();
    for (const ast::TestExpect& e : test.expects) {
      coverage->checked.emplace(key_text(*e.partner, program), key_text(*e.period, program), e.rebate.name);
    }
  }
  std::vector<engine::RunResult> results;
  for (const Engine& engine : engines) {
    const std::string by = engines.size() > 1 ? fmt::format(" (engine {})", engine.name) : "";
    // One run's coverage: the engines agree or the test fails.
    options.coverage = &engine == &engines.front() ? coverage : nullptr;
    try {
      results.push_back(engine.run(test_plan, options));
    } catch (const std::exception& e) {
      out.errors.push_back(fmt::format("the run failed{}: {}", by, e.what()));
      return finish();
    }
    const engine::RunResult& r = results.back();
    for (const std::string& error : r.errors) {
      out.errors.push_back(located(error, given, sources) + by);
    }
    if (!r.ok()) return finish();
  }
  for (size_t k = 1; k < results.size(); ++k) {
    if (auto differ = disagreement(results[0], engines[0].name, results[k], engines[k].name, plan)) out.disagreements.push_back(*differ);
  }

  for (const ast::TestExpect& e : test.expects) {
    ExpectResult x;
    x.where = where_of(e.span, sources);
    x.source = source_text(e.span, sources);
    x.target = e.rebate.name;
    const auto award = std::find_if(plan.awards.begin(), plan.awards.end(), [&](const plan::Award& a) { return a.name == e.rebate.name; });
    x.is_award = award != plan.awards.end();
    x.partner = key_text(*e.partner, program);
    x.period = key_text(*e.period, program);
    std::optional<Decimal> expected;
    if (x.is_award) {
      std::optional<std::string> text = award_text(*award, *e.amount, program, plan);
      if (!text) {
        x.outcome = Outcome::Error;
        x.message = "the expected value is not a value known before the run";
        out.expects.push_back(std::move(x));
        continue;
      }
      x.expected = *text;
    } else {
      expected = program.constant_of(*e.amount);
      if (!expected) {
        x.outcome = Outcome::Error;
        x.message = "the expected amount is not a value known before the run";
        out.expects.push_back(std::move(x));
        continue;
      }
      x.expected = money_text(*expected, plan.minor_unit, plan.currency);
    }
    for (size_t k = 0; k < results.size(); ++k) {
      Answer a = answer(e, x.is_award, x.partner, x.period, results[k], plan);
      if (k == 0) {
        x.explanation = a.explanation;
        if (!a.found) {
          x.outcome = Outcome::Error;
          x.message = a.missing;
          break;
        }
        x.actual = a.actual;
        const bool equal = x.is_award ? a.actual == x.expected : a.amount && *a.amount == *expected;
        if (!equal) {
          x.outcome = Outcome::Fail;
          x.message = fmt::format("expected {}, got {}", x.expected, x.actual);
        }
        continue;
      }
      // Every other engine must agree with the first, to the cent.
      if (!a.found || a.actual != x.actual) {
        x.outcome = Outcome::Fail;
        x.message += (x.message.empty() ? "" : "; ") + fmt::format("the engines disagree: {} gives {}, {} gives {}", engines[0].name,
                                                                    x.actual, engines[k].name, a.found ? a.actual : "nothing");
      }
    }
    out.expects.push_back(std::move(x));
  }
  if (test.expects.empty()) out.errors.push_back("the test has no `expect` line: it checks nothing");
  return finish();
}

}  // namespace rebate::testing
