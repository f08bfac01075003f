// The interface between the binary and the JIT's shared library (librebate-jit.so, built beside the
// binary): LLVM lives in that library only, loaded by load.cpp the first time a run asks for the JIT, so
// every other command (check, lsp, a run on the interpreter) starts without mapping LLVM's 110 MB.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "jit/helpers.h"
#include "plan/plan.h"
#include "vm/executor.h"

namespace rebate::jit {

// Bumped whenever this struct or what it hands over changes: a library from another build is refused.
inline constexpr uint32_t kModuleVersion = 5;

// A plan's functions as native code (the library's CompiledPlan), shared by the run's threads: each
// compiled when asked, under a lock; its code then called directly (tiers.cpp), taking none.
class NativeCode {
 public:
  virtual ~NativeCode() = default;
  // Function `f`'s code, compiled now if it is not yet (a cold function brings every cold one with it).
  // An internal error is reported through the `fail` given to Module::compile.
  virtual NativeFunction compile(plan::FunctionId f) const = 0;
  // Function `f`'s code if it is compiled, else null.
  virtual NativeFunction compiled(plan::FunctionId f) const = 0;
  virtual vm::CompileStats stats() const = 0;
};

struct Module {
  uint32_t version = kModuleVersion;
  // `plan` made ready to compile: a JIT instance for this machine, the bytecode checked. The native
  // code calls `instr` (the binary's rebate_jit_instr); a function that cannot be compiled is reported
  // through `fail` (rebate_jit_fail).
  std::unique_ptr<NativeCode> (*compile)(const plan::Plan& plan, decltype(&rebate_jit_instr) instr, decltype(&rebate_jit_fail) fail) = nullptr;
  // The module before and after optimisation, as LLVM IR text.
  std::string (*dump_llvm)(const plan::Plan& plan) = nullptr;
};

// Whether function `f` is run per ledger line or group row (millions of times) rather than per partner
// and period: only those are compiled one by one with the -O2 pipeline, and worth compiling early
// (docs/architecture.md, "The JIT").
inline bool is_hot(const plan::Function& f) { return f.kind != plan::FunctionKind::PartnerPeriod; }

}  // namespace rebate::jit

// The library's one exported symbol.
extern "C" const rebate::jit::Module* rebate_jit_module();
