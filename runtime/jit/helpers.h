// What native code calls back into: the one entry point for every instruction that is not compiled
// inline (loads through the Frame, decimal arithmetic past its fast paths, tier tables, errors). It runs
// the instruction with vm/ops.h, the interpreter's own semantics, and never lets an exception through
// native frames: a failure is kept in the Runtime and reported by the return value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>

#include "plan/plan.h"
#include "vm/executor.h"

namespace rebate::jit {

// One executor's (one thread's) state, handed to every compiled function.
struct Runtime {
  const plan::Plan* plan = nullptr;
  vm::Observer* observer = nullptr;
  std::exception_ptr error;  // what a helper that returned 1 met (an EvalError, or a Frame's exception)
  // Why the JIT could not start or compile, once it could not (tiers.cpp: what a call then reports).
  const std::exception_ptr* failure = nullptr;
};

// A compiled function: 0 with the result in `out`, or 1 with the error in `rt->error`. `cells`: the
// frame's (Frame::cells(), null but for a ledger line of the scan), which a row function reads directly.
using NativeFunction = int32_t (*)(Runtime* rt, vm::Frame* frame, const vm::LineCells* cells, plan::Value* out);

// The layouts compiled code assumes: a Value ({i128, i64, i16, i8} in LLVM IR), vm::ColumnCells
// ({i64*, i8*}) and vm::LineCells ({i32, ColumnCells*, i32**, ColumnCells**, i32*}).
static_assert(sizeof(plan::Value) == 32 && offsetof(plan::Value, aux) == 16 && offsetof(plan::Value, scale) == 24 &&
              offsetof(plan::Value, none) == 26 && sizeof(bool) == 1);
static_assert(sizeof(vm::ColumnCells) == 16 && offsetof(vm::ColumnCells, present) == 8);
static_assert(offsetof(vm::LineCells, columns) == 8 && offsetof(vm::LineCells, lookup_rows) == 16 &&
              offsetof(vm::LineCells, lookup_columns) == 24 && offsetof(vm::LineCells, text_ids) == 32);

// Throws vm::EngineUnavailable with `message`: how the JIT's library reports that it could not compile a
// function when a run first called it (an internal error), so that the exception is the binary's type.
[[noreturn]] void rebate_jit_fail(const char* message);

extern "C" {
// Runs instruction `instr` of function `function` on `values` (its operands, in stack order; the
// result is left in values[0]). `instr` one past the last instruction: the function ended without a
// result. Returns 0, or 1 with the error in rt->error.
int32_t rebate_jit_instr(Runtime* rt, vm::Frame* frame, uint32_t function, uint32_t instr, plan::Value* values) noexcept;
}

}  // namespace rebate::jit
