// The list of the build's engines. The one place that knows whether the JIT was built: CMake defines
// REBATE_WITH_JIT for this file only, so no other file of the project has an #if about it.
#include "engines/engines.h"

#include "vm/vm.h"
#if REBATE_WITH_JIT
#include "jit/jit.h"
#endif

namespace rebate::engines {

const std::vector<vm::EngineKind>& built_engines() {
  static const std::vector<vm::EngineKind> engines = {
      vm::EngineKind{"vm", "the bytecode interpreter", [](const plan::Plan& plan, vm::Tiering) { return vm::interpreter(plan); }},
#if REBATE_WITH_JIT
      vm::EngineKind{"jit", "native code compiled by LLVM", [](const plan::Plan& plan, vm::Tiering tiering) { return jit::compile(plan, tiering); }},
#endif
  };
  return engines;
}

const std::vector<Dump>& engine_dumps() {
  static const std::vector<Dump> dumps = {
#if REBATE_WITH_JIT
      Dump{"llvm", [](const plan::Plan& plan) { return jit::dump_llvm(plan); }},
#endif
  };
  return dumps;
}

const vm::EngineKind* find_engine(const std::string& name) {
  for (const vm::EngineKind& e : built_engines())
    if (e.name == name) return &e;
  return nullptr;
}

std::string engine_names() {
  const std::vector<vm::EngineKind>& all = built_engines();
  std::string out;
  for (size_t i = 0; i < all.size(); ++i) out += (i == 0 ? "" : i + 1 == all.size() ? " or " : ", ") + all[i].name;
  return out;
}

}  // namespace rebate::engines
