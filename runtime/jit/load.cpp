// The binary's side of the JIT (jit.h): the shared library found beside the executable, loaded once on a
// thread of its own while a run reads, and asked to compile. Loading is the only thing that can fail here
// that a build cannot catch (the library deleted or from another build): a clear error, never a crash.
#include <dlfcn.h>
#include <fmt/format.h>
#include <sys/mman.h>

#include <new>

#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "jit/jit.h"
#include "jit/module.h"

namespace rebate::jit {

namespace {

// The address space LLVM's shared library and a compiled program take, with room to spare.
constexpr size_t kLlvmAddressSpace = size_t{192} << 20;

// The library's path: beside the running executable (build/bin/, or wherever both are installed).
std::string library_path() {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path("librebate-jit.so") : self.parent_path() / "librebate-jit.so").string();
}

const Module& module() {
  static std::once_flag once;
  static const Module* loaded = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    const std::string path = library_path();
    // LLVM maps about 110 MB: a process without that much address space left (a memory limit) is out of
    // memory, and is told so as any other run out of memory is, rather than failing inside dlopen.
    void* room = mmap(nullptr, kLlvmAddressSpace, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (room == MAP_FAILED) throw std::bad_alloc();
    munmap(room, kLlvmAddressSpace);
    void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (!handle) {
      failure = fmt::format("the JIT engine's library cannot be loaded ({}); run with --engine vm", dlerror());
      return;
    }
    auto entry = reinterpret_cast<const Module* (*)()>(dlsym(handle, "rebate_jit_module"));
    const Module* m = entry ? entry() : nullptr;
    if (!m || m->version != kModuleVersion) {
      failure = fmt::format("the JIT engine's library `{}` is from another build; run with --engine vm", path);
      return;
    }
    loaded = m;  // never unloaded: compiled code and LLVM's state live until the process ends
  });
  if (!loaded) throw vm::EngineUnavailable(failure);
  return *loaded;
}

// The library's engine for `plan` (compiled functions come later, each when it first runs).
std::unique_ptr<vm::Engine> prepare(const plan::Plan& plan) {
  const Module& m = module();
  try {
    return m.compile(plan, &rebate_jit_instr, &rebate_jit_fail);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {  // LLVM refused to start, or the bytecode is wrong: an internal error, said as one
    throw vm::EngineUnavailable(fmt::format("internal error: the JIT could not compile the program ({}); run with --engine vm", e.what()));
  }
}

// The engine compile() gives: the plan kept, and a thread started that loads the library (LLVM), makes
// the library's engine and compiles ahead the functions evaluation will call, while the run reads its
// tables and scans with the kernels (the reference benchmark's scan runs no function). A thread that
// runs a function before then waits for the library's engine (or makes it, if that thread failed).
class DeferredPlan final : public vm::Engine {
 public:
  explicit DeferredPlan(const plan::Plan& plan) : plan_(plan) {
    try {
      ahead_ = std::thread([this] {
        try {
          module().compile_ahead(compiled());
        } catch (...) {  // whatever failed fails again when a function first runs, which reports it
        }
      });
    } catch (const std::system_error&) {  // no thread to be had: the first function run does it all
    }
  }
  // Joined, so that no thread is left inside dlopen or LLVM when the process exits.
  ~DeferredPlan() override {
    if (ahead_.joinable()) ahead_.join();
  }
  std::unique_ptr<vm::Executor> executor() const override;
  vm::CompileStats compile_stats() const override {
    if (ahead_.joinable()) ahead_.join();  // (what it compiles counts too)
    return compiled_ ? compiled_->compile_stats() : vm::CompileStats{};
  }

  // The library's engine; throws vm::EngineUnavailable (again on every call) when it cannot be had.
  const vm::Engine& compiled() const {
    std::call_once(once_, [this] { compiled_ = prepare(plan_); });  // a throw leaves once_ unset
    return *compiled_;
  }

 private:
  const plan::Plan& plan_;
  mutable std::once_flag once_;
  mutable std::unique_ptr<vm::Engine> compiled_;
  mutable std::thread ahead_;
};

// A thread's executor, the library's made at its first run.
class DeferredExecutor final : public vm::Executor {
 public:
  explicit DeferredExecutor(const DeferredPlan& plan) : plan_(plan) {}
  plan::Value run(plan::FunctionId f, vm::Frame& frame) override {
    if (!native_) [[unlikely]] {
      native_ = plan_.compiled().executor();
      native_->set_observer(observer_);
    }
    return native_->run(f, frame);
  }
  void set_observer(vm::Observer* observer) override {
    observer_ = observer;
    if (native_) native_->set_observer(observer);
  }
  vm::Observer* observer() const override { return observer_; }

 private:
  const DeferredPlan& plan_;
  std::unique_ptr<vm::Executor> native_;
  vm::Observer* observer_ = nullptr;
};

std::unique_ptr<vm::Executor> DeferredPlan::executor() const { return std::make_unique<DeferredExecutor>(*this); }

}  // namespace

std::unique_ptr<vm::Engine> compile(const plan::Plan& plan) { return std::make_unique<DeferredPlan>(plan); }

std::string dump_llvm(const plan::Plan& plan) {
  const Module& m = module();
  try {
    return m.dump_llvm(plan);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw vm::EngineUnavailable(fmt::format("internal error: the JIT could not compile the program ({})", e.what()));
  }
}

}  // namespace rebate::jit
