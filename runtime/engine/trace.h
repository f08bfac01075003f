// The whole trace of a payout, for its explanation: every measure its clauses read, and what each of
// those read in turn, each over the window it was computed on (a look-back's measure over last year's
// quarter), with its value and its formula; the named constants, the decision rows that matched and the
// tier bands reached inside measures. Internal to the engine (cell_evaluator.h).
#pragma once

#include <optional>
#include <vector>

#include "engine/cell_frame.h"
#include "engine/engine.h"

namespace rebate::engine {

// A table row as written, its column alignment closed up ("emea,   gold  => 3%" -> "emea, gold => 3%").
std::string closed_up(const std::string& text);

class Tracer {
 public:
  Tracer(const State& s, CellContext& c) : s_(s), plan_(s.plan), c_(c) {}

  // Starts a payout's trace in `frame` (the payout's partner and period, or the window a settled rebate
  // earns over): nothing is repeated from an earlier one. `payout`: the payout's own period; a value of
  // any other window is labelled with it ("in 2026-Q1 to 2026-Q3").
  void begin(PartnerFrame& frame, std::vector<TraceEntry>& out, std::optional<Window> payout = std::nullopt);
  // What function `f` reads, appended to the trace at depth 0 (the clauses of the payout, in order).
  // `with_bands` false: the bands its tier tables reach are not listed (the pay clause's table, whose
  // band the explanation gives on its own line).
  void clause(plan::FunctionId f, bool with_bands = true);

 private:
  // What `f`, run in `frame`, reads: entries at `depth`, each followed by what it reads.
  void reads(PartnerFrame& frame, plan::FunctionId f, int depth, bool with_bands = true);
  void attribute(PartnerFrame& frame, uint32_t column, int depth);
  void measure(uint32_t m, Window w, int depth);
  void decision(PartnerFrame& frame, uint32_t d, int depth);
  // The exchange rates of the `Convert` at code[k] of `fn` (a formula's, or inside aggregate's lines).
  void conversion(PartnerFrame& frame, const plan::Function& fn, size_t k, int depth);
  // The tier bands `f` reaches, when its code applies a tier table (run again with an observer).
  void bands(PartnerFrame& frame, plan::FunctionId f, int depth);
  std::string window_label(Window w) const;
  // The ledger lines (or group rows) of aggregate `a` over `w` for the partner; false when not known
  // without working the window's groups out again.
  bool lines(uint32_t a, Window w, uint64_t& count) const;

  const State& s_;
  const plan::Plan& plan_;
  CellContext& c_;
  PartnerFrame* top_ = nullptr;
  Window payout_{0, 0};  // the payout's own window: values of others are labelled
  std::vector<TraceEntry>* out_ = nullptr;
  // Shown already in this trace: measures by (measure, window), decisions and constants by index.
  std::vector<std::pair<uint32_t, Window>> measures_seen_;
  std::vector<uint32_t> decisions_seen_, constants_seen_, attributes_seen_;
  std::vector<std::string> rates_seen_;  // conversions' entries, by name and detail
};

}  // namespace rebate::engine
