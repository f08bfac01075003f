// The LLVM JIT engine: the functions of a plan a run calls compiled to native code with LLVM's ORC
// LLJIT, run with the interpreter's semantics exactly (docs/architecture.md, "The JIT"). This header is all the
// rest of the project sees of it; LLVM's headers stay inside runtime/jit.
#pragma once

#include <memory>
#include <string>

#include "plan/plan.h"
#include "vm/executor.h"

namespace rebate::jit {

// `plan` as an engine whose executors run native code, each function compiled (hot ones optimised at
// -O2) the first time a run calls it. The JIT's library and LLVM are loaded meanwhile on a thread of
// their own, and waited for only then. `plan` must outlive the engine. An executor's run throws
// vm::EngineUnavailable when the JIT's library cannot be loaded (load.cpp) or LLVM fails (an internal
// error).
std::unique_ptr<vm::Engine> compile(const plan::Plan& plan);

// `rebate run --dump=llvm`: the module of `plan` before and after optimisation, as LLVM IR text.
std::string dump_llvm(const plan::Plan& plan);

}  // namespace rebate::jit
