// The binary's handle on the JIT's shared library (librebate-jit.so, module.h): loaded the first time a
// run needs it (load.cpp), then asked to make a plan's native engine (tiers.cpp runs it).
#pragma once

#include <memory>

#include "jit/module.h"
#include "plan/plan.h"
#include "vm/executor.h"

namespace rebate::jit {

// The library, loaded (with LLVM) on the first call; throws vm::EngineUnavailable when it cannot be
// (missing, or from another build), again on every call.
const Module& library();

// The library's engine for `plan`: a JIT instance made and the bytecode checked; each function compiled
// when asked (Module::compile_function) or when it first runs. Throws vm::EngineUnavailable.
std::unique_ptr<vm::Engine> prepare(const plan::Plan& plan);

}  // namespace rebate::jit
