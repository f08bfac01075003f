// The binary's handle on the JIT's shared library (librebate-jit.so, module.h): loaded the first time a
// run needs it (load.cpp), then asked to compile a plan's functions (tiers.cpp runs them).
#pragma once

#include <memory>

#include "jit/module.h"
#include "plan/plan.h"
#include "vm/executor.h"

namespace rebate::jit {

// The library, loaded (with LLVM) on the first call; throws vm::EngineUnavailable when it cannot be
// (missing, or from another build), again on every call.
const Module& library();

// `plan` made ready to compile by the library (Module::compile): a JIT instance made, the bytecode
// checked. Throws vm::EngineUnavailable.
std::unique_ptr<NativeCode> prepare(const plan::Plan& plan);

}  // namespace rebate::jit
