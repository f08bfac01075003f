// The bytecode interpreter: runs one plan function over a Frame that answers its loads (a ledger line,
// a group row, or a partner and window). A `switch` over the opcodes, no virtual dispatch per
// instruction; loads go through the Frame.
#pragma once

#include <memory>
#include <vector>

#include "plan/plan.h"
#include "vm/executor.h"
#include "vm/ops.h"

namespace rebate::vm {

using plan::Value;

// The interpreter, an Executor: the stack is the machine's, so each thread needs its own.
class Machine final : public Executor {
 public:
  explicit Machine(const plan::Plan& plan) : plan_(plan), stack_(256) {}
  Value run(plan::FunctionId f, Frame& frame) override;
  void set_observer(Observer* observer) override { observer_ = observer; }
  Observer* observer() const override { return observer_; }

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

// The interpreter as an engine: the plan runs as it is, a Machine per thread.
std::unique_ptr<Engine> interpreter(const plan::Plan& plan);

}  // namespace rebate::vm
