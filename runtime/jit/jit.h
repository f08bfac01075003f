// The LLVM JIT engine: the functions of a plan a run calls compiled to native code with LLVM's ORC
// LLJIT, run with the interpreter's semantics exactly (docs/architecture.md, "The JIT"). This header is all the
// rest of the project sees of it; LLVM's headers stay inside runtime/jit.
#pragma once

#include <memory>
#include <string>

#include "plan/plan.h"
#include "vm/executor.h"

namespace rebate::jit {

// `plan` as an engine whose executors run native code (hot functions optimised at -O2). Tiered (what a
// run does): each function runs on the interpreter until it has run often enough to be worth compiling,
// then on its native code, compiled on a thread of its own that loads LLVM the first time; a run in
// which nothing is worth compiling never loads LLVM. Native (`rebate test`, or REBATE_JIT_TIERED=off in
// the environment): each function compiled the first time it runs, the run waiting for it (tiers.cpp).
// `plan` must outlive the engine. An executor's run throws vm::EngineUnavailable when the JIT's library
// cannot be loaded (load.cpp) or LLVM fails (an internal error).
std::unique_ptr<vm::Engine> compile(const plan::Plan& plan, vm::Tiering tiering);

// `rebate run --dump=llvm`: the module of `plan` before and after optimisation, as LLVM IR text.
std::string dump_llvm(const plan::Plan& plan);

}  // namespace rebate::jit
