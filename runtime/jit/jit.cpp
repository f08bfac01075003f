// The JIT's shared library (module.h): the functions of a plan generated (codegen.cpp), a hot one
// optimised at -O2 for this machine and compiled by ORC's LLJIT when asked (the tiered engine's thread,
// tiers.cpp) or the first time a run calls it, the cold ones together at -O0; an executor per thread
// calls the native functions through a table.
#include "jit/module.h"

#include <fmt/format.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/OptimizationLevel.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "jit/codegen.h"
#include "jit/helpers.h"
#include "jit/object_cache.h"
#include "jit/thread_clock.h"

namespace rebate::jit {

namespace {

std::string text(llvm::Error error) { return llvm::toString(std::move(error)); }

template <typename T>
T take(llvm::Expected<T> value, const char* doing) {
  if (!value) throw std::runtime_error(fmt::format("JIT: {}: {}", doing, text(value.takeError())));
  return std::move(*value);
}

void initialise_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

// The -O2 pipeline, tuned for the machine the code will run on.
void optimise(llvm::Module& module, llvm::TargetMachine& machine) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgscc, modules);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(module, modules);
}

// Functions `functions` of `plan` as a module laid out for `machine`, and its text (`ir`, when asked for).
std::unique_ptr<llvm::Module> laid_out_module(const plan::Plan& plan, const std::vector<plan::FunctionId>& functions, llvm::LLVMContext& context,
                                              llvm::TargetMachine& machine, std::string* ir) {
  std::unique_ptr<llvm::Module> module = generate(plan, functions, context);
  module->setDataLayout(machine.createDataLayout());
  module->setTargetTriple(machine.getTargetTriple().str());
  if (ir) {
    llvm::raw_string_ostream os(*ir);
    module->print(os, nullptr);
  }
  return module;
}

bool any_hot(const plan::Plan& plan, const std::vector<plan::FunctionId>& functions) {
  return std::any_of(functions.begin(), functions.end(), [&](plan::FunctionId f) { return is_hot(plan.functions[f]); });
}

// What a module's object depends on besides its IR: the JIT's and LLVM's versions, and the machine.
std::string build_description(const llvm::TargetMachine& machine) {
  return fmt::format("rebate-jit {} llvm {} {} {} {}", kModuleVersion, LLVM_VERSION_STRING, machine.getTargetTriple().str(), machine.getTargetCPU().str(),
                     machine.getTargetFeatureString().str());
}

// What compiling needs of LLVM before any plan is known: a JIT instance for this machine, and a target
// machine for the optimisation pipeline.
struct Llvm {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::unique_ptr<llvm::TargetMachine> machine;
  // The cold functions' code generator (CodeGenOpt::None): their modules are compiled to an object here
  // and handed to the JIT to link, past its own (-O2) code generator.
  std::unique_ptr<llvm::TargetMachine> cold_machine;
};

Llvm make_llvm() {
  initialise_llvm();
  llvm::orc::JITTargetMachineBuilder target = take(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host");
  Llvm llvm;
  llvm.machine = take(target.createTargetMachine(), "creating the target machine");
  llvm::orc::JITTargetMachineBuilder cold = target;
  cold.setCodeGenOptLevel(llvm::CodeGenOpt::None);
  llvm.cold_machine = take(cold.createTargetMachine(), "creating the target machine");
  llvm.jit = take(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(target)).create(), "starting LLJIT");
  return llvm;
}

// A plan's functions, each compiled when the binary asks (tiers.cpp: when it is worth compiling, or
// when it first runs): the functions the scan's kernels take (most row functions of a common program)
// are never compiled, nor those of clauses a run never reaches. Compiling is serialised; running
// compiled code is not.
class CompiledPlan final : public NativeCode {
 public:
  CompiledPlan(const plan::Plan& plan, decltype(&rebate_jit_instr) instr, decltype(&rebate_jit_fail) fail)
      : plan_(plan), fail_(fail), llvm_(make_llvm()), cache_(build_description(*llvm_.machine)), code_(plan.functions.size()) {
    const double start = thread_seconds();
    check_bytecode(plan);  // a lowering bug is found now, not when a function first runs
    llvm::orc::SymbolMap runtime;
    runtime[llvm_.jit->mangleAndIntern(kInstrHelper)] =
        llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(instr), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
    if (llvm::Error e = llvm_.jit->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(runtime))))
      throw std::runtime_error("JIT: " + text(std::move(e)));
    stats_.seconds += thread_seconds() - start;
  }

  vm::CompileStats stats() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  NativeFunction compiled(plan::FunctionId f) const override { return code_[f].load(std::memory_order_acquire); }

  // A hot function is compiled alone (the kernels take most of them: those are never compiled); the
  // first cold one asked for brings every cold one with it, in one module: evaluation runs nearly all
  // of them, and a module's fixed cost (its code generator's pipeline, its object linked) is most of
  // what compiling a cold function costs.
  NativeFunction compile(plan::FunctionId f) const override {
    if (NativeFunction code = compiled(f)) return code;
    std::lock_guard<std::mutex> lock(mutex_);
    if (NativeFunction code = code_[f].load(std::memory_order_relaxed)) return code;  // another thread was first
    const double start = thread_seconds();
    try {
      const bool hot = is_hot(plan_.functions[f]);
      std::vector<plan::FunctionId> batch{f};
      if (!hot) {
        batch.clear();
        for (plan::FunctionId g = 0; g < plan_.functions.size(); ++g) {
          if (!is_hot(plan_.functions[g]) && !code_[g].load(std::memory_order_relaxed)) batch.push_back(g);
        }
      }
      // The object: from the cache when an earlier run made it from the same IR, else optimised (when
      // hot) and generated now, and kept for the next run.
      llvm::LLVMContext context;
      std::string ir;
      std::unique_ptr<llvm::Module> module = laid_out_module(plan_, batch, context, *llvm_.machine, cache_.enabled() ? &ir : nullptr);
      const char* options = hot ? "O2" : "O0";
      std::optional<std::string> cached = cache_.load(ir, options);
      std::unique_ptr<llvm::MemoryBuffer> object;
      if (cached) {
        object = llvm::MemoryBuffer::getMemBufferCopy(*cached, function_symbol(plan_, f));
        stats_.cached += static_cast<uint32_t>(batch.size());
      } else {
        if (hot) optimise(*module, *llvm_.machine);  // (the cold ones are `optnone`: the pipeline would pass them by)
        object = take(llvm::orc::SimpleCompiler(hot ? *llvm_.machine : *llvm_.cold_machine)(*module), "compiling");
        cache_.store(ir, options, std::string(object->getBuffer()));
      }
      if (llvm::Error e = llvm_.jit->addObjectFile(std::move(object))) throw std::runtime_error("JIT: " + text(std::move(e)));
      for (plan::FunctionId g : batch) {
        llvm::JITEvaluatedSymbol symbol = take(llvm_.jit->lookup(function_symbol(plan_, g)), "compiling");
        code_[g].store(reinterpret_cast<NativeFunction>(static_cast<uintptr_t>(symbol.getAddress())), std::memory_order_release);
      }
      stats_.seconds += thread_seconds() - start;
      stats_.functions += static_cast<uint32_t>(batch.size());
      return code_[f].load(std::memory_order_relaxed);
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {  // an internal error: the bytecode was checked when the plan was prepared
      fail_(fmt::format("internal error: the JIT could not compile `{}` ({}); run with --engine vm", plan_.functions[f].name, e.what()).c_str());
    }
    std::abort();  // (fail_ throws)
  }

  const plan::Plan& plan_;
  decltype(&rebate_jit_fail) fail_;
  Llvm llvm_;
  ObjectCache cache_;
  mutable std::mutex mutex_;
  mutable std::vector<std::atomic<NativeFunction>> code_;  // by plan function; null until first run
  mutable vm::CompileStats stats_;
};

std::unique_ptr<NativeCode> compile(const plan::Plan& plan, decltype(&rebate_jit_instr) instr, decltype(&rebate_jit_fail) fail) {
  return std::make_unique<CompiledPlan>(plan, instr, fail);
}

std::string dump_llvm(const plan::Plan& plan) {
  initialise_llvm();
  llvm::orc::JITTargetMachineBuilder target = take(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host");
  std::unique_ptr<llvm::TargetMachine> machine = take(target.createTargetMachine(), "creating the target machine");
  llvm::LLVMContext context;
  std::string before, after;
  std::vector<plan::FunctionId> every(plan.functions.size());
  std::iota(every.begin(), every.end(), 0);
  std::unique_ptr<llvm::Module> module = laid_out_module(plan, every, context, *machine, &before);
  if (any_hot(plan, every)) optimise(*module, *machine);
  llvm::raw_string_ostream os(after);
  module->print(os, nullptr);
  os.flush();
  return "; ---- before optimisation ----\n" + before + "\n; ---- after optimisation (-O2) ----\n" + after;
}

}  // namespace
}  // namespace rebate::jit

extern "C" __attribute__((visibility("default"))) const rebate::jit::Module* rebate_jit_module() {
  static const rebate::jit::Module module{rebate::jit::kModuleVersion, &rebate::jit::compile, &rebate::jit::dump_llvm};
  return &module;
}
