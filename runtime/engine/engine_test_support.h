// Shared by the engine's end-to-end tests (engine_test.cpp, engine_threads_test.cpp): a small program's
// header, a partner table, running a program on CSV text held in memory, compiling one, random ledgers.
#pragma once

#include <catch2/catch.hpp>

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "driver/compilation.h"
#include "engine/engine.h"
#include "engine/report.h"
#include "engines/engines.h"
#include "lower/lower.h"

namespace rebate::engine_test {

using namespace rebate;

inline const char* kHeader = R"(
program "Test" { currency: USD  period: quarter }
enum Tier { bronze, silver, gold }
partner table partners { id: Text as key  tier: Tier }
ledger sales { date: Date as date  partner: Text as partner  order_id: Text  family: Text  units: Int  amount: Money }
)";

inline const char* kPartners = "id,tier\nP1,gold\nP2,silver\nP3,bronze\n";

struct Outcome {
  engine::RunResult result;
  std::vector<std::string> diagnostics;
  // "P1 2026-Q3 rebate" -> amount
  std::map<std::string, std::string> amounts;
  std::map<std::string, std::string> statuses;
};

inline Outcome run(const std::string& program, const std::string& sales, const std::string& period = "2026-Q3",
            const std::map<std::string, std::string>& extra = {}, unsigned threads = 0, size_t piece_bytes = 0) {
  Outcome o;
  Compiler compiler(CompileOptions{});
  CompiledProgram compiled = compiler.compile_text("t.rebate", std::string(kHeader) + program);
  compiler.finish();
  for (const auto& d : compiler.diagnostics().all()) {
    if (d.severity == Severity::Error) o.diagnostics.push_back(d.message);
  }
  if (!o.diagnostics.empty() || !compiled.typed) return o;
  plan::Plan plan = lower_program(*compiled.typed, compiler.sources());
  engine::RunOptions options;
  options.input_buffers["partners"] = kPartners;
  options.input_buffers["sales"] = sales;
  for (const auto& [k, v] : extra) options.input_buffers[k] = v;
  if (!period.empty()) options.period = period;
  options.threads = threads;
  options.piece_bytes = piece_bytes;
  // Every engine of the build runs the case; all must give the interpreter's payouts, explanations and
  // errors byte for byte, so every expectation below is checked on each engine.
  for (const vm::EngineKind& kind : engines::built_engines()) {
    options.engine = &kind;
    engine::RunResult r = engine::run(plan, options);
    if (kind.name == "vm") {
      o.result = std::move(r);
      continue;
    }
    INFO("engine " << kind.name);
    CHECK(r.errors == o.result.errors);
    CHECK(engine::payouts_json(r, plan) == engine::payouts_json(o.result, plan));
    CHECK(engine::explain_text(r, plan) == engine::explain_text(o.result, plan));
  }
  for (const auto& p : o.result.payouts) {
    const std::string key = std::string(p.partner) + " " + std::string(p.period) + " " + std::string(p.rebate);
    o.amounts[key] = p.amount().to_fixed(2);
    o.statuses[key] = p.status;
  }
  return o;
}

// The thread counts the engine's tests run at beside one and two: three (a count that divides neither
// the file nor the group partitions evenly) and eight (more threads than this machine's cores: a check
// of correctness, not of speed).
inline constexpr unsigned kMoreThreads[] = {3, 8};
inline constexpr unsigned kThreadCounts[] = {1, 2, 3, 8};

// `two` (the outcome on two threads) is what every other thread count gives: the same payouts,
// statuses and errors, byte for byte; also with pieces of a few rows, many per thread, claimed as the
// threads go and taken over from one another (ledger::ReadOptions::piece_bytes), as a large ledger is read.
inline void check_more_threads(const Outcome& two, const std::string& program, const std::string& sales,
                               const std::string& period = "2026-Q3", const std::map<std::string, std::string>& extra = {}) {
  for (unsigned threads : kMoreThreads) {
    INFO(threads << " threads");
    const Outcome more = run(program, sales, period, extra, threads);
    CHECK(more.result.errors == two.result.errors);
    CHECK(more.amounts == two.amounts);
    CHECK(more.statuses == two.statuses);
  }
  for (unsigned threads : kThreadCounts) {
    INFO(threads << " threads, pieces of 64 bytes");
    const Outcome small = run(program, sales, period, extra, threads, 64);
    CHECK(small.result.errors == two.result.errors);
    CHECK(small.amounts == two.amounts);
    CHECK(small.statuses == two.statuses);
  }
}

// A program compiled (no error allowed) and lowered to its plan.
inline plan::Plan compile_plan(const std::string& program) {
  Compiler compiler(CompileOptions{});
  CompiledProgram compiled = compiler.compile_text("t.rebate", program);
  compiler.finish();
  REQUIRE(compiled.typed);
  REQUIRE(!compiler.diagnostics().has_errors());
  return lower_program(*compiled.typed, compiler.sources());
}

// A seeded generator for random ledgers (splitmix64).
struct SplitMix {
  uint64_t x;
  uint64_t next(uint64_t n) {  // 0 .. n - 1
    x += 0x9E3779B97F4A7C15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) % n;
  }
};

inline std::string lines(std::initializer_list<const char*> rows) {
  std::string out = "date,partner,order_id,family,units,amount\n";
  for (const char* r : rows) out += std::string(r) + "\n";
  return out;
}


}  // namespace rebate::engine_test
