// The LLVM JIT engine: every function of a plan compiled to native code with LLVM's ORC LLJIT, run
// with the interpreter's semantics exactly (docs/architecture.md, "The JIT"). This header is all the
// rest of the project sees of it; LLVM's headers stay inside runtime/jit.
#pragma once

#include <memory>
#include <string>

#include "plan/plan.h"
#include "vm/executor.h"

namespace rebate::jit {

// Compiles every function of `plan` (optimised at -O2) into an engine whose executors run the native
// code. `plan` must outlive the engine. Throws vm::EngineUnavailable when the JIT's library cannot be
// loaded (load.cpp) or LLVM fails (an internal error).
std::unique_ptr<vm::Engine> compile(const plan::Plan& plan);

// `rebate run --dump=llvm`: the module of `plan` before and after optimisation, as LLVM IR text.
std::string dump_llvm(const plan::Plan& plan);

}  // namespace rebate::jit
