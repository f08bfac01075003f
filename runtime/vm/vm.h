// The bytecode interpreter: runs one plan function over a Frame that answers its loads (a ledger line,
// a group row, or a partner and window). A `switch` over the opcodes, no virtual dispatch per
// instruction; loads go through the Frame.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace rebate::vm {

using plan::Value;

// What a function reads, by kind of function (plan::FunctionKind).
class Frame {
 public:
  virtual ~Frame() = default;
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
};

// A runtime error in the program: where in the source, and for whom.
struct EvalError : std::runtime_error {
  EvalError(const std::string& message, uint32_t where_, std::string context_)
      : std::runtime_error(message), where(where_), context(std::move(context_)) {}
  uint32_t where;
  std::string context;
};

// Told what the machine's tier lookups found (`rebate test --coverage`: the bands tests reach). Optional:
// a machine without one pays a pointer test per tier lookup.
class Observer {
 public:
  virtual ~Observer() = default;
  // Tier table `tiers` applied (TierOf) or looked up (TierBy): `band` reached, -1 for none.
  virtual void band(uint32_t tiers, int band) = 0;
};

// Reentrant (a Frame's loads may run other functions on the same machine) but not thread-safe: the
// stack is the machine's, so each thread needs its own.
class Machine {
 public:
  explicit Machine(const plan::Plan& plan) : plan_(plan), stack_(256) {}
  // Runs function `f`; an error in the program throws EvalError.
  Value run(plan::FunctionId f, Frame& frame);
  // Who is told of the tier bands reached (null: no one).
  void set_observer(Observer* observer) { observer_ = observer; }
  Observer* observer() const { return observer_; }

 private:
  Value execute(const plan::Function& f, Frame& frame);
  // Makes the stack hold at least `slots` values (it may move: pointers into it are taken anew).
  void reserve(size_t slots) {
    if (slots > stack_.size()) grow(slots);
  }
  void grow(size_t slots);

  const plan::Plan& plan_;
  // Sized ahead instead of pushed to: a run makes room once for the most its function can push, then
  // writes through a pointer. Slots [0, top_) belong to the runs under way; a nested run starts at top_.
  std::vector<Value> stack_;
  size_t top_ = 0;
  Observer* observer_ = nullptr;
};

// Comparison of two values of one type (numbers by value, others by their integer); none is an error
// the caller handles first.
int compare(const Value& a, const Value& b);

// A tier table applied to a basis, and the band a metric reaches (-1: none).
int band_reached(const plan::Tiers& tiers, const Decimal& metric);
std::optional<Decimal> apply_tiers(const plan::Tiers& tiers, const Decimal& basis, int* band);

}  // namespace rebate::vm
