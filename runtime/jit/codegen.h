// Plan functions -> LLVM IR: one IR function per plan function, from its bytecode (docs/architecture.md,
// "The JIT": why bytecode is the JIT's input). Internal to runtime/jit.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include "plan/plan.h"

namespace rebate::jit {

// The name of plan function `f`'s IR function ("f12.measure_ev_revenue").
std::string function_symbol(const plan::Plan& plan, plan::FunctionId f);

// The name of the runtime entry point compiled code calls (helpers.h).
inline constexpr const char* kInstrHelper = "rebate_jit_instr";

// Throws std::runtime_error for bytecode the JIT cannot compile (a stack depth that differs between two
// paths, a jump past the end: a lowering bug, never a user's), in any function of `plan`: run when a plan
// is prepared, so that compiling a function later, when it is first run, cannot meet one.
void check_bytecode(const plan::Plan& plan);

// The functions `functions` of `plan` as one module of IR, not yet optimised.
std::unique_ptr<llvm::Module> generate(const plan::Plan& plan, const std::vector<plan::FunctionId>& functions,
                                       llvm::LLVMContext& context);

}  // namespace rebate::jit
