// The lowering phase: a checked program (TypedProgram) in, an evaluation plan (runtime/plan) out.
// Every formula becomes a bytecode function; every aggregate is registered once per ledger so that the
// engine computes them all in one fused scan.
#pragma once

#include "check/checker.h"
#include "plan/plan.h"
#include "source/source.h"

namespace rebate {

// The program must have checked without errors.
plan::Plan lower_program(const TypedProgram& program, const SourceMap& sources);

}  // namespace rebate
