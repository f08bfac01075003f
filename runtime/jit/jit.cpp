// The JIT's shared library (module.h): the plan's module generated (codegen.cpp), optimised at -O2 for
// this machine, and compiled by ORC's LLJIT; an executor per thread calls the native functions through
// a table.
#include "jit/module.h"

#include <fmt/format.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/OptimizationLevel.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <mutex>
#include <stdexcept>
#include <vector>

#include "jit/codegen.h"
#include "jit/helpers.h"

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

// The module of `plan`, laid out for this machine and optimised.
std::unique_ptr<llvm::Module> optimised_module(const plan::Plan& plan, llvm::LLVMContext& context,
                                               llvm::orc::JITTargetMachineBuilder& target, std::string* before) {
  std::unique_ptr<llvm::Module> module = generate(plan, context);
  std::unique_ptr<llvm::TargetMachine> machine = take(target.createTargetMachine(), "creating the target machine");
  module->setDataLayout(machine->createDataLayout());
  module->setTargetTriple(machine->getTargetTriple().str());
  if (before) {
    llvm::raw_string_ostream os(*before);
    module->print(os, nullptr);
  }
  optimise(*module, *machine);
  return module;
}

class NativeExecutor final : public vm::Executor {
 public:
  NativeExecutor(const plan::Plan& plan, const std::vector<NativeFunction>& code) : code_(code) { rt_.plan = &plan; }

  plan::Value run(plan::FunctionId f, vm::Frame& frame) override {
    plan::Value out;
    if (code_[f](&rt_, &frame, &out) != 0) {
      std::exception_ptr error = std::move(rt_.error);
      rt_.error = nullptr;
      std::rethrow_exception(error);
    }
    return out;
  }
  void set_observer(vm::Observer* observer) override { rt_.observer = observer; }
  vm::Observer* observer() const override { return rt_.observer; }

 private:
  Runtime rt_;
  const std::vector<NativeFunction>& code_;
};

class CompiledPlan final : public vm::Engine {
 public:
  CompiledPlan(const plan::Plan& plan, decltype(&rebate_jit_instr) instr) : plan_(plan) {
    initialise_llvm();
    llvm::orc::JITTargetMachineBuilder target = take(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host");
    auto context = std::make_unique<llvm::LLVMContext>();
    std::unique_ptr<llvm::Module> module = optimised_module(plan, *context, target, nullptr);
    jit_ = take(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(target)).create(), "starting LLJIT");
    llvm::orc::JITDylib& dylib = jit_->getMainJITDylib();
    llvm::orc::SymbolMap runtime;
    runtime[jit_->mangleAndIntern(kInstrHelper)] =
        llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(instr), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
    if (llvm::Error e = dylib.define(llvm::orc::absoluteSymbols(std::move(runtime)))) throw std::runtime_error("JIT: " + text(std::move(e)));
    if (llvm::Error e = jit_->addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(context))))
      throw std::runtime_error("JIT: " + text(std::move(e)));
    code_.reserve(plan.functions.size());
    for (plan::FunctionId f = 0; f < plan.functions.size(); ++f) {
      llvm::JITEvaluatedSymbol symbol = take(jit_->lookup(function_symbol(plan, f)), "compiling");
      code_.push_back(reinterpret_cast<NativeFunction>(static_cast<uintptr_t>(symbol.getAddress())));
    }
  }

  std::unique_ptr<vm::Executor> executor() const override { return std::make_unique<NativeExecutor>(plan_, code_); }

 private:
  const plan::Plan& plan_;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::vector<NativeFunction> code_;  // by plan function
};

std::unique_ptr<vm::Engine> compile(const plan::Plan& plan, decltype(&rebate_jit_instr) instr) {
  return std::make_unique<CompiledPlan>(plan, instr);
}

std::string dump_llvm(const plan::Plan& plan) {
  initialise_llvm();
  llvm::orc::JITTargetMachineBuilder target = take(llvm::orc::JITTargetMachineBuilder::detectHost(), "detecting the host");
  llvm::LLVMContext context;
  std::string before, after;
  std::unique_ptr<llvm::Module> module = optimised_module(plan, context, target, &before);
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
