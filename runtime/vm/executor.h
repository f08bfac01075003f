// The seam between the engine and what runs plan functions. The engine (runtime/engine) sees only these
// interfaces; the bytecode interpreter (vm.h) and the LLVM JIT (runtime/jit) implement them, and the run
// picks one when it starts (RunOptions::engine; the build's engines are listed in runtime/engines).
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/fx_rates.h"
#include "plan/plan.h"

namespace rebate::vm {

using plan::Value;

// A ledger line's cells where the scan holds them, for an engine that reads them directly instead of
// through Frame::column and Frame::lookup (the JIT's row functions). The arrays are the reader's typed
// columns (ledger::Column: each row's stored integer, and for an optional column its presence byte).
struct ColumnCells {
  const int64_t* values = nullptr;   // null: read the column through the Frame (a text not interned yet)
  const uint8_t* present = nullptr;  // null: every row has a value
};
struct LineCells {
  uint32_t row = 0;
  const ColumnCells* columns = nullptr;  // the ledger's, by column
  // By lookup column (plan::Input::lookups, in its order): each line's row in the table (UINT32_MAX:
  // none, an empty cell), found once per line; and the table's columns.
  const uint32_t* const* lookup_rows = nullptr;
  const ColumnCells* const* lookup_columns = nullptr;
  const uint32_t* text_ids = nullptr;  // the plan's texts' ids (Frame::text)
};

// What a function reads, by kind of function (plan::FunctionKind).
class Frame {
 public:
  virtual ~Frame() = default;
  // The line's cells, for a frame over one ledger line of the scan (null otherwise): what the Column,
  // Lookup and Text loads would give, in arrays. An engine may read them or call the loads below.
  const LineCells* cells() const { return cells_; }
  // The run's exchange rates, for `Convert` (null in a program without an FX table).
  const FxRates* fx() const { return fx_; }
  // The texts this frame's values name by id (the ids a Column, Text or PartnerAttr load gives), where
  // a text the program makes (`upper(x)`: TextMap) is interned too: the scan part's, a group thread's or
  // an evaluation thread's overlay on the run's pool, so that a made text lives as long as the ids the
  // phase keeps, and equals a constant or a cell with the same bytes (docs/architecture.md, "Texts").
  ledger::StringPool* texts() const { return texts_; }
  virtual Value column(uint32_t column) = 0;
  virtual Value lookup(uint32_t column, uint32_t table_column) = 0;
  virtual Value group_field(uint32_t field) = 0;
  virtual Value partner_attr(uint32_t column) = 0;
  virtual Value partner_id() = 0;
  virtual Value period() = 0;
  virtual Value measure(uint32_t measure) = 0;
  virtual Value shifted(uint32_t measure, uint32_t shift) = 0;
  virtual Value aggregate(uint32_t aggregate) = 0;
  virtual Value decision(uint32_t decision) = 0;
  virtual Value text(uint32_t text_constant) = 0;
  // "partner P1, period 2026-Q3", for error messages.
  virtual std::string context() const = 0;

 protected:
  const LineCells* cells_ = nullptr;
  const FxRates* fx_ = nullptr;
  ledger::StringPool* texts_ = nullptr;
};

// A runtime error in the program: where in the source, and for whom.
struct EvalError : std::runtime_error {
  EvalError(const std::string& message, uint32_t where_, std::string context_)
      : std::runtime_error(message), where(where_), context(std::move(context_)) {}
  uint32_t where;
  std::string context;
};

// Told what the tier lookups found (`rebate test --coverage`: the bands tests reach). Optional: an
// executor without one pays a pointer test per tier lookup.
class Observer {
 public:
  virtual ~Observer() = default;
  // Tier table `tiers` applied (TierOf) or looked up (TierBy): `band` reached, -1 for none.
  virtual void band(uint32_t tiers, int band) = 0;
};

// Runs the plan's functions. Reentrant (a Frame's loads may run other functions on the same executor)
// but not thread-safe: each thread of a run has its own.
class Executor {
 public:
  virtual ~Executor() = default;
  // Runs function `f`; an error in the program throws EvalError.
  virtual Value run(plan::FunctionId f, Frame& frame) = 0;
  // Who is told of the tier bands reached (null: no one).
  virtual void set_observer(Observer* observer) = 0;
  virtual Observer* observer() const = 0;
};

// How an engine that compiles (the JIT) starts a plan's functions; the interpreter has nothing to choose.
enum class Tiering : uint8_t {
  // Each function runs on the interpreter until it has run often enough to be worth compiling, then on
  // native code compiled on a thread of its own; the run never waits for LLVM (`rebate run`).
  Tiered,
  // Each function compiled the first time it runs, the run waiting for it: every call native, which is
  // what a test of the engine needs (`rebate test`, and REBATE_JIT_TIERED=off for the CLI).
  Native,
};

// What an engine spent compiling during a run (the JIT compiles within the run's phases, on a thread of
// its own or when a function first runs), for `rebate run --timings`.
struct CompileStats {
  bool started = false;      // the JIT's library (LLVM) was loaded: false when nothing was worth compiling
  double start_seconds = 0;  // CPU time loading it and making the JIT instance
  double seconds = 0;        // CPU time compiling, summed over the threads that compiled
  uint32_t functions = 0;    // functions compiled
  uint32_t cached = 0;       // of them, loaded from the JIT's object cache (compiled by an earlier run)
  uint32_t interpreted = 0;  // functions that ran on the interpreter only (tiered: not worth compiling, or not yet)
};

// A plan made ready to run by one engine (interpreted as it is, or compiled to native code): prepared
// once per run, shared by the run's threads, each of which asks it for an executor of its own.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::unique_ptr<Executor> executor() const = 0;
  // Once the run is over.
  virtual CompileStats compile_stats() const { return {}; }
};

// An engine that cannot run here (the JIT's library missing or from another build, LLVM failing): the
// run stops with this message (exit 2, as for I/O problems), before reading anything or, for the JIT,
// when the run first needs a compiled function.
struct EngineUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One of the build's engines (runtime/engines lists them): its name on the command line and what
// prepares a plan for it (throws EngineUnavailable, or std::bad_alloc when memory runs out).
struct EngineKind {
  std::string name;     // "vm", "jit"
  std::string summary;  // for --help: "the bytecode interpreter"
  std::function<std::unique_ptr<Engine>(const plan::Plan&, Tiering)> prepare;
};

}  // namespace rebate::vm
