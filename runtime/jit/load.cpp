// The binary's side of the JIT's shared library (library.h): found beside the executable, loaded once,
// and asked to compile. Loading is the only thing that can fail here that a build cannot catch (the
// library deleted or from another build): a clear error, never a crash.
#include <dlfcn.h>
#include <fmt/format.h>
#include <sys/mman.h>

#include <filesystem>
#include <mutex>
#include <new>
#include <stdexcept>
#include <system_error>

#include "jit/jit.h"
#include "jit/library.h"

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

}  // namespace

const Module& library() {
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

std::unique_ptr<NativeCode> prepare(const plan::Plan& plan) {
  const Module& m = library();
  try {
    return m.compile(plan, &rebate_jit_instr, &rebate_jit_fail);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {  // LLVM refused to start, or the bytecode is wrong: an internal error, said as one
    throw vm::EngineUnavailable(fmt::format("internal error: the JIT could not compile the program ({}); run with --engine vm", e.what()));
  }
}

std::string dump_llvm(const plan::Plan& plan) {
  const Module& m = library();
  try {
    return m.dump_llvm(plan);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw vm::EngineUnavailable(fmt::format("internal error: the JIT could not compile the program ({})", e.what()));
  }
}

}  // namespace rebate::jit
