// The engines this build has: the bytecode interpreter always, the LLVM JIT when the build has LLVM
// (the CMake option REBATE_JIT). The command line offers these names and no others (`--engine`,
// `--help`, the error for an unknown name), and `rebate test` runs every test on each of them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "vm/executor.h"

namespace rebate::engines {

// In order: the interpreter first (the default), then the JIT if built.
const std::vector<vm::EngineKind>& built_engines();

// The engine named `name`, or null when this build has none by that name.
const vm::EngineKind* find_engine(const std::string& name);

// "vm or jit", "vm": the names, for messages and --help.
std::string engine_names();

// The intermediate forms an engine can print (`rebate run --dump=NAME`) besides the plan and the
// bytecode: "llvm" (the JIT's module before and after optimisation) when the JIT is built.
struct Dump {
  std::string name;
  std::function<std::string(const plan::Plan&)> print;
};
const std::vector<Dump>& engine_dumps();

}  // namespace rebate::engines
